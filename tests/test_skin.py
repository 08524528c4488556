"""Skin detail and ambient occlusion (cabin_synth.scene.skin, cabin_synth.driver.occlusion).

Rendered checks put the driver's head alone before a camera under sky light
only, and divide a render with the detail by one without it (same geometry,
same occlusion): the quotient is the detail's albedo factor, per pixel and band.
"""

import dataclasses

import numpy as np
import pytest
from scenes import make_view, quad

from cabin_synth.driver import FaceState, build_driver, sample_identity
from cabin_synth.driver.identity import FRECKLED_P
from cabin_synth.driver.occlusion import eye_occlusion, occlusion
from cabin_synth.render import specular
from cabin_synth.render.gl import GLRenderer
from cabin_synth.render.reference import render_reference
from cabin_synth.scene import skin
from cabin_synth.scene.camera import Camera
from cabin_synth.scene.materials import skin as skin_material
from cabin_synth.transforms import look_at_opencv

AHEAD = np.array([1.0, 0.0, 0.0])
DISTANCE = 0.45                     # head centre to camera, m
LUMA = np.array([0.2126, 0.7152, 0.0722])


@pytest.fixture(scope="module")
def gl():
    return GLRenderer()


def driver(skin_type=2, age=30.0, seed=4, **fields):
    ident = sample_identity(np.random.default_rng(seed), sex="female", age_years=age, skin_type=skin_type)
    return dataclasses.replace(ident, **fields)


def rot(yaw_deg=0.0, pitch_deg=0.0):
    y, p = np.radians([yaw_deg, pitch_deg])
    Rz = np.array([[np.cos(y), -np.sin(y), 0], [np.sin(y), np.cos(y), 0], [0, 0, 1]])
    Ry = np.array([[np.cos(p), 0, np.sin(p)], [0, 1, 0], [-np.sin(p), 0, np.cos(p)]])
    return Rz @ Ry


# The head faces the camera at the origin: head +x -> vehicle -x.
FACING = np.diag([-1.0, -1.0, 1.0])


def head_view(ident, *, expression=None, R=np.eye(3), detail=True, wavelength=940, camera=None):
    """(SceneView of the head alone under sky light, head points in the vehicle frame)."""
    head = build_driver(ident, FaceState(AHEAD, np.zeros(2), 4.0, expression or {})).part("Head")
    R_vh = FACING @ R
    pts = head.points @ R_vh.T + [DISTANCE, 0.0, 0.0]
    cam = camera or Camera(160, 200, 600.0, 600.0, 79.5, 99.5, look_at_opencv(np.zeros(3), AHEAD).T, np.zeros(3))
    view = make_view([(pts, head.faces, head.normals @ R_vh.T, skin_material(ident.skin_type), "skin")], cam,
                     illuminator_w_sr=0.0, sky_lux=1000.0, sky_nir=1.0, wavelength=wavelength)
    rows = skin.head_detail(ident).rows(wavelength)
    if not detail:   # keep the template point and the occlusion, drop the albedo detail
        rows[:, skin.TINT] = rows[:, skin.MELANIN] = rows[:, skin.RELIEF] = 0.0
    return dataclasses.replace(view, detail=rows), pts


def factor_image(gl, ident, wavelength=940, **kw):
    """Per pixel (H,W,4) albedo factor (r, g, b, nir) of the detail, and the head's vehicle points."""
    with_detail, pts = head_view(ident, wavelength=wavelength, **kw)
    a, b = gl.render(with_detail), gl.render(head_view(ident, wavelength=wavelength, detail=False, **kw)[0])
    radiance = lambda buf: np.concatenate([buf.rgb, buf.nir[..., None]], axis=-1)
    on = (a.instance == 1) & (b.nir > 0)
    out = np.full(a.rgb.shape[:2] + (4,), np.nan)
    out[on] = radiance(a)[on] / radiance(b)[on]
    return out, pts, with_detail.camera


def region_pixels(ident, pts, camera, name, threshold=0.9):
    """Pixels seen at template points of a region (skin.regions) that face the camera."""
    w = skin.template_regions()[name]
    uv = np.rint(camera.project(camera.to_camera(pts[w > threshold]))).astype(int)
    inside = (uv[:, 0] >= 0) & (uv[:, 0] < camera.width) & (uv[:, 1] >= 0) & (uv[:, 1] < camera.height)
    return tuple(np.unique(uv[inside], axis=0).T[::-1])


# ------------------------------------------------------------------ follows the surface
def test_detail_sticks_to_the_skin_under_pose_and_expression(gl):
    # A camera re-centred for each skin point puts that point's vertex exactly on a pixel
    # centre, where the rasteriser's interpolated attributes are the vertex's own. Its
    # albedo factor must not change when the head turns and the face smiles or talks;
    # the lighting it would change is taken out by hand (Lambert under the sky model,
    # less the skin's white sheen of the sky, which depends on the view).
    ident = driver(skin_type=1, age=60.0, freckles=0.3, redness=0.2)
    detail = skin.head_detail(ident)
    reg = skin.template_regions()
    rng = np.random.default_rng(0)
    picks = rng.choice(np.flatnonzero((reg["face"] > 0.99) & (reg["forehead"] + reg["cheeks"] > 0.5)), 12, replace=False)
    material = skin_material(1)
    poses = [(np.eye(3), {}), (rot(25.0, -10.0), {"smile": 0.8}), (rot(-15.0, 8.0), {"talk": 0.7})]
    factors = np.full((len(poses), len(picks)), np.nan)
    for i, (R, expression) in enumerate(poses):
        head = build_driver(ident, FaceState(AHEAD, np.zeros(2), 4.0, expression)).part("Head")
        R_vh = FACING @ R
        for j, k in enumerate(picks):
            p = head.points[k] @ R_vh.T + [DISTANCE, 0.0, 0.0]
            # 2000 px focal length: a pixel is 0.2 mm on the skin, finer than every texture cell
            f = 2000.0
            cam = Camera(32, 32, f, f, 16.0 - f * (-p[1]) / p[0], 16.0 - f * (-p[2]) / p[0],
                         look_at_opencv(np.zeros(3), AHEAD).T, np.zeros(3))
            view, _ = head_view(ident, expression=expression, R=R, camera=cam)
            buf = gl.render(view)
            if buf.instance[16, 16] != 1 or abs(buf.depth[16, 16] - p[0]) > 2e-4:
                continue   # hidden in this pose
            n = head.normals[k] @ R_vh.T
            sky = 1000.0 * (0.5 + 0.5 * n[2]) * (1.0 - detail.occlusion[k])
            sheen = sky / np.pi * specular.sky_albedo(n @ (-p / np.linalg.norm(p)),
                                                      specular.albedo_table(material.ior, material.roughness))
            factors[i, j] = (buf.rgb[16, 16, 1] - sheen) / (material.albedo_rgb[1] / np.pi * sky)
    seen = np.all(np.isfinite(factors), axis=0)
    assert seen.sum() >= 8
    assert np.allclose(factors[1:, seen], factors[0, seen], rtol=2e-3)
    # ... and the detail is there to be kept: the points differ from each other.
    assert np.std(np.log(factors[0, seen])) > 0.03


def test_detail_round_trips_through_the_stage(frames):
    # The scene writes the head's detail as primvars; the renderer's view reads it back.
    frame = frames[0]
    ident = frame.params.identity
    head = next(i for i in frame.view.instances if i.prim == f"/World/Driver/{skin.DETAIL_PART}")
    rows = frame.view.detail[frame.view.instance_ids == head.id]
    assert np.allclose(rows, skin.head_detail(ident).rows(frame.view.wavelength_nm), rtol=1e-6, atol=1e-6)
    # The eyes carry their occlusion only; the cabin carries nothing.
    cabin = np.array([not i.prim.startswith("/World/Driver/") for i in frame.view.instances])
    assert np.all(frame.view.detail[cabin[frame.view.instance_ids - 1]] == 0.0)
    sclera = next(i for i in frame.view.instances if i.prim.endswith("EyeR/Sclera"))
    assert frame.view.detail[frame.view.instance_ids == sclera.id, skin.OCCLUSION].max() > 0.2


def test_detail_is_deterministic_per_identity_and_differs_between_identities():
    a = driver(seed=1, freckles=0.2)
    first = skin.head_detail(a).log_albedo.copy()
    skin._CACHE.clear()
    assert np.array_equal(skin.head_detail(a).log_albedo, first)
    other = dataclasses.replace(a, skin_seed=a.skin_seed + 1)
    assert skin.head_detail(other).noise_shift_mm != skin.head_detail(a).noise_shift_mm
    older = dataclasses.replace(a, age_years=75.0)   # age spots appear where its seed puts them
    assert not np.allclose(skin.head_detail(older).log_albedo, first)


# ------------------------------------------------------------------ bands and types
def test_freckle_contrast_falls_from_rgb_to_850_to_940(gl):
    # Rendered freckled skin divided by the same skin without freckles: melanin's
    # absorption falls with wavelength, so the freckles fade from RGB to 850 to 940 nm.
    freckled = driver(skin_type=2, age=25.0, freckles=0.45)
    plain = dataclasses.replace(freckled, freckles=0.0)
    contrast = {}
    for wavelength in (850, 940):
        a, pts, cam = factor_image(gl, freckled, wavelength)
        b, _, _ = factor_image(gl, plain, wavelength)
        patch = region_pixels(freckled, pts, cam, "cheeks", 0.5)
        ratio = a[patch] / b[patch]
        ok = np.all(np.isfinite(ratio), axis=1)
        assert ok.sum() > 150
        contrast["rgb"] = np.std(np.log(ratio[ok, :3] @ LUMA))
        contrast[wavelength] = np.std(np.log(ratio[ok, 3]))
    assert contrast["rgb"] > 0.05
    assert contrast["rgb"] > 2.0 * contrast[850] > 2.0 * 1.2 * contrast[940]


def test_freckles_are_commoner_on_fairer_skin():
    rng = np.random.default_rng(5)
    share = []
    for t in range(1, 7):
        draws = [sample_identity(rng, skin_type=t, age_years=30.0).freckles for _ in range(400)]
        share.append(np.mean(np.asarray(draws) > 0))
        assert abs(share[-1] - FRECKLED_P[t]) < 4 * np.sqrt(FRECKLED_P[t] * (1 - FRECKLED_P[t]) / 400) + 0.01
    assert share[0] > share[1] > share[2] > share[3]


def test_haemoglobin_redness_is_nearly_invisible_in_nir():
    # Excess blood on the cheeks: green falls most, red and both NIR bands barely
    # (molar extinction of haemoglobin, Prahl 1999).
    red = skin.head_detail(driver(redness=0.3)).log_albedo
    pale = skin.head_detail(driver(redness=0.0)).log_albedo
    cheeks = skin.template_regions()["cheeks"] > 0.9
    drop = (pale - red)[cheeks].mean(axis=0)     # r, g, b, 850, 940 (minus the face's mean shift)
    assert drop[1] > 0.15 and drop[1] > 3 * drop[0] and drop[1] > 10 * max(abs(drop[3]), abs(drop[4]))


# ------------------------------------------------------------------ age and calibration
def test_forehead_lines_darken_with_age(gl):
    base = driver(skin_type=3, freckles=0.0)
    means = []
    for age in (25.0, 45.0, 65.0, 85.0):
        ident = dataclasses.replace(base, age_years=age)
        f, pts, cam = factor_image(gl, ident)
        patch = region_pixels(ident, pts, cam, "forehead")
        means.append(np.nanmean(f[patch][:, :3] @ LUMA))
    assert np.all(np.diff(means) < 0), means
    assert means[0] - means[-1] > 0.03
    # Light travels further under the skin at 940 nm and fills the lines in: less contrast.
    values = f[patch][np.all(np.isfinite(f[patch]), axis=1)]
    assert np.std(np.log(values[:, 3])) < 0.7 * np.std(np.log(values[:, :3] @ LUMA))


@pytest.mark.parametrize("skin_type", [1, 4, 6])
def test_detail_keeps_the_fitzpatrick_albedo(gl, skin_type):
    # The Fitzpatrick reflectances the sensor is calibrated on are the face's mean:
    # the rendered face with detail stays within a few % of it in every band.
    ident = driver(skin_type=skin_type, age=50.0, freckles=0.2, redness=0.15)
    for wavelength in (850, 940):
        f, pts, cam = factor_image(gl, ident, wavelength)
        face = region_pixels(ident, pts, cam, "face", 0.999)
        values = f[face]
        mean = np.nanmean(values, axis=0)
        assert np.all(np.abs(mean - 1.0) < 0.03), (wavelength, mean)
    young = dataclasses.replace(ident, age_years=22.0, freckles=0.0)
    f, pts, cam = factor_image(gl, young)
    forehead = np.nanmean(f[region_pixels(young, pts, cam, "forehead")], axis=0)
    assert np.all(np.abs(forehead - 1.0) < 0.04), forehead


# ------------------------------------------------------------------ renderers and occlusion
def test_gl_matches_reference_with_skin_detail(gl):
    ident = driver(skin_type=2, age=70.0, freckles=0.3, redness=0.2)
    cam = Camera(96, 120, 360.0, 360.0, 47.5, 59.5, look_at_opencv(np.zeros(3), AHEAD).T, np.zeros(3))
    # Sky light only: the reference has no shadows.
    view, _ = head_view(ident, camera=cam)
    a, b = gl.render(view), render_reference(view)
    both = (a.instance == 1) & (b.instance == 1)
    assert both.sum() > 3000
    rel = lambda x, y: np.abs(x - y) / np.maximum(np.abs(y), 1e-9)
    err = np.maximum(rel(a.rgb[both], b.rgb[both]).max(axis=1), rel(a.nir[both], b.nir[both]))
    assert np.percentile(err, 99) < 1e-4
    # float32 against float64 noise coordinates: a freckle's steep edge may move by a hair.
    assert err.max() < 1e-2


def test_occlusion_radiance_is_the_open_share_of_the_sky(gl):
    cam = Camera(64, 64, 200.0, 200.0, 31.5, 31.5, look_at_opencv(np.zeros(3), AHEAD).T, np.zeros(3))
    pts, tris, normals = quad(np.array([0.5, 0.0, 0.0]), [-1, 0, 0], 0.2)
    material = dataclasses.replace(skin_material(3), roughness=0.0)   # matte: the sky's sheen is tests/test_specular.py's
    view = make_view([(pts, tris, normals, material, "skin")], cam, illuminator_w_sr=0.0, sky_lux=800.0, sky_nir=2.0)
    rows = np.zeros((4, skin.DETAIL_WIDTH), np.float32)
    rows[:, skin.OCCLUSION] = 0.3
    buf = gl.render(dataclasses.replace(view, detail=rows))
    on = buf.instance == 1
    # A wall facing -x sees half the sky (0.5 + 0.5 n_z), 70 % of it open.
    assert np.allclose(buf.rgb[on], np.array(material.albedo_rgb) / np.pi * 800.0 * 0.5 * 0.7, rtol=1e-4)
    assert np.allclose(buf.nir[on], material.nir_940 / np.pi * 2.0 * 0.5 * 0.7, rtol=1e-4)


def test_occlusion_at_the_bottom_of_a_well():
    # A point at the bottom centre of a cylindrical well of radius a and depth h sees
    # the cosine-weighted share sin^2(theta) of its hemisphere, tan(theta) = a / h.
    a, h = 10.0, 15.0
    theta = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    z = np.linspace(0.0, h, 120)
    wall = np.stack([np.repeat(a * np.cos(theta)[None], len(z), 0), np.repeat(a * np.sin(theta)[None], len(z), 0),
                     np.repeat(z[:, None], len(theta), 1)], -1).reshape(-1, 3)
    grid = np.linspace(-a, a, 160)
    gx, gy = np.meshgrid(grid, grid)
    floor = np.stack([gx.ravel(), gy.ravel(), np.zeros(gx.size)], 1)
    surface = np.concatenate([wall, floor[np.hypot(floor[:, 0], floor[:, 1]) < a]])
    occ = occlusion(np.zeros((1, 3)), None, np.array([[0.0, 0.0, 1.0]]), surface=surface, n_directions=2000,
                    cell=0.3, lift=0.3)
    expected = 1.0 - a**2 / (a**2 + h**2)
    assert occ[0] == pytest.approx(expected, abs=0.05)
    flat = occlusion(np.zeros((1, 3)), None, np.array([[0.0, 0.0, 1.0]]), surface=floor, cell=0.3, lift=0.3)
    assert flat[0] == 0.0


def test_eye_occlusion_under_the_brow_exceeds_the_open_front():
    centre = np.array([0.0, -0.032, 0.0])
    front = eye_occlusion(centre + np.array([[0.0125, 0.0, 0.0]]), centre, right=True)
    up = eye_occlusion(centre + 0.0125 * np.array([[0.8, 0.0, 0.6]]), centre, right=True)
    left_up = eye_occlusion(centre * [1, -1, 1] + 0.0125 * np.array([[0.8, 0.0, 0.6]]), centre * [1, -1, 1], right=False)
    assert front[0] < 0.15 and up[0] > 0.3
    assert left_up[0] == pytest.approx(up[0])
