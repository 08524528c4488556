"""The GL renderer against the numpy reference and against closed-form radiometry."""

import numpy as np
import pytest

from cabin_synth.render.gl import GLRenderer
from cabin_synth.render.reference import render_reference
from scenes import GREY, camera_at_origin, make_view, quad, sphere


@pytest.fixture(scope="module")
def gl():
    return GLRenderer()


def test_gl_matches_reference_depth_ids_and_radiance(gl):
    cam = camera_at_origin()
    ball = sphere(np.array([1.0, 0.05, 0.0]), 0.2)
    wall = quad(np.array([1.6, 0.0, 0.0]), [-1, 0, 0], 2.0)
    view = make_view([(*ball, GREY, "skin"), (*wall, GREY, "cabin")], cam, sky_lux=100.0, sky_nir=0.1)
    a, b = gl.render(view), render_reference(view)
    same_id = a.instance == b.instance
    assert same_id.mean() > 0.995  # only triangle-edge pixels may differ
    # The reference has no shadows. Where the light grazes the true sphere, the
    # flat facets shadow themselves in the shadow map (the shadow terminator of
    # coarse meshes, docs/sensors.md): leave out the ball's rim as the light sees it.
    vv, uu = np.mgrid[0:cam.height, 0:cam.width]
    rays = np.stack([(uu - cam.cx) / cam.fx, (vv - cam.cy) / cam.fy, np.ones_like(uu, float)], -1) * b.depth[..., None]
    points = (rays - cam.t_cam_vehicle) @ cam.R_cam_vehicle   # vehicle frame
    normals = (points - [1.0, 0.05, 0.0]) / 0.2
    to_light = -points / np.linalg.norm(points, axis=-1, keepdims=True)
    rim = (b.instance == 1) & (np.einsum("hwj,hwj->hw", normals, to_light) < 0.05)
    both = same_id & (a.instance > 0) & ~rim
    assert np.max(np.abs(a.depth[both] - b.depth[both])) < 1e-4
    assert np.allclose(a.nir[both], b.nir[both], rtol=1e-3, atol=1e-6)
    assert np.allclose(a.rgb[both], b.rgb[both], rtol=1e-3, atol=1e-4)


def test_depth_is_camera_z_of_a_plane(gl):
    # A wall perpendicular to the optical axis at 1.3 m: Z is 1.3 everywhere on it,
    # although the distance to the camera grows towards the corners.
    cam = camera_at_origin()
    view = make_view([(*quad(np.array([1.3, 0.0, 0.0]), [-1, 0, 0], 5.0), GREY, "cabin")], cam)
    depth = gl.render(view).depth
    assert np.allclose(depth, 1.3, atol=1e-5)


def test_projection_of_a_marker_matches_pinhole_by_hand(gl):
    # A square at a known 3D point covers exactly the pixels whose centres fall in
    # its projection computed by hand: u = fx X/Z + cx, v = fy Y/Z + cy.
    cam = camera_at_origin()
    centre, half = np.array([1.0, -0.12, 0.08]), 0.0105   # 12 cm right, 8 cm up, 1 m ahead
    marker = quad(centre, [-1, 0, 0], 2 * half)
    wall = quad(np.array([2.0, 0.0, 0.0]), [-1, 0, 0], 5.0)
    buf = gl.render(make_view([(*wall, GREY, "cabin"), (*marker, GREY, "skin")], cam))
    # Camera frame: X = +0.12 (image right), Y = -0.08 (image up), Z = 1.0.
    u0, u1 = 150.0 * (0.12 - half) + 79.5, 150.0 * (0.12 + half) + 79.5
    v0, v1 = 150.0 * (-0.08 - half) + 59.5, 150.0 * (-0.08 + half) + 59.5
    vv, uu = np.mgrid[0:cam.height, 0:cam.width]
    expected = (uu > u0) & (uu < u1) & (vv > v0) & (vv < v1)
    assert expected.sum() == 16
    assert np.array_equal(buf.instance == 2, expected)


def test_illuminator_inverse_square(gl):
    # Moving a flat target from d to 2d under the illuminator alone quarters its radiance.
    cam = camera_at_origin()
    means = []
    for d in (0.5, 1.0):
        view = make_view([(*quad(np.array([d, 0.0, 0.0]), [-1, 0, 0], 0.1 * d), GREY, "cabin")], cam, exponent=1e-6)
        buf = gl.render(view)
        means.append(buf.nir[buf.instance == 1].mean())
    assert means[0] / means[1] == pytest.approx(4.0, rel=0.02)


def test_lambert_radiance_value(gl):
    # Radiance of a Lambertian patch facing an isotropic source: rho/pi * I/d^2 * cos.
    cam = camera_at_origin()
    view = make_view([(*quad(np.array([0.8, 0.0, 0.0]), [-1, 0, 0], 0.01), GREY, "cabin")], cam,
                     illuminator_w_sr=2.0, exponent=1e-9)
    buf = gl.render(view)
    expected = 0.5 / np.pi * 2.0 / 0.8**2
    assert buf.nir[buf.instance == 1].mean() == pytest.approx(expected, rel=1e-3)
