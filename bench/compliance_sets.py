"""Full labels-only compliance sets: how fast they are made, and every clip's
ground truth against the independent reading of the rules in
tests/compliance_oracle.py (the tests check a sample; this checks all).

    python bench/compliance_sets.py [--protocol euro-ncap-2026 ...] [--per-cell 1] [--out DIR]

Prints per protocol: clips, frames, seconds, clips/s and frames/s (wall clock and
this process's CPU time, since the machine may be shared), and how many clips'
ground truth differ from the oracle's (0 expected). Sets are written under --out
(default: a temporary folder, removed afterwards).
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from compliance_oracle import actual, expected, load_protocol  # noqa: E402

from cabin_synth.compliance import matrix, protocol as protocols  # noqa: E402
from cabin_synth.compliance.generate import generate_set  # noqa: E402

PROTOCOLS = ("eu-addw", "eu-ddaw", "euro-ncap-2026")


def run(name: str, per_cell: int, out: Path) -> None:
    protocol = protocols.load(name)
    n = matrix.set_size(protocol, per_cell)
    wall, cpu = time.perf_counter(), time.process_time()
    summary = generate_set(protocol, per_cell, 0, out, render=False, progress=False)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    frames = 0
    wrong = []
    raw = load_protocol(protocol.path)
    for path in sorted(out.glob("clips/*/clip.json")):
        clip = json.loads(path.read_text())
        frames += clip["frame_count"]
        if actual(clip) != expected(raw, clip):
            wrong.append(clip["compliance"]["cell"]["id"])
    made = summary["clips"] - summary["skipped"]
    print(f"{protocol.name}: {n} clips ({per_cell} per cell of {len(matrix.supported(protocol))}), {frames} frames; "
          f"{wall:.0f} s wall, {cpu:.0f} s CPU: {made / wall:.2f} clips/s, {frames / wall:.0f} frames/s wall "
          f"({made / cpu:.2f} clips/s, {frames / cpu:.0f} frames/s of CPU); load average {os.getloadavg()[0]:.1f}")
    print(f"  ground truth differing from the independent reading: {len(wrong)} of {n} clips"
          + (f" (e.g. {wrong[0]})" if wrong else ""))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--protocol", nargs="*", default=list(PROTOCOLS))
    ap.add_argument("--per-cell", type=int, default=1)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.out or Path(tmp)
        for name in args.protocol:
            run(name, args.per_cell, root / name)


if __name__ == "__main__":
    main()
