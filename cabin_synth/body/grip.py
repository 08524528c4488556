"""Hands closed around round things: the steering-wheel rim, a phone's edge, a thigh.

Each finger is a chain of bones in one plane that holds the gripped object's
cross-section: a circle of radius `s` (the object's radius plus the finger's)
about the plane's origin. Starting from the wrist, every bone runs along the
tangent from its first joint to that circle and ends where its length runs
out, so a bone either reaches the circle (its pad touches the object at the
tangent point, exactly) or stops short of it (the palm). In the rim's planes,
which contain the wheel axis, the torus cross-section is exactly such a circle.
"""

from dataclasses import dataclass

import numpy as np

from .proportions import FINGER_SCALE, PALM, PHALANGES, THUMB, Proportions


def wrap_chain(start: np.ndarray, lengths, radii, direction: float, flat: bool = False) -> np.ndarray:
    """2D joints (len(lengths) + 1, 2) of bones wrapping circles about the origin.

    Bone k starts at the previous joint and runs along the tangent from it to
    the circle of radius radii[k] (the tangent point that turns by `direction`
    = -1 clockwise or +1 anticlockwise about the origin), lengths[k] long: it
    touches the circle at the tangent point if it is long enough to reach it
    and never enters the circle. `flat`: the object continues as a slab on the
    -a side, its far face the line b = -radius (a phone seen edge-on): a bone
    that would cross that face turns about its first joint to end on it."""
    joints = [np.asarray(start, float)]
    for length, s in zip(lengths, radii):
        q = joints[-1]
        d = float(np.linalg.norm(q))
        if d < s:
            raise ValueError(f"a joint lies inside the gripped object ({d:.4f} m < {s:.4f} m from its centre)")
        t_angle = np.arctan2(q[1], q[0]) + direction * np.arccos(min(s / d, 1.0))
        target = s * np.array([np.cos(t_angle), np.sin(t_angle)])
        along = target - q
        n = float(np.linalg.norm(along))
        if n < 1e-12:   # on the circle already: leave along its tangent
            along, n = direction * np.array([-q[1], q[0]]), d
        end = q + along / n * length
        drop = -s - q[1]
        if flat and end[0] < 0.0 and abs(end[1]) < s and length >= drop >= 0.0:
            end = np.array([q[0] - np.sqrt(length * length - drop * drop), -s])
        joints.append(end)
    return np.array(joints)


@dataclass(frozen=True)
class Plane:
    """Where one finger works: origin (circle centre) and in-plane axes a, b (3D)."""
    origin: np.ndarray
    a: np.ndarray
    b: np.ndarray

    def lift(self, p2: np.ndarray) -> np.ndarray:
        return self.origin + p2[..., :1] * self.a + p2[..., 1:] * self.b


@dataclass(frozen=True)
class HandJoints:
    """Joint centres of one hand, vehicle frame (m)."""
    wrist: np.ndarray        # (3,)
    fingers: np.ndarray      # (4, 4, 3) index..little x [knuckle, PIP, DIP, tip]
    thumb: np.ndarray        # (4, 3) [CMC, MCP, IP, tip]
    width_dir: np.ndarray    # (3,) across the knuckles, unit
    finger_radius: float
    palm_half_thickness: float

    def transformed(self, R: np.ndarray, t: np.ndarray) -> "HandJoints":
        f = lambda p: p @ R.T + t
        return HandJoints(f(self.wrist), f(self.fingers), f(self.thumb), R @ self.width_dir, self.finger_radius,
                          self.palm_half_thickness)


@dataclass(frozen=True)
class Grip:
    """A grip: one plane per finger (index..little) and one for the thumb, the
    wrist's position in the finger planes, the thumb's start in its plane, the
    wrap directions and the gripped object's radius in those planes."""
    finger_planes: tuple[Plane, ...]
    thumb_plane: Plane
    wrist_2d: np.ndarray
    thumb_start_2d: np.ndarray
    finger_direction: float
    thumb_direction: float
    object_radius: float
    flat: bool = False    # a slab beyond the circle (wrap_chain)


def hand_joints(grip: Grip, p: Proportions) -> HandJoints:
    fr = p.finger_r
    palm_half = 0.16 * p.hand_breadth   # half thickness of the palm (about 28 mm thick)
    fingers = []
    for k, plane in enumerate(grip.finger_planes):
        lengths = [PALM * p.hand] + [f * p.hand * FINGER_SCALE[k] for f in PHALANGES]
        radii = [grip.object_radius + palm_half] + [grip.object_radius + fr] * 3
        chain = wrap_chain(grip.wrist_2d, lengths, radii, grip.finger_direction, grip.flat)
        fingers.append(plane.lift(chain))
    fingers = np.array(fingers)
    wrist = fingers[:, 0].mean(axis=0)
    thumb_lengths = [f * p.hand for f in THUMB]
    thumb = grip.thumb_plane.lift(wrap_chain(grip.thumb_start_2d, thumb_lengths,
                                             [grip.object_radius + fr] * 3, grip.thumb_direction, grip.flat))
    width = fingers[0, 1] - fingers[3, 1]
    along = fingers[:, 1].mean(axis=0) - wrist
    width -= along * np.dot(width, along) / np.dot(along, along)
    width /= np.linalg.norm(width)
    return HandJoints(wrist, fingers[:, 1:], thumb, width, fr, palm_half)


def circle_grip(centres: np.ndarray, radial: np.ndarray, normal: np.ndarray, thumb_centre: np.ndarray,
                thumb_radial: np.ndarray, radius: float, p: Proportions) -> Grip:
    """A fist round a tube: per finger the tube's centre point and the in-plane
    radial direction (the side the palm lies on); `normal` the side the wrist
    comes from. Fingers wrap from the palm's side over the far side; the thumb
    wraps the near side."""
    s = p.hand / 0.19   # the hand's size relative to a 190 mm hand
    planes = tuple(Plane(c, r, normal) for c, r in zip(centres, radial))
    return Grip(planes, Plane(thumb_centre, thumb_radial, normal),
                wrist_2d=np.array([0.030, 0.075]) * s + np.array([radius, 0.0]),
                thumb_start_2d=np.array([0.030, 0.048]) * s + np.array([radius, 0.0]),
                finger_direction=-1.0, thumb_direction=1.0, object_radius=radius)
