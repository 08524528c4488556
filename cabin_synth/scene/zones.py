"""Which cabin gaze zone a ray hits: the vocabulary of distraction labels.

Zones are the `/Cabin/Zones/*` prims of the cabin asset (docs/cabins.md), read
into CabinInfo.zones. A ray's zone is the nearest zone surface it crosses, except
that the zones on glass let the zones beyond them show through (an exterior
mirror seen through the side window is the mirror); 'none' when it crosses none.
"""

import numpy as np

from ..labels.raycast import hit_t
from .cabin import CabinInfo

NO_ZONE = "none"
# Zones on the windscreen and the side glass: what lies beyond them is what the eye sees.
SEE_THROUGH_ZONES = frozenset({"road_ahead", "driver_window", "passenger_window"})


def zone_soup(cabin: CabinInfo) -> tuple[np.ndarray, tuple[str, ...]]:
    """All zone triangles (T,3,3) and the zone name of each."""
    names = sorted(cabin.zones)
    tris = np.concatenate([cabin.zones[n] for n in names])
    owner = tuple(n for n in names for _ in range(len(cabin.zones[n])))
    return tris, owner


def gaze_zone(soup: tuple[np.ndarray, tuple[str, ...]], origin: np.ndarray, direction: np.ndarray) -> tuple[str, float]:
    """(zone name, distance along the unit `direction` in metres) of the first zone hit."""
    tris, owner = soup
    t = hit_t(np.asarray(origin, float), np.asarray(direction, float), tris)
    hits = [i for i in np.argsort(t, kind="stable") if np.isfinite(t[i])]
    if not hits:
        return NO_ZONE, float("inf")
    i = next((i for i in hits if owner[i] not in SEE_THROUGH_ZONES), hits[0])
    return owner[i], float(t[i])


def gaze_zones(soup: tuple[np.ndarray, tuple[str, ...]], origins: np.ndarray, directions: np.ndarray,
               chunk: int = 256) -> list[str]:
    """gaze_zone's zone for many rays (N,3) at once, by the same rule: the nearest
    zone that is not glass, else the nearest glass zone, else NO_ZONE (ties: the
    lower triangle index, as gaze_zone's stable sort gives)."""
    tris, owner = soup
    glass = np.array([o in SEE_THROUGH_ZONES for o in owner])
    out: list[str] = []
    for s in range(0, len(origins), chunk):
        o, d = np.asarray(origins[s:s + chunk], float), np.asarray(directions[s:s + chunk], float)
        n, m = len(o), len(tris)
        t = hit_t(np.repeat(o, m, axis=0), np.repeat(d, m, axis=0), np.tile(tris, (n, 1, 1))).reshape(n, m)
        solid = np.where(glass, np.inf, t)
        pick = np.where(np.isfinite(solid.min(axis=1)), solid.argmin(axis=1), t.argmin(axis=1))
        hit = np.isfinite(t[np.arange(n), pick])
        out += [owner[i] if h else NO_ZONE for i, h in zip(pick, hit)]
    return out
