"""Torso, neck, arms and thighs as swept tubes (vehicle frame, metres).

The torso's centre line runs from the pelvis, reclined along the seat back,
to the collar, a ring a little wider than the head's neck stump around it,
COLLAR_ABOVE_STUMP above the stump's end; its cross-sections are
superellipses whose breadth and depth follow the body's proportions (pelvis,
waist, chest, shoulders, the trapezius slope, the collar). The body's neck is
a tube from inside the chest up to the head's neck-stump ring, sharing the
stump's vertices, so the two join without a gap whatever the head pose; the
collar follows the stump when the head turns or nods, the neck's sections
twist from the torso's orientation to the head's, and the rings from the
shoulders up make room for the neck where it presses on them.
"""

import numpy as np
from scipy.interpolate import PchipInterpolator
from scipy.spatial.transform import Rotation

from ..driver import sculpt
from .proportions import Proportions
from .tubes import capsule, frames_along, rings

# Levels along the centre line (t = 0 at the hip joints, 1 at the base of the neck).
T_SHOULDER = 0.88
TORSO_T = np.concatenate([[-0.16, -0.1, -0.04], np.linspace(0.0, 0.8, 11), np.linspace(0.83, 1.0, 10)])
TORSO_SIDES = 48
NECK_ROWS = 6
# The torso's back lies this far behind the H-point, along the backrest's normal
# (the cabins' backrest faces sit 0.12 m behind it; the foam gives a little).
BACK_BEHIND_H = 0.125
NECK_SEMI = sculpt.NECK_SEMI * 1e-3       # the head's neck cylinder, (depth, breadth) half-axes
COLLAR_ABOVE_STUMP = 0.03                 # the collar this far up the neck stump from its end (m, head frame)
COLLAR_GAP = 0.008                        # the collar stands off the neck
NECK_CLEARANCE = 0.004                    # where the neck presses on the garment, it stays this far off
NECK_ROOT_BELOW_COLLAR = 0.08             # the body's neck tube starts inside the chest
NECK_TILT_DEG = 12.0                      # the lower neck leans forward of vertical


def _levels(p: Proportions):
    """(half-breadth, half-depth, superellipse power) at each of TORSO_T."""
    nw, nd = NECK_SEMI[1] + COLLAR_GAP, NECK_SEMI[0] + COLLAR_GAP
    sh = p.shoulder_half + 0.6 * p.upper_arm_r
    knots = np.array([
        # t      half-breadth                 half-depth            power
        [-0.16, 0.45 * p.hip_breadth, 0.42 * p.waist_depth, 2.2],
        [0.00, 0.50 * p.hip_breadth, 0.50 * p.waist_depth, 2.4],
        [0.30, 0.50 * p.waist_breadth, 0.50 * p.waist_depth, 2.4],
        [0.55, 0.50 * p.chest_breadth, 0.50 * p.chest_depth, 2.6],
        [0.75, 0.53 * p.chest_breadth, 0.50 * p.chest_depth, 2.8],
        [T_SHOULDER, sh, 0.43 * p.chest_depth, 3.0],
        [0.94, 0.5 * (sh + nw), 0.5 * (0.36 * p.chest_depth + nd), 2.6],
        [1.00, nw, nd, 2.0],
    ])
    return [PchipInterpolator(knots[:, 0], knots[:, k], extrapolate=True)(TORSO_T) for k in (1, 2, 3)]


def centre_line(t, c0, c1, m0, m1):
    """Cubic Hermite curve at parameters t (extended along m0 below t = 0)."""
    t = np.asarray(t, float)[:, None]
    u = np.clip(t, 0.0, 1.0)
    h00, h10, h01, h11 = 2 * u ** 3 - 3 * u ** 2 + 1, u ** 3 - 2 * u ** 2 + u, -2 * u ** 3 + 3 * u ** 2, u ** 3 - u ** 2
    return h00 * c0 + h10 * m0 + h01 * c1 + h11 * m1 + np.minimum(t, 0.0) * m0


def torso(p: Proportions, h_point: np.ndarray, R_torso: np.ndarray, collar: np.ndarray, neck_up: np.ndarray,
          neck_columns: np.ndarray):
    """Torso points (rings bottom to top, then the bottom pole), the centre line,
    its frames and half-breadths at TORSO_T, and the two shoulder joints [right, left].
    The rings from the shoulders up make room for the neck (neck_columns: (n, k, 3)
    polylines up the neck's surface, vehicle frame), see clear_of_neck."""
    w, d, power = _levels(p)
    fwd, up = R_torso[:, 0], R_torso[:, 2]
    c0 = h_point + fwd * (d[3] - BACK_BEHIND_H)
    span = np.linalg.norm(collar - c0)
    line = centre_line(TORSO_T, c0, collar, up * span, neck_up * 0.6 * span)
    X, Y, T = frames_along(line, fwd)
    ring_pts = [rings(line[i:i + 1], X[i:i + 1], Y[i:i + 1], d[i], w[i], TORSO_SIDES, power[i])[0]
                for i in range(len(line))]
    for i in np.nonzero(TORSO_T >= T_SHOULDER)[0]:
        ring_pts[i] = clear_of_neck(ring_pts[i], line[i], T[i], neck_columns)
    pts = np.concatenate(ring_pts + [[line[0] - T[0] * 0.6 * d[0]]])
    k = int(np.argmin(np.abs(TORSO_T - T_SHOULDER)))
    shoulders = np.array([line[k] + s * Y[k] * p.shoulder_half - X[k] * 0.15 * d[k] for s in (-1.0, 1.0)])
    return pts, (line, X, Y, T, w), shoulders


def clear_of_neck(ring: np.ndarray, centre: np.ndarray, normal: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """A torso ring (n,3) about centre, across normal, with each point moved out
    from the centre as far as it must to stand NECK_CLEARANCE beyond the neck's
    section in the ring's plane (where the neck's columns cross it) in the
    point's direction: the garment gives where the turned, tilted neck presses
    on it and keeps its own shape elsewhere (a smooth maximum, no crease)."""
    s = (columns - centre) @ normal
    k, j = np.nonzero((s[:, :-1] > 0.0) != (s[:, 1:] > 0.0))
    if len(k) == 0:
        return ring
    f = (s[k, j] / (s[k, j] - s[k, j + 1]))[:, None]
    section = columns[k, j] + f * (columns[k, j + 1] - columns[k, j]) - centre
    out = ring - centre
    reach = np.linalg.norm(out, axis=1)
    out /= reach[:, None]
    need = (out @ section.T).max(axis=1) + NECK_CLEARANCE   # the section's extent in each point's direction
    soft = 0.5 * NECK_CLEARANCE
    return centre + out * (soft * np.logaddexp(reach / soft, need / soft))[:, None]


def neck(collar: np.ndarray, neck_up: np.ndarray, fwd: np.ndarray, stump_ring: np.ndarray,
         stump_up: np.ndarray, R_head: np.ndarray, az: np.ndarray) -> np.ndarray:
    """Neck tube rows from an ellipse of the stump's size inside the chest, in
    the torso's orientation, up to the head's neck-stump ring itself
    (stump_ring, vehicle frame, one point per head column at azimuth az; the
    ring lies across the head's z axis, R_head's third column). The rows'
    centres follow a Hermite curve that leaves the stump along its own axis
    (stump_up); their sections turn progressively from the torso's orientation
    to the head's, as the cervical vertebrae share a head turn, so a turned
    neck twists instead of pinching."""
    X = fwd - neck_up * np.dot(fwd, neck_up)
    X /= np.linalg.norm(X)
    B = np.stack([X, np.cross(neck_up, X), neck_up], axis=1)
    c, s = np.cos(az), np.sin(az)
    r = 1.0 / np.sqrt((c / NECK_SEMI[0]) ** 2 + (s / NECK_SEMI[1]) ** 2)
    base_off = (r * c)[:, None] * B[:, 0] + (r * s)[:, None] * B[:, 1]
    base = collar - neck_up * NECK_ROOT_BELOW_COLLAR
    top = polygon_centroid(stump_ring)   # the columns crowd over the face: their mean is not the centre
    h = np.linalg.norm(top - base)
    turn = Rotation.from_matrix(R_head @ B.T).as_rotvec()
    # the stump's offsets turned back into the torso's orientation, so sizes blend between like directions
    stump_off = (stump_ring - top) @ Rotation.from_rotvec(turn).as_matrix()
    rows = []
    u_rows = np.linspace(0.0, 1.0, NECK_ROWS)
    for u, centre in zip(u_rows, centre_line(u_rows, base, top, neck_up * h, stump_up * h)):
        off = ((1.0 - u) * base_off + u * stump_off) @ Rotation.from_rotvec(u * turn).as_matrix().T
        rows.append(centre + off)
    rows[-1] = stump_ring
    return np.concatenate(rows)


def polygon_centroid(ring: np.ndarray) -> np.ndarray:
    """Area centroid of a closed, nearly planar polygon (N,3)."""
    o = ring.mean(axis=0)
    a, b = ring - o, np.roll(ring, -1, axis=0) - o
    cross = np.cross(a, b)
    normal = cross.sum(axis=0)
    area = cross @ (normal / np.linalg.norm(normal))   # signed areas of the fan's triangles
    return o + (area[:, None] * (a + b) / 3.0).sum(axis=0) / area.sum()


def limb(start: np.ndarray, end: np.ndarray, r_start: tuple[float, float], r_end: tuple[float, float],
         x_hint: np.ndarray, n_path: int, n_sides: int) -> np.ndarray:
    """A capsule from start to end, elliptic half-axes (along x_hint, across) interpolated."""
    u = np.linspace(0.0, 1.0, n_path)
    path = start + u[:, None] * (end - start)
    X, Y, T = frames_along(path, x_hint)
    rx = r_start[0] + u * (r_end[0] - r_start[0])
    ry = r_start[1] + u * (r_end[1] - r_start[1])
    return capsule(path, X, Y, T, rx, ry, n_sides)
