"""Ray/triangle intersection (Moller-Trumbore), vectorised over triangles.

Used by labels for occlusion (is anything opaque between the camera and a
landmark?) and by tests as an independent check.
"""

import numpy as np


def nearest_hit(origin: np.ndarray, direction: np.ndarray, tris: np.ndarray, eps: float = 1e-12) -> tuple[float, int]:
    """Ray parameter t (hit = origin + t * direction, t > 0) of the nearest of
    `tris` (T,3,3) the ray hits, and that triangle's index; (inf, -1) if none."""
    e1 = tris[:, 1] - tris[:, 0]
    e2 = tris[:, 2] - tris[:, 0]
    p = np.cross(direction, e2)
    det = np.einsum("tj,tj->t", e1, p)
    ok = np.abs(det) > eps
    inv = 1.0 / np.where(ok, det, 1.0)
    s = origin - tris[:, 0]
    u = np.einsum("tj,tj->t", s, p) * inv
    q = np.cross(s, e1)
    v = (q @ direction) * inv
    t = np.einsum("tj,tj->t", e2, q) * inv
    hit = ok & (u >= 0) & (v >= 0) & (u + v <= 1) & (t > 0)
    if not hit.any():
        return float("inf"), -1
    i = int(np.argmin(np.where(hit, t, np.inf)))
    return float(t[i]), i
