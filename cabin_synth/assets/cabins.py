"""Generate the vehicle-interior USD assets under ``usd_assets/cabins/``.

Run ``python -m cabin_synth.assets.cabins usd_assets`` from the repository root.
The generated ``.usda`` files are committed; this module is their source of
truth and rerunning it must reproduce them byte for byte (tests check this).

Frame: the vehicle frame of docs/conventions.md (+X forward, +Y left, +Z up,
metres; origin on the centre plane, at floor height, at the X of the
steering-wheel hub).  Every cabin is built from a :class:`CabinSpec` whose
numbers are documented, with their sources, in docs/cabins.md.

Layout of one asset (``/Cabin`` is the defaultPrim)::

    /Cabin                      Xform, kind=assembly, variantSet "drive" {lhd, rhd}
      Looks/<Material>          UsdPreviewSurface materials + NIR reflectance attributes
      Shell/...                 floor, roof, pillars, doors, firewall, rear trim
      Glass/...                 windscreen, side windows, rear window (class "window")
      Dashboard/...             dash, centre console, infotainment, [cluster, glovebox]
      RearSeat/...              rear bench
      Mirrors/...               exterior mirrors, [RearView]
      SteeringWheel             Xform at the hub centre, local +Z = column axis towards the driver
      SteeringColumn/Shroud
      DriverSeat, PassengerSeat Xforms at the H-points (translation only)
      DesignEyePoint            Xform (translation only)
      Mounts/<Name>             camera anchors (translation only)
      Zones/<Name>              gaze-zone patches, purpose=guide

Prims in [brackets] and everything from SteeringWheel down are authored inside
the "drive" variants: ``rhd`` is ``lhd`` mirrored through the plane Y = 0.

The door panels and the rear compartment (:func:`trim_paths`) are written to a
second layer, ``cabins/trim/<name>_trim.usda``, at the same prim paths, and the
main layer loads them through payload arcs (:func:`split_trim`).
"""

from __future__ import annotations

import math
import os
import pathlib
import sys
from dataclasses import dataclass, field

import numpy as np
from pxr import Gf, Kind, Sdf, Usd, UsdGeom, UsdLux, UsdSemantics, UsdShade, Vt

from .interior.materials import MATERIAL_BY_NAME, author_materials
from .interior.seats import front_seat, rear_bench, seat_frame
from .interior.dashboard import (climate_panel, cluster_housing, console_parts, dash_parts, glovebox, rounded_bezel,
                                  screen_slab, vent)
from .interior.steering import column_parts, wheel_parts
from .interior.textures import TEXTURE_FOLDER, cabin_images, linear_mean
from .interior.trim import a_pillar_trim, door_card, headliner, mirror_parts, pillar_trim, sun_visor
from .meshes import MeshData, author_mesh, box, cylinder, extrude, merge, pillow, rod, rounded, rounded_rect
from .usda_files import generator_main, write_pngs, write_usda

GENERATOR = "cabin_synth.assets.cabins"
FORMAT_VERSION = 2
# Each zone mesh's GeomSubset ZONE_TARGET (family ZONE_FAMILY) is the face a glance at
# the zone aims at (the screen, mirror glass, lid); the rest of the mesh is what else
# a gaze may fall on and still be in that zone (docs/cabins.md, Gaze zones).
ZONE_TARGET = "Target"
ZONE_FAMILY = "cabin_synth:zone"

# ----------------------------------------------------------------------------
# Specs
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CabinSpec:
    """Dimensions of one cabin (metres, vehicle frame, LHD driver side = +Y).

    ``hpoint`` and ``eye`` are (x, z); their Y is ``driver_y``.
    """

    name: str
    vehicle: str
    exterior_lwh_wb: tuple[float, float, float, float]  # length, width, height, wheelbase (documentation)
    driver_y: float
    hpoint: tuple[float, float]  # driver SgRP / H-point (x, z); z is H30 above the floor
    eye_offset: tuple[float, float]  # design eye point relative to the H-point (dx, dz)
    back_angle_deg: float  # torso/backrest angle from vertical (SAE A40)
    hub_z: float  # steering-wheel centre height above the floor (hub X is 0 by definition)
    column_deg: float  # column axis elevation above horizontal (= wheel plane tilt from vertical)
    wheel_radius: float  # rim outer radius
    rim_tube: float  # rim cross-section radius
    half_width: float  # door-trim inner surface at shoulder height, |Y|
    beltline_z: float  # top of the door trim / bottom of the side glass
    roof_z: float  # headliner lower surface
    roof_half_width: float  # headliner width at the roof rail, |Y|
    cowl: tuple[float, float]  # windscreen bottom edge (x, z)
    header_x: float  # windscreen top edge x (its z is roof_z)
    dash_rear_x: float  # dashboard rear face x (towards the driver)
    dash_top_z: float
    knee_z: float  # lower edge of the dashboard knee bolster
    firewall_x: float
    b_pillar_x: tuple[float, float]  # (rear, front) x
    rear_hpoint: tuple[float, float]  # second-row H-point (x, z)
    rear_seat_y: float  # second-row outboard seat centre |Y|
    rear_style: str  # "hatch": sloping tailgate glass; "bulkhead": cab-in-van bulkhead with window
    roof_rear_x: float  # end of the roof / top edge of the rear glass
    rear_x: float  # rearmost interior surface
    mirror_span: float = 2.07  # overall width across the exterior mirrors (unfolded)
    seat_width: float = 0.52
    # Driver seat track: total fore-aft and height travel (mm), centred on the H-point
    # above (a mid-track, mid-height seat); docs/cabins.md gives the sources.
    seat_track_mm: tuple[float, float] = (240.0, 50.0)
    mirror_glass: tuple[float, float] = (0.16, 0.11)  # exterior mirror glass width (Y), height (Z)
    seat_trim: str = "SeatCover"  # front seats' cover material (cloth or leather)
    notes: str = ""


SPECS: dict[str, CabinSpec] = {
    "hatchback": CabinSpec(
        name="hatchback",
        vehicle="Volkswagen Golf Mk8 (2020-), 5-door hatchback",
        exterior_lwh_wb=(4.284, 1.789, 1.456, 2.636),
        mirror_span=2.073,
        seat_track_mm=(240.0, 55.0),
        driver_y=0.37,
        hpoint=(-0.31, 0.28),
        eye_offset=(-0.095, 0.635),
        back_angle_deg=25.0,
        hub_z=0.64,
        column_deg=22.0,
        wheel_radius=0.185,
        rim_tube=0.017,
        half_width=0.72,
        beltline_z=0.72,
        roof_z=1.18,
        roof_half_width=0.62,
        cowl=(0.70, 0.78),
        header_x=0.02,
        dash_rear_x=0.16,
        dash_top_z=0.82,
        knee_z=0.44,
        firewall_x=0.86,
        b_pillar_x=(-0.74, -0.66),
        rear_hpoint=(-1.11, 0.32),
        rear_seat_y=0.38,
        rear_style="hatch",
        roof_rear_x=-1.50,
        rear_x=-1.92,
    ),
    "suv": CabinSpec(
        name="suv",
        vehicle="Toyota RAV4 5th generation (XA50, 2019-)",
        seat_trim="SeatLeather",
        exterior_lwh_wb=(4.600, 1.855, 1.685, 2.690),
        mirror_span=2.12,
        seat_track_mm=(250.0, 60.0),
        driver_y=0.38,
        hpoint=(-0.29, 0.34),
        eye_offset=(-0.095, 0.635),
        back_angle_deg=24.0,
        hub_z=0.70,
        column_deg=24.0,
        wheel_radius=0.19,
        rim_tube=0.017,
        half_width=0.735,
        beltline_z=0.76,
        roof_z=1.26,
        roof_half_width=0.65,
        cowl=(0.80, 0.84),
        header_x=0.06,
        dash_rear_x=0.18,
        dash_top_z=0.87,
        knee_z=0.48,
        firewall_x=0.96,
        b_pillar_x=(-0.76, -0.68),
        rear_hpoint=(-1.13, 0.37),
        rear_seat_y=0.39,
        rear_style="hatch",
        roof_rear_x=-1.70,
        rear_x=-2.12,
    ),
    "van": CabinSpec(
        name="van",
        vehicle="Ford Transit Custom Mk1 (2012-2023) L1 H1, double cab-in-van",
        exterior_lwh_wb=(4.975, 1.986, 2.020, 2.933),
        mirror_span=2.25,
        seat_track_mm=(200.0, 40.0),
        driver_y=0.45,
        hpoint=(-0.27, 0.40),
        eye_offset=(-0.09, 0.635),
        back_angle_deg=22.0,
        hub_z=0.74,
        column_deg=30.0,
        wheel_radius=0.19,
        rim_tube=0.018,
        half_width=0.82,
        beltline_z=0.80,
        roof_z=1.37,
        roof_half_width=0.76,
        cowl=(0.98, 0.88),
        header_x=0.20,
        dash_rear_x=0.18,
        dash_top_z=0.93,
        knee_z=0.50,
        firewall_x=1.12,
        b_pillar_x=(-0.74, -0.66),
        rear_hpoint=(-1.22, 0.40),
        rear_seat_y=0.46,
        rear_style="bulkhead",
        roof_rear_x=-1.86,
        rear_x=-1.86,
        mirror_glass=(0.19, 0.16),
    ),
}

# ----------------------------------------------------------------------------
# Small geometry helpers
# ----------------------------------------------------------------------------


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v)


def rot_z(deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])


@dataclass
class Derived:
    """Positions derived from a spec for one drive side s (+1 lhd, -1 rhd)."""

    s: float
    hub: np.ndarray
    axis: np.ndarray  # column axis, unit, from the hub towards the driver (wheel local +Z)
    up: np.ndarray  # wheel local +Y (12 o'clock)
    right: np.ndarray  # wheel local +X (3 o'clock seen by the driver)
    hpoint: np.ndarray
    eye: np.ndarray
    passenger_hpoint: np.ndarray
    extra: dict = field(default_factory=dict)


def derive(spec: CabinSpec, s: float) -> Derived:
    a = math.radians(spec.column_deg)
    axis = np.array([-math.cos(a), 0.0, math.sin(a)])
    up = np.array([math.sin(a), 0.0, math.cos(a)])
    right = np.cross(up, axis)  # = (0, -1, 0)
    hub = np.array([0.0, s * spec.driver_y, spec.hub_z])
    hp = np.array([spec.hpoint[0], s * spec.driver_y, spec.hpoint[1]])
    eye = hp + np.array([spec.eye_offset[0], 0.0, spec.eye_offset[1]])
    php = np.array([spec.hpoint[0], -s * spec.driver_y, spec.hpoint[1]])
    return Derived(s, hub, axis, up, right, hp, eye, php)


def windscreen_x(spec: CabinSpec, z: float) -> float:
    cx, cz = spec.cowl
    return spec.header_x + (spec.roof_z - z) / (spec.roof_z - cz) * (cx - spec.header_x)


def side_glass_y(spec: CabinSpec, z: float) -> float:
    """|Y| of the side-glass mid-plane at height z (linear tumblehome)."""
    yb = spec.half_width + 0.05
    yt = spec.roof_half_width + 0.03
    return yb + (z - spec.beltline_z) / (spec.roof_z - spec.beltline_z) * (yt - yb)


def windscreen(spec: CabinSpec) -> tuple[list[tuple[float, float, float]], np.ndarray]:
    """Inner-face corners of the (planar, trapezoidal) windscreen and its outward-up unit normal."""
    cx, cz = spec.cowl
    wsb, wst = spec.half_width - 0.04, spec.roof_half_width - 0.03
    ws = [(cx, wsb, cz), (cx, -wsb, cz), (spec.header_x, -wst, spec.roof_z), (spec.header_x, wst, spec.roof_z)]
    n = _unit(np.cross(np.subtract(ws[1], ws[0]), np.subtract(ws[3], ws[0])))
    return ws, (-n if n[2] < 0 else n)


def side_glass_outlines(spec: CabinSpec) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """(x, z) outlines of the front and the rear side glass (either side; Y from side_glass_y)."""
    cx, cz = spec.cowl
    zb, zt = spec.beltline_z - 0.02, spec.roof_z - 0.03
    bx0, bx1 = spec.b_pillar_x
    za = cz + 0.04
    front = [(bx1 + 0.01, zb), (cx - 0.14, zb), (a_pillar_x_at(spec, za) - 0.06, za),
             (a_pillar_x_at(spec, zt) - 0.06, zt), (bx1 + 0.01, zt)]
    rear_end = spec.rear_hpoint[0] - 0.30 if spec.rear_style == "hatch" else spec.rear_x + 0.05
    rear = [(rear_end, zb), (bx0 - 0.01, zb), (bx0 - 0.01, zt), (rear_end, zt)]
    return front, rear


def a_pillar_line(spec: CabinSpec, side: float):
    """(bottom, top) points of the A-pillar centre line on side +1/-1."""
    cx, cz = spec.cowl
    bottom = np.array([cx - 0.02, side * (spec.half_width - 0.01), cz])
    top = np.array([spec.header_x + 0.02, side * (spec.roof_half_width - 0.01), spec.roof_z - 0.01])
    return bottom, top


def a_pillar_x_at(spec: CabinSpec, z: float) -> float:
    b, t = a_pillar_line(spec, 1.0)
    f = (z - b[2]) / (t[2] - b[2])
    return float(b[0] + f * (t[0] - b[0]))


# ----------------------------------------------------------------------------
# Parts
# ----------------------------------------------------------------------------


def dash_profile(spec: CabinSpec) -> list[tuple[float, float]]:
    cx, cz = spec.cowl
    r = spec.dash_rear_x
    t = spec.dash_top_z
    return [
        (spec.firewall_x, cz - 0.01),
        (cx + 0.03, cz - 0.005),
        (r + 0.24, t),
        (r + 0.05, t - 0.005),
        (r + 0.005, t - 0.04),
        (r, t - 0.18),
        (r + 0.10, spec.knee_z),
        (r + 0.30, spec.knee_z - 0.06),
        (spec.firewall_x, spec.knee_z - 0.06),
    ]


def dash_face(spec: CabinSpec) -> list[np.ndarray]:
    """(x, z) of the dashboard's rear face from the wheel hub's height over its top edge to
    the top's highest point (profile points 5, 4, 3, 2 of dash_profile): what shows below
    and in front of the screens that stand on it."""
    p = dash_profile(spec)
    return [np.array(p[k]) for k in (5, 4, 3, 2)]


def strip(profile_xz, y0: float, y1: float, offset: float = 0.005) -> list[list[np.ndarray]]:
    """Quads following an XZ polyline from y0 to y1, moved ``offset`` off the surface the
    polyline traces, to the side facing the cabin (rearwards)."""
    quads = []
    last = len(profile_xz) - 2
    for k, (a, b) in enumerate(zip(profile_xz[:-1], profile_xz[1:])):
        t = _unit(np.subtract(b, a))
        n = np.array([-t[1], t[0]])
        n = -n if n[0] > 0 else n   # rearwards (towards the driver)
        # past inner joints by `offset`: moved off a convex bend, neighbours would leave a wedge open
        a2 = np.add(a, offset * n) - (offset * t if k > 0 else 0.0)
        b2 = np.add(b, offset * n) + (offset * t if k < last else 0.0)
        quads.append([np.array([a2[0], y0, a2[1]]), np.array([b2[0], y0, b2[1]]),
                      np.array([b2[0], y1, b2[1]]), np.array([a2[0], y1, a2[1]])])
    return quads


def glovebox_line(spec: CabinSpec):
    """Segment (upper, lower) in XZ of the dash face carrying the glovebox lid."""
    p = dash_profile(spec)
    return np.array(p[5]), np.array(p[6])


# ----------------------------------------------------------------------------
# USD authoring
# ----------------------------------------------------------------------------


def add_orient(x: UsdGeom.Xformable, rot: np.ndarray) -> None:
    """An orient op of the rotation whose columns are the prim's local axes in the vehicle frame."""
    q = Gf.Matrix3d(*np.asarray(rot).T.flatten().tolist()).ExtractRotation().GetQuat()
    x.AddOrientOp(UsdGeom.XformOp.PrecisionDouble).Set(
        Gf.Quatd(rounded(q.GetReal(), 12), Gf.Vec3d(*[rounded(c, 12) for c in q.GetImaginary()])))


def _vec3(v) -> Gf.Vec3d:
    return Gf.Vec3d(rounded(v[0]), rounded(v[1]), rounded(v[2]))


# Rec. 709 luminance of linear RGB.
LUMA = np.array([0.2126, 0.7152, 0.0722])
# Seat parts that are not the seat's cover.
SEAT_PART_MATERIALS = {"HeadrestPosts": "Chrome"}
# Parts both drives share, authored once under this abstract (class) prim and brought
# to their places by internal references: renderers and Traverse() skip the originals.
PROTOTYPES = "/Cabin/Prototypes"


class Builder:
    def __init__(self, stage: Usd.Stage, spec: CabinSpec, means: dict[str, np.ndarray]):
        self.stage = stage
        self.spec = spec
        self.means = means     # linear means of the texture images (interior.textures.linear_mean)

    def xform(self, path: str, translate=None) -> UsdGeom.Xform:
        x = UsdGeom.Xform.Define(self.stage, path)
        if translate is not None:
            x.AddTranslateOp().Set(_vec3(translate))
        return x

    def mesh(self, path: str, m: MeshData, material: str, label: str, smooth_deg: float = 40.0) -> UsdGeom.Mesh:
        mesh = author_mesh(self.stage, path, m, smooth_deg, MATERIAL_BY_NAME[material].tile_m)
        prim = mesh.GetPrim()
        UsdShade.MaterialBindingAPI.Apply(prim).Bind(
            UsdShade.Material.Get(self.stage, f"/Cabin/Looks/{material}"))
        UsdSemantics.LabelsAPI.Apply(prim, "class").CreateLabelsAttr(Vt.TokenArray([label]))
        return mesh

    def screen_light(self, path: str, centre, e_w, e_up, e_n, width: float, height: float, material: str) -> None:
        """The light a screen throws: a RectLight of the screen's size 1 mm inside its front face
        (screen_slab's, 3 mm thick), emitting along the screen's normal e_n (its local -Z), in the
        picture's mean colour; off here, lit per frame by the scene (docs/cabins.md, Screens)."""
        mean = self.means[MATERIAL_BY_NAME[material].emissive]
        luma = float(np.dot(LUMA, mean))
        light = UsdLux.RectLight.Define(self.stage, path)
        light.AddTranslateOp().Set(_vec3(np.asarray(centre) + 0.002 * np.asarray(e_n)))
        add_orient(light, np.stack([e_w, e_up, -np.asarray(e_n)], axis=1))
        light.CreateWidthAttr(rounded(width))
        light.CreateHeightAttr(rounded(height))
        light.CreateIntensityAttr(0.0)
        light.CreateColorAttr(Gf.Vec3f(*(rounded(c / luma, 4) for c in mean)))
        # A panel a quarter of a metre wide throws penumbrae as wide as the wheel's rim: no
        # point-light shadows (docs/cabins.md, Screens).
        UsdLux.ShadowAPI.Apply(light.GetPrim()).CreateShadowEnableAttr(False)
        prim = light.GetPrim()
        prim.CreateAttribute("cabin_synth:on", Sdf.ValueTypeNames.Bool, custom=True).Set(False)
        prim.CreateAttribute("cabin_synth:picture_luminance", Sdf.ValueTypeNames.Float, custom=True).Set(rounded(luma, 6))
        prim.SetDocumentation(
            "The screen's emission as a light: emits along -Z, Lambertian, in inputs:color (the picture's mean "
            "linear colour over its luminance). cabin_synth:picture_luminance is the picture's mean luminance "
            "relative to full white. Off in the asset; the scene sets inputs:intensity (the screen's mean "
            "luminance, nits), cabin_synth:on, luminous_intensity_cd and radiant_intensity_w_sr (0: no NIR).")

    def zone(self, name: str, snake: str, faces, eye: np.ndarray) -> None:
        """Zone mesh of planar faces, each facing the eye; faces[0] is the zone's glance
        target (GeomSubset ZONE_TARGET), the others extend what counts as the zone."""
        oriented = []
        for corners in faces:
            c = np.asarray(corners, dtype=float)
            nrm = np.cross(c[1] - c[0], c[2] - c[0])
            oriented.append(c[::-1] if np.dot(nrm, eye - c.mean(axis=0)) < 0 else c)  # face the design eye point
        mesh = UsdGeom.Mesh.Define(self.stage, f"/Cabin/Zones/{name}")
        pts = [Gf.Vec3f(rounded(p[0]), rounded(p[1]), rounded(p[2])) for c in oriented for p in c]
        mesh.CreatePointsAttr(Vt.Vec3fArray(pts))
        mesh.CreateFaceVertexCountsAttr(Vt.IntArray([len(c) for c in oriented]))
        mesh.CreateFaceVertexIndicesAttr(Vt.IntArray(list(range(len(pts)))))
        mesh.CreateSubdivisionSchemeAttr(UsdGeom.Tokens.none)
        mesh.CreateDoubleSidedAttr(True)
        mesh.CreateExtentAttr(UsdGeom.Mesh.ComputeExtent(Vt.Vec3fArray(pts)))
        mesh.CreatePurposeAttr(UsdGeom.Tokens.guide)
        prim = mesh.GetPrim()
        UsdSemantics.LabelsAPI.Apply(prim, "zone").CreateLabelsAttr(Vt.TokenArray([snake]))
        prim.CreateAttribute("cabin_synth:zone", Sdf.ValueTypeNames.String, custom=True).Set(snake)
        UsdGeom.Subset.CreateGeomSubset(mesh, ZONE_TARGET, UsdGeom.Tokens.face, Vt.IntArray([0]), ZONE_FAMILY)
        UsdGeom.Subset.SetFamilyType(mesh, ZONE_FAMILY, UsdGeom.Tokens.nonOverlapping)


def build_prototypes(b: Builder) -> None:
    """The front seats' upholstery and the steering wheel, the same in both drives
    (in their own frames: the seat's H-point frame, the wheel's)."""
    spec = b.spec
    b.stage.CreateClassPrim(PROTOTYPES).SetDocumentation(
        "Abstract: parts authored once and referenced by DriverSeat, PassengerSeat and SteeringWheel in each drive.")
    b.xform(f"{PROTOTYPES}/FrontSeat")
    for nm, m in front_seat(spec.back_angle_deg, spec.seat_width, spec.eye_offset).items():
        b.mesh(f"{PROTOTYPES}/FrontSeat/{nm}", m, SEAT_PART_MATERIALS.get(nm, spec.seat_trim), "seat", 30)
    b.xform(f"{PROTOTYPES}/SteeringWheel")
    for nm, (m, material) in wheel_parts(spec.wheel_radius, spec.rim_tube).items():
        b.mesh(f"{PROTOTYPES}/SteeringWheel/{nm}", m, material, "steering_wheel")


def build_common(b: Builder) -> None:
    """Everything that is the same for both drive sides."""
    spec = b.spec
    build_prototypes(b)
    hw = spec.half_width
    cx, cz = spec.cowl
    rz = spec.roof_z

    # --- shell -------------------------------------------------------------
    b.xform("/Cabin/Shell")
    b.mesh("/Cabin/Shell/Floor", box((spec.rear_x - 0.05, -hw - 0.08, -0.03), (spec.firewall_x + 0.04, hw + 0.08, 0.0)),
           "Carpet", "cabin")
    b.mesh("/Cabin/Shell/Firewall",
           box((spec.firewall_x, -hw, -0.03), (spec.firewall_x + 0.04, hw, spec.cowl[1])), "Carpet", "cabin")
    # The trim line of the side: the door trim below the beltline, the side glass above it.
    trim_y = lambda z: hw + 0.03 if z <= spec.beltline_z else side_glass_y(spec, z) - 0.01
    b.mesh("/Cabin/Shell/Headliner", headliner(spec.roof_rear_x - 0.02, spec.header_x + 0.04, spec.roof_half_width + 0.04, rz),
           "Headliner", "cabin", 30)
    build_dome_lamp(b)
    for side, tag in ((1.0, "Left"), (-1.0, "Right")):
        b.mesh(f"/Cabin/Shell/APillar{tag}", a_pillar_trim(*a_pillar_line(spec, side), side), "Headliner", "cabin", 50)
        bx0, bx1 = spec.b_pillar_x
        b.mesh(f"/Cabin/Shell/BPillar{tag}", pillar_trim(bx0, bx1, side, trim_y, (
            (0.0, 0.06, 0.05), (spec.beltline_z, 0.05, 0.065), (rz - 0.10, 0.04, 0.05), (rz + 0.01, 0.035, 0.03))),
            "GreyPlastic", "cabin", 50)
        # Sun visor folded up against the headliner, hinged by the A-pillar.
        pad, mount = sun_visor(spec.header_x - 0.01, side * 0.15, side * (spec.roof_half_width - 0.08), rz)
        b.mesh(f"/Cabin/Shell/SunVisor{tag}", pad, "Headliner", "cabin", 50)
        b.mesh(f"/Cabin/Shell/SunVisor{tag}Mount", mount, "CarbonBlackPlastic", "cabin", 50)
        for dname, x0, x1 in (("Front", bx1, cx - 0.10), ("Rear", spec.rear_hpoint[0] - 0.45, bx0)):
            if spec.rear_style == "bulkhead" and dname == "Rear":
                x0 = spec.rear_x + 0.02
            b.xform(f"/Cabin/Shell/Door{dname}{tag}")
            for nm, (m, material) in door_card(x0, x1, side, hw, spec.beltline_z, dname == "Front", dname == "Front").items():
                b.mesh(f"/Cabin/Shell/Door{dname}{tag}/{nm}", m, material, "cabin", 35)
        # Rear quarter (hatch): a trim panel like a door card behind the rear door, and the
        # C-pillar from the beltline to the roof between the rear side glass and the tailgate.
        if spec.rear_style == "hatch":
            b.xform(f"/Cabin/Shell/CPillar{tag}")
            for nm, (m, material) in door_card(spec.rear_x, spec.rear_hpoint[0] - 0.45, side, hw, spec.beltline_z,
                                               False, False).items():
                b.mesh(f"/Cabin/Shell/CPillar{tag}/Quarter{nm}", m, material, "cabin", 35)
            c_rear, c_front = spec.roof_rear_x - 0.02, spec.rear_hpoint[0] - 0.30
            half = 0.5 * (c_front - c_rear) + 0.01
            b.mesh(f"/Cabin/Shell/CPillar{tag}/Pillar", pillar_trim(c_rear, c_front, side, trim_y, (
                (spec.beltline_z - 0.01, half, 0.04), (rz - 0.10, half, 0.04), (rz + 0.01, half, 0.03))),
                "GreyPlastic", "cabin", 50)
    if spec.rear_style == "hatch":
        shelf_z = spec.beltline_z + 0.04
        b.mesh("/Cabin/Shell/ParcelShelf", box((spec.rear_x, -hw, shelf_z), (spec.rear_hpoint[0] - 0.30, hw, shelf_z + 0.015)),
               "GreyPlastic", "cabin")
        b.mesh("/Cabin/Shell/Tailgate", box((spec.rear_x - 0.05, -hw, 0.0), (spec.rear_x, hw, shelf_z + 0.05)),
               "GreyPlastic", "cabin")
    else:
        b.mesh("/Cabin/Shell/Bulkhead", merge(
            box((spec.rear_x - 0.04, -hw - 0.05, 0.0), (spec.rear_x, hw + 0.05, spec.beltline_z + 0.12)),
            box((spec.rear_x - 0.04, -hw - 0.05, rz - 0.10), (spec.rear_x, hw + 0.05, rz + 0.02)),
            box((spec.rear_x - 0.04, -hw - 0.05, spec.beltline_z + 0.12), (spec.rear_x, -0.45, rz - 0.10)),
            box((spec.rear_x - 0.04, 0.45, spec.beltline_z + 0.12), (spec.rear_x, hw + 0.05, rz - 0.10)),
        ), "GreyPlastic", "cabin")

    # --- glass -------------------------------------------------------------
    b.xform("/Cabin/Glass")
    ws, ws_n = windscreen(spec)
    b.mesh("/Cabin/Glass/Windscreen", extrude(ws, ws_n * 0.005), "Windscreen", "window", smooth_deg=10)
    for side, tag in ((1.0, "Left"), (-1.0, "Right")):
        for pane, outline in zip(("Front", "Rear"), side_glass_outlines(spec)):
            poly = [(x, side * side_glass_y(spec, z), z) for x, z in outline]
            b.mesh(f"/Cabin/Glass/Side{tag}{pane}", extrude(poly, (0, side * 0.005, 0)), "SideGlass", "window", 10)
    if spec.rear_style == "hatch":
        shelf_z = spec.beltline_z + 0.05
        rw = [(spec.rear_x + 0.02, spec.roof_half_width - 0.05, shelf_z), (spec.rear_x + 0.02, -spec.roof_half_width + 0.05, shelf_z),
              (spec.roof_rear_x, -spec.roof_half_width + 0.02, rz), (spec.roof_rear_x, spec.roof_half_width - 0.02, rz)]
        rw_n = _unit(np.cross(np.subtract(rw[1], rw[0]), np.subtract(rw[3], rw[0])))
        if rw_n[0] > 0:
            rw_n = -rw_n
        b.mesh("/Cabin/Glass/RearWindow", extrude(rw, rw_n * 0.005), "SideGlass", "window", 10)
    else:
        b.mesh("/Cabin/Glass/BulkheadWindow",
               box((spec.rear_x - 0.025, -0.45, spec.beltline_z + 0.12), (spec.rear_x - 0.02, 0.45, rz - 0.10)),
               "SideGlass", "window", 10)

    # --- dashboard (symmetric parts) --------------------------------------
    b.xform("/Cabin/Dashboard")
    t = spec.dash_top_z
    for nm, (m, material) in dash_parts(dash_profile(spec), hw, t - 0.135).items():
        b.mesh(f"/Cabin/Dashboard/{nm}", m, material, "cabin", 30)
    r = spec.dash_rear_x
    # vents on the dash's rear face: one at each end, a pair under the infotainment screen
    face_normal = np.array([-1.0, 0.0, 0.0])
    for nm, y, width in (("VentLeft", hw - 0.13, 0.14), ("VentRight", -hw + 0.13, 0.14),
                         ("VentCentreLeft", 0.075, 0.11), ("VentCentreRight", -0.075, 0.11)):
        b.xform(f"/Cabin/Dashboard/{nm}")
        for part, (m, material) in vent((r + 0.001, y, t - 0.085), face_normal, width, 0.055).items():
            b.mesh(f"/Cabin/Dashboard/{nm}/{part}", m, material, "cabin", 35)
    # climate controls on the centre stack below the rear face
    p5, p6 = (np.asarray(p) for p in dash_profile(spec)[5:7])
    slope = _unit(np.array([p6[0] - p5[0], 0.0, p6[1] - p5[1]]))
    stack_n = np.cross(slope, [0.0, 1.0, 0.0])
    stack_n *= -np.sign(stack_n[0])   # facing rearwards, into the cabin
    at = p5 + 0.30 * (p6 - p5)
    for nm, (m, material) in climate_panel((at[0], 0.0, at[1]), (0.0, -1.0, 0.0), -slope, stack_n).items():
        b.mesh(f"/Cabin/Dashboard/{nm}", m, material, "cabin", 35)
    hx, hz = spec.hpoint
    top_points = [(hx - 0.36, hz + 0.04), (hx + 0.10, hz + 0.05), (r - 0.02, hz + 0.06), (r + 0.10, spec.knee_z - 0.02),
                  (r + 0.32, spec.knee_z + 0.02)]
    for nm, (m, material) in console_parts(hx - 0.34, r + 0.30, top_points, 0.10, hx, hz, r - 0.07).items():
        b.mesh(f"/Cabin/Dashboard/{nm}", m, material, "cabin", 30)

    # --- rear seat -----------------------------------------------------------
    b.xform("/Cabin/RearSeat")
    for nm, m in rear_bench(*spec.rear_hpoint, spec.half_width - 0.02, spec.rear_seat_y, spec.eye_offset).items():
        b.mesh(f"/Cabin/RearSeat/{nm}", m, SEAT_PART_MATERIALS.get(nm, "SeatFabric"), "seat", 30)

    # --- exterior mirrors ---------------------------------------------------
    b.xform("/Cabin/Mirrors")
    for side, tag in ((1.0, "Left"), (-1.0, "Right")):
        c = exterior_mirror_centre(spec, side)
        gw, gh = spec.mirror_glass
        housing, glass = mirror_parts(c + np.array([0.004, 0.0, 0.0]), (1, 0, 0), (0, 1, 0), (0, 0, 1),
                                      gw / 2 + 0.015, gh / 2 + 0.015, 0.096)
        inner_y = side * (spec.exterior_lwh_wb[1] / 2 - 0.04)
        arm = pillow(lambda i, s_: rounded_rect(0.06 - 2 * i, 0.04 - 2 * i, 0.012 - i, 3),
                     (c[0] + 0.06, inner_y, c[2] - gh / 2 + 0.02), (1, 0, 0), (0, 0, 1), (0, side, 0),
                     max(abs(c[1] - inner_y) - gw / 2 + 0.02, 0.03), 0.008, 2)   # into the housing
        b.mesh(f"/Cabin/Mirrors/{tag}Housing", merge(housing, arm), "CarbonBlackPlastic", "cabin", 35)
        b.mesh(f"/Cabin/Mirrors/{tag}Glass", glass, "Mirror", "cabin")


def exterior_mirror_centre(spec: CabinSpec, side: float) -> np.ndarray:
    gw, gh = spec.mirror_glass
    x = spec.cowl[0] - 0.14
    y = side * (spec.mirror_span / 2 - 0.015 - gw / 2)
    z = spec.beltline_z + 0.04 + gh / 2
    return np.array([x, y, z])


# Dome/map lamp: a round opal lens on the centre line of the headliner, ahead of
# the driver's eyes (a combined dome and map light unit); docs/cabins.md.
DOME_LAMP_AHEAD_OF_EYES = 0.30
DOME_LENS_RADIUS = 0.035
DOME_LENS_DROP = 0.006      # how far the lens stands below the headliner


def build_dome_lamp(b: Builder) -> None:
    spec = b.spec
    # The light sits 1 mm inside the lens's exposed face: the face itself is not lit by
    # it, and the lens lies behind the light's near plane in its shadow map.
    centre = (spec.hpoint[0] + spec.eye_offset[0] + DOME_LAMP_AHEAD_OF_EYES, 0.0,
              spec.roof_z - DOME_LENS_DROP + 0.001)
    lamp = b.xform("/Cabin/DomeLamp", centre)
    lamp.GetPrim().SetDocumentation(
        "Dome/map lamp: origin = centre of its light, 1 mm inside the lens's exposed (lower) face. "
        "Light is off in the asset; a scene turns it on per frame (docs/cabins.md, docs/sensors.md).")
    b.mesh("/Cabin/DomeLamp/Lens", cylinder(DOME_LENS_RADIUS, -0.001, DOME_LENS_DROP + 0.003, 32),
           "LampLens", "cabin", 30)
    light = UsdLux.DiskLight.Define(b.stage, "/Cabin/DomeLamp/Light")
    light.CreateRadiusAttr(DOME_LENS_RADIUS)
    light.CreateIntensityAttr(0.0)
    light.GetPrim().SetDocumentation(
        "Emits along -Z (down), Lambertian. inputs:intensity is the lens luminance (nits) and "
        "inputs:colorTemperature the lamp's CCT when on; cabin_synth:on, kind, luminous_flux_lm, "
        "luminous_intensity_cd, nir_w_nm_per_lm_850/_940 and radiant_intensity_w_sr (in the NIR camera's band, "
        "at cabin_synth:wavelength_nm) are written by the scene.")
    light.GetPrim().CreateAttribute("cabin_synth:on", Sdf.ValueTypeNames.Bool, custom=True).Set(False)


# The A-pillar camera sits this far above the design eye point, on the trim: high
# enough that its sight line to the face passes above the cluster hood with room
# for the camera's placement jitter (cabin_synth.scene.placement; docs/cabins.md).
A_PILLAR_MOUNT_ABOVE_EYES = 0.12


def rear_view_mirror(spec: CabinSpec, s: float):
    """Returns (centre, yaw_deg, width, height, depth) of the interior mirror housing."""
    z = spec.roof_z - 0.11
    x = windscreen_x(spec, z + 0.04) - 0.06
    return np.array([x, 0.0, z]), s * 10.0, 0.26, 0.07, 0.035


def build_side(b: Builder, s: float) -> Derived:
    """Driver-side-dependent parts; s = +1 lhd (driver at +Y), -1 rhd."""
    spec = b.spec
    d = derive(spec, s)
    r = spec.dash_rear_x

    # --- steering wheel ---------------------------------------------------
    wheel = UsdGeom.Xform.Define(b.stage, "/Cabin/SteeringWheel")
    wheel.AddTranslateOp().Set(_vec3(d.hub))
    add_orient(wheel, np.stack([d.right, d.up, d.axis], axis=1))
    wheel.AddRotateZOp(opSuffix="steer").Set(0.0)
    wheel.GetPrim().SetDocumentation(
        "Origin = hub centre. Local +Z = column axis pointing at the driver, +Y = 12 o'clock, "
        "+X = 3 o'clock as seen by the driver. xformOp:rotateZ:steer is the steering angle in degrees; "
        "positive turns the rim counter-clockwise as seen by the driver (steering left).")
    wheel.GetPrim().GetReferences().AddInternalReference(f"{PROTOTYPES}/SteeringWheel")

    # --- column shroud and stalks (built in the wheel frame, stored in vehicle coordinates) ---
    b.xform("/Cabin/SteeringColumn")
    for nm, (m, material) in column_parts(d.hub, d.right, d.up, d.axis).items():
        b.mesh(f"/Cabin/SteeringColumn/{nm}", m, material, "cabin")
    mount_col = d.hub + (-0.07) * d.axis + 0.115 * d.up

    # --- instrument cluster -------------------------------------------------
    b.xform("/Cabin/Dashboard/Cluster")
    top = spec.dash_top_z
    cl_w, cl_h = 0.27, 0.105
    tilt = math.radians(15.0)  # screen leans back (top forward)
    e_up = np.array([math.sin(tilt), 0.0, math.cos(tilt)])
    e_n = np.array([-math.cos(tilt), 0.0, math.sin(tilt)])  # screen normal towards the driver
    e_w = np.array([0.0, 1.0, 0.0])
    sc_c = np.array([r + 0.085, s * spec.driver_y, top + cl_h / 2 - 0.005])
    hood_z = sc_c[2] + cl_h / 2 + 0.02
    b.mesh("/Cabin/Dashboard/Cluster/Hood", cluster_housing(sc_c, e_w, e_up, e_n, cl_w, cl_h, hood_z), "CarbonBlackPlastic", "cabin")
    b.mesh("/Cabin/Dashboard/Cluster/Screen", screen_slab(sc_c, e_w, e_up, e_n, cl_w, cl_h), "ClusterDisplay", "cabin")
    b.screen_light("/Cabin/Dashboard/Cluster/Light", sc_c, e_w, e_up, e_n, cl_w, cl_h, "ClusterDisplay")
    mount_cluster = sc_c + (cl_h / 2 + 0.008) * e_up + 0.012 * e_n

    # --- infotainment --------------------------------------------------------
    b.xform("/Cabin/Dashboard/Infotainment")
    if_w, if_h = 0.26, 0.15
    it = math.radians(12.0)
    f_up = np.array([math.sin(it), 0.0, math.cos(it)])
    f_n = np.array([-math.cos(it), 0.0, math.sin(it)])
    yaw = math.radians(s * 8.0)  # turned towards the driver
    Rz = rot_z(math.degrees(yaw))
    f_up, f_n, f_w = Rz @ f_up, Rz @ f_n, Rz @ np.array([0.0, 1.0, 0.0])
    if_c = np.array([r + 0.15, s * 0.04, top + if_h / 2 - 0.02])
    b.mesh("/Cabin/Dashboard/Infotainment/Bezel", rounded_bezel(if_c, f_w, f_up, f_n, if_w + 0.024, if_h + 0.024, 0.025),
           "CarbonBlackPlastic", "cabin")
    b.mesh("/Cabin/Dashboard/Infotainment/Screen", screen_slab(if_c, f_w, f_up, f_n, if_w, if_h), "InfotainmentDisplay", "cabin")
    b.screen_light("/Cabin/Dashboard/Infotainment/Light", if_c, f_w, f_up, f_n, if_w, if_h, "InfotainmentDisplay")
    mount_center = np.array([r - 0.012, 0.0, top - 0.12])

    # --- glovebox -------------------------------------------------------------
    g_up, g_lo = glovebox_line(spec)
    gy = -s * (spec.driver_y + 0.02)
    g_dir = _unit(g_lo - g_up)
    g_top = g_up + 0.15 * (g_lo - g_up)
    g_bot = g_up + 0.90 * (g_lo - g_up)
    g_n2 = np.array([-g_dir[1], g_dir[0]])  # rotate (dx,dz) by +90 -> points back/up
    if g_n2[0] > 0:
        g_n2 = -g_n2
    g_n = np.array([g_n2[0], 0.0, g_n2[1]])  # lid normal, pointing rearwards into the cabin
    gw = 0.36
    for nm, (m, material) in glovebox(g_top, g_bot, gy, gw, g_n).items():
        b.mesh(f"/Cabin/Dashboard/{nm}", m, material, "cabin")

    # --- interior mirror -----------------------------------------------------
    mc, myaw, mw, mh, md = rear_view_mirror(spec, s)
    Rm = rot_z(myaw)
    ex_, ey_, ez_ = Rm @ np.array([1.0, 0, 0]), Rm @ np.array([0, 1.0, 0]), np.array([0, 0, 1.0])
    housing, glass = mirror_parts(mc, ex_, ey_, ez_, mw / 2, mh / 2, md)
    stem_top = np.array([windscreen_x(spec, mc[2] + 0.06) - 0.005, 0.0, mc[2] + 0.06])
    stem = rod((mc[0] + md / 2, 0.0, mc[2] + mh / 2 - 0.01), stem_top, 0.011, 12)
    b.mesh("/Cabin/Mirrors/RearViewHousing", merge(housing, stem), "CarbonBlackPlastic", "cabin", 35)
    b.mesh("/Cabin/Mirrors/RearViewGlass", glass, "Mirror", "cabin")
    mount_rvm = mc + np.array([md / 2, 0.0, -mh / 2 - 0.015])

    # --- seats ---------------------------------------------------------------
    for path, hp in (("/Cabin/DriverSeat", d.hpoint), ("/Cabin/PassengerSeat", d.passenger_hpoint)):
        x = b.xform(path, hp)
        x.GetPrim().SetDocumentation("Origin = seat H-point (SAE J1100 SgRP for a mid-track, mid-height seat); "
                                     "translate this prim to move the seat fore-aft / up-down.")
        if path == "/Cabin/DriverSeat":
            for axis, travel in zip(("fore_aft", "height"), spec.seat_track_mm):
                x.GetPrim().CreateAttribute(f"cabin_synth:track_{axis}_mm", Sdf.ValueTypeNames.Float2, custom=True).Set(
                    Gf.Vec2f(-travel / 2, travel / 2))
            x.GetPrim().SetDocumentation(
                x.GetPrim().GetDocumentation() + " cabin_synth:track_fore_aft_mm (+X forward) and "
                "cabin_synth:track_height_mm (+Z up): the seat track's limits, mm from this H-point.")
        x.GetPrim().GetReferences().AddInternalReference(f"{PROTOTYPES}/FrontSeat")
        outboard = s if path == "/Cabin/DriverSeat" else -s
        b.mesh(f"{path}/Frame", seat_frame(spec.seat_width, spec.hpoint[1], outboard), "BlackPlasticNIR", "seat", 30)

    # --- design eye point and mounts ----------------------------------------
    eyep = b.xform("/Cabin/DesignEyePoint", d.eye)
    eyep.GetPrim().SetDocumentation(
        "Midpoint of a 50th-percentile driver's eyes (eyeball rotation centres) with the seat at its H-point; "
        "default origin of the driver's head frame.")
    b.xform("/Cabin/Mounts")
    bot, topa = a_pillar_line(spec, s)
    fz = (d.eye[2] + A_PILLAR_MOUNT_ABOVE_EYES - bot[2]) / (topa[2] - bot[2])
    ap = bot + fz * (topa - bot) + np.array([-0.07, -s * 0.08, -0.01])
    mounts = {
        "SteeringColumn": mount_col,
        "APillar": ap,
        "RearViewMirror": mount_rvm,
        "CenterStack": mount_center,
        "Cluster": mount_cluster,
    }
    for nm, p in mounts.items():
        b.xform(f"/Cabin/Mounts/{nm}", p)

    # --- gaze zones -----------------------------------------------------------
    zones = UsdGeom.Scope.Define(b.stage, "/Cabin/Zones")
    zones.GetPrim().SetDocumentation("Gaze-zone patches (purpose guide); cabin_synth:zone holds the snake_case name.")
    eye = d.eye

    def quad(c, u, v):
        c, u, v = (np.asarray(a, dtype=float) for a in (c, u, v))
        return [c - u - v, c + u - v, c + u + v, c - u + v]

    # Each zone: its glance target first (the object itself), then the faces that
    # extend it over what else a driver looking that way sees (docs/cabins.md).
    # RoadAhead: on the windscreen outer surface in front of the driver; extended to all of the windscreen
    ws, ws_n = windscreen(spec)
    ws_bot = np.array([spec.cowl[0], 0.0, spec.cowl[1]])
    ws_top = np.array([spec.header_x, 0.0, spec.roof_z])
    p_lo = ws_bot + 0.12 * (ws_top - ws_bot) + 0.012 * ws_n
    p_hi = ws_bot + 0.85 * (ws_top - ws_bot) + 0.012 * ws_n
    yl, yr = s * (spec.driver_y + 0.28), s * (spec.driver_y - 0.50)
    road = [p_lo + [0, yr, 0], p_lo + [0, yl, 0], p_hi + [0, yl, 0], p_hi + [0, yr, 0]]
    zone_defs = [("RoadAhead", "road_ahead", [road, [np.add(c, 0.012 * ws_n) for c in ws]])]
    # mirrors
    zone_defs.append(("RearViewMirror", "rear_view_mirror",
                      [quad(mc + ex_ * -0.006, ey_ * (mw / 2 - 0.01), ez_ * (mh / 2 - 0.01))]))
    for side, nm, sn in ((1.0, "LeftMirror", "left_mirror"), (-1.0, "RightMirror", "right_mirror")):
        c = exterior_mirror_centre(spec, side) + np.array([-0.004, 0, 0])
        gw2, gh2 = spec.mirror_glass
        zone_defs.append((nm, sn, [quad(c, (0, gw2 / 2 - 0.01, 0), (0, 0, gh2 / 2 - 0.01))]))
    # cluster and infotainment: the screen with its frame, and the dash face below it down to
    # the wheel hub's height (the binnacle behind the wheel; the centre stack under the screen)
    face = dash_face(spec)
    zone_defs.append(("InstrumentCluster", "instrument_cluster",
                      [quad(sc_c + 0.005 * e_n, e_w * (cl_w / 2 - 0.01), e_up * (cl_h / 2 - 0.01)),
                       # down over the housing's lower edge to the dash (beside and above the screen the
                       # windscreen stays in view past the housing's 1 cm rim: the phone held in view of it)
                       quad(sc_c + 0.005 * e_n - 0.01 * e_up, e_w * (cl_w / 2 - 0.01), e_up * (cl_h / 2)),
                       *strip(face, sc_c[1] - cl_w / 2 - 0.01, sc_c[1] + cl_w / 2 + 0.01)]))
    # the centre stack reaches from the far edge of the screen's frame to the cluster's strip
    stack_far = if_c[1] - s * (if_w / 2 + 0.012) * abs(f_w[1])
    cluster_near = sc_c[1] - s * (cl_w / 2 + 0.01)
    zone_defs.append(("Infotainment", "infotainment",
                      [quad(if_c + 0.005 * f_n, f_w * (if_w / 2 - 0.01), f_up * (if_h / 2 - 0.01)),
                       quad(if_c + 0.005 * f_n, f_w * (if_w / 2 + 0.012), f_up * (if_h / 2 + 0.012)),
                       *strip(face, *sorted((stack_far, cluster_near)))]))
    # windows: 20 mm outside the side glass, level with the eyes; extended to all of the side
    # glass, on its outer face (1 mm off it), so that rays grazing the pane's edges still meet it
    for nm, sn, side in (("DriverWindow", "driver_window", s), ("PassengerWindow", "passenger_window", -s)):
        zc = eye[2] + 0.02
        xc = eye[0] + 0.12
        zz = [zc - 0.14, zc + 0.12]
        pts = []
        for x, z in ((xc - 0.25, zz[0]), (xc + 0.25, zz[0]), (xc + 0.25, zz[1]), (xc - 0.25, zz[1])):
            pts.append((x, side * (side_glass_y(spec, z) + 0.02), z))
        panes = [[(x, side * (side_glass_y(spec, z) + 0.006), z) for x, z in outline]
                 for outline in side_glass_outlines(spec)]
        zone_defs.append((nm, sn, [pts, *panes]))
    # passenger footwell: on the floor in front of the passenger seat
    # (the rear of the footwell hides behind the console and the seat cushion from the eye point);
    # extended over the floor from the seat cushion's front to under the dash, console to door
    pf_c = np.array([r + 0.24, -s * (spec.driver_y + 0.08), 0.003])
    pf_x0, pf_x1 = spec.hpoint[0] + 0.45, r + 0.30
    pf_y = sorted((-s * 0.11, -s * (spec.half_width - 0.01)))
    zone_defs.append(("PassengerFootwell", "passenger_footwell",
                      [quad(pf_c, (0.14, 0, 0), (0, 0.15, 0)),
                       [(pf_x0, pf_y[0], 0.003), (pf_x1, pf_y[0], 0.003), (pf_x1, pf_y[1], 0.003), (pf_x0, pf_y[1], 0.003)]]))
    # glovebox: the lid; extended over the lower dash face on the passenger side, console to door
    gz_c = np.array([0.5 * (g_top[0] + g_bot[0]), gy, 0.5 * (g_top[1] + g_bot[1])]) + 0.011 * g_n
    gl_v = np.array([g_bot[0] - g_top[0], 0.0, g_bot[1] - g_top[1]]) * 0.45
    zone_defs.append(("Glovebox", "glovebox",
                      [quad(gz_c, (0, gw / 2 - 0.02, 0), gl_v),
                       *strip([g_up, g_lo], *sorted((-s * 0.11, -s * (spec.half_width - 0.01))), 0.011)]))
    # lap: horizontal patch over the thighs; extended forward and up to the knees
    hp = d.hpoint
    lap_c = np.array([hp[0] + 0.20, hp[1], hp[2] + 0.12])
    knees = [(hp[0] + 0.05, hp[1] - 0.18, hp[2] + 0.12), (hp[0] + 0.48, hp[1] - 0.18, hp[2] + 0.20),
             (hp[0] + 0.48, hp[1] + 0.18, hp[2] + 0.20), (hp[0] + 0.05, hp[1] + 0.18, hp[2] + 0.12)]
    zone_defs.append(("Lap", "lap", [quad(lap_c, (0.15, 0, 0), (0, 0.16, 0)), knees]))
    pe = np.array([eye[0], -eye[1], eye[2]])
    zone_defs.append(("PassengerFace", "passenger_face", [quad(pe + [0.02, s * 0.07, 0], (0.09, 0, 0), (0, 0, 0.12))]))
    rx, rz = spec.rear_hpoint
    re = np.array([rx + spec.eye_offset[0] + 0.09, -s * spec.rear_seat_y, rz + spec.eye_offset[1]])
    zone_defs.append(("RearPassenger", "rear_passenger", [quad(re, (0, 0.09, 0), (0, 0, 0.12))]))
    # roof: the headliner above the driver; extended to all of the headliner
    roof_c = np.array([eye[0] + 0.10, eye[1], spec.roof_z - 0.004])
    rh = spec.roof_half_width
    zone_defs.append(("Roof", "roof", [quad(roof_c, (0.22, 0, 0), (0, 0.20, 0)),
                                      [(spec.roof_rear_x, -rh, spec.roof_z - 0.004), (spec.header_x, -rh, spec.roof_z - 0.004),
                                       (spec.header_x, rh, spec.roof_z - 0.004), (spec.roof_rear_x, rh, spec.roof_z - 0.004)]]))
    for nm, sn, faces in zone_defs:
        b.zone(nm, sn, faces, eye)
    d.extra["mounts"] = mounts
    return d


ZONE_NAMES: tuple[str, ...] = (
    "RoadAhead", "RearViewMirror", "LeftMirror", "RightMirror", "InstrumentCluster", "Infotainment",
    "DriverWindow", "PassengerWindow", "PassengerFootwell", "Glovebox", "Lap", "PassengerFace",
    "RearPassenger", "Roof",
)
MOUNT_NAMES: tuple[str, ...] = ("SteeringColumn", "APillar", "RearViewMirror", "CenterStack", "Cluster")


def build_stage(spec: CabinSpec, means: dict[str, np.ndarray]) -> Usd.Stage:
    layer = Sdf.Layer.CreateAnonymous(f"{spec.name}.usda")
    stage = Usd.Stage.Open(layer)
    UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.z)
    UsdGeom.SetStageMetersPerUnit(stage, 1.0)
    layer.documentation = (f"cabin-synth cabin '{spec.name}': {spec.vehicle}. Generated by {GENERATOR} "
                           f"(format {FORMAT_VERSION}); do not edit by hand. Vehicle frame: +X forward, +Y left, "
                           f"+Z up, metres, origin at floor height on the centre plane at the wheel hub X.")
    cabin = UsdGeom.Xform.Define(stage, "/Cabin")
    prim = cabin.GetPrim()
    stage.SetDefaultPrim(prim)
    Usd.ModelAPI(prim).SetKind(Kind.Tokens.assembly)
    Usd.ModelAPI(prim).SetAssetName(spec.name)
    L, W, H, WB = spec.exterior_lwh_wb
    prim.SetCustomDataByKey("cabin_synth:vehicle", spec.vehicle)
    prim.SetCustomDataByKey("cabin_synth:exterior_length_m", L)
    prim.SetCustomDataByKey("cabin_synth:exterior_width_m", W)
    prim.SetCustomDataByKey("cabin_synth:exterior_height_m", H)
    prim.SetCustomDataByKey("cabin_synth:wheelbase_m", WB)
    author_materials(stage, means)
    b = Builder(stage, spec, means)
    build_common(b)
    vset = prim.GetVariantSets().AddVariantSet("drive")
    for v in ("lhd", "rhd"):
        vset.AddVariant(v)
    for v, s in (("lhd", 1.0), ("rhd", -1.0)):
        vset.SetVariantSelection(v)
        with vset.GetVariantEditContext():
            build_side(b, s)
    vset.SetVariantSelection("lhd")
    return stage


# Optional trim, loaded through payload arcs from trim/<name>_trim.usda: the door
# panels and everything behind the front seats. No anchor, mount, zone, seat track or
# driver-side part lives there, so a stage opened with Usd.Stage.LoadNone still has
# all a camera or zone layout needs; renderers load everything (docs/cabins.md).
TRIM_FOLDER = "trim"
MATERIAL_BINDING = "material:binding"


def trim_paths(spec: CabinSpec) -> tuple[str, ...]:
    """Payload roots of one cabin: each keeps its path, its content comes from the trim layer."""
    rear = (("Shell/CPillarLeft", "Shell/CPillarRight", "Shell/ParcelShelf", "Shell/Tailgate", "Glass/RearWindow")
            if spec.rear_style == "hatch" else ("Shell/Bulkhead", "Glass/BulkheadWindow"))
    doors = tuple(f"Shell/Door{row}{side}" for row in ("Front", "Rear") for side in ("Left", "Right"))
    return tuple(f"/Cabin/{p}" for p in ("RearSeat", *doors, "Glass/SideLeftRear", "Glass/SideRightRear", *rear))


def trim_file(spec: CabinSpec) -> str:
    """The trim layer's path relative to the cabin's main layer (payload asset paths are anchored there)."""
    return f"./{TRIM_FOLDER}/{spec.name}_trim.usda"


def _without_binding(api_schemas: Sdf.TokenListOp) -> Sdf.TokenListOp:
    return Sdf.TokenListOp.Create(prependedItems=[t for t in api_schemas.prependedItems if t != "MaterialBindingAPI"])


def split_trim(main: Sdf.Layer, spec: CabinSpec) -> Sdf.Layer:
    """Move the trim prims' content from ``main`` into a new trim layer at the same
    paths, and leave in ``main`` a payload arc on each trim root plus the material
    bindings of its meshes: bindings target /Cabin/Looks, which lies outside the
    payloaded prim, where a payload's own relationships cannot point."""
    trim = Sdf.Layer.CreateAnonymous(f"{spec.name}_trim.usda")
    trim.defaultPrim = "Cabin"
    for key in ("upAxis", "metersPerUnit"):
        trim.pseudoRoot.SetInfo(key, main.pseudoRoot.GetInfo(key))
    trim.documentation = (f"Trim of cabin-synth cabin '{spec.name}' (door panels, rear compartment), loaded by "
                          f"payload arcs from ../{spec.name}.usda at the same prim paths. Generated by {GENERATOR} "
                          f"(format {FORMAT_VERSION}); do not edit by hand. Vehicle frame as the cabin's.")
    for root in map(Sdf.Path, trim_paths(spec)):
        for ancestor in root.GetParentPath().GetPrefixes():
            parent = Sdf.CreatePrimInLayer(trim, ancestor)
            parent.specifier, parent.typeName = Sdf.SpecifierDef, "Xform"
        Sdf.CopySpec(main, root, trim, root)
        stack = [main.GetPrimAtPath(root)]
        while stack:
            here = stack.pop()
            stack += list(here.nameChildren)
            there = trim.GetPrimAtPath(here.path)
            if MATERIAL_BINDING in there.relationships:
                there.RemoveProperty(there.relationships[MATERIAL_BINDING])
                there.SetInfo("apiSchemas", _without_binding(there.GetInfo("apiSchemas")))
                here.SetInfo("apiSchemas", Sdf.TokenListOp.Create(prependedItems=["MaterialBindingAPI"]))
            else:
                here.ClearInfo("apiSchemas")
            for prop in list(here.properties):
                if prop.name != MATERIAL_BINDING:
                    here.RemoveProperty(prop)
            here.ClearInfo("typeName")
            if here.path != root:
                here.specifier = Sdf.SpecifierOver
        main.GetPrimAtPath(root).payloadList.Prepend(Sdf.Payload(trim_file(spec), root))
    return trim


def usda_texts(spec: CabinSpec, means: dict[str, np.ndarray]) -> tuple[str, str]:
    """(main layer, trim layer) of one cabin whose texture images have linear means ``means``."""
    main = build_stage(spec, means).GetRootLayer()
    trim = split_trim(main, spec)
    return main.ExportToString(), trim.ExportToString()


def write_assets(out_root: str | os.PathLike, names: tuple[str, ...] | None = None) -> list[pathlib.Path]:
    """Write ``<out_root>/cabins/<name>.usda`` and ``<out_root>/cabins/trim/<name>_trim.usda``
    for every (or the named) cabin, and the texture images all cabins share,
    ``<out_root>/cabins/textures/<image>.png``."""
    folder = pathlib.Path(out_root) / "cabins"
    names = names or tuple(SPECS)
    images = cabin_images()
    means = {n: linear_mean(n, px) for n, px in images.items()}
    texts = {n: usda_texts(SPECS[n], means) for n in names}
    return (write_usda(folder, texts, lambda t: t[0])
            + write_usda(folder / TRIM_FOLDER, {f"{n}_trim": t for n, t in texts.items()}, lambda t: t[1])
            + write_pngs(folder / TEXTURE_FOLDER, images))


def main(argv: list[str] | None = None) -> int:
    return generator_main(argv, module=__name__, description=__doc__.splitlines()[0], subfolder="cabins",
                          specs=SPECS, write=write_assets)


if __name__ == "__main__":
    sys.exit(main())
