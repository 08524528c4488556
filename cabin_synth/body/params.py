"""What one frame's body does: the preset section `body` as plain data (docs/presets.md)."""

from dataclasses import asdict, dataclass

import numpy as np

HAND_POSES = ("ten_two", "nine_three", "one_hand_twelve", "phone_in_hand", "eye_rub", "mouth_cover", "chin_rest")
SLEEVES = ("long", "short")
SEAT_BELT = ("worn", "none")


@dataclass(frozen=True)
class BodyParams:
    hand_pose: str = "ten_two"
    build: float = 0.0                 # girth z-score: breadths, depths and limb radii (not lengths)
    lean_forward_deg: float = 0.0      # torso about the H-point, forward positive
    lean_side_deg: float = 0.0         # torso about the H-point, towards the driver's left (+Y) positive
    sleeves: str = "long"
    clothing_colour: str = "navy"      # a key of materials.CLOTHING
    seat_belt: str = "worn"
    steering_wheel_deg: float = 0.0    # wheel angle about its column, counter-clockwise seen by the driver

    def to_dict(self) -> dict:
        return asdict(self)


def lean_rotation(body: BodyParams) -> np.ndarray:
    """The torso's lean about the H-point (vehicle frame): forward about Y, then sideways about X."""
    f, s = np.radians(body.lean_forward_deg), np.radians(body.lean_side_deg)
    Ry = np.array([[np.cos(f), 0.0, np.sin(f)], [0.0, 1.0, 0.0], [-np.sin(f), 0.0, np.cos(f)]])
    Rx = np.array([[1.0, 0.0, 0.0], [0.0, np.cos(s), np.sin(s)], [0.0, -np.sin(s), np.cos(s)]])
    return Rx @ Ry
