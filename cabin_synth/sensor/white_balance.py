"""Auto white balance of the RGB camera, as a camera's ISP does it on the raw image.

1. Statistics: the raw (linear, pre-balance) image, decimated, is averaged
   over a grid of zones, as an ISP's AWB statistics block does; zones holding
   a clipped sample (level 1, the ADC's top: their colour is the clip's, not the
   light's) or too dark to rise above the noise are left out.
2. Estimate: the grey world over the remaining zones (Buchsbaum, "A spatial
   processor model for object colour perception", J. Franklin Inst. 310, 1980):
   the mean raw colour is taken as the illuminant's. A cabin's surfaces and a
   face filling the image's centre are warm on average, so under daylight the
   grey world alone finds 4,300-6,700 K. The exposure tells daylight apart, as
   an ISP's "lux index" does: lamps light a cabin with tens of lux (road lights
   under 20, a dome lamp about 100 on the face), daylight with thousands. Above
   DAYLIGHT_LUX[0] of metered illuminance the estimate moves towards the
   camera's daylight white (D65), reaching it at DAYLIGHT_LUX[1], linearly in
   log illuminance.
3. Constraint: the raw estimate divided by the channel sensitivities is the
   light's linear sRGB (the camera's raw space is linear sRGB times the
   sensitivities), hence its CIE 1960 (u, v). Its correlated colour temperature
   is that of the nearest point of the Planckian locus (the CIE definition),
   held to 2,000-10,000 K; its distance from the locus, Duv, is held to
   +-DUV_BAND. A scene full of one saturated colour can so move the white only
   along the locus and a little off it, never far to green or magenta, and
   never past the locus's ends.
4. Incomplete adaptation: below 4,000 K the camera keeps part of the light's
   warmth, as viewers adapt less to warm light (Wei and Chen, Opt. Express 27(6),
   2019). The balanced colour of a grey under white w (linear sRGB, unit
   luminance) is D + (1 - D) w, CIECAM02's form of partial adaptation, with D
   falling linearly in mired from 1 at 4,000 K to ADAPTATION_MIN at 2,000 K.
5. Gain limit: no channel's gain exceeds GAIN_LIMIT times its daylight gain.
   A 2,050 K sodium lamp has 3 % of its luminance's blue: balancing it
   would multiply the blue channel's noise 24 to 34 times. ISPs bound their
   white-balance gains for that reason; the bound here is a choice.

The gains keep the luminance of a grey lit by the estimated white, so the
auto-exposure's level holds. docs/sensors.md (White balance) gives the choices.
"""

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..scene.lamps import WAVELENGTHS_NM, XYZ_TO_SRGB, cie_xyz_bar, planck

LOCUS_MIRED = np.arange(100.0, 501.0)          # 10,000 K .. 2,000 K, 1 mired apart
# ANSI C78.377's quadrangles for white LEDs reach about 0.006 off the Planckian
# locus; CIE daylight (the scene's daylight is D65) lies 0.003 above it.
DUV_BAND = 0.006
ZONES = (48, 64)                               # rows, columns of the statistics grid
# A zone's green must clear the read noise at the highest analog gain (3 e- at 64x
# is 0.024 of the level) to say something about the light's colour.
ZONE_MIN_GREEN = 0.03
FULL_ADAPTATION_MIRED = 250.0                  # 4,000 K
ADAPTATION_MIN = 0.7                           # at 2,000 K and below; a choice, see docs/sensors.md
GAIN_LIMIT = 4.0                               # times the daylight gain, per channel
DAYLIGHT_LUX = (500.0, 2000.0)                 # metered illuminance: daylight's weight 0 .. 1; a choice


def _uv(xyz: np.ndarray) -> np.ndarray:
    """CIE 1960 (u, v) of XYZ rows."""
    xyz = np.atleast_2d(xyz)
    d = xyz[:, 0] + 15.0 * xyz[:, 1] + 3.0 * xyz[:, 2]
    return np.stack([4.0 * xyz[:, 0] / d, 6.0 * xyz[:, 1] / d], axis=1)


def _xyz(uv: np.ndarray) -> np.ndarray:
    """XYZ with Y = 1 of a CIE 1960 (u, v)."""
    u, v = uv
    x, y = 3.0 * u / (2.0 * u - 8.0 * v + 4.0), 2.0 * v / (2.0 * u - 8.0 * v + 4.0)
    return np.array([x / y, 1.0, (1.0 - x - y) / y])


_LOCUS_UV = _uv((cie_xyz_bar(WAVELENGTHS_NM) @ np.stack([planck(WAVELENGTHS_NM, 1e6 / m) for m in LOCUS_MIRED], 1)).T)
# Unit normals to the locus, towards +Duv (green), from its local direction.
_TANGENT = np.gradient(_LOCUS_UV, axis=0)
_NORMAL = np.stack([-_TANGENT[:, 1], _TANGENT[:, 0]], 1) / np.linalg.norm(_TANGENT, axis=1, keepdims=True)
_SRGB_TO_XYZ = np.linalg.inv(XYZ_TO_SRGB)


def zone_means(raw: np.ndarray) -> np.ndarray:
    """(N, 3) mean raw colour of the usable zones (all zones if none is usable)."""
    # Like an ISP's statistics block, read a decimated raw image: about 4 x 4
    # samples per zone already make each zone's mean, at a cost that does not
    # grow with the sensor's resolution.
    step = max(1, min(raw.shape[0] // (4 * ZONES[0]), raw.shape[1] // (4 * ZONES[1])))
    raw = raw[::step, ::step]
    h, w = raw.shape[:2]
    rows, cols = min(ZONES[0], h), min(ZONES[1], w)
    # Zones of whole samples: the last few rows and columns fall outside, as on an ISP's grid.
    zh, zw = h // rows, w // cols
    grid = raw[:rows * zh, :cols * zw].reshape(rows, zh, cols, zw, 3)
    means = grid.mean(axis=(1, 3), dtype=np.float64).reshape(-1, 3)
    clipped = grid.max(axis=(1, 3, 4)).reshape(-1) >= 1.0
    usable = ~clipped & (means[:, 1] >= ZONE_MIN_GREEN)
    return means[usable] if usable.any() else means


def plausible_light(raw_white: np.ndarray, sensitivity: np.ndarray) -> tuple[np.ndarray, float, float]:
    """(linear sRGB with unit luminance, CCT K, Duv) of the plausible light nearest a raw colour."""
    uv = _uv(_SRGB_TO_XYZ @ (np.asarray(raw_white, float) / sensitivity))[0]
    k = int(np.argmin(np.sum((_LOCUS_UV - uv) ** 2, axis=1)))
    duv = float(np.clip((uv - _LOCUS_UV[k]) @ _NORMAL[k], -DUV_BAND, DUV_BAND))
    # The far blue end of a warm light off the locus may fall outside sRGB's gamut.
    light = np.maximum(XYZ_TO_SRGB @ _xyz(_LOCUS_UV[k] + duv * _NORMAL[k]), 1e-3)
    return light / (np.array([0.2126, 0.7152, 0.0722]) @ light), float(1e6 / LOCUS_MIRED[k]), duv


def adaptation(mired: float) -> float:
    """Degree of adaptation D at a white of `mired` (1e6 / K)."""
    share = (mired - FULL_ADAPTATION_MIRED) / (LOCUS_MIRED[-1] - FULL_ADAPTATION_MIRED)
    return float(1.0 - (1.0 - ADAPTATION_MIN) * np.clip(share, 0.0, 1.0))


def daylight_weight(lux: float) -> float:
    """How far the estimate moves towards daylight at a metered illuminance (lux)."""
    lo, hi = np.log10(DAYLIGHT_LUX)
    return float(np.clip((np.log10(max(lux, 1e-9)) - lo) / (hi - lo), 0.0, 1.0))


def balance(raw: np.ndarray, rgb: Mapping[str, Any], lux: float) -> tuple[np.ndarray, dict[str, Any]]:
    """(raw response to the adapted white per channel, state) for the raw linear image
    `raw` (H x W x 3, pre-balance) exposed for `lux` (the auto-exposure's metered
    illuminance): dividing by the first balances the image."""
    sensitivity = np.asarray(rgb["channel_sensitivity"], float)
    mode = rgb.get("white_balance", "auto")
    if mode == "daylight":
        return sensitivity, {"white_balance": mode, "white_balance_gains": (1.0 / sensitivity).tolist(),
                             "white_balance_cct_k": None, "white_balance_duv": None,
                             "white_balance_adaptation": None, "white_balance_daylight_weight": None}
    grey = np.maximum(zone_means(raw).mean(axis=0), 1e-9)
    w = daylight_weight(lux)
    # Both whites scaled to green 1 before they mix, so the mix is one of colours.
    light, cct, duv = plausible_light((1.0 - w) * grey / grey[1] + w * sensitivity / sensitivity[1], sensitivity)
    d = adaptation(1e6 / cct)
    white = np.maximum(sensitivity * light / (d + (1.0 - d) * light), sensitivity / GAIN_LIMIT)
    return white, {"white_balance": mode, "white_balance_gains": (1.0 / white).tolist(),
                   "white_balance_cct_k": cct, "white_balance_duv": duv, "white_balance_adaptation": d,
                   "white_balance_daylight_weight": w}
