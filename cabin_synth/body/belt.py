"""The three-point seat belt: 48 mm webbing from the D-ring on the B-pillar over
the outboard shoulder, diagonally across the chest to the buckle at the
inboard hip, and back across the lap to the outboard floor anchor.

The webbing drapes over the body: every point of its centre line and of its
two edges that would lie inside the torso or a thigh is moved out to BELT_GAP
above that surface (shoulder part: outwards in the torso's cross-section;
chest and lap parts: forwards onto the front of the torso).
"""

import numpy as np

from ..driver.mesh import sheet_faces

WIDTH = 0.048
BELT_GAP = 0.004
N_SHOULDER, N_CHEST, N_LAP = 14, 40, 26
N_BELT = N_SHOULDER + N_CHEST + N_LAP


class Drape:
    """The solids the belt lies on: the torso (dense centre line, frames and
    superellipse sections) and the thighs (capsules)."""

    def __init__(self, line, X, Y, T, w, d, power, thighs):
        s = np.linspace(0.0, len(line) - 1, 8 * len(line))
        i0 = np.clip(np.floor(s).astype(int), 0, len(line) - 2)
        f = (s - i0)[:, None]
        lerp = lambda a: (1 - f) * np.asarray(a, float).reshape(len(line), -1)[i0] + f * np.asarray(a, float).reshape(len(line), -1)[i0 + 1]
        self.c, self.X, self.Y, self.T = lerp(line), lerp(X), lerp(Y), lerp(T)
        self.w, self.d, self.p = lerp(w)[:, 0], lerp(d)[:, 0], lerp(power)[:, 0]
        self.thighs = thighs

    def _local(self, q):
        k = int(np.argmin(np.linalg.norm(self.c - q, axis=1)))
        e = q - self.c[k]
        return k, float(e @ self.X[k]), float(e @ self.Y[k])

    def push(self, q: np.ndarray, forward: bool) -> np.ndarray:
        k, x, y = self._local(q)
        w, d, p = self.w[k], self.d[k], self.p[k]
        rho = (abs(x / d) ** p + abs(y / w) ** p) ** (1.0 / p)
        if forward and abs(y) < w:
            front = d * (1.0 - abs(y / w) ** p) ** (1.0 / p)
            if x < front + BELT_GAP:
                q = q + self.X[k] * (front + BELT_GAP - x)
        elif rho < 1.0 + 2 * BELT_GAP / min(w, d):
            e = x * self.X[k] + y * self.Y[k]
            n = np.linalg.norm(e)
            q = q + e * ((n / rho + BELT_GAP) / n - 1.0)
        for a, b, r in self.thighs:
            ab = b - a
            s = np.clip(np.dot(q - a, ab) / np.dot(ab, ab), 0.0, 1.0)
            e = q - (a + s * ab)
            n = np.linalg.norm(e)
            if n < r + BELT_GAP:
                q = q + e / n * (r + BELT_GAP - n)
        return q

    def outward(self, q: np.ndarray) -> np.ndarray:
        k, x, y = self._local(q)
        e = x * self.X[k] + y * self.Y[k]
        return e / np.linalg.norm(e)


def _segment(a, b, n, end=True):
    u = np.linspace(0.0, 1.0, n + 1 if not end else n)
    return a + (u[:, None] if end else u[:-1, None]) * (b - a)


def belt(d_ring, shoulder, buckle, lap_anchor, drape: Drape) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Webbing points (2 x N_BELT: upper edge row, lower edge row), their normals and the centre line."""
    path = np.concatenate([_segment(d_ring, shoulder, N_SHOULDER, end=False),
                           _segment(shoulder, buckle, N_CHEST, end=False),
                           _segment(buckle, lap_anchor, N_LAP)])
    forward = np.arange(N_BELT) >= N_SHOULDER
    for _ in range(2):
        path = np.array([drape.push(q, f) for q, f in zip(path, forward)])
    normals = np.array([drape.outward(q) for q in path])
    tangent = np.gradient(path, axis=0)
    across = np.cross(normals, tangent)
    across /= np.linalg.norm(across, axis=1, keepdims=True)
    normals = np.cross(tangent, across)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    edges = np.concatenate([path + across * WIDTH / 2, path - across * WIDTH / 2])
    for _ in range(2):
        edges = np.array([drape.push(q, f) for q, f in zip(edges, np.tile(forward, 2))])
    return edges, np.tile(normals, (2, 1)), path


def belt_faces() -> np.ndarray:
    return sheet_faces(2, N_BELT)
