"""`--workers K`: K processes on this machine, each with its own GL context.

Each worker is a fresh (spawned) process: forking a GL context or a USD stage
is unsafe. It keeps a FrameMaker for the run, takes frame indices from a shared
queue and commits each frame itself; the parent only counts them. The
renderer's thread count is fixed per worker (Mesa llvmpipe's LP_NUM_THREADS =
cores // K), so K workers share the cores instead of fighting for them;
llvmpipe's pixels do not depend on its thread count; BLAS runs one thread in
every process (set when cabin_synth is imported), as the labels depend on its thread count
in the last bits. Workers ignore SIGINT/SIGTERM: the parent decides, and tells them to stop
after their frame in flight.
"""

import multiprocessing
import os
import queue
import signal
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from ..errors import UserError

POLL_S = 0.5


def thread_settings(workers: int) -> dict[str, str]:
    return {"LP_NUM_THREADS": str(max(1, (os.cpu_count() or 1) // workers))}


@contextmanager
def environment(settings: dict[str, str]):
    """Spawned processes inherit os.environ as it is when they start."""
    saved = {k: os.environ.get(k) for k in settings}
    os.environ.update(settings)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _work(worker: int, preset, seed: int, out: str, tasks, results, halt) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = os.getppid()
    try:
        from ..pipeline import Timings, frame_writer, write_new_frame

        maker, writer = frame_writer(preset, seed, Path(out))
        # A worker whose parent died (SIGKILL) stops too: the parent's lock no longer covers it.
        while not halt.is_set() and os.getppid() == parent:
            index = tasks.get()
            if index is None:
                break
            timings = Timings()
            entry = write_new_frame(maker, writer, index, timings)
            results.put(("frame", (entry, {k: v[0] for k, v in timings.ms.items()})))
    except UserError as exc:
        results.put(("user_error", str(exc)))
    except BaseException:
        results.put(("error", traceback.format_exc()))
    results.put(("done", worker))


def run(preset, seed: int, out: Path, todo: list[int], workers: int, stop, done: Callable) -> None:
    """Make frames `todo` on `workers` processes; done(entry, ms_by_stage) per committed frame."""
    ctx = multiprocessing.get_context("spawn")
    tasks, results, halt = ctx.Queue(), ctx.Queue(), ctx.Event()
    for index in todo:
        tasks.put(index)
    for _ in range(workers):
        tasks.put(None)
    tasks.cancel_join_thread()   # a stopped run leaves indices in the queue: exit without flushing them
    with environment(thread_settings(workers)):
        procs = [ctx.Process(target=_work, args=(w, preset, seed, str(out), tasks, results, halt), daemon=True)
                 for w in range(workers)]
        for p in procs:
            p.start()
    finished: set[int] = set()
    failure = None
    try:
        while len(finished) < workers:
            if stop.requested:
                halt.set()
            try:
                kind, payload = results.get(timeout=POLL_S)
            except queue.Empty:
                # A worker gone without saying so was killed: the others stop after their frame.
                dead = [w for w, p in enumerate(procs) if p.exitcode is not None and w not in finished]
                if dead:
                    failure = failure or RuntimeError(f"worker {dead[0]} died (exit code {procs[dead[0]].exitcode})"
                                                      "; committed frames are kept, rerun the same command to resume")
                    finished.update(dead)
                    halt.set()
                continue
            if kind == "frame":
                done(*payload)
            elif kind == "done":
                finished.add(payload)
            else:
                failure = failure or (UserError(payload) if kind == "user_error" else RuntimeError(
                    f"a worker failed:\n{payload}"))
                halt.set()
    finally:
        halt.set()
        for p in procs:
            p.join(timeout=60)
            if p.is_alive():
                p.kill()
    if failure is not None:
        raise failure
