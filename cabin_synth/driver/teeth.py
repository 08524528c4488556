"""Teeth and tongue: closed meshes in the template's frame (mm), inside the mouth's cavity.

An open mouth in a photograph shows the upper incisors (often the lower ones
too), the tongue on the cavity's floor and the dark cavity behind them; without
them an open mouth reads as a lip-coloured hole that face detectors trained on
photographs do not take for a mouth (docs/realism.md, docs/driver.md Mouth).

Each crown is a rounded box (a superquadric) of the tooth's crown length
(cervico-incisal), mesio-distal and labio-lingual diameters, tapered towards
the incisal edge like a real incisor's wedge, and lengthened at its cervical end
by ROOT_MM so that no gap shows between the crowns and the lips (there are no
gums). The crowns stand side by side along each arch's labial line, the
central incisors' contact on the midline. Teeth and tongue are template points
warped with the identity like the skin; the lower arch and the tongue go with
the mandible (jaw weight 1), the upper arch stays with the skull (0).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import sculpt

# Crown length, mesio-distal and labio-lingual crown diameters (mm), central incisor to
# second premolar: Nelson & Ash, Wheeler's Dental Anatomy, Physiology and Occlusion
# (9th ed., 2010), the table of the teeth's average measurements that opens each tooth's
# chapter (maxillary central incisor 10.5 x 8.5 x 7.0, ... mandibular second premolar
# 8.0 x 7.0 x 8.0).
UPPER_CROWNS = np.array([[10.5, 8.5, 7.0], [9.0, 6.5, 6.0], [10.0, 7.5, 8.0], [8.5, 7.0, 9.0], [8.5, 6.5, 9.0]])
LOWER_CROWNS = np.array([[9.0, 5.0, 6.0], [9.5, 5.5, 6.5], [11.0, 7.0, 7.5], [8.5, 7.0, 7.5], [8.0, 7.0, 8.0]])
# Labio-lingual thickness at the incisal edge as a share of the crown's (incisors and
# canines are wedges seen from the side; premolars keep most of theirs at the cusps).
EDGE_THICKNESS = np.array([0.3, 0.3, 0.45, 0.8, 0.8])
ROOT_MM = 3.0

# Each arch's labial line (the crowns' labial faces) as (y, depth behind the central
# incisors) knots, mm. Upper: intercanine width about 35 mm at the cusp tips and the
# premolars some 15-25 mm behind the incisors (Wheeler's, Occlusion: arch form; Bishara
# et al. 1997, Am J Orthod Dentofacial Orthop 111:401, adult intercanine width 34-35 mm
# maxillary, 26-27 mm mandibular). Lower: narrower, its incisors behind the upper's lingual
# faces (overjet) and their edges above the upper edges (overbite), both about 2.5 mm.
UPPER_ARCH = np.array([[0.0, 0.0], [9.2, 1.2], [16.2, 4.0], [20.5, 8.5], [24.1, 14.5], [26.3, 21.5], [27.5, 29.0]])
LOWER_ARCH = np.array([[0.0, 0.0], [7.5, 1.2], [13.3, 4.0], [16.8, 8.5], [20.3, 14.5], [22.9, 21.5], [24.1, 29.0]])
OVERJET_MM = 2.5
OVERBITE_MM = 2.5
# Where the arches sit behind the lips (template): the upper incisors' labial faces 2.5 mm
# behind the lips' innermost rows at the midline (which lie 4.2 mm behind the stomion,
# mouth.py), their edges 2 mm below the stomion: with the lips apart at rest the upper
# incisors show about 2 mm below the upper lip in men, 3.4 mm in women (Vig & Brundo
# 1978, J Prosthet Dent 39:502).
UPPER_LABIAL_X = 13.0
UPPER_EDGE_Z = sculpt.STOMION_Z - 2.0
PREMOLAR_RISE_MM = 0.5   # the occlusal plane rises a little backwards (curve of Spee)

# Tongue: an ellipsoid on the cavity's floor, its tip behind the lower incisors, its
# dorsum at the occlusal plane (the tongue at rest fills the floor of the mouth up to the
# teeth); back-front semi-axis, half-width, height above / depth below its equator (mm).
TONGUE_TIP_X = 4.0
TONGUE_AXES = np.array([18.0, 17.0, 5.0, 3.0])
TONGUE_TOP_Z = sculpt.STOMION_Z

N_LAT, N_LON = 6, 10      # rounded-box tessellation per crown
N_TONGUE_LAT, N_TONGUE_LON = 8, 16
BOXINESS = 4.0            # superquadric exponent: flat faces, rounded edges


@dataclass(frozen=True)
class Closed:
    points: np.ndarray   # (V,3) mm
    faces: np.ndarray    # (F,3) int32, counter-clockwise seen from outside


def _sphere(n_lat: int, n_lon: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit directions of a latitude-longitude sphere (poles on +-z) and its closed faces."""
    lat = np.linspace(-0.5 * np.pi, 0.5 * np.pi, n_lat + 1)[1:-1]
    lon = np.linspace(0.0, 2.0 * np.pi, n_lon, endpoint=False)
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    rings = np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1).reshape(-1, 3)
    dirs = np.concatenate([[[0.0, 0.0, -1.0]], rings, [[0.0, 0.0, 1.0]]])
    faces = []
    top = len(dirs) - 1
    for r in range(n_lat - 2):
        for c in range(n_lon):
            a, b = 1 + r * n_lon + c, 1 + r * n_lon + (c + 1) % n_lon
            faces += [[a, b, b + n_lon], [a, b + n_lon, a + n_lon]]
    for c in range(n_lon):
        faces.append([0, 1 + (c + 1) % n_lon, 1 + c])
        a, b = 1 + (n_lat - 2) * n_lon + c, 1 + (n_lat - 2) * n_lon + (c + 1) % n_lon
        faces.append([a, b, top])
    return dirs, np.asarray(faces, np.int32)


def _box(dirs: np.ndarray) -> np.ndarray:
    """Directions pushed out onto the unit superquadric |x|^q + |y|^q + |z|^q = 1."""
    return dirs / (np.abs(dirs) ** BOXINESS).sum(axis=1, keepdims=True) ** (1.0 / BOXINESS)


def _outward(points: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """faces wound so that the closed mesh's signed volume is positive (normals out): the
    mirrored and the hanging crowns come out of the local frame turned inside out."""
    a, b, c = (points[faces[:, k]] for k in range(3))
    volume = np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6.0
    return faces if volume > 0.0 else faces[:, [0, 2, 1]]


def _arch_stations(knots: np.ndarray, widths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points on the labial line (y, depth) at each crown's mid-width, and the line's unit
    tangents, for crowns laid side by side from the midline along its arc length."""
    seg = np.linalg.norm(np.diff(knots, axis=0), axis=1)
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    mid = np.cumsum(widths) - 0.5 * widths
    y = np.interp(mid, arc, knots[:, 0])
    d = np.interp(mid, arc, knots[:, 1])
    k = np.clip(np.searchsorted(arc, mid) - 1, 0, len(seg) - 1)
    tangent = np.diff(knots, axis=0)[k] / seg[k, None]
    return np.stack([y, d], axis=1), tangent


def _arch(crowns: np.ndarray, knots: np.ndarray, labial_x: float, edge_z: float, upper: bool) -> Closed:
    unit, faces = _sphere(N_LAT, N_LON)
    box = _box(unit)
    stations, tangents = _arch_stations(knots, crowns[:, 1])
    points, all_faces = [], []
    for side in (-1.0, 1.0):
        for (length, md, ll), taper, (y, depth), (ty, td) in zip(crowns, EDGE_THICKNESS, stations, tangents):
            h = length + ROOT_MM
            # local frame: u labial (out of the arch), v along the arch, w from the edge to the root
            s = 0.5 * (box[:, 2] + 1.0)                       # 0 at the edge, 1 at the root
            thick = ll * (taper + (1.0 - taper) * np.clip(s * h / length, 0.0, 1.0))
            u = 0.5 * (box[:, 0] - 1.0) * thick               # labial face at u = 0
            v = 0.5 * box[:, 1] * md
            w = s * h
            rise = PREMOLAR_RISE_MM * np.clip(depth / knots[-1, 1], 0.0, 1.0)
            # labial normal in (y, depth): the tangent (ty, td) turned outwards
            ny, nd = td, -ty
            py = y + u * ny + v * ty
            pd = depth + u * nd + v * td
            pz = edge_z + (w + rise if upper else -w - rise)
            p = np.stack([labial_x - pd, side * py, pz], axis=1)
            all_faces.append(_outward(p, faces) + sum(len(q) for q in points))
            points.append(p)
    return Closed(np.concatenate(points), np.concatenate(all_faces).astype(np.int32))


@lru_cache(maxsize=1)
def upper_teeth() -> Closed:
    return _arch(UPPER_CROWNS, UPPER_ARCH, UPPER_LABIAL_X, UPPER_EDGE_Z, upper=True)


@lru_cache(maxsize=1)
def lower_teeth() -> Closed:
    return _arch(LOWER_CROWNS, LOWER_ARCH, UPPER_LABIAL_X - OVERJET_MM, UPPER_EDGE_Z + OVERBITE_MM, upper=False)


@lru_cache(maxsize=1)
def tongue() -> Closed:
    unit, faces = _sphere(N_TONGUE_LAT, N_TONGUE_LON)
    a, b, up, down = TONGUE_AXES
    z = np.where(unit[:, 2] > 0.0, up, down) * unit[:, 2]
    p = np.stack([TONGUE_TIP_X - a + a * unit[:, 0], b * unit[:, 1], TONGUE_TOP_Z - up + z], axis=1)
    return Closed(p, _outward(p, faces))
