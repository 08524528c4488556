"""The template skin mesh: a structured (azimuth, elevation) grid about sculpt.CENTRE_MM.

The grid has three holes, each a rectangle of cells in index space whose
boundary is warped in parameter space onto an outline: two eye openings
(filled by the eyelids, eyelids.py) and the mouth (filled by the lips,
mouth.py). Below the last radial row the grid continues as rings on the neck
cylinder; the crown closes with a fan. Each quad is split along its shorter
diagonal. All lengths in millimetres (build.py converts to metres).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import sculpt
from .mesh import fan_faces

# Template eye geometry (mm): the rotation centres sit at y = -/+ EYE_HALF_SPACING.
EYE_HALF_SPACING = 32.0
# Eye openings in the skin, frontal outline around each eye (mm, relative to the eye centre,
# lateral positive): lateral / medial half-extent, top / bottom.
EYE_HOLE_LATERAL = 21.0
EYE_HOLE_MEDIAL = 19.5
EYE_HOLE_TOP = 13.5
EYE_HOLE_BOTTOM = -10.5
EYE_HOLE_MID = -0.6   # the opening's widest line: at the template's canthal line

# Neck rings below the last radial row (about z = -112 all round): the first at the cervical
# point, so that the chin's underside runs back to the throat (sculpt.THROAT_RECESS_MM).
NECK_Z = np.concatenate([[-122.0], np.linspace(-136.0, -180.0, 5)])
N_NECK_ROWS = len(NECK_Z)


def _nodes(lo: float, hi: float, density, n: int) -> np.ndarray:
    """n nodes from lo to hi spaced inversely to density (degrees)."""
    if hi < lo:
        return _nodes(hi, lo, density, n)[::-1]
    x = np.linspace(lo, hi, 4001)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (density(x[1:]) + density(x[:-1])) * np.diff(x))])
    return np.interp(np.linspace(0.0, cdf[-1], n), cdf, x)


def _col_density(az):
    a = np.abs(az)
    return 0.2 + 0.45 / (1.0 + np.exp((a - 68.0) / 7.0)) + 0.5 / (1.0 + np.exp((a - 30.0) / 5.0))


def _row_density(psi):
    return 0.28 + 0.4 / (1.0 + np.exp((psi - 38.0) / 5.0)) + 0.35 / (1.0 + np.exp((np.abs(psi + 15.0) - 33.0) / 4.0))


N_COLS = 150
N_RADIAL_ROWS = 80
PSI_TOP = 86.0
PSI_BOTTOM = -62.0


def direction(az, psi):
    """Unit direction from the centre for azimuth / elevation in radians."""
    az = np.asarray(az, float)
    psi = np.asarray(psi, float)
    c = np.cos(psi)
    return np.stack([c * np.cos(az), c * np.sin(az), np.sin(psi)], axis=-1)


def to_param(p):
    """(az, psi) radians of points (mm) seen from the centre."""
    d = np.asarray(p, float) - sculpt.CENTRE_MM
    return np.stack([np.arctan2(d[..., 1], d[..., 0]), np.arctan2(d[..., 2], np.hypot(d[..., 0], d[..., 1]))], -1)


def frontal_to_param(y, z):
    """(az, psi) of the face point at frontal position (y, z) mm."""
    y = np.asarray(y, float)
    z = np.asarray(z, float)
    x = sculpt.face_x(y, z)
    return to_param(np.stack([x, y, z], -1))


def surface_point(param):
    """Points (mm) on the template skin at parameters (..., 2)."""
    param = np.asarray(param, float)
    d = direction(param[..., 0], param[..., 1]).reshape(-1, 3)
    r = sculpt.radius(d)
    return (sculpt.CENTRE_MM + r[:, None] * d).reshape(param.shape[:-1] + (3,))


@dataclass(frozen=True)
class Hole:
    """A rectangle of removed cells, rows ja..jb and columns ia..ib (inclusive vertex range)."""
    ia: int
    ib: int
    ja: int
    jb: int

    @property
    def jc(self) -> int:
        return (self.ja + self.jb) // 2

    def ring(self, lateral_low: bool) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """Upper and lower boundary arcs as (row, col) lists, both running from the
        end at the middle row on the side of low column index (if lateral_low) or
        high column index, round to the other end."""
        ia, ib, ja, jb, jc = self.ia, self.ib, self.ja, self.jb, self.jc
        if lateral_low:
            first, last, step = ia, ib, 1
        else:
            first, last, step = ib, ia, -1
        upper = [(j, first) for j in range(jc, ja, -1)] + [(ja, i) for i in range(first, last, step)] + \
                [(j, last) for j in range(ja, jc + 1)]
        lower = [(j, first) for j in range(jc, jb)] + [(jb, i) for i in range(first, last, step)] + \
                [(j, last) for j in range(jb, jc - 1, -1)]
        return upper, lower


def _square_angle(d):
    """Angle of a point on the unit square's boundary direction, and its square norm."""
    return np.arctan2(d[..., 1], d[..., 0]), np.max(np.abs(d), axis=-1)


def _warp(param, hole_box, centre, outline, fade):
    """Warp grid parameters so the hole rectangle's boundary lands on `outline`.

    param: (..., 2) grid parameters; hole_box = (az0, az1, psi0, psi1) of the
    rectangle; centre: (2,) centre in parameter space; outline(beta) -> (.., 2)
    absolute parameters of the target boundary at angle beta (angle of the
    normalised square point, 0 along +az, pi/2 along +psi). The warp is exact on
    and inside the rectangle and fades out to the identity within `fade`
    (radians) outside it.
    """
    az0, az1, p0, p1 = hole_box
    mid = np.array([(az0 + az1) / 2, (p0 + p1) / 2])
    half = np.array([(az1 - az0) / 2, (p1 - p0) / 2])
    rel = param - mid
    d = rel / half
    beta, s = _square_angle(d)
    target = centre + s[..., None] * (outline(beta) - centre)
    out = np.clip(np.abs(rel) - half, 0.0, None)
    e = np.sqrt((out ** 2).sum(-1)) / fade
    u = np.clip(e, 0.0, 1.0)
    w = 1.0 - u * u * (3.0 - 2.0 * u)
    return param + w[..., None] * (target - param)


def eye_outline(side: int):
    """Eye hole outline (param space) for side -1 (right, y < 0) or +1 (left)."""
    yc = side * EYE_HALF_SPACING

    def f(beta):
        c, s = np.cos(beta), np.sin(beta)
        # +az is +y: for the right eye +az is medial, for the left eye lateral
        ext_pos = EYE_HOLE_MEDIAL if side < 0 else EYE_HOLE_LATERAL
        ext_neg = EYE_HOLE_LATERAL if side < 0 else EYE_HOLE_MEDIAL
        y = yc + np.where(c >= 0, ext_pos, ext_neg) * c
        z = EYE_HOLE_MID + np.where(s >= 0, EYE_HOLE_TOP - EYE_HOLE_MID, EYE_HOLE_MID - EYE_HOLE_BOTTOM) * s
        return frontal_to_param(y, z)
    return f


def mouth_outline(beta):
    """Vermilion border (param space): beta in [0, pi] upper lip from the right corner, [pi, 2pi] lower."""
    c, s = np.cos(beta), np.sin(beta)
    y = sculpt.MOUTH_HALF_WIDTH * c  # beta = 0 at +y; the caller picks the orientation
    zm = sculpt.mouth_line_z(y)
    z = np.where(s >= 0, zm + sculpt.upper_vermilion_height(y) * np.abs(s) ** 0.15,
                 zm - sculpt.lower_vermilion_height(y) * np.abs(s) ** 0.15)
    return frontal_to_param(y, z)


@dataclass(frozen=True)
class SkinTemplate:
    points: np.ndarray          # (V,3) mm
    faces: np.ndarray           # (F,3)
    param: np.ndarray           # (V,2) (az, psi) radians; the crown pole has psi = pi/2
    grid_index: np.ndarray      # (rows, cols) -> vertex index or -1 (removed)
    az: np.ndarray
    psi: np.ndarray
    eye_holes: tuple[Hole, Hole]
    mouth_hole: Hole
    eye_rings: tuple[tuple[np.ndarray, np.ndarray], ...]   # per eye [right, left]: (upper, lower) vertex ids, lateral -> medial
    eye_ring_beta: tuple[tuple[np.ndarray, np.ndarray], ...]  # margin parameter angle per ring vertex
    mouth_ring: tuple[np.ndarray, np.ndarray]               # (upper, lower) vertex ids, right corner -> left corner
    mouth_ring_beta: tuple[np.ndarray, np.ndarray]


def _hole_for(az_nodes, psi_nodes, outline, min_rows):
    """Pick a rectangle of grid lines around an outline's bounding box."""
    b = np.linspace(0, 2 * np.pi, 256, endpoint=False)
    o = outline(b)
    az_lo, az_hi = o[:, 0].min(), o[:, 0].max()
    ps_lo, ps_hi = o[:, 1].min(), o[:, 1].max()
    ia = int(np.argmin(np.abs(az_nodes - az_lo)))
    ib = int(np.argmin(np.abs(az_nodes - az_hi)))
    ja = int(np.argmin(np.abs(psi_nodes - ps_hi)))  # rows run downwards
    jb = int(np.argmin(np.abs(psi_nodes - ps_lo)))
    if (jb - ja) % 2:
        jb += 1
    while jb - ja < min_rows:
        ja -= 1
        jb += 1
    return Hole(ia, ib, ja, jb)


@lru_cache(maxsize=1)
def skin_template() -> SkinTemplate:
    az_deg = _nodes(-180.0, 180.0, _col_density, N_COLS + 1)[:-1]
    # put a column exactly on the midline
    az_deg = az_deg - az_deg[np.argmin(np.abs(az_deg))]
    psi_deg = _nodes(PSI_TOP, PSI_BOTTOM, _row_density, N_RADIAL_ROWS)
    az = np.radians(az_deg)
    psi = np.radians(psi_deg)
    A, P = np.meshgrid(az, psi)
    param = np.stack([A, P], -1)

    holes = []
    outlines = []
    eye_centre_params = []
    for side in (-1, 1):
        out = eye_outline(side)
        centre = frontal_to_param(side * EYE_HALF_SPACING + side * 0.5 * (EYE_HOLE_LATERAL - EYE_HOLE_MEDIAL),
                                  EYE_HOLE_MID)
        holes.append(_hole_for(az, psi, out, 10))
        outlines.append(out)
        eye_centre_params.append(centre)
    mouth_centre = frontal_to_param(0.0, sculpt.STOMION_Z)
    mouth = _hole_for(az, psi, mouth_outline, 8)

    def box(h: Hole):
        return az[h.ia], az[h.ib], psi[h.jb], psi[h.ja]

    for h, out, c in zip(holes, outlines, eye_centre_params):
        param = _warp(param, box(h), c, out, np.radians(7.0))
    param = _warp(param, box(mouth), mouth_centre, mouth_outline, np.radians(7.0))
    # Snapped to 1e-10 rad (10 pm on the face): the warps come out a bit apart in the last
    # place from one process to another (seen with numpy 1.26.4 once a GL context exists;
    # the cause is not found), and a frame must not depend on the process that makes it.
    param = np.round(param, 10)

    n_rows = N_RADIAL_ROWS + N_NECK_ROWS
    pts = np.empty((n_rows, N_COLS, 3))
    pts[:N_RADIAL_ROWS] = surface_point(param)
    for k, z in enumerate(NECK_Z):
        pts[N_RADIAL_ROWS + k] = sculpt.neck_ring(z, az)
    neck_par = np.stack(np.broadcast_arrays(az[None, :], np.full((N_NECK_ROWS, 1), -np.pi / 2)), -1)
    par = np.concatenate([param, neck_par], 0)

    keep = np.ones((n_rows, N_COLS), bool)
    for h in holes + [mouth]:
        keep[h.ja + 1:h.jb, h.ia + 1:h.ib] = False
    # faces of the full grid, each quad split along its shorter diagonal (rows run down,
    # columns towards +y: quad a b e d is clockwise seen from outside, so flip)
    r, c = np.meshgrid(np.arange(n_rows - 1), np.arange(N_COLS), indexing="ij")
    r, c = r.ravel(), c.ravel()
    c1 = (c + 1) % N_COLS
    a, b = r * N_COLS + c, r * N_COLS + c1
    d, e = (r + 1) * N_COLS + c, (r + 1) * N_COLS + c1
    flat_pts = pts.reshape(-1, 3)
    short_ae = np.linalg.norm(flat_pts[a] - flat_pts[e], axis=1) <= np.linalg.norm(flat_pts[b] - flat_pts[d], axis=1)
    t1 = np.where(short_ae[:, None], np.stack([a, b, e], 1), np.stack([a, b, d], 1))
    t2 = np.where(short_ae[:, None], np.stack([a, e, d], 1), np.stack([b, e, d], 1))
    faces = np.concatenate([t1, t2])[:, [0, 2, 1]]
    cell_r = np.concatenate([r, r])
    cell_c = np.concatenate([c, c])
    cell_keep = np.ones(len(faces), bool)
    for h in holes + [mouth]:
        cell_keep &= ~((cell_r >= h.ja) & (cell_r < h.jb) & (cell_c >= h.ia) & (cell_c < h.ib))
    faces = faces[cell_keep]
    # crown: one pole vertex
    pole_index = n_rows * N_COLS
    top = np.arange(N_COLS)
    faces = np.concatenate([faces, fan_faces(pole_index, top)])
    pole = sculpt.CENTRE_MM + sculpt.radius(np.array([[0.0, 0.0, 1.0]]))[0] * np.array([0.0, 0.0, 1.0])

    flat = np.concatenate([pts.reshape(-1, 3), pole[None]])
    flat_par = np.concatenate([par.reshape(-1, 2), [[0.0, np.pi / 2]]])
    keep_flat = np.concatenate([keep.ravel(), [True]])
    new_index = np.full(len(flat), -1, np.int64)
    new_index[keep_flat] = np.arange(keep_flat.sum())
    faces = new_index[faces].astype(np.int32)
    assert (faces >= 0).all()
    grid_index = new_index[:n_rows * N_COLS].reshape(n_rows, N_COLS)

    def ids(cells):
        return np.array([grid_index[j, i] for j, i in cells], np.int64)

    def betas(h: Hole, cells, lateral_low):
        out = []
        for j, i in cells:
            d = np.array([(i - (h.ia + h.ib) / 2) / ((h.ib - h.ia) / 2), -(j - (h.ja + h.jb) / 2) / ((h.jb - h.ja) / 2)])
            if lateral_low:
                d[0] = -d[0]
            out.append(np.arctan2(d[1], d[0]))
        b = np.array(out)
        return np.where(b < -1e-9, b + 2 * np.pi, b)

    eye_rings, eye_betas = [], []
    for side, h in zip((-1, 1), holes):
        lateral_low = side < 0  # right eye: lateral is -y = low column index
        up, lo = h.ring(lateral_low)
        eye_rings.append((ids(up), ids(lo)))
        # margin parameter from the ring's arc length (frontal projection): smooth along the ring
        lam = []
        for arc in (up, lo):
            q = flat[keep_flat][ids(arc)][:, 1:]
            seg = np.linalg.norm(np.diff(q, axis=0), axis=1)
            lam.append(np.concatenate([[0.0], np.cumsum(seg)]) / seg.sum())
        eye_betas.append((np.pi * lam[0], 2 * np.pi - np.pi * lam[1]))
    up, lo = mouth.ring(True)  # from the right corner (-y, low column) to the left corner
    mouth_ring = (ids(up), ids(lo))
    mouth_beta = (betas(mouth, up, True), betas(mouth, lo, True))

    return SkinTemplate(points=flat[keep_flat], faces=faces, param=flat_par[keep_flat], grid_index=grid_index,
                        az=az, psi=psi, eye_holes=(holes[0], holes[1]), mouth_hole=mouth,
                        eye_rings=tuple(eye_rings), eye_ring_beta=tuple(eye_betas),
                        mouth_ring=mouth_ring, mouth_ring_beta=mouth_beta)
