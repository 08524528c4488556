"""Read a composed USD stage into plain arrays a renderer can draw.

This is the only place renderers learn about the scene: geometry, semantics,
materials, lights and camera all come from the stage, as an Omniverse renderer
would see them. Topology is cached per prim (it is fixed per scene); what a
frame reads of a mesh (points, transforms, normals, material, textures) is kept
until an edit of the stage reaches the mesh, its ancestors or its material
(StageReader's change tracking), so a frame pays only for what it changed.
"""

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np
from pxr import Sdf, Tf, Usd, UsdGeom, UsdLux, UsdSemantics, UsdShade

from ..errors import UserError
from ..scene.cabin import fan_triangles
from ..scene.camera import R_USDCAM_CV, Camera
from ..scene.lamps import LAMBERT_EXPONENT, blackbody_rgb
from ..scene.materials import Material
from ..scene.textures import nir_input
from .textures import OUTPUTS, SUPPORTED_WRAPS, WRAP_DEFAULT, MipImage, TextureBinding, load, tangent_frames
from .specular import FIBRE_PRIMVAR

# Material inputs a texture may feed, as Instance.textures names them: "nir" is the
# NIR reflectance at the view's band (cabin_synth.scene.textures); "opacity" only as a
# cut-out (with an opacityThreshold above 0).
TEXTURED_INPUTS = ("diffuseColor", "roughness", "normal", "emissiveColor", "nir", "opacity")
SKY_PRIM = "/World/Lights/Sky"
# NIR reflectance of a material that authors none (cabin_synth:nir_reflectance_<band>).
DEFAULT_NIR_REFLECTANCE = 0.3


@dataclass(frozen=True)
class Instance:
    id: int                # value in the instance-id image (0 = nothing)
    prim: str              # USD prim path
    semantic: str          # class name (cabin_synth.labels.semantics)
    material: Material     # untextured values; a textured input's value is its texture's mean
    # Textured inputs (TEXTURED_INPUTS) -> their texture, read from the material's UsdUVTexture shaders.
    textures: Mapping[str, TextureBinding] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def cutout(self) -> TextureBinding | None:
        """The opacity texture of an alpha-tested cut-out (material.opacity_threshold), or None."""
        return self.textures.get("opacity")


@dataclass(frozen=True)
class Illuminator:
    position: np.ndarray    # (3,) vehicle frame
    axis: np.ndarray        # (3,) unit, beam axis
    w_sr: float             # on-axis radiant intensity, W/sr
    exponent: float         # cos^m beam exponent (UsdLux shaping:focus)


@dataclass(frozen=True)
class Lamp:
    """A cabin lamp (dome/map light) or a lit screen: a point source with a cos^m beam in RGB and NIR."""
    position: np.ndarray    # (3,) vehicle frame
    axis: np.ndarray        # (3,) unit, beam axis
    rgb_cd: np.ndarray      # (3,) on-axis luminous intensity per linear sRGB channel, cd
    nir_w_sr: float         # on-axis radiant intensity in the NIR camera's band, W/sr
    exponent: float         # cos^m beam exponent (1: Lambertian)
    shadows: bool = True    # UsdLux shadow:enable (a screen, a broad source, casts none: docs/cabins.md)


@dataclass(frozen=True)
class Dome:
    """The sky dome (UsdLux DomeLight) as the renderers look it up: by direction
    (render.textures.sample_latlong, gl.py's sky pass). Its files are decoded and cached
    as every texture is (render.textures.load); the intensities scale them."""
    rgb: MipImage           # lat-long radiance per unit of rgb_scale, linear RGB
    nir: MipImage           # lat-long NIR band radiance per unit of nir_scale (grey)
    to_dome: np.ndarray     # (3, 3) vehicle-frame direction -> the dome's lat-long frame (Y up, OpenEXR layout)
    id: int                 # its instance id
    rgb_scale: float        # the DomeLight's intensity times 2^exposure
    nir_scale: float        # its cabin_synth:nir_intensity, W/m^2/sr per unit of the NIR file


@dataclass(frozen=True)
class Outdoors:
    """The light on the world's surfaces outside the glass (zero sun and sky in a tunnel)."""
    sun_lux: float
    sky_lux: float
    sun_nir_w_m2: float
    sky_nir_w_m2: float
    road_rgb_lux: np.ndarray   # (3,) road lights' illuminance per linear RGB channel
    road_nir_w_m2: float
    open_air: float = 1.0      # 0 in a tunnel: the sky lights nothing, though its portals show it


@dataclass(frozen=True)
class SceneView:
    positions: np.ndarray      # (V,3) float32, vehicle frame
    normals: np.ndarray        # (V,3) float32, unit
    instance_ids: np.ndarray   # (V,) int32, per vertex (constant over each mesh)
    triangles: np.ndarray      # (T,3) int32 into positions
    instances: tuple[Instance, ...]  # instances[i].id == i + 1
    camera: Camera
    sun_direction: np.ndarray  # (3,) unit, towards the sun
    sun_lux: float
    sky_lux: float
    sun_nir_w_m2: float
    sky_nir_w_m2: float
    illuminators: tuple[Illuminator, ...]
    wavelength_nm: int
    lamps: tuple[Lamp, ...] = ()   # lit cabin lamps only
    # (V,) float32 ambient occlusion of the sky per vertex (the skin's and eyes', docs/driver.md,
    # Skin; zero elsewhere), or None when no mesh carries any
    occlusion: np.ndarray | None = None
    # (V, 3) float32 unit hair fibre directions, root to tip, vehicle frame (zero rows: no hair), or None
    fibres: np.ndarray | None = None
    # (V, 2) float32 texture coordinates st of textured meshes (zero elsewhere), or None when no
    # material is textured; (V, 4) float32 tangents of st (render.textures.tangent_frames) of
    # meshes with a normal map (zero elsewhere), or None.
    uv: np.ndarray | None = None
    tangents: np.ndarray | None = None
    sky_rgb: tuple[float, float, float] = (1.0, 1.0, 1.0)   # colour of the in-cabin diffuse light (sky and road lights), unit luminance
    dome: Dome | None = None           # what the rays that meet no surface see
    outdoors: Outdoors | None = None   # light on the world outside (instances of class exterior)


def _triangulate(counts: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Fan-triangulate polygons given USD's faceVertexCounts/faceVertexIndices."""
    return fan_triangles(counts, indices)[0].astype(indices.dtype)


def vertex_normals(points: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """Area-weighted smooth normals for meshes that author none."""
    n = np.cross(points[tris[:, 1]] - points[tris[:, 0]], points[tris[:, 2]] - points[tris[:, 0]])
    acc = np.zeros_like(points)
    for k in range(3):
        np.add.at(acc, tris[:, k], n)
    return acc / np.maximum(np.linalg.norm(acc, axis=1, keepdims=True), 1e-12)


def _binding(inp: UsdShade.Input) -> TextureBinding:
    """The UsdUVTexture an input connects to, resolved (files, wraps, st primvar)."""
    source, output, _ = inp.GetConnectedSource()
    shader = UsdShade.Shader(source.GetPrim())
    where = f"{inp.GetAttr().GetPath()}"
    if shader.GetShaderId() != "UsdUVTexture":
        raise UserError(f"{where} connects to a {shader.GetShaderId()} shader; the embedded renderer reads "
                        "UsdUVTexture shaders only")
    if output not in OUTPUTS:
        raise UserError(f"{where} reads output '{output}' of its texture; expected one of {sorted(OUTPUTS)}")
    value = lambda name, default: v if (i := shader.GetInput(name)) and (v := i.Get()) is not None else default
    asset = value("file", None)
    if asset is None or not asset.resolvedPath:
        raise UserError(f"the texture file of {shader.GetPath()} does not resolve to a file",
                        file=asset.path if asset is not None else None)
    wrap = tuple(str(value(k, "useMetadata")) for k in ("wrapS", "wrapT"))
    wrap = tuple(WRAP_DEFAULT if w == "useMetadata" else w for w in wrap)
    if any(w not in SUPPORTED_WRAPS for w in wrap) or ("black" in wrap and len(set(wrap)) > 1):
        raise UserError(f"wrapS/wrapT {wrap} of {shader.GetPath()}: the embedded renderer takes repeat or clamp "
                        "on each axis, or black on both")
    st = shader.GetInput("st")
    varname = "st"
    if st and st.HasConnectedSource():
        reader = UsdShade.Shader(st.GetConnectedSource()[0].GetPrim())
        varname = str(reader.GetInput("varname").Get() or "st") if reader.GetInput("varname") else "st"
    return TextureBinding(
        load(asset.resolvedPath, str(value("sourceColorSpace", "auto")), str(shader.GetPath())),
        OUTPUTS[output], tuple(float(v) for v in value("scale", (1.0,) * 4)),
        tuple(float(v) for v in value("bias", (0.0,) * 4)), wrap, varname)


def _textures(prim: Usd.Prim, wavelength_nm: int) -> Mapping[str, TextureBinding]:
    """The textured inputs (TEXTURED_INPUTS) of a mesh's bound material."""
    _, shader = _surface(prim)
    out = {}
    if not shader:
        return MappingProxyType(out)
    for key in TEXTURED_INPUTS:
        inp = shader.GetInput(nir_input(wavelength_nm) if key == "nir" else key)
        if inp and inp.HasConnectedSource():
            out[key] = _binding(inp)
    if len({b.st for b in out.values()}) > 1:
        raise UserError(f"the textures of {shader.GetPath()} read different st primvars; one per material")
    threshold = shader.GetInput("opacityThreshold")
    if "opacity" in out and not (threshold and (threshold.Get() or 0.0) > 0.0):
        raise UserError(f"{shader.GetPath()} has a textured opacity without an opacityThreshold above 0; the "
                        "embedded renderer reads a textured opacity as a cut-out only (set opacityThreshold, "
                        "for example 0.5)")
    return MappingProxyType(out)


def _surface(prim: Usd.Prim) -> tuple[UsdShade.Material | None, UsdShade.Shader | None]:
    """The bound material of a mesh and its surface shader (None, None: no material)."""
    bound, _ = UsdShade.MaterialBindingAPI(prim).ComputeBoundMaterial()
    return (bound, bound.ComputeSurfaceSource()[0]) if bound else (None, None)


def _material(prim: Usd.Prim) -> Material:
    bound, shader = _surface(prim)
    if not bound:
        return Material((0.18, 0.18, 0.18), 0.3, 0.3)
    color = shader.GetInput("diffuseColor").Get() if shader and shader.GetInput("diffuseColor") else (0.18,) * 3
    opacity = shader.GetInput("opacity").Get() if shader and shader.GetInput("opacity") else 1.0
    ior = shader.GetInput("ior").Get() if shader and shader.GetInput("ior") else None
    mprim = bound.GetPrim()
    custom = lambda name, default: float(v) if (v := mprim.GetAttribute(f"cabin_synth:{name}").Get()) is not None else default
    opacity = float(opacity if opacity is not None else 1.0)
    # A see-through surface without authored transmittances passes what it does not cover.
    clear = 1.0 - opacity
    emissive = shader.GetInput("emissiveColor").Get() if shader and shader.GetInput("emissiveColor") else None
    fibre = custom("hair_fibre", 0.0) > 0.5
    # Only an opaque surface with an authored index has a glossy lobe (materials.Material.glossy);
    # hair's sheen is its fibres' (cabin_synth.render.specular).
    rough = shader.GetInput("roughness").Get() if ior and opacity >= 1.0 and not fibre and shader.GetInput("roughness") else None
    threshold = shader.GetInput("opacityThreshold").Get() if shader and shader.GetInput("opacityThreshold") else None
    return Material(tuple(float(c) for c in color), custom("nir_reflectance_850", DEFAULT_NIR_REFLECTANCE),
                    custom("nir_reflectance_940", DEFAULT_NIR_REFLECTANCE),
                    opacity, custom("visible_transmittance", clear), custom("nir_transmittance_850", clear),
                    custom("nir_transmittance_940", clear), float(ior or 0.0), custom("retroreflectance", 0.0),
                    tuple(float(c) for c in emissive) if emissive is not None else (0.0, 0.0, 0.0),
                    custom("emissive_nir_w_m2_sr", 0.0), float(rough) ** 2 if rough is not None else 0.0, fibre,
                    float(threshold or 0.0))


@dataclass(frozen=True)
class _Corners:
    """A mesh's vertices as the renderer draws them: one per distinct (point, st) pair."""
    points: np.ndarray      # (K,) the point each vertex is
    triangles: np.ndarray   # (T, 3) into the K vertices
    st: np.ndarray          # (K, 2) float32


def _corners(mesh: UsdGeom.Mesh, name: str, triangles: np.ndarray) -> _Corners:
    """Texture coordinates of a mesh from its primvar `name`; a faceVarying primvar splits
    the points where their corners differ (seams), so each vertex has one st."""
    primvar = UsdGeom.PrimvarsAPI(mesh).GetPrimvar(name)
    values = primvar.Get() if primvar else None
    if values is None:
        raise UserError(f"{mesh.GetPath()} has a textured material but no texture coordinates "
                        f"(primvars:{name}, float2[] or texCoord2f[])")
    st = np.asarray(values, np.float32).reshape(-1, 2)
    st_ids = np.asarray(primvar.GetIndices() or np.arange(len(st)), np.int64) if primvar.IsIndexed() \
        else np.arange(len(st))
    interpolation = primvar.GetInterpolation()
    n_points = len(mesh.GetPointsAttr().Get())
    if interpolation in (UsdGeom.Tokens.vertex, UsdGeom.Tokens.varying) and len(st_ids) == n_points:
        return _Corners(np.arange(n_points), triangles, st[st_ids])
    counts = np.asarray(mesh.GetFaceVertexCountsAttr().Get(), np.int32)
    indices = np.asarray(mesh.GetFaceVertexIndicesAttr().Get(), np.int64)
    if interpolation != UsdGeom.Tokens.faceVarying or len(st_ids) != len(indices):
        raise UserError(f"primvars:{name} of {mesh.GetPath()} is {interpolation} with {len(st_ids)} values; "
                        f"expected vertex ({n_points}) or faceVarying ({len(indices)})")
    corner = np.column_stack([indices, st[st_ids].astype(np.float64)])   # (point, s, t) of each face corner
    pairs, vertex_of_slot = np.unique(corner, axis=0, return_inverse=True)
    slots = _triangulate(counts, np.arange(len(indices), dtype=np.int32))
    return _Corners(pairs[:, 0].astype(np.int64), vertex_of_slot.ravel()[slots].astype(np.int32),
                    pairs[:, 1:].astype(np.float32))


def _gather(parts: dict[int, np.ndarray], n_vertices: int, columns: tuple) -> np.ndarray | None:
    """One (n_vertices, *columns) float32 array of rows given from some first vertices on, zero
    elsewhere; None when no mesh gave any."""
    if not parts:
        return None
    out = np.zeros((n_vertices, *columns), np.float32)
    for start, rows in parts.items():
        out[start:start + len(rows)] = rows
    return out


def _network(shader: UsdShade.Shader) -> set[Sdf.Path]:
    """The prims of a surface shader's network: it and every shader its inputs connect to."""
    seen, todo = set(), [shader.GetPrim()]
    while todo:
        prim = todo.pop()
        if prim.GetPath() in seen:
            continue
        seen.add(prim.GetPath())
        for inp in UsdShade.Shader(prim).GetInputs():
            todo.extend(source.source.GetPrim() for source in inp.GetConnectedSources()[0])
    return seen


@dataclass(frozen=True)
class _MeshRead:
    """What `StageReader.read` takes from one mesh, kept until an edit reaches one of `needs`."""
    wavelength_nm: int
    needs: frozenset            # prim paths: the mesh, its bound material and shader network
    visible: bool
    world: np.ndarray | None = None
    normals: np.ndarray | None = None
    triangles: np.ndarray | None = None
    rows: Mapping[str, np.ndarray] = field(default_factory=dict)   # sparse per-vertex arrays
    material: Material | None = None
    maps: Mapping[str, TextureBinding] = field(default_factory=lambda: MappingProxyType({}))


# Properties of a prim that its descendants inherit in what a mesh's read takes.
INHERITED = ("xformOp", "visibility", "purpose", "material:binding")


class _Edits:
    """Prims the stage's edits reached since they were last taken (Usd.Notice.ObjectsChanged)."""

    def __init__(self, stage: Usd.Stage):
        self.edited: set[Sdf.Path] = set()      # prims with any edit
        self.inherited: set[Sdf.Path] = set()   # prims with an edit their descendants inherit
        self.everything = False
        self._listener = Tf.Notice.Register(Usd.Notice.ObjectsChanged, self._changed, stage)

    def _changed(self, notice, stage) -> None:
        for path in list(notice.GetResyncedPaths()) + list(notice.GetChangedInfoOnlyPaths()):
            # A collection (a binding that may reach any mesh) or the layer stack (the root)
            # reaches every mesh.
            if path == Sdf.Path.absoluteRootPath or (path.IsPropertyPath() and path.name.startswith("collection:")):
                self.everything = True
            self.edited.add(path.GetPrimPath())
            # An edit of the prim itself (a resync: prims added, removed, recomposed) is inherited too.
            if not path.IsPropertyPath() or path.name.startswith(INHERITED):
                self.inherited.add(path.GetPrimPath())

    def take(self) -> tuple[bool, set[Sdf.Path], set[Sdf.Path]]:
        """(everything, the edited prims and all their ancestors, the prims with inherited
        edits); then forgets them."""
        everything, reached = self.everything, {prefix for path in self.edited for prefix in path.GetPrefixes()}
        inherited = self.inherited
        self.everything, self.edited, self.inherited = False, set(), set()
        return everything, reached, inherited


def _stale(read: _MeshRead | None, wavelength_nm: int, reached: set[Sdf.Path], inherited: set[Sdf.Path]) -> bool:
    """Whether an edit reached what a cached read depends on: a needed prim or something
    below it (a shader input, a subset), or an inherited edit above it (a transform,
    visibility, a binding)."""
    if read is None or read.wavelength_nm != wavelength_nm:
        return True
    return any(path in reached or any(prefix in inherited for prefix in path.GetPrefixes()) for path in read.needs)


def _semantic(prim: Usd.Prim) -> str:
    query = UsdSemantics.LabelsQuery("class", Usd.TimeCode.Default())
    labels = query.ComputeUniqueInheritedLabels(prim)
    return str(labels[0]) if labels else "cabin"


class StageReader:
    """Reads SceneViews from one stage; caches what cannot change between frames."""

    def __init__(self, stage: Usd.Stage):
        self.stage = stage
        self._meshes = [UsdGeom.Mesh(p) for p in stage.Traverse()
                        if p.IsA(UsdGeom.Mesh) and UsdGeom.Imageable(p).ComputePurpose() in ("default", "render")]
        self._meshes.sort(key=lambda m: str(m.GetPath()))
        self._tris = {}
        for m in self._meshes:
            counts = np.asarray(m.GetFaceVertexCountsAttr().Get(), np.int32)
            indices = np.asarray(m.GetFaceVertexIndicesAttr().Get(), np.int32)
            self._tris[m.GetPath()] = _triangulate(counts, indices)
        # Semantic labels are composed once; frames only change points, transforms,
        # visibility and material values.
        self._semantics = {m.GetPath(): _semantic(m.GetPrim()) for m in self._meshes}
        # Cabin lamps and screens: lights the scene switches on and off.
        self._lamps = [p for p in stage.Traverse() if p.IsA(UsdLux.DiskLight) or p.IsA(UsdLux.RectLight)]
        # Ambient occlusion (the head and the eyes): cabin_synth.scene.skin.
        self._occlusion = {m.GetPath() for m in self._meshes if UsdGeom.PrimvarsAPI(m).HasPrimvar("cabin_synth:occlusion")}
        self._fibre = {m.GetPath() for m in self._meshes if UsdGeom.PrimvarsAPI(m).HasPrimvar(FIBRE_PRIMVAR)}
        self._corners: dict[tuple, _Corners] = {}   # (mesh, st primvar) -> its vertices as drawn
        self._edits = _Edits(stage)
        self._reads: dict[Sdf.Path, _MeshRead] = {}   # mesh -> its last read, until an edit reaches it

    def read(self, wavelength_nm: int, width: int, height: int) -> SceneView:
        cache = UsdGeom.XformCache(Usd.TimeCode.Default())
        positions, normals, ids, tris, instances = [], [], [], [], []
        # Per-vertex arrays only some meshes carry: name -> {first vertex: rows}.
        sparse = {"occlusion": {}, "fibres": {}, "uv": {}, "tangents": {}}
        offset = 0
        everything, reached, inherited = self._edits.take()
        self._normal_matrices: dict[bytes, np.ndarray] = {}   # this read's, by transform
        if everything:
            self._reads.clear()
        for mesh in self._meshes:
            path = mesh.GetPath()
            if _stale(self._reads.get(path), wavelength_nm, reached, inherited):
                self._reads[path] = self._read_mesh(mesh, cache, wavelength_nm)
            read = self._reads[path]
            if not read.visible:
                continue
            instance = Instance(len(instances) + 1, str(path), self._semantics[path], read.material, read.maps)
            instances.append(instance)
            world, n, t, rows = read.world, read.normals, read.triangles, read.rows
            for name, r in rows.items():
                sparse[name][offset] = r
            positions.append(world)
            normals.append(n)
            ids.append(np.full(len(world), instance.id, np.int32))
            tris.append(t + offset)
            offset += len(world)
        dome = self._dome(cache, len(instances) + 1)
        if dome is not None:
            instances.append(Instance(dome.id, SKY_PRIM, "sky", Material((0.0, 0.0, 0.0), 0.0, 0.0)))
        columns = {"occlusion": (), "fibres": (3,), "uv": (2,), "tangents": (4,)}
        return SceneView(
            positions=np.concatenate(positions).astype(np.float32),
            normals=np.concatenate(normals).astype(np.float32),
            instance_ids=np.concatenate(ids),
            triangles=np.concatenate(tris).astype(np.int32),
            instances=tuple(instances),
            camera=self._camera(width, height),
            wavelength_nm=wavelength_nm,
            **{name: _gather(parts, offset, columns[name]) for name, parts in sparse.items()},
            dome=dome,
            **self._lights(cache),
        )

    def _normal_matrix(self, linear: np.ndarray) -> np.ndarray:
        """The inverse transpose of a mesh's linear transform, once per distinct transform
        in a read: many meshes share one (their parent's), and numpy's inverse of a 3 x 3
        took 0.6-0.8 ms a call between the pipeline's other work (26 us in a tight loop),
        140-280 calls a frame before (85-210 ms)."""
        key = linear.tobytes()
        if key not in self._normal_matrices:
            self._normal_matrices[key] = np.linalg.inv(linear).T
        return self._normal_matrices[key]

    def _read_mesh(self, mesh: UsdGeom.Mesh, cache: UsdGeom.XformCache, wavelength_nm: int) -> _MeshRead:
        """One mesh as a frame draws it: world points and normals, triangles, the sparse
        per-vertex rows, material and textures; and the prims these depend on."""
        prim = mesh.GetPrim()
        path = mesh.GetPath()
        bound, shader = _surface(prim)
        needs = {path} | ({bound.GetPath()} | (_network(shader) if shader else set()) if bound else set())
        if mesh.ComputeVisibility() == UsdGeom.Tokens.invisible:
            return _MeshRead(wavelength_nm, frozenset(needs), False)
        local = np.asarray(mesh.GetPointsAttr().Get(), np.float64)
        M = np.asarray(cache.GetLocalToWorldTransform(prim), np.float64)
        world = local @ M[:3, :3] + M[3, :3]
        t = self._tris[path]
        authored = mesh.GetNormalsAttr().Get()
        if authored is not None and len(authored) == len(local):
            n = np.asarray(authored, np.float64) @ self._normal_matrix(M[:3, :3])
            n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
        else:
            n = vertex_normals(world, t)
        maps = _textures(prim, wavelength_nm)
        rows = {}
        if path in self._occlusion:
            values = UsdGeom.PrimvarsAPI(mesh).GetPrimvar("cabin_synth:occlusion").Get()
            if values is not None and len(values) == len(local):
                rows["occlusion"] = np.asarray(values, np.float32)
        fibre = UsdGeom.PrimvarsAPI(mesh).GetPrimvar(FIBRE_PRIMVAR).Get() if path in self._fibre else None
        if fibre is not None and len(fibre) == len(local):
            # A direction in the surface: it turns with the mesh (no shear in a rigid transform).
            f = np.asarray(fibre, np.float64) @ M[:3, :3]
            rows["fibres"] = f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-12)
        if maps:
            st = next(iter(maps.values())).st
            key = (path, st)
            if key not in self._corners:
                self._corners[key] = _corners(mesh, st, t)
            corners = self._corners[key]
            # Seams split points into several vertices: every per-point array follows.
            world, n, t = world[corners.points], n[corners.points], corners.triangles
            rows = {name: r[corners.points] for name, r in rows.items()}
            rows["uv"] = corners.st
            if "normal" in maps:
                rows["tangents"] = tangent_frames(world, n, corners.st, t)
        return _MeshRead(wavelength_nm, frozenset(needs), True, world, n, t, rows, _material(prim), maps)

    def _dome(self, cache: UsdGeom.XformCache, id: int) -> Dome | None:
        """The DomeLight's lat-long textures (linear files, render.textures.load), their
        intensities and its orientation; None where it has no texture files."""
        prim = self.stage.GetPrimAtPath(SKY_PRIM)
        if not prim or not prim.IsA(UsdLux.DomeLight):
            return None
        light = UsdLux.DomeLight(prim)
        files = (light.GetTextureFileAttr().Get(), prim.GetAttribute("cabin_synth:nir_texture_file").Get())
        if any(f is None or not f.path for f in files):
            return None
        rgb, nir = (load(f.resolvedPath or f.path, "raw", str(prim.GetPath())) for f in files)
        M = np.asarray(cache.GetLocalToWorldTransform(prim), np.float64)[:3, :3]   # rows: local axes in the world
        return Dome(rgb=rgb, nir=nir, to_dome=M / np.linalg.norm(M, axis=1, keepdims=True), id=id,
                    rgb_scale=float(light.GetIntensityAttr().Get()) * 2.0 ** float(light.GetExposureAttr().Get() or 0.0),
                    nir_scale=float(prim.GetAttribute("cabin_synth:nir_intensity").Get()))

    def _camera(self, width: int, height: int) -> Camera:
        cam = UsdGeom.Camera(self.stage.GetPrimAtPath("/World/Camera"))
        M = np.asarray(UsdGeom.XformCache().GetLocalToWorldTransform(cam.GetPrim()), np.float64)
        R_vehicle_cam = M[:3, :3].T @ R_USDCAM_CV
        f_px = cam.GetFocalLengthAttr().Get() / cam.GetHorizontalApertureAttr().Get() * width
        near, far = cam.GetClippingRangeAttr().Get()
        model = cam.GetPrim().GetAttribute("cabin_synth:distortion_model").Get() or "none"
        coeffs = cam.GetPrim().GetAttribute("cabin_synth:distortion_coefficients").Get() or []
        return Camera(width, height, f_px, f_px, (width - 1) / 2.0, (height - 1) / 2.0,
                      R_vehicle_cam.T, -R_vehicle_cam.T @ M[3, :3], float(near), float(far),
                      str(model), tuple(float(c) for c in coeffs))

    def _lights(self, cache: UsdGeom.XformCache) -> dict:
        get = lambda path, name: self.stage.GetPrimAtPath(path).GetAttribute(f"cabin_synth:{name}").Get()
        sun = np.asarray(cache.GetLocalToWorldTransform(self.stage.GetPrimAtPath("/World/Lights/Sun")))
        illuminators = []
        for prim in self.stage.GetPrimAtPath("/World/Lights").GetChildren():
            if prim.IsA(UsdLux.SphereLight) and prim.GetName().startswith("Illuminator"):
                M = np.asarray(cache.GetLocalToWorldTransform(prim))
                illuminators.append(Illuminator(
                    position=M[3, :3].copy(), axis=-M[2, :3] / np.linalg.norm(M[2, :3]),
                    w_sr=float(prim.GetAttribute("cabin_synth:radiant_intensity_w_sr").Get()),
                    exponent=float(UsdLux.ShapingAPI(prim).GetShapingFocusAttr().Get())))
        outdoors = None
        if get("/World/Lights/Sun", "outside_illuminance_lux") is not None:
            open_air = 0.0 if self.stage.GetPrimAtPath("/World/Outside").GetAttribute("cabin_synth:sheltered").Get() else 1.0
            road = self.stage.GetPrimAtPath("/World/Outside/RoadLights")
            sky_light = UsdLux.DomeLight(self.stage.GetPrimAtPath(SKY_PRIM))
            outdoors = Outdoors(
                sun_lux=open_air * float(get("/World/Lights/Sun", "outside_illuminance_lux")),
                sky_lux=open_air * float(sky_light.GetIntensityAttr().Get()),
                sun_nir_w_m2=open_air * float(get("/World/Lights/Sun", "outside_nir_irradiance_w_m2")),
                sky_nir_w_m2=open_air * float(get(SKY_PRIM, "nir_intensity")),
                road_rgb_lux=float(road.GetAttribute("cabin_synth:illuminance_lux").Get())
                * np.asarray(road.GetAttribute("cabin_synth:rgb").Get(), float),
                road_nir_w_m2=float(road.GetAttribute("cabin_synth:nir_irradiance_w_m2").Get()),
                open_air=open_air)
        tint = get(SKY_PRIM, "cabin_rgb")
        return dict(
            sky_rgb=tuple(float(c) for c in tint) if tint is not None else (1.0, 1.0, 1.0),
            outdoors=outdoors,
            sun_direction=sun[2, :3] / np.linalg.norm(sun[2, :3]),
            sun_lux=float(get("/World/Lights/Sun", "illuminance_lux")),
            sky_lux=float(get(SKY_PRIM, "illuminance_lux")),
            sun_nir_w_m2=float(get("/World/Lights/Sun", "nir_irradiance_w_m2")),
            sky_nir_w_m2=float(get(SKY_PRIM, "nir_irradiance_w_m2")),
            illuminators=tuple(illuminators),
            lamps=tuple(self._lit_lamps(cache)),
        )

    def _lit_lamps(self, cache: UsdGeom.XformCache):
        """Cabin lamps and screens that are on, in their colour (a lamp's colour temperature)."""
        for prim in self._lamps:
            if not prim.GetAttribute("cabin_synth:on").Get():
                continue
            light = UsdLux.LightAPI(prim)
            M = np.asarray(cache.GetLocalToWorldTransform(prim))
            tint = (blackbody_rgb(float(light.GetColorTemperatureAttr().Get()))
                    if light.GetEnableColorTemperatureAttr().Get() else np.ones(3))
            yield Lamp(position=M[3, :3].copy(), axis=-M[2, :3] / np.linalg.norm(M[2, :3]),
                       rgb_cd=float(prim.GetAttribute("cabin_synth:luminous_intensity_cd").Get()) * tint
                       * np.asarray(light.GetColorAttr().Get(), float),
                       nir_w_sr=float(prim.GetAttribute("cabin_synth:radiant_intensity_w_sr").Get()),
                       exponent=LAMBERT_EXPONENT,   # disc and rectangle lights emit as Lambertian surfaces
                       shadows=UsdLux.ShadowAPI(prim).GetShadowEnableAttr().Get() is not False)
