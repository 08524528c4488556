"""Ambient occlusion of the template skin: how much of the sky each point sees.

Eye sockets, the sides of the nose, under the nose and the lips, the mouth
corners and under the chin see less of the surrounding light than open skin.
Baked once per process on the template (identity warps change it little; the
expressions' change is not modelled) as the cosine-weighted share of
directions in which the skin itself blocks the view, found with orthographic
depth maps of densely sampled skin from many directions (docs/driver.md).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.spatial import cKDTree

from .mesh import vertex_normals
from .template import EYE_HALF_SPACING, skin_template

N_DIRECTIONS = 128
CELL_MM = 1.2          # depth-map cell
LIFT_MM = 1.5          # a point looks out from this far above its surface (as a shadow map's normal offset)
SAMPLES_PER_EDGE = 4   # barycentric samples per triangle edge (15 per triangle)


def sphere_directions(n: int) -> np.ndarray:
    """n nearly uniform unit directions (Fibonacci sphere)."""
    k = np.arange(n) + 0.5
    z = 1.0 - 2.0 * k / n
    phi = np.pi * (1.0 + 5.0 ** 0.5) * k
    r = np.sqrt(1.0 - z * z)
    return np.stack([r * np.cos(phi), r * np.sin(phi), z], axis=1)


def _surface_samples(points: np.ndarray, faces: np.ndarray, n: int) -> np.ndarray:
    i, j = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    keep = i + j <= n
    w = np.stack([i[keep], j[keep], n - i[keep] - j[keep]], axis=1) / n
    return np.einsum("sk,fkj->fsj", w, points[faces]).reshape(-1, 3)


def occlusion(points: np.ndarray, faces: np.ndarray, normals: np.ndarray, surface: np.ndarray | None = None,
              n_directions: int = N_DIRECTIONS, cell: float = CELL_MM, lift: float = LIFT_MM) -> np.ndarray:
    """(V,) cosine-weighted share of each vertex's hemisphere blocked by the mesh
    (0 open, 1 closed), in the units of `points`. `surface`: sample points of the
    occluders (default: the mesh's own triangles, densely sampled)."""
    if surface is None:
        surface = _surface_samples(points, faces, SAMPLES_PER_EDGE)
    centre = surface.mean(axis=0)
    surface, eye = surface - centre, points + lift * normals - centre
    radius = max(np.linalg.norm(surface, axis=1).max(), np.linalg.norm(eye, axis=1).max())
    side = int(np.ceil(2.0 * radius / cell)) + 1
    blocked = np.zeros(len(points))
    weight = np.zeros(len(points))
    # Component arrays: three axpy passes beat a (N,3) x (3,3) product here.
    sx, sy, sz = (np.ascontiguousarray(surface[:, k]) for k in range(3))
    ex, ey, ez = (np.ascontiguousarray(eye[:, k]) for k in range(3))
    for d in sphere_directions(n_directions):
        a = np.cross(d, [0.0, 0.0, 1.0] if abs(d[2]) < 0.9 else [1.0, 0.0, 0.0])
        a /= np.linalg.norm(a)
        b = np.cross(d, a)
        along = lambda v, x, y, z: x * v[0] + y * v[1] + z * v[2]
        cell_of = lambda x, y, z: (np.floor((along(a, x, y, z) + radius) / cell).astype(np.int64) * side
                                   + np.floor((along(b, x, y, z) + radius) / cell).astype(np.int64))
        top = np.full(side * side, -np.inf)
        np.maximum.at(top, cell_of(sx, sy, sz), along(d, sx, sy, sz))
        cos = np.clip(normals @ d, 0.0, None)
        # The lifted point is blocked when skin lies further out along d in its cell.
        blocked += cos * (top[cell_of(ex, ey, ez)] > along(d, ex, ey, ez) + 0.5 * cell)
        weight += cos
    return blocked / np.maximum(weight, 1e-12)


@lru_cache(maxsize=1)
def template_occlusion() -> np.ndarray:
    """(V,) occlusion of every template skin vertex (openings lead into the head, which
    blocks like the eyeballs and the mouth behind them)."""
    tpl = skin_template()
    return occlusion(tpl.points, tpl.faces, vertex_normals(tpl.points, tpl.faces))


# The eyes, lids and sockets are built per frame (gaze, closure): their occlusion is
# looked up in a table over directions and distances from the eyeball centre, made
# on the template (right eye; the left mirrors it).
EYE_RADII_MM = np.array([12.3, 14.0, 17.0, 21.0, 26.0, 31.0])
N_EYE_DIRECTIONS = 800


@lru_cache(maxsize=1)
def eye_table() -> tuple[cKDTree, np.ndarray]:
    """A tree of unit directions from the template's right eye centre (its front half) and
    the (R, D) occlusion of a surface facing straight out at EYE_RADII_MM along them (the
    template skin blocks: brow ridge, nose, cheek)."""
    tpl = skin_template()
    dirs = sphere_directions(N_EYE_DIRECTIONS)
    dirs = dirs[dirs[:, 0] > -0.3]
    centre = np.array([0.0, -EYE_HALF_SPACING, 0.0])
    points = np.concatenate([centre + r * dirs for r in EYE_RADII_MM])
    occ = occlusion(points, None, np.tile(dirs, (len(EYE_RADII_MM), 1)),
                    surface=_surface_samples(tpl.points, tpl.faces, SAMPLES_PER_EDGE))
    return cKDTree(dirs), occ.reshape(len(EYE_RADII_MM), len(dirs))


def _eye_frame(points: np.ndarray, centre: np.ndarray, right: bool) -> tuple[np.ndarray, np.ndarray]:
    """Unit directions (mirrored to the right eye) and distances (mm) of points about an eyeball centre."""
    d = (points - centre) * 1e3
    if not right:
        d[:, 1] = -d[:, 1]
    r = np.linalg.norm(d, axis=1)
    return d / np.maximum(r, 1e-9)[:, None], r


def eye_occlusion(points: np.ndarray, centre: np.ndarray, right: bool) -> np.ndarray:
    """(V,) occlusion of points of an eye's lids and socket (head frame, metres) about its eyeball centre."""
    tree, table = eye_table()
    u, r = _eye_frame(points, centre, right)
    column = table[:, tree.query(u)[1]]
    k = np.clip(np.searchsorted(EYE_RADII_MM, r) - 1, 0, len(EYE_RADII_MM) - 2)
    t = np.clip((r - EYE_RADII_MM[k]) / (EYE_RADII_MM[k + 1] - EYE_RADII_MM[k]), 0.0, 1.0)
    cols = np.arange(len(r))
    return (1.0 - t) * column[k, cols] + t * column[k + 1, cols]


EYEBALL_LIFT_MM = 0.3   # the eyeball is a true sphere: no facets to lift clear of


@lru_cache(maxsize=1)
def eyeball_table() -> tuple[cKDTree, np.ndarray]:
    """Directions and occlusion over the eyeball's surface (sclera, iris, pupil): the
    template skin and the open lids of the reference driver block, so the upper lid
    shades the sclera below its margin (lids closing or following the gaze are not
    followed)."""
    from .build import build_driver, reference_identity
    from .state import FaceState

    ref = reference_identity()
    geometry = build_driver(ref, FaceState(np.array([1.0, 0.0, 0.0]), np.zeros(2), 4.0, {}))
    tpl = skin_template()
    surface = [_surface_samples(tpl.points, tpl.faces, SAMPLES_PER_EDGE)]
    for name in ("EyeR/UpperLid", "EyeR/LowerLid"):
        part = geometry.part(name)
        surface.append(_surface_samples(part.points * 1e3, part.faces, SAMPLES_PER_EDGE))
    dirs = sphere_directions(N_EYE_DIRECTIONS)
    dirs = dirs[dirs[:, 0] > -0.3]
    centre = geometry.eye_centres[0] * 1e3
    occ = occlusion(centre + ref.eyeball_radius_m * 1e3 * dirs, None, dirs, surface=np.concatenate(surface),
                    lift=EYEBALL_LIFT_MM)
    return cKDTree(dirs), occ


def eyeball_occlusion(points: np.ndarray, centre: np.ndarray, right: bool) -> np.ndarray:
    """(V,) occlusion of points on an eyeball (head frame, metres) about its centre."""
    tree, table = eyeball_table()
    return table[tree.query(_eye_frame(points, centre, right)[0])[1]]


def opening_occlusion(points: np.ndarray, normals: np.ndarray, opening: np.ndarray) -> np.ndarray:
    """(V,) occlusion of points inside a cavity whose only way out is the polygon `opening`
    (K,3, its loop wound counter-clockwise seen from outside): one less the form factor from
    each point (its normal) to the opening, the cosine-weighted share of its hemisphere seen
    through it (Lambert's contour integral: sum over the edges of the angle they subtend
    times the cosine between the normal and their plane's normal, over 2 pi). What lies
    inside (teeth, tongue) shading the opening for points behind them is not counted, so
    this is the least the cavity is occluded; a polygon reaching below a point's horizon
    counts as its projection, a small overestimate of the light only near the opening."""
    r = opening[None] - points[:, None]
    u = r / np.maximum(np.linalg.norm(r, axis=2, keepdims=True), 1e-9)
    c = np.cross(u, np.roll(u, -1, axis=1))
    sin = np.linalg.norm(c, axis=2)
    gamma = np.arctan2(sin, np.einsum("vkj,vkj->vk", u, np.roll(u, -1, axis=1)))
    # counter-clockwise seen from outside: each edge's u_i x u_i+1 points out through the
    # opening, along the normal of a point inside looking out (positive), against one facing away
    f = np.einsum("vk,vkj,vj->v", gamma / np.maximum(sin, 1e-12), c, normals) / (2.0 * np.pi)
    return 1.0 - np.clip(f, 0.0, 1.0)
