"""The world outside in the USD stage: the sky dome's texture and the world's meshes.

/World/Outside (class "exterior") holds pools of low-poly meshes composed once
(road, markings, pavements, ground, barrier, buildings, trees, street lamps,
vehicles, tunnel), each frame placing, showing or hiding them from a
cabin_synth.scene.world.WorldLayout. /World/Lights/Sky is a UsdLux DomeLight
whose `inputs:texture:file` is a lat-long OpenEXR file of the sky
(cabin_synth.scene.sky) with `inputs:intensity` the diffuse illuminance it
stands for; a second file, `cabin_synth:nir_texture_file`, holds its NIR
radiance in the camera's band with `cabin_synth:nir_intensity`. Files are named
by a hash of what they hold and written once into the scene's texture folder
(inside the dataset's output folder); docs/sensors.md, The world outside.
"""

import hashlib
import os
from pathlib import Path

import numpy as np
from pxr import Kind, Sdf, Usd, UsdGeom, UsdLux, UsdShade, Vt

from ..assets.meshes import MeshData, box
from ..dataset.writer import tmp_name
from . import sky, world
from .materials import Material

# name: (linear RGB albedo, NIR reflectance at 850 nm, at 940 nm). Vegetation reflects
# strongly beyond its red edge (about 700 nm: leaves 0.4-0.5 in the NIR, Gates et al.
# 1965; Jacquemoud and Baret's PROSPECT); asphalt is dark and flat, concrete about 0.3-0.4;
# carbon-black paints and tyres stay black in the NIR while most coloured paints and
# bricks reflect it (their pigments are NIR-transparent or reflective, docs/sensors.md).
SURFACES = {
    "asphalt": ((0.065, 0.065, 0.065), 0.11, 0.12),
    "paint": ((0.60, 0.60, 0.56), 0.62, 0.60),
    "concrete": ((0.30, 0.29, 0.27), 0.38, 0.39),
    "grass": ((0.05, 0.10, 0.03), 0.45, 0.42),
    "foliage": ((0.035, 0.075, 0.025), 0.47, 0.44),
    "bark": ((0.08, 0.06, 0.045), 0.26, 0.29),
    "window_glass": ((0.035, 0.045, 0.05), 0.05, 0.05),
    "metal": ((0.25, 0.25, 0.25), 0.30, 0.31),
    "rubber": ((0.02, 0.02, 0.022), 0.04, 0.04),
    "tunnel_wall": ((0.42, 0.42, 0.40), 0.50, 0.50),
}
FACADES = (((0.25, 0.09, 0.06), 0.45, 0.47), ((0.50, 0.46, 0.38), 0.56, 0.57),
           ((0.28, 0.28, 0.27), 0.37, 0.38), ((0.09, 0.09, 0.10), 0.18, 0.19))     # brick, render, concrete, cladding
PAINTS = (((0.70, 0.70, 0.68), 0.70, 0.70), ((0.33, 0.34, 0.35), 0.45, 0.46), ((0.02, 0.02, 0.02), 0.05, 0.05),
          ((0.42, 0.03, 0.03), 0.55, 0.56), ((0.03, 0.06, 0.22), 0.30, 0.32), ((0.11, 0.11, 0.12), 0.25, 0.26))
FOLIAGE = (SURFACES["foliage"], ((0.05, 0.08, 0.02), 0.43, 0.41))
MARKING_QUADS = 160


def _material(spec) -> Material:
    rgb, r850, r940 = spec
    return Material(tuple(rgb), r850, r940)


def flat_mesh(m: MeshData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(points, normals, triangles) with every face's own vertices and its normal: the
    world's blocks are faceted, and renderers read vertex normals (render/view.py)."""
    pts, nrm, tris = [], [], []
    for f in m.faces:
        p = m.points[list(f)]
        n = np.cross(p[1] - p[0], p[2] - p[0])
        n /= max(np.linalg.norm(n), 1e-12)
        base = len(pts)
        pts.extend(p)
        nrm.extend([n] * len(f))
        tris.extend((base, base + k, base + k + 1) for k in range(1, len(f) - 1))
    return np.asarray(pts, float), np.asarray(nrm, float), np.asarray(tris, np.int32)


def write_exr(path: Path, pixels: np.ndarray) -> None:
    """Half-float, ZIP-compressed OpenEXR ('RGB' or 'Y'), written under a temporary
    name and renamed, so a reader never sees half a file."""
    import OpenEXR

    channels = {"RGB" if pixels.ndim == 3 else "Y": np.ascontiguousarray(pixels, np.float16)}
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
    tmp = tmp_name(path)
    with OpenEXR.File(header, channels) as f:
        f.write(str(tmp))
    os.replace(tmp, path)


def holds(path: Path, pixels: np.ndarray) -> bool:
    """Whether OpenEXR file `path` exists and holds `pixels` (as write_exr stores them)."""
    if not path.is_file():
        return False
    try:
        stored = read_exr(str(path))
    except Exception:   # OpenEXR raises plain exceptions for unreadable files
        return False
    return stored.shape == pixels.shape and np.array_equal(stored, np.float16(pixels).astype(np.float32))


def read_exr(path: str) -> np.ndarray:
    import OpenEXR

    with OpenEXR.File(path) as f:
        channels = f.channels()
        name = "RGB" if "RGB" in channels else "Y"
        return np.asarray(channels[name].pixels, np.float32)


# The dome's lat-long frame is Y-up (UsdLux DomeLight, OpenEXR): its (x, y, z) is the
# pattern frame's (y, z, x) (sky.texel_directions, Z up, longitude from +X).
PATTERN_TO_DOME = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])


class OutsideStage:
    """Composes /World/Outside and the sky dome once; `update` writes a frame's world."""

    def __init__(self, stage: Usd.Stage, texture_dir: Path):
        from .stage import set_semantic, usd_matrix, write_material

        self.stage, self.texture_dir = stage, Path(texture_dir)
        self._usd_matrix, self._write_material = usd_matrix, write_material
        self.root = root = UsdGeom.Xform.Define(stage, "/World/Outside").GetPrim()
        Usd.ModelAPI(root).SetKind(Kind.Tokens.group)
        set_semantic(root, "class", "exterior")
        for name, spec in SURFACES.items():
            write_material(stage, self._look(name), _material(spec))
        self._ops: dict[str, tuple[UsdGeom.Xform, UsdGeom.XformOp]] = {}
        big = world.GROUND_HALF_M
        self._object("Ground", [("Surface", box((-big, -big, -0.05), (big, big, -0.02)), "Ground")])
        self._object("Road", [("Surface", box((-world.ROAD_HALF_LENGTH_M, -0.5, -0.01), (world.ROAD_HALF_LENGTH_M, 0.5, 0.0)),
                                           "asphalt")])
        # unit squares facing up: the topology and normals every frame's markings keep
        squares = np.array([[(k, 0, 0), (k + 1, 0, 0), (k + 1, 1, 0), (k, 1, 0)] for k in range(MARKING_QUADS)], float)
        self._object("Markings", [("Paint", MeshData(squares.reshape(-1, 3),
                                                      [tuple(range(4 * k, 4 * k + 4)) for k in range(MARKING_QUADS)]), "paint")])
        for side in ("Left", "Right"):
            self._object(f"Roadside{side}", [("Surface", box((-world.ROAD_HALF_LENGTH_M, 0.0, -0.01),
                                                              (world.ROAD_HALF_LENGTH_M, 1.0, 1.0)), f"Roadside{side}")])
        self._object("Barrier", [("Rail", box((-world.ROAD_HALF_LENGTH_M, -0.3, 0.0), (world.ROAD_HALF_LENGTH_M, 0.3, 0.8)),
                                  "concrete")])
        walls, windows = world.building_template()
        for k in range(world.BUILDINGS):
            self._object(f"Building{k:02d}", [("Walls", walls, f"Facade{k:02d}"), ("Windows", windows, "window_glass")])
        trunk, crown = world.tree_template()
        for k in range(world.TREES):
            self._object(f"Tree{k:02d}", [("Trunk", trunk, "bark"), ("Crown", crown, f"Foliage{k % len(FOLIAGE)}")])
        pole, head = world.lamp_template()
        for k in range(world.LAMPS):
            self._object(f"Lamp{k:02d}", [("Pole", pole, "metal"), ("Luminaire", head, "Luminaire")])
        body, glass, wheels = world.vehicle_template()
        for k in range(world.VEHICLES):
            self._object(f"Vehicle{k:02d}", [("Body", body, f"Paint{k:02d}"), ("Glass", glass, "window_glass"),
                                              ("Wheels", wheels, "rubber")])
        shell, strips = world.tunnel_template()
        self._object("Tunnel", [("Shell", shell, "tunnel_wall"), ("Lamps", strips, "Luminaire")])
        for k, spec in enumerate(FOLIAGE):
            write_material(stage, self._look(f"Foliage{k}"), _material(spec))
        self._markings = UsdGeom.Mesh(stage.GetPrimAtPath("/World/Outside/Markings/Paint"))
        self.road_lights = stage.DefinePrim("/World/Outside/RoadLights")
        self.sky = UsdLux.DomeLight.Define(stage, "/World/Lights/Sky")
        self.sky.CreateTextureFormatAttr(UsdLux.Tokens.latlong)
        self._sky_xform = self.sky.AddTransformOp()
        self._written: set[str] = set()
        self._looks: dict[str, Material] = {}

    def _set_look(self, name: str, material: Material) -> None:
        """Author a per-frame material only when it changes (USD authoring costs per frame)."""
        if self._looks.get(name) != material:
            self._write_material(self.stage, self._look(name), material)
            self._looks[name] = material

    @staticmethod
    def _look(name: str) -> str:
        return f"/World/Outside/Looks/{name[0].upper() + name[1:].replace('_', '')}"

    def _object(self, name: str, parts: list[tuple[str, MeshData, str]]) -> None:
        xform = UsdGeom.Xform.Define(self.stage, f"/World/Outside/{name}")
        for part, m, look in parts:
            pts, nrm, tris = flat_mesh(m)
            mesh = UsdGeom.Mesh.Define(self.stage, f"/World/Outside/{name}/{part}")
            mesh.CreatePointsAttr(Vt.Vec3fArray.FromNumpy(pts.astype(np.float32)))
            mesh.CreateNormalsAttr(Vt.Vec3fArray.FromNumpy(nrm.astype(np.float32)))
            mesh.SetNormalsInterpolation(UsdGeom.Tokens.vertex)
            mesh.CreateFaceVertexCountsAttr(Vt.IntArray([3] * len(tris)))
            mesh.CreateFaceVertexIndicesAttr(Vt.IntArray.FromNumpy(tris.ravel()))
            mesh.CreateSubdivisionSchemeAttr(UsdGeom.Tokens.none)
            material = UsdShade.Material.Define(self.stage, self._look(look))
            UsdShade.MaterialBindingAPI.Apply(mesh.GetPrim()).Bind(material)
        self._ops[name] = (xform, xform.AddTransformOp())

    def _place(self, name: str, matrix: np.ndarray | None) -> None:
        xform, op = self._ops[name]
        if matrix is None:
            xform.MakeInvisible()
            return
        op.Set(self._usd_matrix(matrix[:3, :3], matrix[:3, 3]))
        xform.MakeVisible()

    def update(self, layout: world.WorldLayout, lamp_luminance: np.ndarray, lamp_nir: float) -> None:
        """Place the frame's world; lamp_luminance: (3,) RGB luminance of a lit luminaire's
        diffuser (zeros when the road lights are off), lamp_nir its NIR radiance."""
        z = layout.ground_z
        right, left = layout.road
        ground = "grass" if layout.setting in ("rural", "highway", "suburban") else "concrete"
        self._set_look("Ground", _material(SURFACES[ground]))
        self._place("Ground", world.transform(0.0, 0.0, z))
        self._place("Road", world.transform(0.0, (right + left) / 2, z, scale=(1.0, left - right, 1.0)))
        quads = np.zeros((MARKING_QUADS, 4, 3))
        quads[:len(layout.markings)] = layout.markings[:MARKING_QUADS]
        quads[len(layout.markings):] = (0.0, 0.0, z)
        self._markings.GetPointsAttr().Set(Vt.Vec3fArray.FromNumpy(quads.reshape(-1, 3).astype(np.float32)))
        self._place("Markings", np.eye(4))
        for side, edge, sign in (("Left", left, 1.0), ("Right", right, -1.0)):
            raised = layout.pavement > 0
            self._set_look(f"Roadside{side}", _material(SURFACES["concrete" if raised else "grass"]))
            width = layout.pavement if raised else 3.0
            # the template spans Y 0..1 and Z -0.01..1: a kerb-high strip on the road's edge
            M = world.transform(0.0, edge, z, 0.0 if sign > 0 else np.pi, (1.0, width, world.KERB_M if raised else 0.01))
            self._place(f"Roadside{side}", None if layout.setting == "tunnel" else M)
        self._place("Barrier", None if layout.barrier is None else world.transform(0.0, layout.barrier, z))
        self._pool("Building", world.BUILDINGS, layout.buildings, "Facade", FACADES)
        self._pool("Tree", world.TREES, layout.trees)
        self._pool("Lamp", world.LAMPS, layout.lamps)
        self._pool("Vehicle", world.VEHICLES, layout.vehicles, "Paint", PAINTS)
        self._place("Tunnel", layout.tunnel)
        self._set_look("Luminaire", Material(
            (0.6, 0.6, 0.6), 0.6, 0.6, emission_rgb=tuple(float(c) for c in lamp_luminance), emission_nir=float(lamp_nir)))

    def _pool(self, kind: str, size: int, placed: tuple[world.Placed, ...], look: str | None = None,
              palette: tuple = ()) -> None:
        at = {p.index: p for p in placed}
        for k in range(size):
            p = at.get(k)
            self._place(f"{kind}{k:02d}", None if p is None else p.matrix)
            if p is not None and look:
                self._set_look(f"{look}{k:02d}", _material(palette[p.palette]))

    def update_sky(self, state: sky.SkyState, sun_azimuth_deg: float, diffuse_lux: float,
                   nir_per_lux: float, wavelength_nm: int) -> None:
        """Point the dome's texture at the frame's sky (written on first use) and turn its
        pattern frame about Z so that its sun stands at the frame's azimuth."""
        key = state.key()
        rgb, nir = sky.dome_radiance(key)
        digest = hashlib.sha256(repr(key).encode()).hexdigest()[:16]
        self.texture_dir.mkdir(parents=True, exist_ok=True)
        rgb_path, nir_path = self.texture_dir / f"sky_{digest}.exr", self.texture_dir / f"sky_{digest}_nir.exr"
        if digest not in self._written:
            for path, pixels in ((rgb_path, rgb), (nir_path, nir)):
                if not holds(path, pixels):   # absent, or damaged in the output since
                    write_exr(path, pixels)
            self._written.add(digest)
        a = np.radians(sun_azimuth_deg)
        Rz = np.array([[np.cos(a), -np.sin(a), 0.0], [np.sin(a), np.cos(a), 0.0], [0.0, 0.0, 1.0]])
        self._sky_xform.Set(self._usd_matrix(Rz @ PATTERN_TO_DOME.T, np.zeros(3)))
        self.sky.CreateTextureFileAttr().Set(Sdf.AssetPath(str(rgb_path)))
        self.sky.CreateIntensityAttr().Set(float(diffuse_lux))
        prim = self.sky.GetPrim()
        prim.CreateAttribute("cabin_synth:nir_texture_file", Sdf.ValueTypeNames.Asset).Set(Sdf.AssetPath(str(nir_path)))
        prim.CreateAttribute("cabin_synth:nir_intensity", Sdf.ValueTypeNames.Float).Set(float(diffuse_lux * nir_per_lux))
        prim.CreateAttribute("cabin_synth:wavelength_nm", Sdf.ValueTypeNames.Int).Set(int(wavelength_nm))
