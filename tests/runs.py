"""Runs of the tiny preset (96 x 72 pixels) through the command line, and how tests
compare and check their output folders (tests/test_scaleout.py, test_ray.py, test_fuzz.py)."""

import subprocess
import sys
from pathlib import Path

from cabin_synth.cli import main
from cabin_synth.dataset.writer import DatasetWriter

TINY = str(Path(__file__).parent / "fixtures" / "tiny.yaml")
FRAMES = 12


def arguments(out: Path, *extra: str, frames: int = FRAMES) -> list[str]:
    """The command line's arguments of a run of the tiny preset (after `cabin-synth`)."""
    return ["generate", "--preset", TINY, "--frames", str(frames), "--seed", "3", "--out", str(out), *extra]


def run(out: Path, *extra: str, frames: int = FRAMES) -> int:
    return main(arguments(out, "--quiet", *extra, frames=frames))


def command(out: Path, *extra: str, frames: int = FRAMES) -> list[str]:
    """`run`'s command line for a process of its own."""
    return [sys.executable, "-m", "cabin_synth.cli", *arguments(out, *extra, frames=frames)]


def run_alone(out: Path, *extra: str, env=None, frames: int = FRAMES) -> subprocess.CompletedProcess:
    """`run` in a fresh process, as a user runs it, not in the pytest process that has run
    other tests before (tests/test_scaleout.py checks that this makes no difference)."""
    return subprocess.run(command(out, "--quiet", *extra, frames=frames), env=env, capture_output=True, text=True)


def tree(out: Path) -> dict[str, bytes]:
    """Every file of a dataset folder but the shards' parts and the (empty once released) locks."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.relative_to(out).parts[0] not in ("parts", ".locks")}


def only_committed(out: Path) -> bool:
    """Every file in frames/ belongs to a whole frame (its JSON lists it with its size and
    sha256), and no temporary file is left anywhere."""
    writer = DatasetWriter(out, None)
    indices = {int(p.name.split(".")[0]) for p in (out / "frames").iterdir()}
    return all(writer.committed(i) for i in indices) and not list(out.rglob(".*.tmp"))
