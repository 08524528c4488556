"""Per-frame face state: where the eyes look, how open the lids are, pupil size, expression."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np

from .expressions import check_expression

PUPIL_RANGE_MM = (2.0, 8.0)


@dataclass(frozen=True)
class FaceState:
    gaze_target_head: np.ndarray          # (3,) metres, head frame; both eyes verge on it
    eyelid_closure: np.ndarray            # (2,) [right, left]; 0 = the identity's alert aperture, 1 = closed
    pupil_diameter_mm: float = 4.0        # 2..8
    expression: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self):
        g = np.asarray(self.gaze_target_head, float).reshape(-1)
        if g.shape != (3,) or not np.all(np.isfinite(g)):
            raise ValueError(f"gaze_target_head must be 3 finite numbers, got {self.gaze_target_head!r}")
        c = np.broadcast_to(np.asarray(self.eyelid_closure, float), (2,)).copy()
        if not np.all(np.isfinite(c)) or np.any(c < -1e-9) or np.any(c > 1 + 1e-9):
            raise ValueError(f"eyelid_closure must be in [0, 1], got {self.eyelid_closure!r}")
        d = float(self.pupil_diameter_mm)
        if not PUPIL_RANGE_MM[0] - 1e-9 <= d <= PUPIL_RANGE_MM[1] + 1e-9:
            raise ValueError(f"pupil_diameter_mm must be in {PUPIL_RANGE_MM}, got {d}")
        object.__setattr__(self, "gaze_target_head", g)
        object.__setattr__(self, "eyelid_closure", np.clip(c, 0.0, 1.0))
        object.__setattr__(self, "pupil_diameter_mm", d)
        object.__setattr__(self, "expression", MappingProxyType(check_expression(self.expression)))
