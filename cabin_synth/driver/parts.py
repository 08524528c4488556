"""Output data: mesh parts and the driver geometry of one frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Part:
    """One mesh of the driver, in the head frame (metres).

    name: unique, path-like, CamelCase segments (usable as USD prim names).
    semantic: one of cabin_synth.labels.semantics.CLASSES. material: the driver
    material it takes (a key of materials.driver_materials).
    faces wind counter-clockwise seen from outside: (b - a) x (c - a) points out.
    """
    name: str
    semantic: str
    material: str
    points: np.ndarray    # (V,3) float64
    faces: np.ndarray     # (F,3) int32
    normals: np.ndarray   # (V,3) float64 unit
    fibres: np.ndarray | None = None   # (V,3) unit hair fibre directions, root to tip (hair parts only)


@dataclass(frozen=True)
class DriverGeometry:
    parts: tuple[Part, ...]
    landmarks: np.ndarray            # (70,3) head frame: iBUG 68 + right pupil (68) + left pupil (69)
    landmark_parts: tuple[str, ...]  # (70,) the Part each landmark lies on
    eye_centres: np.ndarray          # (2,3) eyeball rotation centres [right, left]
    gaze_dirs: np.ndarray            # (2,3) unit optical axes [right, left]
    pupil_centres: np.ndarray        # (2,3) centres of the pupil discs
    aperture_mm: np.ndarray          # (2,) lid aperture at the midpoint of the eye-corner line
    closure: np.ndarray              # (2,) lid closure as built: the state's, narrowed by squint and yawn

    def part(self, name: str) -> Part:
        for p in self.parts:
            if p.name == name:
                return p
        raise KeyError(name)
