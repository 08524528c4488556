"""Close crops of hair and eyes for judging them by eye, and the before/after sheet in docs/.

    python bench/hair_eye_crops.py /tmp/after.png                  # crops of this tree
    PYTHONPATH=<other tree> python bench/hair_eye_crops.py /tmp/before.png
    python bench/hair_eye_crops.py --compose /tmp/before.png /tmp/after.png docs/renders/hair_eyes_before_after.png

Six drivers rendered by the real pipeline (FrameMaker) with skin_crops.py's
close-up camera (daylight, head turned a little, no accessories), each with a
chosen hair style, beard and colour (the sampled identity's other fields kept):
four head crops (medium, long blond, black fringe, long beard) from a wider
lens (4 mm), then two eye crops (blue eyes at 25, brown at 70) from the 6 mm
lens, round the right eye; each tile RGB above NIR. The script uses only what every version of the
pipeline has, so that an older tree renders the same drivers for the "before"
half.
"""

import argparse
import copy
from dataclasses import replace

import numpy as np
from PIL import Image, ImageDraw

from cabin_synth import presets
from cabin_synth.pipeline import FrameMaker
from cabin_synth.presets.sampler import sample_frame
from skin_crops import close_up

TILE = 240
# (skin type, age, sex, hair style, facial hair, hair colour, iris rgb or None, head yaw, crop)
DRIVERS = [(3, 35, "male", "medium", "none", "dark_brown", None, -12.0, "head"),
           (2, 30, "female", "long", "none", "blond", None, -40.0, "head"),
           (4, 25, "female", "fringe", "none", "black", None, 10.0, "head"),
           (5, 50, "male", "short", "long_beard", "brown", None, -12.0, "head"),
           (2, 25, "female", "medium", "none", "light_brown", (0.05, 0.12, 0.25), -12.0, "eyes"),
           (5, 70, "male", "short", "short_beard", "grey", (0.06, 0.03, 0.015), -12.0, "eyes")]


def frame_of(k: int, driver) -> object:
    skin_type, age, sex, style, beard, colour, iris, yaw, crop = driver
    base = close_up(skin_type, age, sex)
    data = copy.deepcopy(dict(base.data))
    data["head_pose"].update(yaw_deg=yaw)
    if crop == "head":
        data["sensor"].update(focal_length_mm=4.0)
    preset = presets.Preset(name="hair_eye_crops", path=base.path, data=data)
    params = sample_frame(preset, 60 + k, 0)
    ident = replace(params.identity, hair_style=style, facial_hair=beard, hair_colour=colour,
                    **({"iris_rgb": iris} if iris else {}))
    return FrameMaker(preset, seed=60 + k).make(0, params=replace(params, identity=ident))


def box_of(frame, crop: str) -> tuple[int, int, int, int]:
    if crop == "eyes":
        uv = np.array([lm["uv"] for lm in frame.labels["landmarks"][36:42]])   # the right eye's contour
        (x0, y0), (x1, y1) = uv.min(axis=0), uv.max(axis=0)
        cx, cy, half = 0.5 * (x0 + x1), 0.5 * (y0 + y1), 0.9 * (x1 - x0)
    else:
        x0, y0, x1, y1 = frame.labels["face_bbox_xyxy"]
        cx, cy, half = 0.5 * (x0 + x1), 0.5 * (y0 + y1) - 0.35 * (y1 - y0), 0.95 * max(x1 - x0, y1 - y0)
    return tuple(int(round(v)) for v in (cx - half, cy - half, cx + half, cy + half))


def render(path: str) -> None:
    tiles = []
    for k, driver in enumerate(DRIVERS):
        frame = frame_of(k, driver)
        box = box_of(frame, driver[-1])
        nir = frame.images["nir"]
        nir = Image.fromarray(nir if nir.dtype == np.uint8 else (nir >> 2).astype(np.uint8)).convert("RGB")
        tile = Image.new("RGB", (TILE, 2 * TILE))
        tile.paste(Image.fromarray(frame.images["rgb"]).crop(box).resize((TILE, TILE), Image.LANCZOS), (0, 0))
        tile.paste(nir.crop(box).resize((TILE, TILE), Image.LANCZOS), (0, TILE))
        tiles.append(tile)
    sheet = Image.new("RGB", (TILE * len(tiles), 2 * TILE))
    for k, tile in enumerate(tiles):
        sheet.paste(tile, (k * TILE, 0))
    sheet.save(path)


def compose(before: str, after: str, out: str) -> None:
    a, b = Image.open(before), Image.open(after)
    sheet = Image.new("RGB", (a.width, a.height + b.height + 40), "white")
    sheet.paste(a, (0, 20))
    sheet.paste(b, (0, a.height + 40))
    draw = ImageDraw.Draw(sheet)
    draw.text((4, 4), "before (shells, plain eyes)", fill="black")
    draw.text((4, a.height + 24), "after (hair cards, brows and lashes as cut-outs, eye maps, tear film, caruncle)", fill="black")
    # a palette keeps the PNG to a few hundred KB
    sheet = sheet.resize((sheet.width * 2 // 3, sheet.height * 2 // 3), Image.LANCZOS).quantize(256)
    sheet.save(out, optimize=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--compose", action="store_true")
    args = parser.parse_args()
    compose(*args.paths) if args.compose else render(args.paths[0])
