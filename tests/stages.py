"""Small USD stages for renderers that import the stage (Cycles): the parts of
tests/scenes.py written to /World the way scene/stage.py writes a frame."""

import numpy as np
from pxr import Sdf, Usd, UsdGeom, UsdLux, UsdShade, Vt

from cabin_synth.render.view import StageReader
from cabin_synth.scene.camera import R_USDCAM_CV, Camera
from cabin_synth.scene.stage import beam_exponent, set_semantic, usd_matrix, write_lens, write_material

SENSOR = {"pixel_pitch_um": 3.0, "f_number": 2.0}


def _light(stage, path, kind, **values):
    light = kind.Define(stage, path)
    for key, value in values.items():
        light.GetPrim().CreateAttribute(f"cabin_synth:{key}", Sdf.ValueTypeNames.Float).Set(float(value))
    return light


def make_stage(parts, camera: Camera, *, illuminators=(), sun_lux=0.0, sun_nir=0.0, sky_lux=0.0, sky_nir=0.0,
               sun_direction=(0.0, 0.0, 1.0), wavelength=940):
    """parts: (points, triangles, normals, Material, semantic) as in scenes.make_view;
    illuminators: (position, axis, W/sr, half angle deg). Returns the stage and its view."""
    stage = Usd.Stage.CreateInMemory()
    UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.z)
    UsdGeom.SetStageMetersPerUnit(stage, 1.0)
    stage.SetDefaultPrim(UsdGeom.Xform.Define(stage, "/World").GetPrim())
    UsdGeom.Scope.Define(stage, "/World/Looks")
    for k, (pts, tris, normals, material, semantic) in enumerate(parts):
        mesh = UsdGeom.Mesh.Define(stage, f"/World/Part{k}")
        mesh.CreatePointsAttr(Vt.Vec3fArray.FromNumpy(np.asarray(pts, np.float32)))
        mesh.CreateFaceVertexCountsAttr(Vt.IntArray([3] * len(tris)))
        mesh.CreateFaceVertexIndicesAttr(Vt.IntArray.FromNumpy(np.asarray(tris, np.int32).ravel()))
        mesh.CreateSubdivisionSchemeAttr(UsdGeom.Tokens.none)
        mesh.CreateNormalsAttr(Vt.Vec3fArray.FromNumpy(np.asarray(normals, np.float32)))
        mesh.SetNormalsInterpolation(UsdGeom.Tokens.vertex)
        set_semantic(mesh.GetPrim(), "class", semantic)
        UsdShade.MaterialBindingAPI.Apply(mesh.GetPrim()).Bind(write_material(stage, f"/World/Looks/Part{k}", material))
    cam = UsdGeom.Camera.Define(stage, "/World/Camera")
    cam.AddTransformOp().Set(usd_matrix(camera.R_cam_vehicle.T @ R_USDCAM_CV, camera.position))
    write_lens(cam, camera, SENSOR)
    UsdGeom.Xform.Define(stage, "/World/Lights")
    z = np.asarray(sun_direction, float) / np.linalg.norm(sun_direction)
    x = np.cross([0.0, 1.0, 0.0], z) if abs(z[1]) < 0.999 else np.array([1.0, 0.0, 0.0])
    x /= np.linalg.norm(x)
    sun = _light(stage, "/World/Lights/Sun", UsdLux.DistantLight, illuminance_lux=sun_lux, nir_irradiance_w_m2=sun_nir)
    sun.AddTransformOp().Set(usd_matrix(np.stack([x, np.cross(z, x), z], axis=1), np.zeros(3)))
    _light(stage, "/World/Lights/Sky", UsdLux.DomeLight, illuminance_lux=sky_lux, nir_irradiance_w_m2=sky_nir)
    for k, (position, axis, w_sr, half_deg) in enumerate(illuminators):
        light = _light(stage, f"/World/Lights/Illuminator{k}", UsdLux.SphereLight, radiant_intensity_w_sr=w_sr)
        light.CreateRadiusAttr(0.004)
        a = np.asarray(axis, float) / np.linalg.norm(axis)
        u = np.cross(a, [0.0, 0.0, 1.0]) if abs(a[2]) < 0.999 else np.array([1.0, 0.0, 0.0])
        u /= np.linalg.norm(u)
        light.AddTransformOp().Set(usd_matrix(np.stack([u, np.cross(-a, u), -a], axis=1), np.asarray(position, float)))
        UsdLux.ShapingAPI.Apply(light.GetPrim()).CreateShapingFocusAttr().Set(float(beam_exponent(np.radians(half_deg))))
    return stage, StageReader(stage).read(wavelength, camera.width, camera.height)
