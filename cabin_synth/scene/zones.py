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
