"""Facial expressions as displacement fields on the template.

Linear fields (a displacement per template vertex at weight 1, scaled by the
blend weight): smile, brow_raise, brow_furrow. mouth_open is a rotation of
the mandible about the jaw joints, blended per vertex by a jaw weight
(mouth.skin_jaw_weight for the skin; the lips carry their own weights so the
upper lip stays and the lower lip goes with the jaw).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

EXPRESSIONS: tuple[str, ...] = ("smile", "mouth_open", "brow_raise", "brow_furrow")
JAW_PIVOT_MM = np.array([-72.0, 0.0, -18.0])
JAW_MAX_DEG = 17.0   # mouth_open = 1: about 30 mm between the incisal edges


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
    return out


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
