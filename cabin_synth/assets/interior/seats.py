"""Seats shaped like car seats: a cushion and a backrest swept through contoured
cross-sections (side bolsters, a tuck-seam channel at the edge of each seating
position's insert, a lumbar swell, a narrower shoulder section), a headrest on
two posts, and the seat's frame (pedestal, rails, outboard side shield with its
levers).

Front seats are built in the H-point frame (origin at the seat's H-point, +X
forward, +Y left, +Z up, metres); the rear bench in the vehicle frame. The
backrest's front face keeps 0.12 m behind the H-point along its normal where the
driver's back rests (the body model's torso sits there, cabin_synth.body.torso).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.interpolate import PchipInterpolator

from ..meshes import MeshData, box, merge, pillow, rod, rounded_rect

BACK_FACE = -0.12          # backrest front face, along its normal from the H-point (the torso rests on it)
BACK_DEPTH = 0.15          # backrest thickness at the lumbar
INSERT_HALF = 0.19         # half-width of a seating position's insert (between the bolsters)
HEADREST_POST_R = 0.007    # 14 mm posts
# A front seat's cover texture spans this much across and along the seat (its u is the
# seat's lateral coordinate, 0 on the centre line; cabin_synth.assets.interior.textures).
COVER_TILE_M = 0.60


def smoothstep(a: float, b: float, x):
    t = np.clip((np.asarray(x, dtype=float) - a) / (b - a), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def contour(y, centres, bolster: float) -> np.ndarray:
    """How far a seat's surface stands out (forward on a backrest, up on a cushion) at
    lateral positions y: bolsters rise over 4 cm outside each insert, with a 3 mm deep
    tuck-seam channel along the insert's edge."""
    d = np.min(np.abs(np.subtract.outer(np.asarray(y, dtype=float), np.asarray(centres, dtype=float))), axis=-1)
    return bolster * smoothstep(INSERT_HALF - 0.005, INSERT_HALF + 0.04, d) - 0.003 * np.exp(-((d - INSERT_HALF) / 0.006) ** 2)


def section(half_w: float, low: float, high: float, radius: float, rise, n_top: int = 17,
            n_low: int = 5, n_arc: int = 3) -> np.ndarray:
    """Counter-clockwise (y, h) outline of a seat cross-section: a rounded rectangle
    from h = low to high, ``half_w`` each side, whose upper (seating) edge stands out by
    rise(y) (a function of y), fading to nothing down the sides. Built as its right half
    and that half mirrored, so that it is exactly symmetric in y (n_top, n_low odd)."""
    r = min(radius, 0.45 * (high - low), 0.45 * half_w)
    arc = np.radians(np.linspace(0, 90, n_arc + 1))
    right = [(y, low) for y in np.linspace(0.0, half_w - r, n_low // 2 + 1)]
    right += [(half_w - r + r * math.cos(a), low + r + r * math.sin(a)) for a in arc[1:] - math.pi / 2]
    right += [(half_w - r + r * math.cos(a), high - r + r * math.sin(a)) for a in arc[:-1]]
    right += [(y, high) for y in np.linspace(half_w - r, 0.0, n_top // 2 + 1)]
    right = np.asarray(right)                      # bottom centre round the right side to the top centre
    p = np.vstack([right, right[-2:0:-1] * (-1.0, 1.0)])
    mid = 0.5 * (low + high)
    p[:, 1] += rise(p[:, 0]) * smoothstep(mid, high, p[:, 1])
    return p


def cushion(x0: float, x1: float, top, bottom: float, half_w: float, centres, bolster, uv_tile=None) -> MeshData:
    """Cushion from x0 (rear) to x1 (front): top(x) the seating surface, bolster(x) the
    bolsters' rise; ``uv_tile``: texture coordinates laid out as the cover's (COVER_TILE_M)."""
    def outline(inset, s):
        x = x0 + s
        return section(half_w - inset, bottom + inset, top(x) - inset, 0.05 - 0.6 * inset,
                       lambda y: contour(y, centres, bolster(x)))
    return pillow(outline, (x0, 0.0, 0.0), (0, 1, 0), (0, 0, 1), (1, 0, 0), x1 - x0, 0.035, 3, 7, uv_tile)


def backrest(origin, back_angle_deg: float, t0: float, t1: float, half_w, front, depth, centres, bolster,
             uv_tile=None) -> MeshData:
    """Backrest swept up its face from t0 to t1 (m along it from ``origin``): half_w(t),
    front(t) (front face along the backrest normal), depth(t), bolster(t)."""
    b = math.radians(back_angle_deg)
    up = np.array([-math.sin(b), 0.0, math.cos(b)])
    fwd = np.array([math.cos(b), 0.0, math.sin(b)])

    def outline(inset, s):
        t = t0 + s
        return section(half_w(t) - inset, front(t) - depth(t) + inset, front(t) - inset, 0.06 - 0.7 * inset,
                       lambda y: contour(y, centres, bolster(t)))
    return pillow(outline, np.asarray(origin, float) + t0 * up, (0, 1, 0), fwd, up, t1 - t0, 0.045, 3, 8, uv_tile)


def headrest(front_x: float, z0: float, z1: float, y: float = 0.0, width: float = 0.27, depth: float = 0.11,
             uv_tile=None) -> MeshData:
    """Headrest pad: its front face at front_x (curved 12 mm forward in the middle, wings
    at the sides), from z0 to z1, swept upwards with rounded top and bottom."""
    def outline(inset, s):
        wing = lambda yy: 0.012 * np.cos(np.clip(yy / (width / 2), -1.0, 1.0) * math.pi / 2) ** 2
        return section(width / 2 - inset, front_x - depth + inset, front_x - inset, 0.04 - 0.7 * inset, wing,
                       n_top=13, n_low=3, n_arc=3) + np.array([y, 0.0])
    return pillow(outline, (0.0, 0.0, z0), (0, 1, 0), (1, 0, 0), (0, 0, 1), z1 - z0, 0.035, 3, 3, uv_tile)


def headrest_posts(top_points, bottom_points) -> MeshData:
    return merge(*(rod(a, b, HEADREST_POST_R) for a, b in zip(top_points, bottom_points)))


def front_seat(back_angle_deg: float, width: float, eye_offset: tuple[float, float]) -> dict[str, MeshData]:
    """A front seat's upholstered parts and headrest posts in its H-point frame (the same
    for either seat and drive; the frame, whose side shield is outboard, is seat_frame)."""
    w = width / 2
    top = PchipInterpolator([-0.17, -0.05, 0.10, 0.28, 0.43], [-0.095, -0.095, -0.082, -0.052, -0.036])
    parts = {"Cushion": cushion(-0.17, 0.44, top, -0.19, w, [0.0], lambda x: 0.035 * float(smoothstep(0.44, 0.30, x)) + 0.012,
                                COVER_TILE_M)}
    lumbar = lambda t: 0.012 * math.exp(-((t - 0.15) / 0.10) ** 2)
    parts["Backrest"] = backrest(
        (0.0, 0.0, 0.0), back_angle_deg, -0.10, 0.62,
        half_w=lambda t: w - 0.025 * float(smoothstep(0.35, 0.62, t)),
        front=lambda t: BACK_FACE + lumbar(t),
        depth=lambda t: BACK_DEPTH - 0.03 * float(smoothstep(0.30, 0.62, t)),
        centres=[0.0], bolster=lambda t: 0.05 - 0.036 * float(smoothstep(0.15, 0.60, t)), uv_tile=COVER_TILE_M)
    # Headrest: 40 mm behind the back of a 175 mm deep head of a driver at the design eye point.
    ex, ez = eye_offset
    front = ex - 0.215
    z0, z1 = ez - 0.10, ez + 0.10
    parts["Headrest"] = headrest(front, z0, z1, uv_tile=COVER_TILE_M)
    b = math.radians(back_angle_deg)
    up = np.array([-math.sin(b), 0.0, math.cos(b)])
    fwd = np.array([math.cos(b), 0.0, math.sin(b)])
    inside_top = 0.56 * up + (BACK_FACE - 0.06) * fwd          # well inside the backrest's top
    parts["HeadrestPosts"] = headrest_posts(
        [(front - 0.06, py, z0 + 0.02) for py in (-0.075, 0.075)],
        [(inside_top[0], py, inside_top[2]) for py in (-0.075, 0.075)])
    return parts


def seat_frame(width: float, hpoint_z: float, outboard: float) -> MeshData:
    """Pedestal and rails down to the floor, and the side shield with the recline and
    height levers on the outboard side (+1: +Y), in the H-point frame."""
    w = width / 2
    floor = -hpoint_z + 0.005
    pedestal = box((-0.14, -w + 0.06, floor + 0.03), (0.34, w - 0.06, -0.18))
    rails = [box((-0.38, y - 0.02, floor), (0.46, y + 0.02, floor + 0.03)) for y in (-w + 0.08, w - 0.08)]
    y_out = outboard * (w + 0.008)
    shield = pillow(lambda inset, s: rounded_rect(0.44 - 2 * inset, 0.13 - 2 * inset, 0.04 - inset) + (0.05, -0.135),
                    (0.0, y_out - outboard * 0.008, 0.0), (1, 0, 0), (0, 0, 1), (0, outboard, 0), 0.016, 0.005, 2)
    recline = rod((-0.16, y_out + outboard * 0.010, -0.07), (-0.05, y_out + outboard * 0.010, -0.11), 0.009, 10)
    pump = rod((0.02, y_out + outboard * 0.012, -0.14), (0.14, y_out + outboard * 0.012, -0.12), 0.008, 10)
    return merge(pedestal, *rails, shield, recline, pump)


def rear_bench(rx: float, rz: float, half_w: float, seat_y: float, eye_offset: tuple[float, float]) -> dict[str, MeshData]:
    """Second-row bench (vehicle frame): H-point (rx, rz), two outboard positions at
    +-seat_y with a firmer centre between them, backrest 25 deg, two headrests."""
    centres = [-seat_y, seat_y]
    top = PchipInterpolator(np.array([-0.16, 0.0, 0.25, 0.45]) + rx, np.array([-0.10, -0.085, -0.05, -0.03]) + rz)
    parts = {"Cushion": cushion(rx - 0.16, rx + 0.46, top, 0.0, half_w, centres, lambda x: 0.022)}
    back_angle = 25.0
    parts["Backrest"] = backrest(
        (rx, 0.0, rz), back_angle, -0.10, 0.60,
        half_w=lambda t: half_w, front=lambda t: BACK_FACE, depth=lambda t: 0.14,
        centres=centres, bolster=lambda t: 0.025 - 0.015 * float(smoothstep(0.2, 0.6, t)))
    ex, ez = eye_offset
    b = math.radians(back_angle)
    up = np.array([-math.sin(b), 0.0, math.cos(b)])
    fwd = np.array([math.cos(b), 0.0, math.sin(b)])
    top_back = np.array([rx, 0.0, rz]) + 0.60 * up + (BACK_FACE - 0.07) * fwd
    post_end = np.array([rx, 0.0, rz]) + 0.52 * up + (BACK_FACE - 0.07) * fwd
    front = rx + ex - 0.215
    z0 = max(rz + ez - 0.10, top_back[2] + 0.06)
    pads, posts_top, posts_bottom = [], [], []
    for y in centres:
        pads.append(headrest(front, z0, z0 + 0.17, y=y, width=0.24, depth=0.09))
        for py in (y - 0.065, y + 0.065):
            posts_top.append((front - 0.05, py, z0 + 0.02))
            posts_bottom.append((post_end[0], py, post_end[2]))
    parts["Headrests"] = merge(*pads)
    parts["HeadrestPosts"] = headrest_posts(posts_top, posts_bottom)
    return parts
