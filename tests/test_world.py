"""The world outside: the sky dome through the glass, the sun where it stands, light
counted once, the world's own classes, and a world that is not flat (issue 12)."""

import dataclasses

import numpy as np
import pytest
from rays import ray_hits
from scenes import camera_at_origin, make_view, slab
from world_metrics import window_vs_cabin

from cabin_synth import presets
from cabin_synth.labels.semantics import CLASS_ID
from cabin_synth.presets.sampler import sample_frame
from cabin_synth.render import textures
from cabin_synth.render.reference import render_reference
from cabin_synth.render.view import Dome, Outdoors
from cabin_synth.scene import lighting, sky
from cabin_synth.scene.distortion import undistort
from cabin_synth.scene.materials import Material
from cabin_synth.scene.outside import write_exr

GLASS = Material((0.0, 0.0, 0.0), 0.0, 0.0, opacity=0.1, transmittance_visible=0.7,
                 transmittance_850=0.5, transmittance_940=0.4)


def _latlong(f, height=64):
    """A lat-long texture of f(lat, lon) at its texel centres, the OpenEXR layout written out
    by hand: row 0 at latitude +pi/2, column 0 at longitude +pi, both decreasing."""
    lat = np.pi / 2 - np.pi * (np.arange(height) + 0.5) / height
    lon = np.pi - 2 * np.pi * (np.arange(2 * height) + 0.5) / (2 * height)
    return f(*np.meshgrid(lat, lon, indexing="ij")).astype(np.float32)


def smooth(lat, lon):
    return 100.0 + 40.0 * np.sin(lat) + 25.0 * np.cos(lon) + 10.0 * np.sin(2 * lon) * np.cos(lat)


def test_pixels_through_glass_show_the_dome_times_the_glass_transmittance(gl_renderer, tmp_path):
    # Camera at the origin looking along +X; a glass slab fills part of the view and nothing
    # else is there. The dome is Y-up (UsdLux): a vehicle direction w is (w_y, w_z, w_x) in it.
    # Its files are OpenEXR, read as the stage view reads the DomeLight's; the scales are
    # the light's intensities.
    cam = camera_at_origin(target=(1.0, 0.3, 0.2))
    rgb = np.stack([_latlong(smooth), _latlong(lambda a, b: 0.5 * smooth(a, b)), _latlong(lambda a, b: 50 + 0 * a)], -1)
    nir = _latlong(lambda a, b: 0.01 * smooth(a, b))
    for name, pixels in (("rgb.exr", rgb / 4.0), ("nir.exr", nir * 100.0)):
        write_exr(tmp_path / name, pixels)
    images = [textures.load(str(tmp_path / name), "raw", "test dome") for name in ("rgb.exr", "nir.exr")]
    to_dome = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    view = make_view([(*slab(np.array([1.0, 0.3, 0.2]), (-1.0, -0.3, -0.2), 0.5, 0.005), GLASS, "window")], cam,
                     illuminator_w_sr=0.0)
    view = dataclasses.replace(view, dome=Dome(*images, to_dome, id=2, rgb_scale=4.0, nir_scale=0.01),
                               outdoors=Outdoors(0.0, 0.0, 0.0, 0.0, np.zeros(3), 0.0))
    v, u = np.mgrid[0:cam.height, 0:cam.width]
    w = np.stack([(u - cam.cx) / cam.fx, (v - cam.cy) / cam.fy, np.ones_like(u, float)], -1) @ cam.R_cam_vehicle
    w /= np.linalg.norm(w, axis=-1, keepdims=True)
    # by hand: latitude from the vehicle's Z (the dome's Y), longitude atan2(dome x, dome z) = atan2(w_y, w_x)
    lat, lon = np.arcsin(w[..., 2]), np.arctan2(w[..., 1], w[..., 0])
    expected = smooth(lat, lon)
    for buf in (gl_renderer.render(view), render_reference(view)):
        glass = np.zeros(buf.depth.shape, bool)
        glass[40:80, 60:100] = True          # the slab covers the image centre
        assert np.all(buf.instance == 2) and np.all(buf.depth == 0.0)
        assert np.allclose(buf.rgb[..., 0][glass], 0.7 * expected[glass], rtol=0.01)
        assert np.allclose(buf.rgb[..., 1][glass], 0.35 * expected[glass], rtol=0.01)
        assert np.allclose(buf.nir[glass], 0.4 * 0.01 * expected[glass], rtol=0.01)
        corner = np.zeros_like(glass)
        corner[:10, :10] = True              # beside the slab: the dome unfiltered
        assert np.allclose(buf.rgb[..., 0][corner], expected[corner], rtol=0.01)


def test_the_brightest_sky_and_the_sun_disc_lie_where_the_sun_direction_projects(gl_renderer, tmp_path):
    from pxr import Usd, UsdGeom

    from cabin_synth.render.view import StageReader
    from cabin_synth.scene.outside import OutsideStage

    el, az = 25.0, 130.0
    sun = np.array([np.cos(np.radians(el)) * np.cos(np.radians(az)), np.cos(np.radians(el)) * np.sin(np.radians(az)),
                    np.sin(np.radians(el))])
    stage = Usd.Stage.CreateInMemory()
    outside = OutsideStage(stage, tmp_path)
    outside.update_sky(sky.SkyState(el, 0.2), az, diffuse_lux=2.0e4, nir_per_lux=1e-5, wavelength_nm=940)
    dome = StageReader(stage)._dome(UsdGeom.XformCache(), 1)
    # The dome's brightest texel, turned back into the vehicle frame, is the sun's direction.
    dirs = sky.texel_directions()[0] @ np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]).T  # pattern -> dome
    luminance = dome.rgb.levels[0][::-1, :, :3] @ sky.LUMA   # levels are kept bottom row first
    brightest = dirs.reshape(-1, 3)[np.argmax(luminance)] @ dome.to_dome   # dome -> vehicle
    assert np.degrees(np.arccos(np.clip(brightest @ sun, -1, 1))) < 2.0
    # Rendered: the sun's disc, E / (solid angle of a 0.53 degree disc), at the projection of its direction.
    cam = camera_at_origin(width=96, height=72, f_px=400.0, target=sun)
    behind = slab(-sun, sun, 0.1, 0.005)   # out of view: the renderers want some geometry
    view = make_view([(*behind, GLASS, "window")], cam, illuminator_w_sr=0.0, sun_direction=tuple(sun))
    view = dataclasses.replace(view, dome=dome, outdoors=Outdoors(5.0e4, 2.0e4, 0.5, 0.2, np.zeros(3), 0.0))
    omega = 2 * np.pi * (1 - np.cos(np.radians(0.53) / 2))
    u, v = cam.project(cam.to_camera(sun[None] * 10.0))[0]
    radius = cam.fx * np.tan(np.radians(0.53) / 2)     # the disc's radius in pixels
    vv, uu = np.mgrid[0:cam.height, 0:cam.width]
    r = np.hypot(uu - u, vv - v)
    for buf in (gl_renderer.render(view), render_reference(view)):
        inside, outside = r < radius - 0.2, r > radius + 0.2
        assert inside.sum() >= 4
        assert np.allclose(buf.rgb[..., 1][inside], 5.0e4 / omega, rtol=0.01)
        assert np.allclose(buf.nir[inside], 0.5 / omega, rtol=0.01)
        assert buf.rgb[..., 1][outside].max() < 1e-3 * 5.0e4 / omega


@pytest.mark.parametrize("el, fraction", [(40.0, 0.2), (8.0, 0.5), (-3.0, 0.7), (60.0, 0.95)])
def test_the_dome_integrates_to_the_diffuse_light_the_cabin_gets(el, fraction):
    # Light counted once: the dome's horizontal illuminance is the diffuse share of the
    # sampled daylight, and the cabin's sky term is that times view factor and glass.
    rgb, nir = sky.dome_radiance(sky.SkyState(el, fraction))
    dirs, solid = sky.texel_directions()
    up = dirs[..., 2] > 0
    E = np.sum((rgb @ sky.LUMA)[up] * dirs[..., 2][up] * solid[up])
    assert E == pytest.approx(1.0, rel=0.01)
    assert np.sum(nir[up] * dirs[..., 2][up] * solid[up]) == pytest.approx(1.0, rel=0.01)
    params = sample_frame(presets.load("default"), 0, 0)
    lit = dataclasses.replace(params.lighting, sun_elevation_deg=el, sky_fraction=fraction, sun_illuminance_lux=3e4)
    day = lighting.daylight(lit, dataclasses.replace(params.environment, setting="rural", road_lights="none"), 940, 50)
    assert day.outdoors.sky_lux == pytest.approx(3e4 * fraction)
    assert day.sky_lux == pytest.approx(day.outdoors.sky_lux * lighting.CABIN_SKY_VIEW * lighting.GLASS_VISIBLE_TRANSMITTANCE)


def test_a_tunnel_shelters_the_cabin_from_sun_and_sky_and_its_lamps_light_it():
    params = sample_frame(presets.load("default"), 0, 0)
    lit = dataclasses.replace(params.lighting, sun_elevation_deg=30.0, sky_fraction=0.3, sun_illuminance_lux=5e4)
    env = dataclasses.replace(params.environment, setting="tunnel", road_lights="sodium", road_light_lux=80.0)
    day = lighting.daylight(lit, env, 850, 70)
    assert day.sun_lux == 0.0 and day.sun_nir_w_m2 == 0.0
    assert day.sky_lux == pytest.approx(80.0 * lighting.CABIN_SKY_VIEW * lighting.GLASS_VISIBLE_TRANSMITTANCE)
    # sodium's 819 nm doublet lies inside an 850 nm band 70 nm wide, not inside one 50 nm wide
    assert lighting.daylight(lit, env, 850, 70).sky_nir_w_m2 > 3 * lighting.daylight(lit, env, 850, 50).sky_nir_w_m2
    led = lighting.daylight(lit, dataclasses.replace(env, road_lights="led"), 850, 70)
    assert led.sky_nir_w_m2 == 0.0


@pytest.mark.parametrize("outside_lux, lamps_on", [(25.0, True), (30.0, False), (2.0, True), (3e4, False)])
def test_road_lights_come_on_in_dim_daylight_with_the_sun_still_up(outside_lux, lamps_on):
    # Photocontrols switch street lamps by the daylight they get, not by the sun's
    # elevation. Sun 40 deg up, 30 % diffuse: on a horizontal surface 25 lux of daylight
    # gives 25 (0.7 sin 40 deg + 0.3) = 18.8 lux (under the switch-on level), 30 lux 22.5.
    params = sample_frame(presets.load("default"), 0, 0)
    lit = dataclasses.replace(params.lighting, sun_elevation_deg=40.0, sky_fraction=0.3, sun_illuminance_lux=outside_lux)
    env = dataclasses.replace(params.environment, setting="suburban", road_lights="led", road_light_lux=15.0)
    horizontal = outside_lux * (0.7 * np.sin(np.radians(40.0)) + 0.3)
    assert lighting.daylight_horizontal_lux(lit) == pytest.approx(horizontal)
    assert (horizontal < 20.0) == lamps_on
    day = lighting.daylight(lit, env, 940, 50)
    road = 15.0 if lamps_on else 0.0
    assert day.outdoors.road_lights == ("led" if lamps_on else "none")
    assert day.outdoors.road_lux == road
    assert day.sky_lux == pytest.approx((outside_lux * 0.3 + road) * lighting.CABIN_SKY_VIEW
                                        * lighting.GLASS_VISIBLE_TRANSMITTANCE)
    assert day.sun_lux == pytest.approx(outside_lux * 0.7 * lighting.GLASS_VISIBLE_TRANSMITTANCE)


@pytest.fixture(scope="module")
def day_frames(maker):
    """One day frame per cabin, looking through the side and rear glass (A-pillar mount)."""
    preset = presets.load("default")
    frames = {}
    for k, cabin in enumerate(("hatchback", "suv", "van")):
        params = sample_frame(preset, 21, k)
        params = dataclasses.replace(
            params, cabin=cabin, camera_mount="a_pillar",
            lighting=dataclasses.replace(params.lighting, sun_elevation_deg=35.0, sun_illuminance_lux=3e4, sky_fraction=0.3),
            environment=dataclasses.replace(params.environment, setting=("urban", "suburban", "highway")[k], traffic=4))
        frames[cabin] = maker.make(k, params=params)
    return frames


@pytest.mark.parametrize("cabin", ["hatchback", "suv", "van"])
def test_day_frames_show_a_world_through_the_glass_as_varied_as_the_cabin(day_frames, cabin):
    # The must-show: luminance spread and edge density of the pixels seen through
    # the glass of the same order as the cabin's own (they were about 1 % of it).
    frame = day_frames[cabin]
    m = window_vs_cabin(frame.images["rgb"], frame.images["seg"])
    assert m["window_px"] > 2000
    assert 0.1 < m["spread_ratio"] < 10 and 0.1 < m["edge_ratio"] < 10, m


@pytest.mark.parametrize("cabin", ["hatchback", "van"])
def test_every_pixel_whose_ray_leaves_through_glass_is_exterior_or_sky(day_frames, cabin):
    frame = day_frames[cabin]
    view, cam = frame.view, frame.view.camera
    cls = {i.id: i.semantic for i in view.instances}
    tri_id = view.instance_ids[view.triangles[:, 0]]
    P = view.positions.astype(np.float64)
    window = P[view.triangles[np.isin(tri_id, [i for i, c in cls.items() if c == "window"])]]
    solid = P[view.triangles[np.isin(tri_id, [i for i, c in cls.items() if c not in ("window", "exterior", "lens",
                                                                                    "sky") and
                                              next(x for x in view.instances if x.id == i).material.opacity >= 1])]]
    rng = np.random.default_rng(3)
    checked = 0
    for u, v in zip(rng.integers(4, cam.width - 4, 600), rng.integers(4, cam.height - 4, 600)):
        x, y = undistort(cam.distortion_model, cam.distortion_coeffs, np.array([(u - cam.cx) / cam.fx]),
                         np.array([(v - cam.cy) / cam.fy]))   # the lens's ray through the pixel
        d = np.array([x[0], y[0], 1.0]) @ cam.R_cam_vehicle
        d /= np.linalg.norm(d)
        t_glass, t_solid = ray_hits(cam.position, d, window).min(), ray_hits(cam.position, d, solid).min()
        if t_glass < np.inf and t_solid == np.inf:   # out through the glass, past every part of the cabin
            seg = frame.images["seg"][v - 1:v + 2, u - 1:u + 2]   # a pixel of slack at mesh edges
            assert np.any(np.isin(seg, [CLASS_ID["exterior"], CLASS_ID["sky"]])), (u, v)
            checked += 1
    assert checked > 20
