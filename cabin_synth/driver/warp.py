"""Identity deformation: anthropometric control points and a thin-plate-spline warp.

About sixty control points sit on the template (anatomical landmarks on the
face and the cranium, the eyeball centres, anchors on the neck). An identity's
measures (identity.dimensions) give each control point a displacement; a
thin-plate-spline RBF (scipy.interpolate.RBFInterpolator, linear polynomial
part) spreads them smoothly over every template vertex. The RBF is linear in
the displacements, so it is precomputed once as a matrix W (vertices x
controls): warping an identity is one matrix product.

Millimetres throughout, except warp_operator() which maps metres to metres.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.interpolate import RBFInterpolator

from . import sculpt, template
from .template import EYE_HALF_SPACING

# (name, kind, spec, group) ; kind: "face" = frontal (y, z) on the skin, "dir" = 3D point projected
# radially onto the skin, "raw" = 3D point as is. Names ending in "_R"/"_L" come in mirrored pairs.
_FACE = {
    "glabella": (0.0, 22.0), "nasion": (0.0, 8.0), "forehead": (0.0, 55.0), "forehead_side": (35.0, 50.0),
    "superciliary": (28.0, 19.0), "eye_sup": (EYE_HALF_SPACING, 17.5), "eye_inf": (EYE_HALF_SPACING, -14.5),
    "eye_lat": (EYE_HALF_SPACING + 25.0, -0.6), "eye_med": (EYE_HALF_SPACING - 22.5, -0.6),
    "dorsum": (0.0, -12.0), "pronasale": (0.0, -32.0), "subnasale": (0.0, -45.5), "alare": (16.0, -37.0),
    "nose_side": (9.0, -15.0), "labrale_sup": (0.0, -57.6), "stomion": (0.0, -65.0), "labrale_inf": (0.0, -74.5),
    "cheilion": (25.0, -65.6), "labiomental": (0.0, -82.0), "pogonion": (0.0, -94.0), "menton": (0.0, -110.0),
    "cheekbone": (47.0, -15.0), "cheek": (33.0, -45.0), "cheek_low": (40.0, -76.0), "temple": (58.0, 30.0),
}
_DIR = {
    "zygion": (-32.0, 66.0, -12.0), "gonion": (-62.0, 54.0, -84.0), "under_chin": (-15.0, 0.0, -122.0),
    "submandibular": (-30.0, 35.0, -110.0), "vertex": (-55.0, 0.0, 130.0), "frontal_top": (-5.0, 0.0, 95.0),
    "opisthocranion": (-170.0, 0.0, 25.0), "back_upper": (-140.0, 0.0, 90.0), "back_lateral": (-125.0, 65.0, 30.0),
    "occipital": (-150.0, 0.0, -30.0), "eurion": (-70.0, 80.0, 35.0), "parietal": (-70.0, 55.0, 100.0),
    "tragion": (-78.0, 72.0, -10.0), "mastoid": (-100.0, 58.0, -45.0), "nape": (-115.0, 0.0, -95.0),
    "ear_top": (-82.0, 70.0, 28.0), "ear_back": (-105.0, 64.0, -5.0), "ear_low": (-80.0, 66.0, -45.0),
}
CRANIUM = {"vertex", "frontal_top", "opisthocranion", "back_upper", "back_lateral", "occipital", "eurion",
           "parietal", "tragion", "mastoid", "nape", "forehead", "forehead_side", "temple", "ear_top", "ear_back",
           "ear_low"}
EYE_GROUP = {"eye_centre", "eye_sup", "eye_inf", "eye_lat", "eye_med"}
NOSE_MOUTH = {"dorsum", "pronasale", "subnasale", "alare", "nose_side", "labrale_sup", "stomion", "labrale_inf",
              "cheilion", "labiomental", "pogonion", "menton"}


@dataclass(frozen=True)
class Controls:
    names: tuple[str, ...]
    points: np.ndarray     # (M,3) mm, template
    side: np.ndarray       # (M,) -1 right, +1 left, 0 midline


@lru_cache(maxsize=1)
def controls() -> Controls:
    names, pts, side = [], [], []

    def add(name, p, s):
        names.append(name)
        pts.append(np.asarray(p, float))
        side.append(s)

    for name, (y, z) in _FACE.items():
        for s in ((-1, 1) if y != 0 else (0,)):
            p = template.surface_point(template.frontal_to_param(s * y if s else y, z))
            add(name, p, s)
    for name, (x, y, z) in _DIR.items():
        for s in ((-1, 1) if y != 0 else (0,)):
            q = np.array([x, s * y if s else y, z])
            d = q - sculpt.CENTRE_MM
            d /= np.linalg.norm(d)
            add(name, sculpt.CENTRE_MM + sculpt.radius(d[None])[0] * d, s)
    for s in (-1, 1):
        add("eye_centre", (0.0, s * EYE_HALF_SPACING, 0.0), s)
    for z in (-150.0, -195.0):
        for a in np.radians([0.0, 60.0, 120.0, 180.0, 240.0, 300.0]):
            add("neck", sculpt.neck_ring(z, np.array([a]))[0], 0)
    return Controls(tuple(names), np.array(pts), np.array(side))


@lru_cache(maxsize=1)
def template_dimensions() -> dict[str, float]:
    """The template's own measures (mm), as identity.dimensions() reports them."""
    skin = template.skin_template()
    p = skin.points
    c = controls()
    P = dict()
    for n, q, s in zip(c.names, c.points, c.side):
        P[(n, int(s))] = q
    return {
        "head_length": float(P[("glabella", 0)][0] - p[:, 0].min()),
        "head_breadth": float(2 * np.abs(p[p[:, 2] > -20, 1]).max()),
        "head_height": float(p[:, 2].max()),
        "face_height": float(P[("nasion", 0)][2] - P[("menton", 0)][2]),
        # breadths between the control points that carry them (soft-tissue zygion / gonion)
        "cheekbone_width": float(P[("zygion", 1)][1] - P[("zygion", -1)][1]),
        "jaw_width": float(P[("gonion", 1)][1] - P[("gonion", -1)][1]),
        "brow_ridge": 0.0,
        "nose_length": float(P[("nasion", 0)][2] - P[("subnasale", 0)][2]),
        "nose_width": 34.0,
        "nose_projection": float(P[("pronasale", 0)][0] - P[("subnasale", 0)][0]),
        "eye_spacing": 2 * EYE_HALF_SPACING,
        "eye_size": 28.5,
        "eye_aperture": 10.0,
        "canthal_tilt": 4.0,
        "lip_thickness": 0.5 * (sculpt.upper_vermilion_height(0.0) + sculpt.LOWER_VERMILION),
        "mouth_width": 2 * sculpt.MOUTH_HALF_WIDTH,
        "chin_projection": 0.0,
        "ear_size": sculpt_ear_length(),
        "lower_lip_share": sculpt.LOWER_VERMILION / (sculpt.upper_vermilion_height(0.0) + sculpt.LOWER_VERMILION),
        "forehead_slope": float(np.degrees(np.arctan2(P[("glabella", 0)][0] - P[("forehead", 0)][0],
                                                      P[("forehead", 0)][2] - P[("glabella", 0)][2]))),
    }


def sculpt_ear_length() -> float:
    from .brows_ears import EAR_LENGTH_MM
    return EAR_LENGTH_MM


def control_displacements(dims: dict[str, float]) -> np.ndarray:
    """(M,3) mm displacement of each control point for an identity's measures."""
    c = controls()
    t = template_dimensions()
    D = {k: dims[k] - t[k] for k in t}
    P = c.points
    out = np.zeros_like(P)
    zn = P[c.names.index("nasion")][2]
    zme = P[c.names.index("menton")][2]
    zsn = P[c.names.index("subnasale")][2]
    xg = P[c.names.index("glabella")][0]
    N = t["nose_length"]
    # vermilion heights: their mean from lip_thickness, their split from lower_lip_share
    both = 2.0 * dims["lip_thickness"]
    dvu = both * (1.0 - dims["lower_lip_share"]) - float(sculpt.upper_vermilion_height(0.0))
    dvl = both * dims["lower_lip_share"] - sculpt.LOWER_VERMILION
    zg = P[c.names.index("glabella")][2]
    slope = np.tan(np.radians(dims["forehead_slope"])) - np.tan(np.radians(t["forehead_slope"]))
    for i, (name, p, s) in enumerate(zip(c.names, P, c.side)):
        d = np.zeros(3)
        x, y, z = p
        if name == "neck":
            out[i] = d
            continue
        if name in CRANIUM:
            d[0] += (x - xg) * D["head_length"] / t["head_length"]
            d[1] += y * D["head_breadth"] / t["head_breadth"]
            d[2] += max(z, 0.0) * D["head_height"] / t["head_height"]
        elif name not in EYE_GROUP and name != "nasion" and z < 0.0:
            # the lower face stretches below the eyes (the orbits keep their place)
            d[2] -= D["face_height"] * (-z) / (-zme)
        if name in NOSE_MOUTH:
            if zsn <= z <= zn:
                d[2] -= D["nose_length"] * (zn - z) / N
            elif zme <= z < zsn:
                d[2] -= D["nose_length"] * (z - zme) / (zsn - zme)
        if name == "alare":
            d[1] += s * D["nose_width"] / 2
            d[0] += 0.3 * D["nose_projection"]
        if name == "nose_side":
            d[1] += s * D["nose_width"] / 6
        if name == "pronasale":
            d[0] += D["nose_projection"]
        if name == "dorsum":
            d[0] += 0.45 * D["nose_projection"]
        if name == "subnasale":
            d[0] += 0.1 * D["nose_projection"]
        if name == "cheilion":
            d[1] += s * D["mouth_width"] / 2
        if name == "cheek":
            d[1] += s * D["mouth_width"] / 8
        if name == "labrale_sup":
            d[2] += dvu
            d[0] += 0.3 * dvu
        if name == "labrale_inf":
            d[2] -= dvl
            d[0] += 0.3 * dvl
        if name == "pogonion":
            d[0] += D["chin_projection"]
        if name == "menton":
            d[0] += 0.6 * D["chin_projection"]
        if name == "labiomental":
            d[0] += 0.25 * D["chin_projection"]
        if name == "under_chin":
            d[0] += 0.2 * D["chin_projection"]
        if name in ("forehead", "forehead_side", "frontal_top"):
            # the forehead leans back about the glabella
            d[0] -= slope * (p[2] - zg) * (0.7 if name == "forehead_side" else 1.0)
        if name == "glabella":
            d[0] += D["brow_ridge"]
        if name == "superciliary":
            d[0] += 0.8 * D["brow_ridge"]
        if name == "eye_sup":
            d[0] += 0.3 * D["brow_ridge"]
        if name in EYE_GROUP:
            d[1] += s * D["eye_spacing"] / 2
        if name == "superciliary":
            d[1] += s * 0.6 * D["eye_spacing"] / 2
        if name == "cheekbone":
            d[1] += s * (0.3 * D["eye_spacing"] + 0.55 * D["cheekbone_width"]) / 2
        if name == "zygion":
            d[1] += s * D["cheekbone_width"] / 2
        if name == "temple":
            d[1] += s * 0.3 * D["cheekbone_width"] / 2
        if name in ("eye_lat", "eye_med"):
            # the opening's ends follow the eye corners: fissure length and canthal tilt
            lateral = name == "eye_lat"
            share = 0.455 if lateral else 0.545
            d[1] += s * (1.0 if lateral else -1.0) * share * D["eye_size"]
            half_f = 0.5 * dims["eye_size"]
            dz = half_f * np.tan(np.radians(dims["canthal_tilt"])) - 0.5 * t["eye_size"] * np.tan(np.radians(t["canthal_tilt"]))
            d[2] += dz if lateral else -dz
        if name == "eye_lat":
            d[1] += s * 0.25 * D["cheekbone_width"] / 2
        if name == "gonion":
            d[1] += s * D["jaw_width"] / 2
        if name == "cheek_low":
            d[1] += s * 0.5 * D["jaw_width"] / 2
        if name == "submandibular":
            d[1] += s * 0.4 * D["jaw_width"] / 2
        out[i] = d
    return out


def warp_operator(points_m: np.ndarray) -> np.ndarray:
    """W (N, M): displacement at points_m (template, metres) = W @ control displacements."""
    c = controls()
    rbf = RBFInterpolator(c.points, np.eye(len(c.points)), kernel="thin_plate_spline", degree=1)
    return rbf(np.asarray(points_m) * 1e3)
