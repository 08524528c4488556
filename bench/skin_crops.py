"""Close-up face crops of the skin for judging it by eye, and the before/after sheet in docs/.

    python bench/skin_crops.py /tmp/after.png                  # crops of this tree
    PYTHONPATH=<other tree> python bench/skin_crops.py /tmp/before.png
    python bench/skin_crops.py --compose /tmp/before.png /tmp/after.png docs/renders/skin_before_after.png

Each row is one driver (Fitzpatrick I to VI, ages 20 to 80, sexes alternating),
rendered by the real pipeline (FrameMaker) with a close-up camera (1280 x 960,
6 mm lens, 3 um pixels: about 0.3 mm per pixel on the face) in daylight, head
turned to the camera; the tiles are the RGB and NIR frames cropped round the
eyes, nose and cheeks (about 0.4 mm per tile pixel). The script uses only what
every version of the pipeline has, so that an older tree renders the same
drivers for the "before" half.
"""

import argparse
import copy

import numpy as np
from PIL import Image, ImageDraw

from cabin_synth import presets
from cabin_synth.pipeline import FrameMaker

from contact_sheet import tiles

TILE = 200
DRIVERS = [(1, 20, "female"), (2, 45, "male"), (3, 80, "female"), (4, 30, "male"), (5, 60, "female"), (6, 75, "male")]


def close_up(skin_type: int, age: float, sex: str) -> presets.Preset:
    base = presets.load("default")
    data = copy.deepcopy(dict(base.data))
    data["sensor"].update(width=1280, height=960, focal_length_mm=6.0, pixel_pitch_um=3.0)
    data["driver"].update(sex=sex, age_years=float(age), skin_type=skin_type)
    data["head_pose"].update(yaw_deg=-12.0, pitch_deg=0.0, roll_deg=0.0, offset_x_m=0.0, offset_y_m=0.0, offset_z_m=0.0)
    data["gaze"].update(yaw_deg=0.0, pitch_deg=0.0, distance_m=2.0)
    data["eyes"].update(closure=0.0, pupil_diameter_mm=4.0)
    data["expression"] = {"smile": 0.0, "mouth_open": 0.0}
    data["camera"].update(position_jitter_m=0.0, aim_jitter_deg=0.0)
    data["lighting"].update(sun_illuminance_lux=30000.0, sun_elevation_deg=30.0, sun_azimuth_deg=25.0, sky_fraction=0.4)
    data["body"]["hand_pose"] = "ten_two"
    for key in ("eyewear", "headwear", "face", "neck", "phone"):
        if key in data["accessories"]:
            data["accessories"][key] = "none"
    return presets.Preset(name="skin_crops", path=base.path, data=data)


def crops(frame) -> tuple[Image.Image, Image.Image]:
    """Close crops of the face; 10-bit NIR by a fixed shift, so that before and after compare."""
    return tiles(frame, TILE, half=0.32, lift=0.12,
                 nir_8bit=lambda nir: nir if nir.dtype == np.uint8 else (nir >> 2).astype(np.uint8))


def render(path: str) -> None:
    tiles = []
    for k, (skin_type, age, sex) in enumerate(DRIVERS):
        frame = FrameMaker(close_up(skin_type, age, sex), seed=40 + k).make(0)
        tiles.append(crops(frame))
    sheet = Image.new("RGB", (2 * TILE, len(tiles) * TILE))
    for k, (rgb, nir) in enumerate(tiles):
        sheet.paste(rgb, (0, k * TILE))
        sheet.paste(nir, (TILE, k * TILE))
    sheet.save(path)
    print("wrote", path)


def compose(before: str, after: str, out: str) -> None:
    """Columns: RGB before, RGB after, NIR before, NIR after; a label row on top."""
    a, b = Image.open(before), Image.open(after)
    rows = a.height // TILE
    sheet = Image.new("RGB", (4 * TILE, rows * TILE + 16), "white")
    for col, (image, x) in enumerate(((a, 0), (b, 0), (a, TILE), (b, TILE))):
        sheet.paste(image.crop((x, 0, x + TILE, rows * TILE)), (col * TILE, 16))
    draw = ImageDraw.Draw(sheet)
    for col, text in enumerate(("RGB before", "RGB after", "NIR before", "NIR after")):
        draw.text((col * TILE + 4, 2), text, fill="black")
    sheet.quantize(128, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)
    print("wrote", out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--compose", action="store_true", help="BEFORE AFTER OUT: put two sheets side by side")
    args = ap.parse_args()
    if args.compose:
        compose(*args.paths)
    else:
        render(args.paths[0])


if __name__ == "__main__":
    main()
