"""The skin's glossy lobe (cabin_synth.specular) against optics worked by hand."""

import dataclasses

import numpy as np
import pytest

from cabin_synth import specular
from cabin_synth.materials import SKIN_IOR, SKIN_ROUGHNESS, Material, skin
from cabin_synth.render.gl import GLRenderer
from scenes import camera_at_origin, make_view, quad, sphere


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
    g = specular._smith_g1(l[:, 2], m) * specular._smith_g1(np.full(n_samples, mu), m)
    w = np.where(ok, specular.fresnel(vh, eta) * g * vh / (cos_h * mu), 0.0)
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
