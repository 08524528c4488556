"""Road and tunnel lighting: colour and NIR output per lumen of the lamps. Pure.

High-pressure sodium (HPS): the pressure-broadened sodium D lines give a
golden light of correlated colour temperature about 2,000-2,100 K (lamp
makers' data sheets), taken here as the blackbody colour at 2,050 K in linear
sRGB; beyond the visible, sodium's 818.3/819.5 nm doublet is its strongest
near-infrared feature, over a weak continuum. White LED luminaires
(phosphor-converted, 3,000-4,000 K for roads, EN 13201 practice) emit nothing
beyond about 750 nm. The sodium doublet's power per lumen and the continuum
are estimates read off published HPS spectra (the doublet carries a few per
cent of the visible radiant power, the continuum near 850-950 nm about 5 % of
the visible mean spectral density); docs/sensors.md says how far they are
trusted. The NIR camera's band-pass is a rectangle `bandwidth_nm` wide
(cabin_synth.scene.lighting), so the doublet counts only when it falls inside.
"""

import numpy as np

from .lamps import blackbody_rgb

KINDS = ("sodium", "led")
CCT_K = {"sodium": 2050.0, "led": 4000.0}
SODIUM_DOUBLET_NM = 819.0
SODIUM_DOUBLET_W_PER_LM = 1.0e-4
SODIUM_CONTINUUM_W_NM_PER_LM = 5.0e-7
# Mean luminance of a lit luminaire's diffuser seen from below: some 10,000-20,000 lm
# out of about 0.2 m^2 of lens (road and tunnel luminaires alike) gives I / A of the
# order of 2e4 cd/m^2.
LUMINAIRE_CD_M2 = 2.0e4


def rgb(kind: str) -> np.ndarray:
    """Linear sRGB of the lamp's light with unit luminance."""
    return blackbody_rgb(CCT_K[kind])


def nir_w_per_lm(kind: str, wavelength_nm: float, bandwidth_nm: float) -> float:
    """Radiant flux in the camera's NIR band per lumen of the lamp's output, W/lm."""
    if kind == "led":
        return 0.0
    doublet = SODIUM_DOUBLET_W_PER_LM if abs(SODIUM_DOUBLET_NM - wavelength_nm) <= bandwidth_nm / 2.0 else 0.0
    return doublet + SODIUM_CONTINUUM_W_NM_PER_LM * bandwidth_nm
