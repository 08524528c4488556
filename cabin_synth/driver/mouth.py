"""Lips and mouth cavity.

The mouth opening in the skin (template.py) is a ring along the vermilion
border. Each lip is a grid from its half of the ring (row 0, shared with the
skin) to the stomion line (the mouth slit, MOUTH_ROW), sampled on the template
skin surface, then two rows rolling back into the mouth (the wet inner lip).
The upper and lower stomion rows coincide while the mouth is closed. The
cavity is a bag hanging from the lips' inner rows, rebuilt every frame from
their current positions, so it follows the jaw; it holds the teeth and the
tongue (teeth.py).

Template lengths in millimetres; mouth_template() returns metres.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import sculpt, template
from .mesh import fan_faces, grid_faces

N_LIP_ROWS = 9
MOUTH_ROW = 6            # stomion row; rows 7, 8 roll into the mouth
_LIP_S = np.linspace(0.0, 1.0, MOUTH_ROW + 1) ** 0.9
_ROLL_UPPER = np.array([[-1.6, 0.0, 0.3], [-4.2, 0.0, 1.6]])
_ROLL_LOWER = np.array([[-1.6, 0.0, -0.3], [-4.2, 0.0, -1.6]])
# The cavity's rings behind the lips' innermost rows (mm): depth, width as a share of the
# lips' loop (upper, lower half: the lower arch is the narrower), height above the upper lip's (upper half) and below the lower lip's (lower half). The oral cavity
# reaches the oropharynx some 55-60 mm behind the lips and turns down into it; it holds
# the dental arches (teeth.py: about 55 mm across at the second premolars, the crowns
# and their cervical extensions 12-14 mm tall above and below the occlusal plane) and
# the tongue, whatever the jaw's opening.
_CAVITY_DEPTH = np.array([3.0, 8.0, 16.0, 26.0, 38.0, 52.0])
_CAVITY_SCALE = np.array([[1.0, 1.08, 1.15, 1.15, 0.95, 0.6], [1.0, 1.0, 1.05, 1.05, 0.95, 0.6]]).T   # upper, lower half
_CAVITY_UP = np.array([12.0, 13.0, 14.0, 14.0, 12.0, 8.0])
_CAVITY_DOWN = np.array([9.0, 15.0, 16.0, 16.0, 12.0, 9.0])
# Height profile across the width: a superellipse (exponent 4, boxy: the arches run
# nearly straight at the sides), not below a floor that grows with depth, where the
# premolars stand beyond the mouth's corners.
_CAVITY_FLOOR = np.array([0.0, 0.3, 0.6, 0.7, 0.7, 0.7])
_PHARYNX = np.array([14.0, 0.0, 12.0])   # the back point: behind and below the last ring's centre
CAVITY_RINGS = len(_CAVITY_DEPTH)


@dataclass(frozen=True)
class MouthTemplate:
    upper: np.ndarray          # (N_LIP_ROWS * n, 3) metres
    lower: np.ndarray
    upper_faces: np.ndarray
    lower_faces: np.ndarray
    cavity_faces: np.ndarray
    n_cols: int
    stomion_y_mm: np.ndarray   # (n,) template y of each column's stomion point (right corner -> left)
    jaw_upper: np.ndarray      # (N_LIP_ROWS * n,) jaw weights
    jaw_lower: np.ndarray


def corner_fade(tau: np.ndarray) -> np.ndarray:
    """0 at the mouth corners rising to 1 within 12 % of the width from them."""
    u = np.clip(np.minimum(tau, 1.0 - tau) / 0.12, 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


def skin_jaw_weight(p_mm: np.ndarray) -> np.ndarray:
    """How much a skin point (template, mm) moves with the mandible (0..1)."""
    x, y, z = p_mm[..., 0], p_mm[..., 1], p_mm[..., 2]
    ay = np.abs(y)
    zm = sculpt.mouth_line_z(np.clip(ay, 0.0, sculpt.MOUTH_HALF_WIDTH))
    # behind the mouth corners the separation rises towards the jaw joint
    back = np.clip(12.0 - x, 0.0, None) + np.clip(ay - sculpt.MOUTH_HALF_WIDTH, 0.0, None) * 0.5
    zsep = zm + 0.5 * back
    scale = 2.5 + 0.12 * back
    w = 1.0 / (1.0 + np.exp(-(zsep - z) / scale))
    # the neck and the back of the head stay
    w = w / (1.0 + np.exp(-(z + 140.0) / 8.0))
    w = w / (1.0 + np.exp(-(x + 80.0) / 6.0))
    return w


@lru_cache(maxsize=1)
def mouth_template() -> MouthTemplate:
    skin = template.skin_template()
    ring_u, ring_l = skin.mouth_ring
    beta_u, beta_l = skin.mouth_ring_beta
    n = len(ring_u)
    tau_u = 0.5 * (1.0 - np.cos(beta_u))
    y_st = -sculpt.MOUTH_HALF_WIDTH * np.cos(beta_u)        # right corner (-y) -> left corner
    z_st = sculpt.mouth_line_z(y_st)

    def lip(ring, roll):
        r = skin.points[ring]
        pts = np.empty((N_LIP_ROWS, n, 3))
        for k, s in enumerate(_LIP_S):
            y = r[:, 1] + s * (y_st - r[:, 1])
            z = r[:, 2] + s * (z_st - r[:, 2])
            pts[k] = template.surface_point(template.frontal_to_param(y, z))
        pts[0] = r
        # the stomion row of both lips must coincide: use the same frontal points
        fade = corner_fade(tau_u)[:, None]
        for k in range(2):
            pts[MOUTH_ROW + 1 + k] = pts[MOUTH_ROW] + roll[k] * np.maximum(fade, 0.15)
        return pts.reshape(-1, 3)

    upper = lip(ring_u, _ROLL_UPPER)
    lower = lip(ring_l, _ROLL_LOWER)
    base = grid_faces(N_LIP_ROWS, n)
    # columns run towards +y; upper-lip rows run down (y x -z = -x: flip), lower-lip rows run up
    upper_faces = base[:, [0, 2, 1]]
    lower_faces = base
    loop = 2 * n - 2
    # the bag is seen from inside: its faces point into the mouth
    cav = np.concatenate([grid_faces(CAVITY_RINGS + 1, loop, wrap=True),
                          fan_faces((CAVITY_RINGS + 1) * loop, np.arange(CAVITY_RINGS * loop, (CAVITY_RINGS + 1) * loop))])
    cav = cav[:, [0, 2, 1]]

    # jaw weights: lips blend from the ring's skin weight to 0 (upper) / 1 (lower) at the slit
    ws_u = skin_jaw_weight(skin.points[ring_u])
    ws_l = skin_jaw_weight(skin.points[ring_l])
    fade = corner_fade(tau_u)
    slit_u = 0.5 * (1.0 - fade)
    slit_l = 0.5 * (1.0 + fade)
    s = np.concatenate([_LIP_S, [1.0, 1.0]])[:, None]
    jaw_u = (ws_u[None] * (1 - s) + slit_u[None] * s).ravel()
    jaw_l = (ws_l[None] * (1 - s) + slit_l[None] * s).ravel()
    return MouthTemplate(upper=upper * 1e-3, lower=lower * 1e-3, upper_faces=upper_faces.astype(np.int32),
                         lower_faces=lower_faces.astype(np.int32), cavity_faces=cav.astype(np.int32), n_cols=n,
                         stomion_y_mm=y_st, jaw_upper=jaw_u, jaw_lower=jaw_l)


def cavity_points(upper: np.ndarray, lower: np.ndarray, n: int, jaw: np.ndarray, rest_upper: np.ndarray) -> np.ndarray:
    """The cavity bag from the lips' innermost rows (metres). Each ring's upper half hangs
    from the upper lip, its lower half from the lower lip turned by `jaw` (the mandible's
    rotation, expressions.jaw_rotation), so the floor goes with the lower teeth and the
    tongue. The upper half keeps at least the width and the height it has at rest
    (`rest_upper`: the upper lip's innermost row without expression) where talk or a yawn
    draws the corners in and down, because the upper arch inside stays with the skull."""
    up = upper.reshape(N_LIP_ROWS, n, 3)[-1]
    lo = lower.reshape(N_LIP_ROWS, n, 3)[-1]
    loop = np.concatenate([up, lo[-2:0:-1]])
    lower_half = np.concatenate([np.zeros(n, bool), np.ones(n - 2, bool)])
    c = loop.mean(axis=0)
    rel_y = loop[:, 1] - c[1]
    half_width = np.abs(rel_y).max() + 1e-12
    across = np.clip(1.0 - (rel_y / half_width) ** 4, 0.0, 1.0) ** 0.25
    widen = max(1.0, 0.5 * np.ptp(rest_upper[:, 1]) / half_width)
    base_z = loop[:, 2].copy()
    base_z[:n] = np.maximum(base_z[:n], rest_upper[:, 2])
    rings = [loop]
    for (sy_u, sy_l), d, u, dn, floor in zip(_CAVITY_SCALE, _CAVITY_DEPTH, _CAVITY_UP, _CAVITY_DOWN, _CAVITY_FLOOR):
        h = np.maximum(across, floor)
        # the lower premolars stand from about 16 mm back; nearer the lips the lower half keeps
        # to the lips, which the skin around the corners stays close to
        sy = np.where(lower_half, sy_l * (widen if d >= 16.0 else 1.0), sy_u * widen)
        offset = np.stack([np.full(len(loop), -d), rel_y * 1e3 * (sy - 1.0),
                           np.where(lower_half, -dn, u) * h], axis=1) * 1e-3
        offset[lower_half] = offset[lower_half] @ jaw.T
        ring = loop + offset
        ring[:n, 2] += base_z[:n] - loop[:n, 2]
        rings.append(ring)
    back = rings[-1].mean(axis=0) - _PHARYNX * 1e-3
    return np.concatenate(rings + [back[None]])
