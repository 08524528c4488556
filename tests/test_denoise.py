"""The RGB camera's noise reduction (sensor/denoise.py): colour noise mostly gone, luma
noise reduced, edges and texture kept, means kept, nothing else of the frame changed."""

import copy

import numpy as np
import pytest
import yaml

from cabin_synth.paths import PRESETS
from cabin_synth.scene.materials import srgb_to_linear
from cabin_synth.sensor.denoise import LUMA
from cabin_synth.sensor.model import rgb_image

SODIUM = np.array([1.0, 0.45, 0.08])   # a low-pressure-sodium-like cast: white balance lifts blue 4x or more


@pytest.fixture
def sensor():
    return copy.deepcopy(yaml.safe_load((PRESETS / "default.yaml").read_text())["sensor"])


def shot(radiance, sensor, mode, seed=1):
    sensor["rgb"]["denoise"] = mode
    image, state = rgb_image(radiance, sensor, np.random.default_rng(seed))
    return srgb_to_linear(image.astype(np.float64) / 255.0), state


def luma_chroma(linear):
    y = linear @ LUMA
    return y, np.stack([linear[..., 0] - y, linear[..., 2] - y], axis=-1)


@pytest.mark.parametrize("lux", [5.0, 40.0])
def test_colour_noise_falls_far_more_than_luma_noise_and_the_means_stay(sensor, lux):
    # A flat card under a warm light at night (5 lux: analog gain 64, the blue channel's
    # noise times the white balance's 4.5) and at dusk. Flat, so all spread is noise.
    radiance = np.full((240, 320, 3), lux / np.pi * 0.18) * SODIUM
    off, state_off = shot(radiance, sensor, "off")
    on, state_on = shot(radiance, sensor, "auto")
    assert {k: v for k, v in state_on.items() if k != "denoise"} == {k: v for k, v in state_off.items() if k != "denoise"}
    assert (state_off["denoise"], state_on["denoise"]) == ("off", "auto")
    y_off, c_off = luma_chroma(off[8:-8, 8:-8])
    y_on, c_on = luma_chroma(on[8:-8, 8:-8])
    assert (c_on.std(axis=(0, 1)) < 0.3 * c_off.std(axis=(0, 1))).all()
    assert 0.25 * y_off.std() < y_on.std() < 0.8 * y_off.std()
    if state_off["analog_gain"] < 16:   # no clipping at black: the linear means compare
        assert on.mean(axis=(0, 1)) == pytest.approx(off.mean(axis=(0, 1)), rel=0.01)


def test_an_edge_stays_as_sharp(sensor):
    # A vertical step from 20 to 100 lux-equivalent grey, moderately noisy: the mean
    # profile across it rises from 10 to 90 % within the same pixels with or without.
    radiance = np.full((200, 120, 3), 20.0 / np.pi * 0.18)
    radiance[:, 60:] *= 5.0

    def rise(linear):
        y = (linear @ LUMA)[:, 40:80].mean(axis=0)
        lo, hi = y[:10].mean(), y[-10:].mean()
        t = (y - lo) / (hi - lo)
        return np.argmax(t > 0.9) - np.argmax(t > 0.1)
    off, state = shot(radiance, sensor, "off")
    on, _ = shot(radiance, sensor, "auto")
    assert state["analog_gain"] > 1.0
    assert rise(on) <= rise(off) + 1


def test_texture_above_the_noise_passes_in_daylight(sensor):
    # 4-pixel squares of +-25 % around a grey at 2,000 lux (gain 1): their spread is far
    # above the noise, so the denoised image keeps it.
    rng = np.random.default_rng(3)
    squares = 1.0 + 0.25 * rng.choice([-1.0, 1.0], size=(60, 80))
    radiance = np.repeat(np.repeat(squares, 4, axis=0), 4, axis=1)[..., None] * np.full(3, 2000.0 / np.pi * 0.18)
    off, state = shot(radiance, sensor, "off")
    on, _ = shot(radiance, sensor, "auto")
    assert state["analog_gain"] == 1.0
    y_off, y_on = off @ LUMA, on @ LUMA
    assert y_on.std() == pytest.approx(y_off.std(), rel=0.03)
    # and the squares stay where they were: per square, the same mean
    block = lambda y: y.reshape(60, 4, 80, 4).mean(axis=(1, 3))
    assert np.abs(block(y_on) - block(y_off)).max() < 0.1 * y_off.std()
