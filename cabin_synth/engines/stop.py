"""SIGINT and SIGTERM: finish the frame in flight, commit it, then stop.

A second SIGINT drops the frame in flight at once (its temporary files are
removed when the run is resumed; committed frames are never touched).
"""

import signal
import threading


class Interrupted(Exception):
    """The run stopped on a signal after committing its frames in flight."""

    def __init__(self, signum: int, committed: int, total: int):
        self.exit_code = 128 + signum
        super().__init__(f"stopped by {signal.Signals(signum).name} with {committed} of {total} frames committed "
                         "(the frame in flight was finished or dropped whole); rerun the same command to resume")


class StopRequest:
    """Turns SIGINT/SIGTERM into a flag the frame loop reads between frames."""

    def __init__(self):
        self.signum: int | None = None
        self.halted = False
        self._saved: dict[int, object] = {}

    @property
    def requested(self) -> bool:
        return self.signum is not None or self.halted

    def halt(self) -> None:
        """Stop after the frames in flight at the caller's request (no signal)."""
        self.halted = True

    def _handle(self, signum, _frame) -> None:
        if self.signum == signal.SIGINT and signum == signal.SIGINT:
            raise KeyboardInterrupt   # asked twice: drop the frame in flight
        self.signum = signum

    def __enter__(self) -> "StopRequest":
        if threading.current_thread() is threading.main_thread():   # only the main thread may set handlers
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._saved[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for signum, handler in self._saved.items():
            signal.signal(signum, handler)
