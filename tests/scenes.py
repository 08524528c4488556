"""Small synthetic scenes for renderer and sensor tests: SceneViews made directly (no USD, no
driver), and small USD stages that render/view.py reads as it reads the pipeline's."""

from dataclasses import dataclass

import numpy as np
from pxr import Gf, Sdf, Usd, UsdGeom, UsdLux, UsdShade, Vt

from cabin_synth.render.view import Illuminator, Instance, SceneView
from cabin_synth.scene.camera import R_USDCAM_CV, Camera
from cabin_synth.scene.materials import Material
from cabin_synth.scene.stage import usd_matrix
from cabin_synth.transforms import look_at_opencv


def camera_at_origin(width=160, height=120, f_px=150.0, target=(1.0, 0.0, 0.0)) -> Camera:
    R = look_at_opencv(np.zeros(3), np.asarray(target, float))
    return Camera(width, height, f_px, f_px, (width - 1) / 2, (height - 1) / 2, R.T, np.zeros(3))


def quad(centre, normal, size):
    """Two triangles of a square facing `normal`, as (points, triangles, normals)."""
    n = np.asarray(normal, float) / np.linalg.norm(normal)
    a = np.cross(n, [0, 0, 1.0]) if abs(n[2]) < 0.9 else np.cross(n, [1.0, 0, 0])
    a /= np.linalg.norm(a)
    b = np.cross(n, a)
    h = size / 2
    pts = np.array([centre - h * a - h * b, centre + h * a - h * b, centre + h * a + h * b, centre - h * a + h * b])
    return pts, np.array([[0, 1, 2], [0, 2, 3]]), np.tile(n, (4, 1))


def slab(centre, normal, size, thickness):
    """Both faces of a thin square plate: every ray through it enters one face and
    leaves by the other, as through a closed lens."""
    n = np.asarray(normal, float) / np.linalg.norm(normal)
    front = quad(np.asarray(centre) + n * thickness / 2, n, size)
    back = quad(np.asarray(centre) - n * thickness / 2, -n, size)
    return (np.concatenate([front[0], back[0]]), np.concatenate([front[1], back[1] + 4]),
            np.concatenate([front[2], back[2]]))


def sphere(centre, radius, n=24):
    th, ph = np.meshgrid(np.linspace(0, np.pi, n), np.linspace(0, 2 * np.pi, 2 * n, endpoint=False), indexing="ij")
    dirs = np.stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)], -1).reshape(-1, 3)
    tris = []
    m = 2 * n
    for i in range(n - 1):
        for j in range(m):
            a, b, c, d = i * m + j, i * m + (j + 1) % m, (i + 1) * m + j, (i + 1) * m + (j + 1) % m
            tris += [[a, c, b], [b, c, d]]
    return np.asarray(centre) + radius * dirs, np.array(tris), dirs


def make_view(parts, camera, *, illuminator_w_sr=1.0, exponent=1.0, sun_lux=0.0, sky_lux=0.0,
              sun_nir=0.0, sky_nir=0.0, wavelength=940, illuminator_position=None, illuminators=None,
              sun_direction=(0.0, 0.0, 1.0)) -> SceneView:
    """parts: list of (points, triangles, normals, Material, semantic). One
    illuminator at `illuminator_position` (default: the camera centre) facing
    along the optical axis, unless `illuminators` lists them."""
    positions, normals, ids, tris, instances = [], [], [], [], []
    offset = 0
    for k, (pts, t, nrm, material, semantic) in enumerate(parts):
        instances.append(Instance(k + 1, f"/Test/Part{k}", semantic, material))
        positions.append(pts)
        normals.append(nrm)
        ids.append(np.full(len(pts), k + 1, np.int32))
        tris.append(t + offset)
        offset += len(pts)
    return SceneView(
        positions=np.concatenate(positions).astype(np.float32), normals=np.concatenate(normals).astype(np.float32),
        instance_ids=np.concatenate(ids), triangles=np.concatenate(tris).astype(np.int32), instances=tuple(instances),
        camera=camera, sun_direction=np.asarray(sun_direction, float) / np.linalg.norm(sun_direction),
        sun_lux=sun_lux, sky_lux=sky_lux, sun_nir_w_m2=sun_nir, sky_nir_w_m2=sky_nir,
        illuminators=tuple(illuminators) if illuminators is not None else (Illuminator(
            camera.position if illuminator_position is None else np.asarray(illuminator_position, float),
            camera.R_cam_vehicle[2].copy(), illuminator_w_sr, exponent),),
        wavelength_nm=wavelength)


GREY = Material((0.5, 0.5, 0.5), 0.5, 0.5)


@dataclass
class UsdMesh:
    """A mesh of usd_stage: points (vehicle frame), triangles, the material it is bound to, and
    optionally normals, texture coordinates st (vertex, or faceVarying with indices) and the
    ambient occlusion primvar."""
    name: str
    points: np.ndarray
    triangles: np.ndarray
    material: str = "/World/Looks/Plate"
    st: np.ndarray | None = None
    st_interpolation: str = "vertex"
    st_indices: np.ndarray | None = None
    normals: np.ndarray | None = None
    occlusion: np.ndarray | None = None


def usd_stage(meshes, *, size=(64, 64), f_px=64.0, position=(0.0, 0.0, 0.0), target=(1.0, 0.0, 0.0),
              sun_direction=(0.0, 0.0, 1.0), sun_lux=0.0, sky_lux=0.0, sun_nir=0.0, sky_nir=0.0,
              illuminator_w_sr=0.0) -> Usd.Stage:
    """A stage with a camera (size px, f_px, principal point at the image centre) at `position`
    looking at `target`, the sun, the sky and one illuminator at the camera; the meshes'
    materials are defined empty (write them with scene.stage.write_material)."""
    stage = Usd.Stage.CreateInMemory()
    UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.z)
    R_vehicle_cam = look_at_opencv(np.asarray(position, float), np.asarray(target, float))
    camera = UsdGeom.Camera.Define(stage, "/World/Camera")
    camera.AddTransformOp().Set(usd_matrix(R_vehicle_cam @ R_USDCAM_CV, np.asarray(position, float)))
    camera.GetFocalLengthAttr().Set(f_px * 0.01)
    camera.GetHorizontalApertureAttr().Set(size[0] * 0.01)
    camera.GetClippingRangeAttr().Set(Gf.Vec2f(0.02, 20.0))
    z = np.asarray(sun_direction, float) / np.linalg.norm(sun_direction)
    x = np.cross([0.0, 1.0, 0.0] if abs(z[1]) < 0.9 else [1.0, 0.0, 0.0], z)
    x /= np.linalg.norm(x)
    for name, schema, lux, nir in (("Sun", UsdLux.DistantLight, sun_lux, sun_nir), ("Sky", UsdLux.DomeLight, sky_lux, sky_nir)):
        light = schema.Define(stage, f"/World/Lights/{name}")
        if name == "Sun":
            light.AddTransformOp().Set(usd_matrix(np.stack([x, np.cross(z, x), z], axis=1), np.zeros(3)))
        light.GetPrim().CreateAttribute("cabin_synth:illuminance_lux", Sdf.ValueTypeNames.Float).Set(lux)
        light.GetPrim().CreateAttribute("cabin_synth:nir_irradiance_w_m2", Sdf.ValueTypeNames.Float).Set(nir)
    ill = UsdLux.SphereLight.Define(stage, "/World/Lights/Illuminator0")
    ill.AddTransformOp().Set(usd_matrix(R_vehicle_cam @ R_USDCAM_CV, np.asarray(position, float)))
    UsdLux.ShapingAPI.Apply(ill.GetPrim()).CreateShapingFocusAttr().Set(1e-6)
    ill.GetPrim().CreateAttribute("cabin_synth:radiant_intensity_w_sr", Sdf.ValueTypeNames.Float).Set(illuminator_w_sr)
    for m in meshes:
        mesh = UsdGeom.Mesh.Define(stage, f"/World/{m.name}")
        mesh.CreatePointsAttr(Vt.Vec3fArray.FromNumpy(np.asarray(m.points, np.float32)))
        mesh.CreateFaceVertexCountsAttr(Vt.IntArray([3] * len(m.triangles)))
        mesh.CreateFaceVertexIndicesAttr(Vt.IntArray.FromNumpy(np.asarray(m.triangles, np.int32).ravel()))
        api = UsdGeom.PrimvarsAPI(mesh)
        if m.normals is not None:
            mesh.CreateNormalsAttr(Vt.Vec3fArray.FromNumpy(np.asarray(m.normals, np.float32)))
            mesh.SetNormalsInterpolation(UsdGeom.Tokens.vertex)
        if m.st is not None:
            st = api.CreatePrimvar("st", Sdf.ValueTypeNames.TexCoord2fArray, m.st_interpolation)
            st.Set(Vt.Vec2fArray.FromNumpy(np.asarray(m.st, np.float32)))
            if m.st_indices is not None:
                st.SetIndices(Vt.IntArray.FromNumpy(np.asarray(m.st_indices, np.int32)))
        if m.occlusion is not None:
            api.CreatePrimvar("cabin_synth:occlusion", Sdf.ValueTypeNames.FloatArray, UsdGeom.Tokens.vertex).Set(
                Vt.FloatArray.FromNumpy(np.asarray(m.occlusion, np.float32)))
        UsdShade.MaterialBindingAPI.Apply(mesh.GetPrim()).Bind(UsdShade.Material.Define(stage, m.material))
    return stage
