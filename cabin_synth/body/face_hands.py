"""Hands at the face (hand poses eye_rub, mouth_cover, chin_rest).

A pointing hand (eye_rub), a relaxed open hand (mouth_cover) or a fist
(chin_rest) is made in its own frame with a contact point on its surface and
that surface's outward normal there. It is turned so that normal faces into
the skin at the target (a point found on the posed head's own mesh from its
landmarks) and its fingers or knuckles lie the way the pose needs, put with
its contact point SKIN_GAP_M off the skin, then moved out until every vertex
of the hand mesh keeps SKIN_GAP_M off the head's skin (signed distance to the
nearest skin vertex along its normal) and back as far as that allows, so no
part of the hand enters the head whatever the head's pose or the driver's
face.

Sides are [right, left] as in poses.py.
"""

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from ..driver import DriverGeometry
from .grip import HandJoints, circle_grip, hand_joints
from .hands import hand_points
from .proportions import FINGER_SCALE, PALM, PHALANGES, THUMB, Proportions

FACE_POSES = ("eye_rub", "mouth_cover", "chin_rest")
SKIN_GAP_M = 0.002
# A fist closes round nothing: a rod this thick stands for the hollow inside it.
FIST_HOLLOW_M = 0.010
# A relaxed open hand curls a little at each finger joint (MCP, PIP, DIP); a
# pointing hand keeps its index finger nearly straight and curls the others in.
OPEN_FLEX_DEG = (10.0, 12.0, 8.0)
POINT_FLEX_DEG = ((5.0, 8.0, 5.0), (70.0, 95.0, 60.0), (75.0, 95.0, 60.0), (80.0, 95.0, 60.0))
POINT_THUMB = (0.55, -0.35, 0.75)   # folded across the palm over the curled fingers
# The skin the hand must keep off: the head's skin, ears, lips and lids (lashes,
# brows and hair are not solid).
SKIN_PARTS = ("Head", "EarR", "EarL", "Mouth/UpperLip", "Mouth/LowerLip",
              "EyeR/UpperLid", "EyeR/LowerLid", "EyeL/UpperLid", "EyeL/LowerLid")
EYE_LIDS = (("EyeR/UpperLid", "EyeR/LowerLid"), ("EyeL/UpperLid", "EyeL/LowerLid"))
PUPIL_LANDMARKS = (68, 69)      # right, left
LIP_CENTRES = (51, 57)          # upper_lip_outer_centre, lower_lip_outer_centre
MENTON = 8                      # jaw_08: the chin's lowest point
FRONT_RADIUS_M = 0.004          # a target is the most forward skin point this close to its landmark's line of sight
MAX_PUSHES = 8
SETTLE_STEP_M = 0.002
SETTLED_M = 2.5e-4              # settling onto the skin stops within this of where it would touch
SIGN_RANGE_M = 0.025            # FaceSkin.clearance trusts a vertex normal's sign this close to the vertex


def face_hand_side(pose: str, outboard: float) -> int:
    """The hand at the face: the door-side hand rests the chin (elbow on the
    door's armrest); the inboard hand rubs an eye or covers the mouth, while
    the door-side hand keeps the wheel (as in one_hand_twelve)."""
    out_side = 1 if outboard > 0 else 0
    return out_side if pose == "chin_rest" else 1 - out_side


@dataclass(frozen=True)
class FaceSkin:
    """The posed head's skin, vehicle frame: vertices, their outward normals and
    a tree over them; the head's frame and its landmarks."""
    points: np.ndarray
    normals: np.ndarray
    tree: cKDTree
    R_head: np.ndarray          # columns: the head's +X (out of the face), +Y (its left), +Z (up)
    head: DriverGeometry        # head frame
    t_head: np.ndarray

    def clearance(self, q: np.ndarray) -> np.ndarray:
        """Signed distance (m) of points to the skin: along the nearest vertex's
        normal. Points farther than SIGN_RANGE_M from every vertex count as
        outside at that distance: there the nearest vertex may be on the neck
        stump's open end, whose normals say nothing about points below it."""
        d, i = self.tree.query(q, distance_upper_bound=SIGN_RANGE_M)
        near = np.isfinite(d)
        out = np.full(len(q), SIGN_RANGE_M)
        out[near] = np.einsum("ij,ij->i", q[near] - self.points[i[near]], self.normals[i[near]])
        return out

    def to_vehicle(self, p: np.ndarray) -> np.ndarray:
        return p @ self.R_head.T + self.t_head


def face_skin(head: DriverGeometry, R_vehicle_head: np.ndarray, t_vehicle_head: np.ndarray) -> FaceSkin:
    parts = [head.part(n) for n in SKIN_PARTS]
    pts = np.concatenate([p.points for p in parts]) @ R_vehicle_head.T + t_vehicle_head
    nrm = np.concatenate([p.normals for p in parts]) @ R_vehicle_head.T
    return FaceSkin(pts, nrm, cKDTree(pts), R_vehicle_head, head, t_vehicle_head)


def front_point(head: DriverGeometry, part_names, near: np.ndarray) -> np.ndarray:
    """The most forward (+X) vertex of the parts within FRONT_RADIUS_M of the
    line through `near` along +X, head frame."""
    pts = np.concatenate([head.part(n).points for n in part_names])
    close = np.hypot(*(pts[:, 1:] - near[1:]).T) < FRONT_RADIUS_M
    return pts[np.nonzero(close)[0][np.argmax(pts[close, 0])]]


def face_target(pose: str, side: int, head: DriverGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Where the hand touches the face and the direction it comes from, head
    frame: the closed lid in front of the pupil on the hand's own side and
    the lips between their outer centres, both from straight in front (+X,
    however the lids or lips slope there), or the chin's lowest landmark
    from along its skin normal."""
    forward = np.array([1.0, 0.0, 0.0])
    if pose == "eye_rub":
        return front_point(head, EYE_LIDS[side], head.landmarks[PUPIL_LANDMARKS[side]]), forward
    if pose == "mouth_cover":
        return front_point(head, ("Mouth/UpperLip", "Mouth/LowerLip", "Head"),
                           head.landmarks[list(LIP_CENTRES)].mean(axis=0)), forward
    skin = head.part("Head")
    k = int(np.argmin(np.linalg.norm(skin.points - head.landmarks[MENTON], axis=1)))
    return head.landmarks[MENTON], skin.normals[k] / np.linalg.norm(skin.normals[k])


@dataclass(frozen=True)
class HandShape:
    """A hand in its own frame, with where it touches: a point on its surface,
    the surface's outward normal there, and a direction in the hand (`along`)
    to lay along the pose's direction."""
    joints: HandJoints
    contact: np.ndarray
    normal: np.ndarray
    along: np.ndarray


def fist(side: int, p: Proportions) -> HandShape:
    """A fist round the hollow (a rod along local Y, palm on its +X side, wrist
    towards +Z; the thumb over the index and middle fingers, within the fist's
    outline), touching with its top seen along the hand (wrist to knuckles):
    the index and middle fingers' joints farthest along it; `along` the row
    of knuckles (index towards the midline when it points inboard)."""
    order = 1.0 if side == 0 else -1.0   # the index finger at +Y on a right hand keeps it a right hand
    spacing = 0.25 * p.hand_breadth
    x = np.array([1.0, 0.0, 0.0])
    centres = np.stack([np.zeros(4), order * spacing * (1.5 - np.arange(4.0)), np.zeros(4)], axis=1)
    j = hand_joints(circle_grip(centres, np.tile(x, (4, 1)), np.array([0.0, 0.0, 1.0]),
                                np.array([0.0, order * spacing * 0.5, 0.0]), x, FIST_HOLLOW_M, p), p)
    axis = j.fingers[:, 0].mean(axis=0) - j.wrist
    axis /= np.linalg.norm(axis)
    tops = j.fingers[:2].reshape(-1, 3)
    top = tops[np.argmax(tops @ axis)]
    return HandShape(j, top + axis * j.finger_radius, axis, np.array([0.0, order, 0.0]))


def open_hand(side: int, p: Proportions, flex=(OPEN_FLEX_DEG,) * 4, thumb_fw=(0.74, 0.35, -0.57)) -> HandShape:
    """An open hand: fingers along local +X, palm facing +Z, each finger curled
    towards it by its `flex` (deg at MCP, PIP, DIP), the thumb straight along
    `thumb_fw` (components along the fingers, towards the index side, out of
    the palm; by default beside the index finger and 35 deg back from the
    palm); touching with the palm side of the index finger's proximal
    phalanx, `along` the fingers."""
    F, N = np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.0, 1.0])
    W = np.array([0.0, -1.0 if side == 0 else 1.0, 0.0])   # little -> index; W x F = N makes it a right hand
    spacing = 0.25 * p.hand_breadth
    fingers = []
    for k in range(4):
        joint = F * PALM * p.hand + W * spacing * (1.5 - k)
        chain, angle = [joint], 0.0
        for bend, length in zip(flex[k], PHALANGES):
            angle += np.radians(bend)
            joint = joint + (np.cos(angle) * F + np.sin(angle) * N) * length * p.hand * FINGER_SCALE[k]
            chain.append(joint)
        fingers.append(chain)
    fingers = np.array(fingers)
    thumb_dir = thumb_fw[0] * F + thumb_fw[1] * W + thumb_fw[2] * N
    thumb_dir /= np.linalg.norm(thumb_dir)
    cmc = F * 0.1 * p.hand + W * 0.3 * p.hand_breadth
    thumb = [cmc]
    for f in THUMB:
        thumb.append(thumb[-1] + thumb_dir * f * p.hand)
    joints = HandJoints(np.zeros(3), fingers, np.array(thumb), W, p.finger_r, 0.16 * p.hand_breadth)
    contact = 0.5 * (fingers[0, 0] + fingers[0, 1]) + N * p.finger_r
    return HandShape(joints, contact, N, F)


def fingertip(side: int, p: Proportions) -> HandShape:
    """A hand pointing its index finger, the others curled into the palm and
    the thumb folded over them, touching with the index finger's pad where it rounds into the tip (half-way
    between the palm side and the tip's end), `along` the fingers."""
    shape = open_hand(side, p, POINT_FLEX_DEG, POINT_THUMB)
    j = shape.joints
    tip = j.fingers[0, 3] - j.fingers[0, 2]
    normal = shape.normal + tip / np.linalg.norm(tip)
    normal /= np.linalg.norm(normal)
    # the finger's capsule narrows to 0.85 of its radius at the tip (hands.hand_points)
    return HandShape(j, j.fingers[0, 3] + normal * 0.85 * j.finger_radius, normal, shape.along)


def frame_from(normal: np.ndarray, along: np.ndarray) -> np.ndarray:
    """Orthonormal columns: normal, along made perpendicular to it, their cross product."""
    n = normal / np.linalg.norm(normal)
    a = along - n * np.dot(along, n)
    a /= np.linalg.norm(a)
    return np.stack([n, a, np.cross(n, a)], axis=1)


def push_clear(hand: HandJoints, push: np.ndarray, settle: np.ndarray, skin: FaceSkin,
               p: Proportions) -> HandJoints:
    """The hand moved along `push` until its whole surface keeps SKIN_GAP_M off
    the skin, then as far back along `settle` as it can go and still keep it
    (SETTLE_STEP_M steps, then halving the last one down to SETTLED_M), so it
    may slide along skin it is beside until it touches skin ahead of it."""
    surface = hand_points(hand, p.wrist_r, p.hand_breadth)
    least = lambda offset: float(skin.clearance(surface + offset).min())
    offset = np.zeros(3)
    for _ in range(MAX_PUSHES):
        gap = least(offset)
        if gap >= SKIN_GAP_M - 1e-6:
            break
        offset = offset + push * (SKIN_GAP_M - gap)
    step = SETTLE_STEP_M
    while step >= SETTLED_M:
        if least(offset + settle * step) >= SKIN_GAP_M - 1e-6:
            offset = offset + settle * step
        else:
            step /= 2.0
    return hand.transformed(np.eye(3), offset)


def face_hand(pose: str, side: int, skin: FaceSkin, shoulder: np.ndarray, reach: float,
              p: Proportions) -> HandJoints | None:
    """The hand of `side` at the face for `pose`, vehicle frame; None when its
    wrist would lie beyond `reach` of the shoulder (the caller falls back)."""
    own = skin.R_head[:, 1] * (-1.0 if side == 0 else 1.0)   # towards the hand's own side
    down = -skin.R_head[:, 2]
    if pose == "eye_rub":
        shape = fingertip(side, p)
        direction = -down - 0.3 * own                        # the finger up towards the eye, a little inwards
    elif pose == "chin_rest":
        # the fist's top under the chin, its knuckles' row across it, the index finger towards the
        # midline: the forearm hangs down from the fist towards the door's armrest
        shape = fist(side, p)
        direction = -own
    elif pose == "mouth_cover":
        shape = open_hand(side, p)
        direction = -own + 0.18 * skin.R_head[:, 2]          # fingers across the mouth, a little upwards
    else:
        raise ValueError(f"{pose!r} is not a hand pose at the face {FACE_POSES}")
    target_head, normal_head = face_target(pose, side, skin.head)
    target, m = skin.to_vehicle(target_head), skin.R_head @ normal_head
    R = frame_from(-m, direction) @ frame_from(shape.normal, shape.along).T
    hand = shape.joints.transformed(R, target + m * SKIN_GAP_M - R @ shape.contact)
    # out of the skin straight forward (under the chin: out of the throat, which lies close behind it),
    # then back onto the target from in front, or under the chin straight up, sliding along the throat
    hand = push_clear(hand, skin.R_head[:, 0], skin.R_head[:, 2] if pose == "chin_rest" else -m, skin, p)
    if np.linalg.norm(hand.wrist - shoulder) > reach:
        return None
    return hand
