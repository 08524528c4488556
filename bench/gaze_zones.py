"""Where the default preset's gaze rays land: zone histogram without rendering.

    python bench/gaze_zones.py [--preset default] [--frames 200] [--seed 0]

Samples frames with the sampler, builds the rig and the driver's eyes (no scene,
no render), labels each combined gaze ray with its zone (cabin_synth.scene.zones) and,
for rays in no zone, names the first cabin part the ray meets (opaque parts and
glass alike; "outside" when it leaves the cabin through nothing). Prints both
histograms and the `none` fraction.
"""

import argparse
from collections import Counter

import numpy as np
from pxr import Usd, UsdGeom

from cabin_synth import presets
from cabin_synth.driver import build_driver
from cabin_synth.labels.raycast import nearest_hit
from cabin_synth.pipeline import face_state
from cabin_synth.presets.sampler import sample_frame
from cabin_synth.scene.cabin import cabin_asset_path, mesh_triangles, read_cabin
from cabin_synth.scene.rig import build_rig
from cabin_synth.scene.zones import NO_ZONE, gaze_zone, zone_soup


def cabin_parts(stage: Usd.Stage) -> tuple[np.ndarray, list[str]]:
    """Triangles of every renderable cabin mesh (glass included) and each one's prim name."""
    cache = UsdGeom.XformCache()
    tris, owner = [], []
    for prim in stage.Traverse():
        if not prim.IsA(UsdGeom.Mesh) or UsdGeom.Imageable(prim).ComputePurpose() == UsdGeom.Tokens.guide:
            continue
        part, _ = mesh_triangles(UsdGeom.Mesh(prim), np.asarray(cache.GetLocalToWorldTransform(prim)))
        tris.append(part)
        owner += [str(prim.GetPath()).removeprefix("/Cabin/")] * len(part)
    return np.concatenate(tris), owner


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="default")
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    preset = presets.load(args.preset)
    sensor = preset.section("sensor")
    cabins: dict = {}
    zones, parts = Counter(), Counter()
    for index in range(args.frames):
        params = sample_frame(preset, args.seed, index)
        key = (params.cabin, params.drive)
        if key not in cabins:
            stage = Usd.Stage.Open(str(cabin_asset_path(params.cabin)))
            info = read_cabin(stage, drive=params.drive)
            cabins[key] = (info, zone_soup(info), cabin_parts(stage))
        info, soup, (tris, owner) = cabins[key]
        rig = build_rig(params, info, sensor)
        geometry = build_driver(params.identity, face_state(params, rig.gaze_target_head))
        centre = geometry.eye_centres.mean(axis=0)
        origin = rig.R_vehicle_head @ centre + rig.t_vehicle_head
        direction = rig.R_vehicle_head @ (rig.gaze_target_head - centre)
        direction /= np.linalg.norm(direction)
        zone, _ = gaze_zone(soup, origin, direction)
        zones[zone] += 1
        if zone == NO_ZONE:
            _, i = nearest_hit(origin, direction, tris)
            parts[owner[i] if i >= 0 else "outside"] += 1
    print(f"{args.frames} frames of preset {preset.name}, seed {args.seed}: "
          f"none {zones[NO_ZONE]}/{args.frames} = {zones[NO_ZONE] / args.frames:.1%}")
    print("zones:")
    for name, n in zones.most_common():
        print(f"  {name:20s} {n:4d}")
    print("first cabin part met by the rays in no zone:")
    for name, n in parts.most_common():
        print(f"  {name:28s} {n:4d}")


if __name__ == "__main__":
    main()
