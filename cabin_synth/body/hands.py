"""Hand meshes from joint centres: a palm and five fingers, one mesh per hand."""

import numpy as np

from .grip import HandJoints
from .tubes import capsule, capsule_faces, capsule_size, frames_along

PALM_PATH, PALM_SIDES = 5, 16
FINGER_PATH, FINGER_SIDES = 7, 10   # three bones, each split in two


def _subdivide(joints: np.ndarray) -> np.ndarray:
    mids = 0.5 * (joints[1:] + joints[:-1])
    out = np.empty((2 * len(joints) - 1, 3))
    out[0::2], out[1::2] = joints, mids
    return out


def hand_points(h: HandJoints, wrist_r: float, hand_breadth: float) -> np.ndarray:
    knuckles = h.fingers[:, 0].mean(axis=0)
    u = np.linspace(0.0, 1.0, PALM_PATH)
    path = h.wrist + u[:, None] * (knuckles - h.wrist)
    X, Y, T = frames_along(path, h.width_dir)
    half_width = (1.3 * wrist_r) + u * (0.5 * hand_breadth - 1.3 * wrist_r)
    half_thick = h.palm_half_thickness * (1.0 - 0.25 * u)
    parts = [capsule(path, X, Y, T, half_width, half_thick, PALM_SIDES, power=3.0)]
    fr = h.finger_radius
    for chain, r in [(f, fr) for f in h.fingers] + [(h.thumb, 1.15 * fr)]:
        path = _subdivide(chain)
        X, Y, T = frames_along(path, h.width_dir)
        radius = r * np.linspace(1.0, 0.85, len(path))
        parts.append(capsule(path, X, Y, T, radius, radius, FINGER_SIDES))
    return np.concatenate(parts)


def hand_faces() -> np.ndarray:
    faces, offset = [capsule_faces(PALM_PATH, PALM_SIDES)], capsule_size(PALM_PATH, PALM_SIDES)
    for _ in range(5):
        faces.append(capsule_faces(FINGER_PATH, FINGER_SIDES, offset))
        offset += capsule_size(FINGER_PATH, FINGER_SIDES)
    return np.concatenate(faces)
