"""Eyebrows (thin raised patches on the skin) and ears (closed-ish shells).

Both are template meshes (millimetres in, metres out) that follow identity and
expression through the same space warps as the skin.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.interpolate import PchipInterpolator

from . import sculpt, template
from .mesh import fan_faces, grid_faces

N_BROW_COLS = 18
N_BROW_ROWS = 5
BROW_LANDMARK_ROW = 1     # first row inside the upper edge
_BROW_Z = PchipInterpolator([0.0, 0.3, 0.62, 1.0], [18.5, 21.5, 24.0, 22.0])
_BROW_H = PchipInterpolator([0.0, 0.35, 1.0], [11.0, 8.5, 3.5])
_BROW_LIFT = np.array([-0.15, 0.5, 0.7, 0.5, -0.15])   # mm along the skin normal, top row to bottom row


def face_normal(y, z):
    """Unit outward normal of the face depth map at (y, z) (mm)."""
    h = 0.05
    dx_dy = (sculpt.face_x(y + h, z) - sculpt.face_x(y - h, z)) / (2 * h)
    dx_dz = (sculpt.face_x(y, z + h) - sculpt.face_x(y, z - h)) / (2 * h)
    n = np.stack([np.ones_like(dx_dy), -dx_dy, -dx_dz], -1)
    return n / np.linalg.norm(n, axis=-1, keepdims=True)


@dataclass(frozen=True)
class BrowTemplate:
    points: tuple[np.ndarray, np.ndarray]   # [right, left] (rows*cols, 3) metres
    faces: tuple[np.ndarray, np.ndarray]
    t: np.ndarray                            # (cols,) medial 0 -> lateral 1


@lru_cache(maxsize=1)
def brow_template() -> BrowTemplate:
    t = np.linspace(0.0, 1.0, N_BROW_COLS)
    v = np.linspace(0.5, -0.5, N_BROW_ROWS)
    end = np.clip(np.minimum(t / 0.06, (1.0 - t) / 0.06), 0.0, 1.0)
    pts, faces = [], []
    for side in (-1, 1):
        y = side * (13.5 + 42.0 * t)
        zc = _BROW_Z(t)
        hh = _BROW_H(t)
        Y = np.broadcast_to(y, (N_BROW_ROWS, N_BROW_COLS))
        Z = zc[None] + v[:, None] * hh[None]
        p = template.surface_point(template.frontal_to_param(Y, Z))
        n = face_normal(Y, Z)
        lift = -0.15 + (_BROW_LIFT[:, None] + 0.15) * end[None]
        p = p + lift[..., None] * n
        pts.append(p.reshape(-1, 3) * 1e-3)
        f = grid_faces(N_BROW_ROWS, N_BROW_COLS)
        # columns run medial -> lateral (right: -y), rows downwards: (-y) x (-z) = +x for the right brow
        faces.append(f if side < 0 else f[:, [0, 2, 1]])
    return BrowTemplate((pts[0], pts[1]), (faces[0].astype(np.int32), faces[1].astype(np.int32)), t)


# ---------------------------------------------------------------- ears
EAR_AROUND = 36
_LAT_RHO = np.array([0.15, 0.3, 0.45, 0.6, 0.72, 0.82, 0.9, 0.96, 1.0])
_MED_RHO = np.array([0.9, 0.6, 0.3])
EAR_FRONT_ATTACH = np.array([-63.0, 67.5, -8.0])   # left ear; mirrored for the right
EAR_LENGTH_MM = 62.0
EAR_FLARE_DEG = 25.0
EAR_TILT_DEG = 15.0


@dataclass(frozen=True)
class EarTemplate:
    points: tuple[np.ndarray, np.ndarray]   # [right, left] metres
    faces: tuple[np.ndarray, np.ndarray]
    attach: tuple[np.ndarray, np.ndarray]   # front attachment point (metres), the scaling centre


def ear_local():
    """Ear shell in its own frame: (long, back, lateral) coordinates in mm, and faces."""
    phi = 2 * np.pi * np.arange(EAR_AROUND) / EAR_AROUND
    a = EAR_LENGTH_MM / 2
    # outline: wider at the top (helix), narrow lobule at the bottom
    c, s = np.cos(phi), np.sin(phi)   # c along long axis (up), s along back
    b = 17.0 * (0.78 + 0.22 * c) * (1.0 - 0.12 * np.clip(-c, 0, 1) ** 2)
    rows = []
    for rho in _LAT_RHO:
        u = rho * a * c
        w = rho * b * s
        # concha: a cup low and to the front; antihelix ridge; helix rim rolled over
        pc = np.hypot((u + 6.0) / 11.0, (w + 4.0) / 8.0)
        h = (1.2 + 2.6 * np.exp(-((rho - 0.9) / 0.07) ** 2) * (0.4 + 0.6 * np.clip(c + 0.6, 0, 1))
             + 1.3 * np.exp(-((rho - 0.62) / 0.1) ** 2) * np.clip(c + 0.3, 0, 1)
             - 4.5 * np.exp(-pc ** 2))
        h = np.where(rho >= 1.0, 0.0, h)
        rows.append(np.stack([u, w, h], -1))
    for rho in _MED_RHO:
        u = rho * a * c
        w = rho * b * s
        h = -2.4 * np.sqrt(1.0 - rho ** 2) - 3.2 * np.exp(-np.hypot((u + 6.0) / 11.0, (w + 4.0) / 8.0) ** 2)
        rows.append(np.stack([u, w, h], -1))
    ring = np.concatenate(rows)
    lat_c = np.array([[0.0, 0.0, 1.2 - 4.5 * np.exp(-((6.0 / 11.0) ** 2 + (4.0 / 8.0) ** 2))]])
    med_c = np.array([[0.0, 0.0, -2.4 - 3.2 * np.exp(-((6.0 / 11.0) ** 2 + (4.0 / 8.0) ** 2))]])
    pts = np.concatenate([lat_c, ring, med_c])
    n_rows = len(rows)
    # rows run outwards then back in on the medial side; columns with +phi (up -> back)
    body = grid_faces(n_rows, EAR_AROUND, wrap=True, offset=1)[:, [0, 2, 1]]
    faces = np.concatenate([fan_faces(0, np.arange(1, EAR_AROUND + 1)),
                            body,
                            fan_faces(len(pts) - 1, np.arange(1 + (n_rows - 1) * EAR_AROUND, 1 + n_rows * EAR_AROUND)[::-1])])
    return pts, faces


@lru_cache(maxsize=1)
def ear_template() -> EarTemplate:
    local, faces = ear_local()
    pts_out, faces_out, attach_out = [], [], []
    for side in (-1, 1):
        tilt, flare = np.radians(EAR_TILT_DEG), np.radians(EAR_FLARE_DEG)
        e_long = np.array([-np.sin(tilt), 0.0, np.cos(tilt)])
        e_back = np.array([-np.cos(flare) * np.cos(tilt), side * np.sin(flare), -np.cos(flare) * np.sin(tilt)])
        e_back -= e_long * (e_back @ e_long)
        e_back /= np.linalg.norm(e_back)
        e_lat = np.cross(e_back, e_long) if side > 0 else np.cross(e_long, e_back)
        if e_lat[1] * side < 0:
            e_lat = -e_lat
        attach = EAR_FRONT_ATTACH * np.array([1.0, side, 1.0])
        b0 = 17.0
        origin = attach + b0 * e_back
        p = origin + local[:, :1] * e_long + local[:, 1:2] * e_back + local[:, 2:3] * e_lat
        # local faces are wound for a right-handed (long, back, lateral) frame
        f = faces if np.linalg.det(np.stack([e_long, e_back, e_lat])) > 0 else faces[:, [0, 2, 1]]
        pts_out.append(p * 1e-3)
        faces_out.append(f.astype(np.int32))
        attach_out.append(attach * 1e-3)
    return EarTemplate((pts_out[0], pts_out[1]), (faces_out[0], faces_out[1]), (attach_out[0], attach_out[1]))
