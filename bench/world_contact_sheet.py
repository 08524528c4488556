"""Contact sheet of the world outside: one frame per cabin and lighting condition, RGB and NIR.

    python bench/world_contact_sheet.py [--seed 21] [--out docs/renders/world_contact.png]

Rows: day (sun 35 deg, 30,000 lux), dusk (sun 2 deg, 800 lux), night (sun -20 deg,
0.05 lux, sodium road lights), tunnel by day (LED lamps, 80 lux); columns: the three
cabins seen from the A-pillar mount, RGB then NIR, at a quarter of their size.
"""

import argparse
import dataclasses

import numpy as np
from PIL import Image

from cabin_synth import presets
from cabin_synth.pipeline import FrameMaker
from cabin_synth.presets.sampler import sample_frame

CONDITIONS = (("day", "suburban", 35.0, 3e4, 0.3, "led"), ("dusk", "urban", 2.0, 800.0, 0.5, "led"),
              ("night", "urban", -20.0, 0.05, 0.8, "sodium"), ("tunnel", "tunnel", 35.0, 3e4, 0.3, "led"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--out", default="docs/renders/world_contact.png")
    args = parser.parse_args()
    preset = presets.load("default")
    maker = FrameMaker(preset, seed=args.seed)
    rows = []
    for i, (_, setting, el, lux, fraction, lamps) in enumerate(CONDITIONS):
        tiles = []
        for k, cabin in enumerate(("hatchback", "suv", "van")):
            params = sample_frame(preset, args.seed, 3 * i + k)
            params = dataclasses.replace(
                params, cabin=cabin, camera_mount="a_pillar",
                lighting=dataclasses.replace(params.lighting, sun_elevation_deg=el, sun_illuminance_lux=lux,
                                             sky_fraction=fraction, sun_azimuth_deg=100.0),
                environment=dataclasses.replace(params.environment, setting=setting, road_lights=lamps,
                                                road_light_lux=80.0 if setting == "tunnel" else 20.0, traffic=4))
            frame = maker.make(params.index, params=params)
            nir = frame.images["nir"].astype(float)
            nir = (255 * nir / max(nir.max(), 1)).astype(np.uint8) if nir.max() > 255 else nir.astype(np.uint8)
            for img in (frame.images["rgb"], np.repeat(nir[..., None], 3, 2)):
                h, w = img.shape[:2]
                tiles.append(np.asarray(Image.fromarray(img).resize((w // 4, h // 4), Image.LANCZOS)))
        rows.append(np.concatenate(tiles, 1))
    Image.fromarray(np.concatenate(rows, 0)).save(args.out, optimize=True)
    print(args.out)


if __name__ == "__main__":
    main()
