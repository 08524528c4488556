"""The stage as one band sees it, for renderers that draw one band at a time (RTX).

The stage holds both bands at once: UsdPreviewSurface inputs and UsdLux lights in
visible terms, and the NIR values beside them as documented `cabin_synth:*`
attributes and inputs (docs/omniverse.md). A renderer without our light model
renders a band by rendering the stage under an override layer that puts that
band's values where the standard attributes are:

- rgb: the sun at its illuminance outside the vehicle (a normalized
  DistantLight's intensity is illuminance, so the glass attenuates it as it
  does in the real car), the NIR illuminators dark; everything else as authored.
- nir: every material's diffuseColor is its NIR reflectance at the camera's band
  (the texture behind `inputs:cabin_synth:nir_reflectance_<band>` when there
  is one, else the material's scalar), emission its NIR radiance, a see-through
  material's opacity one less its NIR transmittance; the sun at its NIR
  irradiance outside, the sky dome on its NIR file and intensity, each
  illuminator and lamp at the radiance that gives its radiant intensity
  (I = L pi r^2 for a sphere or disc of radius r, seen face on), white.

Units are ours: the render's linear radiance then reads in lux/sr (rgb) or
W/(m^2 sr) (nir), times the renderer's own calibration.
"""

import math
from contextlib import contextmanager
from typing import Iterator

from pxr import Gf, Sdf, Usd, UsdLux, UsdShade

from ..render.view import DEFAULT_NIR_REFLECTANCE, SKY_PRIM
from .textures import nir_input

BANDS = ("rgb", "nir")
SUN = "/World/Lights/Sun"


@contextmanager
def band_pass(stage: Usd.Stage, band: str, wavelength_nm: int) -> Iterator[Sdf.Layer]:
    """While inside, `stage` shows `band` ('rgb' or 'nir'): an anonymous layer of
    overrides, made from the stage as it stands, leads its session layer."""
    if band not in BANDS:
        raise ValueError(f"band is {band!r}, expected one of {BANDS}")
    layer = Sdf.Layer.CreateAnonymous(f"cabin_synth_{band}_pass")
    session = stage.GetSessionLayer()
    session.subLayerPaths.insert(0, layer.identifier)
    try:
        with Usd.EditContext(stage, layer):
            if band == "nir":
                _nir_materials(stage, wavelength_nm)
            _lights(stage, band)
        yield layer
    finally:
        session.subLayerPaths.remove(layer.identifier)


def _open_air(stage: Usd.Stage) -> float:
    outside = stage.GetPrimAtPath("/World/Outside")
    return 0.0 if outside and outside.GetAttribute("cabin_synth:sheltered").Get() else 1.0


def _custom(prim: Usd.Prim, name: str, default: float | None = None) -> float | None:
    value = prim.GetAttribute(f"cabin_synth:{name}").Get()
    return float(value) if value is not None else default


def _white(light: UsdLux.LightAPI, intensity: float, normalize: bool) -> None:
    light.CreateIntensityAttr().Set(float(intensity))
    light.CreateExposureAttr().Set(0.0)
    light.CreateColorAttr().Set(Gf.Vec3f(1.0, 1.0, 1.0))
    light.CreateEnableColorTemperatureAttr().Set(False)
    light.CreateNormalizeAttr().Set(normalize)


def _lights(stage: Usd.Stage, band: str) -> None:
    nir = band == "nir"
    for prim in stage.Traverse():
        if not prim.HasAPI(UsdLux.LightAPI):
            continue
        light = UsdLux.LightAPI(prim)
        if str(prim.GetPath()) == SUN:
            outside = _custom(prim, "outside_nir_irradiance_w_m2" if nir else "outside_illuminance_lux", 0.0)
            if nir:
                _white(light, _open_air(stage) * outside, normalize=True)
            else:
                light.CreateIntensityAttr().Set(_open_air(stage) * outside)
                light.CreateNormalizeAttr().Set(True)
        elif str(prim.GetPath()) == SKY_PRIM:
            if nir:
                _white(light, _custom(prim, "nir_intensity", 0.0), normalize=False)
                UsdLux.DomeLight(prim).CreateTextureFileAttr().Set(prim.GetAttribute("cabin_synth:nir_texture_file").Get())
        elif prim.IsA(UsdLux.SphereLight) or prim.IsA(UsdLux.DiskLight):
            w_sr = _custom(prim, "radiant_intensity_w_sr")
            if nir:
                radius = float(prim.GetAttribute("inputs:radius").Get())
                _white(light, (w_sr or 0.0) / (math.pi * radius * radius), normalize=False)
            elif prim.IsA(UsdLux.SphereLight) and w_sr is not None:
                light.CreateIntensityAttr().Set(0.0)   # an NIR LED: nothing in the visible
        elif nir:
            light.CreateIntensityAttr().Set(0.0)   # no NIR output known


def _nir_materials(stage: Usd.Stage, wavelength_nm: int) -> None:
    for prim in stage.Traverse():
        if not prim.IsA(UsdShade.Material):
            continue
        shader = UsdShade.Material(prim).ComputeSurfaceSource()[0]
        if not shader or shader.GetIdAttr().Get() != "UsdPreviewSurface":
            continue
        diffuse = shader.GetInput("diffuseColor") or shader.CreateInput("diffuseColor", Sdf.ValueTypeNames.Color3f)
        textured = shader.GetInput(nir_input(wavelength_nm))
        sources = textured.GetConnectedSources()[0] if textured else []
        if sources:
            texture = UsdShade.Shader(sources[0].source.GetPrim())
            rgb = texture.GetOutput("rgb") or texture.CreateOutput("rgb", Sdf.ValueTypeNames.Float3)
            diffuse.GetAttr().SetConnections([rgb.GetAttr().GetPath()])
        else:
            r = _custom(prim, f"nir_reflectance_{wavelength_nm}", DEFAULT_NIR_REFLECTANCE)
            diffuse.GetAttr().SetConnections([])
            diffuse.Set(Gf.Vec3f(r, r, r))
        emissive = shader.GetInput("emissiveColor")
        if emissive:
            e = _custom(prim, "emissive_nir_w_m2_sr", 0.0)
            emissive.GetAttr().SetConnections([])
            emissive.Set(Gf.Vec3f(e, e, e))
        transmittance = _custom(prim, f"nir_transmittance_{wavelength_nm}")
        opacity = shader.GetInput("opacity")
        if transmittance is not None and opacity and opacity.Get() is not None and opacity.Get() < 1.0:
            opacity.Set(1.0 - transmittance)
