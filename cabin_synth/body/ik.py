"""Two-bone inverse kinematics (shoulder - elbow - wrist), bone lengths kept exactly."""

import numpy as np


def two_bone(root: np.ndarray, target: np.ndarray, l1: float, l2: float, pole: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(elbow, end) for bones of lengths l1, l2 from `root` towards `target`.

    The elbow bends towards `pole` (a direction). A target out of reach is
    approached along the same line as far as the bones allow (the end stops
    short of it); a target nearer than |l1 - l2| is pushed out to that distance.
    """
    d = target - root
    dist = float(np.linalg.norm(d))
    u = d / dist
    reach = float(np.clip(dist, abs(l1 - l2) + 1e-9, l1 + l2 - 1e-9))
    p = pole - u * np.dot(pole, u)
    if np.linalg.norm(p) < 1e-9:   # pole along the reach: any perpendicular will do
        p = np.cross(u, [1.0, 0.0, 0.0] if abs(u[0]) < 0.9 else [0.0, 1.0, 0.0])
    p /= np.linalg.norm(p)
    cos_a = (l1 * l1 + reach * reach - l2 * l2) / (2.0 * l1 * reach)
    a = np.arccos(np.clip(cos_a, -1.0, 1.0))
    elbow = root + l1 * (np.cos(a) * u + np.sin(a) * p)
    end = root + reach * u
    return elbow, end
