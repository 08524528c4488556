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

from ..presets.sampler import Lighting

SOLAR_W_M2_NM_PER_LUX = {850: 0.94 / 1.0e5, 940: 0.37 / 1.0e5}
GLASS_VISIBLE_TRANSMITTANCE = 0.75
GLASS_NIR_TRANSMITTANCE = {850: 0.45, 940: 0.40}
# Share of the sky hemisphere a cabin surface sees through the glass (roof, pillars
# and dashboard hide the rest); a mid-cabin value, see docs/sensors.md.
CABIN_SKY_VIEW = 0.35


@dataclass(frozen=True)
class Daylight:
    sun_direction: np.ndarray     # (3,) unit, towards the sun, vehicle frame
    sun_lux: float                # direct illuminance on a surface facing the sun, inside the cabin
    sky_lux: float                # diffuse illuminance on an upward surface, inside the cabin
    sun_nir_w_m2: float           # direct NIR irradiance in the camera's band
    sky_nir_w_m2: float


def daylight(lighting: Lighting, wavelength_nm: int, bandwidth_nm: float) -> Daylight:
    el, az = np.radians([lighting.sun_elevation_deg, lighting.sun_azimuth_deg])
    direction = np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])
    outside = lighting.sun_illuminance_lux
    direct = outside * (1.0 - lighting.sky_fraction) * (1.0 if el > 0 else 0.0)
    diffuse = outside * lighting.sky_fraction * CABIN_SKY_VIEW
    nir_per_lux = SOLAR_W_M2_NM_PER_LUX[wavelength_nm] * bandwidth_nm
    t_nir = GLASS_NIR_TRANSMITTANCE[wavelength_nm]
    return Daylight(
        sun_direction=direction,
        sun_lux=direct * GLASS_VISIBLE_TRANSMITTANCE,
        sky_lux=diffuse * GLASS_VISIBLE_TRANSMITTANCE,
        sun_nir_w_m2=direct * nir_per_lux * t_nir,
        sky_nir_w_m2=diffuse * nir_per_lux * t_nir,
    )
