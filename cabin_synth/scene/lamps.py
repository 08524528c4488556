"""Cabin lamps (the dome/map light): photometry, colour and NIR output. Pure.

A lamp is a Lambertian emitter behind an opal lens facing down from the
headliner: on-axis luminous intensity I0 = flux / pi, I(theta) = I0 cos(theta).
Colour: the blackbody (Planckian locus) at the lamp's correlated colour
temperature, in linear sRGB with unit luminance; phosphor white LEDs sit close
to that locus. NIR: a tungsten filament is a blackbody (grey-body emissivity
cancels in the ratio to its own visible output), so its spectral flux at a
wavelength per lumen is B(lambda, T) / (683 lm/W * integral of V B); a
phosphor-converted white LED emits nothing beyond about 750 nm, so 0.
CIE 1931 colour-matching functions: the multi-lobe Gaussian fit of Wyman, Sloan
and Shirley, "Simple Analytic Approximations to the CIE XYZ Color Matching
Functions", JCGT 2(2), 2013 (within about 1 % of the tables). Sources and
values: docs/sensors.md.
"""

from dataclasses import dataclass

import numpy as np

KINDS = ("led", "incandescent")
KM_LM_PER_W = 683.0            # maximum luminous efficacy (555 nm)
LAMBERT_EXPONENT = 1.0         # I(theta) = I0 cos^1(theta)
WAVELENGTHS_NM = np.arange(360.0, 831.0, 1.0)
# CIE XYZ -> linear sRGB (IEC 61966-2-1).
XYZ_TO_SRGB = np.array([[3.2406, -1.5372, -0.4986], [-0.9689, 1.8758, 0.0415], [0.0557, -0.2040, 1.0570]])
_H, _C, _KB = 6.62607015e-34, 2.99792458e8, 1.380649e-23


def planck(wavelength_nm: np.ndarray, temperature_k: float) -> np.ndarray:
    """Blackbody spectral radiance, W / (m^2 sr m)."""
    lam = np.asarray(wavelength_nm, float) * 1e-9
    return 2.0 * _H * _C**2 / lam**5 / np.expm1(_H * _C / (lam * _KB * temperature_k))


def _lobe(lam, mu, s1, s2):
    return np.exp(-0.5 * ((lam - mu) / np.where(lam < mu, s1, s2)) ** 2)


def cie_xyz_bar(wavelength_nm: np.ndarray) -> np.ndarray:
    """(3, N) CIE 1931 2-degree colour-matching functions; the middle row is V(lambda)."""
    lam = np.asarray(wavelength_nm, float)
    x = 1.056 * _lobe(lam, 599.8, 37.9, 31.0) + 0.362 * _lobe(lam, 442.0, 16.0, 26.7) - 0.065 * _lobe(lam, 501.1, 20.4, 26.2)
    y = 0.821 * _lobe(lam, 568.8, 46.9, 40.5) + 0.286 * _lobe(lam, 530.9, 16.3, 31.1)
    z = 1.217 * _lobe(lam, 437.0, 11.8, 36.0) + 0.681 * _lobe(lam, 459.0, 26.0, 13.8)
    return np.stack([x, y, z])


def blackbody_rgb(temperature_k: float) -> np.ndarray:
    """Linear sRGB of a blackbody with unit luminance (Y = 1), clipped to the gamut."""
    xyz = cie_xyz_bar(WAVELENGTHS_NM) @ planck(WAVELENGTHS_NM, temperature_k)
    rgb = np.clip(XYZ_TO_SRGB @ (xyz / xyz[1]), 0.0, None)
    return rgb / (np.array([0.2126, 0.7152, 0.0722]) @ rgb)


def nir_w_per_nm_per_lm(kind: str, temperature_k: float, wavelength_nm: float) -> float:
    """Spectral radiant flux at `wavelength_nm` per lumen of output, W/nm/lm."""
    if kind == "led":
        return 0.0
    lumens_per_unit = KM_LM_PER_W * float(np.sum(cie_xyz_bar(WAVELENGTHS_NM)[1] * planck(WAVELENGTHS_NM, temperature_k)))
    return float(planck(np.array([wavelength_nm]), temperature_k)[0]) / lumens_per_unit   # both per nm of the 1 nm grid


@dataclass(frozen=True)
class LampOutput:
    kind: str                    # led | incandescent
    flux_lm: float
    cct_k: float
    intensity_cd: float          # on-axis luminous intensity
    rgb: np.ndarray              # (3,) linear sRGB tint, unit luminance
    nir_w_sr: float              # on-axis radiant intensity in the NIR camera's band
    nir_w_nm_per_lm: dict        # {850: ..., 940: ...} spectral flux per lumen, W/nm/lm


def lamp_output(kind: str, flux_lm: float, cct_k: float, wavelength_nm: int, bandwidth_nm: float) -> LampOutput:
    """A lamp's output as the renderer needs it; the NIR band is taken as its centre
    times its width, as for the sun (lighting.py)."""
    per_lm = {w: nir_w_per_nm_per_lm(kind, cct_k, w) for w in (850, 940)}
    intensity = flux_lm / np.pi
    return LampOutput(kind, float(flux_lm), float(cct_k), float(intensity), blackbody_rgb(cct_k),
                      float(intensity * per_lm[wavelength_nm] * bandwidth_nm), per_lm)
