"""Render every cabin from every camera mount, RGB and NIR, into docs/renders/.

    python bench/cabin_renders.py [out_dir]               (or: make renders)
    python bench/cabin_renders.py --sheets-only out_dir   (contact sheets and overviews only)

Each image is one frame of the default preset, pinned to one cabin (LHD), one
mount, a neutral head pose, no accessories, a suburban road with LED road lights
(lit at night) and two vehicles around, at 320 x 240 (the default lens at
half resolution, same field of view). Per mount, a day frame (30,000 lux, sun
35 deg up) is written as <cabin>_<mount>.rgb/.nir.png; a last pair shows
accessories (glasses, cap, surgical mask, phone on the wheel hub) from the
steering column. Per cabin, <cabin>_sheet.png lays out every mount (columns)
by day and by night (1 lux, the sun below the horizon), RGB and NIR (rows), at
160 x 120 a tile; <cabin>_overview.png shows the cabin from behind the front
seats, by day and by night, RGB, with the same sensor model (both in 256
colours). The "before" sheets in docs/renders/before/ were made by this script's
--sheets-only run against the code and assets of main at a877aa6 (the box cabins,
with the world outside). The pipeline is
FrameMaker.make, exactly as `cabin-synth generate` runs it.
"""

import copy
import dataclasses
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cabin_synth import presets  # noqa: E402
from cabin_synth.pipeline import FrameMaker  # noqa: E402
from cabin_synth.presets.preset import Preset  # noqa: E402
from cabin_synth.presets.streams import stream  # noqa: E402
from cabin_synth.scene.accessories import NONE  # noqa: E402
from cabin_synth.scene.cabin import available_cabins  # noqa: E402
from cabin_synth.scene.camera import Camera  # noqa: E402
from cabin_synth.sensor.model import rgb_image  # noqa: E402

MOUNTS = ("steering_column", "a_pillar", "rear_view_mirror", "center_stack", "cluster")
NO_ACCESSORIES = dict(eyewear=NONE, sunglasses_lens="nir_transmissive", headwear=NONE, face=NONE, neck=NONE, phone=NONE)
DAY = {"sun_illuminance_lux": 30000.0, "sun_elevation_deg": 35.0, "sun_azimuth_deg": 30.0, "sky_fraction": 0.4}
NIGHT = {"sun_illuminance_lux": 1.0, "sun_elevation_deg": -10.0, "sun_azimuth_deg": 30.0, "sky_fraction": 1.0}
TILE = (160, 120)


def pinned(cabin: str, mount: str, accessories: dict, lighting: dict = DAY) -> Preset:
    base = presets.load("default")
    d = copy.deepcopy(dict(base.data))
    d["sensor"] = dict(d["sensor"], width=320, height=240, focal_length_mm=d["sensor"]["focal_length_mm"] / 2)
    d["cabin"] = {"name": cabin, "drive": "lhd"}
    d["driver"] = {"sex": "female", "age_years": 35, "skin_type": 3}
    d["head_pose"] = {k: 0.0 for k in d["head_pose"]}
    d["gaze"] = {"yaw_deg": 0.0, "pitch_deg": 0.0, "distance_m": 20.0}
    d["eyes"] = dict(d["eyes"], closure=0.0, pupil_diameter_mm=4.0)
    d["expression"] = {k: 0.0 for k in d["expression"]}
    d["camera"] = {"mount": mount, "position_jitter_m": 0.0, "aim_jitter_deg": 0.0}
    d["lighting"] = dict(lighting)
    d["environment"] = {"setting": "suburban", "road_lights": "led", "road_light_lux": 15.0, "traffic": 2}
    d["accessories"] = accessories
    return Preset(f"renders_{cabin}_{mount}", base.path, d)


def save(image, path: Path, palette: bool = False) -> None:
    """PNG; ``palette``: 256 colours without dithering (a sheet's sensor noise compresses badly)."""
    im = Image.fromarray(image)
    if palette:
        im = im.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    im.save(path, optimize=True)
    print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def grey3(nir: np.ndarray, bit_depth: int) -> np.ndarray:
    """An 8-bit RGB view of a NIR image of the sensor's bit depth."""
    v = nir.astype(float) / (2 ** bit_depth - 1)
    return np.repeat(np.round(np.clip(v, 0, 1) * 255).astype(np.uint8)[..., None], 3, axis=2)


def overview(maker: FrameMaker, frame, cabin_info) -> np.ndarray:
    """The frame's scene seen from behind the front seats, looking at the dash: RGB through
    the preset's sensor at 480 x 300."""
    eye = cabin_info.design_eye_point
    position = np.array([eye[0] - 0.55, 0.0, eye[2] + 0.10])
    target = np.array([0.25, 0.45 * eye[1], eye[2] - 0.20])
    fwd = (target - position) / np.linalg.norm(target - position)
    right = np.cross(fwd, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    down = np.cross(fwd, right)
    R_vehicle_cam = np.stack([right, down, fwd], axis=1)     # OpenCV camera axes in the vehicle frame
    w, h = 480, 300
    f = w / 2 / np.tan(np.radians(40.0))                    # 80 deg across
    cam = Camera(w, h, f, f, (w - 1) / 2, (h - 1) / 2, R_vehicle_cam.T, -R_vehicle_cam.T @ position, 0.02, 500.0)
    buffers = maker.renderer.render(dataclasses.replace(frame.view, camera=cam))
    sensor = dict(maker.sensor, width=w, height=h)
    return rgb_image(buffers.rgb, sensor, stream(maker.seed, 0, "bench.overview"))[0]


def sheets(out: Path, renderer=None):
    """<cabin>_sheet.png and <cabin>_overview.png for every cabin."""
    for cabin in available_cabins():
        rows = {k: [] for k in ("day_rgb", "day_nir", "night_rgb", "night_nir")}
        views = []
        for when, lighting in (("day", DAY), ("night", NIGHT)):
            for mount in MOUNTS:
                maker = FrameMaker(pinned(cabin, mount, NO_ACCESSORIES, lighting), seed=0, renderer=renderer)
                renderer = maker.renderer
                frame = maker.make(0)
                rows[f"{when}_rgb"].append(np.asarray(Image.fromarray(frame.images["rgb"]).resize(TILE, Image.BILINEAR)))
                nir = grey3(frame.images["nir"], maker.sensor["nir"]["bit_depth"])
                rows[f"{when}_nir"].append(np.asarray(Image.fromarray(nir).resize(TILE, Image.BILINEAR)))
                if mount == "rear_view_mirror":
                    views.append(overview(maker, frame, maker.scene(frame.params)[0].cabin))
        save(np.concatenate([np.concatenate(r, axis=1) for r in rows.values()], axis=0), out / f"{cabin}_sheet.png", True)
        save(np.concatenate(views, axis=1), out / f"{cabin}_overview.png", True)
    return renderer


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(cabin, mount, NO_ACCESSORIES, f"{cabin}_{mount}") for cabin in available_cabins() for mount in MOUNTS]
    jobs.append(("hatchback", "steering_column", dict(NO_ACCESSORIES, eyewear="glasses_rectangular", headwear="cap",
                                                      face="mask_surgical", phone="wheel_centre"), "accessories"))
    renderer = None
    for cabin, mount, acc, stem in jobs:
        maker = FrameMaker(pinned(cabin, mount, acc), seed=0, renderer=renderer)
        renderer = maker.renderer
        frame = maker.make(0)
        save(frame.images["rgb"], out / f"{stem}.rgb.png")
        save(frame.images["nir"], out / f"{stem}.nir.png")
    sheets(out, renderer)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--sheets-only"]:
        target = Path(args[1])
        target.mkdir(parents=True, exist_ok=True)
        sheets(target)
    else:
        main(Path(args[0]) if args else ROOT / "docs" / "renders")
