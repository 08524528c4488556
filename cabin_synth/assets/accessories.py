"""Generate the accessory USD assets under ``usd_assets/accessories/``.

Run ``python -m cabin_synth.assets.accessories usd_assets`` from the repository
root. Like the cabins, the committed ``.usda`` files are this module's output
and rerunning it reproduces them byte for byte (tests check this).

Head-worn accessories are authored in the head frame of docs/conventions.md
(origin between the eyeball centres, +X forward, +Y left, +Z up, metres) and
sized for the template driver (``cabin_synth.driver.reference_identity``); the
scene fits them to each driver with :func:`cabin_synth.scene.accessories.fit_transform`.
The phone is authored in its own frame: origin at the centre of the body, +Z
out of the screen, +Y along the long side (towards the top of the screen).

Layout of one asset (``/<Root>`` is the defaultPrim)::

    /<Root>              Xform, kind=component, assetInfo.name, customData cabin_synth:*
      Looks/<Material>   UsdPreviewSurface + cabin_synth:nir_* attributes
      Geom/<Part>        Meshes with UsdSemantics class labels
"""

from __future__ import annotations

import math
import os
import pathlib
import sys
from dataclasses import dataclass

import numpy as np
from pxr import Gf, Kind, Sdf, Usd, UsdGeom, UsdSemantics, UsdShade, Vt

from .meshes import MeshData, author_mesh, box, extrude, grid_faces, merge
from .usda_files import generator_main, write_usda

GENERATOR = "cabin_synth.assets.accessories"
FORMAT_VERSION = 1

# Template head, head frame (metres), measured on build_driver(reference_identity()).
NOSE_BRIDGE = np.array([0.0251, 0.0, 0.0050])   # landmark 27 (tests/test_accessories.py checks it)
# Cranium above the brows is close to this ellipsoid (centre, semi-axes).
CRANIUM_CENTRE = np.array([-0.068, 0.0, 0.0])
CRANIUM_AXES = np.array([0.100, 0.077, 0.118])
NECK_CENTRE = np.array([-0.058, 0.0])           # (x, y) of the neck below the chin


# ----------------------------------------------------------------------------
# Materials
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessoryMaterial:
    name: str
    diffuse: tuple[float, float, float]  # linear RGB
    roughness: float
    nir_850: float                       # diffuse reflectance
    nir_940: float
    # Lenses only: luminous (visible) transmittance and single-pass NIR transmittance.
    visible_t: float | None = None
    nir_t_850: float | None = None
    nir_t_940: float | None = None
    doc: str = ""

    @property
    def opacity(self) -> float:
        return 1.0 if self.visible_t is None else round(1.0 - self.visible_t, 4)


MATERIALS: dict[str, AccessoryMaterial] = {m.name: m for m in (
    AccessoryMaterial("BlackAcetate", (0.02, 0.02, 0.02), 0.35, 0.10, 0.12,
                      doc="black cellulose-acetate frame (carbon-black pigment absorbs NIR too); reasoned"),
    AccessoryMaterial("TortoiseAcetate", (0.12, 0.05, 0.02), 0.35, 0.45, 0.50,
                      doc="brown tortoiseshell acetate: organic dyes transmit NIR, so it reflects like a mid grey; reasoned"),
    AccessoryMaterial("GoldMetal", (0.55, 0.40, 0.15), 0.25, 0.85, 0.88,
                      doc="gold-coloured metal wire frame; metals reflect NIR strongly; reasoned"),
    AccessoryMaterial("ClearLens", (0.9, 0.9, 0.9), 0.05, 0.04, 0.04, visible_t=0.92, nir_t_850=0.90, nir_t_940=0.90,
                      doc="clear CR-39 / polycarbonate lens with anti-reflective coating: ~8 % total loss"),
    AccessoryMaterial("SunLensNirTransmissive", (0.05, 0.05, 0.04), 0.05, 0.05, 0.05,
                      visible_t=0.15, nir_t_850=0.82, nir_t_940=0.86,
                      doc="grey category-3 sunglass lens whose dye absorbs only in the visible: Euro NCAP class > 70 % NIR"),
    AccessoryMaterial("SunLensNirBlocking", (0.04, 0.04, 0.03), 0.05, 0.06, 0.06,
                      visible_t=0.12, nir_t_850=0.10, nir_t_940=0.06,
                      doc="category-3 sunglass lens with an IR-absorbing/reflecting coating: Euro NCAP class < 15 % NIR"),
    AccessoryMaterial("SurgicalMask", (0.45, 0.62, 0.75), 0.9, 0.75, 0.72,
                      doc="blue spun-bond polypropylene; undyed PP non-woven is bright in NIR; reasoned"),
    AccessoryMaterial("CottonBlack", (0.02, 0.02, 0.02), 0.95, 0.40, 0.45,
                      doc="black-dyed cotton: reactive black dyes turn transparent beyond ~750 nm; reasoned"),
    AccessoryMaterial("WoolRed", (0.35, 0.03, 0.03), 0.95, 0.60, 0.58,
                      doc="red knitted wool (beanie, scarf); reasoned"),
    AccessoryMaterial("CapNavy", (0.02, 0.03, 0.08), 0.9, 0.45, 0.48,
                      doc="navy cotton twill cap; reasoned"),
    AccessoryMaterial("FeltGrey", (0.15, 0.14, 0.13), 0.95, 0.50, 0.52,
                      doc="grey wool felt hat; reasoned"),
    AccessoryMaterial("PhoneBody", (0.03, 0.03, 0.035), 0.3, 0.25, 0.25,
                      doc="anodised dark aluminium / glass back; reasoned"),
    AccessoryMaterial("PhoneScreen", (0.005, 0.005, 0.006), 0.05, 0.05, 0.05,
                      doc="screen behind cover glass; reasoned"),
)}


# ----------------------------------------------------------------------------
# Mesh construction: closed, outward-wound pieces
# ----------------------------------------------------------------------------


def thick_sheet(P: np.ndarray, thickness: float, wrap_u: bool = False, pole: np.ndarray | None = None) -> MeshData:
    """A closed shell of ``thickness`` around the grid surface P (nu, nv, 3).

    ``pole`` closes the v = 0 edge with a fan to that point (domes). Winding is
    fixed afterwards by the signed volume, so the grid's orientation is free.
    """
    nu, nv, _ = P.shape
    du = np.roll(P, -1, 0) - np.roll(P, 1, 0) if wrap_u else np.gradient(P, axis=0)
    dv = np.gradient(P, axis=1)
    n = np.cross(du, dv)
    n /= np.maximum(np.linalg.norm(n, axis=2, keepdims=True), 1e-12)
    h = thickness / 2
    outer, inner = (P + h * n).reshape(-1, 3), (P - h * n).reshape(-1, 3)
    m = nu * nv
    pts = [outer, inner]
    faces = grid_faces(nu, nv, wrap_u) + grid_faces(nu, nv, wrap_u, m, flip=True)
    idx = lambda i, j: i * nv + j
    edges_v = [nv - 1] if pole is not None else [0, nv - 1]
    for j in edges_v:  # rims along u at v = const
        for i in range(nu if wrap_u else nu - 1):
            i1 = (i + 1) % nu
            f = (idx(i, j), idx(i1, j), idx(i1, j) + m, idx(i, j) + m)
            faces.append(f if j == 0 else tuple(reversed(f)))
    if not wrap_u:
        for i in (0, nu - 1):
            for j in range(nv - 1):
                f = (idx(i, j), idx(i, j + 1), idx(i, j + 1) + m, idx(i, j) + m)
                faces.append(f if i == 0 else tuple(reversed(f)))
    if pole is not None:
        pole_n = _unit(pole - P[:, 1].mean(axis=0))
        pts.append(np.array([pole + h * pole_n, pole - h * pole_n]))
        po, pi = 2 * m, 2 * m + 1
        for i in range(nu):
            i1 = (i + 1) % nu
            faces.append((po, idx(i1, 0), idx(i, 0)))
            faces.append((pi, idx(i, 0) + m, idx(i1, 0) + m))
    return MeshData(np.vstack(pts), faces).oriented()


def ring_tube(outline: np.ndarray, normal: np.ndarray, width: float, depth: float) -> MeshData:
    """A closed rectangular-section ring just outside a planar outline (K,3)."""
    c = outline.mean(axis=0)
    out = outline - c
    out -= np.outer(out @ normal, normal)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    d = normal * depth / 2
    profile = [outline - d, outline + width * out - d, outline + width * out + d, outline + d]
    P = np.stack(profile, axis=1)  # (K, 4, 3): u along the outline, v around the section
    k = len(outline)
    faces = []
    for i in range(k):
        i1 = (i + 1) % k
        for j in range(4):
            j1 = (j + 1) % 4
            faces.append((i * 4 + j, i1 * 4 + j, i1 * 4 + j1, i * 4 + j1))
    return MeshData(P.reshape(-1, 3), faces).oriented()


def swept_bar(path: np.ndarray, up: np.ndarray, width: float, height: float) -> MeshData:
    """A closed rectangular bar swept along an open polyline (temple arms)."""
    path = np.asarray(path, float)
    tang = np.gradient(path, axis=0)
    tang /= np.linalg.norm(tang, axis=1, keepdims=True)
    side = np.cross(tang, up)
    side /= np.linalg.norm(side, axis=1, keepdims=True)
    upv = np.cross(side, tang)
    w, h = width / 2, height / 2
    corners = [(-w, -h), (w, -h), (w, h), (-w, h)]
    P = np.stack([path + a * side + b * upv for a, b in corners], axis=1)  # (N, 4, 3)
    n = len(path)
    faces = []
    for i in range(n - 1):
        for j in range(4):
            j1 = (j + 1) % 4
            faces.append((i * 4 + j, (i + 1) * 4 + j, (i + 1) * 4 + j1, i * 4 + j1))
    faces.append((3, 2, 1, 0))
    last = (n - 1) * 4
    faces.append((last, last + 1, last + 2, last + 3))
    return MeshData(P.reshape(-1, 3), faces).oriented()


def _unit(v) -> np.ndarray:
    v = np.asarray(v, float)
    return v / np.linalg.norm(v)


# ----------------------------------------------------------------------------
# Eyewear
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FrameStyle:
    """Lens outline as a superellipse |y/a|^p + |z/b|^p = 1 around the lens centre,
    with an optional downward-outward droop (aviator teardrop)."""
    name: str
    half_width: float
    half_height: float
    exponent: float
    droop: float          # extra depth at the bottom outer quadrant, m
    rim_width: float      # in the lens plane, m
    rim_depth: float      # along X, m
    material: str
    doc: str


STYLES: dict[str, FrameStyle] = {s.name: s for s in (
    FrameStyle("round", 0.0215, 0.0215, 2.0, 0.0, 0.0018, 0.0025, "GoldMetal", "round metal wire frame (panto)"),
    FrameStyle("rectangular", 0.0255, 0.0165, 4.0, 0.0, 0.0045, 0.0045, "BlackAcetate", "rectangular black acetate frame"),
    FrameStyle("aviator", 0.0275, 0.0215, 2.6, 0.008, 0.0020, 0.0030, "GoldMetal", "aviator teardrop metal frame"),
    FrameStyle("wayfarer", 0.0265, 0.0205, 3.5, 0.0, 0.0060, 0.0055, "BlackAcetate", "thick trapezoid acetate sunglass frame"),
    FrameStyle("browline", 0.0250, 0.0180, 3.0, 0.0, 0.0035, 0.0040, "TortoiseAcetate", "tortoiseshell acetate frame"),
)}

LENS_X = 0.0300          # lens plane, head frame X: about 12 mm in front of the cornea apex
LENS_CENTRE_Y = 0.0330   # slightly outside the eyeball centres (inter-pupillary ~64 mm)
LENS_CENTRE_Z = 0.0020
LENS_THICKNESS = 0.0020


def lens_outline(style: FrameStyle, side: float, n: int = 48) -> np.ndarray:
    """(n,3) outline of one lens in the plane X = LENS_X; side +1 left lens, -1 right."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    e = 2.0 / style.exponent
    y = style.half_width * np.sign(c) * np.abs(c) ** e
    z = style.half_height * np.sign(s) * np.abs(s) ** e
    # teardrop: lower the bottom, more towards the temple (y outward)
    z -= style.droop * np.clip(-s, 0, None) * (0.5 + 0.5 * np.clip(c, -1, 1))
    y_head = side * (LENS_CENTRE_Y + y)
    pts = np.stack([np.full(n, LENS_X), y_head, LENS_CENTRE_Z + z], axis=1)
    return pts if side > 0 else pts[::-1]


def eyewear_parts(style: FrameStyle) -> dict[str, MeshData]:
    normal = np.array([1.0, 0.0, 0.0])
    rims, lenses = [], {}
    outer_y, hinge_z = 0.0, LENS_CENTRE_Z + 0.004
    for side, tag in ((-1.0, "Right"), (1.0, "Left")):
        outline = lens_outline(style, side)
        rims.append(ring_tube(outline, normal, style.rim_width, style.rim_depth))
        lenses[f"Lens{tag}"] = extrude(outline - normal * LENS_THICKNESS / 2, normal * LENS_THICKNESS)
        outer_y = max(outer_y, float(np.abs(outline[:, 1]).max()) + style.rim_width)
    inner_y = LENS_CENTRE_Y - style.half_width
    # The bridge rests on the nose just in front of landmark 27.
    bz = NOSE_BRIDGE[2]
    bridge = box((LENS_X - style.rim_depth / 2, -inner_y - style.rim_width, bz - 0.003),
                 (LENS_X + style.rim_depth / 2, inner_y + style.rim_width, bz + 0.003))
    temples = []
    for side in (-1.0, 1.0):
        # Hinge at the outer rim, then clear of the temples (|Y| 80 mm on the template)
        # back over the ear (x -85 mm) and down behind it.
        path = np.array([
            (LENS_X - style.rim_depth / 2, side * (outer_y - 0.002), hinge_z),
            (0.010, side * 0.074, hinge_z),
            (-0.030, side * 0.081, hinge_z - 0.002),
            (-0.070, side * 0.082, hinge_z - 0.006),
            (-0.090, side * 0.081, hinge_z - 0.010),
            (-0.102, side * 0.078, hinge_z - 0.030),
        ])
        temples.append(swept_bar(path, np.array([0.0, 0.0, 1.0]), 0.0025, 0.0040))
    return {"Frame": merge(*rims, bridge, *temples), **lenses}


# ----------------------------------------------------------------------------
# Headwear, masks, scarf, phone
# ----------------------------------------------------------------------------


def dome(edge_z, clearance: float, z_scale: float = 1.0, nu: int = 48, nv: int = 12) -> np.ndarray:
    """Grid (nu, nv, 3) on the cranium ellipsoid grown by ``clearance``, from near
    the crown (v = 0) down to the height edge_z(phi) at azimuth phi."""
    a = CRANIUM_AXES + clearance
    phi = np.linspace(0, 2 * np.pi, nu, endpoint=False)
    P = np.zeros((nu, nv, 3))
    for i, p in enumerate(phi):
        th_max = math.acos(np.clip((edge_z(p) - CRANIUM_CENTRE[2]) / a[2], -1, 1))
        th = np.linspace(th_max / nv, th_max, nv)
        P[i, :, 0] = CRANIUM_CENTRE[0] + a[0] * np.sin(th) * math.cos(p)
        P[i, :, 1] = CRANIUM_CENTRE[1] + a[1] * np.sin(th) * math.sin(p)
        P[i, :, 2] = CRANIUM_CENTRE[2] + a[2] * z_scale * np.cos(th)
    return P


def crown_pole(clearance: float, z_scale: float = 1.0) -> np.ndarray:
    return CRANIUM_CENTRE + np.array([0.0, 0.0, (CRANIUM_AXES[2] + clearance) * z_scale])


def cap_parts() -> dict[str, MeshData]:
    clear = 0.008
    edge = lambda p: 0.040 - 0.035 * (1 - math.cos(p)) / 2  # above the brows at the front, lower at the back
    crown = thick_sheet(dome(edge, clear), 0.003, wrap_u=True, pole=crown_pole(clear))
    a = CRANIUM_AXES + clear
    phi = np.radians(np.linspace(-65, 65, 27))
    v = np.linspace(0.0, 1.0, 6)
    P = np.zeros((len(phi), len(v), 3))
    for i, p in enumerate(phi):
        z0 = edge(p)
        k = math.sqrt(max(1 - ((z0 - CRANIUM_CENTRE[2]) / a[2]) ** 2, 0.0))
        base = np.array([CRANIUM_CENTRE[0] + a[0] * k * math.cos(p), a[1] * k * math.sin(p), z0])
        out = np.array([math.cos(p), 0.8 * math.sin(p), 0.0])
        reach = 0.070 * math.cos(p) ** 0.5
        for j, t in enumerate(v):
            P[i, j] = base + t * reach * out + np.array([0.0, 0.0, -0.012 * t * t])
    visor = thick_sheet(P, 0.003)
    return {"Crown": crown, "Visor": visor}


def hat_parts() -> dict[str, MeshData]:
    clear = 0.009
    z_edge = 0.045
    crown = thick_sheet(dome(lambda p: z_edge, clear, z_scale=1.18), 0.003, wrap_u=True,
                        pole=crown_pole(clear, 1.18))
    a = CRANIUM_AXES + clear
    k = math.sqrt(1 - ((z_edge - CRANIUM_CENTRE[2]) / a[2]) ** 2)
    phi = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    v = np.linspace(0.0, 1.0, 5)
    P = np.zeros((len(phi), len(v), 3))
    for i, p in enumerate(phi):
        # The crown's z_scale lifts its lower edge too: the brim starts there.
        base = np.array([CRANIUM_CENTRE[0] + a[0] * k * math.cos(p), a[1] * k * math.sin(p),
                         CRANIUM_CENTRE[2] + (z_edge - CRANIUM_CENTRE[2]) * 1.18])
        out = np.array([math.cos(p), math.sin(p), 0.0])
        for j, t in enumerate(v):
            P[i, j] = base + t * 0.055 * out + np.array([0.0, 0.0, -0.006 * t])
    brim = thick_sheet(P, 0.004, wrap_u=True)
    return {"Crown": crown, "Brim": brim}


def beanie_parts() -> dict[str, MeshData]:
    clear = 0.006
    edge = lambda p: 0.038 - 0.070 * (1 - math.cos(p)) / 2  # over the ear tops at the back
    return {"Knit": thick_sheet(dome(edge, clear, z_scale=1.04), 0.007, wrap_u=True, pole=crown_pole(clear, 1.04))}


# Front profile of a face covering (z, x of its front) and the face half-width it wraps.
MASK_Z = np.array([-0.012, -0.024, -0.036, -0.055, -0.075, -0.095, -0.112, -0.126])
MASK_FRONT_X = np.array([0.036, 0.045, 0.048, 0.044, 0.040, 0.032, 0.020, -0.002])
MASK_HALF_Y = np.array([0.060, 0.064, 0.066, 0.066, 0.063, 0.058, 0.052, 0.044])
MASK_AXIS_X = -0.045


def mask_sheet(pleats: float, puff: float, thickness: float) -> MeshData:
    psi = np.radians(np.linspace(-78, 78, 33))
    P = np.zeros((len(psi), len(MASK_Z), 3))
    for j, (z, xf, hy) in enumerate(zip(MASK_Z, MASK_FRONT_X, MASK_HALF_Y)):
        ax = xf + puff - MASK_AXIS_X
        rip = pleats * math.sin(j * math.pi / 1.5)
        P[:, j, 0] = MASK_AXIS_X + (ax + rip) * np.cos(psi)
        P[:, j, 1] = (hy + puff) * np.sin(psi)
        P[:, j, 2] = z
    return thick_sheet(P, thickness)


def scarf_parts() -> dict[str, MeshData]:
    phi = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    z = np.linspace(-0.188, -0.135, 6)
    P = np.zeros((len(phi), len(z), 3))
    for j, zz in enumerate(z):
        bulge = 0.012 * math.sin(math.pi * j / (len(z) - 1))
        P[:, j, 0] = NECK_CENTRE[0] + (0.064 + bulge) * np.cos(phi)
        P[:, j, 1] = NECK_CENTRE[1] + (0.066 + bulge) * np.sin(phi)
        P[:, j, 2] = zz
    return {"Wrap": thick_sheet(P, 0.012, wrap_u=True)}


PHONE_SIZE = (0.0716, 0.1476, 0.0078)   # width (X), height (Y), thickness (Z), m: a 6.1-inch phone


def phone_parts() -> dict[str, MeshData]:
    w, h, t = PHONE_SIZE
    body = box((-w / 2, -h / 2, -t / 2), (w / 2, h / 2, t / 2))
    screen = box((-w / 2 + 0.002, -h / 2 + 0.003, t / 2), (w / 2 - 0.002, h / 2 - 0.003, t / 2 + 0.0004))
    return {"Body": body, "Screen": screen}


# ----------------------------------------------------------------------------
# Asset table
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessorySpec:
    name: str                 # file stem, snake_case; the root prim is its CamelCase
    category: str             # eyewear | headwear | face | neck | handheld
    doc: str
    parts: tuple[tuple[str, str, str], ...]  # (part, class label, material)
    # Sunglasses: variant name -> lens material (variantSet "lens").
    lens_variants: tuple[tuple[str, str], ...] = ()


def _eyewear(name: str, style: str, lens: str, doc: str, variants=()) -> AccessorySpec:
    frame = STYLES[style].material
    return AccessorySpec(name, "eyewear", doc,
                         (("Frame", "glasses_frame", frame), ("LensRight", "lens", lens), ("LensLeft", "lens", lens)),
                         variants)


SPECS: dict[str, AccessorySpec] = {s.name: s for s in (
    _eyewear("glasses_round", "round", "ClearLens", "clear glasses, round metal frame"),
    _eyewear("glasses_rectangular", "rectangular", "ClearLens", "clear glasses, rectangular acetate frame"),
    _eyewear("glasses_browline", "browline", "ClearLens", "clear glasses, tortoiseshell frame"),
    _eyewear("sunglasses_aviator", "aviator", "SunLensNirTransmissive", "aviator sunglasses",
             (("nir_transmissive", "SunLensNirTransmissive"), ("nir_blocking", "SunLensNirBlocking"))),
    _eyewear("sunglasses_wayfarer", "wayfarer", "SunLensNirTransmissive", "wayfarer sunglasses",
             (("nir_transmissive", "SunLensNirTransmissive"), ("nir_blocking", "SunLensNirBlocking"))),
    AccessorySpec("cap", "headwear", "baseball cap with a front visor",
                  (("Crown", "headwear", "CapNavy"), ("Visor", "headwear", "CapNavy"))),
    AccessorySpec("hat", "headwear", "brimmed felt hat",
                  (("Crown", "headwear", "FeltGrey"), ("Brim", "headwear", "FeltGrey"))),
    AccessorySpec("beanie", "headwear", "knitted beanie over the ear tops", (("Knit", "headwear", "WoolRed"),)),
    AccessorySpec("mask_surgical", "face", "pleated surgical face mask, nose bridge to chin",
                  (("Sheet", "mask", "SurgicalMask"),)),
    AccessorySpec("mask_cloth", "face", "shaped black cloth face mask", (("Sheet", "mask", "CottonBlack"),)),
    AccessorySpec("scarf", "neck", "knitted scarf wrapped around the neck", (("Wrap", "clothing", "WoolRed"),)),
    AccessorySpec("phone", "handheld", "smartphone, 71.6 x 147.6 x 7.8 mm",
                  (("Body", "phone", "PhoneBody"), ("Screen", "phone", "PhoneScreen"))),
)}


def spec_meshes(spec: AccessorySpec) -> dict[str, MeshData]:
    if spec.category == "eyewear":
        style = spec.name.split("_", 1)[1]
        return eyewear_parts(STYLES[style])
    builders = {"cap": cap_parts, "hat": hat_parts, "beanie": beanie_parts, "scarf": scarf_parts,
                "phone": phone_parts,
                "mask_surgical": lambda: {"Sheet": mask_sheet(pleats=0.0025, puff=0.002, thickness=0.0012)},
                "mask_cloth": lambda: {"Sheet": mask_sheet(pleats=0.0, puff=0.005, thickness=0.003)}}
    return builders[spec.name]()


def root_name(name: str) -> str:
    return "".join(w.capitalize() for w in name.split("_"))


# ----------------------------------------------------------------------------
# USD authoring
# ----------------------------------------------------------------------------


def _author_material(stage: Usd.Stage, path: str, m: AccessoryMaterial) -> UsdShade.Material:
    mat = UsdShade.Material.Define(stage, path)
    sh = UsdShade.Shader.Define(stage, f"{path}/PreviewSurface")
    sh.CreateIdAttr("UsdPreviewSurface")
    sh.CreateInput("diffuseColor", Sdf.ValueTypeNames.Color3f).Set(Gf.Vec3f(*m.diffuse))
    sh.CreateInput("roughness", Sdf.ValueTypeNames.Float).Set(m.roughness)
    if m.visible_t is not None:
        sh.CreateInput("opacity", Sdf.ValueTypeNames.Float).Set(m.opacity)
        sh.CreateInput("ior", Sdf.ValueTypeNames.Float).Set(1.5)
    mat.CreateSurfaceOutput().ConnectToSource(sh.ConnectableAPI(), "surface")
    prim = mat.GetPrim()
    attrs = {"nir_reflectance_850": m.nir_850, "nir_reflectance_940": m.nir_940}
    if m.visible_t is not None:
        attrs.update(visible_transmittance=m.visible_t, nir_transmittance_850=m.nir_t_850,
                     nir_transmittance_940=m.nir_t_940)
    for key, value in attrs.items():
        prim.CreateAttribute(f"cabin_synth:{key}", Sdf.ValueTypeNames.Float, custom=True).Set(value)
    prim.SetDocumentation(m.doc)
    return mat




def build_stage(spec: AccessorySpec) -> Usd.Stage:
    layer = Sdf.Layer.CreateAnonymous(f"{spec.name}.usda")
    stage = Usd.Stage.Open(layer)
    UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.z)
    UsdGeom.SetStageMetersPerUnit(stage, 1.0)
    frame = ("its own frame: origin at the body centre, +Z out of the screen, +Y towards the top"
             if spec.category == "handheld" else
             "the head frame: origin between the eyeball centres, +X forward, +Y left, +Z up, metres")
    layer.documentation = (f"cabin-synth accessory '{spec.name}': {spec.doc}. Generated by {GENERATOR} "
                           f"(format {FORMAT_VERSION}); do not edit by hand. Authored in {frame}.")
    root = f"/{root_name(spec.name)}"
    prim = UsdGeom.Xform.Define(stage, root).GetPrim()
    stage.SetDefaultPrim(prim)
    Usd.ModelAPI(prim).SetKind(Kind.Tokens.component)
    Usd.ModelAPI(prim).SetAssetName(spec.name)
    prim.SetCustomDataByKey("cabin_synth:category", spec.category)
    UsdGeom.Scope.Define(stage, f"{root}/Looks")
    used = sorted({mat for _, _, mat in spec.parts} | {mat for _, mat in spec.lens_variants})
    for name in used:
        _author_material(stage, f"{root}/Looks/{name}", MATERIALS[name])
    UsdGeom.Xform.Define(stage, f"{root}/Geom")
    meshes = spec_meshes(spec)
    for part, label, mat in spec.parts:
        mesh = author_mesh(stage, f"{root}/Geom/{part}", meshes[part], smooth_deg=50.0)
        UsdSemantics.LabelsAPI.Apply(mesh.GetPrim(), "class").CreateLabelsAttr(Vt.TokenArray([label]))
        binding = UsdShade.MaterialBindingAPI.Apply(mesh.GetPrim())
        # A local binding would be stronger than any variant's: variant lenses bind only there.
        if not (spec.lens_variants and label == "lens"):
            binding.Bind(UsdShade.Material.Get(stage, f"{root}/Looks/{mat}"))
    if spec.lens_variants:
        vset = prim.GetVariantSets().AddVariantSet("lens")
        for variant, _ in spec.lens_variants:
            vset.AddVariant(variant)
        for variant, mat in spec.lens_variants:
            vset.SetVariantSelection(variant)
            with vset.GetVariantEditContext():
                for part, label, _ in spec.parts:
                    if label == "lens":
                        UsdShade.MaterialBindingAPI(stage.GetPrimAtPath(f"{root}/Geom/{part}")).Bind(
                            UsdShade.Material.Get(stage, f"{root}/Looks/{mat}"))
        vset.SetVariantSelection(spec.lens_variants[0][0])
    return stage


def usda_text(spec: AccessorySpec) -> str:
    return build_stage(spec).GetRootLayer().ExportToString()


def write_assets(out_root: str | os.PathLike, names: tuple[str, ...] | None = None) -> list[pathlib.Path]:
    """Write ``<out_root>/accessories/<name>.usda`` for every (or the named) accessory."""
    return write_usda(pathlib.Path(out_root) / "accessories", SPECS, usda_text, names)


def main(argv: list[str] | None = None) -> int:
    return generator_main(argv, module=__name__, description=__doc__.splitlines()[0], subfolder="accessories",
                          specs=SPECS, write=write_assets)


if __name__ == "__main__":
    sys.exit(main())
