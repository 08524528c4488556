"""The skin's glossy lobe and hair's sheen (cabin_synth.render.specular) against optics worked by hand."""

import dataclasses

import numpy as np
import pytest
from scipy.special import erf
from scenes import camera_at_origin, make_view, quad, sphere

from cabin_synth.render import specular
from cabin_synth.render.gl import GLRenderer
from cabin_synth.render.reference import render_reference
from cabin_synth.scene.materials import HAIR_IOR, SKIN_IOR, SKIN_ROUGHNESS, Material, skin


@pytest.fixture(scope="module")
def gl():
    return GLRenderer()


def fresnel_by_snell(cos_i: float, eta: float) -> float:
    """Mean of the s and p reflectances from Snell's law (Born & Wolf)."""
    cos_t = np.sqrt(1.0 - (1.0 - cos_i**2) / eta**2)
    rs = (cos_i - eta * cos_t) / (cos_i + eta * cos_t)
    rp = (eta * cos_i - cos_t) / (eta * cos_i + cos_t)
    return 0.5 * (rs**2 + rp**2)


def test_fresnel_is_snells_law_and_skin_reflects_about_3_percent_head_on():
    for cos_i in (1.0, 0.9, 0.6, 0.3, 0.05):
        assert specular.fresnel(np.array(cos_i), SKIN_IOR) == pytest.approx(fresnel_by_snell(cos_i, SKIN_IOR), rel=1e-9)
    assert specular.fresnel(np.array(1.0), SKIN_IOR) == pytest.approx(((SKIN_IOR - 1) / (SKIN_IOR + 1)) ** 2)
    assert 0.025 < specular.fresnel(np.array(1.0), SKIN_IOR) < 0.03


def test_lobe_is_reciprocal_and_never_creates_energy():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2, 500, 3))
    a[:, 2], b[:, 2] = np.abs(a[:, 2]), np.abs(b[:, 2])
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    n = np.array([0.0, 0.0, 1.0])
    assert np.allclose(specular.brdf(n, a, b, SKIN_IOR, SKIN_ROUGHNESS), specular.brdf(n, b, a, SKIN_IOR, SKIN_ROUGHNESS))
    for m in (0.1, 0.35, 0.7):
        table = specular.albedo_table(1.5, m)
        assert np.all(table > 0) and np.all(table < 1)


def smith_g1_beckmann(cos_t: np.ndarray, m: float) -> np.ndarray:
    """Smith's masking for a Beckmann surface in closed form (Walter et al. 2007, eq. 25):
    G1 = 2 / (1 + erf(a) + exp(-a^2) / (a sqrt(pi))), a = cos / (m sin); the code uses
    Walter's rational fit of it, so the two agree only to that fit's accuracy."""
    cos_t = np.clip(cos_t, 1e-9, 1.0)
    a = cos_t / (m * np.sqrt(1.0 - cos_t * cos_t) + 1e-300)
    return 2.0 / (1.0 + erf(a) + np.exp(-a * a) / (a * np.sqrt(np.pi)))


def importance_sampled_albedo(mu: float, eta: float, m: float, n_samples: int, rng) -> float:
    """A(mu) by Monte Carlo, facet normals drawn from the Beckmann distribution
    (tan^2 = -m^2 ln u): the estimator F G (v.h) / ((n.h)(n.v)) needs no D."""
    u1, u2 = rng.random((2, n_samples))
    tan2 = -m * m * np.log(1.0 - u1)
    cos_h = 1.0 / np.sqrt(1.0 + tan2)
    sin_h = np.sqrt(1.0 - cos_h**2)
    h = np.stack([sin_h * np.cos(2 * np.pi * u2), sin_h * np.sin(2 * np.pi * u2), cos_h], axis=1)
    v = np.array([np.sqrt(1.0 - mu * mu), 0.0, mu])
    vh = h @ v
    l = 2.0 * vh[:, None] * h - v
    ok = (vh > 0) & (l[:, 2] > 0)
    g = smith_g1_beckmann(l[:, 2], m) * smith_g1_beckmann(np.full(n_samples, mu), m)
    w = np.where(ok, fresnel_by_snell(np.clip(vh, 0.0, 1.0), eta) * g * vh / (cos_h * mu), 0.0)
    return float(w.mean())


def test_sky_albedo_table_matches_importance_sampling_and_tends_to_fresnel_when_smooth():
    rng = np.random.default_rng(7)
    table = specular.albedo_table(SKIN_IOR, SKIN_ROUGHNESS)
    for mu, a in zip(specular.ALBEDO_NODES, table):
        assert a == pytest.approx(importance_sampled_albedo(mu, SKIN_IOR, SKIN_ROUGHNESS, 400_000, rng), rel=0.01)
    # A nearly smooth surface reflects the sky as a mirror: A is the Fresnel reflectance.
    smooth = specular.albedo_table(SKIN_IOR, 0.04)
    for mu, a in zip(specular.ALBEDO_NODES[2:], smooth[2:]):
        assert a == pytest.approx(fresnel_by_snell(mu, SKIN_IOR), rel=0.02)


BLACK_GLOSS = Material((0.0, 0.0, 0.0), 0.0, 0.0, ior=SKIN_IOR, roughness=SKIN_ROUGHNESS)


def test_mirror_geometry_gives_the_peak_of_the_lobe_white_in_every_band(gl):
    # A plate seen at 30 degrees with the sun in the mirror direction: the facets that
    # mirror the sun into the camera are the most common ones (n.h = 1), where
    # D = 1 / (pi m^2), G = 1 (Smith for Beckmann at cot 30 / m > 1.6), so
    # L = E F(30) / (4 pi m^2 cos^2 30), added to the diffuse rho/pi E cos 30.
    cam = camera_at_origin(64, 64, 400.0)
    centre = np.array([0.8, 0.0, 0.0])
    normal = np.array([-np.cos(np.radians(30)), np.sin(np.radians(30)), 0.0])
    to_cam = -centre / np.linalg.norm(centre)
    sun = 2.0 * np.dot(to_cam, normal) * normal - to_cam
    material = skin(4)
    view = make_view([(*quad(centre, normal, 0.2), material, "skin")], cam, illuminator_w_sr=0.0,
                     sun_lux=50000.0, sun_nir=40.0, sun_direction=sun)
    buf = gl.render(view)
    c = 31, 31   # the plate's centre is on the optical axis: pixel (31.5, 31.5); average the four
    rgb = buf.rgb[c[0]:c[0] + 2, c[1]:c[1] + 2].mean(axis=(0, 1))
    nir = buf.nir[c[0]:c[0] + 2, c[1]:c[1] + 2].mean()
    cos30 = np.cos(np.radians(30))
    peak = fresnel_by_snell(cos30, SKIN_IOR) / (4 * np.pi * SKIN_ROUGHNESS**2 * cos30**2)
    assert rgb == pytest.approx(50000.0 * cos30 * (np.array(material.albedo_rgb) / np.pi + peak), rel=0.01)
    assert nir == pytest.approx(40.0 * cos30 * (material.nir_940 / np.pi + peak), rel=0.01)


def test_highlight_on_a_ball_sits_where_the_normal_bisects_sun_and_camera(gl):
    cam = camera_at_origin(160, 120, 300.0)
    centre, r = np.array([1.0, 0.0, 0.0]), 0.1
    sun = np.array([-0.4, 0.5, 0.6])
    sun /= np.linalg.norm(sun)
    view = make_view([(*sphere(centre, r, 64), BLACK_GLOSS, "skin")], cam, illuminator_w_sr=0.0,
                     sun_lux=10000.0, sun_direction=sun)
    buf = gl.render(view)
    assert np.all(buf.rgb[..., 0] == buf.rgb[..., 2])   # white: no colour of its own
    p = centre - r * np.array([1.0, 0.0, 0.0])
    for _ in range(20):   # the point whose outward normal is the half vector of sun and view
        v = -p / np.linalg.norm(p)
        h = (sun + v) / np.linalg.norm(sun + v)
        p = centre + r * h
    u, v = cam.project(cam.to_camera(p[None]))[0]
    v_px, u_px = np.unravel_index(np.argmax(buf.rgb[..., 0]), buf.rgb.shape[:2])
    assert abs(u_px - u) <= 1.5 and abs(v_px - v) <= 1.5


def test_sky_sheen_adds_the_tabulated_albedo_of_the_open_sky(gl):
    cam = camera_at_origin(64, 64, 200.0)
    material = skin(2)
    view = make_view([(*quad(np.array([0.5, 0.0, 0.0]), [-1, 0, 0], 0.02), material, "skin")], cam,
                     illuminator_w_sr=0.0, sky_lux=800.0, sky_nir=2.0)
    buf = gl.render(view)
    on = buf.instance == 1
    # A wall facing -x sees half the sky; head on (n.v within 0.3 % of 1) the sheen is
    # A(1), extrapolated flat from the last node, found here by importance sampling.
    a = importance_sampled_albedo(specular.ALBEDO_NODES[-1], SKIN_IOR, SKIN_ROUGHNESS, 400_000, np.random.default_rng(3))
    expect = (np.array(material.albedo_rgb) + a) / np.pi * 800.0 * 0.5
    assert np.allclose(buf.rgb[on], expect, rtol=0.01)
    matte = gl.render(dataclasses.replace(view, instances=(dataclasses.replace(
        view.instances[0], material=dataclasses.replace(material, roughness=0.0)),)))
    assert np.allclose(buf.rgb[on] - matte.rgb[on], a / np.pi * 800.0 * 0.5, rtol=0.01)


# ------------------------------------------------------------------ hair fibres
HAIR = Material((0.05, 0.04, 0.03), 0.2, 0.2, ior=HAIR_IOR, fibre=True)
# The R lobe's longitudinal shift and width: the middle of Marschner et al.'s (2003)
# ranges for human hair, -10..-5 and 5..10 deg (docs/sensors.md), as literals here.
MARSCHNER_SHIFT_RAD = np.radians(-7.5)
MARSCHNER_WIDTH_RAD = np.radians(7.5)


def _hair_plate(cam, fibre_dir, material=HAIR):
    pts, tris, normals = quad(np.array([0.5, 0.0, 0.0]), [-1, 0, 0], 0.3)
    view = make_view([(pts, tris, normals, material, "hair")], cam, illuminator_w_sr=1.0, exponent=1e-9)
    return dataclasses.replace(view, fibres=np.tile(np.asarray(fibre_dir, np.float32), (len(pts), 1)))


def test_hair_sheen_is_a_band_across_the_fibres_shifted_to_the_roots_with_marschners_peak(gl):
    # Fibres run up a wall (root to tip +z) lit from the camera itself: light and view
    # share their inclination theta to the plane normal to the fibres, so theta_h =
    # theta, theta_d = 0, phi = 0, and the sheen peaks where the view is inclined by the
    # cuticle's shift, towards the roots: on the wall at z = -0.5 tan(shift), above the
    # axis. There S = F(1) / (4 sqrt(2 pi) beta), and the radiance is S E cos(theta).
    cam = camera_at_origin(64, 200, 400.0)
    view = _hair_plate(cam, [0.0, 0.0, 1.0])
    sheen = gl.render(view).nir - gl.render(dataclasses.replace(
        view, instances=(dataclasses.replace(view.instances[0], material=dataclasses.replace(HAIR, fibre=False)),))).nir
    column = sheen[:, 32]
    row = int(np.argmax(column))
    z_row = -(row - cam.cy) / cam.fy * 0.5            # the wall point seen by that row (image v is down)
    theta = np.arctan2(-z_row, 0.5)                    # inclination of the view (towards +z positive)
    assert np.degrees(abs(theta - MARSCHNER_SHIFT_RAD)) < 1.0
    f0 = ((HAIR_IOR - 1) / (HAIR_IOR + 1)) ** 2
    peak_row = int(round(cam.cy + cam.fy * np.tan(MARSCHNER_SHIFT_RAD)))
    d2 = 0.25 + (0.5 * np.tan(MARSCHNER_SHIFT_RAD)) ** 2
    cos_t = np.cos(MARSCHNER_SHIFT_RAD)
    expect = f0 / (4 * np.sqrt(2 * np.pi) * MARSCHNER_WIDTH_RAD) * (1.0 / d2) * cos_t
    assert sheen[peak_row, 32] == pytest.approx(expect, rel=0.03)
    # Across the fibres (along a row) nothing changes but the light's distance: a band.
    assert np.ptp(sheen[peak_row, 28:36]) < 0.01 * sheen[peak_row, 32]
    # Fibres the other way round put the band below the axis.
    flipped = gl.render(_hair_plate(cam, [0.0, 0.0, -1.0])).nir[:, 32]
    assert int(np.argmax(flipped)) > cam.cy > row


def test_hair_sheen_matches_the_reference_renderer(gl):
    cam = camera_at_origin()
    centre = np.array([1.0, 0.05, 0.0])
    pts, tris, normals = sphere(centre, 0.2)
    # Fibres along the meridians, from the top pole down (a head of hair, combed down).
    down = np.array([0.0, 0.0, -1.0])
    fib = down - (normals @ down)[:, None] * normals
    fib /= np.maximum(np.linalg.norm(fib, axis=1, keepdims=True), 1e-9)
    view = make_view([(pts, tris, normals, HAIR, "hair")], cam, sun_lux=3000.0, sun_nir=4.0,
                     sun_direction=(-0.5, 0.3, 0.8), illuminator_position=(0.0, 0.02, 0.0))
    view = dataclasses.replace(view, fibres=fib.astype(np.float32))
    a, b = gl.render(view), render_reference(view)
    vv, uu = np.mgrid[0:cam.height, 0:cam.width]
    rays = np.stack([(uu - cam.cx) / cam.fx, (vv - cam.cy) / cam.fy, np.ones_like(uu, float)], -1) * b.depth[..., None]
    p = (rays - cam.t_cam_vehicle) @ cam.R_cam_vehicle
    n = (p - centre) / 0.2
    sun = np.array([-0.5, 0.3, 0.8]) / np.linalg.norm([-0.5, 0.3, 0.8])
    to_ill = (np.array([0.0, 0.02, 0.0]) - p) / np.linalg.norm(np.array([0.0, 0.02, 0.0]) - p, axis=-1, keepdims=True)
    # Away from the terminators of sun and illuminator (where the shadow maps' facets
    # shadow themselves: the reference has no shadows) and the poles (fibres turn there).
    use = ((a.instance == 1) & (b.instance == 1) & (np.abs(n @ sun) > 0.1)
           & (np.abs(np.einsum("hwj,hwj->hw", n, to_ill)) > 0.1) & (np.abs(n[..., 2]) < 0.9))
    assert use.sum() > 2000
    assert np.allclose(a.nir[use], b.nir[use], rtol=2e-3, atol=1e-6)
    assert np.allclose(a.rgb[use], b.rgb[use], rtol=2e-3, atol=1e-4)
    # ... and there is a sheen to compare: it lifts some pixels well above the matte hair.
    matte = render_reference(dataclasses.replace(view, instances=(dataclasses.replace(
        view.instances[0], material=dataclasses.replace(HAIR, fibre=False)),)))
    lit = use & (matte.rgb[..., 1] > 1e-3)
    assert np.max(b.rgb[lit][:, 1] / matte.rgb[lit][:, 1]) > 1.5


def test_driver_hair_fibres_lie_in_the_hair_and_reach_the_renderer_turned_with_the_head(frames):
    for frame in frames[:4]:
        for name in ("Hair", "HairFringe", "FacialHair"):
            part = frame.geometry.part(name)
            t, n = part.fibres, part.normals
            assert np.allclose(np.linalg.norm(t, axis=1), 1.0, atol=1e-9)
            assert np.max(np.abs(np.einsum("ij,ij->i", t, n))) < 1e-9   # in the surface
            # In the view, the mesh's vertices are the part's turned by the head pose:
            # find that rotation from the points alone (Kabsch) and turn the fibres by it.
            inst = next(i for i in frame.view.instances if i.prim == f"/World/Driver/{name}")
            got = frame.view.fibres[frame.view.instance_ids == inst.id]
            world = frame.view.positions[frame.view.instance_ids == inst.id].astype(np.float64)
            a, b = part.points - part.points.mean(axis=0), world - world.mean(axis=0)
            u, _, vt = np.linalg.svd(a.T @ b)
            R = (u @ np.diag([1.0, 1.0, np.sign(np.linalg.det(u @ vt))]) @ vt).T
            assert np.allclose(got, t @ R.T, atol=1e-5)
        scalp = frame.geometry.part("Hair")
        # Below the widest part of the skull the hair falls; the beard hangs.
        below = scalp.points[:, 2] < -0.01
        assert np.all(scalp.fibres[below, 2] < 0)
        beard = frame.geometry.part("FacialHair")
        steep = np.abs(beard.normals[:, 2]) < 0.7
        assert np.all(beard.fibres[steep, 2] < -0.5)


def test_hair_without_fibre_directions_is_matte_not_nan(gl):
    # A stage may bind a hair material to a mesh that carries no fibre directions.
    cam = camera_at_origin(64, 64, 400.0)
    view = dataclasses.replace(_hair_plate(cam, [0.0, 0.0, 1.0]), fibres=None)
    matte = dataclasses.replace(view, instances=(dataclasses.replace(
        view.instances[0], material=dataclasses.replace(HAIR, fibre=False)),))
    for render in (gl.render, render_reference):
        a, b = render(view), render(matte)
        assert np.all(np.isfinite(a.nir)) and np.array_equal(a.nir, b.nir)
