"""Facial expressions as displacement fields on the template.

Linear fields (a displacement per template vertex at weight 1, scaled by the
blend weight): smile, brow_raise, brow_furrow, squint (cheeks and lower lids
up), talk (lips rounded and pushed forward) and yawn (lips stretched
vertically, corners drawn in). mouth_open is a rotation of the mandible about
the jaw joints, blended per vertex by a jaw weight (mouth.skin_jaw_weight for
the skin; the lips carry their own weights so the upper lip stays and the
lower lip goes with the jaw). talk and yawn also open the jaw and squint and
yawn also narrow the lids (jaw_weight, lid_closure below).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

EXPRESSIONS: tuple[str, ...] = ("smile", "mouth_open", "brow_raise", "brow_furrow", "squint", "talk", "yawn")
JAW_PIVOT_MM = np.array([-72.0, 0.0, -18.0])
JAW_MAX_DEG = 17.0   # mouth_open = 1: about 30 mm between the incisal edges
# Jaw opening in units of mouth_open: talking opens to about a third (10 mm between
# the lips for open vowels); a yawn drops the jaw to about 50 mm, the usual maximal
# opening of adults (mouth_open weights add, capped at YAWN_JAW).
TALK_JAW = 0.35
YAWN_JAW = 1.75
SQUINT_CLOSURE = 0.4      # share of the upper lid's opening a full squint takes away
SQUINT_LOWER_RAISE = 0.2  # and the lower lid's rise, as a share of the open aperture
YAWN_CLOSURE = 0.45


def check_expression(expression: Mapping[str, float]) -> dict[str, float]:
    out = {}
    for name, w in expression.items():
        if name not in EXPRESSIONS:
            raise ValueError(f"unknown expression {name!r}; known: {list(EXPRESSIONS)}")
        w = float(w)
        if not np.isfinite(w) or w < 0.0 or w > 1.0:
            raise ValueError(f"expression {name!r} weight must be in [0, 1], got {w}")
        out[name] = w
    return out


def _blob(p, centre, sigma):
    d = p - centre
    return np.exp(-(d * d).sum(-1) / (2.0 * sigma * sigma))


def linear_fields(p_mm: np.ndarray) -> dict[str, np.ndarray]:
    """Displacement (mm) of template points for each linear expression at weight 1."""
    out = {}
    smile = np.zeros_like(p_mm)
    for s in (-1.0, 1.0):
        g = _blob(p_mm, np.array([12.0, 25.0 * s, -65.6]), 10.0)[:, None]
        smile += g * np.array([-2.5, 3.5 * s, 4.0])
        g = _blob(p_mm, np.array([8.0, 40.0 * s, -35.0]), 13.0)[:, None]
        smile += g * np.array([0.8, 0.5 * s, 2.2])
    out["smile"] = smile
    raise_ = np.zeros_like(p_mm)
    furrow = np.zeros_like(p_mm)
    above = 1.0 / (1.0 + np.exp(-(p_mm[:, 2] - 8.0) / 3.0))
    for s in (-1.0, 1.0):
        g = (_blob(p_mm, np.array([12.0, 36.0 * s, 26.0]), 24.0) * above)[:, None]
        raise_ += g * np.array([0.3, 0.0, 5.0])
        g = (_blob(p_mm, np.array([24.0, 16.0 * s, 18.0]), 9.0) * above)[:, None]
        furrow += g * np.array([-0.6, -2.0 * s, -2.5])
    out["brow_raise"] = raise_
    out["brow_furrow"] = furrow
    squint = np.zeros_like(p_mm)
    talk = np.zeros_like(p_mm)
    yawn = np.zeros_like(p_mm)
    for s in (-1.0, 1.0):
        # orbicularis oculi: the cheek below each eye and the lower lid ring rise
        g = _blob(p_mm, np.array([8.0, 34.0 * s, -14.0]), 9.0)[:, None]
        squint += g * np.array([0.6, 0.0, 2.5])
        # orbicularis oris: corners drawn towards the midline and the lips pushed out
        g = _blob(p_mm, np.array([12.0, 25.0 * s, -65.6]), 9.0)[:, None]
        talk += g * np.array([2.0, -5.0 * s, 0.0])
        # yawn: the stretched lips pull the corners in and down with the jaw
        yawn += g * np.array([-1.0, -3.0 * s, -2.0])
    g = _blob(p_mm, np.array([20.0, 0.0, -66.0]), 12.0)[:, None]
    talk += g * np.array([2.5, 0.0, 0.0])
    out["squint"] = squint
    out["talk"] = talk
    out["yawn"] = yawn + 0.5 * squint
    return out


def jaw_weight(expression: Mapping[str, float]) -> float:
    """Jaw opening (mouth_open units) of an expression mix."""
    w = expression.get("mouth_open", 0.0) + TALK_JAW * expression.get("talk", 0.0) + \
        YAWN_JAW * expression.get("yawn", 0.0)
    return min(w, YAWN_JAW)


def lid_closure(closure: float, expression: Mapping[str, float]) -> float:
    """Eyelid closure with squint and yawn: each narrows what is left of the aperture."""
    keep = (1.0 - SQUINT_CLOSURE * expression.get("squint", 0.0)) * (1.0 - YAWN_CLOSURE * expression.get("yawn", 0.0))
    return 1.0 - (1.0 - closure) * keep


def lower_lid_raise(expression: Mapping[str, float]) -> float:
    return SQUINT_LOWER_RAISE * expression.get("squint", 0.0)


def jaw_rotation(weight: float) -> np.ndarray:
    """Rotation of the mandible about the head's +Y axis (chin down) for mouth_open = weight."""
    a = np.radians(JAW_MAX_DEG * weight)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def apply_jaw(points: np.ndarray, jaw_weight: np.ndarray, weight: float, pivot_m: np.ndarray) -> np.ndarray:
    if weight <= 0.0:
        return points
    R = jaw_rotation(weight)
    rel = points - pivot_m
    moved = rel @ R.T + pivot_m
    return points + jaw_weight[:, None] * (moved - points)
