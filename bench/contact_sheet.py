"""Contact sheets for docs/: of the parametric driver, 64 sampled drivers (RGB and
NIR) and one driver through eyes open -> closed, squint, smile, talk and yawn;
or of a preset, its first frames whole (RGB beside NIR), as a dataset shows them.

    python bench/contact_sheet.py [seed]                  # writes docs/driver_contact_*.png, docs/driver_strip.png
    python bench/contact_sheet.py --preset occlusions     # writes docs/occlusions_contact.png (seed 0, 12 frames)

Frames come from the real pipeline (FrameMaker) on the default preset with the
head turned to the camera, daylight and no camera jitter, so the tiles compare
drivers rather than poses; each tile is the frame cropped round the face box.
"""

import copy
import sys

import numpy as np
from PIL import Image

from cabin_synth import presets
from cabin_synth.paths import PROJECT_ROOT
from cabin_synth.pipeline import FrameMaker

TILE = 96
DOCS = PROJECT_ROOT / "docs"


def sheet_preset(**overrides) -> presets.Preset:
    base = presets.load("default")
    data = copy.deepcopy(dict(base.data))
    data["head_pose"].update(yaw_deg={"uniform": [-8, 8]}, pitch_deg={"uniform": [-5, 5]}, roll_deg=0.0)
    data["gaze"].update(yaw_deg=0.0, pitch_deg=0.0, distance_m=2.0)
    data["eyes"].update(closure=0.0, pupil_diameter_mm=4.0)
    data["expression"] = {"smile": 0.0, "mouth_open": 0.0}
    data["camera"].update(position_jitter_m=0.0, aim_jitter_deg=0.0)
    data["lighting"].update(sun_illuminance_lux=20000.0, sun_elevation_deg=35.0, sun_azimuth_deg=20.0, sky_fraction=0.4)
    for key, value in overrides.items():
        section, field = key.split(".")
        data[section][field] = value
    return presets.Preset(name="contact_sheet", path=base.path, data=data)


def tiles(frame, tile: int = TILE, half: float = 0.75, lift: float = 0.08,
          nir_8bit=None) -> tuple[Image.Image, Image.Image]:
    """RGB and NIR crops about the face box, `half` its larger side either way of its
    centre raised by `lift` of its height, as `tile`-pixel squares; NIR to 8 bits by
    `nir_8bit` (default eight_bit)."""
    x0, y0, x1, y1 = frame.labels["face_bbox_xyxy"]
    cx, cy, r = 0.5 * (x0 + x1), 0.5 * (y0 + y1) - lift * (y1 - y0), half * max(x1 - x0, y1 - y0)
    box = tuple(int(round(v)) for v in (cx - r, cy - r, cx + r, cy + r))
    rgb = Image.fromarray(frame.images["rgb"]).crop(box).resize((tile, tile), Image.LANCZOS)
    nir = Image.fromarray((nir_8bit or eight_bit)(frame.images["nir"])).convert("RGB")
    return rgb, nir.crop(box).resize((tile, tile), Image.LANCZOS)


def grid(images: list[Image.Image], cols: int) -> Image.Image:
    w, h = images[0].size
    rows = (len(images) + cols - 1) // cols
    out = Image.new("RGB", (cols * w, rows * h))
    for k, im in enumerate(images):
        out.paste(im, ((k % cols) * w, (k // cols) * h))
    return out


def eight_bit(nir: np.ndarray) -> np.ndarray:
    return nir if nir.dtype == np.uint8 else (nir >> (nir.max().bit_length() - 8)).astype(np.uint8)


def preset_sheet(name: str, frames: int = 12, seed: int = 0, width: int = 200) -> None:
    """The preset's first frames as the camera took them, RGB beside NIR, two frames a row."""
    maker = FrameMaker(presets.load(name), seed)
    cells = []
    for i in range(frames):
        frame = maker.make(i)
        size = (width, round(width * frame.images["rgb"].shape[0] / frame.images["rgb"].shape[1]))
        cells += [Image.fromarray(frame.images["rgb"]).resize(size, Image.LANCZOS),
                   Image.fromarray(eight_bit(frame.images["nir"])).convert("RGB").resize(size, Image.LANCZOS)]
    save(grid(cells, 4), f"{name}_contact.png")
    print(f"wrote docs/{name}_contact.png")


def save(image: Image.Image, name: str) -> None:
    # a 256-colour palette keeps the sheets small enough for the repository
    if image.mode == "RGB":
        image = image.quantize(256, method=Image.Quantize.MEDIANCUT)
    image.save(DOCS / name, optimize=True)


def main(seed: int = 2) -> None:
    maker = FrameMaker(sheet_preset(), seed)
    pairs = [tiles(maker.make(i)) for i in range(64)]
    save(grid([p[0] for p in pairs], 8), "driver_contact_rgb.png")
    save(grid([p[1] for p in pairs], 8).convert("L"), "driver_contact_nir.png")
    strip = [("eyes.closure", 0.0), ("eyes.closure", 0.5), ("eyes.closure", 1.0), ("expression.squint", 1.0),
             ("expression.smile", 1.0), ("expression.talk", 1.0), ("expression.yawn", 1.0)]
    row = []
    for key, value in strip:
        frame = FrameMaker(sheet_preset(**{key: value}), seed, renderer=maker.renderer).make(5)
        row.append(tiles(frame))
    save(grid([p[0] for p in row] + [p[1] for p in row], len(row)), "driver_strip.png")
    print("wrote", ", ".join(f"docs/{n}" for n in ("driver_contact_rgb.png", "driver_contact_nir.png", "driver_strip.png")))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--preset"]:
        preset_sheet(sys.argv[2], *map(int, sys.argv[3:]))
    else:
        main(*map(int, sys.argv[1:]))
