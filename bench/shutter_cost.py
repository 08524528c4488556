"""Cost of exposure over time in clips (sensor.shutter): the frames of a head turn
made with and without motion blur and a rolling shutter.

    python bench/shutter_cost.py [--frames 10] [--size 640x480] [--lux 300 30000]

Takes `distraction_clips` seed 2 clip 0, whose fastest head turn is frame 465,
and makes the `--frames` frames centred on it through FrameMaker.make, as
`cabin-synth generate --clips` does, first without a shutter section, then with
`{motion_blur: true, rgb_line_time_us: 30}`, at each outside illuminance (dusk:
the RGB camera exposes for the whole frame period; day: for far less). Prints
ms per frame and the mean instants rendered per image.
"""

import argparse
import copy
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cabin_synth import presets  # noqa: E402
from cabin_synth.behaviour.clips import make_clip  # noqa: E402
from cabin_synth.pipeline import FrameMaker  # noqa: E402
from cabin_synth.presets.preset import Preset  # noqa: E402

SHUTTER = {"motion_blur": True, "rgb_line_time_us": 30}


def variant(width: int, height: int, lux: float, shutter: dict | None) -> Preset:
    base = presets.load("distraction_clips")
    data = copy.deepcopy(dict(base.data))
    data["sensor"].update(width=width, height=height)
    if shutter:
        data["sensor"]["shutter"] = shutter
    data["lighting"]["sun_illuminance_lux"] = lux
    return Preset(base.name, base.path, data)


def run(preset: Preset, ks: list[int]) -> tuple[float, dict]:
    clip = make_clip(preset, 2, 0)
    sensor = preset.section("sensor")
    maker = FrameMaker(preset, 2)
    maker.make(clip.params[ks[0]].index, params=clip.params[ks[0]])   # stage composition, GL start-up
    times, counts = [], {"rgb": [], "nir": []}
    for k in ks:
        params = clip.params[k]
        start = time.perf_counter()
        frame = maker.make(params.index, params=params,
                           at=lambda dt, k=k, i=params.index: clip.params_at(k / clip.fps + dt, i, sensor))
        times.append(time.perf_counter() - start)
        state = frame.labels["sensor_state"].get("shutter", {"rgb_subframes": 1, "nir_subframes": 1})
        for band in counts:
            counts[band].append(state[f"{band}_subframes"])
    return float(np.median(times)) * 1e3, {b: float(np.mean(c)) for b, c in counts.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=10)
    ap.add_argument("--size", default="640x480")
    ap.add_argument("--lux", type=float, nargs="+", default=[300.0, 30000.0])
    args = ap.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    ks = list(range(465 - args.frames // 2, 465 - args.frames // 2 + args.frames))
    for lux in args.lux:
        plain, _ = run(variant(width, height, lux, None), ks)
        exposed, counts = run(variant(width, height, lux, SHUTTER), ks)
        print(f"{width}x{height}, {lux:g} lux outside, frames {ks[0]}-{ks[-1]}: no shutter {plain:.0f} ms/frame, "
              f"motion blur + rolling shutter {exposed:.0f} ms/frame ({exposed / plain:.1f}x); "
              f"instants per image: RGB {counts['rgb']:.1f}, NIR {counts['nir']:.1f}")


if __name__ == "__main__":
    main()
