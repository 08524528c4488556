"""Tests of the cabin assets (usd_assets/cabins) and the reader (cabin_synth.scene.cabin)."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest
from PIL import Image
from pxr import Sdf, Usd, UsdGeom, UsdSemantics, UsdShade
from scipy.spatial import cKDTree

from cabin_synth.assets import cabins as cabin_assets
from cabin_synth.labels.raycast import hit_t
from cabin_synth.labels.semantics import CLASSES
from cabin_synth.scene.cabin import available_cabins, cabin_asset_path, read_cabin
from cabin_synth.scene.zones import SEE_THROUGH_ZONES, gaze_zone, zone_soup

REPO = pathlib.Path(__file__).resolve().parent.parent
CABINS = available_cabins()
DRIVES = ("lhd", "rhd")
ZONE_SNAKE = {
    "RoadAhead": "road_ahead", "RearViewMirror": "rear_view_mirror", "LeftMirror": "left_mirror",
    "RightMirror": "right_mirror", "InstrumentCluster": "instrument_cluster", "Infotainment": "infotainment",
    "DriverWindow": "driver_window", "PassengerWindow": "passenger_window",
    "PassengerFootwell": "passenger_footwell", "Glovebox": "glovebox", "Lap": "lap",
    "PassengerFace": "passenger_face", "RearPassenger": "rear_passenger", "Roof": "roof",
}
MOUNTS = ("steering_column", "a_pillar", "rear_view_mirror", "center_stack", "cluster")
# zones that belong to an absolute vehicle side and therefore do not swap with the drive
ABSOLUTE_SIDE_ZONES = {"left_mirror", "right_mirror"}


def test_hatchback_shipped():
    assert "hatchback" in CABINS


# ----------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------


def open_cabin(name: str, drive: str = "lhd") -> Usd.Stage:
    stage = Usd.Stage.Open(str(cabin_asset_path(name)))
    assert stage, name
    # session layer: the asset layer is shared by every stage that opens the file
    with Usd.EditContext(stage, stage.GetSessionLayer()):
        stage.GetDefaultPrim().GetVariantSet("drive").SetVariantSelection(drive)
    return stage


def _np(m) -> np.ndarray:
    return np.array([[m[i][j] for j in range(4)] for i in range(4)])


def mesh_triangles(stage: Usd.Stage, prim: Usd.Prim) -> np.ndarray:
    mesh = UsdGeom.Mesh(prim)
    pts = np.asarray(mesh.GetPointsAttr().Get(), dtype=float)
    m = _np(UsdGeom.Xformable(prim).ComputeLocalToWorldTransform(Usd.TimeCode.Default()))
    pw = (np.hstack([pts, np.ones((len(pts), 1))]) @ m)[:, :3]
    counts = mesh.GetFaceVertexCountsAttr().Get()
    idx = mesh.GetFaceVertexIndicesAttr().Get()
    tris, k = [], 0
    for c in counts:
        f = idx[k:k + c]
        k += c
        for j in range(1, c - 1):
            tris.append([pw[f[0]], pw[f[j]], pw[f[j + 1]]])
    return np.asarray(tris).reshape(-1, 3, 3)


def class_label(prim: Usd.Prim) -> str | None:
    api = UsdSemantics.LabelsAPI(prim, "class")
    attr = api.GetLabelsAttr()
    if not attr or not attr.HasValue():
        return None
    labels = list(attr.Get())
    return labels[0] if len(labels) == 1 else None


def geometry(stage: Usd.Stage):
    """[(prim, class label, triangles)] of every renderable mesh (zones excluded)."""
    out = []
    for prim in stage.Traverse():
        if prim.IsA(UsdGeom.Mesh) and UsdGeom.Imageable(prim).ComputePurpose() != UsdGeom.Tokens.guide:
            out.append((prim, class_label(prim), mesh_triangles(stage, prim)))
    return out


def area_centre(tris: np.ndarray) -> np.ndarray:
    area = 0.5 * np.linalg.norm(np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0]), axis=1)
    return (tris.mean(axis=1) * area[:, None]).sum(axis=0) / area.sum()


def segment_hits(p0: np.ndarray, p1: np.ndarray, tris: np.ndarray, eps: float = 1e-9) -> np.ndarray:
    """Möller-Trumbore: boolean per triangle, True where the open segment p0->p1 crosses it."""
    d = p1 - p0
    v0, v1, v2 = tris[:, 0], tris[:, 1], tris[:, 2]
    e1, e2 = v1 - v0, v2 - v0
    h = np.cross(d, e2)
    a = np.einsum("ij,ij->i", e1, h)
    ok = np.abs(a) > eps
    f = np.where(ok, 1.0 / np.where(ok, a, 1.0), 0.0)
    s = p0 - v0
    u = f * np.einsum("ij,ij->i", s, h)
    q = np.cross(s, e1)
    v = f * (q @ d)
    t = f * np.einsum("ij,ij->i", e2, q)
    return ok & (u >= 0) & (v >= 0) & (u + v <= 1) & (t > 1e-6) & (t < 1 - 1e-6)


# ----------------------------------------------------------------------------
# composition, validation, metadata
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", CABINS)
@pytest.mark.parametrize("drive", DRIVES)
def test_opens_and_validates(name, drive):
    from pxr import UsdValidation  # usd-core >= 25.x

    stage = open_cabin(name, drive)
    assert stage.GetCompositionErrors() == []
    assert UsdGeom.GetStageUpAxis(stage) == UsdGeom.Tokens.z
    assert UsdGeom.GetStageMetersPerUnit(stage) == 1.0
    root = stage.GetDefaultPrim()
    assert root.GetPath() == Sdf.Path("/Cabin") and root.IsA(UsdGeom.Xform)
    assert Usd.ModelAPI(root).GetKind() == "assembly"
    assert Usd.ModelAPI(root).GetAssetName() == name
    vset = root.GetVariantSets().GetVariantSet("drive")
    assert sorted(vset.GetVariantNames()) == ["lhd", "rhd"]
    ctx = UsdValidation.ValidationContext(UsdValidation.ValidationRegistry().GetOrLoadAllValidators())
    errors = [e for e in ctx.Validate(stage) if e.GetType() == UsdValidation.ValidationErrorType.Error]
    assert not errors, [(e.GetName(), e.GetMessage()) for e in errors]


def validation_errors(stage: Usd.Stage) -> list:
    from pxr import UsdValidation  # usd-core >= 25.x

    ctx = UsdValidation.ValidationContext(UsdValidation.ValidationRegistry().GetOrLoadAllValidators())
    return [(e.GetName(), e.GetMessage()) for e in ctx.Validate(stage)
            if e.GetType() == UsdValidation.ValidationErrorType.Error]


# ----------------------------------------------------------------------------
# payloads: the trim layer
# ----------------------------------------------------------------------------


def trim_roots(name: str) -> tuple[str, ...]:
    return cabin_assets.trim_paths(cabin_assets.SPECS[name])


@pytest.mark.parametrize("name", CABINS)
def test_trim_layer_opens_and_validates_alone(name):
    stage = Usd.Stage.Open(str(cabin_asset_path(name).parent / "trim" / f"{name}_trim.usda"))
    assert stage.GetCompositionErrors() == [] and validation_errors(stage) == []
    assert UsdGeom.GetStageUpAxis(stage) == UsdGeom.Tokens.z and UsdGeom.GetStageMetersPerUnit(stage) == 1.0
    meshes = [p for p in stage.Traverse() if p.IsA(UsdGeom.Mesh)]
    assert meshes and all(any(str(p.GetPath()).startswith(r) for r in trim_roots(name)) for p in meshes)


@pytest.mark.parametrize("name", CABINS)
@pytest.mark.parametrize("drive", DRIVES)
def test_unloaded_cabin_has_anchors_zones_and_wheel_but_no_trim(name, drive):
    full = open_cabin(name, drive)
    stage = Usd.Stage.Open(str(cabin_asset_path(name)), load=Usd.Stage.LoadNone)
    with Usd.EditContext(stage, stage.GetSessionLayer()):
        stage.GetDefaultPrim().GetVariantSet("drive").SetVariantSelection(drive)
    assert stage.GetCompositionErrors() == [] and validation_errors(stage) == []
    shown = {str(p.GetPath()) for p in stage.Traverse()}
    for root in trim_roots(name):
        prim = stage.GetPrimAtPath(root)
        assert prim.HasPayload() and not prim.IsLoaded() and not prim.GetChildren(), root
        assert not any(p == root or p.startswith(root + "/") for p in shown), root
        assert full.GetPrimAtPath(root).IsLoaded()
    # everything else is there, as loaded
    trimless = {str(p.GetPath()) for p in full.Traverse()
                if not any(str(p.GetPath()).startswith(r) for r in trim_roots(name))}
    assert shown == trimless
    for rel in ("SteeringWheel/Rim", "SteeringWheel/Spokes", "SteeringWheel/Hub", "Dashboard/Dash", "Glass/Windscreen"):
        assert stage.GetPrimAtPath(f"/Cabin/{rel}").IsA(UsdGeom.Mesh), rel
    a, b = read_cabin(stage, drive=drive), read_cabin(full, drive=drive)
    for field in ("design_eye_point", "driver_seat", "wheel_centre", "wheel_axis", "seat_track_mm"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert set(a.mounts) == set(MOUNTS) and set(a.zones) == set(ZONE_SNAKE.values())
    assert all(np.array_equal(a.mounts[m], b.mounts[m]) for m in MOUNTS)
    assert all(np.array_equal(a.zones[z], b.zones[z]) for z in a.zones)
    # the trim is heavy in the way that matters: it carries a share of the renderable geometry
    trim_meshes = [p for p in full.Traverse() if p.IsA(UsdGeom.Mesh) and str(p.GetPath()) not in trimless]
    assert len(trim_meshes) >= 10


@pytest.mark.parametrize("drive", DRIVES)
def test_composed_scene_loads_the_whole_cabin(drive, tmp_path):
    from cabin_synth.driver import FaceState, build_driver, sample_identity
    from cabin_synth.presets.streams import stream
    from cabin_synth.scene.stage import Scene

    name = "van"
    rest = build_driver(sample_identity(stream(0, 0, "t"), sex="female", age_years=30.0, skin_type=2),
                        FaceState(np.array([1.0, 0.0, 0.0]), np.zeros(2), 4.0, {}))
    stage = Scene(name, drive, rest, tmp_path).stage
    scene = {str(p.GetPath()).replace("/World/Cabin", "/Cabin", 1)
             for p in Usd.PrimRange(stage.GetPrimAtPath("/World/Cabin"))
             if not str(p.GetPath()).startswith("/World/Cabin/PhoneAnchors")}   # the scene's own additions
    cabin = open_cabin(name, drive)
    asset = {str(p.GetPath()) for p in cabin.Traverse()}
    assert scene == asset
    assert all(stage.GetPrimAtPath(r.replace("/Cabin", "/World/Cabin", 1)).IsLoaded() for r in trim_roots(name))


def test_payload_paths_resolve_relative_to_the_asset(tmp_path, monkeypatch):
    name = "suv"
    main = Sdf.Layer.FindOrOpen(str(cabin_asset_path(name)))
    for root in trim_roots(name):
        (payload,) = main.GetPrimAtPath(root).payloadList.prependedItems
        assert payload.assetPath == f"./trim/{name}_trim.usda" and payload.primPath == root
    # a copy elsewhere, opened from yet another working directory, finds its own trim layer
    copy = tmp_path / "elsewhere" / "cabins"
    (copy / "trim").mkdir(parents=True)
    (copy / f"{name}.usda").write_bytes(cabin_asset_path(name).read_bytes())
    trim = cabin_asset_path(name).parent / "trim" / f"{name}_trim.usda"
    (copy / "trim" / trim.name).write_bytes(trim.read_bytes())
    monkeypatch.chdir(tmp_path)
    stage = Usd.Stage.Open(str(copy / f"{name}.usda"))
    assert stage.GetCompositionErrors() == []
    cushion = stage.GetPrimAtPath("/Cabin/RearSeat/Cushion")
    assert cushion.IsA(UsdGeom.Mesh)
    layers = {pathlib.Path(spec.layer.realPath).resolve() for spec in cushion.GetPrimStack()}
    assert layers == {(copy / "trim" / trim.name).resolve(), (copy / f"{name}.usda").resolve()}
    mat, _ = UsdShade.MaterialBindingAPI(cushion).ComputeBoundMaterial()
    assert mat.GetPath() == "/Cabin/Looks/SeatFabric"
    # a copy without its trim folder does not find the trim
    lone = tmp_path / "lone" / f"{name}.usda"
    lone.parent.mkdir()
    lone.write_bytes(cabin_asset_path(name).read_bytes())
    broken = Usd.Stage.Open(str(lone))
    assert broken.GetCompositionErrors() and not broken.GetPrimAtPath("/Cabin/RearSeat/Cushion").IsDefined()


@pytest.mark.parametrize("name", CABINS)
def test_default_variant_is_lhd(name):
    stage = Usd.Stage.Open(str(cabin_asset_path(name)))
    assert stage.GetDefaultPrim().GetVariantSet("drive").GetVariantSelection() == "lhd"
    info = read_cabin(stage)
    assert info.design_eye_point[1] > 0 and info.drive == "lhd" and info.name == name


def test_regeneration_is_byte_identical(tmp_path):
    """The committed layers are the generator's output byte for byte; the texture images
    pixel for pixel (PNG bytes also depend on the zlib that compressed them)."""
    written = cabin_assets.write_assets(tmp_path, tuple(CABINS))
    layers = [p for p in written if p.suffix == ".usda"]
    images = [p for p in written if p.suffix == ".png"]
    assert len(layers) == 2 * len(CABINS)  # main and trim layer of each
    for path in layers:
        committed = REPO / "usd_assets" / path.relative_to(tmp_path)
        assert committed.read_bytes() == path.read_bytes(), f"{path.name} differs from the generator output"
    committed_images = sorted((REPO / "usd_assets" / "cabins" / "textures").glob("*.png"))
    assert sorted(p.name for p in images) == [p.name for p in committed_images], "every image is generated"
    for path in images:
        with Image.open(path) as new, Image.open(REPO / "usd_assets" / path.relative_to(tmp_path)) as old:
            assert new.mode == old.mode and np.array_equal(np.asarray(new), np.asarray(old)), path.name
    assert set(CABINS) == set(cabin_assets.SPECS), "every spec has a committed asset and vice versa"


def test_asset_path_errors():
    with pytest.raises(ValueError, match="hatchback"):
        cabin_asset_path("no_such_cabin")
    with pytest.raises(ValueError):
        read_cabin(open_cabin("hatchback"), drive="left")


# ----------------------------------------------------------------------------
# geometry, materials, semantics
# ----------------------------------------------------------------------------


REQUIRED_PRIMS = (
    "Dashboard/Dash", "Dashboard/Cluster/Hood", "Dashboard/Cluster/Screen", "Dashboard/Infotainment/Screen",
    "Dashboard/CenterConsole", "Dashboard/Glovebox", "SteeringWheel/Rim", "SteeringWheel/Spokes",
    "SteeringWheel/Hub", "SteeringColumn/Shroud", "DriverSeat/Cushion", "DriverSeat/Backrest",
    "DriverSeat/Headrest", "PassengerSeat/Cushion", "PassengerSeat/Backrest", "PassengerSeat/Headrest", "DomeLamp/Lens",
    "Shell/APillarLeft", "Shell/APillarRight", "Shell/BPillarLeft", "Shell/BPillarRight", "Shell/Headliner",
    "Shell/Floor", "Shell/DoorFrontLeft/Upper", "Shell/DoorFrontRight/Upper", "Shell/SunVisorLeft", "RearSeat/Cushion", "RearSeat/Backrest",
    "Glass/Windscreen", "Glass/SideLeftFront", "Glass/SideRightFront", "Mirrors/RearViewGlass",
    "Mirrors/LeftGlass", "Mirrors/RightGlass",
)


@pytest.mark.parametrize("name", CABINS)
@pytest.mark.parametrize("drive", DRIVES)
def test_required_parts(name, drive):
    stage = open_cabin(name, drive)
    for rel in REQUIRED_PRIMS:
        prim = stage.GetPrimAtPath(f"/Cabin/{rel}")
        assert prim and prim.IsA(UsdGeom.Mesh), rel
    for path in ("/Cabin/DesignEyePoint", "/Cabin/DriverSeat", "/Cabin/SteeringWheel",
                 *(f"/Cabin/Mounts/{m}" for m in ("SteeringColumn", "APillar", "RearViewMirror", "CenterStack",
                                                  "Cluster"))):
        prim = stage.GetPrimAtPath(path)
        assert prim and prim.IsA(UsdGeom.Xform), path
    # anchors carry a translation only
    for path in ("/Cabin/DesignEyePoint", "/Cabin/DriverSeat", "/Cabin/PassengerSeat",
                 *(str(c.GetPath()) for c in stage.GetPrimAtPath("/Cabin/Mounts").GetChildren())):
        ops = UsdGeom.Xformable(stage.GetPrimAtPath(path)).GetOrderedXformOps()
        assert [op.GetOpType() for op in ops] == [UsdGeom.XformOp.TypeTranslate], path


def _edges_closed(points, counts, idx) -> bool:
    """Every edge, with vertices that share a position welded (a hard edge or texture
    seam splits a vertex), is used as often in one direction as in the other: no open
    border, consistent winding (pieces of one mesh that touch share edges, so more than once)."""
    _, weld = np.unique(np.round(np.asarray(points, dtype=float), 6), axis=0, return_inverse=True)
    weld = weld.ravel()
    directed = {}
    k = 0
    for c in counts:
        f = [int(weld[i]) for i in idx[k:k + c]]
        k += c
        for i in range(c):
            e = (f[i], f[(i + 1) % c])
            directed[e] = directed.get(e, 0) + 1
    return all(directed.get((b, a), 0) == n for (a, b), n in directed.items())


@pytest.mark.parametrize("name", CABINS)
@pytest.mark.parametrize("drive", DRIVES)
def test_meshes_closed_outward_nondegenerate(name, drive):
    stage = open_cabin(name, drive)
    for prim, _, tris in geometry(stage):
        mesh = UsdGeom.Mesh(prim)
        counts = list(mesh.GetFaceVertexCountsAttr().Get())
        idx = list(mesh.GetFaceVertexIndicesAttr().Get())
        pts = np.asarray(mesh.GetPointsAttr().Get(), dtype=float)
        assert set(counts) <= {3, 4}, prim.GetPath()
        assert _edges_closed(pts, counts, idx), f"{prim.GetPath()} is not a closed consistently wound mesh"
        area = 0.5 * np.linalg.norm(np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0]), axis=1)
        assert area.min() > 1e-8, f"degenerate face in {prim.GetPath()}"
        vol = np.einsum("ij,ij->i", tris[:, 0], np.cross(tris[:, 1], tris[:, 2])).sum() / 6.0
        assert vol > 0, f"{prim.GetPath()} has inward normals (volume {vol})"
        assert mesh.GetSubdivisionSchemeAttr().Get() == "none"
        # authored normals, one per vertex, agree with the winding
        normals = np.asarray(mesh.GetNormalsAttr().Get())
        assert mesh.GetNormalsInterpolation() == UsdGeom.Tokens.vertex and len(normals) == len(pts)
        k = 0
        for c in counts:
            f = idx[k:k + c]
            fn = np.cross(pts[f[1]] - pts[f[0]], pts[f[2]] - pts[f[0]])
            assert all(np.dot(normals[i], fn) > 0 for i in f), prim.GetPath()
            k += c


@pytest.mark.parametrize("name", CABINS)
@pytest.mark.parametrize("drive", DRIVES)
def test_materials_and_semantics(name, drive):
    stage = open_cabin(name, drive)
    labels = set()
    for prim, label, _ in geometry(stage):
        assert label in CLASSES, f"{prim.GetPath()} label {label!r}"
        labels.add(label)
        assert prim.HasAPI(UsdShade.MaterialBindingAPI)
        mat, _ = UsdShade.MaterialBindingAPI(prim).ComputeBoundMaterial()
        assert mat, prim.GetPath()
        mp = mat.GetPrim()
        for band in ("850", "940"):
            v = mp.GetAttribute(f"cabin_synth:nir_reflectance_{band}").Get()
            assert v is not None and 0.0 <= v <= 1.0, mp.GetPath()
        shader = mat.ComputeSurfaceSource()[0]
        assert shader.GetIdAttr().Get() == "UsdPreviewSurface"
        opacity = shader.GetInput("opacity")
        op = opacity.Get() if opacity else 1.0
        if label == "window":
            assert op < 1.0, prim.GetPath()
            assert 0.0 < mp.GetAttribute("cabin_synth:nir_transmittance_940").Get() <= 1.0
        else:
            assert op == 1.0, prim.GetPath()
    assert {"steering_wheel", "seat", "cabin", "window"} <= labels
    for part in ("Rim", "Spokes", "Hub"):
        assert class_label(stage.GetPrimAtPath(f"/Cabin/SteeringWheel/{part}")) == "steering_wheel"


def _linear(values: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1 decoding of 0..1 sRGB values."""
    return np.where(values <= 0.04045, values / 12.92, ((values + 0.055) / 1.055) ** 2.4)


@pytest.mark.parametrize("name", CABINS)
def test_textured_materials_average_to_their_values(name):
    """Every textured material reads files that exist beside the cabin, through st its meshes
    carry; its albedo and NIR maps, decoded here from the PNGs, average (times their scale)
    to the material's own colour and reflectances; normal maps decode to unit-ish vectors
    leaning less than 45 deg on average; screens are authored dark."""
    stage = open_cabin(name)
    textured = set()
    for prim in stage.Traverse():
        if not prim.IsA(UsdShade.Material):
            continue
        surface = UsdShade.Material(prim).ComputeSurfaceSource()[0]
        for inp in surface.GetInputs():
            if not inp.HasConnectedSource():
                continue
            textured.add(prim.GetPath())
            tex = UsdShade.Shader(inp.GetConnectedSource()[0].GetPrim())
            path = tex.GetInput("file").Get().resolvedPath
            assert path and pathlib.Path(path).parent == cabin_asset_path(name).parent / "textures", path
            with Image.open(path) as im:
                px = np.asarray(im, dtype=float) / 255.0
            space = tex.GetInput("sourceColorSpace").Get()
            value = _linear(px) if space == "sRGB" else px
            scale = np.asarray(tex.GetInput("scale").Get())
            mean = value.reshape(-1, value.shape[-1] if value.ndim == 3 else 1).mean(axis=0)
            iname = inp.GetBaseName()
            if iname == "diffuseColor":
                assert np.allclose(mean * scale[:3], inp.Get(), rtol=1e-4), (prim.GetPath(), iname)
            elif iname.startswith("cabin_synth:nir_reflectance_"):
                band = iname.rsplit("_", 1)[1]
                assert np.isclose(mean[0] * scale[0], prim.GetAttribute(f"cabin_synth:nir_reflectance_{band}").Get(),
                                  rtol=1e-4), (prim.GetPath(), iname)
            elif iname == "normal":
                n = px * 2.0 - 1.0
                assert np.allclose(np.linalg.norm(n, axis=-1), 1.0, atol=0.02) and n[..., 2].mean() > 0.7, prim.GetPath()
            elif iname == "emissiveColor":
                assert np.allclose(scale[:3], 0.0), prim.GetPath()
    assert {"SeatFabric", "Headliner", "Leather", "ClusterDisplay"} <= {p.name for p in textured}
    for prim, _, _ in geometry(stage):
        mat, _ = UsdShade.MaterialBindingAPI(prim).ComputeBoundMaterial()
        if mat.GetPath() in textured:
            st = UsdGeom.PrimvarsAPI(prim).GetPrimvar("st")
            assert st and st.GetInterpolation() == UsdGeom.Tokens.vertex, prim.GetPath()
            assert len(st.Get()) == len(UsdGeom.Mesh(prim).GetPointsAttr().Get()), prim.GetPath()


# ----------------------------------------------------------------------------
# reader, zones, mirror symmetry
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", CABINS)
@pytest.mark.parametrize("drive", DRIVES)
def test_reader_and_zones(name, drive):
    stage = open_cabin(name, drive)
    info = read_cabin(stage, name=name, drive=drive)
    s = 1.0 if drive == "lhd" else -1.0
    assert set(info.mounts) == set(MOUNTS)
    assert abs(info.wheel_centre[0]) < 1e-6  # origin X is the hub's X
    assert s * info.wheel_centre[1] > 0.2
    assert np.isclose(np.linalg.norm(info.wheel_axis), 1.0)
    to_eye = info.design_eye_point - info.wheel_centre
    assert np.dot(info.wheel_axis, to_eye) / np.linalg.norm(to_eye) > 0.8  # column points at the driver
    assert info.wheel_axis[0] < 0 and info.wheel_axis[2] > 0
    eye, hp = info.design_eye_point, info.driver_seat
    assert s * eye[1] > 0 and np.isclose(eye[1], hp[1])
    assert 0.55 < eye[2] - hp[2] < 0.7 and -0.2 < eye[0] - hp[0] < 0.0
    # zone names: unique prims, unique snake names, complete
    zprims = stage.GetPrimAtPath("/Cabin/Zones").GetChildren()
    names = [p.GetName() for p in zprims]
    snakes = [p.GetAttribute("cabin_synth:zone").Get() for p in zprims]
    assert len(set(names)) == len(names) and len(set(snakes)) == len(snakes)
    assert dict(zip(names, snakes)) == ZONE_SNAKE
    for p in zprims:
        assert UsdGeom.Imageable(p).GetPurposeAttr().Get() == UsdGeom.Tokens.guide
        assert list(UsdSemantics.LabelsAPI(p, "zone").GetLabelsAttr().Get()) == [ZONE_SNAKE[p.GetName()]]
    assert set(info.zones) == set(ZONE_SNAKE.values())
    for z, tris in info.zones.items():
        assert tris.shape[1:] == (3, 3) and len(tris) >= 1, z
    # side sanity
    c = {z: t.reshape(-1, 3).mean(axis=0) for z, t in info.zones.items()}
    assert c["left_mirror"][1] > 0 > c["right_mirror"][1]
    assert s * c["driver_window"][1] > 0 > s * c["passenger_window"][1]
    assert s * c["glovebox"][1] < 0 and s * c["passenger_footwell"][1] < 0 and s * c["passenger_face"][1] < 0
    assert c["road_ahead"][0] > eye[0] + 0.3 and c["roof"][2] > eye[2]


@pytest.mark.parametrize("name", CABINS)
@pytest.mark.parametrize("drive", DRIVES)
def test_zones_reachable_from_eye_point(name, drive):
    stage = open_cabin(name, drive)
    info = read_cabin(stage, drive=drive)
    opaque = [(p, t) for p, label, t in geometry(stage) if label != "window"]
    all_tris = np.concatenate([t for _, t in opaque])
    owner = np.concatenate([[str(p.GetPath())] * len(t) for p, t in opaque])
    eye = info.design_eye_point
    for z, tris in info.zone_targets.items():   # what a glance at the zone aims at
        target = tris.reshape(-1, 3).mean(axis=0)
        hits = segment_hits(eye, target, all_tris)
        assert not hits.any(), f"{z}: view from the eye point blocked by {sorted(set(owner[hits]))}"


@pytest.mark.parametrize("name", CABINS)
@pytest.mark.parametrize("drive", DRIVES)
def test_a_ray_at_every_part_of_a_zone_is_labelled_with_it(name, drive):
    """Aimed from the design eye point at the centre of each zone triangle (targets and
    extensions), the gaze is in that zone, no farther than the aimed point (a nearer face of
    the same zone may come first), unless another zone stands in front of that point (the
    passenger's face before the passenger window, the screens before the windscreen's
    lower edge) or, for a zone on glass, beyond it (the mirror seen through the window).
    Every zone is labelled so at some of its points."""
    info = read_cabin(open_cabin(name, drive), drive=drive)
    soup = zone_soup(info)
    eye = info.design_eye_point
    for z in ("road_ahead", "driver_window", "instrument_cluster", "infotainment", "glovebox", "lap", "roof"):
        assert len(info.zones[z]) > len(info.zone_targets[z]), z   # extended beyond the target
    for z, tris in info.zones.items():
        labelled = 0
        for tri in tris:
            p = tri.mean(axis=0)
            dist = np.linalg.norm(p - eye)
            got, t = gaze_zone(soup, eye, (p - eye) / dist)
            if got == z:
                labelled += 1
                assert t <= dist + 1e-6, (z, p)
            else:
                assert t < dist - 0.005 or (z in SEE_THROUGH_ZONES and t > dist + 0.005), (z, got, p)
        assert labelled, z


def _mesh_centre(stage, rel):
    return area_centre(mesh_triangles(stage, stage.GetPrimAtPath(f"/Cabin/{rel}")))


@pytest.mark.parametrize("name", CABINS)
@pytest.mark.parametrize("drive", DRIVES)
def test_looking_at_a_cabin_part_gives_the_zone_that_names_it(name, drive):
    """Aimed at cabin parts (their meshes' area centres, not zone data), the gaze lands in
    the zone a DMS engineer gives them, on the surface (within 3 cm of the aimed point)."""
    stage = open_cabin(name, drive)
    info = read_cabin(stage, drive=drive)
    soup, eye = zone_soup(info), info.design_eye_point
    s = 1.0 if drive == "lhd" else -1.0
    driver_side, passenger_side = ("Left", "Right") if s > 0 else ("Right", "Left")
    expected = {
        "Glass/Windscreen": "road_ahead",
        f"Glass/Side{driver_side}Front": "driver_window",
        f"Glass/Side{passenger_side}Front": "passenger_window",
        "Dashboard/Cluster/Screen": "instrument_cluster",
        "Dashboard/Infotainment/Screen": "infotainment",
        "Dashboard/Glovebox": "glovebox",
        "Mirrors/RearViewGlass": "rear_view_mirror",
        "Mirrors/LeftGlass": "left_mirror",
        "Mirrors/RightGlass": "right_mirror",
    }
    for rel, zone in expected.items():
        p = _mesh_centre(stage, rel)
        got, t = gaze_zone(soup, eye, (p - eye) / np.linalg.norm(p - eye))
        assert got == zone, (rel, got)
        if rel != "Dashboard/Glovebox":   # the glovebox's mesh centre lies 7 cm inside the dash
            assert abs(t - np.linalg.norm(p - eye)) < 0.03, (rel, t)
    # the headliner straight above the eye point; the dash face below the cluster, behind the wheel hub
    assert gaze_zone(soup, eye, np.array([0.0, 0.0, 1.0]))[0] == "roof"
    cluster = _mesh_centre(stage, "Dashboard/Cluster/Screen")
    below = np.array([cabin_assets.SPECS[name].dash_rear_x, cluster[1], cabin_assets.SPECS[name].dash_top_z - 0.12])
    assert gaze_zone(soup, eye, (below - eye) / np.linalg.norm(below - eye))[0] == "instrument_cluster"


@pytest.mark.parametrize("name", CABINS)
@pytest.mark.parametrize("drive", DRIVES)
def test_zones_never_tie_for_the_first_hit(name, drive):
    """Over the driver's whole field of regard (yaw -100..100 deg, pitch -60..50 deg, 2 deg steps)
    from the design eye point, where a ray meets two zones their distances differ by at least
    5 mm: which zone comes first is never a matter of rounding."""
    info = read_cabin(open_cabin(name, drive), drive=drive)
    tris, owner = zone_soup(info)
    owner = np.asarray(owner)
    eye = info.design_eye_point
    for yaw in np.radians(np.arange(-100, 101, 2)):
        for pitch in np.radians(np.arange(-60, 51, 2)):
            d = np.array([np.cos(pitch) * np.cos(yaw), np.cos(pitch) * np.sin(yaw), np.sin(pitch)])
            t = hit_t(eye, d, tris)
            per_zone = sorted(t[owner == z].min() for z in set(owner[np.isfinite(t)]))
            if len(per_zone) > 1:
                assert per_zone[1] - per_zone[0] >= 0.005, (np.degrees(yaw), np.degrees(pitch))


@pytest.mark.parametrize("name", CABINS)
@pytest.mark.parametrize("drive", DRIVES)
def test_mounts_see_the_eye_point(name, drive):
    stage = open_cabin(name, drive)
    info = read_cabin(stage, drive=drive)
    opaque = [(p, t) for p, label, t in geometry(stage) if label != "window"]
    all_tris = np.concatenate([t for _, t in opaque])
    owner = np.concatenate([[str(p.GetPath())] * len(t) for p, t in opaque])
    for m, pos in info.mounts.items():
        hits = segment_hits(pos, info.design_eye_point, all_tris)
        assert not hits.any(), f"mount {m}: blocked by {sorted(set(owner[hits]))}"


@pytest.mark.parametrize("name", CABINS)
@pytest.mark.parametrize("drive", DRIVES)
def test_column_camera_sees_face_through_wheel(name, drive):
    stage = open_cabin(name, drive)
    info = read_cabin(stage, drive=drive)
    wheel = np.concatenate([mesh_triangles(stage, stage.GetPrimAtPath(f"/Cabin/SteeringWheel/{p}"))
                            for p in ("Rim", "Spokes", "Hub")])
    others = np.concatenate([t for p, label, t in geometry(stage)
                             if label != "window" and not str(p.GetPath()).startswith("/Cabin/SteeringWheel")])
    cam = info.mounts["steering_column"]
    # the mount sits in front of the wheel (towards the dash), the face behind it
    assert np.dot(cam - info.wheel_centre, info.wheel_axis) < 0
    grid = np.linspace(-0.12, 0.12, 9)
    for dy in grid:
        for dz in grid:
            target = info.design_eye_point + np.array([0.0, dy, dz])
            assert not segment_hits(cam, target, wheel).any(), (dy, dz)
            assert not segment_hits(cam, target, others).any(), (dy, dz)
    # the same segments do cross the wheel plane inside the rim (i.e. really "through" the wheel)
    t = np.dot(info.wheel_centre - cam, info.wheel_axis) / np.dot(info.design_eye_point - cam, info.wheel_axis)
    p = cam + t * (info.design_eye_point - cam)
    assert np.linalg.norm(p - info.wheel_centre) < 0.15


@pytest.mark.parametrize("name", CABINS)
def test_rhd_mirrors_lhd(name):
    lhd = read_cabin(open_cabin(name, "lhd"), drive="lhd")
    rhd = read_cabin(open_cabin(name, "rhd"), drive="rhd")
    flip = np.array([1.0, -1.0, 1.0])
    assert np.allclose(rhd.design_eye_point, lhd.design_eye_point * flip, atol=1e-5)
    assert np.allclose(rhd.driver_seat, lhd.driver_seat * flip, atol=1e-5)
    assert np.allclose(rhd.wheel_centre, lhd.wheel_centre * flip, atol=1e-5)
    assert np.allclose(rhd.wheel_axis, lhd.wheel_axis * flip, atol=1e-5)
    assert set(rhd.mounts) == set(lhd.mounts)
    for m in lhd.mounts:
        assert np.allclose(rhd.mounts[m], lhd.mounts[m] * flip, atol=1e-5), m
    for z, tris in lhd.zones.items():
        cl, cr = area_centre(tris), area_centre(rhd.zones[z])   # independent of how faces are fanned
        expect = cl if z in ABSOLUTE_SIDE_ZONES else cl * flip
        assert np.allclose(cr, expect, atol=1e-4), z
    # Every mesh mirrors in full: its 3D points as a set, and its area and area
    # centre (neither depends on how a planar quad is split into triangles). A part
    # named for a side of the car (the left mirror, the right doors) mirrors onto
    # its counterpart, since the car's left stays its left; every other part onto itself.
    stages = open_cabin(name, "lhd"), open_cabin(name, "rhd")       # kept open while their prims are read
    lhd, rhd = ({str(prim.GetPath()): (prim, tris) for prim, _, tris in geometry(st)} for st in stages)
    assert set(lhd) == set(rhd)
    for path, (prim, tris) in lhd.items():
        side = next((w for w in ("Left", "Right") if w in path), None)
        twin = path.replace(side, {"Left": "Right", "Right": "Left"}[side]) if side else path
        a, b = mesh_points(prim) * flip, mesh_points(rhd[twin][0])
        assert a.shape == b.shape, path
        assert cKDTree(b).query(a)[0].max() < 1e-5 and cKDTree(a).query(b)[0].max() < 1e-5, (path, twin)
        area = lambda t: 0.5 * np.linalg.norm(np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]), axis=1).sum()
        assert area(tris) == pytest.approx(area(rhd[twin][1]), rel=1e-6), (path, twin)
        assert np.allclose(area_centre(tris) * flip, area_centre(rhd[twin][1]), atol=1e-5), (path, twin)


def mesh_points(prim: Usd.Prim) -> np.ndarray:
    """A mesh's points in the vehicle frame."""
    pts = np.asarray(UsdGeom.Mesh(prim).GetPointsAttr().Get(), dtype=float)
    m = _np(UsdGeom.Xformable(prim).ComputeLocalToWorldTransform(Usd.TimeCode.Default()))
    return (np.hstack([pts, np.ones((len(pts), 1))]) @ m)[:, :3]


@pytest.mark.parametrize("drive", DRIVES)
def test_read_through_reference(drive):
    name = "hatchback"
    direct = read_cabin(open_cabin(name, drive), drive=drive)
    stage = Usd.Stage.CreateInMemory()
    UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.z)
    UsdGeom.Xform.Define(stage, "/World")
    cab = stage.DefinePrim("/World/Cabin")
    cab.GetReferences().AddReference(str(cabin_asset_path(name)))
    info = read_cabin(stage, "/World/Cabin", drive=drive)  # selects the variant itself
    assert cab.GetVariantSet("drive").GetVariantSelection() == drive
    assert info.name == name and info.drive == drive
    assert np.allclose(info.design_eye_point, direct.design_eye_point)
    assert np.allclose(info.wheel_axis, direct.wheel_axis)
    for m in direct.mounts:
        assert np.allclose(info.mounts[m], direct.mounts[m])
    for z in direct.zones:
        assert np.allclose(info.zones[z], direct.zones[z])
    assert stage.GetCompositionErrors() == []
    # material bindings survive the reference
    rim = stage.GetPrimAtPath("/World/Cabin/SteeringWheel/Rim")
    mat, _ = UsdShade.MaterialBindingAPI(rim).ComputeBoundMaterial()
    assert mat and str(mat.GetPath()).startswith("/World/Cabin/Looks/")


def test_read_does_not_modify_asset_layer():
    stage = Usd.Stage.Open(str(cabin_asset_path("hatchback")))
    layer = stage.GetRootLayer()
    before = layer.ExportToString()
    info = read_cabin(stage, drive="rhd")
    assert info.design_eye_point[1] < 0
    assert layer.ExportToString() == before and not layer.dirty
    assert stage.GetDefaultPrim().GetVariantSet("drive").GetVariantSelection() == "rhd"


@pytest.mark.parametrize("name", CABINS)
def test_steer_op_turns_wheel_about_column(name):
    stage = open_cabin(name)
    info = read_cabin(stage)
    wheel = UsdGeom.Xformable(stage.GetPrimAtPath("/Cabin/SteeringWheel"))
    names = [op.GetOpName() for op in wheel.GetOrderedXformOps()]
    assert names == ["xformOp:translate", "xformOp:orient", "xformOp:rotateZ:steer"]
    steer = stage.GetPrimAtPath("/Cabin/SteeringWheel").GetAttribute("xformOp:rotateZ:steer")
    assert steer.Get() == 0.0
    rim = stage.GetPrimAtPath("/Cabin/SteeringWheel/Rim")
    before = mesh_triangles(stage, rim).reshape(-1, 3)
    with Usd.EditContext(stage, stage.GetSessionLayer()):
        steer.Set(90.0)  # steering left
    pts = mesh_triangles(stage, rim).reshape(-1, 3)
    # the rim stays in its plane (|axial| <= tube radius), centred on the hub
    tube = cabin_assets.SPECS[name].rim_tube
    assert np.abs((pts - info.wheel_centre) @ info.wheel_axis).max() <= tube + 1e-4
    assert np.allclose(pts.mean(axis=0), before.mean(axis=0), atol=1e-4)
    assert not np.allclose(pts, before, atol=1e-3)
    m = _np(wheel.ComputeLocalToWorldTransform(Usd.TimeCode.Default()))
    twelve = np.array([0.0, 0.15, 0.0, 1.0]) @ m  # the former 12 o'clock point
    assert twelve[1] - info.wheel_centre[1] > 0.14  # has moved to the driver's left (+Y)
    assert np.allclose(m[2, :3], info.wheel_axis, atol=1e-9)  # axis unchanged
