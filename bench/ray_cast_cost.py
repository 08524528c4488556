"""What --ray-cast costs a labels-only compliance set: every frame staged (posed
USD stage, landmark and occluder ray casts, labels/monitorable.py) but not
rendered, against plain labels-only clips.

    python bench/ray_cast_cost.py [--protocol euro-ncap-2026] [--clips 2] [--seconds 1.0]

Makes one clip of each of the first --clips cases of the protocol's
unable_to_monitor family (not crossed, shortened to --seconds: a revision is a
data change; the cost per frame does not depend on the clip's length) both
ways in one run, and prints ms per
frame (wall clock and this process's CPU time), the staging stages' ms, the
share of frames found unmonitored, and what a full set of the shipped
protocol would take at that rate.
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import yaml

from cabin_synth.compliance import matrix, protocol as protocols
from cabin_synth.compliance.generate import generate_set
from cabin_synth.compliance.scenario import clip_frames

FAMILY = "unable_to_monitor"


def shortened(name: str, clips: int, seconds: float, folder: Path) -> protocols.Protocol:
    """The protocol with only the family's first `clips` cases, uncrossed, `seconds` long."""
    shipped = protocols.load(name)
    data = yaml.safe_load(shipped.path.read_text())
    family = data["scenarios"][FAMILY]
    data["scenarios"] = {FAMILY: dict(family, duration_s=seconds, cases=family["cases"][:clips], cross=[])}
    data.pop("points", None)
    path = folder / shipped.path.name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return protocols.load(str(path))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--protocol", default="euro-ncap-2026")
    ap.add_argument("--clips", type=int, default=2, help="clips: one per case of the family, its first ones")
    ap.add_argument("--seconds", type=float, default=1.0, help="each clip's length, s")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        protocol = shortened(args.protocol, args.clips, args.seconds, tmp)
        results = {}
        for ray_cast in (False, True):
            out = tmp / ("cast" if ray_cast else "plain")
            wall, cpu = time.perf_counter(), time.process_time()
            summary = generate_set(protocol, 1, 0, out, render=False, progress=False, ray_cast=ray_cast)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            frames = sum(json.loads(p.read_text())["frame_count"] for p in out.glob("clips/*/clip.json"))
            blind = [r for p in out.glob("clips/*/clip.json")
                     for r in json.loads(p.read_text())["per_frame"].get("unmonitored", [])]
            results[ray_cast] = (wall / frames, cpu / frames)
            print(f"{'ray-cast' if ray_cast else 'plain   '}: {summary['clips']} clips, {frames} frames, "
                  f"{1e3 * wall / frames:.1f} ms/frame wall, {1e3 * cpu / frames:.1f} ms/frame cpu"
                  + (f", stages {', '.join(f'{k} {v:.0f} ms' for k, v in summary['ms_per_stage'].items())}, "
                     f"unmonitored {sum(map(bool, blind))}/{len(blind)} frames" if ray_cast else ""))
    shipped = protocols.load(args.protocol)
    full = sum(clip_frames(shipped, c) for c in matrix.supported(shipped))
    extra = results[True][0] - results[False][0]
    print(f"full {shipped.name} set, 1 per cell: {full} frames; ray casts add about {full * extra / 3600:.1f} h "
          f"at {1e3 * extra:.0f} ms/frame")
    return 0


if __name__ == "__main__":
    sys.exit(main())
