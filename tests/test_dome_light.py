"""The cabin dome/map lamp: photometry against closed forms, Planck by hand, and the pipeline."""

import copy
import dataclasses

import numpy as np
import pytest
from pxr import Usd, UsdGeom, UsdLux
from scenes import GREY, camera_at_origin, make_view, quad, sphere

from cabin_synth import presets
from cabin_synth.pipeline import FrameMaker
from cabin_synth.presets.sampler import sample_frame
from cabin_synth.render import specular
from cabin_synth.render.reference import render_reference
from cabin_synth.render.view import Lamp
from cabin_synth.labels.raycast import hit_t
from cabin_synth.scene.cabin import cabin_asset_path, mesh_triangles
from cabin_synth.scene.lamps import lamp_output
from cabin_synth.scene.materials import Material, skin

# CIE 1924 photopic luminous efficiency V(lambda), 380-780 nm in 10 nm steps (CIE 15 tables).
V_TABLE = np.array([
    0.000039, 0.00012, 0.000396, 0.00121, 0.004, 0.0116, 0.023, 0.038, 0.06, 0.09098, 0.13902, 0.20802,
    0.323, 0.503, 0.71, 0.862, 0.954, 0.99495, 0.995, 0.952, 0.87, 0.757, 0.631, 0.503, 0.381, 0.265,
    0.175, 0.107, 0.061, 0.032, 0.017, 0.00821, 0.004102, 0.002091, 0.001047, 0.00052, 0.000249,
    0.00012, 0.00006, 0.00003, 0.000015])
V_NM = np.arange(380.0, 781.0, 10.0)


def planck_by_hand(lam_nm, T):
    h, c, k = 6.62607015e-34, 2.99792458e8, 1.380649e-23
    lam = np.asarray(lam_nm, float) * 1e-9
    return 2 * h * c**2 / lam**5 / (np.exp(h * c / (lam * k * T)) - 1)


def nir_intensity_by_hand(flux_lm, T, wavelength_nm, bandwidth_nm):
    """On-axis band intensity of a Lambertian blackbody lamp: I0 = flux / pi, the band's
    share of it from Planck's law over 683 lm/W times the integral of V B."""
    lumens_per_radiance = 683.0 * np.sum(V_TABLE * planck_by_hand(V_NM, T)) * 10.0
    return flux_lm / np.pi * planck_by_hand(wavelength_nm, T) * bandwidth_nm / lumens_per_radiance


@pytest.mark.parametrize("cabin", ["hatchback", "suv", "van"])
def test_every_cabin_has_a_dark_disk_light_facing_down_under_the_headliner(cabin):
    stage = Usd.Stage.Open(str(cabin_asset_path(cabin)))
    prim = stage.GetPrimAtPath("/Cabin/DomeLamp/Light")
    assert prim.IsA(UsdLux.DiskLight)
    assert UsdLux.DiskLight(prim).GetIntensityAttr().Get() == 0.0 and prim.GetAttribute("cabin_synth:on").Get() is False
    cache = UsdGeom.XformCache()
    M = np.asarray(cache.GetLocalToWorldTransform(prim))
    assert np.allclose(-M[2, :3], [0.0, 0.0, -1.0])          # a DiskLight emits along its -Z: down
    lens = UsdGeom.Mesh(stage.GetPrimAtPath("/Cabin/DomeLamp/Lens"))
    z = np.asarray(lens.GetPointsAttr().Get())[:, 2] + np.asarray(cache.GetLocalToWorldTransform(lens.GetPrim()))[3, 2]
    assert z.min() == pytest.approx(M[3, 2] - 0.001, abs=1e-6)   # the light sits 1 mm inside the lens face
    # the lens stands below the headliner's lower surface there: straight up from the light,
    # the first headliner face is met less high than the lens's top
    tris, _ = mesh_triangles(UsdGeom.Mesh(stage.GetPrimAtPath("/Cabin/Shell/Headliner")), np.eye(4))
    up = hit_t(M[3, :3], np.array([0.0, 0.0, 1.0]), tris)
    assert z.min() < M[3, 2] + up[np.isfinite(up)].min() < z.max()


def _surface_points(cam, depth):
    vv, uu = np.mgrid[0:cam.height, 0:cam.width]
    rays = np.stack([(uu - cam.cx) / cam.fx, (vv - cam.cy) / cam.fy, np.ones_like(uu, float)], -1) * depth[..., None]
    return (rays - cam.t_cam_vehicle) @ cam.R_cam_vehicle


@pytest.mark.parametrize("tilt_deg", [0.0, 40.0])
@pytest.mark.parametrize("height", [0.25, 0.5])
def test_inverse_square_and_cosine_law_on_a_plate_in_both_renderers(gl_renderer, height, tilt_deg):
    # E = I cos(theta) cos(incidence) / d^2 on a horizontal or tilted plate below a lamp facing
    # down; the radiance of a grey plate is rho / pi E, in RGB per channel and in the NIR band.
    cam = camera_at_origin(target=(1.0, 0.0, -0.4))
    centre = np.array([1.0, 0.0, -0.4])
    t = np.radians(tilt_deg)
    normal = np.array([-np.sin(t), 0.0, np.cos(t)])     # tilted towards the camera
    lamp = Lamp(position=centre + [0.05, 0.03, height], axis=np.array([0.0, 0.0, -1.0]),
                rgb_cd=np.array([12.0, 10.0, 7.0]), nir_w_sr=0.02, exponent=1.0)
    view = dataclasses.replace(make_view([(*quad(centre, normal, 0.5), GREY, "cabin")], cam, illuminator_w_sr=0.0),
                               lamps=(lamp,))
    for buf in (gl_renderer.render(view), render_reference(view)):
        plate = buf.instance == 1
        assert plate.sum() > 1500
        p = _surface_points(cam, buf.depth)[plate]
        to_lamp = lamp.position - p
        d = np.linalg.norm(to_lamp, axis=1)
        cos_theta = to_lamp[:, 2] / d
        cos_inc = to_lamp @ normal / d
        geometry = cos_theta * cos_inc / d**2
        lit = cos_inc > 0.05
        assert lit.mean() > 0.9
        for channel in range(3):
            expected = 0.5 / np.pi * lamp.rgb_cd[channel] * geometry[lit]
            assert np.allclose(buf.rgb[plate][lit, channel], expected, rtol=0.02)
        assert np.allclose(buf.nir[plate][lit], 0.5 / np.pi * lamp.nir_w_sr * geometry[lit], rtol=0.02)
    # Straight below the lamp, twice the height gives a quarter of the light (both cosines are 1).
    if tilt_deg == 0.0:
        below = lamp.position[:2]
        uv = cam.project(cam.to_camera(np.array([[*below, centre[2]]])))[0]
        u, v = np.rint(uv).astype(int)
        d_pixel = np.linalg.norm(lamp.position - _surface_points(cam, buf.depth)[v, u])
        assert buf.rgb[v, u, 1] == pytest.approx(0.5 / np.pi * 10.0 / d_pixel**2, rel=0.01)


def test_led_has_no_nir_and_the_incandescent_lamp_the_planck_share(gl_renderer):
    led = lamp_output("led", 60.0, 4000.0, 940, 50.0)
    bulb = lamp_output("incandescent", 45.0, 2800.0, 940, 50.0)
    assert led.nir_w_sr == 0.0 and led.nir_w_nm_per_lm == {850: 0.0, 940: 0.0}
    assert bulb.nir_w_sr == pytest.approx(nir_intensity_by_hand(45.0, 2800.0, 940.0, 50.0), rel=0.02)
    assert bulb.intensity_cd == pytest.approx(45.0 / np.pi)
    # A 2800 K filament puts far more power per nm at 940 nm than at 555 nm, where its 45 lm are seen.
    visible_per_nm = 1.0 / (683.0 * np.sum(V_TABLE * planck_by_hand(V_NM, 2800.0)) * 10.0) * planck_by_hand(555.0, 2800.0)
    assert bulb.nir_w_nm_per_lm[940] > 2.0 * visible_per_nm
    # Rendered: the plate under the LED is black in the NIR band, under the bulb it is not.
    cam = camera_at_origin(target=(1.0, 0.0, -0.4))
    centre = np.array([1.0, 0.0, -0.4])
    for out, expect_nir in ((led, False), (bulb, True)):
        lamp = Lamp(centre + [0.0, 0.0, 0.4], np.array([0.0, 0.0, -1.0]), out.intensity_cd * out.rgb, out.nir_w_sr, 1.0)
        view = dataclasses.replace(make_view([(*quad(centre, [0, 0, 1], 0.3), GREY, "cabin")], cam, illuminator_w_sr=0.0),
                                   lamps=(lamp,))
        buf = gl_renderer.render(view)
        plate = buf.instance == 1
        assert buf.rgb[plate].min() > 0.0
        if expect_nir:
            p = _surface_points(cam, buf.depth)[plate]
            d = np.linalg.norm(lamp.position - p, axis=1)
            expected = 0.5 / np.pi * nir_intensity_by_hand(45.0, 2800.0, 940.0, 50.0) * (0.4 / d) ** 2 / d**2
            assert np.allclose(buf.nir[plate], expected, rtol=0.03)
        else:
            assert np.all(buf.nir[plate] == 0.0)


@pytest.fixture(scope="module")
def night():
    """night_nir at 320 x 240 (fewer pixels, same optics per pixel angle doubled)."""
    preset = presets.load("night_nir")
    data = copy.deepcopy(dict(preset.data))
    data["sensor"] = dict(data["sensor"], width=320, height=240, pixel_pitch_um=12.0)
    return FrameMaker(dataclasses.replace(preset, data=data), seed=5)


def _with_dome(params, kind, flux=60.0, cct=4000.0):
    lighting = dataclasses.replace(params.lighting, dome_light=kind, dome_light_flux_lm=flux, dome_light_cct_k=cct)
    return dataclasses.replace(params, lighting=lighting, head_euler_deg=(0.0, 0.0, 0.0),
                               accessories=dataclasses.replace(params.accessories, eyewear="none"))


def test_off_means_the_pixels_of_the_scene_without_the_lamp(night):
    params = sample_frame(night.preset, night.seed, 0)
    on, off = night.make(0, params=_with_dome(params, "incandescent", 45.0, 2800.0)), night.make(0, params=_with_dome(params, "none"))
    # the screens are lit in both frames (docs/cabins.md, Screens); the dome lamp is one more
    assert len(on.view.lamps) == len(off.view.lamps) + 1
    assert on.labels["lighting"]["dome_light"]["on"] and not off.labels["lighting"]["dome_light"]["on"]
    # The lens glows with the luminance of a Lambertian disc of radius 35 mm: I / (pi r^2).
    lens = next(i for i in on.view.instances if i.prim.endswith("DomeLamp/Lens"))
    luminance = np.dot([0.2126, 0.7152, 0.0722], lens.material.emission_rgb)
    assert luminance == pytest.approx(45.0 / np.pi / (np.pi * 0.035**2), rel=1e-5)
    # Remove the lamp and the lens's glow from the lit view: the render is that of the dark scene.
    dark = tuple(dataclasses.replace(i, material=dataclasses.replace(i.material, emission_rgb=(0.0, 0.0, 0.0),
                                                                       emission_nir=0.0)) if i is lens else i
                 for i in on.view.instances)
    assert dark == off.view.instances
    stripped = night.renderer.render(dataclasses.replace(on.view, lamps=off.view.lamps, instances=dark))
    assert np.array_equal(stripped.rgb, off.buffers.rgb) and np.array_equal(stripped.nir, off.buffers.nir)
    assert not np.array_equal(on.buffers.rgb, off.buffers.rgb)


def test_night_face_is_brighter_by_the_lamps_illuminance(night):
    # The extra RGB radiance on the face, pixel by pixel, is the skin's BRDF (rho/pi and
    # its white glossy lobe) times the lamp's illuminance computed by hand from the labels
    # (I cos(theta) cos(incidence) / d^2), with surface normals estimated from the depth image.
    params = sample_frame(night.preset, night.seed, 1)
    on, off = night.make(1, params=_with_dome(params, "led")), night.make(1, params=_with_dome(params, "none"))
    dome = on.labels["lighting"]["dome_light"]
    cam = on.view.camera
    P = _surface_points(cam, on.buffers.depth)
    n = np.cross(P[1:-1, 2:] - P[1:-1, :-2], P[2:, 1:-1] - P[:-2, 1:-1])
    n /= np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-12)
    n *= np.sign(np.einsum("hwj,hwj->hw", n, cam.position - P[1:-1, 1:-1]))[..., None]
    skin_id = {i.id for i in on.view.instances if i.semantic == "skin"}
    ids = on.buffers.instance
    inner = np.isin(ids[1:-1, 1:-1], list(skin_id))
    for dv in (-1, 0, 1):
        for du in (-1, 0, 1):
            inner &= np.isin(ids[1 + dv:ids.shape[0] - 1 + dv, 1 + du:ids.shape[1] - 1 + du], list(skin_id))
    depth = on.buffers.depth
    span = np.max([np.abs(depth[1 + dv:depth.shape[0] - 1 + dv, 1 + du:depth.shape[1] - 1 + du] - depth[1:-1, 1:-1])
                   for dv in (-1, 0, 1) for du in (-1, 0, 1)], axis=0)
    p = P[1:-1, 1:-1]
    to_lamp = np.asarray(dome["position_vehicle_m"]) - p
    d = np.linalg.norm(to_lamp, axis=-1)
    cos_theta = to_lamp[..., 2] / d          # the lamp faces straight down
    cos_inc = np.einsum("hwj,hwj->hw", n, to_lamp) / d
    E = dome["luminous_intensity_cd"] * cos_theta * np.clip(cos_inc, 0, None) / d**2
    use = inner & (span < 0.003) & (cos_inc > 0.3)
    assert use.sum() > 150
    material = skin(params.identity.skin_type)
    to_cam = cam.position - p[use]
    gloss = specular.brdf(n[use], to_lamp[use] / d[use][:, None], to_cam / np.linalg.norm(to_cam, axis=-1, keepdims=True),
                          material.ior, material.roughness)
    extra = (on.buffers.rgb - off.buffers.rgb)[1:-1, 1:-1][use]
    tint = np.median(extra / ((np.asarray(material.albedo_rgb) / np.pi + gloss[:, None]) * E[use][:, None]), axis=0)
    # The lamp's light has unit luminance per candela, and a 4000 K white is warm: R > G > B.
    assert np.dot([0.2126, 0.7152, 0.0722], tint) == pytest.approx(1.0, rel=0.05)
    assert tint[0] > tint[1] > tint[2]
    # Night ambient is a few lux at most; a 60 lm map light adds several times that on the face.
    skin_pixels = np.isin(ids, list(skin_id))
    assert on.buffers.rgb[skin_pixels].mean() > 2.0 * off.buffers.rgb[skin_pixels].mean()


def test_lamp_glint_on_a_cornea_sits_at_the_mirror_point_with_the_mirror_sphere_energy(gl_renderer):
    # A 7.8 mm mirror sphere (cornea, n = 1.376) under a lamp: the glint peaks where
    # the sphere's normal bisects the directions to lamp and camera (found here by
    # search over the sphere), and the image holds the energy F E R^2 / 4 / D^2.
    cam = camera_at_origin(width=160, height=120, f_px=3000.0, target=(0.5, 0.0, 0.0))
    centre, radius = np.array([0.5, 0.0, 0.0]), 0.0078
    cornea = Material((0.0, 0.0, 0.0), 0.0, 0.0, opacity=0.0, ior=1.376)
    lamp = Lamp(np.array([0.3, 0.15, 0.35]), np.array([0.0, 0.0, -1.0]), np.array([12.0, 9.0, 5.0]), 0.03, 1.0)
    wall = quad(np.array([1.5, 0.0, 0.0]), [-1, 0, 0], 2.0)
    view = dataclasses.replace(make_view([(*sphere(centre, radius, 48), cornea, "cornea"), (*wall, GREY, "cabin")],
                                         cam, illuminator_w_sr=0.0), lamps=(lamp,))
    matte = tuple(dataclasses.replace(i, material=dataclasses.replace(i.material, ior=0.0)) for i in view.instances)
    lit, plain = gl_renderer.render(view), gl_renderer.render(dataclasses.replace(view, instances=matte))
    buf = dataclasses.replace(lit, rgb=lit.rgb - plain.rgb, nir=lit.nir - plain.nir)   # the glint alone
    th, ph = np.meshgrid(np.linspace(0, np.pi, 361), np.linspace(-np.pi, np.pi, 721), indexing="ij")
    normals = np.stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)], -1).reshape(-1, 3)
    points = centre + radius * normals
    unit = lambda v: v / np.linalg.norm(v, axis=-1, keepdims=True)
    half = unit(unit(lamp.position - points) + unit(cam.position - points))
    best = np.argmax(np.einsum("ij,ij->i", half, normals))
    p = points[best]
    uv = cam.project(cam.to_camera(p[None]))[0]
    peak = np.unravel_index(np.argmax(buf.rgb[..., 1]), buf.rgb.shape[:2])
    assert np.linalg.norm(np.array(peak[::-1]) - uv) <= 1.0
    l, v = unit(lamp.position - p), unit(cam.position - p)
    f0 = (0.376 / 2.376) ** 2
    fresnel = f0 + (1 - f0) * (1 - (unit(l + v) @ v)) ** 5
    for measured, intensity in ((buf.rgb[..., 1], lamp.rgb_cd[1]), (buf.nir, lamp.nir_w_sr)):
        e = intensity * (-l @ lamp.axis) / np.sum((lamp.position - p) ** 2)
        expected = fresnel * e * radius**2 / 4 / np.sum((cam.position - p) ** 2)
        assert measured.sum() / cam.fx**2 == pytest.approx(expected, rel=0.05)
