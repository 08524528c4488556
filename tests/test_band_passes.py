"""Band passes (scene/band_passes.py): under the NIR pass every material shows its
NIR reflectance (a textured one its NIR texture), emission and see-through in NIR
terms, the lights their NIR output in our units; under the RGB pass the sun is at
its outside illuminance and the NIR illuminators are dark; leaving the pass gives
the stage back as authored."""

import math

import numpy as np
from pxr import Gf, Sdf, Usd, UsdLux, UsdShade

from cabin_synth.scene.band_passes import band_pass
from cabin_synth.scene.materials import Material
from cabin_synth.scene.stage import write_material
from cabin_synth.scene.textures import TextureFolder, TextureImage, nir_input

SKIN = Material((0.6, 0.4, 0.3), 0.55, 0.62)
GLASS = Material((0.9, 0.9, 0.9), 0.1, 0.1, opacity=0.2, transmittance_850=0.7, transmittance_940=0.65)


def surface(stage, path):
    return UsdShade.Material(stage.GetPrimAtPath(path)).ComputeSurfaceSource()[0]


def build(tmp_path):
    stage = Usd.Stage.CreateInMemory()
    grey = np.full((4, 4), 128, np.uint8)
    maps = TextureFolder(tmp_path).maps({"diffuseColor": TextureImage("albedo", np.full((4, 4, 3), 90, np.uint8), "sRGB"),
                                         nir_input(940): TextureImage("nir", grey, "raw")})
    write_material(stage, "/World/Looks/Skin", SKIN, maps)
    write_material(stage, "/World/Looks/Plain", SKIN)
    write_material(stage, "/World/Looks/Leather", SKIN, {"diffuseColor": maps["diffuseColor"]})
    write_material(stage, "/World/Looks/Glass", GLASS)
    lens = write_material(stage, "/World/Looks/Lens", SKIN)
    surface(stage, "/World/Looks/Lens").CreateInput("emissiveColor", Sdf.ValueTypeNames.Color3f).Set(Gf.Vec3f(5, 4, 3))
    lens.GetPrim().CreateAttribute("cabin_synth:emissive_nir_w_m2_sr", Sdf.ValueTypeNames.Float).Set(0.7)
    sun = UsdLux.DistantLight.Define(stage, "/World/Lights/Sun")
    sun.CreateIntensityAttr(800.0)
    for name, value in (("outside_illuminance_lux", 60000.0), ("outside_nir_irradiance_w_m2", 45.0)):
        sun.GetPrim().CreateAttribute(f"cabin_synth:{name}", Sdf.ValueTypeNames.Float).Set(value)
    sky = UsdLux.DomeLight.Define(stage, "/World/Lights/Sky")
    sky.CreateTextureFileAttr(Sdf.AssetPath("sky_rgb.exr"))
    sky.CreateIntensityAttr(3000.0)
    sky.GetPrim().CreateAttribute("cabin_synth:nir_texture_file", Sdf.ValueTypeNames.Asset).Set(Sdf.AssetPath("sky_nir.exr"))
    sky.GetPrim().CreateAttribute("cabin_synth:nir_intensity", Sdf.ValueTypeNames.Float).Set(2.5)
    ill = UsdLux.SphereLight.Define(stage, "/World/Lights/Illuminator0")
    ill.CreateRadiusAttr(0.004)
    ill.CreateIntensityAttr(1.0)
    ill.GetPrim().CreateAttribute("cabin_synth:radiant_intensity_w_sr", Sdf.ValueTypeNames.Float).Set(2.0)
    lamp = UsdLux.DiskLight.Define(stage, "/World/Cabin/Lamp")
    lamp.CreateRadiusAttr(0.03)
    lamp.CreateIntensityAttr(900.0)
    lamp.CreateEnableColorTemperatureAttr(True)
    lamp.GetPrim().CreateAttribute("cabin_synth:radiant_intensity_w_sr", Sdf.ValueTypeNames.Float).Set(0.05)
    return stage


def state(stage):
    """What a renderer reads: each material's diffuse value and source, opacity, emission; each light's inputs."""
    out = {}
    for prim in stage.Traverse():
        if prim.IsA(UsdShade.Material):
            s = surface(stage, prim.GetPath())
            d = s.GetInput("diffuseColor")
            out[str(prim.GetPath())] = (tuple(d.Get()), [str(p) for p in d.GetAttr().GetConnections()],
                                        s.GetInput("opacity").Get(),
                                        tuple(s.GetInput("emissiveColor").Get()) if s.GetInput("emissiveColor") else None)
        elif prim.HasAPI(UsdLux.LightAPI):
            light = UsdLux.LightAPI(prim)
            out[str(prim.GetPath())] = (light.GetIntensityAttr().Get(), tuple(light.GetColorAttr().Get()),
                                        light.GetEnableColorTemperatureAttr().Get(),
                                        prim.GetAttribute("inputs:texture:file").Get())
    return out


def test_nir_pass_puts_nir_values_where_renderers_read(tmp_path):
    stage = build(tmp_path)
    before = state(stage)
    with band_pass(stage, "nir", 940):
        skin = surface(stage, "/World/Looks/Skin").GetInput("diffuseColor").GetConnectedSources()[0]
        assert [(str(s.source.GetPath()), s.sourceName) for s in skin] == [("/World/Looks/Skin/NirReflectance940Texture", "rgb")]
        now = state(stage)
        for untextured_in_nir in ("/World/Looks/Plain", "/World/Looks/Leather"):   # Leather: a visible texture only
            assert now[untextured_in_nir][:2] == (tuple(Gf.Vec3f(0.62, 0.62, 0.62)), [])
        assert before["/World/Looks/Leather"][1] == ["/World/Looks/Leather/DiffuseColorTexture.outputs:rgb"]
        assert math.isclose(now["/World/Looks/Glass"][2], 1.0 - 0.65, rel_tol=1e-6)
        assert now["/World/Looks/Glass"][0] == tuple(Gf.Vec3f(0.1, 0.1, 0.1))
        assert now["/World/Looks/Lens"][3] == tuple(Gf.Vec3f(0.7, 0.7, 0.7))
        sun, sky, ill, lamp = (now[p] for p in ("/World/Lights/Sun", "/World/Lights/Sky", "/World/Lights/Illuminator0",
                                                "/World/Cabin/Lamp"))
        assert sun[0] == 45.0 and stage.GetPrimAtPath("/World/Lights/Sun").GetAttribute("inputs:normalize").Get()
        assert sky[0] == 2.5 and sky[3].path == "sky_nir.exr"
        # a sphere (or a disc seen face on) of radiance L and radius r has intensity L pi r^2
        assert math.isclose(ill[0] * math.pi * 0.004 ** 2, 2.0, rel_tol=1e-6)
        assert math.isclose(lamp[0] * math.pi * 0.03 ** 2, 0.05, rel_tol=1e-6)
        assert all(v[1] == (1.0, 1.0, 1.0) and v[2] is False for v in (sun, sky, ill, lamp))
    assert state(stage) == before and not stage.GetSessionLayer().subLayerPaths


def test_rgb_pass_lights_the_visible_band(tmp_path):
    stage = build(tmp_path)
    before = state(stage)
    with band_pass(stage, "rgb", 940):
        now = state(stage)
        assert now["/World/Lights/Sun"][0] == 60000.0
        assert now["/World/Lights/Illuminator0"][0] == 0.0
        for path in ("/World/Lights/Sky", "/World/Cabin/Lamp", "/World/Looks/Skin", "/World/Looks/Glass"):
            assert now[path] == before[path]
    assert state(stage) == before
