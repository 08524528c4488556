"""The issue's measure of the world behind the glass, on day frames of every cabin.

    python bench/world_outside.py [--seed 21] [--mount a_pillar]

For each cabin and setting: a day frame (sun 35 deg, 30,000 lux, diffuse share 0.3)
of the default preset seen from the given mount, and the luminance spread and edge
density of the pixels seen through the glass against the cabin's own
(tests/world_metrics.py), and their ratios: about 0.01 when the windows showed flat
black or white (issue 12), of order 1 when they show a world.
"""

import argparse
import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from world_metrics import window_vs_cabin  # noqa: E402

from cabin_synth import presets  # noqa: E402
from cabin_synth.pipeline import FrameMaker  # noqa: E402
from cabin_synth.presets.sampler import sample_frame  # noqa: E402
from cabin_synth.scene.world import SETTINGS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--mount", default="a_pillar")
    args = parser.parse_args()
    preset = presets.load("default")
    maker = FrameMaker(preset, seed=args.seed)
    print("cabin      setting    window_px  spread_ratio  edge_ratio  (window spread, cabin spread, window edges, cabin edges)")
    for k, cabin in enumerate(("hatchback", "suv", "van")):
        for j, setting in enumerate(SETTINGS[:4]):
            params = sample_frame(preset, args.seed, 4 * k + j)
            params = dataclasses.replace(
                params, cabin=cabin, camera_mount=args.mount,
                lighting=dataclasses.replace(params.lighting, sun_elevation_deg=35.0, sun_illuminance_lux=3e4,
                                             sky_fraction=0.3),
                environment=dataclasses.replace(params.environment, setting=setting, traffic=4))
            frame = maker.make(params.index, params=params)
            m = window_vs_cabin(frame.images["rgb"], frame.images["seg"])
            print(f"{cabin:10s} {setting:10s} {m['window_px']:9d}  {m['spread_ratio']:12.2f}  {m['edge_ratio']:10.2f}"
                  f"  ({m['window_spread']:.1f}, {m['cabin_spread']:.1f}, {m['window_edges']:.3f}, {m['cabin_edges']:.3f})")


if __name__ == "__main__":
    main()
