"""ADDW distraction areas of a gaze ray, from the geometry around the driver's eyes.

Delegated Regulation (EU) 2023/2590, Annex I (wording from secondary sources,
docs/compliance.md) defines the areas as regions of gaze direction around the
ocular reference point, here the gaze origin of each frame:

- Area 1: the roof (the gaze meets the roof zone first), and every direction
  beyond the vertical planes at +-outside_yaw_deg from straight ahead (+X);
- Area 2: the windscreen and the windows with a margin: the gaze line meets a
  glass zone (anywhere along it, whatever stands in front: the areas are
  directions, not surfaces), or a direction within margin_deg of it does;
- Area 3: below the plane through the eyes that contains the lateral axis and
  falls below_deg ahead, except Areas 1 and 2.

A ray in several takes the lowest number; 0 is none of them. The margin is
sampled on rings every margin/4 and every 30 degrees of azimuth around the ray,
so glass that fits between samples (a sliver under 2.5 degrees at a 10-degree
margin) can be missed.
"""

from typing import Any, Mapping

import numpy as np

from ..labels.raycast import hit_t
from ..scene.cabin import CabinInfo

RING_STEPS = 4
RING_AZIMUTHS = 12


def _meets(origins: np.ndarray, directions: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """(R,) whether ray r (origin r, direction r) meets any of the triangles."""
    r, t = len(directions), len(tris)
    hits = hit_t(np.repeat(origins, t, axis=0), np.repeat(directions, t, axis=0), np.tile(tris, (r, 1, 1)))
    return np.isfinite(hits).reshape(r, t).any(axis=1)


def ring_directions(d: np.ndarray, margin_deg: float) -> np.ndarray:
    """Unit directions on RING_STEPS rings up to margin_deg around unit d."""
    helper = np.array([0.0, 0.0, 1.0]) if abs(d[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    u = np.cross(d, helper)
    u /= np.linalg.norm(u)
    v = np.cross(d, u)
    theta = np.radians(margin_deg) * np.arange(1, RING_STEPS + 1) / RING_STEPS
    phi = np.radians(np.arange(RING_AZIMUTHS) * 360.0 / RING_AZIMUTHS)
    th, ph = np.meshgrid(theta, phi, indexing="ij")
    off = np.cos(ph)[..., None] * u + np.sin(ph)[..., None] * v
    return (np.cos(th)[..., None] * d + np.sin(th)[..., None] * off).reshape(-1, 3)


def addw_areas(areas: Mapping[str, Any], cabin: CabinInfo, zones: list[str], origins: np.ndarray,
               directions: np.ndarray) -> np.ndarray:
    """Per frame the area (1, 2, 3, or 0 for none) of the gaze ray (origin, unit direction,
    vehicle frame) whose first zone is zones[k]; `areas` is the protocol's areas section."""
    origins, directions = np.asarray(origins, float), np.asarray(directions, float)
    yaw = np.degrees(np.arctan2(directions[:, 1], directions[:, 0]))
    area1 = (np.abs(yaw) > areas["area_1"]["outside_yaw_deg"]) | np.isin(zones, areas["area_1"]["zones"])
    glass = np.concatenate([cabin.zones[z] for z in areas["area_2"]["zones"]])
    area2 = ~area1 & _meets(origins, directions, glass)
    down = np.radians(areas["area_3"]["below_deg"])
    below = directions @ np.array([np.sin(down), 0.0, np.cos(down)]) < 0.0
    margin = areas["area_2"]["margin_deg"]
    for k in np.flatnonzero(below & ~area1 & ~area2):
        ring = ring_directions(directions[k], margin)
        area2[k] = _meets(np.repeat(origins[k:k + 1], len(ring), axis=0), ring, glass).any()
    return np.where(area1, 1, np.where(area2, 2, np.where(below, 3, 0)))
