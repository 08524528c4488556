"""Lens distortion: the models, their inverse, and agreement between label
projection (Camera.project) and rendered pixels (render/distort.py)."""

import copy
import math
from dataclasses import replace

import numpy as np
import pytest

from cabin_synth import presets
from cabin_synth.dataset.schemas import errors as schema_errors
from cabin_synth.errors import UserError
from cabin_synth.labels.semantics import CLASSES
from cabin_synth.pipeline import FrameMaker
from cabin_synth.render import distort as render_distort
from cabin_synth.render.gl import GLRenderer
from cabin_synth.scene.distortion import distort, undistort
from cabin_synth.scene.materials import Material
from cabin_synth.sensor import catalogue
from tests.scenes import camera_at_origin, make_view

RADTAN = (-0.28, 0.09, 0.0005, -0.0003, -0.012)
FISHEYE = (0.02, -0.004, 0.0, 0.0)


def test_radtan_matches_the_opencv_formula_by_hand():
    k1, k2, p1, p2, k3 = RADTAN
    x, y = 0.4, -0.3
    r2 = 0.25
    radial = 1 + k1 * r2 + k2 * r2 ** 2 + k3 * r2 ** 3
    xd, yd = distort("radtan", RADTAN, np.array([x]), np.array([y]))
    assert xd[0] == pytest.approx(x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x), abs=1e-15)
    assert yd[0] == pytest.approx(y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y, abs=1e-15)


def test_fisheye_without_coefficients_is_equidistant():
    # theta_d = theta: the distorted radius is the field angle in radians
    angle = np.radians([0.0, 10.0, 45.0, 80.0])
    xd, yd = distort("fisheye", (0, 0, 0, 0), np.tan(angle), np.zeros(4))
    assert np.allclose(xd, angle, atol=1e-12) and np.allclose(yd, 0)


@pytest.mark.parametrize("model,coeffs,extent", [("radtan", RADTAN, 1.6), ("fisheye", FISHEYE, 2.5)])
def test_round_trip(model, coeffs, extent):
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-extent, extent, (2, 2000)) / math.sqrt(2)
    xd, yd = distort(model, coeffs, x, y)
    xu, yu = undistort(model, coeffs, xd, yd)
    assert np.abs(xu - x).max() < 1e-9 and np.abs(yu - y).max() < 1e-9


def distorted_camera(model, coeffs, width, height, f_px):
    return replace(camera_at_origin(width, height, f_px), distortion_model=model, distortion_coeffs=coeffs)


def ray_point(camera, uv, z):
    """The camera-frame point at depth z that the lens images at distorted pixel uv."""
    x, y = undistort(camera.distortion_model, camera.distortion_coeffs,
                     np.array([(uv[0] - camera.cx) / camera.fx]), np.array([(uv[1] - camera.cy) / camera.fy]))
    return np.array([x[0] * z, y[0] * z, z])


def quadrant_marker(camera, centre_cam, size_m, angle):
    """Four quadrants (one instance each) of a fronto-parallel square around centre_cam,
    its axes turned by `angle` so that the dividing lines are slanted against the pixel
    grid: fitting them over many rows/columns measures their crossing to a fraction of a pixel."""
    parts = []
    c, s = math.cos(angle), math.sin(angle)
    e1, e2 = np.array([c, s, 0.0]), np.array([-s, c, 0.0])
    for a, b in ((1, 1), (-1, 1), (-1, -1), (1, -1)):
        corner = [centre_cam, centre_cam + a * size_m * e1, centre_cam + a * size_m * e1 + b * size_m * e2,
                  centre_cam + b * size_m * e2]
        pts = (np.array(corner) - camera.t_cam_vehicle) @ camera.R_cam_vehicle  # camera -> vehicle
        normals = np.tile(-camera.R_cam_vehicle[2], (4, 1))
        parts.append((pts, np.array([[0, 1, 2], [0, 2, 3]]), normals, Material((0.5, 0.5, 0.5), 0.5, 0.5), "skin"))
    return parts


def crossing(ids, first, guess, half):
    """Sub-pixel crossing of the two dividing lines of the quadrant marker whose ids start at `first`."""
    q = ids - first  # quadrant 0..3 of each pixel, anything else outside
    u0, v0 = np.rint(guess).astype(int)

    def edge_points(side_a, side_b, along_rows):
        pts = []
        for k in range(-half, half + 1):
            if abs(k) < 2:
                continue  # the junction itself mixes all four quadrants
            line = q[v0 + k, :] if along_rows else q[:, u0 + k]
            idx = np.arange(len(line))
            in_a, in_b = np.isin(line, side_a), np.isin(line, side_b)
            for i in idx[:-1][(in_a[:-1] & in_b[1:]) | (in_b[:-1] & in_a[1:])]:
                if abs(i + 0.5 - (u0 if along_rows else v0)) < half:
                    pts.append((i + 0.5, v0 + k) if along_rows else (u0 + k, i + 0.5))
        return np.array(pts, float)

    # one line divides quadrants {0,3} | {1,2}, the other {0,1} | {2,3}; each is found
    # along whichever direction crosses it more steeply
    lines = []
    for a, b in (((0, 3), (1, 2)), ((0, 1), (2, 3))):
        rows, cols = edge_points(a, b, True), edge_points(a, b, False)
        pts = rows if len(rows) >= len(cols) else cols
        centre = pts.mean(axis=0)
        _, _, vt = np.linalg.svd(pts - centre)
        lines.append((centre, vt[0]))
    (p1, d1), (p2, d2) = lines
    t = np.linalg.solve(np.stack([d1, -d2], 1), p2 - p1)
    return p1 + t[0] * d1


@pytest.mark.parametrize("model,coeffs,size,f_px", [
    ("radtan", RADTAN, (400, 325), 933.33 / 4),   # nir940_1600x1300 scaled by 1/4
    ("fisheye", FISHEYE, (320, 200), 666.67 / 4),  # nir850_1280x800 scaled by 1/4
    ("none", (), (160, 120), 150.0),               # the pinhole: u = fx X / Z + cx by hand (ray_point)
])
def test_label_pixel_matches_rendered_pixel_at_corners_and_centre(model, coeffs, size, f_px):
    w, h = size
    cam = distorted_camera(model, coeffs, w, h, f_px)
    m = 12.0
    targets = [(m, m), (w - 1 - m, m), (m, h - 1 - m), (w - 1 - m, h - 1 - m), ((w - 1) / 2, (h - 1) / 2),
               ((w - 1) / 2 + 0.3, m + 0.2), (m, (h - 1) / 2 - 0.4)]
    parts, centres = [], []
    for k, t in enumerate(targets):
        centre = ray_point(cam, t, 1.0)
        centres.append(centre)
        parts += quadrant_marker(cam, centre, 0.2, 0.35 + 0.1 * k)
    buffers = render_distort.render(GLRenderer(), make_view(parts, cam, sun_lux=1000.0))
    labels = cam.project(np.array(centres))
    for k, (target, label) in enumerate(zip(targets, labels)):
        assert np.hypot(*(label - target)) < 1e-6  # the marker sits where it was aimed
        rendered = crossing(buffers.instance, 4 * k + 1, label, 8)
        assert np.hypot(*(rendered - label)) < 0.5, (model, target, rendered, label)
    # depth survives the remap unchanged (nearest neighbour): Z of the marker plane
    assert np.allclose(buffers.depth[buffers.instance > 0], 1.0, atol=1e-5)


def test_sensor_presets_resolve_and_report_field_of_view():
    for name, sensor in catalogue.SENSORS.items():
        fov = catalogue.field_of_view_deg(sensor)
        f_mm, pitch = sensor["focal_length_mm"], sensor["pixel_pitch_um"] * 1e-3
        pinhole_h = 2 * math.degrees(math.atan(sensor["width"] * pitch / 2 / f_mm))
        if sensor["distortion"]["model"] == "none":
            assert fov["horizontal"] == pytest.approx(pinhole_h, abs=1e-6)
        else:
            assert fov["horizontal"] > pinhole_h + 5  # barrel distortion widens the view
    data = copy.deepcopy(dict(presets.load("default").data))
    data["sensor"] = {"preset": "nir850_1280x800", "nir": {"exposure_us": 800}}
    expanded = catalogue.expand(data["sensor"])
    assert expanded["nir"]["exposure_us"] == 800 and expanded["nir"]["wavelength_nm"] == 850
    assert expanded["width"] == 1280 and expanded["distortion"]["model"] == "fisheye"


def write_preset(tmp_path, sensor):
    import yaml

    data = copy.deepcopy(dict(presets.load("default").data))
    data["sensor"] = sensor
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_bad_distortion_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="sensor.preset"):
        presets.load(write_preset(tmp_path, {"preset": "nope"}))
    with pytest.raises(UserError, match="takes 5 coefficients"):
        presets.load(write_preset(tmp_path, {"preset": "nir940_1600x1300",
                                             "distortion": {"model": "radtan", "coefficients": [0.1]}}))
    with pytest.raises(UserError, match="folds"):
        presets.load(write_preset(tmp_path, {"preset": "nir940_1600x1300",
                                             "distortion": {"model": "radtan", "coefficients": [-0.6, 0, 0, 0, 0]}}))


def test_frame_with_a_distorting_lens(tmp_path):
    """A whole frame through the 1600x1300 preset's lens (at 320x260): labels carry the
    model, the schema accepts it, and landmark pixels land on the rendered parts."""
    preset = presets.load(write_preset(tmp_path, {"preset": "nir940_1600x1300", "width": 320, "height": 260,
                                                  "pixel_pitch_um": 15.0}))
    frame = FrameMaker(preset, seed=2).make(0)
    assert frame.labels["camera"]["distortion"] == {"model": "radtan", "coefficients": list(RADTAN)}
    doc = dict(frame.labels, files={k: {"path": f"000000.{k}.png", "bytes": 1, "sha256": "0" * 64} for k in
                                    ("rgb", "nir", "depth", "seg", "ids")})
    assert not schema_errors("frame", doc)
    seen = [lm for lm in frame.labels["landmarks"][68:] if lm["visible"]]
    assert seen
    for lm in seen:     # every visible pupil lands on pupil or iris, within a pixel (a spectacle rim may pass next to it)
        u, v = np.rint(lm["uv"]).astype(int)
        near = {CLASSES[c] for c in frame.images["seg"][v - 1:v + 2, u - 1:u + 2].ravel()}
        assert near & {"pupil", "iris"}, (lm["name"], near)
