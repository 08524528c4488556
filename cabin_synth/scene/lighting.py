"""Daylight entering the cabin, in photometric (RGB) and radiometric (NIR band) units.

Solar spectral irradiance per lux comes from the ASTM G173-03 direct+circumsolar
spectrum (AM1.5, 900 W/m^2, about 1.0e5 lux): about 0.94 W/m^2/nm at 850 nm and,
inside the 940 nm water-vapour band, about 0.37 W/m^2/nm at 940 nm. Glass
transmittance: automotive green glass passes about 75 % of visible light (the
legal minimum for windscreens is 70 %) and, its iron absorbing in the NIR, about
45 % at 850 nm and 40 % at 940 nm. Figures and sources: docs/sensors.md.
"""

from dataclasses import dataclass

import numpy as np

from ..presets.sampler import Environment, Lighting
from . import road_lights

SOLAR_W_M2_NM_PER_LUX = {850: 0.94 / 1.0e5, 940: 0.37 / 1.0e5}
GLASS_VISIBLE_TRANSMITTANCE = 0.75
GLASS_NIR_TRANSMITTANCE = {850: 0.45, 940: 0.40}
# Share of the sky hemisphere a cabin surface sees through the glass (roof, pillars
# and dashboard hide the rest); a mid-cabin value, see docs/sensors.md.
CABIN_SKY_VIEW = 0.35
# Street lamps' photocontrols switch them on when the daylight on them falls to their
# turn-on level: ANSI C136.10's standard one is 1.5 footcandles, 16 lux (as TE
# Connectivity's photocontrol notes quote it); UK photocells are often set near 35 lux
# (a common setting, not checked against a standard). A level between the two.
ROAD_LIGHTS_ON_LUX = 20.0


@dataclass(frozen=True)
class Outdoors:
    """The light on the world outside, before any glass, in the open air (a tunnel
    shelters what is inside it from sun and sky: `sheltered`)."""
    sun_lux: float                # direct illuminance on a surface facing the sun
    sky_lux: float                # the sky's illuminance on a horizontal surface (the dome's)
    sky_fraction: float           # the diffuse share of sun and sky
    sun_nir_w_m2: float           # the same in the camera's NIR band
    sky_nir_w_m2: float
    road_lux: float               # the road lights' mean illuminance on the road (0: off)
    road_rgb: np.ndarray          # (3,) their colour, unit luminance
    road_nir_w_m2: float          # their NIR irradiance at that illuminance
    road_lights: str              # none | sodium | led: what is lit
    nir_per_lux: float            # the daylight's NIR irradiance per lux, W/m^2/lx
    sheltered: bool = False       # in a tunnel


@dataclass(frozen=True)
class Daylight:
    sun_direction: np.ndarray     # (3,) unit, towards the sun, vehicle frame
    sun_lux: float                # direct illuminance on a surface facing the sun, inside the cabin
    sky_lux: float                # diffuse illuminance on an upward surface, inside the cabin (sky and road lights)
    sun_nir_w_m2: float           # direct NIR irradiance in the camera's band
    sky_nir_w_m2: float
    sky_rgb: tuple[float, float, float] = (1.0, 1.0, 1.0)   # colour of the diffuse light, unit luminance
    outdoors: Outdoors | None = None


def time_of_day(sun_elevation_deg: float) -> str:
    """day above 6 degrees, dusk (the golden hour and civil twilight) down to -6, night below."""
    return "day" if sun_elevation_deg >= 6.0 else "dusk" if sun_elevation_deg >= -6.0 else "night"


def daylight_horizontal_lux(lighting: Lighting) -> float:
    """The daylight's illuminance on a horizontal surface in the open air: the sun's
    beam times the sine of its elevation, plus the diffuse share."""
    beam = lighting.sun_illuminance_lux * (1.0 - lighting.sky_fraction)
    return beam * max(np.sin(np.radians(lighting.sun_elevation_deg)), 0.0) + \
        lighting.sun_illuminance_lux * lighting.sky_fraction


def lit_road_lights(environment: Environment, lighting: Lighting) -> str:
    """Which lamps light the road: a tunnel's always (LED where the preset says none),
    road lights from sunset, or earlier when the daylight falls below what their
    photocontrols switch on at (an overcast dusk, a storm: a preset's dim daylight
    with the sun still up)."""
    if environment.setting == "tunnel":
        return environment.road_lights if environment.road_lights != "none" else "led"
    dark = lighting.sun_elevation_deg < 0.0 or daylight_horizontal_lux(lighting) < ROAD_LIGHTS_ON_LUX
    return environment.road_lights if dark else "none"


def daylight(lighting: Lighting, environment: Environment, wavelength_nm: int, bandwidth_nm: float) -> Daylight:
    """In a tunnel neither sun nor sky reaches the car; its lamps do, as road lights at
    night. Both reach the cabin through the glass as the diffuse term."""
    el, az = np.radians([lighting.sun_elevation_deg, lighting.sun_azimuth_deg])
    direction = np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])
    outside = lighting.sun_illuminance_lux
    open_direct = outside * (1.0 - lighting.sky_fraction) * (1.0 if el > 0 else 0.0)
    open_diffuse = outside * lighting.sky_fraction
    sheltered = environment.setting == "tunnel"
    direct, diffuse = (0.0, 0.0) if sheltered else (open_direct, open_diffuse)
    nir_per_lux = SOLAR_W_M2_NM_PER_LUX[wavelength_nm] * bandwidth_nm
    lamps = lit_road_lights(environment, lighting)
    road = environment.road_light_lux if lamps != "none" else 0.0
    road_rgb = road_lights.rgb(lamps) if lamps != "none" else np.ones(3)
    road_nir = road * (road_lights.nir_w_per_lm(lamps, wavelength_nm, bandwidth_nm) if lamps != "none" else 0.0)
    t_nir = GLASS_NIR_TRANSMITTANCE[wavelength_nm]
    ambient = diffuse + road
    return Daylight(
        sun_direction=direction,
        sun_lux=direct * GLASS_VISIBLE_TRANSMITTANCE,
        sky_lux=ambient * CABIN_SKY_VIEW * GLASS_VISIBLE_TRANSMITTANCE,
        sun_nir_w_m2=direct * nir_per_lux * t_nir,
        sky_nir_w_m2=(diffuse * nir_per_lux + road_nir) * CABIN_SKY_VIEW * t_nir,
        sky_rgb=tuple(float(c) for c in (diffuse + road * road_rgb) / ambient) if ambient > 0 else (1.0, 1.0, 1.0),
        outdoors=Outdoors(open_direct, open_diffuse, lighting.sky_fraction, open_direct * nir_per_lux,
                          open_diffuse * nir_per_lux, road, road_rgb, road_nir, lamps, nir_per_lux, sheltered),
    )
