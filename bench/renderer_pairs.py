"""The same frames by the rasteriser and by Cycles, side by side, into docs/renders/.

    python bench/renderer_pairs.py [--samples 64] [--out docs/renders]

One sheet per cabin (renderers_<cabin>.png, scaled to 3/4 and 256 colours):
rows day, dusk and night; columns
RGB by the rasteriser, RGB by Cycles, NIR by the rasteriser, NIR by Cycles. Each
frame is the one bench/cabin_renders.py pins (steering-column camera, neutral
pose, no accessories, 320 x 240, the default lens at half resolution) under the
light of its row, and each image is what the dataset holds: the renderer's
radiance through the same sensor model (sensor/model.py) and the same noise.
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
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cabin_renders import NO_ACCESSORIES, pinned  # noqa: E402

from cabin_synth.pipeline import FrameMaker  # noqa: E402
from cabin_synth.presets.preset import Preset  # noqa: E402
from cabin_synth.render.cycles import CyclesRenderer, CyclesSettings  # noqa: E402
from cabin_synth.render.gl import GLRenderer  # noqa: E402
from cabin_synth.scene.cabin import available_cabins  # noqa: E402

LIGHTS = {
    "day": {"sun_illuminance_lux": 30000.0, "sun_elevation_deg": 35.0, "sun_azimuth_deg": 30.0, "sky_fraction": 0.4},
    "dusk": {"sun_illuminance_lux": 400.0, "sun_elevation_deg": 3.0, "sun_azimuth_deg": 100.0, "sky_fraction": 0.8},
    "night": {"sun_illuminance_lux": 0.5, "sun_elevation_deg": 5.0, "sun_azimuth_deg": 0.0, "sky_fraction": 1.0,
              "dome_light": "led", "dome_light_flux_lm": 60.0, "dome_light_cct_k": 4000.0},
}


def lit(preset: Preset, light: str) -> Preset:
    data = copy.deepcopy(dict(preset.data))
    data["lighting"] = LIGHTS[light]
    return Preset(f"{preset.name}_{light}", preset.path, data)


def grey_rgb(image: np.ndarray) -> np.ndarray:
    """A NIR image (8 or 16 bit DN) as 8-bit RGB for the sheet."""
    if image.dtype != np.uint8:
        image = (image.astype(float) / max(int(image.max()), 1) * 255).astype(np.uint8)
    return np.repeat(image[..., None], 3, axis=2)


def save(sheet: Image.Image, path: Path) -> None:
    """Three quarters of the size, 256 colours: the sensor's noise would make a full-size
    true-colour sheet over 1 MB."""
    small = sheet.resize((sheet.width * 3 // 4, sheet.height * 3 // 4), Image.LANCZOS)
    small.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=64)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "renders")
    args = ap.parse_args()
    gl, cycles = GLRenderer(), CyclesRenderer(CyclesSettings(samples=args.samples))
    for cabin in available_cabins():
        rows = []
        for light in LIGHTS:
            preset = lit(pinned(cabin, "steering_column", NO_ACCESSORIES), light)
            ours = FrameMaker(preset, seed=0, renderer=gl).make(0).images
            t = time.perf_counter()
            theirs = FrameMaker(preset, seed=0, renderer=cycles).make(0).images
            print(f"{cabin} {light}: Cycles {time.perf_counter() - t:.1f} s per frame ({args.samples} samples)")
            rows.append(np.concatenate([ours["rgb"], theirs["rgb"], grey_rgb(ours["nir"]), grey_rgb(theirs["nir"])],
                                       axis=1))
        path = args.out / f"renderers_{cabin}.png"
        save(Image.fromarray(np.concatenate(rows, axis=0)), path)
        print(path)


if __name__ == "__main__":
    main()
