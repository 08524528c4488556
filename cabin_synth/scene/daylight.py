"""The daylight outside for a sun elevation and a cloud cover: the presets' daylight
model (`lighting.cloud_cover`, docs/presets.md; formulas and sources in docs/sensors.md).

The IES's daylight availability model (IES RP, "Recommended practice for the
calculation of daylight availability", J. Illum. Eng. Soc. 13(4):381-392, 1984;
also the IES Lighting Handbook) gives mean values for three sky classes (clear
under 30 % cloud cover, partly cloudy 30-70 %, overcast above):

- the sun's beam at normal incidence, E_dn = E_xn exp(-c m), with the
  extraterrestrial solar illuminance E_xn = 127.5 klx, the extinction
  coefficient c = 0.21 (clear) or 0.80 (partly cloudy; clouds in the beam's
  path), no beam under an overcast sky, and m the relative air mass;
- the sky's diffuse illuminance on a horizontal surface, E_dh = A + B sin(h)^C:
  clear 0.8 + 15.5 sin(h)^0.5 klx, partly cloudy 0.3 + 45.0 sin(h) klx,
  overcast 0.3 + 21.0 sin(h) klx.

The air mass is Kasten and Young's (Applied Optics 28:4735, 1989), which stays
finite at the horizon. A cloud cover between the classes mixes their values
linearly, the classes standing at covers 0 (clear), 0.5 (the middle of partly
cloudy) and 1 (overcast): the IES figures are means over the skies of a class,
so a cover between two classes' centres gets a mix weighted by how near it is
to each. The beam is so attenuated by the clouds in two ways, both the IES's:
the partly cloudy sky's larger extinction (clouds thinning the beam) and the
overcast sky's missing sun (clouds hiding it).

Below the horizon only the sky lights the ground. The AMS Glossary of
Meteorology (civil, nautical and astronomical twilight) gives a clear sky's
horizontal illuminance as about 410-585 lux at sunset, 2-3.5 lux at -6 deg,
0.008 lux at -12 deg and 6e-4 lux at -18 deg, where starlight and airglow
outshine the last scattered sunlight. The model keeps the sky's illuminance at
h = 0 and takes a decade off it every 2.4 deg (clear: 2.5 lux at -6 deg,
0.008 lux at -12 deg), on top of the 6e-4 lux of a moonless night sky.
"""

import numpy as np

EXTRATERRESTRIAL_LUX = 127_500.0
# The IES's sky classes at their cloud covers: beam extinction coefficient
# (None: no sun) and the diffuse horizontal illuminance's A, B (lux) and C.
SKY_CLASSES = (
    (0.0, 0.21, 800.0, 15_500.0, 0.5),       # clear
    (0.5, 0.80, 300.0, 45_000.0, 1.0),       # partly cloudy
    (1.0, None, 300.0, 21_000.0, 1.0),       # overcast
)
TWILIGHT_DEG_PER_DECADE = 2.4
NIGHT_SKY_LUX = 6e-4


def air_mass(elevation_deg: float) -> float:
    """Relative optical air mass along the sun's beam (Kasten and Young 1989), sun above the horizon."""
    h = max(elevation_deg, 0.0)
    return 1.0 / (np.sin(np.radians(h)) + 0.50572 * (h + 6.07995) ** -1.6364)


def _mix(cover: float, values: list[float]) -> float:
    """Linear in the cloud cover between the sky classes' values."""
    return float(np.interp(cover, [c[0] for c in SKY_CLASSES], values))


def beam_normal_lux(elevation_deg: float, cloud_cover: float) -> float:
    """The sun's illuminance at normal incidence; none with the sun below the horizon."""
    if elevation_deg <= 0.0:
        return 0.0
    m = air_mass(elevation_deg)
    return _mix(cloud_cover, [EXTRATERRESTRIAL_LUX * np.exp(-c * m) if c is not None else 0.0
                              for _, c, *_ in SKY_CLASSES])


def diffuse_horizontal_lux(elevation_deg: float, cloud_cover: float) -> float:
    """The sky's illuminance on a horizontal surface: the IES's formulas with the sun
    up, that at the horizon falling a decade per 2.4 degrees below it, plus the night sky."""
    s = np.sin(np.radians(max(elevation_deg, 0.0)))
    day = _mix(cloud_cover, [a + b * s ** p for _, _, a, b, p in SKY_CLASSES])
    return day * 10.0 ** (min(elevation_deg, 0.0) / TWILIGHT_DEG_PER_DECADE) + NIGHT_SKY_LUX


def open_air(elevation_deg: float, cloud_cover: float) -> tuple[float, float]:
    """(sun_illuminance_lux, sky_fraction) as the presets and cabin_synth.scene.lighting
    read them: the beam at normal incidence plus the diffuse horizontal illuminance,
    and the diffuse share of that sum."""
    beam = beam_normal_lux(elevation_deg, cloud_cover)
    diffuse = diffuse_horizontal_lux(elevation_deg, cloud_cover)
    return beam + diffuse, diffuse / (beam + diffuse)
