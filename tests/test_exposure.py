"""NIR auto-exposure and illuminator power control (sensor/exposure.py) against
radiometry and control dynamics computed by hand, and the must-show of issue 12:
no NIR frame shows a black face unless its labels say the illuminator is blocked."""

import copy
import math

import numpy as np
import pytest
import yaml

from cabin_synth import presets
from cabin_synth.paths import PRESETS
from cabin_synth.pipeline import FrameMaker
from cabin_synth.sensor import exposure
from cabin_synth.sensor.model import LIGHT_SPEED, PLANCK

BOX = (10.0, 10.0, 29.0, 29.0)


@pytest.fixture()
def sensor():
    s = copy.deepcopy(yaml.safe_load((PRESETS / "default.yaml").read_text())["sensor"])
    s["width"], s["height"] = 40, 40
    return s


def rate_by_hand(L: float, s) -> float:
    """e-/s per pixel: image irradiance pi L T / (4 N^2), photons of h c / lambda, QE."""
    E = math.pi * L * 0.9 / (4 * s["f_number"] ** 2)
    return s["nir"]["quantum_efficiency"] * E * (s["pixel_pitch_um"] * 1e-6) ** 2 / (PLANCK * LIGHT_SPEED / 940e-9)


def span(s) -> float:
    return 2 ** s["nir"]["bit_depth"] - 1 - s["nir"]["black_level_dn"]


def lit_by(s, L_led: float, L_ambient: float = 0.0):
    nir = np.full((s["height"], s["width"]), L_led + L_ambient, np.float32)
    return nir, np.full_like(nir, L_led)


def test_steady_state_exposure_time_puts_the_face_on_target(sensor):
    L = 1.0   # about a face of reflectance 0.5 at 0.6 m from a 2 W/sr illuminator
    shot, ctl = exposure.expose(*lit_by(sensor, L), BOX, sensor)
    n = sensor["nir"]
    t = ctl.target_level * span(sensor) / (n["system_gain_dn_per_e"] * (rate_by_hand(L, sensor) + n["dark_current_e_per_s"]))
    assert 20e-6 < t < 500e-6     # inside the exposure range: no gain, full drive
    assert shot.exposure_us == pytest.approx(t * 1e6, rel=1e-6)
    assert (shot.analog_gain, shot.led_drive) == (1.0, 1.0)
    assert shot.metered_level == pytest.approx(ctl.target_level, rel=1e-6)


def test_a_dim_face_takes_the_longest_pulse_then_gain(sensor):
    L = 0.1
    shot, ctl = exposure.expose(*lit_by(sensor, L), BOX, sensor)
    n = sensor["nir"]
    t_max = n["exposure_us"] * 1e-6
    gain = ctl.target_level * span(sensor) / (n["system_gain_dn_per_e"] * t_max * (rate_by_hand(L, sensor) + n["dark_current_e_per_s"]))
    assert 1.0 < gain < ctl.max_gain
    assert shot.exposure_us == pytest.approx(n["exposure_us"])
    assert shot.analog_gain == pytest.approx(gain, rel=1e-6)
    # darker still: both at their limits, the face stays under target
    shot, _ = exposure.expose(*lit_by(sensor, L / 100), BOX, sensor)
    assert (shot.exposure_us, shot.analog_gain) == (n["exposure_us"], ctl.max_gain) and shot.metered_level < ctl.target_level


def test_a_close_face_dims_the_illuminators_at_the_shortest_pulse(sensor):
    """At t_min the level is K t_min (ambient + p led + dark) / span: solve for p by hand."""
    L_led, L_amb = 40.0, 0.2
    shot, ctl = exposure.expose(*lit_by(sensor, L_led, L_amb), BOX, sensor)
    n = sensor["nir"]
    t_min = ctl.min_exposure_us * 1e-6
    electrons = ctl.target_level * span(sensor) / n["system_gain_dn_per_e"] / t_min
    p = (electrons - rate_by_hand(L_amb, sensor) - n["dark_current_e_per_s"]) / rate_by_hand(L_led, sensor)
    assert ctl.min_led_drive < p < 1.0
    assert shot.exposure_us == pytest.approx(ctl.min_exposure_us) and shot.led_drive == pytest.approx(p, rel=1e-6)
    # the image the sensor makes with it: the illuminators' part scaled by p, daylight untouched
    nir, led = lit_by(sensor, L_led, L_amb)
    assert exposure.lit_radiance(nir, led, shot.led_drive)[0, 0] == pytest.approx(L_amb + p * L_led, rel=1e-6)


def test_the_eye_safety_cap_holds_the_time_averaged_irradiance(sensor):
    """Eight 5 W/sr emitters pulsed 3 ms at 120 Hz: on axis at 0.2 m their mean irradiance at
    full drive would be 40 / 0.04 * 3e-3 * 120 = 360 W/m^2, over the exempt group's 100
    (IEC 62471): a dim face gets drive 100 / 360, and risk group 1 (570) allows full drive."""
    sensor["illuminators"] = [{"radiant_intensity_w_sr": 5.0, "half_angle_deg": 30, "offset_m": [0.0, 0.012, 0.0]}] * 8
    sensor["nir"]["exposure_us"] = 3000
    sensor["nir"]["auto_exposure"]["frame_rate_hz"] = 120
    shot, ctl = exposure.expose(*lit_by(sensor, 1e-4), BOX, sensor)
    assert shot.led_drive == pytest.approx(100.0 / 360.0, rel=1e-9)
    assert shot.eye_irradiance_w_m2 == pytest.approx(100.0, rel=1e-9) and ctl.eye_limit_w_m2 == 100.0
    sensor["nir"]["auto_exposure"]["eye_safety"] = "rg1"
    shot, _ = exposure.expose(*lit_by(sensor, 1e-4), BOX, sensor)
    assert shot.led_drive == 1.0 and shot.eye_irradiance_w_m2 == pytest.approx(360.0, rel=1e-9)


def test_the_clip_loop_settles_as_a_first_order_system(sensor):
    """Scene 4x darker than the steady state was set for: 2 stops under. Each frame the
    loop corrects loop_gain (0.5) of the error, at most max_step_stops (1): errors of
    -2, -1, -0.5, -0.25, ... stops, while the level stays linear in the exposure index
    (exposure time, then gain)."""
    L = 1.0
    sensor["nir"]["dark_current_e_per_s"] = 0.0   # the level then scales exactly with the radiance
    start, ctl = exposure.expose(*lit_by(sensor, L), BOX, sensor)
    state = (start.index, None)
    errors = []
    for k in range(6):
        shot, _ = exposure.expose(*lit_by(sensor, L / 4), BOX, sensor, previous=state if k else (start.index, ctl.target_level))
        errors.append(math.log2(shot.metered_level / ctl.target_level))
        state = (shot.index, shot.metered_level)
    assert errors == pytest.approx([-2.0, -1.0, -0.5, -0.25, -0.125, -0.0625], abs=1e-6)


def test_the_loop_step_is_limited(sensor):
    L = 1.0
    start, ctl = exposure.expose(*lit_by(sensor, L), BOX, sensor)
    # a face that metered 16x under target asks for 4 stops; the loop gives max_step_stops
    shot, _ = exposure.expose(*lit_by(sensor, L), BOX, sensor, previous=(start.index, ctl.target_level / 16))
    assert shot.index - start.index == pytest.approx(ctl.max_step_stops)


def test_without_auto_exposure_the_camera_keeps_its_fixed_exposure(sensor):
    del sensor["nir"]["auto_exposure"]
    shot, ctl = exposure.expose(*lit_by(sensor, 5.0), BOX, sensor)
    assert ctl is None and (shot.exposure_us, shot.analog_gain, shot.led_drive) == (500, 1.0, 1.0)


def test_the_meter_reads_the_face_box_or_the_image_centre(sensor):
    nir, led = lit_by(sensor, 1.0)
    nir[10:30, 10:30] *= 3.0
    led[10:30, 10:30] *= 3.0
    inside, _ = exposure.expose(nir, led, BOX, sensor)
    plain, _ = exposure.expose(*lit_by(sensor, 3.0), BOX, sensor)
    assert inside.exposure_us == pytest.approx(plain.exposure_us, rel=1e-6)
    # a face out of frame (a degenerate box): the central half of the image, rows and columns 10..29
    out, _ = exposure.expose(nir, led, (39.5, 39.5, 39.5, 39.5), sensor)
    assert out.metering_box_xyxy == (9.5, 9.5, 29.5, 29.5) and out.exposure_us == pytest.approx(plain.exposure_us, rel=1e-6)


def small(name: str, seed: int) -> FrameMaker:
    base = presets.load(name)
    data = copy.deepcopy(dict(base.data))
    data["sensor"].update(width=160, height=120, pixel_pitch_um=data["sensor"]["pixel_pitch_um"] * 4)
    return FrameMaker(presets.Preset(name=name, path=base.path, data=data), seed)


def face_box_mean(frame) -> float:
    x0, y0, x1, y1 = (int(round(v)) for v in frame.labels["face_bbox_xyxy"])
    return float(frame.images["nir"][max(y0, 0):y1 + 1, max(x0, 0):x1 + 1].astype(float).mean())


def illuminator_blocked(labels) -> bool:
    return labels["view_occlusion"]["blocked"] or not any(i["reaches_face"] for i in labels["illumination"])


def test_every_dark_face_of_the_occlusions_preset_is_labelled(gl_renderer):
    """Hands, phones, masks, caps and every mount: a face box under 6 of 255 comes with
    labels saying the view or the illuminators are blocked."""
    maker = small("occlusions", 0)
    maker.renderer = gl_renderer
    for index in range(8):
        frame = maker.make(index)
        assert face_box_mean(frame) >= 6.0 or illuminator_blocked(frame.labels), index


# Issue 12: with seed 21 these default frames showed the face black (mean under 6 of 255)
# while the camera saw it; seed 11 frame 9 was black everywhere.
BLACK_BEFORE = {21: (10, 22, 25, 43, 44), 11: (9,)}


@pytest.mark.parametrize("seed", sorted(BLACK_BEFORE))
def test_no_black_face_unless_the_labels_say_the_illuminator_is_blocked(seed, gl_renderer):
    maker = small("default", seed)
    maker.renderer = gl_renderer
    for index in BLACK_BEFORE[seed]:
        frame = maker.make(index)
        labels = frame.labels
        face = face_box_mean(frame)
        assert face >= 6.0 or illuminator_blocked(labels), (seed, index, face)
        # these faces were black for no physical reason (the illuminator sat inside the column
        # shroud): the camera sees them, and now they are lit
        assert sum(lm["visible"] for lm in labels["landmarks"][:68]) >= 34 and face >= 6.0
        # the auto-exposure put the face box on its target, as the mean of the digital image shows
        state = labels["sensor_state"]["nir"]
        expected = maker.sensor["nir"]["black_level_dn"] + state["metered_level"] * span(maker.sensor)
        assert face == pytest.approx(expected, rel=0.05), (seed, index)
        assert state["metered_level"] == pytest.approx(state["target_level"], rel=1e-3)


def test_the_renderer_returns_the_illuminators_part_of_the_nir(gl_renderer):
    """Radiance is linear in each source: the render with the illuminator minus the render
    without it is the part the renderer reports, through a see-through filter too."""
    import dataclasses

    from scenes import GREY, camera_at_origin, make_view, quad, slab

    from cabin_synth.scene.materials import Material

    cam = camera_at_origin()
    wall = quad(np.array([1.0, 0.0, 0.0]), [-1, 0, 0], 2.0)
    tinted = Material((0.5, 0.5, 0.5), 0.0, 0.0, opacity=0.2, transmittance_visible=0.3,
                      transmittance_850=0.6, transmittance_940=0.6, ior=1.5)
    lens = slab(np.array([0.5, 0.1, 0.0]), [-1, 0, 0], 0.2, 0.004)
    view = make_view([(*wall, GREY, "cabin"), (*lens, tinted, "glasses_lens")], cam, sky_lux=100.0, sky_nir=0.3,
                     sun_nir=2.0, sun_lux=5000.0, sun_direction=(-1.0, 0.2, 0.5), illuminator_position=[0.0, 0.02, 0.0])
    dark = dataclasses.replace(view, illuminators=tuple(dataclasses.replace(i, w_sr=0.0) for i in view.illuminators))
    lit, unlit = gl_renderer.render(view), gl_renderer.render(dark)
    assert np.allclose(lit.nir_illuminators, lit.nir - unlit.nir, rtol=1e-4, atol=1e-7)
    assert (lit.nir_illuminators > 0).mean() > 0.9 and (unlit.nir > 0).mean() > 0.9


def test_clip_frames_follow_the_loop_from_the_previous_frame(tmp_path, monkeypatch):
    """Six rendered frames of a distraction clip: frame 0 starts in its steady state, and
    each later frame is made from the previous frame's (exposure index, metered level);
    its index is the previous one plus loop_gain times that frame's error in stops,
    clipped to max_step_stops, as computed here."""
    import json

    from cabin_synth.pipeline import generate_clips

    given = []
    make = FrameMaker.make

    def spy(self, index, timings=None, params=None, at=None, exposure=None):
        given.append(exposure)
        return make(self, index, timings, params, at, exposure)

    monkeypatch.setattr(FrameMaker, "make", spy)
    base = presets.load("distraction_clips")
    data = copy.deepcopy(dict(base.data))
    data["sensor"].update(width=160, height=120, pixel_pitch_um=data["sensor"]["pixel_pitch_um"] * 4)
    data["clip"]["duration_s"] = 0.2
    generate_clips(presets.Preset(name=base.name, path=base.path, data=data), 1, 3, tmp_path, progress=False)
    states = [json.loads(p.read_text())["sensor_state"]["nir"] for p in sorted((tmp_path / "clips/0000").glob("*.json"))
              if p.name != "clip.json"]
    auto = data["sensor"]["nir"]["auto_exposure"]
    assert len(states) == 6 and states[0]["metered_level"] == pytest.approx(auto["target_level"], rel=1e-3)
    assert given == [None] + [(s["exposure_index_log2_s"], s["metered_level"]) for s in states[:-1]]
    for before, now in zip(states, states[1:]):
        step = auto["loop_gain"] * math.log2(auto["target_level"] / before["metered_level"])
        step = max(-auto["max_step_stops"], min(auto["max_step_stops"], step))
        assert now["exposure_index_log2_s"] == pytest.approx(before["exposure_index_log2_s"] + step, abs=1e-9)
    # a resumed clip re-renders a lost frame from the state its kept predecessor records: the same frame
    folder = tmp_path / "clips/0000"
    labels = (folder / "000003.json").read_text()
    (folder / "000003.nir.png").unlink()
    given.clear()
    generate_clips(presets.Preset(name=base.name, path=base.path, data=data), 1, 3, tmp_path, progress=False)
    assert given == [(states[2]["exposure_index_log2_s"], states[2]["metered_level"])]
    assert (folder / "000003.json").read_text() == labels
