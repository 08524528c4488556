"""The sensor model against the EMVA 1288 photon transfer method and radiometry by hand."""

import copy

import numpy as np
import pytest
import yaml

from cabin_synth.paths import PRESETS
from cabin_synth.sensor.model import LIGHT_SPEED, PLANCK, nir_electrons_mean, nir_image, rgb_image


@pytest.fixture()
def sensor():
    s = copy.deepcopy(yaml.safe_load((PRESETS / "default.yaml").read_text())["sensor"])
    s["width"], s["height"] = 256, 256
    s["nir"]["bit_depth"] = 12
    return s


def test_electrons_from_radiance_by_hand(sensor):
    # Radiance L -> image irradiance E = pi L T / (4 N^2) -> photons -> electrons.
    L = 0.5
    n = sensor["nir"]
    E = np.pi * L * 0.9 / (4 * sensor["f_number"] ** 2)
    photons = E * (sensor["pixel_pitch_um"] * 1e-6) ** 2 * n["exposure_us"] * 1e-6 / (PLANCK * LIGHT_SPEED / 940e-9)
    assert nir_electrons_mean(np.array([L]), sensor)[0] == pytest.approx(n["quantum_efficiency"] * photons, rel=1e-9)


def test_photon_transfer_curve_gives_back_system_gain(sensor):
    # EMVA 1288: with two flat fields per level, var(diff)/2 against mean is a line of slope K.
    n = sensor["nir"]
    n.update(dsnu_e=0.0, prnu=0.0)
    K = n["system_gain_dn_per_e"] = 0.25
    per_electron = nir_electrons_mean(np.array([1.0]), sensor)[0]
    flat = np.ones((256, 256))
    pattern = (flat, np.zeros_like(flat))
    rng = np.random.default_rng(7)
    means, variances = [], []
    for electrons in np.linspace(200, 6000, 8):
        L = electrons / per_electron
        a = nir_image(flat * L, sensor, pattern, rng).astype(float)
        b = nir_image(flat * L, sensor, pattern, rng).astype(float)
        means.append(0.5 * (a.mean() + b.mean()) - n["black_level_dn"])
        variances.append(np.var(a - b) / 2)
    slope = np.polyfit(means, variances, 1)[0]
    assert slope == pytest.approx(K, rel=0.05)


def test_saturation_at_full_well_and_at_the_adc_top(sensor):
    flat = np.ones((8, 8))
    pattern = (flat, np.zeros_like(flat))
    n = sensor["nir"]
    for bits, dtype in ((8, np.uint8), (10, np.uint16), (12, np.uint16)):
        n["bit_depth"] = bits
        top = 2**bits - 1
        # The pixel fills first: full well maps to half the ADC range, so only the
        # full-well clip keeps the code below the top.
        n["system_gain_dn_per_e"] = 0.5 * top / n["full_well_e"]
        img = nir_image(flat * 1e6, sensor, pattern, np.random.default_rng(0))
        assert img.dtype == dtype
        assert np.all(img == np.floor(0.5 * top + n["black_level_dn"] + 0.5)), bits
        # The ADC fills first: full well maps to twice its range.
        n["system_gain_dn_per_e"] = 2.0 * top / n["full_well_e"]
        assert np.all(nir_image(flat * 1e6, sensor, pattern, np.random.default_rng(0)) == top), bits


def test_rgb_auto_exposure_puts_centre_on_target(sensor):
    radiance = np.full((64, 64, 3), 300.0 / np.pi * 0.18)  # 18 % grey under 300 lux
    image, state = rgb_image(radiance, sensor, np.random.default_rng(0))
    target = sensor["rgb"]["auto_exposure_target"]
    expected = 255 * (1.055 * target ** (1 / 2.4) - 0.055)
    assert state["analog_gain"] == 1.0
    assert abs(image.mean() - expected) < 1.5


def test_rgb_night_needs_gain_and_is_noisier(sensor):
    def noise(lux):
        radiance = np.full((64, 64, 3), lux / np.pi * 0.18)
        image, state = rgb_image(radiance, sensor, np.random.default_rng(1))
        return image.astype(float).std(), state["analog_gain"]
    day_std, day_gain = noise(1000.0)
    dusk_std, dusk_gain = noise(5.0)
    assert day_gain == 1.0 and dusk_gain > 1.0
    assert dusk_std > day_std


def test_white_balance_neutral_grey_and_noisier_weak_channels(sensor):
    # A grey card stays grey after the daylight white balance; the channels the raw
    # sensor collects fewer electrons in carry relatively more shot noise (std ~ 1/sqrt(s)).
    # Auto white balance: tests/test_white_balance.py.
    sensor["rgb"]["white_balance"] = "daylight"
    sensor["rgb"]["denoise"] = "off"     # the raw noise itself (noise reduction: tests/test_denoise.py)
    radiance = np.full((128, 128, 3), 300.0 / np.pi * 0.18)
    image, state = rgb_image(radiance, sensor, np.random.default_rng(3))
    s = np.array(sensor["rgb"]["channel_sensitivity"])
    assert state["white_balance_gains"] == pytest.approx(list(1.0 / s))
    means = image.reshape(-1, 3).mean(axis=0)
    assert np.ptp(means) < 1.0
    std = image.reshape(-1, 3).astype(float).std(axis=0)
    green = int(np.argmax(s))
    for c in range(3):
        assert std[c] / std[green] == pytest.approx(np.sqrt(s[green] / s[c]), rel=0.15)


def test_noise_is_reproducible_from_the_stream_alone(sensor):
    radiance = np.full((97, 61), 0.3)
    flat = np.ones_like(radiance)
    pattern = (flat, np.zeros_like(flat))
    a = nir_image(radiance, sensor, pattern, np.random.default_rng(9))
    b = nir_image(radiance, sensor, pattern, np.random.default_rng(9))
    c = nir_image(radiance, sensor, pattern, np.random.default_rng(10))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_srgb_table_matches_the_curve():
    # The 16-bit table may differ from evaluating IEC 61966-2-1 by 1 code, and only
    # at a code boundary.
    from cabin_synth.sensor.model import srgb_8bit, srgb_encode

    level = np.random.default_rng(4).uniform(-0.1, 1.1, 200000).astype(np.float32)
    exact = np.floor(srgb_encode(level) * 255.0 + 0.5)
    table = srgb_8bit(level).astype(float)
    assert np.abs(table - exact).max() <= 1 and (table != exact).mean() < 0.002
    assert srgb_8bit(np.array([0.0, 0.18, 1.0], np.float32)).tolist() == [0, 118, 255]
