"""The world outside the windows by the rasteriser and by Cycles, one frame per light.

    python bench/cycles_world.py [--samples 16] [--out docs/renders/cycles_world.png]

One sheet: rows day (sun 35 deg, 30,000 lux) and night (sun -20 deg, sodium road
lights); columns RGB by the rasteriser, RGB by Cycles, NIR by the rasteriser, NIR by
Cycles, each through the same sensor model. The frame is bench/cabin_renders.py's
pinned one (320 x 240, no accessories) from the A-pillar mount, which sees the
windscreen and the side glass, on a suburban road with traffic. Run it with an older
checkout's package first on PYTHONPATH to draw the same sheet before a change.
Prints seconds per Cycles frame.
"""

import argparse
import copy
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from cabin_renders import DAY, NO_ACCESSORIES, pinned  # noqa: E402
from renderer_pairs import grey_rgb, save  # noqa: E402

from cabin_synth.pipeline import FrameMaker  # noqa: E402
from cabin_synth.presets.preset import Preset  # noqa: E402
from cabin_synth.render.cycles import CyclesRenderer, CyclesSettings  # noqa: E402
from cabin_synth.render.gl import GLRenderer  # noqa: E402

LIGHTS = {"day": (DAY, {"road_lights": "led"}),
          "night": ({"sun_illuminance_lux": 0.05, "sun_elevation_deg": -20.0, "sun_azimuth_deg": 30.0,
                     "sky_fraction": 1.0}, {"road_lights": "sodium", "road_light_lux": 20.0})}


def framed(light: str) -> Preset:
    lighting, environment = LIGHTS[light]
    preset = pinned("hatchback", "a_pillar", NO_ACCESSORIES, lighting)
    data = copy.deepcopy(dict(preset.data))
    data["environment"] = dict(data["environment"], traffic=4, **environment)
    return Preset(f"{preset.name}_{light}", preset.path, data)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=16)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "renders" / "cycles_world.png")
    args = ap.parse_args()
    gl, cycles = GLRenderer(), CyclesRenderer(CyclesSettings(samples=args.samples))
    rows = []
    for light in LIGHTS:
        preset = framed(light)
        ours = FrameMaker(preset, seed=0, renderer=gl).make(0).images
        t = time.perf_counter()
        theirs = FrameMaker(preset, seed=0, renderer=cycles).make(0).images
        print(f"{light}: Cycles {time.perf_counter() - t:.1f} s per frame ({args.samples} samples)")
        rows.append(np.concatenate([ours["rgb"], theirs["rgb"], grey_rgb(ours["nir"]), grey_rgb(theirs["nir"])], axis=1))
    save(Image.fromarray(np.concatenate(rows, axis=0)), args.out)
    print(args.out)


if __name__ == "__main__":
    main()
