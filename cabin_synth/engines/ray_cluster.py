"""`--engine ray`: frames made by Ray actors, on a local Ray instance or a cluster.

Each actor is a process holding one FrameMaker (its own GL context, LP_NUM_THREADS
fixed as for local workers) and commits the frames it is given into --out,
which every node must reach (a shared filesystem). Tasks are idempotent: a
frame found committed is returned as it is, so Ray's retries (an actor restarted
after its process or node died, its call sent again) never write a frame twice
or differently. The driver (this process) hands out frame indices, counts
progress and stops after the frames in flight on SIGINT/SIGTERM.
RAY_ADDRESS names a running cluster; without it a local instance of --workers
CPUs is started for the run and shut down after it.
"""

import os
from pathlib import Path
from typing import Callable

from ..errors import UserError
from .local import environment, thread_settings

IN_FLIGHT = 2       # calls queued per actor: the next frame is ready when one finishes
RETRIES = 3         # restarts of a dead actor, and resends of its calls
POLL_S = 0.5


class FrameActor:
    def __init__(self, preset, seed: int, out: str, settings: dict[str, str]):
        os.environ.update(settings)   # before the GL context: llvmpipe reads its thread count then
        from ..pipeline import frame_writer

        self.maker, self.writer = frame_writer(preset, seed, Path(out))

    def make(self, index: int):
        from ..pipeline import Timings, write_new_frame

        if self.writer.committed(index):   # a retried call whose frame was committed before
            return self.writer.entry(index), {}
        timings = Timings()
        entry = write_new_frame(self.maker, self.writer, index, timings)
        return entry, {k: v[0] for k, v in timings.ms.items()}


def _unwrap(exc: Exception) -> Exception:
    """The UserError behind a Ray task error (a full disk on a node, say), else the error."""
    cause = getattr(exc, "cause", None)
    return cause if isinstance(cause, UserError) else exc


def run(preset, seed: int, out: Path, todo: list[int], workers: int, stop, done: Callable) -> None:
    try:
        import ray
    except ImportError:
        raise UserError("--engine ray needs Ray: pip install 'cabin-synth[ray]'", field="--engine") from None
    settings = thread_settings(workers)
    started_here = not ray.is_initialized()
    if started_here:
        address = os.environ.get("RAY_ADDRESS")
        with environment(settings):
            ray.init(address=address, num_cpus=None if address else workers, include_dashboard=False,
                     log_to_driver=False, configure_logging=False)
    remote = ray.remote(num_cpus=1, max_restarts=RETRIES, max_task_retries=RETRIES)(FrameActor)
    actors = [remote.remote(preset, seed, str(Path(out).resolve()), settings) for _ in range(workers)]
    queue = list(reversed(todo))
    pending = {}
    try:
        for actor in actors * IN_FLIGHT:
            if queue:
                pending[actor.make.remote(queue.pop())] = actor
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=POLL_S)
            for ref in ready:
                actor = pending.pop(ref)
                try:
                    done(*ray.get(ref))
                except ray.exceptions.RayError as exc:
                    raise _unwrap(exc) from None
                if queue and not stop.requested:
                    pending[actor.make.remote(queue.pop())] = actor
    finally:
        for actor in actors:
            ray.kill(actor)
        if started_here:
            ray.shutdown()
