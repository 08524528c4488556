"""The sky dome: radiance of the sky and the far ground in every direction. Pure.

Clear sky: Preetham, Shirley and Smits, "A Practical Analytic Model for
Daylight", SIGGRAPH 1999: the Perez et al. (1993) all-weather function
F(theta, gamma) = (1 + A exp(B / cos theta)) (1 + C exp(D gamma) + E cos^2 gamma)
for the luminance Y and the chromaticities x and y, with coefficients linear in
the turbidity T and zenith chromaticities from their polynomials in T and the
sun's zenith angle. Overcast sky: the CIE standard overcast sky (Moon and
Spencer 1942; CIE S 011/E:2003 type 1), L(theta) proportional to
(1 + 2 cos theta) / 3, achromatic. The two are mixed by the share of diffuse
light (`sky_fraction`), and towards the overcast form as the sun sets (the
Preetham fit holds for the sun above the horizon only; below it, its pattern
with the sun on the horizon keeps the glow on the sun's side).

The dome's absolute scale comes from the frame's sampled lighting, not from the
models' own zenith luminance: the sky's horizontal illuminance integrates to
`sun_illuminance_lux * sky_fraction`, the diffuse share that
cabin_synth.scene.lighting already lets into the cabin, so the dome and the
in-cabin sky term are one light counted once. The texture holds the pattern per
lux of that illuminance and the DomeLight's intensity the lux, so one file
serves every frame whose sun elevation and diffuse share round alike. NIR radiance is the luminance
times the solar NIR per lux of the same daylight model. Below the horizon the
dome shows the far ground lit by sun and sky (beyond the world's geometry,
docs/sensors.md). The sun's disc is not in the dome: the DistantLight carries it.
"""

from dataclasses import dataclass

import numpy as np

from .lamps import XYZ_TO_SRGB

LUMA = np.array([0.2126, 0.7152, 0.0722])   # linear sRGB -> luminance
# Equirectangular texture size: the sky is smooth (the circumsolar peak falls off
# over several degrees), 1.4 degrees a texel is enough and keeps the file small.
WIDTH, HEIGHT = 256, 128
# Far ground below the horizon: a mix of asphalt, soil and grass (visible about
# 0.15; grass reflects about 0.45 in the NIR, asphalt 0.1, so the mix 0.25).
GROUND_RGB = np.array([0.13, 0.14, 0.11])
GROUND_NIR = 0.25
# Turbidity over the clear share: T 2 (very clear) to 10 (hazy) as the diffuse
# share goes from 0.1 to 0.5 (Preetham et al. give T 2-6 for clear to light haze).
TURBIDITY_RANGE = (2.0, 10.0)


@dataclass(frozen=True)
class SkyState:
    """What the dome's pattern depends on; its absolute scale is applied apart."""
    sun_elevation_deg: float
    sky_fraction: float

    def key(self) -> "SkyState":
        """The state rounded to what changes the texture visibly (0.25 deg of sun, 0.01 of
        diffuse share; below -6 deg the sky no longer changes), so dome files are reused."""
        return SkyState(max(round(self.sun_elevation_deg * 4.0) / 4.0, -6.0), round(self.sky_fraction, 2))


def _perez(theta, gamma, coeffs):
    A, B, C, D, E = coeffs
    return (1.0 + A * np.exp(B / np.maximum(np.cos(theta), 0.01))) * \
        (1.0 + C * np.exp(D * gamma) + E * np.cos(gamma) ** 2)


def _preetham_coefficients(T: float) -> dict[str, tuple]:
    return {
        "Y": (0.1787 * T - 1.4630, -0.3554 * T + 0.4275, -0.0227 * T + 5.3251, 0.1206 * T - 2.5771, -0.0670 * T + 0.3703),
        "x": (-0.0193 * T - 0.2592, -0.0665 * T + 0.0008, -0.0004 * T + 0.2125, -0.0641 * T - 0.8989, -0.0033 * T + 0.0452),
        "y": (-0.0167 * T - 0.2608, -0.0950 * T + 0.0092, -0.0079 * T + 0.2102, -0.0441 * T - 1.6537, -0.0109 * T + 0.0529),
    }


def _zenith_chromaticity(T: float, theta_s: float) -> tuple[float, float]:
    t = np.array([T * T, T, 1.0])
    s = np.array([theta_s ** 3, theta_s ** 2, theta_s, 1.0])
    mx = np.array([[0.00166, -0.00375, 0.00209, 0.0], [-0.02903, 0.06377, -0.03202, 0.00394],
                   [0.11693, -0.21196, 0.06052, 0.25886]])
    my = np.array([[0.00275, -0.00610, 0.00317, 0.0], [-0.04214, 0.08970, -0.04153, 0.00516],
                   [0.15346, -0.26756, 0.06670, 0.26688]])
    return float(t @ mx @ s), float(t @ my @ s)


def clear_sky_rgb(directions: np.ndarray, sun: np.ndarray, turbidity: float) -> np.ndarray:
    """(N, 3) linear sRGB of the Preetham sky, relative (zenith luminance 1), for unit
    `directions` (Z up) above the horizon and a unit `sun` direction at or above it."""
    theta = np.arccos(np.clip(directions[:, 2], 0.0, 1.0))
    gamma = np.arccos(np.clip(directions @ sun, -1.0, 1.0))
    theta_s = float(np.arccos(np.clip(sun[2], 0.0, 1.0)))
    coeffs = _preetham_coefficients(turbidity)
    xz, yz = _zenith_chromaticity(turbidity, theta_s)
    rel = {k: _perez(theta, gamma, c) / _perez(0.0, theta_s, c) for k, c in coeffs.items()}
    Y, x, y = rel["Y"], xz * rel["x"], yz * rel["y"]
    xyz = np.stack([x / y * Y, Y, (1.0 - x - y) / y * Y], axis=1)
    return np.clip(xyz @ XYZ_TO_SRGB.T, 0.0, None)


def overcast_luminance(directions: np.ndarray) -> np.ndarray:
    """CIE standard overcast sky, relative (zenith 1)."""
    return (1.0 + 2.0 * np.clip(directions[:, 2], 0.0, 1.0)) / 3.0


def texel_directions(width: int = WIDTH, height: int = HEIGHT) -> tuple[np.ndarray, np.ndarray]:
    """(H, W, 3) unit directions of the texel centres of a lat-long map in the dome's
    pattern frame (Z up, the sun in the XZ plane at +X), and (H, W) their solid angles.
    Row 0 is the zenith side, column u at azimuth pi - 2 pi (u + 0.5) / W, the OpenEXR
    lat-long layout that UsdLux's DomeLight reads (docs/sensors.md, The world outside)."""
    lat = np.pi / 2 - np.pi * (np.arange(height) + 0.5) / height
    lon = np.pi - 2.0 * np.pi * (np.arange(width) + 0.5) / width
    lat, lon = np.meshgrid(lat, lon, indexing="ij")
    dirs = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)
    solid = np.cos(lat) * (np.pi / height) * (2.0 * np.pi / width)
    return dirs, solid


def pattern(state: SkyState, width: int = WIDTH, height: int = HEIGHT) -> tuple[np.ndarray, np.ndarray]:
    """(H, W, 3) sky RGB with unit horizontal illuminance (lux per lux of diffuse light)
    and (H, W) the upper hemisphere's mask, in the pattern frame of texel_directions.
    The ground half is left zero: its radiance depends on the sun too (dome_radiance)."""
    dirs, solid = texel_directions(width, height)
    flat = dirs.reshape(-1, 3)
    up = flat[:, 2] > 0.0
    el = np.radians(max(state.sun_elevation_deg, 0.0))
    sun = np.array([np.cos(el), 0.0, np.sin(el)])
    lo, hi = TURBIDITY_RANGE
    clear_share = float(np.clip((0.6 - state.sky_fraction) / 0.5, 0.0, 1.0))
    clear_share *= float(np.clip(1.0 + state.sun_elevation_deg / 6.0, 0.0, 1.0))   # gone 6 deg below the horizon
    turbidity = lo + (hi - lo) * float(np.clip((state.sky_fraction - 0.1) / 0.4, 0.0, 1.0))
    rgb = np.zeros((len(flat), 3))
    clear = clear_sky_rgb(flat[up], sun, turbidity)
    overcast = overcast_luminance(flat[up])[:, None] * np.ones(3)
    # Mix the two at equal horizontal illuminance so the share is a share of light.
    cos_w = (flat[up, 2] * solid.reshape(-1)[up])[:, None]
    clear /= float(np.sum((clear @ LUMA)[:, None] * cos_w))
    overcast /= float(np.sum(overcast[:, :1] * cos_w))
    rgb[up] = clear_share * clear + (1.0 - clear_share) * overcast
    return rgb.reshape(height, width, 3), up.reshape(height, width)


def dome_radiance(state: SkyState, width: int = WIDTH, height: int = HEIGHT) -> tuple[np.ndarray, np.ndarray]:
    """(H, W, 3) RGB radiance (cd/m^2 per linear channel: albedo / pi times lux) and
    (H, W) NIR radiance (W/m^2/sr per W/m^2 of band irradiance) of the dome, pattern
    frame, per lux of diffuse horizontal illuminance: the dome of a frame is these
    times its diffuse illuminance (RGB) and times that and the NIR per lux (NIR)."""
    sky, up = pattern(state, width, height)
    el = np.radians(state.sun_elevation_deg)
    # The sun's direct share on the ground: (1 - f) / f lux per lux of diffuse light.
    f = max(state.sky_fraction, 1e-3)
    horizontal = 1.0 + (1.0 - f) / f * max(np.sin(el), 0.0)
    rgb = sky.copy()
    rgb[~up] = GROUND_RGB / np.pi * horizontal
    nir = rgb @ LUMA
    nir[~up] = GROUND_NIR / np.pi * horizontal
    return rgb, nir
