"""Eyelashes: a ribbon of fixed topology rooted on each lid's anterior margin.

At DMS resolutions lashes are not single hairs but the dark line that frames
the eye (a real face detector keys on that dark band over a lighter cheek).
Upper lashes are about 8-12 mm long and curve up and forward from the margin;
lower lashes are shorter (6-8 mm) and point down and forward (clinical
ranges, e.g. Thibaut et al. 2010, Br J Dermatol 162:304; the ribbon's
projected length is shorter than the hair length because the hairs curl).
When the lid closes the upper ribbon swings down with it, as real lashes do.
Lengths in metres.
"""

from __future__ import annotations

import numpy as np


N_LASH_ROWS = 3
UPPER_REACH = (3.0e-3, 4.5e-3)   # forward, up: the ribbon's projected extent at mid-lid
LOWER_REACH = (1.5e-3, 2.0e-3)   # forward, down


def lash_points(margin: np.ndarray, tau: np.ndarray, upper: bool, closure: float) -> np.ndarray:
    """(N_LASH_ROWS * n, 3) ribbon points from the margin row (n,3), tau 0..1 along it."""
    taper = (4.0 * np.clip(tau, 0.0, 1.0) * (1.0 - np.clip(tau, 0.0, 1.0))) ** 0.5
    fwd, vert = UPPER_REACH if upper else LOWER_REACH
    # upper lashes point up when open and down over the closed lid
    vert = vert * (1.0 - 1.6 * closure) if upper else -vert
    s = np.linspace(0.0, 1.0, N_LASH_ROWS)[:, None, None]
    step = np.stack([fwd * np.sqrt(s[..., 0]), np.zeros_like(s[..., 0]), vert * s[..., 0] ** 1.5], -1)
    pts = margin[None] + step * taper[None, :, None]
    return pts.reshape(-1, 3)

