"""The RGB camera's auto white balance against colorimetry done by hand here.

A grey card fills the frame under a light of known colour; what the camera
must do with it follows from docs/sensors.md (White balance): the light is
found on the Planckian locus, a grey keeps (1 - D) of the light's colour below
4,000 K, and no gain exceeds 4 times its daylight value.
"""

import copy

import numpy as np
import pytest
import yaml

from cabin_synth.paths import PRESETS
from cabin_synth.scene.lamps import WAVELENGTHS_NM, cie_xyz_bar, planck
from cabin_synth.sensor.model import rgb_image

GREY = 300.0 / np.pi * 0.18          # 18 % grey card under 300 lux: radiance per unit of the light
# linear sRGB -> XYZ (IEC 61966-2-1), written out here rather than inverted from the code's matrix
SRGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
XYZ_TO_SRGB = np.linalg.inv(SRGB_TO_XYZ)
LUMA = np.array([0.2126, 0.7152, 0.0722])


@pytest.fixture()
def sensor():
    s = copy.deepcopy(yaml.safe_load((PRESETS / "default.yaml").read_text())["sensor"])
    s["width"], s["height"] = 128, 128
    return s


def uv(xyz):
    x, y, z = xyz
    return np.array([4 * x, 6 * y]) / (x + 15 * y + 3 * z)


def blackbody_xyz(t_k):
    return cie_xyz_bar(WAVELENGTHS_NM) @ planck(WAVELENGTHS_NM, t_k)


def blackbody_srgb(t_k):
    rgb = XYZ_TO_SRGB @ blackbody_xyz(t_k)
    return rgb / (LUMA @ rgb)


# the locus every 10 K, to find by brute force what the camera should pick
LOCUS_K = np.arange(2000.0, 10001.0, 10.0)
LOCUS_UV = np.array([uv(blackbody_xyz(t)) for t in LOCUS_K])


def nearest_on_locus(rgb):
    """(CCT, Duv) of a linear sRGB colour: the nearest locus point in CIE 1960 (u, v);
    Duv's sign from the side of the locus (+ towards green, above it in v)."""
    p = uv(SRGB_TO_XYZ @ rgb)
    k = int(np.argmin(np.sum((LOCUS_UV - p) ** 2, axis=1)))
    tangent = LOCUS_UV[min(k + 1, len(LOCUS_K) - 1)] - LOCUS_UV[max(k - 1, 0)]
    normal = np.array([-tangent[1], tangent[0]])
    normal *= np.sign(normal[1]) / np.linalg.norm(normal)
    return LOCUS_K[k], float((p - LOCUS_UV[k]) @ normal)


def expected_gains(light, t_k, s):
    """The gains docs/sensors.md describes, by hand: a grey renders D + (1 - D) light,
    D falls linearly in mired from 1 at 4,000 K to 0.7 at 2,000 K; gains at most 4 / s."""
    d = 1.0 - 0.3 * np.clip((1e6 / t_k - 250.0) / 250.0, 0.0, 1.0)
    return np.minimum((d + (1 - d) * light) / (s * light), 4.0 / s)


def linear_mean(image):
    c = image.reshape(-1, 3).astype(float) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4).mean(axis=0)


def chroma(rgb):
    return np.array([rgb[0] / rgb[1], rgb[2] / rgb[1]])


@pytest.mark.parametrize("name, t_k", [("sodium road lamp", 2050.0), ("warm LED", 3000.0), ("daylight D65", None)])
def test_grey_card_under_a_lamp(sensor, name, t_k):
    light = np.ones(3) if t_k is None else blackbody_srgb(t_k)
    s = np.array(sensor["rgb"]["channel_sensitivity"])
    radiance = np.full((128, 128, 3), GREY) * light
    image, state = rgb_image(radiance, sensor, np.random.default_rng(5))
    want = expected_gains(light, t_k or 6504.0, s)
    assert np.array(state["white_balance_gains"]) == pytest.approx(want, rel=0.02), name
    # The card's colour follows from the gains alone: radiance x sensitivity x gain.
    card = chroma(linear_mean(image))
    assert card == pytest.approx(chroma(light * s * want), rel=0.03), name
    sensor["rgb"]["white_balance"] = "daylight"
    fixed = chroma(linear_mean(rgb_image(radiance, sensor, np.random.default_rng(5))[0]))
    if t_k is None:
        # under daylight, auto agrees with the daylight preset
        assert np.array(state["white_balance_gains"]) == pytest.approx(1.0 / s, rel=0.02)
        assert card == pytest.approx([1.0, 1.0], abs=0.03)
    elif t_k == 3000.0:
        # near-neutral: D = 0.9 leaves a grey at (1.075, 0.985, 0.927)
        assert card == pytest.approx([1.09, 0.94], abs=0.04) and fixed[0] > 1.5 and fixed[1] < 0.4
    else:
        # sodium keeps its warmth (D = 0.7, blue at its limit) but far less than daylight's 3.6 and 0.04
        assert card == pytest.approx([1.58, 0.13], abs=0.05) and fixed[0] > 3.3 and fixed[1] < 0.06


@pytest.mark.parametrize("surface", [(0.05, 0.6, 0.05), (0.6, 0.04, 0.6), (0.03, 0.1, 0.7)])
def test_one_saturated_colour_stays_in_the_plausible_band(sensor, surface):
    # 90 % of the frame one saturated paint, 10 % grey, under D65: the grey world alone
    # would call the light that paint; the camera keeps it near the locus, within 2,000-10,000 K.
    radiance = np.full((128, 128, 3), GREY) * np.asarray(surface) / 0.18
    radiance[:, :13] = GREY
    _, state = rgb_image(radiance, sensor, np.random.default_rng(2))
    s = np.array(sensor["rgb"]["channel_sensitivity"])
    cct, duv = state["white_balance_cct_k"], state["white_balance_duv"]
    mean = radiance.reshape(-1, 3).mean(axis=0)
    free_cct, free_duv = nearest_on_locus(mean)
    assert abs(free_duv) > 0.02            # unconstrained, far off the locus
    assert 2000 <= cct <= 10000 and abs(duv) <= 0.006
    assert cct == pytest.approx(free_cct, rel=0.03)
    assert abs(duv) == pytest.approx(0.006) and np.sign(duv) == np.sign(free_duv)
    # The white the gains balance for (D = 1 at these CCTs) is that light, checked on the locus here.
    implied = 1.0 / (np.array(state["white_balance_gains"]) * s)
    t, d = nearest_on_locus(implied)
    assert t == pytest.approx(cct, rel=0.03) and d == pytest.approx(duv, abs=0.0005)


def test_clipped_zones_do_not_count(sensor):
    # A blown-out window of blue sky beside a grey card under D65: left out, the card rules.
    radiance = np.full((128, 128, 3), GREY)
    radiance[:40] = np.array([0.3, 0.6, 1.0]) * GREY * 40
    _, state = rgb_image(radiance, sensor, np.random.default_rng(4))
    s = np.array(sensor["rgb"]["channel_sensitivity"])
    assert np.array(state["white_balance_gains"]) == pytest.approx(1.0 / s, rel=0.02)


def test_same_seed_same_pixels(sensor):
    radiance = np.full((128, 128, 3), GREY) * blackbody_srgb(2800.0)
    radiance[::7] *= 0.3
    a, sa = rgb_image(radiance, sensor, np.random.default_rng(8))
    b, sb = rgb_image(radiance, sensor, np.random.default_rng(8))
    c, _ = rgb_image(radiance, sensor, np.random.default_rng(9))
    assert np.array_equal(a, b) and sa == sb and not np.array_equal(a, c)


def test_bright_scenes_are_taken_for_daylight(sensor):
    # Exposed for 5,000 lux, a scene can only be lit by daylight (lamps give a cabin tens
    # of lux): the camera keeps daylight's gains even when the scene is all warm. At
    # 1,000 lux, halfway between 500 and 2,000 in log lux, the estimate is half-way.
    s = np.array(sensor["rgb"]["channel_sensitivity"])
    warm = blackbody_srgb(3000.0)
    _, bright = rgb_image(np.full((128, 128, 3), 5000.0 / np.pi * 0.18) * warm, sensor, np.random.default_rng(6))
    assert bright["white_balance_daylight_weight"] == 1.0
    assert np.array(bright["white_balance_gains"]) == pytest.approx(1.0 / s, rel=0.02)
    _, half = rgb_image(np.full((128, 128, 3), 1000.0 / np.pi * 0.18) * warm, sensor, np.random.default_rng(6))
    assert half["white_balance_daylight_weight"] == pytest.approx(0.5, abs=0.01)
    mix = 0.5 * (warm * s) / (warm[1] * s[1]) + 0.5 * s / s[1]     # raw colours with green 1, mixed
    cct, duv = nearest_on_locus(mix / s)
    assert half["white_balance_cct_k"] == pytest.approx(cct, rel=0.02)
    assert half["white_balance_duv"] == pytest.approx(np.clip(duv, -0.006, 0.006), abs=0.0005)
