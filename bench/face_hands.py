"""What the hand poses at the face cost and how close they come to the face.

    python bench/face_hands.py [--drivers 20] [--seed 3]

For each pose, over the default preset's first drivers (alternating lhd and
rhd): build_body's median time, how far the wrist is from its shoulder
(share of the arm's length), the least clearance of the hand mesh to the
skin and how far the hand's contact point ended from the target it was put
on (the push off the brow, nose, cheek or throat).
"""

import argparse
import dataclasses
import time

import numpy as np

from cabin_synth import presets
from cabin_synth.body.build import build_body
from cabin_synth.body.face_hands import FACE_POSES, face_skin, face_target
from cabin_synth.body.hands import hand_points
from cabin_synth.driver import build_driver
from cabin_synth.pipeline import FrameMaker, face_state
from cabin_synth.presets.sampler import sample_frame
from cabin_synth.scene.rig import build_rig


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--drivers", type=int, default=20)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    maker = FrameMaker(presets.load("default"), seed=args.seed)
    for pose in ("ten_two",) + FACE_POSES:
        times, reach, clear, miss = [], [], [], []
        for i in range(args.drivers):
            prm = sample_frame(maker.preset, args.seed, i)
            prm = dataclasses.replace(prm, drive=("lhd", "rhd")[i % 2], body=dataclasses.replace(prm.body, hand_pose=pose))
            scene, _ = maker.scene(prm)
            rig = build_rig(prm, scene.cabin, maker.sensor)
            head = build_driver(prm.identity, face_state(prm, rig.gaze_target_head))
            start = time.perf_counter()
            body = build_body(prm.body, prm.accessories.phone, prm.identity.sex, prm.identity.stature_m, rig, head,
                              scene.body_anchors)
            times.append(time.perf_counter() - start)
            if pose == "ten_two":
                continue
            side = body.holds.index("face")
            hand, p = body.hands[side], body.proportions
            reach.append(np.linalg.norm(hand.wrist - body.shoulders[side]) / (p.upper_arm + p.forearm))
            skin = face_skin(head, rig.R_vehicle_head, rig.t_vehicle_head)
            clear.append(skin.clearance(hand_points(hand, p.wrist_r, p.hand_breadth)).min())
            target = skin.to_vehicle(face_target(pose, side, head)[0])
            chains = [*hand.fingers, hand.thumb]
            a = np.concatenate([c[:-1] for c in chains])
            b = np.concatenate([c[1:] for c in chains])
            t = np.clip(np.einsum("ij,ij->i", target - a, b - a) / np.einsum("ij,ij->i", b - a, b - a), 0, 1)
            miss.append(np.linalg.norm(a + t[:, None] * (b - a) - target, axis=1).min() - hand.finger_radius)
        line = f"{pose:12s} build_body median {1e3 * np.median(times):5.0f} ms"
        if reach:
            line += (f"   wrist-shoulder {min(reach):.2f}-{max(reach):.2f} of the arm"
                     f"   least clearance {1e3 * min(clear):.1f} mm"
                     f"   finger surface to target {1e3 * min(miss):.1f}-{1e3 * max(miss):.1f} mm"
                     f" (median {1e3 * np.median(miss):.1f})")
        print(line)


if __name__ == "__main__":
    main()
