"""Per-stage timing of the embedded path, and the raw render alone.

    python bench/frame_stages.py [--preset default] [--frames 30] [--sizes 640x480 1600x1300] [--no-optics]
                                 [--subjects N]

For each image size: runs the same code as `cabin-synth generate` (sample,
scene update, labels, render, sensor, encode, write: RGB, NIR, depth, seg, ids
and the frame JSON written to a temporary folder) and prints ms per stage and
frames/s. As in `generate`, a frame is encoded and written on a thread while the
next one is made (pipeline.BackgroundWriter): encode and write are what they
cost on that thread (frame 0's included); the total is the loop's wall time per
frame, which waits for the previous frame's write only where it has not ended.
Then it renders the same frames' scene views again with nothing around the
renderer (`GLRenderer.render` alone), so the cost of everything around the
rasteriser shows as the ratio of the two. The first frame (stage composition,
GL start-up) is reported apart from the steady state. `--no-optics` drops the
sensor's `optics` section (an ideal lens: the path before sensor/optics.py), to
measure the lens's cost in the same run. `--subjects N` runs each size twice,
with every frame drawing its own driver and with a dataset of N people (the
preset's `subjects`), whose maps and textures are made once per person. Wall-clock figures: on a shared machine,
run it when nothing else is.
"""

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from cabin_synth import presets
from cabin_synth.dataset.writer import DatasetWriter
from cabin_synth.pipeline import STAGES, BackgroundWriter, FrameMaker, Timings, dataset_document


def sized(preset: presets.Preset, width: int, height: int, optics: bool = True,
          subjects: int | None = None) -> presets.Preset:
    data = dict(preset.data, subjects=subjects) if subjects else dict(preset.data)
    data["sensor"] = {k: v for k, v in dict(data["sensor"], width=width, height=height).items()
                      if optics or k != "optics"}
    return presets.Preset(preset.name, preset.path, data)


def bench(preset: presets.Preset, frames: int) -> None:
    sensor = preset.section("sensor")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        maker = FrameMaker(preset, seed=0)
        writer = DatasetWriter(Path(tmp) / "bench", dataset_document(preset, 0))
        startup = time.perf_counter() - t0
        timings = Timings()
        wall, views = [], []
        with BackgroundWriter(writer, preset.output, timings, lambda entry: None) as background:
            for i in range(frames):
                start = time.perf_counter()
                frame = maker.make(i, timings if i else Timings())
                background.submit(i, frame)
                if i:
                    wall.append(time.perf_counter() - start)
                    views.append(frame.view)
                else:
                    first = time.perf_counter() - start
        raw = []
        for view in views:
            start = time.perf_counter()
            maker.renderer.render(view)
            raw.append(time.perf_counter() - start)
    total, raw = np.array(wall), np.array(raw)
    people = f"{preset.data['subjects']} subjects" if preset.data.get("subjects") else "a driver per frame"
    print(f"preset {preset.name}, {sensor['width']}x{sensor['height']}, {frames} frames, {people}, "
          f"{'lens optics' if sensor.get('optics') else 'ideal lens'} "
          f"(first frame and start-up reported apart)")
    print(f"start-up {startup * 1e3:.0f} ms, first frame {first * 1e3:.0f} ms")
    for stage in (s for s in STAGES if timings.ms[s]):    # subframes: clip frames only
        v = np.array(timings.ms[stage])
        print(f"  {stage:8s} {np.median(v):8.1f} ms median  {v.mean():8.1f} ms mean")
    print(f"  {'total':8s} {np.median(total) * 1e3:8.1f} ms median  -> {1.0 / total.mean():.2f} frames/s "
          f"(RGB+NIR+depth+seg+ids+labels on disk)")
    print(f"  {'raw':8s} {np.median(raw) * 1e3:8.1f} ms median  -> {1.0 / raw.mean():.2f} frames/s (render alone)")
    print(f"  whole frame / raw render: {total.mean() / raw.mean():.1f}x")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="default")
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--sizes", nargs="+", default=["640x480", "1600x1300"], help="WIDTHxHEIGHT ...")
    ap.add_argument("--no-optics", action="store_true", help="an ideal lens: no defocus, vignetting or colour fringes")
    ap.add_argument("--subjects", type=int, help="also run with a dataset of this many people")
    args = ap.parse_args()
    preset = presets.load(args.preset)
    for size in args.sizes:
        width, height = (int(v) for v in size.lower().split("x"))
        for subjects in (None, args.subjects) if args.subjects else (None,):
            bench(sized(preset, width, height, not args.no_optics, subjects), args.frames)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
