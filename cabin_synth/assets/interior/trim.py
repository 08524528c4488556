"""Door cards, pillar trim, headliner, sun visors and mirror housings (vehicle frame, metres).

A door card is the inner skin of a door from the floor to the window sill: a
lower panel with its map pocket and speaker, a fabric insert, the armrest with a
pull cup and (driver's door) the window-switch pod, the upper trim rolling over
the sill to the glass with a decor strip and the inner handle in its bezel.
Each piece is a prism of its (inboard depth, height) profile along the door, so
its surface keeps the profile's curves.
"""

from __future__ import annotations

import math

import numpy as np

from ..meshes import MeshData, cylinder, extrude, loft, merge, pillow, rod, rounded_rect, superellipse

Part = tuple[MeshData, str]     # a mesh and its material's name


def _door_prism(profile_dz, x0: float, x1: float, side: float, hw: float) -> MeshData:
    """Prism of a (d, z) profile along X from x0 to x1; d is inboard of the door trim
    line |y| = hw on side +1 (left) or -1 (right)."""
    poly = [(x0, side * (hw - d), z) for d, z in profile_dz]
    return extrude(poly, (x1 - x0, 0.0, 0.0))


def _arc(cx: float, cz: float, r: float, a0: float, a1: float, n: int = 4) -> list[tuple[float, float]]:
    return [(cx + r * math.cos(a), cz + r * math.sin(a)) for a in np.radians(np.linspace(a0, a1, n + 1))]


def door_card(x0: float, x1: float, side: float, hw: float, beltline: float, front: bool, driver: bool) -> dict[str, Part]:
    """The door card between x0 (rear) and x1 (front) on side +1/-1; ``front`` doors
    carry the speaker and handle ahead of the pocket, the driver's the switch pod."""
    bz = beltline
    arm_lo, arm_hi = bz - 0.235, bz - 0.165
    insert_lo = bz - 0.40
    parts: dict[str, Part] = {}
    lower = [(-0.12, 0.0), *_arc(0.004, 0.012, 0.012, -90, 0, 3), (0.016, insert_lo), (-0.12, insert_lo)]
    parts["Lower"] = (_door_prism(lower, x0, x1, side, hw), "BlackPlasticNIR")
    insert = [(-0.02, insert_lo), (0.010, insert_lo), (0.022, insert_lo + 0.015), (0.026, arm_lo - 0.03),
              (0.020, arm_lo - 0.005), (-0.02, arm_lo - 0.005)]
    parts["Insert"] = (_door_prism(insert, x0 + 0.03, x1 - 0.03, side, hw), "SeatFabric")
    upper = [(-0.12, arm_hi), (0.018, arm_hi), *_arc(0.012, arm_hi + 0.02, 0.02, -60, 0, 2), (0.034, bz - 0.06),
             *_arc(0.004, bz - 0.03, 0.03, 0, 90, 4), (-0.025, bz), (-0.044, bz - 0.006), (-0.12, bz - 0.006)]
    parts["Upper"] = (_door_prism(upper, x0, x1, side, hw), "DashSkin")
    strip = [(0.030, bz - 0.118), (0.036, bz - 0.116), (0.037, bz - 0.098), (0.031, bz - 0.096)]
    parts["DecorStrip"] = (_door_prism(strip, x0 + 0.05, x1 - 0.05, side, hw), "SatinMetal")
    # Armrest: a padded ledge over the front two thirds, its front end swept up into the grab.
    ax0, ax1 = x0 + 0.06, (x1 - 0.16) if front else (x1 - 0.05)
    arm = [(-0.01, arm_lo), (0.045, arm_lo + 0.005), *_arc(0.062, arm_hi - 0.02, 0.02, -90, 90, 5), (-0.01, arm_hi)]
    parts["Armrest"] = (_door_prism(arm, ax0, ax1, side, hw), "Leather")
    # Map pocket: a bulge on the lower panel, behind the speaker on front doors.
    px0, px1 = x0 + 0.06, (x1 - 0.30) if front else (x1 - 0.08)
    pocket = [(0.0, 0.08), (0.045, 0.085), (0.055, 0.10), (0.052, 0.24), (0.040, 0.255), (0.020, 0.25), (0.0, 0.245)]
    parts["Pocket"] = (_door_prism(pocket, px0, px1, side, hw), "BlackPlasticNIR")
    inward = np.array([0.0, -side, 0.0])
    if front:
        # Speaker grille (165 mm driver), low at the front of the door.
        c = np.array([x1 - 0.15, side * (hw - 0.016), 0.19])
        grille = cylinder(0.085, 0.0, 0.012, 28).transformed(_frame(inward), c)
        parts["Speaker"] = (grille, "SpeakerGrille")
        # Inner handle: a chrome lever in a black bezel on the upper trim, ahead of the armrest.
        hc = np.array([x1 - 0.11, side * (hw - 0.036), bz - 0.08])
        bezel = pillow(lambda i, s: rounded_rect(0.13 - 2 * i, 0.045 - 2 * i, 0.02 - i), hc - inward * 0.004,
                       (1, 0, 0), (0, 0, 1), inward, 0.008, 0.003, 2)
        lever = pillow(lambda i, s: rounded_rect(0.10 - 2 * i, 0.018 - 2 * i, 0.009 - i), hc + inward * 0.002,
                       (1, 0, 0), (0, 0, 1), inward, 0.012, 0.004, 2)
        parts["HandleBezel"] = (bezel, "CarbonBlackPlastic")
        parts["Handle"] = (lever, "Chrome")
    if driver:
        # Window-switch pod on the armrest's front: four rocker switches.
        top = np.array([ax1 - 0.09, side * (hw - 0.045), arm_hi + 0.002])
        pod = pillow(lambda i, s: rounded_rect(0.14 - 2 * i, 0.065 - 2 * i, 0.02 - i, 3), top, (1, 0, 0), (0, 1, 0), (0, 0, 1),
                     0.014, 0.005, 2)
        keys = [pillow(lambda i, s: rounded_rect(0.022 - 2 * i, 0.018 - 2 * i, 0.005 - i, 2),
                       top + np.array([dx, side * dy, 0.012]), (1, 0, 0), (0, 1, 0), (0, 0, 1), 0.008, 0.003, 1)
                for dx in (-0.03, 0.0) for dy in (-0.015, 0.015)]
        parts["Switches"] = (merge(pod, *keys), "CarbonBlackPlastic")
    return parts


def _frame(axis: np.ndarray) -> np.ndarray:
    """Rotation whose local +Z is ``axis`` (columns: local X, Y, Z in the vehicle frame)."""
    z = axis / np.linalg.norm(axis)
    x = np.cross([0.0, 0.0, 1.0], z)
    if np.linalg.norm(x) < 1e-6:
        x = np.array([1.0, 0.0, 0.0])
    x /= np.linalg.norm(x)
    return np.stack([x, np.cross(z, x), z], axis=1)


def a_pillar_trim(bottom: np.ndarray, top: np.ndarray, side: float) -> MeshData:
    """Fabric-covered A-pillar trim along the pillar line: a D section 90 mm across,
    flat against the pillar and glass, bulging 50 mm into the cabin."""
    rings = []
    for p in (bottom, 0.5 * (bottom + top), top):
        ring = []
        for a in np.radians(np.linspace(0.0, 180.0, 11)):
            u = -0.005 + 0.045 * math.cos(a)          # along X
            w = -0.02 + 0.07 * math.sin(a) ** 0.8     # inboard
            ring.append(p + np.array([u, -side * w, 0.03 * (u + 0.005)]))
        rings.append(np.asarray(ring))
    return loft(rings)


def pillar_trim(x_rear: float, x_front: float, side: float, face_y, levels) -> MeshData:
    """A B- or C-pillar's trim between x_rear and x_front: at each (z, half-width, bulge)
    of ``levels`` a section centred on the pillar, its back 90 mm outboard of face_y(z)
    (the trim line: the door trim below the beltline, the glass above it) and its face
    bulging ``bulge`` inboard of it."""
    xc = 0.5 * (x_rear + x_front)
    rings = []
    for z, half, bulge in levels:
        y = face_y(z)
        ring = [(xc + half * math.cos(a), side * (y - bulge * max(math.sin(a), 0.0) ** 0.6), z)
                for a in np.radians(np.linspace(0.0, 180.0, 9))]
        ring += [(xc - half, side * (y + 0.09), z), (xc + half, side * (y + 0.09), z)]
        rings.append(np.asarray(ring))
    return loft(rings)


def headliner(x_rear: float, x_front: float, half_w: float, roof_z: float) -> MeshData:
    """Headliner: flat over the seats at roof_z, rolling down 35 mm over its last 120 mm
    to the roof rails, 20 mm thick; its front edge tucks down 10 mm at the windscreen header."""
    ys = np.concatenate([np.linspace(-half_w, -half_w + 0.12, 5), np.linspace(-half_w + 0.2, half_w - 0.2, 5),
                         np.linspace(half_w - 0.12, half_w, 5)])
    drop = lambda y: 0.035 * (1 - math.cos(math.pi / 2 * min(max((abs(y) - half_w + 0.12) / 0.12, 0.0), 1.0)))
    rings = []
    for x, tuck in ((x_rear, 0.0), (x_front - 0.06, 0.0), (x_front, 0.010)):
        lower = [(x, y, roof_z - drop(y) - tuck) for y in ys]
        upper = [(x, y, roof_z + 0.02 + 0.01 * (1 - (y / half_w) ** 2)) for y in ys[::-1]]   # the roof panel's crown
        rings.append(np.asarray(lower + upper))
    return loft(rings, ears=True)


def sun_visor(x_front: float, y_inner: float, y_outer: float, roof_z: float) -> tuple[MeshData, MeshData]:
    """A sun visor folded up against the headliner (pad, and its pivot rod and clip):
    380 x 170 x 22 mm, its front edge at x_front, from y_inner to y_outer."""
    yc, half = 0.5 * (y_inner + y_outer), 0.5 * abs(y_outer - y_inner)
    pad = pillow(lambda i, s: rounded_rect(0.17 - 2 * i, 2 * half - 2 * i, 0.03 - i), (x_front - 0.085, yc, roof_z - 0.026),
                 (1, 0, 0), (0, 1, 0), (0, 0, 1), 0.022, 0.008, 2)
    sgn = 1.0 if y_outer > y_inner else -1.0
    pivot = rod((x_front - 0.02, y_outer - sgn * 0.01, roof_z - 0.012), (x_front - 0.02, y_outer + sgn * 0.045, roof_z + 0.005), 0.006, 8)
    clip = pillow(lambda i, s: rounded_rect(0.03 - 2 * i, 0.025 - 2 * i, 0.008 - i),
                  (x_front - 0.02, y_inner - sgn * 0.02, roof_z - 0.018), (1, 0, 0), (0, 1, 0), (0, 0, 1), 0.02, 0.004, 1)
    return pad, merge(pivot, clip)


def mirror_parts(centre, ex, ey, ez, half_w: float, half_h: float, depth: float) -> tuple[MeshData, MeshData]:
    """A mirror's housing and glass, both rounded-rectangular (superellipse) in the (ey, ez)
    plane at ``centre``: the housing ``depth`` deep along ex, its back rounded; the glass
    3 mm proud of it towards -ex, inset 8 mm from the housing's edge."""
    c = np.asarray(centre, dtype=float)
    housing = pillow(lambda i, s: superellipse(half_w - i, half_h - i, 4.0, 28), c, ey, ez, ex, depth,
                     min(0.4 * depth, 0.35 * half_h), 3)
    glass = pillow(lambda i, s: superellipse(half_w - 0.008 - i, half_h - 0.008 - i, 4.0, 28), c - 0.003 * np.asarray(ex),
                   ey, ez, ex, 0.003, 0.001, 1)
    return housing, glass
