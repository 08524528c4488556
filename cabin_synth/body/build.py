"""build_body: one frame's body (neck, torso, arms, hands, legs, seat belt)
in the vehicle frame, from the sampled parameters, the rig, the head's
geometry and the cabin's anchors. Pure numpy; fixed topology (body_topology)."""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..driver import DriverGeometry, Part, sculpt, template
from ..driver.mesh import vertex_normals
from ..scene.rig import Rig
from .anchors import BodyAnchors
from .belt import Drape, belt, belt_faces
from .face_hands import FACE_POSES, face_skin
from .grip import HandJoints
from .hands import hand_faces, hand_points
from .ik import two_bone
from .params import BodyParams, lean_rotation
from .poses import hand_targets
from .proportions import Proportions, proportions
from .torso import (
    COLLAR_ABOVE_STUMP,
    NECK_ROOT_BELOW_COLLAR,
    NECK_ROWS,
    NECK_TILT_DEG,
    TORSO_SIDES,
    TORSO_T,
    limb,
    neck,
    torso,
)
from .tubes import capsule_faces, tube_faces

SIDES = ("R", "L")            # [right, left] = vehicle -Y, +Y
ARM_PATH, UPPER_SIDES, FORE_SIDES = 6, 20, 18
THIGH_PATH, THIGH_SIDES = 6, 24
SHIN_PATH, SHIN_SIDES = 5, 18
FLOOR_Z = 0.0                          # the cabins' floor (their origin is at floor height)
KEYPOINT_NAMES = ("neck", "right_shoulder", "left_shoulder", "right_elbow", "left_elbow",
                  "right_wrist", "left_wrist", "right_hip", "left_hip")
# The parts each joint lies in: the camera sees a joint where it sees one of them over it.
KEYPOINT_PARTS = {"neck": ("Neck", "Torso"),
                  **{f"{side}_shoulder": ("Torso", f"UpperArm{s}") for side, s in (("right", "R"), ("left", "L"))},
                  **{f"{side}_elbow": (f"UpperArm{s}", f"Forearm{s}", f"Sleeve{s}") for side, s in (("right", "R"), ("left", "L"))},
                  **{f"{side}_wrist": (f"Forearm{s}", f"Sleeve{s}", f"Hand{s}") for side, s in (("right", "R"), ("left", "L"))},
                  **{f"{side}_hip": ("Torso", f"Thigh{s}") for side, s in (("right", "R"), ("left", "L"))}}
HIP_HALF_SPACING_PER_STATURE = 0.049   # hip joint centres about 86 mm either side of the midline at 1.75 m
THIGH_RISE_DEG = 12.0                  # thighs rise towards the knees on a car seat
SLEEVE_GAP = 0.004                     # a long sleeve stands off the forearm
REACH_BEFORE_PROTRACTION = 0.95        # share of the arm's length reached before the shoulder comes forward
SHOULDER_PROTRACTION_M = 0.06          # at most this far (the shoulder girdle's forward range, about 6-8 cm)


@dataclass(frozen=True)
class BodyGeometry:
    parts: tuple[Part, ...]              # vehicle frame; topology of body_topology()
    hidden: frozenset[str]               # parts not shown this frame (the other sleeve state, an unworn belt)
    keypoints: np.ndarray                # (9,3) joint centres, vehicle frame, KEYPOINT_NAMES order
    hands: tuple[HandJoints, HandJoints]  # [right, left]
    holds: tuple[str, str]               # what each hand holds: wheel, phone, thigh, face
    shoulders: np.ndarray                # (2,3) [right, left]
    elbows: np.ndarray
    belt_path: np.ndarray                # (N,3) webbing centre line
    proportions: Proportions

    def part(self, name: str) -> Part:
        return next(p for p in self.parts if p.name == name)


@lru_cache(maxsize=1)
def body_topology() -> tuple[tuple[str, str, str, np.ndarray], ...]:
    """(name, semantic, material, faces) of every body part, the same every frame."""
    n_cols = len(template.skin_template().az)
    out = [("Neck", "skin", "skin", tube_faces(NECK_ROWS, n_cols, False, False)),
           ("Torso", "clothing", "clothing", tube_faces(len(TORSO_T), TORSO_SIDES, True, False))]
    for s in SIDES:
        out += [(f"UpperArm{s}", "clothing", "clothing", capsule_faces(ARM_PATH, UPPER_SIDES)),
                (f"Forearm{s}", "skin", "skin", capsule_faces(ARM_PATH, FORE_SIDES)),
                (f"Sleeve{s}", "clothing", "clothing", capsule_faces(ARM_PATH, FORE_SIDES)),
                (f"Hand{s}", "hands", "skin", hand_faces()),
                (f"Thigh{s}", "clothing", "trousers", capsule_faces(THIGH_PATH, THIGH_SIDES)),
                (f"Shin{s}", "clothing", "trousers", capsule_faces(SHIN_PATH, SHIN_SIDES))]
    out.append(("SeatBelt", "seat_belt", "seat_belt", belt_faces()))
    return tuple(out)


def torso_rotation(back_angle_deg: float, body: BodyParams) -> np.ndarray:
    """Columns: the torso's forward, left and up axes (vehicle frame): reclined
    along the seat back, then leant forward and sideways about the H-point."""
    b = np.radians(back_angle_deg)
    recline = np.array([[np.cos(b), 0.0, -np.sin(b)], [0.0, 1.0, 0.0], [np.sin(b), 0.0, np.cos(b)]])
    return lean_rotation(body) @ recline


def stump_ring(head: DriverGeometry) -> np.ndarray:
    """The head's lowest neck ring (head frame): vertex ids of its last grid row."""
    return head.part("Head").points[template.skin_template().grid_index[-1]]


def build_body(body: BodyParams, phone: str, sex: str, stature_m: float, rig: Rig, head: DriverGeometry,
               anchors: BodyAnchors) -> BodyGeometry:
    p = proportions(stature_m, sex, body.build)
    H = rig.seat_h_point
    R_t = torso_rotation(anchors.back_angle_deg, body)
    R_lean = lean_rotation(body)

    # the collar rings the head's neck stump a little above its end
    ring_head = stump_ring(head)
    collar_head = ring_head.mean(axis=0) + np.array([-sculpt.NECK_LEAN, 0.0, 1.0]) * COLLAR_ABOVE_STUMP
    collar = rig.R_vehicle_head @ collar_head + rig.t_vehicle_head
    tilt = np.radians(NECK_TILT_DEG)
    neck_up = R_lean @ np.array([np.sin(tilt), 0.0, np.cos(tilt)])
    ring_vehicle = ring_head @ rig.R_vehicle_head.T + rig.t_vehicle_head
    stump_up = rig.R_vehicle_head @ np.array([-sculpt.NECK_LEAN, 0.0, 1.0]) / np.hypot(sculpt.NECK_LEAN, 1.0)
    az = template.skin_template().az
    neck_pts = neck(collar, neck_up, R_t[:, 0], ring_vehicle, stump_up, rig.R_vehicle_head, az)
    # the collar makes room for the body's neck tube and the head's own neck stump above it
    stump = head.part("Head").points[template.skin_template().grid_index[-template.N_NECK_ROWS:-1][::-1]]
    columns = np.concatenate([neck_pts.reshape(NECK_ROWS, len(az), 3),
                              stump @ rig.R_vehicle_head.T + rig.t_vehicle_head]).transpose(1, 0, 2)
    torso_pts, (line, X, Y, T, w), shoulders = torso(p, H, R_t, collar, neck_up, columns)

    # thighs: hip joints beside the H-point, rising towards the knees, a little apart
    lateral = R_lean @ np.array([0.0, 1.0, 0.0])
    hips = np.array([H + s * lateral * HIP_HALF_SPACING_PER_STATURE * p.stature for s in (-1.0, 1.0)])
    rise = np.radians(THIGH_RISE_DEG)
    thighs = []
    for k, s in enumerate((-1.0, 1.0)):
        direction = np.array([np.cos(rise), s * 0.08, np.sin(rise)])
        direction /= np.linalg.norm(direction)
        thighs.append((hips[k] - direction * 0.06, hips[k] + direction * p.thigh, p.thigh_r))

    skin = face_skin(head, rig.R_vehicle_head, rig.t_vehicle_head) if body.hand_pose in FACE_POSES else None
    hands, holds = hand_targets(body.hand_pose, phone, anchors, body.steering_wheel_deg, p,
                                tuple((a, b, 0.85 * r) for a, b, r in thighs), skin, shoulders,
                                p.upper_arm + p.forearm + SHOULDER_PROTRACTION_M)

    parts: dict[str, np.ndarray] = {"Neck": neck_pts, "Torso": torso_pts}
    elbows, wrists = [], []
    for k, s in enumerate(SIDES):
        out = np.array([0.0, -1.0 if k == 0 else 1.0, 0.0])
        pole = np.array([-0.3, 0.0, -1.0]) + 0.8 * out
        if holds[k] == "face":   # a hand at the face folds the arm: the elbow goes forward and out, not into the chest
            pole = np.array([1.0, 0.0, -0.6]) + 0.6 * out
        # reaching far, the shoulder girdle comes forward (scapular protraction) before the arm straightens
        reach = hands[k].wrist - shoulders[k]
        short = np.linalg.norm(reach) - REACH_BEFORE_PROTRACTION * (p.upper_arm + p.forearm)
        if short > 0.0:
            shoulders[k] = shoulders[k] + reach / np.linalg.norm(reach) * min(short, SHOULDER_PROTRACTION_M)
        elbow, wrist = two_bone(shoulders[k], hands[k].wrist, p.upper_arm, p.forearm, pole)
        elbows.append(elbow)
        wrists.append(wrist)
        hand = hands[k]
        if np.linalg.norm(wrist - hand.wrist) > 1e-6:   # out of reach: the hand stays at the arm's end
            hand = hand.transformed(np.eye(3), wrist - hand.wrist)
            hands[k] = hand
        ua = p.upper_arm_r
        parts[f"UpperArm{s}"] = limb(shoulders[k], elbow, (1.15 * ua, 1.15 * ua), (0.85 * ua, 0.85 * ua),
                                     np.array([0.0, 0.0, 1.0]), ARM_PATH, UPPER_SIDES)
        fa, wr = p.forearm_r, p.wrist_r
        fore = lambda g: limb(elbow, wrist, (fa + g, fa + g), (1.3 * wr + g, 0.85 * wr + g), hand.width_dir,
                              ARM_PATH, FORE_SIDES)
        parts[f"Forearm{s}"] = fore(0.0)
        parts[f"Sleeve{s}"] = fore(SLEEVE_GAP)
        parts[f"Hand{s}"] = hand_points(hand, wr, p.hand_breadth)
        a, b, r = thighs[k]
        parts[f"Thigh{s}"] = limb(a, b, (r, r), (0.72 * r, 0.72 * r), np.array([0.0, 0.0, 1.0]), THIGH_PATH,
                                  THIGH_SIDES)
        # the shin goes down to the ankle over the floor, the foot flat, forward of the knee as far as its length needs
        drop = b[2] - (FLOOR_Z + p.ankle_height)
        ankle = b + np.array([np.sqrt(max(p.leg ** 2 - drop ** 2, 0.0)), 0.0, -min(drop, p.leg)])
        parts[f"Shin{s}"] = limb(b, ankle, (0.62 * r, 0.62 * r), (0.35 * r, 0.35 * r), np.array([1.0, 0.0, 0.0]),
                                 SHIN_PATH, SHIN_SIDES)

    # seat belt: D-ring above and behind the outboard shoulder, buckle at the inboard hip
    out_k = 1 if anchors.outboard > 0 else 0
    top = shoulders[out_k][2] + 0.08
    d_ring = np.array([*anchors.d_ring_xy, np.clip(top, *anchors.d_ring_z_range)])
    kt = int(np.argmin(np.abs(TORSO_T - 0.95)))
    over_shoulder = line[kt] + Y[kt] * anchors.outboard * 0.5 * (w[kt] + 0.06)
    buckle = H + R_t[:, 0] * 0.03 - lateral * anchors.outboard * (0.5 * p.hip_breadth + 0.03) + np.array([0, 0, 0.03])
    lap_anchor = H - R_t[:, 0] * 0.06 + lateral * anchors.outboard * (0.5 * p.hip_breadth + 0.04) - np.array([0, 0, 0.02])
    drape = Drape(line, X, Y, T, torso_pts[:len(TORSO_T) * TORSO_SIDES].reshape(len(TORSO_T), TORSO_SIDES, 3), thighs)
    belt_pts, belt_normals, belt_path = belt(d_ring, over_shoulder, buckle, lap_anchor, drape, R_t[:, 2], R_t[:, 0])

    topology = body_topology()
    out_parts = []
    for name, semantic, material, faces in topology:
        if name == "SeatBelt":
            out_parts.append(Part(name, semantic, material, belt_pts, faces, belt_normals))
            continue
        pts = parts[name]
        normals = vertex_normals(pts, faces)
        if name == "Neck":   # the shared ring shades as the head's, leaving no seam in the light
            ring_ids = template.skin_template().grid_index[-1]
            normals[-len(ring_ids):] = head.part("Head").normals[ring_ids] @ rig.R_vehicle_head.T
        out_parts.append(Part(name, semantic, material, pts, faces, normals))
    hidden = {f"Forearm{s}" if body.sleeves == "long" else f"Sleeve{s}" for s in SIDES}
    if body.seat_belt != "worn":
        hidden.add("SeatBelt")
    keypoints = np.array([collar - neck_up * 0.5 * NECK_ROOT_BELOW_COLLAR, *shoulders, *elbows, *wrists, *hips])
    return BodyGeometry(tuple(out_parts), frozenset(hidden), keypoints, tuple(hands), tuple(holds),
                        shoulders, np.array(elbows), belt_path, p)
