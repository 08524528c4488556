"""Camera sensors: radiance buffers in, digital images out.

NIR follows the EMVA 1288 linear model: photons -> electrons through the
quantum efficiency, photon shot noise (Poisson), dark current, temporal dark
(read) noise, fixed-pattern DSNU and PRNU, saturation at the full-well
capacity, system gain K, black level and quantisation. The RGB path is an
auto-exposed colour camera: raw channels with their own sensitivities, shot
and read noise, white balance (auto or daylight), and the sRGB transfer curve.
Units and sources: docs/sensors.md.
"""

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from . import white_balance
from .denoise import denoise

PLANCK = 6.62607015e-34
LIGHT_SPEED = 2.99792458e8
LENS_TRANSMITTANCE = 0.9
# At full exposure and unity gain the RGB camera puts an 18 % grey surface under
# this illuminance on its target level; darker scenes need analog gain (up to
# RGB_MAX_GAIN), and noise grows as in a real camera at dusk.
RGB_UNITY_GAIN_LUX = 200.0
RGB_MAX_GAIN = 64.0
# Noise is drawn in row blocks, each from its own child of the frame's stream:
# numpy releases the GIL while drawing, so blocks run in parallel on the pool,
# and the image does not depend on how many threads there are.
NOISE_BLOCKS = 8
_POOL = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="sensor-noise")


def noisy_electrons(mean_e: np.ndarray, read_noise_e: float, rng: np.random.Generator) -> np.ndarray:
    """Poisson(mean_e) shot noise plus Normal(0, read_noise_e) read noise per pixel, float32.

    Exact Poisson draws; pixels whose mean is 0 (no surface) skip the Poisson
    draw, whose result there is always 0."""
    lam = np.clip(mean_e, 0.0, None).astype(np.float32)
    out = np.empty(lam.shape, np.float32)
    bounds = np.linspace(0, lam.shape[0], NOISE_BLOCKS + 1).astype(int)

    def draw(k: int, child: np.random.Generator) -> None:
        block = lam[bounds[k]:bounds[k + 1]].reshape(-1)
        noisy = child.standard_normal(block.shape, dtype=np.float32)
        noisy *= np.float32(read_noise_e)
        lit = np.flatnonzero(block)
        noisy[lit] += child.poisson(block[lit])
        out[bounds[k]:bounds[k + 1]] = noisy.reshape(-1, *lam.shape[1:])

    list(_POOL.map(draw, range(NOISE_BLOCKS), rng.spawn(NOISE_BLOCKS)))
    return out


def sensor_irradiance(radiance: np.ndarray, f_number: float) -> np.ndarray:
    """Image-plane irradiance (W/m^2) of a scene radiance (W/m^2/sr), on axis."""
    return radiance * np.pi * LENS_TRANSMITTANCE / (4.0 * f_number**2)


def nir_electron_rate(radiance: np.ndarray, sensor: Mapping[str, Any]) -> np.ndarray:
    """Mean photo-electrons per pixel per second of exposure (no noise, no dark signal)."""
    nir = sensor["nir"]
    area = (sensor["pixel_pitch_um"] * 1e-6) ** 2
    photon_j = PLANCK * LIGHT_SPEED / (nir["wavelength_nm"] * 1e-9)
    return nir["quantum_efficiency"] * sensor_irradiance(radiance, sensor["f_number"]) * area / photon_j


def nir_electrons_mean(radiance: np.ndarray, sensor: Mapping[str, Any], exposure_us: float | None = None) -> np.ndarray:
    """Mean photo-electrons per pixel during one exposure (the sensor's exposure_us unless given)."""
    t_us = sensor["nir"]["exposure_us"] if exposure_us is None else exposure_us
    return nir_electron_rate(radiance, sensor) * (t_us * 1e-6)


def fixed_pattern(sensor: Mapping[str, Any], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(PRNU gain map, DSNU offset map in electrons): one per camera, not per frame."""
    shape = (sensor["height"], sensor["width"])
    nir = sensor["nir"]
    return 1.0 + rng.normal(0.0, nir["prnu"], shape), rng.normal(0.0, nir["dsnu_e"], shape)


def nir_image(radiance: np.ndarray, sensor: Mapping[str, Any], pattern: tuple[np.ndarray, np.ndarray],
              rng: np.random.Generator, exposure_us: float | None = None, analog_gain: float = 1.0) -> np.ndarray:
    """Digital NIR image: uint8 for 8-bit sensors, uint16 holding 10 or 12 bits otherwise.
    The exposure is the sensor's exposure_us unless given (auto-exposure, sensor/exposure.py);
    analog gain multiplies the system gain K ahead of the ADC."""
    nir = sensor["nir"]
    t_us = nir["exposure_us"] if exposure_us is None else exposure_us
    prnu, dsnu = pattern
    dark = nir["dark_current_e_per_s"] * t_us * 1e-6
    mean_e = nir_electrons_mean(radiance, sensor, t_us) * prnu + dark
    electrons = noisy_electrons(mean_e, nir["read_noise_e"], rng) + dsnu
    electrons = np.clip(electrons, 0.0, nir["full_well_e"])
    top = 2 ** nir["bit_depth"] - 1
    dn = np.clip(np.floor(nir["system_gain_dn_per_e"] * analog_gain * electrons + nir["black_level_dn"] + 0.5), 0, top)
    return dn.astype(np.uint8 if nir["bit_depth"] == 8 else np.uint16)


def srgb_encode(linear: np.ndarray) -> np.ndarray:
    c = np.clip(np.asarray(linear, np.float32), 0.0, 1.0)
    return np.where(c <= 0.0031308, np.float32(12.92) * c, np.float32(1.055) * np.power(c, np.float32(1.0 / 2.4)) - np.float32(0.055))


# As in a camera's ISP, the tone curve is a table over the linear level quantised
# to 16 bits: three times faster than evaluating it, and at most 1 code off, only
# within 1/65536 of a code boundary.
_SRGB_LUT_BITS = 16
_SRGB_LUT = np.floor(srgb_encode((np.arange(2**_SRGB_LUT_BITS) + 0.5) / 2**_SRGB_LUT_BITS) * 255.0 + 0.5).astype(np.uint8)


def srgb_8bit(linear: np.ndarray) -> np.ndarray:
    """8-bit sRGB codes of linear levels (clipped to [0, 1])."""
    top = 2**_SRGB_LUT_BITS
    return _SRGB_LUT[np.clip(linear * np.float32(top), 0, top - 1).astype(np.int32)]


def _grey_on_target(target: float, x: float) -> float:
    """target pi / (0.18 x): the scale from radiance to linear level that puts an 18 % grey
    surface lit by x lux on the target level. The relation is its own inverse: given an
    exposure scale x, it is the illuminance that exposure was set for."""
    return target * np.pi / (0.18 * x)


def unity_gain_scale(target: float) -> float:
    """Scale from radiance to linear level at the longest exposure and unity gain."""
    return _grey_on_target(target, RGB_UNITY_GAIN_LUX)


def rgb_exposure(radiance: np.ndarray, target: float) -> tuple[float, float]:
    """(scale to linear level, analog gain) chosen by centre-weighted auto-exposure."""
    h, w = radiance.shape[:2]
    centre = radiance[h // 4: 3 * h // 4, w // 4: 3 * w // 4]
    luminance = float(np.mean(centre @ np.array([0.2126, 0.7152, 0.0722])))
    unity = unity_gain_scale(target)
    scale = target / luminance if luminance > 0 else unity * RGB_MAX_GAIN
    gain = float(np.clip(scale / unity, 1.0, RGB_MAX_GAIN))
    return min(scale, unity * RGB_MAX_GAIN), gain


def metered_lux(scale: float, target: float) -> float:
    """Illuminance an exposure (scale) is set for: the lux that put an 18 % grey surface on target."""
    return _grey_on_target(target, scale)


def rgb_exposure_share(scale: float, gain: float, target: float) -> float:
    """Share of the longest exposure time that an exposure (scale, gain) uses: the
    auto-exposure lengthens the exposure up to the longest before it adds gain."""
    return scale / (unity_gain_scale(target) * gain)


def rgb_image(radiance: np.ndarray, sensor: Mapping[str, Any], rng: np.random.Generator,
              exposure: tuple[float, float] | None = None) -> tuple[np.ndarray, dict]:
    """8-bit sRGB image and the camera state: exposure, analog gain, white balance.
    The exposure (scale, gain) is the auto-exposure's choice on `radiance` unless given.

    Raw channel c collects `channel_sensitivity[c]` times the electrons of the
    green channel for a white (D65) surface; white balance (sensor/white_balance.py:
    estimated on the noisy raw image, or fixed for daylight) divides the raw
    response to the white out after the noise, so the weaker channels are the
    noisier ones, as in a real colour camera; then, unless `denoise` is off, the
    ISP's noise reduction (sensor/denoise.py) takes most of that noise out of
    the colour and some out of the luma."""
    rgb = sensor["rgb"]
    sensitivity = np.asarray(rgb["channel_sensitivity"], np.float32)
    scale, gain = exposure or rgb_exposure(radiance, rgb["auto_exposure_target"])
    electrons = radiance * np.float32(scale * rgb["full_well_e"] / gain) * sensitivity
    noisy = noisy_electrons(electrons, rgb["read_noise_e"], rng)
    to_level = np.float32(gain / rgb["full_well_e"])
    white, balanced = white_balance.balance(noisy * to_level, rgb, metered_lux(scale, rgb["auto_exposure_target"]))
    per_electron = to_level / np.asarray(white, np.float32)
    level = noisy * per_electron
    noise_reduction = rgb.get("denoise", "auto")
    if noise_reduction == "auto":
        level = denoise(level, noisy, rgb["read_noise_e"], per_electron)
    image = srgb_8bit(level)
    return image, {"exposure_scale": scale, "analog_gain": gain, **balanced, "denoise": noise_reduction}
