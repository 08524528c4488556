"""Texture coordinates of the driver's skin: where each skin part lies in the skin atlas.

One square atlas per identity holds all of the driver's skin
(cabin_synth.scene.skin paints it). Each skin part has a chart, a rectangle of
the atlas, and chart coordinates (s, t) in 0..1 over it:

- the head (face, scalp, neck rows) takes the top 11/16: s follows the azimuth
  and t the elevation of each point seen from sculpt.CENTRE_MM (the head is
  star-shaped about it, so no two points share a texel), each remapped so that
  the face gets about three times the texels per degree of the back of the head;
  the neck rows continue below the last radial row at NECK_STEP_DEG per row.
  The seam at the back (azimuth +-180 degrees) and the crown's pole make the
  head's st faceVarying;
- the ears: their own (long, back) plane, both sides of an ear on one chart;
- eyelids and sockets: their grids (column along the lid margin, row across);
- lips: their grids (column from corner to corner, row from the vermilion
  border inwards); the mouth's cavity: one texel block of plain colour.

Rectangles are in units of the atlas (x right, y down from the top row of the
image); `atlas_st` turns chart coordinates into USD st (t up).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import eyelids, mouth, sculpt, template
from .brows_ears import ear_local

# Chart rectangles (x0, y0, width, height) in units of the atlas side.
CHARTS: dict[str, tuple[float, float, float, float]] = {
    "head": (0.0, 0.0, 1.0, 0.6875),
    "ear_R": (0.0, 0.6875, 0.25, 0.25), "ear_L": (0.25, 0.6875, 0.25, 0.25),
    "upper_lid_R": (0.5, 0.6875, 0.25, 0.0625), "upper_lid_L": (0.75, 0.6875, 0.25, 0.0625),
    "lower_lid_R": (0.5, 0.75, 0.25, 0.0625), "lower_lid_L": (0.75, 0.75, 0.25, 0.0625),
    "socket_R": (0.5, 0.8125, 0.25, 0.0625), "socket_L": (0.75, 0.8125, 0.25, 0.0625),
    "upper_lip": (0.5, 0.875, 0.25, 0.0625), "lower_lip": (0.75, 0.875, 0.25, 0.0625),
    "cavity": (0.0, 0.9375, 0.0625, 0.0625),
}
SIDES = ("R", "L")
# Driver part -> chart.
PART_CHARTS = {"Head": "head", "EarR": "ear_R", "EarL": "ear_L", "Mouth/UpperLip": "upper_lip",
               "Mouth/LowerLip": "lower_lip", "Mouth/Cavity": "cavity",
               **{f"Eye{s}/{p}": f"{c}_{s}" for s in SIDES
                  for p, c in (("UpperLid", "upper_lid"), ("LowerLid", "lower_lid"), ("Socket", "socket"))}}

NECK_STEP_DEG = 7.0    # elevation the head chart gives each neck row below the last radial row
# Ears' chart: their local (long, back) coordinates, mm, mapped onto 0..1.
EAR_LONG_MM, EAR_BACK_MM = (-34.0, 34.0), (-22.0, 22.0)


def _density_cdf(x: np.ndarray, density) -> tuple[np.ndarray, np.ndarray]:
    """Nodes of x and the normalised integral of density over them (a monotone map onto 0..1)."""
    d = density(x)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (d[1:] + d[:-1]) * np.diff(x))])
    return x, cdf / cdf[-1]


# Texels per degree of azimuth: the face (within about 80 degrees of the front) three to
# four times denser than the back of the head.
_AZ = _density_cdf(np.linspace(-180.0, 180.0, 3601), lambda a: 0.25 + 0.75 / (1.0 + np.exp((np.abs(a) - 80.0) / 8.0)))
_H_BOTTOM = template.PSI_BOTTOM - template.N_NECK_ROWS * NECK_STEP_DEG
FACE_AZ_DEG = np.linspace(-40.0, 40.0, 5)   # the front whose arc length sets the rows' spacing


@lru_cache(maxsize=1)
def _h_map() -> tuple[np.ndarray, np.ndarray]:
    """Texels per degree of elevation: as many as the front of the face has millimetres per
    degree there (so that its texels are about square, the columns' spacing matching), a third
    of that above the hairline, half on the neck stump (under the chin the camera sees the skin
    at a grazing angle, and the face keeps its texels); nodes and their normalised integral."""
    h = np.linspace(_H_BOTTOM, 90.0, 301)
    a = np.radians(np.repeat(FACE_AZ_DEG, len(h)))
    points = head_points_at(np.degrees(a), np.tile(h, len(FACE_AZ_DEG))).reshape(len(FACE_AZ_DEG), len(h), 3)
    arc = np.linalg.norm(np.gradient(points, h, axis=1), axis=2).mean(axis=0)     # mm per degree
    return _density_cdf(h, lambda x: np.interp(x, h, arc) * (0.3 + 0.7 / (1.0 + np.exp((x - 55.0) / 6.0)))
                        * np.where(x < template.PSI_BOTTOM, 0.5, 1.0))


def head_chart(az_deg: np.ndarray, h_deg: np.ndarray) -> np.ndarray:
    """(..., 2) chart coordinates of azimuth and (virtual) elevation in degrees."""
    return np.stack([np.interp(az_deg, *_AZ), np.interp(h_deg, *_h_map())], axis=-1)


def head_angles(s: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of head_chart: (azimuth, elevation) in degrees of chart coordinates."""
    h_nodes, h_cdf = _h_map()
    return np.interp(s, _AZ[1], _AZ[0]), np.interp(t, h_cdf, h_nodes)


def head_points(s: np.ndarray, t: np.ndarray) -> np.ndarray:
    """(N, 3) template points (mm) at head-chart coordinates."""
    return head_points_at(*head_angles(np.asarray(s, float), np.asarray(t, float)))


def head_points_at(az: np.ndarray, h: np.ndarray) -> np.ndarray:
    """(N, 3) template points (mm) at azimuth and (virtual) elevation in degrees: the sculpted
    surface down to the last radial row, then straight between it and the neck rings, and
    between the rings."""
    out = np.empty((len(az), 3))
    radial = h >= template.PSI_BOTTOM
    out[radial] = template.surface_point(np.radians(np.stack([az[radial], h[radial]], axis=-1)))
    q = (template.PSI_BOTTOM - h[~radial]) / NECK_STEP_DEG - 1.0      # fractional neck ring, -1: last radial row
    a = np.radians(az[~radial])
    rings = np.concatenate([template.surface_point(np.stack([a, np.full_like(a, np.radians(template.PSI_BOTTOM))], -1))[None],
                            np.stack([sculpt.neck_ring(z, a) for z in template.NECK_Z])])
    k = np.clip(np.floor(q).astype(int) + 1, 0, len(rings) - 2)
    f = np.clip(q + 1.0 - k, 0.0, 1.0)[:, None]
    idx = np.arange(len(a))
    out[~radial] = rings[k, idx] * (1.0 - f) + rings[k + 1, idx] * f
    return out


def _head_vertex_chart() -> np.ndarray:
    """(V, 2) chart coordinates of the head template's vertices (the pole's s is set per face)."""
    tpl = template.skin_template()
    az, psi = np.degrees(tpl.param[:, 0]), np.degrees(tpl.param[:, 1])
    h = psi.copy()
    rows = np.full(len(tpl.points), -1)
    valid = tpl.grid_index >= 0
    rows[tpl.grid_index[valid]] = np.nonzero(valid)[0]
    neck = rows >= template.N_RADIAL_ROWS
    h[neck] = template.PSI_BOTTOM - (rows[neck] - template.N_RADIAL_ROWS + 1) * NECK_STEP_DEG
    return head_chart(az, h)


def _grid_chart(n_rows: int, n_cols: int, periodic: bool = False) -> np.ndarray:
    """(rows * cols, 2) chart coordinates of a row-major grid: s along columns, t along rows."""
    s = np.arange(n_cols) / (n_cols if periodic else n_cols - 1)
    t = np.arange(n_rows) / (n_rows - 1)
    return np.stack(np.meshgrid(s, t), axis=-1).reshape(-1, 2)


def _unwrap(chart: np.ndarray, faces: np.ndarray, pole: int | None = None) -> np.ndarray:
    """(F, 3, 2) per-corner chart coordinates of a mesh whose s wraps at 0 = 1: each corner's s
    moved by a whole turn to lie within half a turn of its face's first corner that is not the
    pole; a pole's corner (its s undefined) takes the mean s of its face's other corners."""
    corners = chart[faces].copy()
    s = corners[..., 0]
    first = np.argmax(faces != pole, axis=1) if pole is not None else np.zeros(len(faces), int)
    s += np.round(s[np.arange(len(s)), first][:, None] - s)
    if pole is not None:
        at = faces == pole
        fan = at.any(axis=1)
        s[at] = (s[fan].sum(axis=1) - s[at]) / 2.0
    return corners


def atlas_st(chart_name: str, chart: np.ndarray) -> np.ndarray:
    """USD st (t up, the atlas's bottom row at t = 0) of chart coordinates."""
    x0, y0, w, h = CHARTS[chart_name]
    return np.stack([x0 + chart[..., 0] * w, 1.0 - (y0 + (1.0 - chart[..., 1]) * h)], axis=-1)


def chart_coordinates(chart_name: str, st: np.ndarray) -> np.ndarray:
    """Inverse of atlas_st."""
    x0, y0, w, h = CHARTS[chart_name]
    return np.stack([(st[..., 0] - x0) / w, (st[..., 1] - (1.0 - y0 - h)) / h], axis=-1)


@dataclass(frozen=True)
class UVSet:
    """A part's texture coordinates as the stage writes them: values and, for faceVarying
    coordinates, one index per face corner (None: one value per vertex)."""
    values: np.ndarray                 # (K, 2) float32
    indices: np.ndarray | None = None  # (3 F,) int32


def _face_varying(chart_name: str, corners: np.ndarray) -> UVSet:
    st = atlas_st(chart_name, corners.reshape(-1, 2)).astype(np.float32)
    values, indices = np.unique(st, axis=0, return_inverse=True)
    return UVSet(values, indices.ravel().astype(np.int32))


@lru_cache(maxsize=1)
def skin_uvs() -> dict[str, UVSet]:
    """The UVSet of every skin part of the driver (PART_CHARTS), for its fixed topology."""
    tpl = template.skin_template()
    pole = int(np.flatnonzero(np.isclose(tpl.param[:, 1], np.pi / 2))[0])
    out = {"Head": _face_varying("head", _unwrap(_head_vertex_chart(), tpl.faces, pole))}
    local, _ = ear_local()
    ear = np.stack([(local[:, 0] - EAR_LONG_MM[0]) / np.ptp(EAR_LONG_MM),
                    (local[:, 1] - EAR_BACK_MM[0]) / np.ptp(EAR_BACK_MM)], axis=-1)
    mt = mouth.mouth_template()
    for i, side in enumerate(SIDES):
        out[f"Ear{side}"] = UVSet(atlas_st(f"ear_{side}", ear).astype(np.float32))
        n = len(tpl.eye_rings[i][0])
        lids = eyelids.lid_topology(n, right_eye=(i == 0))
        for part, chart in (("UpperLid", "upper_lid"), ("LowerLid", "lower_lid")):
            out[f"Eye{side}/{part}"] = UVSet(atlas_st(f"{chart}_{side}", _grid_chart(eyelids.N_LID_ROWS, n)).astype(np.float32))
        loop = _grid_chart(eyelids.SOCKET_ROWS, 2 * n - 2, periodic=True)
        out[f"Eye{side}/Socket"] = _face_varying(f"socket_{side}", _unwrap(loop, lids.socket_faces))
    lip = atlas_st("upper_lip", _grid_chart(mouth.N_LIP_ROWS, mt.n_cols)).astype(np.float32)
    out["Mouth/UpperLip"] = UVSet(lip)
    out["Mouth/LowerLip"] = UVSet(atlas_st("lower_lip", _grid_chart(mouth.N_LIP_ROWS, mt.n_cols)).astype(np.float32))
    n_cavity = int(mt.cavity_faces.max()) + 1
    out["Mouth/Cavity"] = UVSet(np.tile(atlas_st("cavity", np.array([0.5, 0.5])).astype(np.float32), (n_cavity, 1)))
    return out
