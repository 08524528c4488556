"""Time to plan and label clips without rendering (what --labels-only costs).

    python bench/clip_labels.py [--preset drowsiness_clips] [--clips 5]

Prints seconds per clip, frames labelled per second and the mean PERCLOS per KSS.
"""

import argparse
import time
from collections import defaultdict

import numpy as np

from cabin_synth import presets
from cabin_synth.behaviour.clips import make_clip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="drowsiness_clips")
    ap.add_argument("--clips", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    preset = presets.load(args.preset)
    make_clip(preset, args.seed, 0)   # cabin reading and imports outside the timing
    perclos, frames = defaultdict(list), 0
    start = time.perf_counter()
    for c in range(args.clips):
        labels = make_clip(preset, args.seed, c).labels
        perclos[labels["kss"]].append(labels["perclos_p80"]["clip"])
        frames += labels["frame_count"]
    seconds = time.perf_counter() - start
    print(f"{args.clips} clips of preset {preset.name}: {seconds / args.clips:.2f} s per clip, "
          f"{frames / seconds:.0f} frames labelled per second")
    for kss in sorted(perclos):
        print(f"  KSS {kss}: PERCLOS P80 {np.mean(perclos[kss]):.3f} over {len(perclos[kss])} clip(s)")


if __name__ == "__main__":
    main()
