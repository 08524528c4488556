"""Where each hand is for a hand pose: on the rim at a clock position (turning
with the wheel), round the phone, resting on a thigh, or at the face
(face_hands.py).

Sides are [right, left] (vehicle -Y, +Y). The outboard hand is the one next to
the door (left in a left-hand-drive car): it keeps the wheel when the other
hand is busy; the inboard hand takes the phone or rests on the inboard thigh.
"""

import numpy as np

from ..assets.accessories import PHONE_SIZE
from ..scene.accessories import WHEEL_RIM_CLOCK_DEG
from .anchors import BodyAnchors
from .face_hands import FACE_POSES, FaceSkin, face_hand, face_hand_side
from .grip import Grip, HandJoints, Plane, circle_grip, hand_joints
from .proportions import Proportions

# Phone positions where the driver holds the phone (accessories.PHONE_POSITIONS);
# the others rest on the car.
HAND_HELD = ("knee", "lap", "windscreen_view")
# Clock positions in degrees from 12 towards 3 o'clock as the driver sees it: [right, left].
RIM_CLOCK = {"ten_two": (60.0, -60.0), "nine_three": (90.0, -90.0)}
TWELVE_OFFSET_DEG = 8.0   # a one-handed grip at 12 sits a little towards its own side
# The phone's `wheel_rim` position (accessories.WHEEL_RIM_CLOCK_DEG towards 9 o'clock) in
# these clock degrees, and how far a hand keeps from it (the phone is 148 mm tall).
PHONE_RIM_CLOCK_DEG = -WHEEL_RIM_CLOCK_DEG
PHONE_RIM_CLEAR_DEG = 50.0


def steer_matrix(deg: float) -> np.ndarray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def wheel_to_vehicle(anchors: BodyAnchors, steer_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """(R, t) of the turned wheel's local frame: rotateZ:steer after the wheel's own orientation."""
    return anchors.wheel_R @ steer_matrix(steer_deg), anchors.wheel_centre


def rim_grip(anchors: BodyAnchors, clock_deg: float, side: int, p: Proportions) -> Grip:
    """A fist on the rim at clock_deg, wheel frame; side 0 right hand, 1 left:
    the index finger lies towards 12 o'clock, the thumb beyond it."""
    sign = 1.0 if side == 1 else -1.0   # larger clock angle = clockwise seen by the driver
    spacing = 0.25 * p.hand_breadth / anchors.rim_radius
    beta = np.radians(clock_deg) + sign * spacing * (1.5 - np.arange(4.0))
    radial = np.stack([np.sin(beta), np.cos(beta), np.zeros(4)], axis=1)
    bt = np.radians(clock_deg) + sign * spacing * 2.3
    thumb_radial = np.array([np.sin(bt), np.cos(bt), 0.0])
    return circle_grip(anchors.rim_radius * radial, radial, np.array([0.0, 0.0, 1.0]),
                       anchors.rim_radius * thumb_radial, thumb_radial, anchors.rim_tube, p)


def phone_grip(R_phone: np.ndarray, t_phone: np.ndarray, side: int, p: Proportions) -> Grip:
    """The hand behind the phone (opposite its screen, +Z), fingers round one long
    edge and the thumb round the other; a right hand's fingers take the edge at
    the phone's -X (the user's left), a left hand's the +X edge."""
    w, h, t = PHONE_SIZE
    edge = R_phone[:, 0] * (-1.0 if side == 0 else 1.0)
    behind, along = -R_phone[:, 2], R_phone[:, 1]
    spacing = 0.25 * p.hand_breadth
    ys = spacing * (1.5 - np.arange(4.0)) - 0.1 * h
    planes = tuple(Plane(t_phone + edge * w / 2 + along * y, edge, behind) for y in ys)
    s = p.hand / 0.19
    return Grip(planes, Plane(t_phone - edge * w / 2 + along * (ys[0] + spacing), -edge, behind),
                wrist_2d=np.array([-0.080, 0.030]) * s, thumb_start_2d=np.array([-0.02, 0.025]) * s,
                finger_direction=-1.0, thumb_direction=-1.0, object_radius=t / 2, flat=True)


def thigh_grip(hip: np.ndarray, knee: np.ndarray, radius: float, inboard: np.ndarray, p: Proportions) -> Grip:
    """A hand resting over a thigh near the knee, wrist on the inboard side,
    fingers draped over the top (planes across the thigh)."""
    axis = (knee - hip) / np.linalg.norm(knee - hip)
    up = np.array([0.0, 0.0, 1.0]) - axis * axis[2]
    up /= np.linalg.norm(up)
    side = inboard - axis * np.dot(inboard, axis) - up * np.dot(inboard, up)
    side /= np.linalg.norm(side)
    spacing = 0.25 * p.hand_breadth
    along = np.linalg.norm(knee - hip) * 0.62 + spacing * np.arange(4.0)
    centres = hip + along[:, None] * axis
    return circle_grip(centres, np.tile(up, (4, 1)), side, centres[-1] + axis * spacing * 1.2, up, radius, p)


def hand_targets(pose: str, phone: str, anchors: BodyAnchors, steer_deg: float, p: Proportions,
                 thighs: tuple[tuple[np.ndarray, np.ndarray, float], ...], skin: FaceSkin | None = None,
                 shoulders: np.ndarray | None = None, reach: float = 0.0) -> tuple[list[HandJoints], list[str]]:
    """Both hands' joints [right, left] and what each holds ('wheel', 'phone',
    'thigh', 'face'). The poses at the face need the posed head's skin, the
    shoulders and how far a wrist reaches from its shoulder; a face hand out
    of reach holds the wheel at 9 or 3 o'clock instead."""
    R_w, t_w = wheel_to_vehicle(anchors, steer_deg)
    out_side = 1 if anchors.outboard > 0 else 0
    in_side = 1 - out_side

    def on_rim(clock: float, side: int) -> HandJoints:
        if phone == "wheel_rim":   # a phone clipped to the rim (it does not turn with it) takes the place of the hand
            seen = clock - steer_deg - PHONE_RIM_CLOCK_DEG
            if abs(seen) < PHONE_RIM_CLEAR_DEG:
                clock += np.copysign(PHONE_RIM_CLEAR_DEG, seen) - seen
        return hand_joints(rim_grip(anchors, clock, side, p), p).transformed(R_w, t_w)

    hands: list = [None, None]
    holds = ["wheel", "wheel"]
    if pose in RIM_CLOCK:
        for side in (0, 1):
            hands[side] = on_rim(RIM_CLOCK[pose][side], side)
        return hands, holds
    if pose == "one_hand_twelve":
        hands[out_side] = on_rim(TWELVE_OFFSET_DEG * (1.0 if out_side == 0 else -1.0), out_side)
        hip, knee, r = thighs[in_side]
        inboard = np.array([0.0, -anchors.outboard, 0.0])
        hands[in_side] = hand_joints(thigh_grip(hip, knee, r, inboard, p), p)
        holds[in_side] = "thigh"
        return hands, holds
    if pose == "phone_in_hand":
        hands[out_side] = on_rim(RIM_CLOCK["ten_two"][out_side], out_side)
        if phone not in HAND_HELD:
            raise ValueError(f"phone_in_hand needs the phone at a hand-held position {HAND_HELD}, not {phone!r} "
                             "(sampler.sample_frame moves it there)")
        R_p, t_p = anchors.phone_poses[phone]
        hands[in_side] = hand_joints(phone_grip(R_p, t_p, in_side, p), p)
        holds[in_side] = "phone"
        return hands, holds
    if pose in FACE_POSES:
        face_side = face_hand_side(pose, anchors.outboard)
        wheel_side = 1 - face_side
        hands[wheel_side] = on_rim(RIM_CLOCK["nine_three"][wheel_side], wheel_side)
        hands[face_side] = face_hand(pose, face_side, skin, shoulders[face_side], reach, p)
        if hands[face_side] is None:
            hands[face_side] = on_rim(RIM_CLOCK["nine_three"][face_side], face_side)
        else:
            holds[face_side] = "face"
        return hands, holds
    raise ValueError(f"unknown hand pose {pose!r}")
