"""One writer per frame range of an output folder: lock files naming their holder.

A run holds <out>/.locks/shard-IIII-of-NNNN.json (a run without --shard is shard
0/1) with its host, pid, the process's start (so that a reused pid, common in
containers, is not taken for the holder) and the wall-clock start, and touches it
after every frame. Another
process asking for the same shard, or for a shard of a different N (whose
frames would overlap), is refused while the holder lives. A lock is stale, and
taken over with a note, when its holder is a dead process on this host, or on
another host when it has not been touched for STALE_S seconds (a crashed
machine or pod). Shards of one N write side by side into one folder.
"""

import json
import os
import socket
import sys
import time
from pathlib import Path

from ..errors import UserError
from .shards import Shard
from .writer import tmp_owner

LOCKS = ".locks"
STALE_S = 15 * 60   # far above the slowest frame (a path-traced one): no live holder stays silent so long


def process_start(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot, /proc/PID/stat field 22); None if
    unknown. With the pid it names one process: pids are reused, in containers within minutes."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def alive(host: str, pid: int, start: str | None = None) -> bool:
    """Whether process `pid` of `host` (started at `start`, when known) may still run;
    another host's is assumed to."""
    if host != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # someone else's live process
        pass
    return start is None or process_start(pid) in (None, start)


def live_holder(path: Path) -> dict | None:
    """The holder recorded in lock file `path`; None when it is stale (or unreadable: torn by a crash)."""
    age = 0.0
    try:
        age = time.time() - path.stat().st_mtime
        holder = json.loads(path.read_text())
        host, pid, start = str(holder["host"]), int(holder["pid"]), holder.get("process_start")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        # Created but not yet written by a process starting this very moment, or torn by a crash.
        return {"host": "unknown", "pid": "unknown", "started": "a moment ago"} if age < 5 else None
    if not alive(host, pid, start) or (host != socket.gethostname() and age > STALE_S):
        return None
    return holder


class OutputLock:
    """Held by a run for its shard of `out` (a context manager); refuses overlapping writers."""

    def __init__(self, out: Path, shard: Shard):
        self.out = Path(out)
        self.shard = shard
        self.path = self.out / LOCKS / f"{shard.name}.json"

    def _refuse(self, path: Path, holder: dict, why: str) -> UserError:
        return UserError(f"{why}: pid {holder['pid']} on host {holder['host']} has held it since "
                         f"{holder['started']}. Wait for it to finish, or, if that process is gone, remove {path} "
                         "and rerun; nothing was written", file=str(self.out))

    def __enter__(self) -> "OutputLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        record = json.dumps({"host": socket.gethostname(), "pid": os.getpid(),
                             "process_start": process_start(os.getpid()), "shard": str(self.shard),
                             "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}).encode()
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = live_holder(self.path)
                if holder is not None:
                    raise self._refuse(self.path, holder, f"shard {self.shard} of this folder is being written") \
                        from None
                print(f"cabin-synth: taking over the stale lock {self.path}", file=sys.stderr)
                self.path.unlink(missing_ok=True)
                continue
            with os.fdopen(fd, "wb") as f:
                f.write(record)
            break
        else:
            raise UserError("another process keeps taking this folder's lock; nothing was written",
                            file=str(self.path))
        for other in sorted(self.path.parent.glob("shard-*.json")):
            count = int(other.stem.rsplit("-", 1)[1]) if other.stem.rsplit("-", 1)[1].isdigit() else None
            holder = live_holder(other) if other != self.path and count != self.shard.count else None
            if holder is not None:
                self.path.unlink(missing_ok=True)
                raise self._refuse(other, holder, f"shard {holder.get('shard')} of this folder is being written, "
                                   f"and its frames overlap those of shard {self.shard}")
        self.clear_leftovers()
        return self

    def clear_leftovers(self) -> None:
        """Remove temporary files of dead writers: any of this shard's frames (they are ours
        now), and on this host any whose writer has exited."""
        for folder in (self.out, *(p for p in self.out.iterdir() if p.is_dir())):
            for path in folder.glob(".*.tmp"):
                owner = tmp_owner(path)
                if owner is None:
                    continue
                stem = path.name[1:].split(".", 1)[0]
                ours = folder.name == "frames" and stem.isdigit() and self.shard.owns(int(stem))
                if ours or not alive(*owner):
                    path.unlink(missing_ok=True)

    def beat(self) -> None:
        """Show that the holder is alive (other hosts judge staleness by this)."""
        try:
            os.utime(self.path)
        except OSError:
            pass

    def __exit__(self, *exc) -> None:
        self.path.unlink(missing_ok=True)


def holders(out: Path) -> list[tuple[Path, dict]]:
    """Live holders of any lock of `out` (merge refuses while shards still run)."""
    found = ((p, live_holder(p)) for p in sorted((Path(out) / LOCKS).glob("shard-*.json")))
    return [(p, h) for p, h in found if h is not None]
