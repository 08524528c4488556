"""Swept tubes: rings of a (super)elliptic cross-section along a path, with
rounded or flat ends. Fixed vertex and face counts for given ring and side
counts, so a part's topology never changes between frames.

Frames are right-handed (X, Y, T) with T along the path; rings run with the
angle from X towards Y, so grid_faces winds them counter-clockwise seen from
outside (docs/driver.md, Part).
"""

import numpy as np

from ..driver.mesh import fan_faces, grid_faces


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def frames_along(path: np.ndarray, x_hint: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per path point: X, Y, T with T the path's tangent and X as near to
    `x_hint` (one (3,) or one per point) as is perpendicular to T."""
    path = np.asarray(path, float)
    T = np.gradient(path, axis=0)
    T = _unit(T)
    hint = np.broadcast_to(np.asarray(x_hint, float), path.shape)
    X = _unit(hint - T * np.sum(hint * T, axis=1, keepdims=True))
    return X, np.cross(T, X), T


def section(n_sides: int, power: float = 2.0) -> np.ndarray:
    """(n, 2) unit superellipse |x|^p + |y|^p = 1, anticlockwise from +x."""
    a = np.linspace(0.0, 2.0 * np.pi, n_sides, endpoint=False)
    c, s = np.cos(a), np.sin(a)
    e = 2.0 / power
    return np.stack([np.sign(c) * np.abs(c) ** e, np.sign(s) * np.abs(s) ** e], axis=1)


def rings(centres, X, Y, rx, ry, n_sides: int, power: float = 2.0) -> np.ndarray:
    """(K, n, 3) ring points: centre + rx x X + ry y Y over the unit section."""
    sec = section(n_sides, power)
    rx = np.broadcast_to(np.asarray(rx, float), (len(centres),))[:, None, None]
    ry = np.broadcast_to(np.asarray(ry, float), (len(centres),))[:, None, None]
    return (np.asarray(centres)[:, None, :] + rx * sec[None, :, :1] * X[:, None, :]
            + ry * sec[None, :, 1:] * Y[:, None, :])


def tube_faces(n_rings: int, n_sides: int, start_pole: bool, end_pole: bool, offset: int = 0) -> np.ndarray:
    """Faces of rings (row-major) followed by an optional start pole, then an optional end pole."""
    faces = [grid_faces(n_rings, n_sides, wrap=True)]
    k = n_rings * n_sides
    ring0 = np.arange(n_sides)
    last = np.arange((n_rings - 1) * n_sides, n_rings * n_sides)
    if start_pole:
        faces.append(fan_faces(k, ring0[::-1]))
        k += 1
    if end_pole:
        faces.append(fan_faces(k, last))
    return np.concatenate(faces).astype(np.int32) + offset


CAP_RINGS = 3


def capsule(path, X, Y, T, rx, ry, n_sides: int, power: float = 2.0) -> np.ndarray:
    """Points of a tube along `path` closed by half-ellipsoid caps at both ends:
    CAP_RINGS extra rings and a pole at each end (faces: capsule_faces)."""
    path = np.asarray(path, float)
    rx = np.broadcast_to(np.asarray(rx, float), (len(path),))
    ry = np.broadcast_to(np.asarray(ry, float), (len(path),))
    th = np.linspace(0.0, np.pi / 2, CAP_RINGS + 2)[1:-1]   # cap ring latitudes, pole excluded
    r0, r1 = min(rx[0], ry[0]), min(rx[-1], ry[-1])   # a flat section gets a flat cap
    start = [path[0] - T[0] * r0 * np.sin(t) for t in th[::-1]]
    end = [path[-1] + T[-1] * r1 * np.sin(t) for t in th]
    c = np.concatenate([start, path, end])
    cs = np.concatenate([np.cos(th[::-1]), np.ones(len(path)), np.cos(th)])
    idx = np.concatenate([np.zeros(CAP_RINGS, int), np.arange(len(path)), np.full(CAP_RINGS, len(path) - 1)])
    pts = rings(c, X[idx], Y[idx], rx[idx] * cs, ry[idx] * cs, n_sides, power).reshape(-1, 3)
    return np.concatenate([pts, [path[0] - T[0] * r0, path[-1] + T[-1] * r1]])


def capsule_faces(n_path: int, n_sides: int, offset: int = 0) -> np.ndarray:
    return tube_faces(n_path + 2 * CAP_RINGS, n_sides, True, True, offset)


def capsule_size(n_path: int, n_sides: int) -> int:
    return (n_path + 2 * CAP_RINGS) * n_sides + 2
