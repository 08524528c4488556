"""Corneal glints: where each illuminator's reflection sits on each cornea.

The cornea's front surface is a sphere (cabin_synth.driver.eyes); a point
source's glint is the point P on it whose normal bisects the directions to the
light and to the camera (the law of reflection). Pure geometry: labels use it,
the renderer finds the same points independently by shading.
"""

import numpy as np


def fit_sphere(points: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Least-squares sphere through `points` (N,3): centre, radius, rms residual."""
    p = np.asarray(points, float)
    # |p|^2 = 2 c.p + (r^2 - |c|^2) is linear in (c, r^2 - |c|^2).
    A = np.concatenate([2.0 * p, np.ones((len(p), 1))], axis=1)
    sol = np.linalg.lstsq(A, np.einsum("ij,ij->i", p, p), rcond=None)[0]
    centre = sol[:3]
    radius = float(np.sqrt(sol[3] + centre @ centre))
    rms = float(np.sqrt(np.mean((np.linalg.norm(p - centre, axis=1) - radius) ** 2)))
    return centre, radius, rms


def glint_point(centre: np.ndarray, radius: float, light: np.ndarray, camera: np.ndarray,
                iterations: int = 50) -> np.ndarray:
    """The point on the sphere where light reflects specularly into the camera.

    Fixed-point iteration on the normal: the glint normal is the bisector of the
    unit vectors to light and camera from the glint itself. Both are many radii
    away, so the map contracts by about radius/distance per step."""
    unit = lambda v: v / np.linalg.norm(v)
    n = unit(unit(light - centre) + unit(camera - centre))
    for _ in range(iterations):
        p = centre + radius * n
        n = unit(unit(light - p) + unit(camera - p))
    return centre + radius * n


def on_cap(point: np.ndarray, centre: np.ndarray, axis: np.ndarray, cap_points: np.ndarray) -> bool:
    """Whether `point` on the cornea sphere lies on the cornea cap (within the limbus)."""
    cos_edge = np.min((cap_points - centre) @ axis / np.linalg.norm(cap_points - centre, axis=1))
    return bool((point - centre) @ axis / np.linalg.norm(point - centre) >= cos_edge)
