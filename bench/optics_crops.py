"""Before/after pictures of the lens's optics and of motion blur for docs/sensors.md.

    python bench/optics_crops.py [out_dir]        (default docs/renders)

Each pair is the same frame (same seed and index, so the same sensor noise) made
with an ideal lens (left) and with the preset's optics (right):
  optics_640x480.png     default preset, RGB and NIR whole frames, half size
  optics_1600x1300.png   the nir940_1600x1300 sensor: NIR whole frame at a quarter,
                         then 1:1 crops of the face and of the bottom corner (both
                         images scaled alike for viewing, the face's brightest to white)
  optics_motion.png      a distraction clip's fastest head turn at dusk, RGB at
                         2x: exposed at the frame's instant (left) and over its
                         exposure with a rolling shutter (right)
The pipeline is FrameMaker.make, as `cabin-synth generate` runs it.
"""

import copy
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cabin_synth import presets  # noqa: E402
from cabin_synth.behaviour.clips import make_clip  # noqa: E402
from cabin_synth.pipeline import FrameMaker  # noqa: E402
from cabin_synth.presets.preset import Preset  # noqa: E402
from cabin_synth.sensor.catalogue import expand  # noqa: E402

GAP = 4


def variant(base: Preset, sensor: dict, **sections) -> Preset:
    data = copy.deepcopy(dict(base.data))
    data["sensor"] = sensor
    data.update(sections)
    return Preset(base.name, base.path, data)


def without_optics(sensor: dict) -> dict:
    return {k: v for k, v in sensor.items() if k != "optics"}


def pair(a: Image.Image, b: Image.Image) -> Image.Image:
    out = Image.new(a.mode, (a.width + b.width + GAP, max(a.height, b.height)), 255 if a.mode == "L" else (255,) * 3)
    out.paste(a, (0, 0))
    out.paste(b, (a.width + GAP, 0))
    return out


def stack(rows: list[Image.Image]) -> Image.Image:
    mode = "L" if all(r.mode == "L" for r in rows) else "RGB"
    rows = [r.convert(mode) for r in rows]
    out = Image.new(mode, (max(r.width for r in rows), sum(r.height for r in rows) + GAP * (len(rows) - 1)),
                    255 if mode == "L" else (255, 255, 255))
    y = 0
    for r in rows:
        out.paste(r, (0, y))
        y += r.height + GAP
    return out


def stretched(images: list[np.ndarray], box: tuple[int, int, int, int]) -> list[Image.Image]:
    """Gray images scaled alike, the first one's 99th percentile in `box` to white (for viewing only)."""
    top = np.percentile(images[0][box[1]:box[3], box[0]:box[2]], 99)
    return [Image.fromarray((im.astype(float) * 255 / top).clip(0, 255).astype(np.uint8)) for im in images]


def frames(preset: Preset, seed: int, index: int):
    sensor = preset.section("sensor")
    return [FrameMaker(variant(preset, s), seed).make(index) for s in (without_optics(sensor), sensor)]


def crop_box(frame, margin: float, width: int, height: int) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = frame.labels["face_bbox_xyxy"]
    cx, cy, half = (x0 + x1) / 2, (y0 + y1) / 2, margin * max(x1 - x0, y1 - y0) / 2
    box = [int(cx - half), int(cy - half), int(cx + half), int(cy + half)]
    return max(0, box[0]), max(0, box[1]), min(width, box[2]), min(height, box[3])


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "renders"
    out.mkdir(parents=True, exist_ok=True)
    default = presets.load("default")

    ideal, lens = frames(default, seed=11, index=14)     # daylight, 33,000 lux
    half = [Image.fromarray(f.images[k]).reduce(2) for k in ("rgb", "nir") for f in (ideal, lens)]
    stack([pair(half[0], half[1]), pair(half[2], half[3])]).save(out / "optics_640x480.png", optimize=True)

    wide = variant(default, expand({"preset": "nir940_1600x1300"}))
    ideal, lens = frames(wide, seed=11, index=14)
    h, w = lens.images["nir"].shape
    face = crop_box(lens, 1.6, w, h)
    nir = stretched([f.images["nir"] for f in (ideal, lens)], face)
    corner = (0, h - 300, 400, h)
    rows = [pair(*[n.reduce(4) for n in nir]), pair(*[n.crop(face) for n in nir]), pair(*[n.crop(corner) for n in nir])]
    stack(rows).save(out / "optics_1600x1300.png", optimize=True)

    clips = presets.load("distraction_clips")
    data = copy.deepcopy(dict(clips.data))
    data["sensor"].update(width=320, height=240, pixel_pitch_um=12.0)
    data["lighting"]["sun_illuminance_lux"] = 300         # dusk: the longest RGB exposure
    still = Preset(clips.name, clips.path, data)
    moving = variant(still, dict(data["sensor"], shutter={"motion_blur": True, "rgb_line_time_us": 60,
                                                          "max_subframes": 12}))
    clip = make_clip(still, 2, 0)
    yaw = np.array([p.head_euler_deg[0] for p in clip.params])
    k = int(np.argmax(np.abs(np.gradient(yaw))))
    params = clip.params[k]
    sensor = moving.section("sensor")
    shots = [FrameMaker(p, 2).make(params.index, params=params,
                                   at=lambda dt: clip.params_at(k / clip.fps + dt, params.index, sensor))
             for p in (still, moving)]
    box = crop_box(shots[0], 1.8, 320, 240)
    rgb = [Image.fromarray(f.images["rgb"]).crop(box) for f in shots]
    pair(*[r.resize((r.width * 2, r.height * 2), Image.NEAREST) for r in rgb]).save(out / "optics_motion.png",
                                                                                    optimize=True)
    print("wrote", ", ".join(str(out / n) for n in ("optics_640x480.png", "optics_1600x1300.png", "optics_motion.png")),
          "; motion frame", k, shots[1].labels["sensor_state"]["shutter"])


if __name__ == "__main__":
    main()
