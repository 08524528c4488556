"""Ray-triangle intersection for tests (Moller-Trumbore): hits by hand, independent of the renderers."""

import numpy as np


def ray_hits(origin, direction, tris):
    """Ray parameters t > 0 of the hits on triangles (T,3,3), inf where missed."""
    e1, e2 = tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0]
    pv = np.cross(direction, e2)
    det = np.einsum("tj,tj->t", e1, pv)
    ok = np.abs(det) > 1e-20
    inv = 1.0 / np.where(ok, det, 1.0)
    s = origin - tris[:, 0]
    u = np.einsum("tj,tj->t", s, pv) * inv
    q = np.cross(s, e1)
    v = (q @ direction) * inv
    t = np.einsum("tj,tj->t", e2, q) * inv
    return np.where(ok & (u >= 0) & (v >= 0) & (u + v <= 1) & (t > 0), t, np.inf)


def hit_parameters(origins, directions, tris, chunk=64):
    """(N,T) ray parameters t > 0 at which ray origins[i] + t directions[i] meets each
    triangle of tris (T,3,3), inf where it misses; rays in chunks."""
    a, e1, e2 = tris[:, 0], tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0]
    out = [np.zeros((0, len(tris)))]
    for s in range(0, len(origins), chunk):
        o, d = origins[s:s + chunk, None], directions[s:s + chunk, None]
        pv = np.cross(d, e2)
        det = (e1 * pv).sum(-1)
        ok = np.abs(det) > 1e-15
        inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
        tv = o - a
        u = (tv * pv).sum(-1) * inv
        qv = np.cross(tv, e1)
        v = (qv * d).sum(-1) * inv
        t = (e2 * qv).sum(-1) * inv
        out.append(np.where(ok & (u >= 0) & (v >= 0) & (u + v <= 1) & (t > 0), t, np.inf))
    return np.concatenate(out)


def crossing_counts(origins, directions, tris, chunk=64):
    """How many triangles each ray origin + t direction (t > 0) crosses."""
    return np.isfinite(hit_parameters(origins, directions, tris, chunk)).sum(axis=1)
