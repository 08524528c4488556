"""The parametric driver: face and eye geometry (pure numpy + scipy).

    identity = sample_identity(rng, sex="female", age_years=40.0)
    state = FaceState(gaze_target_head=np.array([1.0, 0.1, -0.2]), eyelid_closure=np.zeros(2),
                      pupil_diameter_mm=4.0, expression={"smile": 0.3})
    geometry = build_driver(identity, state)

Head frame, metres (docs/conventions.md). Model, parameters, sources, part
names and the landmark table: docs/driver.md.
"""

from .build import build_driver, reference_identity
from .expressions import EXPRESSIONS
from .identity import SHAPE_PARAMS, Identity, dimensions, sample_identity
from .landmarks import LANDMARK_NAMES
from .parts import DriverGeometry, Part
from .state import FaceState

__all__ = ["Identity", "FaceState", "Part", "DriverGeometry", "sample_identity", "build_driver",
           "LANDMARK_NAMES", "SHAPE_PARAMS", "EXPRESSIONS", "dimensions", "reference_identity"]
