"""The GL renderer against the numpy reference and against closed-form radiometry."""

import copy
import dataclasses

import numpy as np
import pytest
import yaml
from scenes import GREY, camera_at_origin, make_view, quad, slab, sphere

from cabin_synth.paths import PRESETS
from cabin_synth.render.gl import GLRenderer
from cabin_synth.render.reference import render_reference
from cabin_synth.render.view import Lamp
from cabin_synth.scene.materials import Material
from cabin_synth.sensor.model import fixed_pattern, nir_image


@pytest.fixture(scope="module")
def gl():
    return GLRenderer()


@pytest.mark.parametrize("glossy", [False, True])
def test_gl_matches_reference_depth_ids_and_radiance(gl, glossy):
    cam = camera_at_origin()
    light, centre = np.array([0.0, 0.02, 0.0]), np.array([1.0, 0.05, 0.0])
    ball = sphere(centre, 0.2)
    wall = quad(np.array([1.6, 0.0, 0.0]), [-1, 0, 0], 2.0)
    # The ball retro-reflects (a bright pupil's law) towards an illuminator 2 cm off the lens,
    # and in the second case has skin's glossy lobe under a sun overhead too (the wall,
    # facing -x, gets none of that sun).
    retro = dataclasses.replace(GREY, retroreflectance=0.8, ior=1.4 if glossy else 0.0, roughness=0.35 if glossy else 0.0)
    view = make_view([(*ball, retro, "skin"), (*wall, GREY, "cabin")], cam, sky_lux=100.0, sky_nir=0.1,
                     illuminator_position=light, sun_lux=2000.0 if glossy else 0.0, sun_nir=5.0 if glossy else 0.0)
    # And a warm cabin lamp above and to the side, facing down (RGB and NIR).
    lamp = Lamp(np.array([0.9, 0.35, 0.45]), np.array([0.0, 0.0, -1.0]), np.array([20.0, 14.0, 6.0]), 0.05, 1.0)
    view = dataclasses.replace(view, lamps=(lamp,))
    a, b = gl.render(view), render_reference(view)
    same_id = a.instance == b.instance
    assert same_id.mean() > 0.995  # only triangle-edge pixels may differ
    # The reference has no shadows: leave out the ball's shadow on the wall, found
    # by hand below. And where the light grazes the true sphere, the
    # flat facets shadow themselves in the shadow map (the shadow terminator of
    # coarse meshes, docs/sensors.md): leave out the ball's rim as the light sees it.
    vv, uu = np.mgrid[0:cam.height, 0:cam.width]
    rays = np.stack([(uu - cam.cx) / cam.fx, (vv - cam.cy) / cam.fy, np.ones_like(uu, float)], -1) * b.depth[..., None]
    points = (rays - cam.t_cam_vehicle) @ cam.R_cam_vehicle   # vehicle frame
    normals = (points - centre) / 0.2
    rim = shadowed = np.zeros_like(same_id)
    rim = (b.instance == 1) & (np.abs(normals[..., 2]) < 0.05) if glossy else rim   # the sun's terminator
    for source in (light, lamp.position):
        to_light = (source - points) / np.linalg.norm(source - points, axis=-1, keepdims=True)
        rim = rim | (b.instance == 1) & (np.abs(np.einsum("hwj,hwj->hw", normals, to_light)) < 0.05)
        # The wall behind the ball, in its shadow (the segment to the light meets the sphere).
        seg = points - source
        t = np.clip(np.einsum("hwj,j->hw", seg, centre - source) / np.einsum("hwj,hwj->hw", seg, seg), 0.0, 1.0)
        shadowed = shadowed | (b.instance == 2) & (np.linalg.norm(source + t[..., None] * seg - centre, axis=-1) < 0.2 + 0.005)
    both = same_id & (a.instance > 0) & ~rim & ~shadowed
    assert both.sum() > 15000
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
    # Moving a flat target from d to 2d under the illuminator alone quarters its
    # radiance, and its mean signal out of the noisy 12-bit sensor (less the dark
    # signal: black level plus dark current).
    cam = camera_at_origin()
    sensor = copy.deepcopy(yaml.safe_load((PRESETS / "default.yaml").read_text())["sensor"])
    sensor.update(width=cam.width, height=cam.height)
    sensor["nir"].update(bit_depth=12, system_gain_dn_per_e=0.2, exposure_us=2000)
    nir = sensor["nir"]
    dark_dn = nir["black_level_dn"] + nir["system_gain_dn_per_e"] * nir["dark_current_e_per_s"] * nir["exposure_us"] * 1e-6
    pattern = fixed_pattern(sensor, np.random.default_rng(1))
    means, signals = [], []
    for d in (0.5, 1.0):
        view = make_view([(*quad(np.array([d, 0.0, 0.0]), [-1, 0, 0], 0.1 * d), GREY, "cabin")], cam, exponent=1e-6)
        buf = gl.render(view)
        target = buf.instance == 1
        means.append(buf.nir[target].mean())
        dn = nir_image(buf.nir, sensor, pattern, np.random.default_rng(2)).astype(float)
        signals.append(dn[target].mean() - dark_dn)
    assert means[0] / means[1] == pytest.approx(4.0, rel=0.02)
    assert signals[0] / signals[1] == pytest.approx(4.0, rel=0.02)
    assert signals[0] < 0.9 * (2**12 - 1)   # not saturated


def test_lambert_radiance_value(gl):
    # Radiance of a Lambertian patch facing an isotropic source: rho/pi * I/d^2 * cos.
    cam = camera_at_origin()
    view = make_view([(*quad(np.array([0.8, 0.0, 0.0]), [-1, 0, 0], 0.01), GREY, "cabin")], cam,
                     illuminator_w_sr=2.0, exponent=1e-9)
    buf = gl.render(view)
    expected = 0.5 / np.pi * 2.0 / 0.8**2
    assert buf.nir[buf.instance == 1].mean() == pytest.approx(expected, rel=1e-3)


def _wall_and_occluder(occluder_x):
    wall = quad(np.array([1.5, 0.0, 0.0]), [-1, 0, 0], 1.5)
    occluder = quad(np.array([occluder_x, 0.0, 0.0]), [-1, 0, 0], 0.1)
    return [(*wall, GREY, "cabin"), (*occluder, GREY, "cabin")]


def _pixels_inside(cam, corners_vehicle):
    """Pixel centres inside the convex projected polygon, and those within 1.5 px of its edge."""
    uv = cam.project(cam.to_camera(corners_vehicle))
    vv, uu = np.mgrid[0:cam.height, 0:cam.width]
    signed = []
    for a, b in zip(uv, np.roll(uv, -1, axis=0)):
        edge = b - a
        signed.append(((uu - a[0]) * edge[1] - (vv - a[1]) * edge[0]) / np.linalg.norm(edge))
    signed = np.array(signed)
    signed *= np.sign(np.mean(signed))     # orient so that inside is positive
    return signed.min(axis=0) > 1.5, np.abs(signed).min(axis=0) <= 1.5


@pytest.mark.parametrize("light", ["sun", "illuminator", "lamp"])
def test_shadow_of_a_square_where_projected_by_hand(gl, light):
    # A 10 cm square 30 cm in front of a wall casts its shadow where the light's
    # rays through its corners meet the wall: parallel rays for the sun, rays from
    # the point for an illuminator or a cabin lamp 25 cm beside the camera.
    cam = camera_at_origin()
    sun = np.array([-1.0, 0.4, 0.3]) / np.linalg.norm([-1.0, 0.4, 0.3])
    source = np.array([0.0, 0.25, 0.1])
    if light == "sun":
        view = make_view(_wall_and_occluder(1.2), cam, illuminator_w_sr=0.0, sun_lux=1000.0, sun_nir=1.0,
                         sun_direction=sun)
        rays = lambda p: -sun
    elif light == "illuminator":
        view = make_view(_wall_and_occluder(1.2), cam, illuminator_position=source, exponent=1e-6)
        rays = lambda p: (p - source) / np.linalg.norm(p - source)
    else:
        lamp = Lamp(source, np.array([1.0, 0.0, 0.0]), np.array([5.0, 4.0, 3.0]), 0.05, 1.0)
        view = dataclasses.replace(make_view(_wall_and_occluder(1.2), cam, illuminator_w_sr=0.0), lamps=(lamp,))
        rays = lambda p: (p - source) / np.linalg.norm(p - source)
    corners = view.positions[4:8].astype(float)
    shadow = np.array([p + (1.5 - p[0]) / rays(p)[0] * rays(p) for p in corners])
    inside, edge = _pixels_inside(cam, shadow)
    occluder, occluder_edge = _pixels_inside(cam, corners)
    buf = gl.render(view)
    on_wall = buf.instance == 1
    dark = inside & on_wall
    lit = on_wall & ~inside & ~edge & ~occluder & ~occluder_edge
    assert dark.sum() > 40 and lit.sum() > 1000
    assert np.all(buf.nir[dark] == 0.0)
    assert np.all(buf.nir[lit] > 0.0)
    if light != "illuminator":   # the visible band too
        assert np.all(buf.rgb[dark] == 0.0) and np.all(buf.rgb[lit] > 0.0)


@pytest.mark.parametrize("t_high, t_low", [(0.8, 0.1)])
def test_sunglasses_filter_the_illuminator_both_ways(gl, t_high, t_low):
    # A lens between camera+illuminator and a target: the illuminator's light
    # crosses it twice, so the target's signal scales with T^2 (docs/sensors.md).
    cam = camera_at_origin()
    target = quad(np.array([0.8, 0.0, 0.0]), [-1, 0, 0], 0.3)
    lens = slab(np.array([0.6, 0.0, 0.0]), [-1, 0, 0], 0.1, 0.002)
    means = []
    for t in (t_high, t_low):
        glass = Material((0.05, 0.05, 0.05), 0.05, 0.05, opacity=0.5, transmittance_visible=t,
                         transmittance_850=t, transmittance_940=t)
        buf = gl.render(make_view([(*target, GREY, "skin"), (*lens, glass, "lens")], cam, exponent=1e-6))
        behind, _ = _pixels_inside(cam, lens[0][:4])
        means.append(buf.nir[behind & (buf.instance == 1)].mean())
    assert means[0] / means[1] == pytest.approx((t_high / t_low) ** 2, rel=0.10)


def test_see_through_material_round_trips_through_usd():
    # The renderer learns transmittances from the Material prim's cabin_synth:*
    # attributes (as the cabin glass and the sunglasses lenses author them).
    from pxr import Usd, UsdGeom, UsdShade

    from cabin_synth.render.view import _material
    from cabin_synth.scene.stage import write_material

    stage = Usd.Stage.CreateInMemory()
    lens = Material((0.02, 0.02, 0.02), 0.05, 0.06, opacity=0.4, transmittance_visible=0.15,
                    transmittance_850=0.7, transmittance_940=0.8)
    mat = write_material(stage, "/Looks/Lens", lens)
    mesh = UsdGeom.Mesh.Define(stage, "/Lens")
    UsdShade.MaterialBindingAPI.Apply(mesh.GetPrim()).Bind(mat)
    flat = lambda m: np.hstack([np.ravel(v) for v in dataclasses.astuple(m)])
    assert np.allclose(flat(_material(mesh.GetPrim())), flat(lens), rtol=1e-6)   # USD stores float32
    # Without authored transmittances a see-through surface passes what it does not cover.
    for name in ("visible_transmittance", "nir_transmittance_850", "nir_transmittance_940"):
        mat.GetPrim().RemoveProperty(f"cabin_synth:{name}")
    bare = _material(mesh.GetPrim())
    assert (bare.transmittance_visible, bare.transmittance_850, bare.transmittance_940) == pytest.approx((0.6, 0.6, 0.6))


def test_lens_glare_is_the_mirror_image_of_the_illuminator(gl):
    # A flat lens 0.5 m ahead, tilted 4 degrees, with an illuminator 4 cm beside
    # the camera: its front surface shows the illuminator's mirror image, found by
    # hand (reflect the source in the lens plane, project it), and the glare holds
    # the energy of a point source F I / D^2 at the unfolded distance D.
    cam = camera_at_origin(f_px=300.0)
    tilt = np.radians(4.0)
    normal = np.array([-np.cos(tilt), np.sin(tilt), 0.0])
    centre = np.array([0.5, 0.0, 0.0])
    thickness = 0.002
    lens = slab(centre, normal, 0.12, thickness)
    source = np.array([0.0, 0.0, 0.04])
    intensity = 2.0
    images = []
    for ior in (1.5, 0.0):
        glass = Material((0.0, 0.0, 0.0), 0.0, 0.0, opacity=0.5, transmittance_visible=0.5,
                         transmittance_850=0.5, transmittance_940=0.5, ior=ior)
        wall = quad(np.array([2.0, 0.0, 0.0]), [-1, 0, 0], 5.0)
        black = Material((0.0, 0.0, 0.0), 0.0, 0.0)
        view = make_view([(*wall, black, "cabin"), (*lens, glass, "lens")], cam, illuminator_w_sr=intensity,
                         exponent=1e-6, illuminator_position=source)
        images.append(gl.render(view).nir)
    glare = images[0] - images[1]
    front = centre + normal * thickness / 2
    mirrored = source - 2.0 * np.dot(source - front, normal) * normal
    u, v = cam.project(cam.to_camera(mirrored[None]))[0]
    assert 50 < u < 110 and 30 < v < 90  # on the lens, away from its edges
    peak_v, peak_u = np.unravel_index(np.argmax(glare), glare.shape)
    assert abs(peak_u - u) <= 1.0 and abs(peak_v - v) <= 1.0
    # Energy: sum of radiance times the pixel's solid angle 1/(fx fy). The
    # reflection point is where the camera's ray to the mirror image crosses the lens.
    hit = mirrored * np.dot(front, normal) / np.dot(mirrored, normal)
    cos_i = np.dot(normal, (source - hit) / np.linalg.norm(source - hit))
    f0 = ((1.5 - 1.0) / 2.5) ** 2
    fresnel = f0 + (1 - f0) * (1 - cos_i) ** 5
    d = np.linalg.norm(mirrored)  # unfolded path camera -> lens -> source
    expected = fresnel * intensity / d**2
    assert glare.sum() / (cam.fx * cam.fy) == pytest.approx(expected, rel=0.05)


@pytest.mark.parametrize("gap_m", [0.5, 1.0])
def test_sun_penumbra_is_as_wide_as_the_suns_disc(gl, gap_m):
    # The sun is 0.53 degrees wide: an edge gap_m in front of a wall, lit at incidence i,
    # casts on the wall a penumbra gap * theta / cos^2(i) wide (the disc's angle over the
    # path gap / cos i, stretched by 1 / cos i on the wall): 5.8 mm from 0.5 m, 11.6 mm
    # from 1 m, seen with pixels of 1 mm on the wall.
    cam = camera_at_origin(width=200, height=60, f_px=1500.0)
    sun = np.array([-1.0, 0.5, 0.0]) / np.linalg.norm([-1.0, 0.5, 0.0])
    wall = quad(np.array([1.5, 0.0, 0.0]), [-1, 0, 0], 0.6)
    # The occluder's edge along z at y = y0 throws its shadow's edge to y = 0 on the wall.
    y0 = gap_m * sun[1] / -sun[0]
    occluder = quad(np.array([1.5 - gap_m, y0 - 0.1, 0.0]), [-1, 0, 0], 0.2)
    view = make_view([(*wall, GREY, "cabin"), (*occluder, GREY, "cabin")], cam, illuminator_w_sr=0.0,
                     sun_lux=1000.0, sun_nir=1.0, sun_direction=sun)
    buf = gl.render(view)
    lit = buf.nir / (0.5 / np.pi * 1.0 * -sun[0])
    on_wall = buf.instance == 1
    row, wall_row = lit[30], on_wall[30]
    cos_i = -sun[0]
    expected_px = gap_m * np.radians(0.53) / cos_i**2 / (1.5 / cam.fx)
    assert np.all(row[wall_row] <= 1.0 + 1e-4)
    assert (wall_row & (row < 0.02)).sum() > 20 and (wall_row & (row > 0.98)).sum() > 20
    partial = wall_row & (row > 0.02) & (row < 0.98)
    assert 0.75 * expected_px <= partial.sum() <= 1.25 * expected_px + 1
    # Light falls off monotonically across the penumbra.
    band = row[wall_row]
    assert np.all(np.diff(band) <= 1e-6) or np.all(np.diff(band) >= -1e-6)
