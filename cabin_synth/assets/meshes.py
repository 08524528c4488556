"""Closed polygon meshes for the generated assets, and how they are written to USD.

Every piece is closed and wound counter-clockwise seen from outside (USD's
default rightHanded orientation); :func:`author_mesh` writes it with per-vertex
normals and texture coordinates, splitting a vertex where its faces disagree
(a hard edge, a texture seam), so that any renderer reading ``normals`` and
``primvars:st`` per vertex sees the intended shading. Pure numpy; the output is
rounded so that regenerated assets are byte-identical.
"""

from __future__ import annotations

import math

import numpy as np
from pxr import Gf, Sdf, Usd, UsdGeom, Vt


class MeshData:
    """Points and polygon faces (triangles and quads), with optional texture
    coordinates per face corner (``st[f]`` is a tuple of (u, v) per corner of
    face f, or None where the face takes box-projected ones when authored)."""

    def __init__(self, points=None, faces=None, st=None):
        self.points = np.zeros((0, 3)) if points is None else np.asarray(points, dtype=float).reshape(-1, 3)
        self.faces: list[tuple[int, ...]] = [] if faces is None else [tuple(f) for f in faces]
        self.st: list = [None] * len(self.faces) if st is None else list(st)

    def add(self, other: "MeshData") -> "MeshData":
        off = len(self.points)
        self.points = np.vstack([self.points, other.points])
        self.faces += [tuple(i + off for i in f) for f in other.faces]
        self.st += other.st
        return self

    def transformed(self, rot: np.ndarray | None = None, trans=(0.0, 0.0, 0.0)) -> "MeshData":
        p = self.points if rot is None else self.points @ np.asarray(rot).T
        return MeshData(p + np.asarray(trans, dtype=float), list(self.faces), list(self.st))

    def flipped(self) -> "MeshData":
        """The same surface wound the other way round."""
        return MeshData(self.points, [tuple(reversed(f)) for f in self.faces],
                        [None if s is None else tuple(reversed(s)) for s in self.st])

    def signed_volume(self) -> float:
        P = self.points
        v = 0.0
        for f in self.faces:
            a = P[f[0]]
            for k in range(1, len(f) - 1):
                v += float(np.dot(a, np.cross(P[f[k]], P[f[k + 1]])))
        return v / 6.0

    def oriented(self) -> "MeshData":
        return self.flipped() if self.signed_volume() < 0 else self


def merge(*meshes: MeshData) -> MeshData:
    out = MeshData()
    for m in meshes:
        out.add(m)
    return out


# ----------------------------------------------------------------------------
# Primitives
# ----------------------------------------------------------------------------


def _triangulate_polygon_2d(poly: np.ndarray) -> list[tuple[int, int, int]]:
    """Ear clipping of a simple polygon; triangles keep the polygon's winding."""
    n = len(poly)
    area = 0.5 * sum(poly[i, 0] * poly[(i + 1) % n, 1] - poly[(i + 1) % n, 0] * poly[i, 1] for i in range(n))
    sign = 1.0 if area > 0 else -1.0
    idx = list(range(n))
    tris = []

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    guard = 0
    while len(idx) > 3 and guard < 10000:
        guard += 1
        m = len(idx)
        for k in range(m):
            i0, i1, i2 = idx[(k - 1) % m], idx[k], idx[(k + 1) % m]
            a, b, c = poly[i0], poly[i1], poly[i2]
            if sign * cross(a, b, c) <= 1e-12:
                continue
            inside = False
            for j in idx:
                if j in (i0, i1, i2):
                    continue
                p = poly[j]
                if (sign * cross(a, b, p) >= 0 and sign * cross(b, c, p) >= 0 and sign * cross(c, a, p) >= 0):
                    inside = True
                    break
            if inside:
                continue
            tris.append((i0, i1, i2))
            idx.pop(k)
            break
        else:
            raise ValueError("polygon triangulation failed")
    tris.append(tuple(idx))
    return tris


def extrude(poly3d, offset) -> MeshData:
    """Closed prism: planar polygon ``poly3d`` (K,3) swept by ``offset``."""
    P = np.asarray(poly3d, dtype=float)
    off = np.asarray(offset, dtype=float)
    k = len(P)
    centre = P.mean(axis=0)
    nrm = np.zeros(3)
    for i in range(k):
        nrm += np.cross(P[i] - centre, P[(i + 1) % k] - centre)
    nrm /= np.linalg.norm(nrm)
    u = P[1] - P[0]
    u -= nrm * np.dot(u, nrm)
    u /= np.linalg.norm(u)
    v = np.cross(nrm, u)
    p2 = np.stack([(P - centre) @ u, (P - centre) @ v], axis=1)
    tris = _triangulate_polygon_2d(p2)  # CCW about nrm
    pts = np.vstack([P, P + off])
    faces = [tuple(reversed(t)) for t in tris]  # bottom, facing -nrm
    faces += [tuple(i + k for i in t) for t in tris]  # top, facing +nrm
    for i in range(k):
        j = (i + 1) % k
        faces.append((i, j, j + k, i + k))
    m = MeshData(pts, faces)
    if np.dot(nrm, off) < 0:
        m = m.flipped()
    return m.oriented()


def prism_y(profile_xz, y0: float, y1: float) -> MeshData:
    """Profile polygon in the XZ plane extruded from y0 to y1."""
    poly = [(x, y0, z) for x, z in profile_xz]
    return extrude(poly, (0.0, y1 - y0, 0.0))


def hexa(corners) -> MeshData:
    """Hexahedron from 8 corners: c0..c3 one face, c4..c7 the opposite face (same order)."""
    c = np.asarray(corners, dtype=float)
    faces = [(0, 3, 2, 1), (4, 5, 6, 7), (0, 1, 5, 4), (1, 2, 6, 5), (2, 3, 7, 6), (3, 0, 4, 7)]
    return MeshData(c, faces).oriented()


def box(lo, hi) -> MeshData:
    (x0, y0, z0), (x1, y1, z1) = lo, hi
    return hexa([(x0, y0, z0), (x1, y0, z0), (x1, y1, z0), (x0, y1, z0),
                 (x0, y0, z1), (x1, y0, z1), (x1, y1, z1), (x0, y1, z1)])


def frame_box(origin, ex, ey, ez, lo, hi) -> MeshData:
    """Box with bounds lo..hi in the frame (origin, ex, ey, ez)."""
    o, ex, ey, ez = (np.asarray(a, dtype=float) for a in (origin, ex, ey, ez))
    corners = []
    for z in (lo[2], hi[2]):
        for x, y in ((lo[0], lo[1]), (hi[0], lo[1]), (hi[0], hi[1]), (lo[0], hi[1])):
            corners.append(o + x * ex + y * ey + z * ez)
    return hexa(corners)


def grid_faces(nu: int, nv: int, wrap_u: bool, offset: int = 0, flip: bool = False) -> list[tuple[int, ...]]:
    """Quads of an (nu, nv) grid of points numbered i * nv + j; ``wrap_u`` joins the last row to the first."""
    faces = []
    for i in range(nu if wrap_u else nu - 1):
        i1 = (i + 1) % nu
        for j in range(nv - 1):
            f = (i * nv + j, i1 * nv + j, i1 * nv + j + 1, i * nv + j + 1)
            f = tuple(k + offset for k in f)
            faces.append(tuple(reversed(f)) if flip else f)
    return faces


def torus(R: float, r: float, nu: int = 48, nv: int = 12) -> MeshData:
    """Torus in the local XY plane around +Z: nu tube sections of nv points."""
    v = 2 * np.pi * np.arange(nv) / nv
    rings = [np.stack([(R + r * np.cos(v)) * math.cos(u), (R + r * np.cos(v)) * math.sin(u), r * np.sin(v)], axis=1)
             for u in 2 * np.pi * np.arange(nu) / nu]
    return loft(rings, wrap=True)


def cylinder(r: float, z0: float, z1: float, n: int = 32, rx: float | None = None) -> MeshData:
    """Closed (elliptic) cylinder along local Z, capped with triangle fans."""
    rx = r if rx is None else rx
    t = 2 * np.pi * np.arange(n) / n
    ring = np.stack([rx * np.cos(t), r * np.sin(t)], axis=1)
    return loft([np.column_stack([ring, np.full(n, z)]) for z in (z0, z1)])


def loft(rings, wrap: bool = False, ears: bool = False, uv=None) -> MeshData:
    """Closed surface through cross-section rings (K rings of N points each, same
    numbering): quads between consecutive rings, and the two end rings closed by
    fans to their centroids, or by ear clipping (``ears``: end rings that are not
    star-shaped about their centroid), or, with ``wrap``, the last ring joined to the first.
    ``uv`` (K, N, 2), texture coordinates of the ring points, gives every face its own."""
    R = np.asarray(rings, dtype=float)
    k, n, _ = R.shape
    pts = [R.transpose(1, 0, 2).reshape(-1, 3)]  # point (j, i) = ring i, corner j: grid (n, k) wrapped in j
    faces = grid_faces(n, k, True)
    if wrap:
        faces += [(j * k + k - 1, ((j + 1) % n) * k + k - 1, ((j + 1) % n) * k, j * k) for j in range(n)]
    elif ears:
        for i in (0, k - 1):
            ring = R[i]
            centre = ring.mean(axis=0)
            normal = np.cross(ring[n // 3] - ring[0], ring[2 * n // 3] - ring[0])
            u = _unit(ring[1] - ring[0])
            v = np.cross(_unit(normal), u)
            tris = _triangulate_polygon_2d(np.stack([(ring - centre) @ u, (ring - centre) @ v], 1))
            # an ear follows the ring's order: the sides walk ring 0 backwards, the last ring forwards
            faces += [tuple(j * k + i for j in (t[::-1] if i == 0 else t)) for t in tris]
    else:
        centres = R[[0, -1]].mean(axis=1)
        pts.append(centres)
        c0, c1 = n * k, n * k + 1
        for j in range(n):
            j1 = (j + 1) % n
            faces.append((c0, j1 * k, j * k))
            faces.append((c1, j * k + k - 1, j1 * k + k - 1))
    st = None
    if uv is not None:
        U = np.asarray(uv, dtype=float)
        table = np.vstack([U.transpose(1, 0, 2).reshape(-1, 2), U[[0, -1]].mean(axis=1)])
        st = [tuple(map(tuple, table[list(f)])) for f in faces]
    return MeshData(np.vstack(pts), faces, st).oriented()


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v)


def rounded_rect(w: float, h: float, r: float, n: int = 4) -> np.ndarray:
    """(4 (n + 1), 2) counter-clockwise outline of a w x h rectangle centred on the
    origin with corners of radius r (clamped between 1 mm, so that no corner collapses
    to a point, and half the shorter side)."""
    r = min(max(r, 0.001), 0.499 * min(w, h))
    out = []
    for cx, cy, a0 in ((w / 2 - r, h / 2 - r, 0.0), (-w / 2 + r, h / 2 - r, 90.0),
                       (-w / 2 + r, -h / 2 + r, 180.0), (w / 2 - r, -h / 2 + r, 270.0)):
        for a in np.radians(a0 + np.linspace(0.0, 90.0, n + 1)):
            out.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return np.asarray(out)


def superellipse(a: float, b: float, p: float, n: int = 32) -> np.ndarray:
    """(n, 2) counter-clockwise outline |x/a|^p + |y/b|^p = 1."""
    t = 2 * np.pi * np.arange(n) / n
    c, s = np.cos(t), np.sin(t)
    return np.stack([a * np.sign(c) * np.abs(c) ** (2 / p), b * np.sign(s) * np.abs(s) ** (2 / p)], axis=1)


def pillow(outline, origin, ex, ey, ez, depth: float, bevel: float, steps: int = 3, levels: int = 0,
           uv_tile: float | None = None) -> MeshData:
    """A slab of ``depth`` along ez whose 2D cross-section lies in the (ex, ey) plane:
    ``outline(inset, z)`` gives it (the same number of points every time) at height z
    along ez, shrunk by ``inset`` metres; both ends are rounded over ``bevel`` in
    ``steps`` rings, with ``levels`` more sections between them. With ``uv_tile``, its
    texture coordinates are (the section's ex coordinate, z) in tiles of that many metres."""
    o, ex, ey, ez = (np.asarray(a, dtype=float) for a in (origin, ex, ey, ez))
    bevel = min(bevel, 0.499 * depth)
    angles = np.linspace(0.0, np.pi / 2, steps + 1)
    lower = [(bevel * (1 - math.sin(a)), bevel * (1 - math.cos(a))) for a in angles]   # (inset, z) round the lower edge
    middle = [(0.0, z) for z in np.linspace(bevel, depth - bevel, levels + 2)[1:-1]]
    rings, uv = [], []
    for inset, z in lower + middle + [(i, depth - z) for i, z in reversed(lower)]:
        xy = np.asarray(outline(inset, z), dtype=float)
        rings.append(o + np.outer(xy[:, 0], ex) + np.outer(xy[:, 1], ey) + z * ez)
        uv.append(np.column_stack([xy[:, 0], np.full(len(xy), z)]) / (uv_tile or 1.0))
    return loft(rings, uv=uv if uv_tile else None)


def rod(p0, p1, r: float, n: int = 12) -> MeshData:
    """Closed round bar of radius r from p0 to p1."""
    p0, p1 = np.asarray(p0, dtype=float), np.asarray(p1, dtype=float)
    axis = p1 - p0
    axis /= np.linalg.norm(axis)
    a = np.cross(axis, [1.0, 0.0, 0.0] if abs(axis[0]) < 0.9 else [0.0, 1.0, 0.0])
    a /= np.linalg.norm(a)
    b = np.cross(axis, a)
    t = 2 * np.pi * np.arange(n) / n
    ring = r * (np.outer(np.cos(t), a) + np.outer(np.sin(t), b))
    return loft([p0 + ring, p1 + ring])


# ----------------------------------------------------------------------------
# Normals, texture coordinates and USD authoring
# ----------------------------------------------------------------------------


def _corners(m: MeshData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(corner point, corner face, face area-weighted normal) of every face corner, in face order."""
    counts = np.array([len(f) for f in m.faces])
    point = np.fromiter((i for f in m.faces for i in f), dtype=np.int64, count=int(counts.sum()))
    face = np.repeat(np.arange(len(m.faces)), counts)
    P = m.points
    fn = np.zeros((len(m.faces), 3))
    first = np.cumsum(counts) - counts
    for k in range(1, counts.max() - 1):   # fans of each polygon from its first corner
        has = counts > k + 1
        a, b, c = point[first[has]], point[first[has] + k], point[first[has] + k + 1]
        fn[has] += np.cross(P[b] - P[a], P[c] - P[a])
    return point, face, fn


def corner_normals(m: MeshData, smooth_deg: float = 40.0) -> np.ndarray:
    """Per face-corner unit normals, smoothed across edges flatter than ``smooth_deg``
    (the area-weighted mean of the normals of the faces at the corner's point that
    turn less than that from the corner's own face)."""
    point, face, fn = _corners(m)
    unit = fn / np.maximum(np.linalg.norm(fn, axis=1, keepdims=True), 1e-30)
    order = np.argsort(point, kind="stable")
    sorted_points = point[order]
    starts = np.flatnonzero(np.r_[True, sorted_points[1:] != sorted_points[:-1]])
    sizes = np.diff(np.r_[starts, len(point)])
    group = np.repeat(np.arange(len(starts)), sizes)            # per sorted corner
    per = sizes[group]                                          # partners of each sorted corner
    corner = np.repeat(order, per)
    j = np.arange(per.sum()) - np.repeat(np.cumsum(per) - per, per)
    partner = order[np.repeat(starts[group], per) + j]
    fa, fb = face[corner], face[partner]
    keep = np.einsum("ij,ij->i", unit[fa], unit[fb]) >= math.cos(math.radians(smooth_deg))
    acc = np.zeros((len(point), 3))
    np.add.at(acc, corner[keep], fn[fb[keep]])
    return acc / np.maximum(np.linalg.norm(acc, axis=1, keepdims=True), 1e-30)


def corner_st(m: MeshData, tile_m: float) -> np.ndarray:
    """Per face-corner texture coordinates: the faces' own where given, else a box
    projection of the mesh's local coordinates, in tiles of ``tile_m`` metres, along
    the axis the face is most nearly normal to: u is Y on faces facing X or Z (the
    lateral direction of seats, dash and doors), X on faces facing Y; v is the
    remaining axis."""
    point, face, fn = _corners(m)
    axis = np.argmax(np.abs(fn), axis=1)[face]
    P = m.points[point]
    u = np.where(axis == 1, P[:, 0], P[:, 1])
    v = np.where(axis == 2, P[:, 0], P[:, 2])
    st = np.stack([u, v], axis=1) / tile_m
    k = 0
    for f, given in zip(m.faces, m.st):
        if given is not None:
            st[k:k + len(f)] = given
        k += len(f)
    return st


def rounded(x, nd: int = 5) -> float:
    """x rounded to nd decimals, never -0.0 (written coordinates must not depend on float noise)."""
    return float(round(float(x), nd)) + 0.0


# A quad whose fourth corner lies further than this off the plane of the other three is split
# (points are rounded to 0.01 mm, so a flat quad's corners may stray that much).
WARP_M = 2e-5


def _split_warped(P: np.ndarray, counts: list[int], indices: np.ndarray) -> tuple[list[int], list[int]]:
    """Face counts and indices with every warped quad split into two triangles across its
    shorter diagonal: a renderer would otherwise pick a diagonal of its own, and the
    shorter one is the same for a part and its mirror image."""
    out_counts, out_indices, k = [], [], 0
    for c in counts:
        f = [int(i) for i in indices[k:k + c]]
        k += c
        if c == 4:
            p0, p1, p2, p3 = P[f]
            n = np.cross(p1 - p0, p2 - p0)
            if abs(np.dot(n, p3 - p0)) > WARP_M * np.linalg.norm(n):
                a, b, cc, d = f if np.linalg.norm(p2 - p0) <= np.linalg.norm(p3 - p1) else f[1:] + f[:1]
                out_counts += [3, 3]
                out_indices += [a, b, cc, a, cc, d]
                continue
        out_counts.append(c)
        out_indices += f
    return out_counts, out_indices


def author_mesh(stage: Usd.Stage, path: str, m: MeshData, smooth_deg: float,
                tile_m: float | None = None) -> UsdGeom.Mesh:
    """A polygon mesh prim with per-vertex normals (and, with ``tile_m`` or faces
    that carry their own, per-vertex ``primvars:st``), a vertex split wherever its
    corners differ, warped quads split into triangles; points rounded to 0.01 mm,
    normals to 1e-4, st to 1e-4 so that regenerated assets are byte-identical.
    Callers add its material binding and class label."""
    point, _, _ = _corners(m)
    normals = np.round(corner_normals(m, smooth_deg), 4) + 0.0
    textured = tile_m is not None or any(s is not None for s in m.st)
    st = np.round(corner_st(m, tile_m or 1.0), 4) + 0.0 if textured else np.zeros((len(point), 0))
    keys = np.column_stack([point, normals, st])
    unique, index = np.unique(keys, axis=0, return_inverse=True)
    corner_of = np.zeros(len(unique), np.int64)
    corner_of[index] = np.arange(len(point))
    mesh = UsdGeom.Mesh.Define(stage, path)
    P = np.array([[rounded(c) for c in p] for p in m.points[point[corner_of]]])
    pts = Vt.Vec3fArray([Gf.Vec3f(*p) for p in P])
    mesh.CreatePointsAttr(pts)
    counts, indices = _split_warped(P, [len(f) for f in m.faces], index.ravel())
    mesh.CreateFaceVertexCountsAttr(Vt.IntArray(counts))
    mesh.CreateFaceVertexIndicesAttr(Vt.IntArray(indices))
    mesh.CreateNormalsAttr(Vt.Vec3fArray([Gf.Vec3f(*(float(c) for c in n)) for n in unique[:, 1:4]]))
    mesh.SetNormalsInterpolation(UsdGeom.Tokens.vertex)
    if textured:
        UsdGeom.PrimvarsAPI(mesh).CreatePrimvar("st", Sdf.ValueTypeNames.TexCoord2fArray, UsdGeom.Tokens.vertex).Set(
            Vt.Vec2fArray([Gf.Vec2f(float(a), float(b)) for a, b in unique[:, 4:6]]))
    mesh.CreateSubdivisionSchemeAttr(UsdGeom.Tokens.none)
    mesh.CreateDoubleSidedAttr(False)
    mesh.CreateExtentAttr(UsdGeom.Mesh.ComputeExtent(pts))
    return mesh
