"""Which cabin gaze zone a ray hits: the vocabulary of distraction labels.

Zones are the `/Cabin/Zones/*` prims of the cabin asset (docs/cabins.md), read
into CabinInfo.zones. A ray's zone is the nearest zone surface it crosses;
'none' when it crosses none.
"""

import numpy as np

from .cabin import CabinInfo
from .raycast import nearest_hit

NO_ZONE = "none"


def zone_soup(cabin: CabinInfo) -> tuple[np.ndarray, tuple[str, ...]]:
    """All zone triangles (T,3,3) and the zone name of each."""
    names = sorted(cabin.zones)
    tris = np.concatenate([cabin.zones[n] for n in names])
    owner = tuple(n for n in names for _ in range(len(cabin.zones[n])))
    return tris, owner


def gaze_zone(soup: tuple[np.ndarray, tuple[str, ...]], origin: np.ndarray, direction: np.ndarray) -> tuple[str, float]:
    """(zone name, distance along the unit `direction` in metres) of the first zone hit."""
    tris, owner = soup
    t, i = nearest_hit(np.asarray(origin, float), np.asarray(direction, float), tris)
    return (owner[i], t) if i >= 0 else (NO_ZONE, float("inf"))
