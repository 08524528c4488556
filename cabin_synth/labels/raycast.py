"""Ray/triangle intersection (Moller-Trumbore), vectorised over triangles.

Used by labels for occlusion (is anything opaque between the camera and a
landmark?) and for gaze zones.
"""

import numpy as np


def hit_t(origin: np.ndarray, direction: np.ndarray, tris: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Ray parameter t (hit = origin + t * direction, t > 0) where each ray meets
    its triangle, inf where it misses. origin and direction are (3,) or (N,3),
    tris (N,3,3): ray i against triangle i, or one ray against every triangle."""
    return hit_tuv(origin, direction, tris, eps)[0]


def hit_tuv(origin: np.ndarray, direction: np.ndarray, tris: np.ndarray,
            eps: float = 1e-12) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """hit_t, and the barycentric weights (u, v) of the hit on corners 1 and 2 of each triangle."""
    e1 = tris[:, 1] - tris[:, 0]
    e2 = tris[:, 2] - tris[:, 0]
    direction = np.broadcast_to(direction, e1.shape)
    p = np.cross(direction, e2)
    det = np.einsum("tj,tj->t", e1, p)
    ok = np.abs(det) > eps
    inv = 1.0 / np.where(ok, det, 1.0)
    s = origin - tris[:, 0]
    u = np.einsum("tj,tj->t", s, p) * inv
    q = np.cross(s, e1)
    v = np.einsum("tj,tj->t", q, direction) * inv
    t = np.einsum("tj,tj->t", e2, q) * inv
    return np.where(ok & (u >= 0) & (v >= 0) & (u + v <= 1) & (t > 0), t, np.inf), u, v


def _surface_hits(t, u, v, tri, surface):
    """t with hits where `surface` says no surface is (a cut-out's gap) made misses."""
    if surface is None:
        return t
    hit = np.flatnonzero(np.isfinite(t))
    t = t.copy()
    t[hit[~surface(tri[hit], u[hit], v[hit])]] = np.inf
    return t


def nearest_hit(origin: np.ndarray, direction: np.ndarray, tris: np.ndarray, surface=None) -> tuple[float, int]:
    """Ray parameter t of the nearest of `tris` (T,3,3) the ray hits, and that
    triangle's index; (inf, -1) if none. `surface`, if given, (triangle indices, u, v)
    -> whether each hit meets a surface (false in a cut-out's gaps)."""
    t, u, v = hit_tuv(origin, direction, tris)
    t = _surface_hits(t, u, v, np.arange(len(t)), surface)
    i = int(np.argmin(t)) if len(t) else 0
    return (float(t[i]), i) if len(t) and np.isfinite(t[i]) else (float("inf"), -1)


def nearest_hits(origins: np.ndarray, directions: np.ndarray, tris: np.ndarray,
                 ray: np.ndarray, tri: np.ndarray, t_min: np.ndarray, surface=None) -> tuple[np.ndarray, np.ndarray]:
    """For many rays at once, each tested only against its candidate triangles:
    pair k is (ray[k], tri[k]); hits at t <= t_min[ray] do not count, nor hits where
    `surface` (as nearest_hit's) finds none. Returns per ray the nearest t (inf if
    none) and the triangle index (-1 if none); ties go to the lower triangle index."""
    n_rays = len(t_min)
    t, u, v = hit_tuv(origins[ray], directions[ray], tris[tri])
    t = _surface_hits(t, u, v, tri, surface)
    t = np.where(t > t_min[ray], t, np.inf)
    best_t = np.full(n_rays, np.inf)
    best_i = np.full(n_rays, -1)
    order = np.lexsort((tri, t, ray))
    first = order[np.r_[True, ray[order][1:] != ray[order][:-1]]] if len(order) else order
    found = first[np.isfinite(t[first])]
    best_t[ray[found]] = t[found]
    best_i[ray[found]] = tri[found]
    return best_t, best_i
