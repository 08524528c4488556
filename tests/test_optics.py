"""The lens between scene and sensor (sensor/optics.py) against optics worked by
hand: thin-lens circles of confusion, the cos^4 law, a fisheye's solid angle per
pixel, lateral colour, and noise drawn on the vignetted signal."""

import copy
import math
from dataclasses import replace

import numpy as np
import pytest
import yaml
from scipy.optimize import brentq

from cabin_synth import presets
from cabin_synth.errors import UserError
from cabin_synth.paths import PRESETS
from cabin_synth.pipeline import capture
from cabin_synth.render.buffers import Buffers
from cabin_synth.scene.distortion import fisheye_theta_d
from cabin_synth.sensor import optics
from tests.scenes import camera_at_origin

# A fast, long lens so that blur discs are many pixels wide: 8 mm f/1 on 3 um pixels.
LENS = dict(focal_length_mm=8.0, f_number=1.0, pixel_pitch_um=3.0, focus_distance_m=0.6)


def circle_of_confusion_px(depth_m, lens=LENS):
    """Thin lens by hand: image of the focus plane at v_s = f s / (s - f), of a point
    at depth d at v_d = f d / (d - f); the cone of aperture f / N converging to v_d
    is cut by the sensor at v_s in a circle of diameter (f / N) |v_s - v_d| / v_d."""
    f, n, s = lens["focal_length_mm"] * 1e-3, lens["f_number"], lens["focus_distance_m"]
    v_s, v_d = f * s / (s - f), f * depth_m / (depth_m - f)
    return (f / n) * abs(v_s - v_d) / v_d / (lens["pixel_pitch_um"] * 1e-6)


def flat_buffers(h, w, depth, rgb=None, nir=None):
    return Buffers(rgb=np.zeros((h, w, 3), np.float32) if rgb is None else rgb.astype(np.float32),
                   nir=np.zeros((h, w), np.float32) if nir is None else nir.astype(np.float32),
                   depth=np.broadcast_to(np.float32(depth), (h, w)).astype(np.float32),
                   instance=np.ones((h, w), np.int32))


def defocus_only(lens=LENS):
    return dict(lens, optics={"defocus": True})


@pytest.mark.parametrize("depth_m", [0.66, 0.75, 1.5])
def test_point_blur_radius_is_the_thin_lens_circle(depth_m):
    h = w = 81
    nir = np.zeros((h, w))
    nir[40, 40] = 1.0
    out = optics.apply(flat_buffers(h, w, depth_m, nir=nir), camera_at_origin(w, h), defocus_only()).nir
    yy, xx = np.mgrid[0:h, 0:w] - 40.0
    energy = out.sum()
    cy, cx = (out * yy).sum() / energy, (out * xx).sum() / energy
    # A uniform disc of radius R has a mean squared distance R^2 / 2 from its centre.
    radius = math.sqrt(2 * (out * ((xx - cx) ** 2 + (yy - cy) ** 2)).sum() / energy)
    assert energy == pytest.approx(1.0, abs=1e-4)
    assert radius == pytest.approx(circle_of_confusion_px(depth_m) / 2, rel=0.05)


def disc_edge_width(radius):
    """10-90 % width of the edge of a half-plane blurred by a uniform disc: the share of
    the disc left of a line at x is (acos(x / R) R^2 - x sqrt(R^2 - x^2)) / (pi R^2)."""
    def share(x):
        return (math.acos(x / radius) * radius**2 - x * math.sqrt(radius**2 - x**2)) / (math.pi * radius**2)
    return 2 * brentq(lambda x: share(x) - 0.1, 0, radius)


def edge_width(profile):
    lo, hi = profile.min(), profile.max()
    x = np.arange(len(profile), dtype=float)
    rising = profile[::-1] if profile[0] > profile[-1] else profile
    a = np.interp(lo + 0.1 * (hi - lo), rising, x)
    b = np.interp(lo + 0.9 * (hi - lo), rising, x)
    return b - a


def test_the_focus_plane_stays_sharp_and_an_edge_behind_it_spreads_as_a_disc():
    h, w = 40, 80
    step = np.zeros((h, w))
    step[:, 40:] = 1.0
    camera = camera_at_origin(w, h)
    sharp = optics.apply(flat_buffers(h, w, LENS["focus_distance_m"], nir=step), camera, defocus_only()).nir
    assert np.array_equal(sharp, step.astype(np.float32))
    depth = 0.75
    blurred = optics.apply(flat_buffers(h, w, depth, nir=step), camera, defocus_only()).nir
    radius = circle_of_confusion_px(depth) / 2
    assert edge_width(blurred[h // 2]) == pytest.approx(disc_edge_width(radius), abs=0.4)


def test_a_sharp_foreground_keeps_its_pixels_and_a_blurred_one_spreads_over_the_background():
    h = w = 60
    fg = np.zeros((h, w), bool)
    fg[21:41, 22:42] = True                              # not on the coarse cells' grid
    nir = np.where(fg, 1.0, 0.25)
    camera = camera_at_origin(w, h)
    far = 1.5                                            # background disc of several pixels
    assert circle_of_confusion_px(far) / 2 > 4
    depth = np.where(fg, LENS["focus_distance_m"], far)
    out = optics.apply(replace(flat_buffers(h, w, 0.0, nir=nir), depth=depth.astype(np.float32)), camera,
                       defocus_only()).nir
    assert np.array_equal(out[fg], nir[fg].astype(np.float32))             # nothing of the background on it
    ring = np.zeros_like(fg)
    ring[19:43, 20:44] = True
    assert np.allclose(out[ring & ~fg], 0.25, atol=1e-6)                   # nor of it on the background

    near = 0.45                                          # a blurred square in front of a sharp background
    r = circle_of_confusion_px(near) / 2
    depth = np.where(fg, near, LENS["focus_distance_m"])
    out = optics.apply(replace(flat_buffers(h, w, 0.0, nir=nir), depth=depth.astype(np.float32)), camera,
                       defocus_only()).nir
    assert out[30, 42 + int(r) - 1] > 0.26                                 # within its disc: lighter
    assert out[30, 42 + int(math.ceil(r)) + 4] == pytest.approx(0.25, abs=1e-6)   # beyond it: untouched


def test_a_uniform_scene_stays_uniform_whatever_its_depths():
    """Every output pixel is a weighted mean of input pixels: with one radiance
    everywhere it must come out unchanged, over steep near surfaces (wide discs on
    coarse cells, depth changing several fold within a cell), far ones and holes."""
    h, w = 96, 128
    rng = np.random.default_rng(3)
    v, u = np.mgrid[0:h, 0:w]
    depth = np.where(u < 64, 0.02 + 0.004 * u, 0.6 + 2.0 * rng.random((h, w)))
    depth[(v - 60) ** 2 + (u - 90) ** 2 < 200] = 0.0                     # no surface: infinitely far
    depth[10:30, 70:110] = 0.1 + 0.002 * v[10:30, 70:110]
    buffers = replace(flat_buffers(h, w, 0.0, rgb=np.full((h, w, 3), 0.7), nir=np.full((h, w), 2.5)),
                      depth=depth.astype(np.float32))
    assert (optics.blur_diameter_px(buffers.depth, LENS) / 2).max() > optics.MAX_BLUR_RADIUS_PX
    out = optics.apply(buffers, camera_at_origin(w, h), defocus_only())
    assert np.allclose(out.rgb, 0.7, rtol=1e-5) and np.allclose(out.nir, 2.5, rtol=1e-5)


def field_angle(camera, u, v):
    return math.atan(math.hypot((u - camera.cx) / camera.fx, (v - camera.cy) / camera.fy))


def test_vignetting_at_the_corner_is_cos4_of_the_field_angle():
    camera = camera_at_origin(160, 120, f_px=100.0)
    sensor = dict(LENS, optics={"vignetting": {"natural": True}})
    out = optics.apply(flat_buffers(120, 160, 0.6, rgb=np.ones((120, 160, 3)), nir=np.ones((120, 160))),
                       camera, sensor)
    corner = math.cos(field_angle(camera, 0, 0)) ** 4
    assert out.nir[0, 0] == pytest.approx(corner, rel=1e-6)
    assert np.allclose(out.rgb[0, 0], corner, rtol=1e-6)
    assert out.nir[60, 80] == pytest.approx(math.cos(field_angle(camera, 80, 60)) ** 4, rel=1e-6)


def test_vignetting_through_a_fisheye_is_the_solid_angle_each_pixel_sees():
    """Radially symmetric lens: a pixel at distorted radius r_d(theta) (normalised)
    sees the solid angle sin(theta) d(theta) d(phi) over the area r_d dr_d d(phi),
    so the relative illumination is cos(theta) sin(theta) / (r_d dr_d/dtheta)."""
    coeffs = (0.05, -0.01, 0.0, 0.0)
    camera = replace(camera_at_origin(160, 120, f_px=80.0), distortion_model="fisheye", distortion_coeffs=coeffs)
    ri = optics.relative_illumination(camera, {"natural": True})
    for u, v in ((0, 0), (20, 100), (120, 50)):
        rd = math.hypot((u - camera.cx) / camera.fx, (v - camera.cy) / camera.fy)
        theta = brentq(lambda t: fisheye_theta_d(coeffs, t) - rd, 0, 1.5)
        k1, k2, k3, k4 = coeffs
        slope = 1 + 3 * k1 * theta**2 + 5 * k2 * theta**4 + 7 * k3 * theta**6 + 9 * k4 * theta**8
        assert ri[v, u] == pytest.approx(math.cos(theta) * math.sin(theta) / (rd * slope), rel=2e-3)


def test_mechanical_vignetting_starts_at_its_onset_and_halves_the_light_at_its_half_angle():
    camera = camera_at_origin(400, 3, f_px=100.0)        # one row from 0 to about 63 degrees
    onset, half = 30.0, 55.0
    ri = optics.relative_illumination(camera, {"natural": False, "mechanical_onset_deg": onset,
                                               "mechanical_half_deg": half})[1]
    theta = np.degrees([field_angle(camera, u, 1) for u in range(400)])
    assert np.all(ri[theta < onset] == 1.0)
    assert np.all(np.diff(ri[(theta > onset) & (np.arange(400) > 200)]) < 0)
    right = np.arange(400) > 200
    assert np.interp(half, theta[right], ri[right]) == pytest.approx(0.5, abs=0.01)


def centroid(image):
    v, u = np.mgrid[0:image.shape[0], 0:image.shape[1]]
    return (image * u).sum() / image.sum(), (image * v).sum() / image.sum()


def test_lateral_colour_moves_the_red_and_blue_images_of_a_white_point_radially():
    h, w = 241, 321
    camera = camera_at_origin(w, h)
    rgb = np.zeros((h, w, 3))
    u, v = 310, 220                                      # about 190 px from the principal point
    rgb[v, u] = 1.0
    red, blue = 0.004, -0.003
    sensor = dict(LENS, optics={"lateral_chromatic_aberration": {"red": red, "blue": blue}})
    out = optics.apply(flat_buffers(h, w, 0.6, rgb=rgb), camera, sensor).rgb
    assert np.array_equal(out[..., 1], rgb[..., 1].astype(np.float32))
    for channel, k in ((0, red), (2, blue)):
        cu, cv = centroid(out[..., channel])
        assert cu == pytest.approx(camera.cx + (u - camera.cx) * (1 + k), abs=0.02)
        assert cv == pytest.approx(camera.cy + (v - camera.cy) * (1 + k), abs=0.02)
        assert out[..., channel].sum() == pytest.approx(1.0, rel=1e-3)


@pytest.fixture()
def sensor():
    s = copy.deepcopy(yaml.safe_load((PRESETS / "default.yaml").read_text())["sensor"])
    s["nir"].update(bit_depth=12, dsnu_e=0.0, prnu=0.0, system_gain_dn_per_e=0.25)
    # A fixed exposure at unity gain, so that var / mean is the system gain K itself.
    s["nir"].pop("auto_exposure", None)
    s["optics"] = {"vignetting": {"natural": True}}
    return s


def test_the_sensor_noise_is_drawn_on_the_vignetted_signal(sensor):
    """Photon transfer in a dark corner and at the centre: var / mean = K in both when
    the lens dims the light before the sensor counts electrons (dimming the digital
    image after the noise would give K times the relative illumination)."""
    h, w = 96, 128
    sensor.update(width=w, height=h)
    camera = camera_at_origin(w, h, f_px=60.0)
    ri = optics.relative_illumination(camera, sensor["optics"]["vignetting"])
    assert ri[:8, :8].mean() < 0.3
    flat = np.ones((h, w))
    pattern = (flat, np.zeros_like(flat))
    buffers = flat_buffers(h, w, 0.6, nir=flat * 3.0)
    a = capture(buffers, camera, sensor, pattern, 1, 0, (0, 0, 0, 0))[0].astype(float)
    b = capture(buffers, camera, sensor, pattern, 1, 1, (0, 0, 0, 0))[0].astype(float)
    black = sensor["nir"]["black_level_dn"]
    for patch in (np.s_[:8, :8], np.s_[44:52, 60:68]):
        mean = 0.5 * (a[patch] + b[patch]).mean() - black
        var = np.var(a[patch] - b[patch]) / 2
        assert var / mean == pytest.approx(0.25, rel=0.2)


def test_an_ideal_lens_passes_the_radiance_through():
    buffers = flat_buffers(8, 8, 0.3, rgb=np.full((8, 8, 3), 2.0), nir=np.full((8, 8), 3.0))
    sensor = {k: v for k, v in LENS.items() if k != "focus_distance_m"}
    assert optics.apply(buffers, camera_at_origin(8, 8), sensor) is buffers


def test_the_stage_camera_carries_f_number_and_focus_distance(maker, frames):
    scene, _ = maker.scene(frames[-1].params)
    assert scene.camera.GetFStopAttr().Get() == pytest.approx(maker.sensor["f_number"])
    assert scene.camera.GetFocusDistanceAttr().Get() == pytest.approx(maker.sensor["focus_distance_m"])


def write_preset(tmp_path, **sensor):
    data = copy.deepcopy(dict(presets.load("default").data))
    data["sensor"].update(sensor)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_impossible_lenses_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="sensor.focus_distance_m.*focal length"):
        presets.load(write_preset(tmp_path, focus_distance_m=0.05, focal_length_mm=60.0))
    with pytest.raises(UserError, match="mechanical_half_deg.*larger than"):
        presets.load(write_preset(tmp_path, optics={"vignetting": {"natural": True, "mechanical_onset_deg": 40,
                                                                   "mechanical_half_deg": 30}}))
    with pytest.raises(UserError, match="mechanical_half_deg"):
        presets.load(write_preset(tmp_path, optics={"vignetting": {"natural": True, "mechanical_onset_deg": 40}}))
    with pytest.raises(UserError, match="lateral_chromatic_aberration.red"):
        presets.load(write_preset(tmp_path, optics={"lateral_chromatic_aberration": {"red": 0.5, "blue": 0}}))
