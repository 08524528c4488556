"""The USD stage of one cabin variant, composed once and edited per frame.

Layout (docs/architecture.md): /World (defaultPrim) holds /World/Cabin (a
reference to usd_assets/cabins/<name>.usda with its 'drive' variant selected),
/World/Driver (the head pose as one matrix; one Mesh per driver part, points
rewritten each frame with fixed topology; Accessories/<Name> references to
usd_assets/accessories, fitted and shown per frame), /World/Cabin/PhoneAnchors
(the phone at each Euro NCAP position, shown per frame), /World/Body (the
neck, torso, arms, hands, legs and seat belt in the vehicle frame, one Mesh
per part with fixed topology, points rewritten each frame; cabin_synth.body),
/World/Camera and /World/Lights. The steering wheel turns by its
xformOp:rotateZ:steer.
Physical light and material values live in documented cabin_synth:* attributes
next to the standard UsdLux/UsdPreviewSurface ones.
"""

import math
from pathlib import Path
from typing import Mapping

import numpy as np
from pxr import Gf, Kind, Sdf, Usd, UsdGeom, UsdLux, UsdSemantics, UsdShade, Vt

from ..body.anchors import BodyAnchors, body_anchors
from ..body.build import BodyGeometry, body_topology
from ..driver import DriverGeometry, eyes, hair_cards, uvs
from ..render.specular import FIBRE_PRIMVAR
from ..sensor.optics import focus_distance_m
from . import accessories as acc
from . import road_lights, screens, skin
from .cabin import CabinInfo, cabin_asset_path, read_cabin
from .camera import R_USDCAM_CV
from .lamps import LampOutput
from .lighting import Daylight
from .materials import Material
from .outside import OutsideStage
from .rig import Rig
from .sky import SkyState
from .textures import TextureMap, connect_textures
from .world import WorldLayout
from .zones import zone_soup

ATTR_NIR = {850: "cabin_synth:nir_reflectance_850", 940: "cabin_synth:nir_reflectance_940"}


def usd_matrix(R: np.ndarray, t: np.ndarray) -> Gf.Matrix4d:
    """USD stores row-vector matrices (p' = p M): the transpose of [R t; 0 1]."""
    m = np.eye(4)
    m[:3, :3] = R.T
    m[3, :3] = t
    return Gf.Matrix4d(m.tolist())


def set_semantic(prim: Usd.Prim, taxonomy: str, label: str) -> None:
    UsdSemantics.LabelsAPI.Apply(prim, taxonomy).CreateLabelsAttr().Set(Vt.TokenArray([label]))


def write_material(stage: Usd.Stage, path: str, material: Material,
                   textures: Mapping[str, TextureMap] | None = None) -> UsdShade.Material:
    """A UsdPreviewSurface material of `material`'s values; `textures` (input name ->
    TextureMap, cabin_synth.scene.textures) connects inputs to texture files, whose
    means the values should then be (renderers read them where no texture is)."""
    mat = UsdShade.Material.Define(stage, path)
    shader = UsdShade.Shader.Define(stage, f"{path}/PreviewSurface")
    shader.CreateIdAttr("UsdPreviewSurface")
    shader.CreateInput("diffuseColor", Sdf.ValueTypeNames.Color3f).Set(Gf.Vec3f(*material.albedo_rgb))
    # UsdPreviewSurface's roughness is squared into the lobe's width (alpha, ~ Beckmann m).
    shader.CreateInput("roughness", Sdf.ValueTypeNames.Float).Set(float(np.sqrt(material.roughness)) if material.roughness > 0 else 0.6)
    shader.CreateInput("opacity", Sdf.ValueTypeNames.Float).Set(material.opacity)
    # Always authored (0: no cut-out, the specification's default): a look is rewritten each frame.
    shader.CreateInput("opacityThreshold", Sdf.ValueTypeNames.Float).Set(material.opacity_threshold)
    mat.CreateSurfaceOutput().ConnectToSource(shader.ConnectableAPI(), "surface")
    # A look is rewritten each frame: a value this material lacks is removed, not left as the
    # previous driver's (a beard's sheen on the next one's stubble), so that frame i depends
    # on (seed, i) alone.
    if material.ior > 0:
        shader.CreateInput("ior", Sdf.ValueTypeNames.Float).Set(material.ior)
    else:
        shader.GetPrim().RemoveProperty("inputs:ior")
    for wavelength, name in ATTR_NIR.items():
        mat.GetPrim().CreateAttribute(name, Sdf.ValueTypeNames.Float).Set(material.nir(wavelength))
    transmittance = dict(visible_transmittance=material.transmittance_visible,
                         nir_transmittance_850=material.transmittance_850,
                         nir_transmittance_940=material.transmittance_940)
    _set_custom(mat.GetPrim(), **(transmittance if material.opacity < 1.0 else dict.fromkeys(transmittance)))
    _set_custom(mat.GetPrim(), retroreflectance=material.retroreflectance or None)
    # Always authored: a driver's look is rewritten each frame, and a beard's may become stubble.
    _set_custom(mat.GetPrim(), hair_fibre=float(material.fibre))
    connect_textures(mat, shader, textures or {})
    return mat


class Scene:
    """One composed stage; `update` writes a frame's state into it."""

    def __init__(self, cabin: str, drive: str, geometry: DriverGeometry, texture_dir: Path):
        """texture_dir: where the sky dome's files go (inside the dataset's output folder)."""
        # LoadAll: the cabin's trim arrives through payload arcs, and the renderer and
        # the occlusion labels need every part (docs/cabins.md, Layers and payloads).
        self.stage = stage = Usd.Stage.CreateInMemory(load=Usd.Stage.LoadAll)
        UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.z)
        UsdGeom.SetStageMetersPerUnit(stage, 1.0)
        world = UsdGeom.Xform.Define(stage, "/World").GetPrim()
        stage.SetDefaultPrim(world)
        Usd.ModelAPI(world).SetKind(Kind.Tokens.assembly)

        cabin_prim = stage.DefinePrim("/World/Cabin")
        cabin_prim.GetReferences().AddReference(str(cabin_asset_path(cabin)))
        cabin_prim.GetVariantSets().GetVariantSet("drive").SetVariantSelection(drive)
        self.cabin: CabinInfo = read_cabin(stage, "/World/Cabin", cabin, drive)
        self.zones = zone_soup(self.cabin)   # the gaze-zone triangles every frame's labels cast against
        seat = UsdGeom.Xformable(stage.GetPrimAtPath("/World/Cabin/DriverSeat"))
        self._seat_translate = next(op for op in seat.GetOrderedXformOps()
                                    if op.GetOpType() == UsdGeom.XformOp.TypeTranslate)

        driver = UsdGeom.Xform.Define(stage, "/World/Driver")
        self._driver_xform = driver.AddTransformOp()
        self._meshes: dict[str, UsdGeom.Mesh] = {}
        UsdGeom.Scope.Define(stage, "/World/Driver/Looks")
        part_uvs = {**uvs.skin_uvs(), **{name: uvs.UVSet(st) for name, st in hair_cards.card_uvs().items()},
                    **{f"Eye{side}/{name}": uvs.UVSet(st) for side in "RL" for name, st in eyes.eye_st(side).items()}}
        for part in geometry.parts:
            # Grouping prims (EyeR, Mouth) are Xforms, so that every importer composes
            # the head's transform down to the meshes beneath them.
            for group in part.name.split("/")[:-1]:
                UsdGeom.Xform.Define(stage, f"/World/Driver/{group}")
            mesh = UsdGeom.Mesh.Define(stage, f"/World/Driver/{part.name}")
            mesh.CreateFaceVertexCountsAttr(Vt.IntArray([3] * len(part.faces)))
            mesh.CreateFaceVertexIndicesAttr(Vt.IntArray.FromNumpy(part.faces.astype(np.int32).ravel()))
            mesh.CreateSubdivisionSchemeAttr(UsdGeom.Tokens.none)
            mesh.CreateNormalsAttr()
            mesh.SetNormalsInterpolation(UsdGeom.Tokens.vertex)
            set_semantic(mesh.GetPrim(), "class", part.semantic)
            self._meshes[part.name] = mesh
            if part.name in part_uvs:   # where the part lies in its maps (fixed topology)
                _write_st(mesh, part_uvs[part.name])
            if part.name == skin.OCCLUSION_PART:   # the template's ambient occlusion, the same for every driver
                UsdGeom.PrimvarsAPI(mesh).CreatePrimvar("cabin_synth:occlusion", Sdf.ValueTypeNames.FloatArray,
                                                        UsdGeom.Tokens.vertex).Set(
                    Vt.FloatArray.FromNumpy(skin.head_occlusion().astype(np.float32)))
            elif part.name in skin.EYE_PARTS or part.name in skin.MOUTH_PARTS:
                UsdGeom.PrimvarsAPI(mesh).CreatePrimvar("cabin_synth:occlusion", Sdf.ValueTypeNames.FloatArray,
                                                        UsdGeom.Tokens.vertex)
            if part.fibres is not None:   # hair: the direction its fibres run, for their sheen (docs/sensors.md)
                UsdGeom.PrimvarsAPI(mesh).CreatePrimvar(FIBRE_PRIMVAR, Sdf.ValueTypeNames.Vector3fArray,
                                                        UsdGeom.Tokens.vertex)
            look = UsdShade.Material.Define(stage, f"/World/Driver/Looks/{part.material.capitalize()}")
            UsdShade.MaterialBindingAPI.Apply(mesh.GetPrim()).Bind(look)

        self._accessories = self._compose_accessories()
        self._body_meshes = self._compose_body()
        wheel = UsdGeom.Xformable(stage.GetPrimAtPath("/World/Cabin/SteeringWheel"))
        self._steer = next(op for op in wheel.GetOrderedXformOps() if op.GetOpName() == "xformOp:rotateZ:steer")

        self.camera = UsdGeom.Camera.Define(stage, "/World/Camera")
        self._camera_xform = self.camera.AddTransformOp()
        UsdGeom.Xform.Define(stage, "/World/Lights")
        self.sun = UsdLux.DistantLight.Define(stage, "/World/Lights/Sun")
        self._sun_xform = self.sun.AddTransformOp()
        self.outside = OutsideStage(stage, texture_dir)
        self.sky = self.outside.sky
        self._illuminators: list[tuple[UsdLux.SphereLight, UsdGeom.XformOp]] = []
        self.dome_light = UsdLux.DiskLight(stage.GetPrimAtPath("/World/Cabin/DomeLamp/Light"))
        self.dome_light_position = np.asarray(
            UsdGeom.XformCache().GetLocalToWorldTransform(self.dome_light.GetPrim()).ExtractTranslation())
        lens = UsdShade.MaterialBindingAPI(stage.GetPrimAtPath("/World/Cabin/DomeLamp/Lens")).ComputeBoundMaterial()[0]
        self._dome_lens = lens.ComputeSurfaceSource()[0]
        self._screens = [_Screen.of(stage.GetPrimAtPath(f"/World/Cabin/Dashboard/{name}")) for name in SCREENS]

    def _compose_accessories(self) -> dict:
        """Reference every accessory once, hidden: frames only toggle visibility and
        set the head-worn ones' fit (docs/cabins.md, Accessories in a scene)."""
        stage, ops = self.stage, {}
        # group kinds keep the model hierarchy unbroken down to each accessory (a component)
        for path in ("/World/Driver/Accessories", "/World/Cabin/PhoneAnchors"):
            UsdGeom.Xform.Define(stage, path)
        for path in ("/World/Driver", "/World/Driver/Accessories", "/World/Cabin/PhoneAnchors"):
            Usd.ModelAPI(stage.GetPrimAtPath(path)).SetKind(Kind.Tokens.group)
        for slot, name, lens in acc.head_options():
            prim = UsdGeom.Xform.Define(stage, f"/World/Driver/Accessories/{acc.head_prim_name(name, lens)}")
            prim.GetPrim().GetReferences().AddReference(str(acc.asset_path(name)))
            if lens:
                prim.GetPrim().GetVariantSets().GetVariantSet("lens").SetVariantSelection(lens)
            prim.MakeInvisible()
            ops[(slot, name, lens)] = (prim, prim.AddTransformOp())
        poses = acc.stage_phone_poses(stage, "/World/Cabin", self.cabin)
        self.body_anchors: BodyAnchors = body_anchors(stage, "/World/Cabin", self.cabin, poses)
        for position, (R, t) in poses.items():
            anchor = UsdGeom.Xform.Define(stage, f"/World/Cabin/PhoneAnchors/{acc.root_name(position)}")
            Usd.ModelAPI(anchor.GetPrim()).SetKind(Kind.Tokens.group)
            anchor.AddTransformOp().Set(usd_matrix(R, t))
            phone = UsdGeom.Xform.Define(stage, f"{anchor.GetPath()}/Phone")
            phone.GetPrim().GetReferences().AddReference(str(acc.asset_path("phone")))
            phone.MakeInvisible()
            ops[("phone", position)] = (phone, None)
        return ops

    def _compose_body(self) -> dict[str, UsdGeom.Mesh]:
        """/World/Body: one mesh per body part (cabin_synth.body.build.body_topology), vehicle frame."""
        stage = self.stage
        Usd.ModelAPI(UsdGeom.Xform.Define(stage, "/World/Body").GetPrim()).SetKind(Kind.Tokens.group)
        UsdGeom.Scope.Define(stage, "/World/Body/Looks")
        meshes = {}
        for name, semantic, material, faces in body_topology():
            mesh = UsdGeom.Mesh.Define(stage, f"/World/Body/{name}")
            mesh.CreateFaceVertexCountsAttr(Vt.IntArray([3] * len(faces)))
            mesh.CreateFaceVertexIndicesAttr(Vt.IntArray.FromNumpy(faces.astype(np.int32).ravel()))
            mesh.CreateSubdivisionSchemeAttr(UsdGeom.Tokens.none)
            mesh.CreateNormalsAttr()
            mesh.SetNormalsInterpolation(UsdGeom.Tokens.vertex)
            set_semantic(mesh.GetPrim(), "class", semantic)
            look = UsdShade.Material.Define(stage, f"/World/Body/Looks/{_look_name(material)}")
            UsdShade.MaterialBindingAPI.Apply(mesh.GetPrim()).Bind(look)
            meshes[name] = mesh
        return meshes

    def update_body(self, body: BodyGeometry, materials: dict[str, Material], steering_wheel_deg: float) -> None:
        self._steer.Set(float(steering_wheel_deg))
        for part in body.parts:
            mesh = self._body_meshes[part.name]
            mesh.GetPointsAttr().Set(Vt.Vec3fArray.FromNumpy(part.points.astype(np.float32)))
            mesh.GetNormalsAttr().Set(Vt.Vec3fArray.FromNumpy(part.normals.astype(np.float32)))
            (mesh.MakeInvisible if part.name in body.hidden else mesh.MakeVisible)()
        for name, material in materials.items():
            write_material(self.stage, f"/World/Body/Looks/{_look_name(name)}", material)

    def _update_accessories(self, worn: acc.Accessories, geometry: DriverGeometry) -> None:
        head = set(acc.worn_head(worn))
        for key, (prim, op) in self._accessories.items():
            on = key in head or key == ("phone", worn.phone)
            if on and op is not None:
                op.Set(usd_matrix(*acc.fit_transform(key[0], geometry)))
            (prim.MakeVisible if on else prim.MakeInvisible)()

    def update(self, rig: Rig, geometry: DriverGeometry, materials: dict[str, Material],
               daylight: Daylight, sensor: dict, accessories: acc.Accessories | None = None,
               dome: LampOutput | None = None, skin_maps: Mapping[str, TextureMap] | None = None,
               occlusion: dict[str, np.ndarray] | None = None, world: WorldLayout | None = None,
               material_maps: Mapping[str, Mapping[str, TextureMap]] | None = None) -> None:
        """dome: the cabin lamp's output (None: off); skin_maps: the driver's skin textures
        (skin.skin_maps), on the skin and lips materials; material_maps: the textures of other
        driver materials by name (hair cards, brows and lashes: scene/hair_cards.py; sclera and
        iris: scene/eye_maps.py); occlusion: per-vertex ambient
        occlusion of the eye parts by name (skin.eye_occlusion); world: what stands outside
        (None: the last frame's)."""
        stage = self.stage
        for name, values in (occlusion or {}).items():
            UsdGeom.PrimvarsAPI(self._meshes[name]).GetPrimvar("cabin_synth:occlusion").Set(
                Vt.FloatArray.FromNumpy(np.ascontiguousarray(values, np.float32)))
        if accessories is not None:
            self._update_accessories(accessories, geometry)
        self._driver_xform.Set(usd_matrix(rig.R_vehicle_head, rig.t_vehicle_head))
        self._seat_translate.Set(Gf.Vec3d(*rig.seat_h_point))
        for part in geometry.parts:
            mesh = self._meshes[part.name]
            mesh.GetPointsAttr().Set(Vt.Vec3fArray.FromNumpy(part.points.astype(np.float32)))
            mesh.GetNormalsAttr().Set(Vt.Vec3fArray.FromNumpy(part.normals.astype(np.float32)))
            if part.fibres is not None:
                UsdGeom.PrimvarsAPI(mesh).GetPrimvar(FIBRE_PRIMVAR).Set(Vt.Vec3fArray.FromNumpy(part.fibres.astype(np.float32)))
        for name, material in materials.items():
            write_material(stage, f"/World/Driver/Looks/{name.capitalize()}", material,
                           skin_maps if name in skin.TEXTURED_MATERIALS else (material_maps or {}).get(name))

        cam = rig.camera
        self._camera_xform.Set(usd_matrix(cam.R_cam_vehicle.T @ R_USDCAM_CV, cam.position))
        write_lens(self.camera, cam, sensor)

        # The sun's light travels along its -Z axis: point +Z at the sun.
        z = daylight.sun_direction
        x = np.cross([0.0, 0.0, 1.0], z) if abs(z[2]) < 0.999 else np.array([1.0, 0.0, 0.0])
        x /= np.linalg.norm(x)
        self._sun_xform.Set(usd_matrix(np.stack([x, np.cross(z, x), z], axis=1), np.zeros(3)))
        self.sun.GetIntensityAttr().Set(float(daylight.sun_lux))
        _set_custom(self.sun.GetPrim(), illuminance_lux=daylight.sun_lux, nir_irradiance_w_m2=daylight.sun_nir_w_m2)
        self.sun.CreateAngleAttr().Set(0.53)   # the sun's disc, degrees
        _set_custom(self.sky.GetPrim(), illuminance_lux=daylight.sky_lux, nir_irradiance_w_m2=daylight.sky_nir_w_m2)
        self.sky.GetPrim().CreateAttribute("cabin_synth:cabin_rgb", Sdf.ValueTypeNames.Color3f).Set(
            Gf.Vec3f(*(float(c) for c in daylight.sky_rgb)))
        self._update_outdoors(daylight, sensor["nir"], world)

        R_ill = cam.R_cam_vehicle.T @ R_USDCAM_CV  # the illuminators face where the camera looks
        for k, (ill, position) in enumerate(zip(sensor["illuminators"], rig.illuminator_positions)):
            light, xform = self._illuminator(k)
            xform.Set(usd_matrix(R_ill, position))
            shaping = UsdLux.ShapingAPI(light.GetPrim())
            shaping.CreateShapingFocusAttr().Set(float(beam_exponent(math.radians(ill["half_angle_deg"]))))
            shaping.CreateShapingConeAngleAttr().Set(90.0)
            _set_custom(light.GetPrim(), radiant_intensity_w_sr=ill["radiant_intensity_w_sr"],
                        half_angle_deg=ill["half_angle_deg"], wavelength_nm=sensor["nir"]["wavelength_nm"])

        self._update_dome(dome, sensor["nir"]["wavelength_nm"])
        white = screens.white_luminance(screens.ambient_lux(daylight))
        for screen in self._screens:
            screen.light_up(white, sensor["nir"]["wavelength_nm"])

    def _update_outdoors(self, daylight: Daylight, nir: dict, world: WorldLayout | None) -> None:
        """The light on the world outside (before the glass) and the world itself."""
        out, wavelength_nm = daylight.outdoors, nir["wavelength_nm"]
        _set_custom(self.sun.GetPrim(), outside_illuminance_lux=out.sun_lux, outside_nir_irradiance_w_m2=out.sun_nir_w_m2)
        el = math.degrees(math.asin(float(np.clip(daylight.sun_direction[2], -1.0, 1.0))))
        az = math.degrees(math.atan2(daylight.sun_direction[1], daylight.sun_direction[0]))
        self.outside.update_sky(SkyState(el, out.sky_fraction), az, out.sky_lux, out.nir_per_lux, wavelength_nm)
        self.outside.root.CreateAttribute("cabin_synth:sheltered", Sdf.ValueTypeNames.Bool).Set(out.sheltered)
        roads = self.outside.road_lights
        roads.CreateAttribute("cabin_synth:kind", Sdf.ValueTypeNames.Token).Set(out.road_lights)
        roads.CreateAttribute("cabin_synth:rgb", Sdf.ValueTypeNames.Color3f).Set(Gf.Vec3f(*(float(c) for c in out.road_rgb)))
        _set_custom(roads, illuminance_lux=out.road_lux, nir_irradiance_w_m2=out.road_nir_w_m2)
        if world is not None:
            on = out.road_lights != "none"
            luminance = road_lights.LUMINAIRE_CD_M2 * out.road_rgb if on else np.zeros(3)
            nir = road_lights.LUMINAIRE_CD_M2 * road_lights.nir_w_per_lm(out.road_lights, wavelength_nm, nir["bandwidth_nm"]) if on else 0.0
            self.outside.update(world, luminance, nir)

    def _update_dome(self, dome: LampOutput | None, wavelength_nm: int) -> None:
        """The dome lamp's light (None: off) and its lens's glow: a Lambertian disc of
        radius r with on-axis intensity I shows the luminance I / (pi r^2)."""
        light, prim = self.dome_light, self.dome_light.GetPrim()
        area = math.pi * light.GetRadiusAttr().Get() ** 2
        on = dome is not None
        luminance = dome.intensity_cd / area if on else 0.0
        light.CreateIntensityAttr().Set(float(luminance))
        light.CreateEnableColorTemperatureAttr().Set(on)
        light.CreateColorTemperatureAttr().Set(float(dome.cct_k) if on else 6500.0)
        prim.CreateAttribute("cabin_synth:on", Sdf.ValueTypeNames.Bool).Set(on)
        prim.CreateAttribute("cabin_synth:kind", Sdf.ValueTypeNames.Token).Set(dome.kind if on else "none")
        prim.CreateAttribute("cabin_synth:wavelength_nm", Sdf.ValueTypeNames.Int).Set(int(wavelength_nm))
        names = ("luminous_flux_lm", "luminous_intensity_cd", "radiant_intensity_w_sr",
                 "nir_w_nm_per_lm_850", "nir_w_nm_per_lm_940")
        values = ((dome.flux_lm, dome.intensity_cd, dome.nir_w_sr, dome.nir_w_nm_per_lm[850], dome.nir_w_nm_per_lm[940])
                  if on else (0.0,) * len(names))
        _set_custom(prim, **dict(zip(names, values)))
        glow = dome.rgb * luminance if on else np.zeros(3)
        self._dome_lens.CreateInput("emissiveColor", Sdf.ValueTypeNames.Color3f).Set(Gf.Vec3f(*glow.tolist()))
        _set_custom(self._dome_lens.GetPrim().GetParent(), emissive_nir_w_m2_sr=dome.nir_w_sr / area if on else 0.0)
    def _illuminator(self, k: int) -> tuple[UsdLux.SphereLight, UsdGeom.XformOp]:
        """The k-th NIR illuminator's light and transform, made on first use."""
        while len(self._illuminators) <= k:
            light = UsdLux.SphereLight.Define(self.stage, f"/World/Lights/Illuminator{len(self._illuminators)}")
            light.CreateRadiusAttr(0.004)
            UsdLux.ShapingAPI.Apply(light.GetPrim())
            self._illuminators.append((light, light.AddTransformOp()))
        return self._illuminators[k]


def write_lens(camera: UsdGeom.Camera, cam, sensor: dict) -> None:
    """Focal length and apertures in tenths of a stage unit, as UsdGeom.Camera defines
    them (the stage is in metres, so 3.6 mm is 0.036); the focus distance in stage units.
    A lens whose defocus is off (sensor.optics.defocus) has no depth of field: fStop 0,
    which UsdGeom defines as a pinhole (docs/sensors.md, The camera in USD)."""
    tenths = 0.01 / UsdGeom.GetStageMetersPerUnit(camera.GetPrim().GetStage())   # one millimetre
    pitch_mm = sensor["pixel_pitch_um"] * 1e-3
    camera.GetFocalLengthAttr().Set(cam.fx * pitch_mm * tenths)
    camera.GetHorizontalApertureAttr().Set(cam.width * pitch_mm * tenths)
    camera.GetVerticalApertureAttr().Set(cam.height * pitch_mm * tenths)
    camera.GetClippingRangeAttr().Set(Gf.Vec2f(cam.near_m, cam.far_m))
    blurs = (sensor.get("optics") or {}).get("defocus", False)
    camera.GetFStopAttr().Set(float(sensor["f_number"]) if blurs else 0.0)
    camera.GetFocusDistanceAttr().Set(focus_distance_m(sensor))
    prim = camera.GetPrim()
    prim.CreateAttribute("cabin_synth:f_number", Sdf.ValueTypeNames.Float).Set(float(sensor["f_number"]))
    # UsdGeom.Camera has no lens distortion: documented custom attributes (docs/sensors.md).
    prim.CreateAttribute("cabin_synth:distortion_model", Sdf.ValueTypeNames.Token).Set(cam.distortion_model)
    prim.CreateAttribute("cabin_synth:distortion_coefficients", Sdf.ValueTypeNames.DoubleArray).Set(
        Vt.DoubleArray(list(cam.distortion_coeffs)))


def _write_st(mesh: UsdGeom.Mesh, uv) -> None:
    """A mesh's texture coordinates as primvars:st (vertex, or faceVarying with indices)."""
    kind = UsdGeom.Tokens.vertex if uv.indices is None else UsdGeom.Tokens.faceVarying
    st = UsdGeom.PrimvarsAPI(mesh).CreatePrimvar("st", Sdf.ValueTypeNames.TexCoord2fArray, kind)
    st.Set(Vt.Vec2fArray.FromNumpy(uv.values))
    if uv.indices is not None:
        st.SetIndices(Vt.IntArray.FromNumpy(uv.indices))


# The cabin's screens: /World/Cabin/Dashboard/<name> holds a Screen mesh and its Light (docs/cabins.md).
SCREENS = ("Cluster", "Infotainment")


class _Screen:
    """A screen's light and the emissive texture of its picture, lit together."""

    def __init__(self, light: UsdLux.RectLight, surface: UsdShade.Shader, picture: UsdShade.Shader):
        self.light, self.surface, self.picture = light, surface, picture

    @classmethod
    def of(cls, prim: Usd.Prim) -> "_Screen":
        material = UsdShade.MaterialBindingAPI(prim.GetChild("Screen")).ComputeBoundMaterial()[0]
        surface = material.ComputeSurfaceSource()[0]
        picture = UsdShade.Shader(surface.GetInput("emissiveColor").GetConnectedSource()[0].GetPrim())
        return cls(UsdLux.RectLight(prim.GetChild("Light")), surface, picture)

    def light_up(self, white_nits: float, wavelength_nm: int) -> None:
        """Full white at white_nits: the picture's texture scaled to it (its authored value the
        mean glow), and the light at the picture's mean luminance; no NIR."""
        prim = self.light.GetPrim()
        mean_nits = white_nits * float(prim.GetAttribute("cabin_synth:picture_luminance").Get())
        area = float(self.light.GetWidthAttr().Get()) * float(self.light.GetHeightAttr().Get())
        self.light.GetIntensityAttr().Set(mean_nits)
        self.picture.GetInput("scale").Set(Gf.Vec4f(white_nits, white_nits, white_nits, 1.0))
        colour = np.asarray(self.light.GetColorAttr().Get(), float)
        self.surface.GetInput("emissiveColor").Set(Gf.Vec3f(*(mean_nits * colour).tolist()))
        prim.CreateAttribute("cabin_synth:on", Sdf.ValueTypeNames.Bool).Set(True)
        prim.CreateAttribute("cabin_synth:wavelength_nm", Sdf.ValueTypeNames.Int).Set(int(wavelength_nm))
        _set_custom(prim, luminous_intensity_cd=mean_nits * area, radiant_intensity_w_sr=0.0)


def _look_name(material: str) -> str:
    return "".join(w.capitalize() for w in material.split("_"))


def beam_exponent(half_angle_rad: float) -> float:
    """Exponent m of an LED's cos^m beam whose intensity halves at `half_angle_rad`."""
    return math.log(0.5) / math.log(math.cos(half_angle_rad))


def _set_custom(prim: Usd.Prim, **values: float | None) -> None:
    """Author `cabin_synth:<key>` floats; None removes one."""
    for key, value in values.items():
        if value is None:
            prim.RemoveProperty(f"cabin_synth:{key}")
        else:
            prim.CreateAttribute(f"cabin_synth:{key}", Sdf.ValueTypeNames.Float).Set(float(value))
