"""Exposure over time in clips (sensor/shutter.py, FrameMaker.expose_over_time):
row windows integrated exactly, a rolling shutter's skew and a moving edge's blur
worked by hand, and clip frames unchanged when the shutter has nothing to do."""

import copy

import numpy as np
import pytest
import yaml

from cabin_synth import presets
from cabin_synth.behaviour.clips import make_clip
from cabin_synth.errors import UserError
from cabin_synth.paths import PRESETS
from cabin_synth.pipeline import FrameMaker
from cabin_synth.sensor import shutter


def test_rows_integrate_a_signal_linear_in_time_exactly():
    rng = np.random.default_rng(0)
    times = np.linspace(-0.02, 0.03, 7)
    starts = rng.uniform(-0.02, 0.015, 50)
    for length in (0.0, 0.004, 0.015):
        weights = shutter.row_weights(shutter.Window(starts, length), times)
        assert np.allclose(weights.sum(axis=1), 1.0)
        signal = 3.0 + 2.0 * times
        assert np.allclose(weights @ signal, 3.0 + 2.0 * (starts + length / 2))


def moving_edge(times, width, height, x0, speed):
    """Frames of a vertical edge at x0 + speed t, each pixel holding the share of it left of the edge."""
    u = np.arange(width)[None, None, :]
    x = (x0 + speed * np.asarray(times))[:, None, None]
    return list(np.broadcast_to(np.clip(x - u, 0, 1), (len(times), height, width)).astype(np.float32))


def sensor_with(height, **shutter_fields):
    return {"height": height, "nir": {"exposure_us": 500}, "shutter": shutter_fields}


def test_a_rolling_shutter_sees_each_row_one_line_time_later():
    h, w, speed, line_us = 40, 200, 2000.0, 100.0
    sensor = sensor_with(h, rgb_line_time_us=line_us, max_subframes=16)
    window = shutter.rgb_window(sensor, 0.0)
    motion = speed * (window.span_s[1] - window.span_s[0])
    times = shutter.instants(window, motion, sensor)
    assert len(times) == int(np.ceil(motion)) + 1
    image = shutter.integrate(window, times, moving_edge(times, w, h, 100.0, speed))
    row_time = (np.arange(h) - (h - 1) / 2) * line_us * 1e-6
    assert np.allclose(image.sum(axis=1), 100.0 + speed * row_time, atol=1e-3)


def test_motion_blur_spreads_a_moving_edge_over_its_path_during_the_exposure():
    h, w, speed, exposure = 4, 120, 300.0, 0.02          # 6 px in 20 ms
    sensor = sensor_with(h, max_subframes=16)
    window = shutter.rgb_window(sensor, exposure)
    times = shutter.instants(window, speed * exposure, sensor)
    profile = shutter.integrate(window, times, moving_edge(times, w, h, 60.0, speed))[0]
    assert profile.sum() == pytest.approx(60.0, abs=1e-3)          # the edge's mean position
    x = np.arange(w) + 0.5
    # A step swept at constant speed: a ramp as wide as its path (by hand, for pixel centres).
    ramp = np.clip((60.0 + speed * exposure / 2 - x) / (speed * exposure), 0, 1)
    assert np.abs(profile - ramp).max() < 0.1


def test_a_still_window_is_the_frame_instant():
    sensor = sensor_with(10, motion_blur=True)
    assert list(shutter.instants(shutter.nir_window(sensor), 0.1, sensor)) == [0.0]


def clip_preset(tmp_path, name, **shutter_fields):
    data = yaml.safe_load((PRESETS / "distraction_clips.yaml").read_text())
    data["clip"]["duration_s"] = 2.0
    data["sensor"].update(width=64, height=48, pixel_pitch_um=30.0)
    data["lighting"]["sun_illuminance_lux"] = 30           # dusk: the RGB camera exposes for long
    if shutter_fields:
        data["sensor"]["shutter"] = shutter_fields
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return presets.load(str(path))


def moving_frame(clip):
    """Index of the clip frame whose head turns fastest."""
    yaw = np.array([p.head_euler_deg[0] for p in clip.params])
    return int(np.argmax(np.abs(np.gradient(yaw))))


def make(preset, clip, k):
    sensor = preset.section("sensor")
    params = clip.params[k]
    frame = FrameMaker(preset, seed=5).make(
        params.index, params=params, at=lambda dt: clip.params_at(k / clip.fps + dt, params.index, sensor))
    return frame


def test_clip_frames_are_unchanged_without_motion_blur_and_blurred_with_it(tmp_path):
    plain = clip_preset(tmp_path, "plain")
    clip = make_clip(plain, 2, 0)                         # a glance at 1.9 s
    k = moving_frame(clip)
    assert abs(np.gradient([p.head_euler_deg[0] for p in clip.params])[k]) * clip.fps > 30   # deg/s
    assert clip.params_at(np.array([k / clip.fps]), clip.params[k].index, plain.section("sensor"))[0] == clip.params[k]
    reference = make(plain, clip, k)
    off = make(clip_preset(tmp_path, "off", motion_blur=False), clip, k)
    for kind in reference.images:
        assert np.array_equal(off.images[kind], reference.images[kind]), kind
    state = off.labels["sensor_state"].pop("shutter")
    assert state["rgb_subframes"] == state["nir_subframes"] == 1
    assert off.labels == reference.labels

    blurred = make(clip_preset(tmp_path, "on", motion_blur=True, max_subframes=3), clip, k)
    state = blurred.labels["sensor_state"].pop("shutter")
    assert state["rgb_subframes"] == 3 and state["nir_subframes"] == 1    # a 0.5 ms pulse freezes the head
    assert state["rgb_exposure_time_ms"] == pytest.approx(1e3 / clip.fps)   # dusk: the longest exposure
    assert np.array_equal(blurred.images["nir"], reference.images["nir"])
    assert not np.array_equal(blurred.images["rgb"], reference.images["rgb"])
    # Auto white balance estimates the light on the image the camera took: smearing it moves
    # the estimate a little (an image's mean colour hardly changes); every other label is the same.
    estimates = [x.labels["sensor_state"]["rgb"] for x in (blurred, reference)]
    np.testing.assert_allclose(*(e["white_balance_gains"] for e in estimates), rtol=0.02)
    for e in estimates:
        for key in [k for k in e if k.startswith("white_balance_")]:
            e.pop(key)
    assert blurred.labels == reference.labels


def test_the_shutter_must_fit_a_clip(tmp_path):
    data = copy.deepcopy(dict(presets.load("default").data))
    data["sensor"]["shutter"] = {"motion_blur": True}
    path = tmp_path / "frames.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(UserError, match="sensor.shutter.*clip"):
        presets.load(str(path))
    with pytest.raises(UserError, match="rgb_max_exposure_ms.*frame period"):
        clip_preset(tmp_path, "long", rgb_max_exposure_ms=50)
    with pytest.raises(UserError, match="rgb_line_time_us.*48 rows"):
        clip_preset(tmp_path, "slow", rgb_line_time_us=900)
