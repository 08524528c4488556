"""Per-stage timing of the embedded path: prints ms per stage, frames/s and peak memory.

    python bench/frame_stages.py [--preset default] [--frames 30] [--width 640 --height 480]

Runs the same code as `cabin-synth generate` (sample, scene update, labels,
render, sensor, encode, write) into a temporary folder; the first frame (stage
composition, GL start-up) is reported apart from the steady state.
"""

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from cabin_synth import presets
from cabin_synth.pipeline import STAGES, FrameMaker, Timings, dataset_document
from cabin_synth.writer import DatasetWriter, encode_png


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="default")
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--width", type=int)
    ap.add_argument("--height", type=int)
    args = ap.parse_args()

    preset = presets.load(args.preset)
    if args.width or args.height:
        data = dict(preset.data)
        data["sensor"] = dict(data["sensor"], width=args.width or data["sensor"]["width"],
                              height=args.height or data["sensor"]["height"])
        preset = presets.Preset(preset.name, preset.path, data)
    sensor = preset.section("sensor")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        maker = FrameMaker(preset, seed=0)
        writer = DatasetWriter(Path(tmp) / "bench", dataset_document(preset, 0))
        startup = time.perf_counter() - t0
        timings = Timings()
        wall = []
        for i in range(args.frames):
            start = time.perf_counter()
            frame = maker.make(i, timings if i else Timings())
            t = time.perf_counter()
            payloads = {k: encode_png(v) for k, v in frame.images.items()}
            if i:
                t = timings.add("encode", t)
            writer.write_frame(i, payloads, frame.labels)
            if i:
                timings.add("write", t)
                wall.append(time.perf_counter() - start)
            else:
                first = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"preset {preset.name}, {sensor['width']}x{sensor['height']}, {args.frames} frames "
          f"(first frame and start-up reported apart)")
    print(f"start-up {startup * 1e3:.0f} ms, first frame {first * 1e3:.0f} ms")
    for stage in STAGES:
        v = np.array(timings.ms[stage])
        print(f"  {stage:8s} {np.median(v):8.1f} ms median  {v.mean():8.1f} ms mean")
    total = np.array(wall)
    print(f"  {'total':8s} {np.median(total) * 1e3:8.1f} ms median  -> {1.0 / total.mean():.2f} frames/s")
    print(f"peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
