"""Render every cabin from every camera mount, RGB and NIR, into docs/renders/.

    python bench/cabin_renders.py [out_dir]        (or: make renders)

Each image is one frame of the default preset, pinned to one cabin (LHD), one
mount, a neutral head pose, daylight, no accessories, at 320 x 240 (the default
lens at half resolution, same field of view). A last pair shows accessories
(glasses, cap, surgical mask, phone on the wheel hub) from the steering column.
The pipeline is FrameMaker.make, exactly as `cabin-synth generate` runs it.
"""

import copy
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cabin_synth import presets  # noqa: E402
from cabin_synth.pipeline import FrameMaker  # noqa: E402
from cabin_synth.presets.preset import Preset  # noqa: E402
from cabin_synth.scene.accessories import NONE  # noqa: E402
from cabin_synth.scene.cabin import available_cabins  # noqa: E402

MOUNTS = ("steering_column", "a_pillar", "rear_view_mirror", "center_stack", "cluster")
NO_ACCESSORIES = dict(eyewear=NONE, sunglasses_lens="nir_transmissive", headwear=NONE, face=NONE, neck=NONE, phone=NONE)


def pinned(cabin: str, mount: str, accessories: dict) -> Preset:
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
    d["lighting"] = {"sun_illuminance_lux": 30000.0, "sun_elevation_deg": 35.0, "sun_azimuth_deg": 30.0,
                     "sky_fraction": 0.4}
    d["accessories"] = accessories
    return Preset(f"renders_{cabin}_{mount}", base.path, d)


def save(image, path: Path) -> None:
    Image.fromarray(image).save(path, optimize=True)
    print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


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


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "renders")
