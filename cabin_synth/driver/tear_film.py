"""The wet parts around the eyeball: the tear meniscus and the caruncle.

- The tear meniscus is the strip of tear fluid held between the lower lid's
  posterior margin and the eyeball, about 0.2-0.3 mm high (tear meniscus height
  in normal eyes, measured by OCT: about 0.2-0.3 mm; Shen et al. 2009). Its
  concave water surface mirrors the light along the lower lid as a thin bright
  line, one of the cues that an eye is wet. Here: a strip from the lower lid's
  posterior margin up the eyeball's front surface by MENISCUS_HEIGHT_M.
- The caruncle is the small pink mound of modified skin in the inner canthus,
  in the lacus lacrimalis between the lids' medial ends and the eyeball (about
  3-4 mm wide); the plica semilunaris, the fold of conjunctiva lateral to it,
  is painted on the sclera (scene/eye_maps.py). Here: a flattened ellipsoid
  just lateral of and behind the medial canthus, tucked against the eyeball.

Head frame, metres; both follow the lids and the eye each frame.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from . import eyes
from .eyelids import POSTERIOR_ROW
from .mesh import grid_faces, sheet_normals

MENISCUS_HEIGHT_M = 0.3e-3
MENISCUS_STANDOFF_M = 0.02e-3      # over the eyeball's surface, so that the two never fight in depth
# The caruncle: centre from the medial canthus (towards the eye's centre along y, backwards
# along x) and its semi-axes (along y, z and x).
CARUNCLE_INSET_M = (1.6e-3, 1.5e-3)
CARUNCLE_AXES_M = (1.3e-3, 1.2e-3, 0.9e-3)
CARUNCLE_RINGS, CARUNCLE_AROUND = 6, 12


def meniscus_points(lower_rows: np.ndarray, n_cols: int, centre: np.ndarray, R: np.ndarray,
                    eyeball_radius: float, iris_radius: float) -> np.ndarray:
    """(2 n_cols, 3) strip: the lower lid's posterior margin, and above it on the eyeball."""
    margin = lower_rows.reshape(-1, n_cols, 3)[POSTERIOR_ROW]
    top = margin + np.array([0.0, 0.0, MENISCUS_HEIGHT_M])
    x = eyes.front_surface_x(top[:, 1:] - centre[1:], centre, R, eyeball_radius, iris_radius, outside_slope=4.0)
    top[:, 0] = np.maximum(centre[0] + x + MENISCUS_STANDOFF_M, margin[:, 0] - 0.3e-3)
    return np.concatenate([margin, top])


def meniscus_faces(right_eye: bool, n_cols: int) -> np.ndarray:
    """The strip's faces, wound to face forwards (+x): the lower lid's columns run towards +y in
    the right eye and -y in the left (eyelids.lid_topology), the rows upwards."""
    f = grid_faces(2, n_cols).astype(np.int32)
    return f if right_eye else f[:, [0, 2, 1]]


def meniscus_normals(points: np.ndarray, n_cols: int) -> np.ndarray:
    return sheet_normals(points, 2, n_cols)


@lru_cache(maxsize=1)
def _unit_ellipsoid() -> tuple[np.ndarray, np.ndarray]:
    """A UV sphere: poles along z, rings between; points (unit) and outward faces."""
    theta = np.linspace(0.0, np.pi, CARUNCLE_RINGS + 2)[1:-1]
    phi = 2 * np.pi * np.arange(CARUNCLE_AROUND) / CARUNCLE_AROUND
    ring = np.stack([np.sin(theta)[:, None] * np.cos(phi), np.sin(theta)[:, None] * np.sin(phi),
                     np.cos(theta)[:, None] * np.ones_like(phi)], -1).reshape(-1, 3)
    pts = np.concatenate([[[0.0, 0.0, 1.0]], ring, [[0.0, 0.0, -1.0]]])
    n = CARUNCLE_AROUND
    body = grid_faces(CARUNCLE_RINGS, n, wrap=True, offset=1)
    top = np.stack([np.zeros(n, int), 1 + (np.arange(n) + 1) % n, 1 + np.arange(n)], 1)
    last = 1 + (CARUNCLE_RINGS - 1) * n
    bottom = np.stack([np.full(n, len(pts) - 1), last + np.arange(n), last + (np.arange(n) + 1) % n], 1)
    faces = np.concatenate([top, body, bottom]).astype(np.int32)
    # wind outwards whatever grid_faces' convention: flip faces whose normal points in
    fn = np.cross(pts[faces[:, 1]] - pts[faces[:, 0]], pts[faces[:, 2]] - pts[faces[:, 0]])
    inward = np.einsum("ij,ij->i", fn, pts[faces].mean(axis=1)) < 0
    faces[inward] = faces[inward][:, [0, 2, 1]]
    return pts, faces


def caruncle(canthus_medial: np.ndarray, eye_centre: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(points, faces, normals) of one eye's caruncle."""
    unit, faces = _unit_ellipsoid()
    towards_eye = np.sign(eye_centre[1] - canthus_medial[1])
    centre = canthus_medial + np.array([-CARUNCLE_INSET_M[1], towards_eye * CARUNCLE_INSET_M[0], 0.0])
    a = np.array([CARUNCLE_AXES_M[2], CARUNCLE_AXES_M[0], CARUNCLE_AXES_M[1]])   # x, y, z
    # the sphere's pole axis along x (a cyclic swap of axes: no mirror, the faces stay outward)
    pts = centre + unit[:, [2, 0, 1]] * a
    normals = unit[:, [2, 0, 1]] / a
    return pts, faces, normals / np.linalg.norm(normals, axis=1, keepdims=True)
