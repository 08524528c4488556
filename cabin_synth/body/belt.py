"""The three-point seat belt: 48 mm webbing from the D-ring on the B-pillar over
the outboard shoulder, diagonally across the chest to the buckle at the
inboard hip, and back across the lap to the outboard floor anchor.

The webbing drapes over the body: every point of its centre line and of its
two edges that would lie inside the torso or a thigh, or closer than BELT_GAP
to them, is lifted out along one direction per part (shoulder part: up; chest
part: forwards; lap part: forwards and up) until it clears them.
"""

import numpy as np

from ..driver.mesh import sheet_faces

WIDTH = 0.048
BELT_GAP = 0.004
N_SHOULDER, N_CHEST, N_LAP = 14, 40, 26
N_BELT = N_SHOULDER + N_CHEST + N_LAP
CANDIDATES = 4   # torso sections tested per point, nearest planes first


class Drape:
    """The solids the belt lies on: the torso (its mesh's rings about a dense
    centre line with its frames) and the thighs (capsules)."""

    def __init__(self, line, X, Y, T, rings, thighs):
        s = np.linspace(0.0, len(line) - 1, 8 * len(line))
        i0 = np.clip(np.floor(s).astype(int), 0, len(line) - 2)
        f = (s - i0)[:, None]

        def lerp(a):
            a = np.asarray(a, float).reshape(len(line), -1)
            return (1 - f) * a[i0] + f * a[i0 + 1]

        self.c, self.X, self.Y, self.T = lerp(line), lerp(X), lerp(Y), lerp(T)
        # Between two rings the mesh's surface passes through the blend of their
        # matching vertices: that polygon is the torso's section there, including
        # the collar's room for the neck (torso.clear_of_neck).
        rings = np.asarray(rings, float)
        self.rings = lerp(rings).reshape(len(s), rings.shape[1], 3)
        self.reach = np.linalg.norm(self.rings - self.c[:, None], axis=2).max(axis=1)
        self.thighs = thighs

    def _in_section(self, q: np.ndarray, k: np.ndarray) -> np.ndarray:
        """(N,) True where points lie within BELT_GAP of section k's polygon, measured in its plane."""
        e = q - self.c[k]
        x, y = np.einsum("ij,ij->i", e, self.X[k]), np.einsum("ij,ij->i", e, self.Y[k])
        # The section's edge in the point's direction: the nearest crossing of the ray
        # from the centre line with the polygon's edges.
        rel = self.rings[k] - self.c[k][:, None]
        a = np.stack([np.einsum("isj,ij->is", rel, self.X[k]), np.einsum("isj,ij->is", rel, self.Y[k])], -1)
        edge = np.roll(a, -1, axis=1) - a
        r = np.hypot(x, y)
        u = (np.stack([x, y], -1) / np.maximum(r, 1e-12)[:, None])[:, None]
        cross = lambda p, q: p[..., 0] * q[..., 1] - p[..., 1] * q[..., 0]
        den = cross(u, edge)
        ok = np.abs(den) > 1e-15
        den = np.where(ok, den, 1.0)
        t, s = cross(a, edge) / den, cross(a, u) / den
        return r < np.where(ok & (s >= 0) & (s <= 1) & (t > 0), t, np.inf).min(axis=1) + BELT_GAP

    def inside(self, q: np.ndarray) -> np.ndarray:
        """(N,) True where points lie closer than BELT_GAP to the torso or a thigh, or in them."""
        # The sections whose planes pass within 2 cm of a point and which reach out to it
        # (where the torso bends at the shoulders, the nearest section's centre can be
        # the collar's while the point lies in a shoulder's section).
        e = q[:, None, :] - self.c[None]
        along = np.einsum("nmj,mj->nm", e, self.T)
        across = np.sqrt(np.maximum((e ** 2).sum(-1) - along ** 2, 0.0))
        plausible = (np.abs(along) < 0.02) & (across < self.reach[None] + BELT_GAP)
        k = np.argsort(np.where(plausible, np.abs(along), np.inf), axis=1)[:, :CANDIDATES]
        point, slot = np.nonzero(np.take_along_axis(plausible, k, axis=1))
        hit = np.zeros(len(q), bool)
        hit[point[self._in_section(q[point], k[point, slot])]] = True
        for a0, b0, rad in self.thighs:
            ab = b0 - a0
            tt = np.clip((q - a0) @ ab / (ab @ ab), 0.0, 1.0)
            hit |= np.linalg.norm(q - (a0 + tt[:, None] * ab), axis=1) < rad + BELT_GAP
        return hit

    def push(self, q: np.ndarray, direction: np.ndarray) -> np.ndarray:
        """Each point moved along its direction (N,3) to the first place clear of the body."""
        q = np.array(q, float)
        step = np.zeros(len(q))
        todo = np.flatnonzero(self.inside(q))
        moved = todo
        for _ in range(100):   # 5 mm steps, then halving to 0.1 mm
            if len(todo) == 0:
                break
            step[todo] += 0.005
            todo = todo[self.inside(q[todo] + step[todo, None] * direction[todo])]
        lo = np.maximum(step[moved] - 0.005, 0.0)
        hi = step[moved]
        for _ in range(6):
            mid = 0.5 * (lo + hi)
            bad = self.inside(q[moved] + mid[:, None] * direction[moved])
            lo, hi = np.where(bad, mid, lo), np.where(bad, hi, mid)
        step[moved] = hi
        return q + step[:, None] * direction


def _segment(a, b, n, end=True):
    u = np.linspace(0.0, 1.0, n + 1 if not end else n)
    return a + (u[:, None] if end else u[:-1, None]) * (b - a)


def belt(d_ring, shoulder, buckle, lap_anchor, drape: Drape, up, forward) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Webbing points (2 x N_BELT: upper edge row, lower edge row), their normals
    and the centre line. Each part drapes along one direction: the shoulder part
    settles downwards (against `up`), the chest part backwards onto the chest
    (against `forward`), the lap part back and down onto the lap; points are
    lifted out of the body along the opposite direction."""
    path = np.concatenate([_segment(d_ring, shoulder, N_SHOULDER, end=False),
                           _segment(shoulder, buckle, N_CHEST, end=False),
                           _segment(buckle, lap_anchor, N_LAP)])
    lap = (2.0 * forward + up) / np.linalg.norm(2.0 * forward + up)
    lift = np.array([up] * N_SHOULDER + [forward] * N_CHEST + [lap] * N_LAP)
    path = drape.push(path, lift)
    tangent = np.gradient(path, axis=0)
    across = np.cross(lift, tangent)
    across /= np.linalg.norm(across, axis=1, keepdims=True)
    normals = np.cross(tangent, across)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    edges = np.concatenate([path + across * WIDTH / 2, path - across * WIDTH / 2])
    lifts = np.tile(lift, (2, 1))
    for _ in range(2):   # lifted edges tilt the webbing over the body: keep its width, lift again
        edges = drape.push(edges, lifts)
        mid, half = 0.5 * (edges[:N_BELT] + edges[N_BELT:]), 0.5 * (edges[:N_BELT] - edges[N_BELT:])
        half *= (WIDTH / 2) / np.linalg.norm(half, axis=1, keepdims=True)
        edges = np.concatenate([mid + half, mid - half])
    edges = drape.push(edges, lifts)
    return edges, np.tile(normals, (2, 1)), path


def belt_faces() -> np.ndarray:
    return sheet_faces(2, N_BELT)
