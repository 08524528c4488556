"""Dashboard, vents, screens, climate panel and centre console (vehicle frame, metres).

The dash is a prism across the cabin of its side profile (the cabin's package
points with their corners rounded), split where the soft upper skin meets the
hard lower panel, the seam covered by a decor strip. Vents stand on its rear
face: a bezel ring, the dark duct inside and horizontal louvres. Screens are
slabs whose front face carries texture coordinates 0..1 over the picture
(u to the right as the driver sees it, v up), the content a renderer shows.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import PchipInterpolator

from ..meshes import MeshData, cylinder, frame_box, hexa, loft, merge, pillow, prism_y, rod, rounded_rect

Part = tuple[MeshData, str]     # a mesh and its material's name


def chaikin(points, iterations: int = 2) -> list[np.ndarray]:
    """Corner cutting of an open polyline (ends kept): its corners become rounded."""
    p = [np.asarray(q, dtype=float) for q in points]
    for _ in range(iterations):
        p = [p[0]] + [c for a, b in zip(p[:-1], p[1:]) for c in (0.75 * a + 0.25 * b, 0.25 * a + 0.75 * b)] + [p[-1]]
    return p


def dash_parts(profile, hw: float, split_z: float) -> dict[str, Part]:
    """The dash from its package profile (dash_profile: firewall, cowl, top, rear top edge,
    rear face, knee, lower edge, firewall bottom): the upper skin above split_z, the
    lower panel below, and the decor strip over the seam on the rear face."""
    fire_top, cowl, *face, low_front, fire_low = [np.asarray(p, dtype=float) for p in profile]
    # the visible chain from the dash's highest point over the rear edge down to the knee, rounded
    chain = chaikin([cowl, *face, low_front], 3)
    k = next(i for i in range(1, len(chain)) if chain[i][1] < split_z)   # first point below the split, on the rear face
    a, b = chain[k - 1], chain[k]
    seam = a + (split_z - a[1]) / (b[1] - a[1]) * (b - a)
    inner = np.array([fire_top[0], split_z])
    upper = [fire_top, *chain[:k], seam, inner]
    lower = [seam, *chain[k:], fire_low, inner]
    strip = [seam + (0.004, -0.007), seam + (-0.005, -0.007), seam + (-0.005, 0.007), seam + (0.004, 0.007)]
    return {"Dash": (prism_y(upper, -hw, hw), "DashSkin"),
            "DashLower": (prism_y(lower, -hw, hw), "BlackPlasticNIR"),
            "DecorStrip": (prism_y(strip, -hw + 0.02, hw - 0.02), "SatinMetal")}


def _ring_tube(outline2d: np.ndarray, origin, ex, ey, ez, width: float, depth: float) -> MeshData:
    """A closed ring of rectangular section just outside a 2D outline in the (ex, ey)
    plane at origin, ``width`` wide in that plane and ``depth`` along ez."""
    o, ex, ey, ez = (np.asarray(v, dtype=float) for v in (origin, ex, ey, ez))
    p = np.asarray(outline2d, dtype=float)
    t = np.roll(p, -1, 0) - np.roll(p, 1, 0)
    n = np.stack([t[:, 1], -t[:, 0]], 1)
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    rings = []
    for q, m in zip(p, n):
        corners = [q, q + width * m, q + width * m, q]
        rings.append([o + c[0] * ex + c[1] * ey + z * ez for c, z in zip(corners, (0.0, 0.0, depth, depth))])
    return loft(rings, wrap=True)


def vent(centre, normal, width: float, height: float, slats: int = 4) -> dict[str, Part]:
    """An air vent standing on a face at ``centre`` whose outward (cabin-side) normal is
    ``normal``: bezel ring, the dark duct, horizontal louvres with a centre tab."""
    c = np.asarray(centre, dtype=float)
    ez = np.asarray(normal, dtype=float) / np.linalg.norm(normal)
    ex = np.cross([0.0, 0.0, 1.0], ez)
    ex /= np.linalg.norm(ex)
    ey = np.cross(ez, ex)
    outline = rounded_rect(width, height, 0.012, 3)
    bezel = _ring_tube(outline, c - 0.004 * ez, ex, ey, ez, 0.010, 0.010)
    duct = pillow(lambda i, s: rounded_rect(width + 0.004 - 2 * i, height + 0.004 - 2 * i, 0.012 - i, 3),
                  c - 0.008 * ez, ex, ey, ez, 0.006, 0.001, 1)
    louvres = [frame_box(c + (z - 0.5 * height) * ey + 0.001 * ez, ex, ey, ez, (-width / 2 + 0.001, -0.0012, -0.008), (width / 2 - 0.001, 0.0012, 0.002))
               for z in np.linspace(0.0, height, slats + 2)[1:-1]]
    tab = pillow(lambda i, s: rounded_rect(0.016 - 2 * i, 0.011 - 2 * i, 0.004 - i, 2), c + 0.001 * ez, ex, ey, ez, 0.008, 0.002, 1)
    return {"Bezel": (bezel, "CarbonBlackPlastic"), "Duct": (duct, "VentDuct"), "Louvres": (merge(*louvres), "CarbonBlackPlastic"),
            "Tab": (tab, "SatinMetal")}


def screen_slab(centre, e_w, e_up, e_n, width: float, height: float, thickness: float = 0.003) -> MeshData:
    """A display: a slab whose front face (towards e_n) maps the picture, u along -e_w
    (the driver's right, e_w pointing to the vehicle's left), v along e_up."""
    c, e_w, e_up, e_n = (np.asarray(v, dtype=float) for v in (centre, e_w, e_up, e_n))
    slab = frame_box(c, e_w, e_up, e_n, (-width / 2, -height / 2, 0.0), (width / 2, height / 2, thickness))
    front = c + thickness * e_n
    st = []
    for f in slab.faces:
        q = slab.points[list(f)]
        if np.allclose((q - front) @ e_n, 0.0, atol=1e-9):
            st.append(tuple((0.5 - float((p - c) @ e_w) / width, 0.5 + float((p - c) @ e_up) / height) for p in q))
        else:
            st.append(tuple((0.0, 0.0) for _ in f))    # edges: the picture's corner (black border)
    return MeshData(slab.points, slab.faces, st)


def cluster_housing(sc_c, e_w, e_up, e_n, width: float, height: float, hood_z: float) -> MeshData:
    """The box behind the cluster screen and the rounded hood over it (the binnacle)."""
    body = frame_box(sc_c, e_w, e_up, -e_n, (-width / 2 - 0.01, -height / 2 - 0.01, 0.0), (width / 2 + 0.01, height / 2 + 0.01, 0.06))
    hood = pillow(lambda i, s: rounded_rect(0.155 - 2 * i, width + 0.04 - 2 * i, 0.035 - i, 4),
                  (sc_c[0] + 0.0425, sc_c[1], hood_z), (1, 0, 0), (0, 1, 0), (0, 0, 1), 0.018, 0.007, 2)
    return merge(hood, body)


def rounded_bezel(centre, e_w, e_up, e_n, width: float, height: float, depth: float) -> MeshData:
    """A screen's frame: a rounded slab behind the screen, ``depth`` deep away from e_n."""
    c = np.asarray(centre, dtype=float)
    return pillow(lambda i, s: rounded_rect(width - 2 * i, height - 2 * i, 0.015 - i, 3), c - depth * np.asarray(e_n),
                  -np.asarray(e_w), e_up, e_n, depth, 0.006, 2)


def climate_panel(centre, e_w, e_up, e_n) -> dict[str, Part]:
    """Climate controls on the centre stack: a panel, two rotary knobs and a row of keys."""
    c, e_w, e_up, e_n = (np.asarray(v, dtype=float) for v in (centre, e_w, e_up, e_n))
    panel = pillow(lambda i, s: rounded_rect(0.24 - 2 * i, 0.075 - 2 * i, 0.012 - i, 3), c - 0.004 * e_n, e_w, e_up, e_n, 0.010, 0.003, 2)
    R = np.stack([e_w, e_up, e_n], axis=1)
    knobs = [cylinder(0.021, 0.0, 0.022, 20).transformed(R, c + sgn * 0.085 * e_w + 0.005 * e_n) for sgn in (-1.0, 1.0)]
    keys = [pillow(lambda i, s: rounded_rect(0.022 - 2 * i, 0.016 - 2 * i, 0.004 - i, 2), c + u * e_w + 0.005 * e_n,
                   e_w, e_up, e_n, 0.006, 0.002, 1) for u in np.linspace(-0.045, 0.045, 4)]
    return {"ClimatePanel": (merge(panel, *keys), "CarbonBlackPlastic"), "ClimateKnobs": (merge(*knobs), "SatinMetal")}


def console_parts(x_rear: float, x_front: float, top_points, half_w: float, hp_x: float, hp_z: float,
                  tray_x: float) -> dict[str, Part]:
    """Centre console between the seats: the body (top through top_points, (x, z)
    pairs), armrest box and padded lid, gear selector, two cupholders and the phone
    tray's rubber mat centred at tray_x."""
    xs, zs = zip(*top_points)
    top = PchipInterpolator(xs, zs)

    def outline(inset, s):
        x = x_rear + s
        z_top = float(top(x))
        return rounded_rect(2 * half_w - 2 * inset, z_top - 2 * inset, 0.03 - 0.7 * inset, 3) + (0.0, z_top / 2)
    body = pillow(outline, (x_rear, 0.0, 0.0), (0, 1, 0), (0, 0, 1), (1, 0, 0), x_front - x_rear, 0.02, 2, 10)
    box_top = hp_z + 0.20
    arm_box = pillow(lambda i, s: rounded_rect(2 * half_w - 0.01 - 2 * i, box_top - 0.05 - 2 * i, 0.02 - i, 3) + (0.0, (box_top + 0.05) / 2),
                     (hp_x - 0.40, 0.0, 0.0), (0, 1, 0), (0, 0, 1), (1, 0, 0), 0.40, 0.012, 2)
    lid = pillow(lambda i, s: rounded_rect(0.42 - 2 * i, 2 * half_w - 2 * i, 0.04 - i, 4), (hp_x - 0.19, 0.0, box_top - 0.005),
                 (1, 0, 0), (0, 1, 0), (0, 0, 1), 0.05, 0.018, 3)
    gx = hp_x + 0.19
    gz = float(top(gx))
    gate = pillow(lambda i, s: rounded_rect(0.13 - 2 * i, 0.10 - 2 * i, 0.02 - i, 3), (gx, 0.0, gz - 0.004), (1, 0, 0), (0, 1, 0), (0, 0, 1),
                  0.010, 0.003, 1)
    stalk = rod((gx, 0.0, gz), (gx - 0.01, 0.0, gz + 0.07), 0.010, 12)
    knob = pillow(lambda i, s: rounded_rect(0.055 - 2 * i, 0.042 - 2 * i, 0.02 - i, 3), (gx - 0.012, 0.0, gz + 0.06),
                  (1, 0, 0), (0, 1, 0), (0, 0, 1), 0.065, 0.014, 3)
    cx = hp_x + 0.065
    cz = float(top(cx))
    rings = [cylinder(0.041, cz - 0.004, cz + 0.004, 24).transformed(None, (cx, y, 0.0)) for y in (-0.045, 0.045)]
    wells = [cylinder(0.034, cz + 0.003, cz + 0.005, 24).transformed(None, (cx, y, 0.0)) for y in (-0.045, 0.045)]
    tz = float(top(tray_x))
    mat = pillow(lambda i, s: rounded_rect(0.17 - 2 * i, 0.15 - 2 * i, 0.015 - i, 3), (tray_x, 0.0, tz - 0.002), (1, 0, 0), (0, 1, 0),
                 (0, 0, 1), 0.005, 0.0015, 1)
    return {"CenterConsole": (body, "BlackPlasticNIR"), "ArmrestBox": (arm_box, "BlackPlasticNIR"), "ArmrestLid": (lid, "Leather"),
            "GearGate": (merge(gate, *rings), "CarbonBlackPlastic"), "GearKnob": (merge(stalk, knob), "Leather"),
            "Cupholders": (merge(*wells), "VentDuct"), "TrayMat": (mat, "Rubber")}


def glovebox(top, bottom, y: float, width: float, normal) -> dict[str, Part]:
    """Glovebox lid on the lower dash between the (x, z) points top and bottom, centred at
    y, its outward normal ``normal`` (3D); a handle recess bar near its top."""
    n = np.asarray(normal, dtype=float)
    corners = []
    for depth in (0.008, -0.15):
        for p, yy in ((top, y - width / 2), (bottom, y - width / 2), (bottom, y + width / 2), (top, y + width / 2)):
            corners.append(np.array([p[0], yy, p[1]]) + depth * n)
    lid = hexa(corners)
    along = np.array([bottom[0] - top[0], 0.0, bottom[1] - top[1]])
    along /= np.linalg.norm(along)
    centre = np.array([top[0], y, top[1]]) + 0.06 * along + 0.008 * n
    handle = pillow(lambda i, s: rounded_rect(0.12 - 2 * i, 0.025 - 2 * i, 0.01 - i, 3), centre, (0, 1, 0), along, n, 0.008, 0.003, 1)
    return {"Glovebox": (lid, "BlackPlasticNIR"), "GloveboxHandle": (handle, "CarbonBlackPlastic")}
