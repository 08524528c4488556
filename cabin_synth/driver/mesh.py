"""Small mesh helpers: grid triangulation, smooth vertex normals, barycentric look-ups."""

from __future__ import annotations

import numpy as np


def grid_faces(n_rows: int, n_cols: int, *, wrap: bool = False, offset: int = 0) -> np.ndarray:
    """Two triangles per quad of a row-major (n_rows, n_cols) vertex grid.

    Vertex (r, c) has index offset + r * n_cols + c. With the rows running
    along +v and the columns along +u the triangles wind counter-clockwise
    seen from the side u x v points to. `wrap` closes the columns into a ring.
    """
    cols = n_cols if wrap else n_cols - 1
    r, c = np.meshgrid(np.arange(n_rows - 1), np.arange(cols), indexing="ij")
    r, c = r.ravel(), c.ravel()
    c1 = (c + 1) % n_cols
    a = offset + r * n_cols + c
    b = offset + r * n_cols + c1
    d = offset + (r + 1) * n_cols + c
    e = offset + (r + 1) * n_cols + c1
    # quad a(u0,v0) b(u1,v0) e(u1,v1) d(u0,v1): (b-a) x (d-a) = u x v
    return np.concatenate([np.stack([a, b, e], 1), np.stack([a, e, d], 1)]).astype(np.int32)


def fan_faces(centre: int, ring: np.ndarray, *, closed: bool = True) -> np.ndarray:
    """Triangles (centre, ring[i], ring[i+1]); flip the ring order to flip them."""
    ring = np.asarray(ring)
    nxt = np.roll(ring, -1) if closed else ring[1:]
    cur = ring if closed else ring[:-1]
    return np.stack([np.full(len(cur), centre), cur, nxt], 1).astype(np.int32)


def face_normals(points: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted (unnormalised) face normals (b - a) x (c - a)."""
    p0 = points[faces[:, 0]]
    return np.cross(points[faces[:, 1]] - p0, points[faces[:, 2]] - p0)


def vertex_normals(points: np.ndarray, faces: np.ndarray, fallback: np.ndarray | None = None) -> np.ndarray:
    """Unit smooth vertex normals: the area-weighted sum of the adjacent face normals."""
    fn = face_normals(points, faces)
    n = len(points)
    out = np.empty((n, 3))
    idx = faces.ravel()
    w = np.repeat(fn, 3, axis=0)
    for k in range(3):
        out[:, k] = np.bincount(idx, weights=w[:, k], minlength=n)
    length = np.linalg.norm(out, axis=1)
    bad = length < 1e-20
    if bad.any():
        if fallback is None:
            out[bad] = (0.0, 0.0, 1.0)
        else:
            out[bad] = fallback[bad]
        length = np.linalg.norm(out, axis=1)
    return out / length[:, None]


def locate_2d(uv: np.ndarray, faces: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Triangle and barycentric weights of 2D query points in a 2D triangulation.

    Brute force over the triangles (used once, at template build). Points
    outside every triangle take the triangle with the least negative weight.
    """
    a, b, c = uv[faces[:, 0]], uv[faces[:, 1]], uv[faces[:, 2]]
    v0, v1 = b - a, c - a
    den = v0[:, 0] * v1[:, 1] - v1[:, 0] * v0[:, 1]
    den = np.where(np.abs(den) < 1e-300, 1e-300, den)
    out_f = np.empty(len(query), np.int64)
    out_w = np.empty((len(query), 3))
    for i, q in enumerate(np.asarray(query, float)):
        w = q - a
        l1 = (w[:, 0] * v1[:, 1] - v1[:, 0] * w[:, 1]) / den
        l2 = (v0[:, 0] * w[:, 1] - w[:, 0] * v0[:, 1]) / den
        l0 = 1.0 - l1 - l2
        worst = np.minimum(np.minimum(l0, l1), l2)
        f = int(np.argmax(worst))
        bw = np.clip([l0[f], l1[f], l2[f]], 0.0, None)
        out_f[i] = f
        out_w[i] = bw / bw.sum()
    return out_f, out_w


def sheet_faces(n_rows: int, n_cols: int) -> np.ndarray:
    """Both windings of a grid: a sheet with no inside (lashes, a fringe), seen from either side."""
    f = grid_faces(n_rows, n_cols)
    return np.concatenate([f, f[:, [0, 2, 1]]]).astype(np.int32)


def sheet_normals(points: np.ndarray, n_rows: int, n_cols: int) -> np.ndarray:
    """Unit normals of a sheet's grid, turned to face forwards (+x, out of the face)."""
    n = vertex_normals(points, grid_faces(n_rows, n_cols), fallback=np.tile([1.0, 0.0, 0.0], (len(points), 1)))
    return n * np.where(n[:, :1] < 0.0, -1.0, 1.0)
