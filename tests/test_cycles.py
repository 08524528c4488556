"""Blender Cycles (render/cycles.py) against the rasteriser, geometry by hand and
the light model's physics. Small images and few samples keep it inside CI's time."""

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scenes import GREY, camera_at_origin, quad, slab
from stages import make_stage

from cabin_synth import cli
from cabin_synth.render import distort
from cabin_synth.scene.materials import Material



@pytest.fixture(scope="module")
def cycles():
    from cabin_synth.render.cycles import CyclesRenderer, CyclesSettings

    return CyclesRenderer(CyclesSettings(samples=4, denoise=True, threads=2))


def test_importing_cabin_synth_never_imports_bpy():
    code = ("import sys, cabin_synth.pipeline, cabin_synth.cli, cabin_synth.render.cycles; "
            "sys.exit('bpy' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_cycles_without_the_extra_fails_at_once_and_writes_nothing(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "bpy", None)   # import bpy raises ImportError
    out = tmp_path / "ds"
    code = cli.main(["generate", "--renderer", "cycles", "--frames", "1", "--out", str(out), "--quiet"])
    assert code == 2
    assert "cabin-synth[cycles]" in capsys.readouterr().err
    assert not out.exists()


def not_near_an_edge(ids: np.ndarray) -> np.ndarray:
    """Pixels whose 3 x 3 neighbourhood holds one id only."""
    p = np.pad(ids, 1, mode="edge")
    same = np.ones(ids.shape, bool)
    for dv in (0, 1, 2):
        for du in (0, 1, 2):
            same &= p[dv:dv + ids.shape[0], du:du + ids.shape[1]] == ids
    return same


def test_geometry_agrees_with_the_rasteriser(cycles, gl_renderer):
    from bodies import small_maker

    maker = small_maker(gl_renderer, seed=2)
    frame = maker.make(1)
    stage = maker.scene(frame.params)[0].stage
    ours = distort.render(cycles, frame.view, stage, 1)
    theirs = frame.buffers
    inner = not_near_an_edge(theirs.instance)
    assert inner.mean() > 0.5
    assert (ours.instance[inner] == theirs.instance[inner]).mean() >= 0.99
    surface = inner & (theirs.instance > 0) & (ours.instance == theirs.instance)
    assert np.abs(ours.depth[surface] - theirs.depth[surface]).max() < 1e-3


def test_marker_lands_where_the_distorted_projection_puts_it(cycles):
    # A 2 cm white square 1 m ahead, off-centre, through a strongly barrel-distorted lens.
    k1, k2, p1, p2, k3 = -0.3, 0.08, 0.001, -0.002, 0.0
    cam = dataclasses.replace(camera_at_origin(160, 120, f_px=120.0), distortion_model="radtan",
                              distortion_coeffs=(k1, k2, p1, p2, k3))
    centre = np.array([1.0, 0.30, -0.22])   # vehicle frame: camera at the origin looking along +X
    marker = Material((1.0, 1.0, 1.0), 1.0, 1.0)
    stage, view = make_stage([(*quad(centre, (-1.0, 0.0, 0.0), 0.02), marker, "cabin")], cam)
    buffers = distort.render(cycles, view, stage, 0)
    v, u = np.nonzero(buffers.instance == 1)
    assert len(u) >= 4
    # By hand: OpenCV's radial-tangential model on the pinhole point.
    p = cam.to_camera(centre[None])[0]
    x, y = p[0] / p[2], p[1] / p[2]
    r2 = x * x + y * y
    radial = 1 + k1 * r2 + k2 * r2 ** 2 + k3 * r2 ** 3
    xd = x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x)
    yd = y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y
    expected = np.array([cam.fx * xd + cam.cx, cam.fy * yd + cam.cy])
    assert np.linalg.norm([u.mean() - expected[0], v.mean() - expected[1]]) < 0.5


def plate_radiance(cycles, distance: float, lens: Material | None = None) -> float:
    """NIR radiance at the centre of a grey Lambertian plate facing an illuminator at the
    camera, `distance` ahead, optionally seen and lit through a lens 10 cm in front of it,
    tilted 25 deg so that its mirror image of the illuminator (glare) falls outside the view."""
    cam = camera_at_origin(48, 36, f_px=40.0)
    parts = [(*quad(np.array([distance, 0.0, 0.0]), (-1.0, 0.0, 0.0), 1.0), GREY, "cabin")]
    if lens is not None:
        tilt = np.radians(25.0)
        parts.append((*slab(np.array([distance - 0.1, 0.0, 0.0]), (-np.cos(tilt), np.sin(tilt), 0.0), 0.3, 0.004),
                      lens, "lens"))
    stage, view = make_stage(parts, cam, illuminators=[(np.zeros(3), (1.0, 0.0, 0.0), 2.0, 30.0)])
    nir = cycles.render(view, stage, 0).nir
    return float(nir[14:22, 20:28].mean())


def test_illuminator_inverse_square_and_absolute_radiance(cycles):
    near, far = plate_radiance(cycles, 0.5), plate_radiance(cycles, 1.0)
    assert near / far == pytest.approx(4.0, rel=0.05)
    # rho / pi * I / d^2 on the beam's axis
    assert near == pytest.approx(GREY.nir_940 / np.pi * 2.0 / 0.5 ** 2, rel=0.05)


def test_lens_filters_the_illuminator_both_ways(cycles):
    lens = lambda t: Material((0.1, 0.1, 0.1), 0.0, 0.0, opacity=0.2, transmittance_visible=t,
                              transmittance_850=t, transmittance_940=t, ior=1.5)
    high, low = plate_radiance(cycles, 0.6, lens(0.8)), plate_radiance(cycles, 0.6, lens(0.1))
    assert high / low == pytest.approx((0.8 / 0.1) ** 2, rel=0.10)


@pytest.mark.parametrize("offset, brighter", [((0.0, 0.008, 0.0), True), ((0.06, 0.0, 0.0), False)])
def test_bright_pupil_on_axis_dark_pupil_off_axis(cycles, default_preset, offset, brighter):
    from test_eye_optics import part_mask, posed, render

    frame = render(posed(default_preset, illuminators=[offset], size=(240, 180), focal_mm=4.5), cycles)
    nir = frame.buffers.nir
    for eye in ("EyeR", "EyeL"):
        pupil, iris = np.median(nir[part_mask(frame, f"{eye}/Pupil")]), np.median(nir[part_mask(frame, f"{eye}/Iris")])
        assert (pupil > 1.5 * iris) if brighter else (pupil < 0.5 * iris), (eye, pupil, iris)


def test_glints_come_from_the_cornea_where_the_labels_put_them(cycles, gl_renderer, default_preset):
    # As the rasteriser's test (test_eye_optics): two off-axis illuminators, a 16 mm lens
    # on a 640 x 480 sensor, of which Cycles renders the window around the glints (the
    # principal point shifted); the glints are what a refractive cornea adds over a
    # plain see-through one.
    from test_eye_optics import posed

    from cabin_synth.pipeline import FrameMaker

    maker = FrameMaker(posed(default_preset, illuminators=[(0.08, 0.0, 0.0), (-0.08, 0.0, 0.0)],
                             size=(640, 480), focal_mm=16.0), seed=5, renderer=gl_renderer)
    frame = maker.make(0)
    stage = maker.scene(frame.params)[0].stage
    seen = [g for g in frame.labels["glints"] if g["visible"]]
    uv = np.array([g["uv"] for g in seen])
    corner = np.floor(uv.min(axis=0)).astype(int) - 12
    width, height = np.ceil(uv.max(axis=0)).astype(int) + 12 - corner
    cam = frame.view.camera
    window = dataclasses.replace(frame.view, camera=dataclasses.replace(
        cam, width=int(width), height=int(height), cx=cam.cx - corner[0], cy=cam.cy - corner[1]))
    flat = tuple(dataclasses.replace(i, material=dataclasses.replace(i.material, ior=0.0))
                 if i.material.ior > 1.3 and i.material.opacity < 1 and i.semantic != "window" else i
                 for i in window.instances)
    glints = cycles.render(window, stage, 0).nir - cycles.render(dataclasses.replace(window, instances=flat), stage, 0).nir
    checked = 0
    for g in seen:
        u, v = np.rint(np.asarray(g["uv"]) - corner).astype(int)
        window = glints[v - 4:v + 5, u - 4:u + 5]
        dv, du = np.unravel_index(np.argmax(window), window.shape)
        assert np.linalg.norm(np.array([u - 4 + du, v - 4 + dv]) + corner - np.array(g["uv"])) <= 1.0, (g, du, dv)
        checked += 1
    assert checked == 4


def test_skin_spread_across_fitzpatrick_types_smallest_at_940nm(cycles):
    # Six skin slabs (Fitzpatrick I..VI) side by side under the sun, the sky and an
    # illuminator at the camera: the spread (coefficient of variation) of their radiance
    # falls from RGB luminance to 850 nm to 940 nm, as melanin's absorption does.
    from cabin_synth.scene.materials import skin

    cam = camera_at_origin(96, 32, f_px=60.0)
    ys = np.linspace(-0.5, 0.5, 6)
    parts = [(*slab(np.array([1.0, y, 0.0]), (-1.0, 0.0, 0.0), 0.15, 0.02), skin(t), "skin")
             for t, y in zip(range(1, 7), ys)]
    light = dict(illuminators=[(np.zeros(3), (1.0, 0.0, 0.0), 2.0, 60.0)], sun_lux=20000.0, sun_nir=10.0,
                 sky_lux=5000.0, sky_nir=2.0, sun_direction=(-1.0, 0.2, 0.5))
    means = {}
    for wavelength in (940, 850):
        stage, view = make_stage(parts, cam, wavelength=wavelength, **light)
        buffers = cycles.render(view, stage, 0)
        inner = not_near_an_edge(buffers.instance)
        masks = [inner & (buffers.instance == k) for k in range(1, 7)]
        means[wavelength] = np.array([buffers.nir[m].mean() for m in masks])
        means["rgb"] = np.array([(buffers.rgb[m] @ [0.2126, 0.7152, 0.0722]).mean() for m in masks])
    cv = {k: v.std() / v.mean() for k, v in means.items()}
    assert cv[940] < cv[850] < cv["rgb"], cv


def test_same_view_and_seed_give_identical_pixels(cycles):
    cam = camera_at_origin(48, 36, f_px=40.0)
    parts = [(*slab(np.array([0.8, 0.0, 0.0]), (-1.0, 0.2, 0.1), 0.4, 0.02), GREY, "cabin")]
    stage, view = make_stage(parts, cam, illuminators=[(np.zeros(3), (1.0, 0.0, 0.0), 2.0, 30.0)],
                             sun_lux=1000.0, sun_nir=1.0, sky_lux=200.0, sky_nir=0.2)
    a, b = cycles.render(view, stage, 7), cycles.render(view, stage, 7)
    for name in ("rgb", "nir", "depth", "instance"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes(), name
    assert not np.array_equal(cycles.render(view, stage, 8).nir, a.nir)   # the seed does change the noise


def test_textures_in_both_bands(cycles, gl_renderer, tmp_path):
    # A plate textured in RGB (diffuseColor, through Blender's import) and at 940 nm (our
    # NIR input, mapped by render/usd_to_cycles.py) under the sky, against the rasteriser
    # (whose texturing test_textures checks by hand): over each texel the two radiances
    # differ by one factor per band (the sky models differ: docs/renderers.md).
    from pxr import UsdGeom
    from test_textures import GREY as TEX_GREY
    from test_textures import facing_plate, read, stage_of, texel_pixels

    from cabin_synth.scene.stage import write_material
    from cabin_synth.scene.textures import TextureFolder, TextureImage, nir_input

    n = 4
    rgb = np.random.default_rng(1).integers(60, 250, (n, n, 3)).astype(np.uint8)
    nir = np.random.default_rng(2).integers(15000, 60000, (n, n)).astype(np.uint16)
    maps = TextureFolder(tmp_path).maps({"diffuseColor": TextureImage("albedo", rgb, "raw"),
                                         nir_input(940): TextureImage("nir", nir, "raw")}, wrap=("clamp", "clamp"))
    points, tris, st = facing_plate()
    stage = stage_of([("Plate", points, tris, st, UsdGeom.Tokens.vertex, "/World/Looks/Plate")], sky_lux=1000.0,
                     sky_nir=3.0, illuminator_w_sr=1e-9)
    write_material(stage, "/World/Looks/Plate", TEX_GREY, maps)
    view = read(stage)
    ours, theirs = cycles.render(view, stage, 0), gl_renderer.render(view)
    iu, _ = texel_pixels(n)
    # each texel's inner 4 x 4 pixels (texels are 8 px wide)
    block = lambda image: np.array([[image[v - 2:v + 2, u - 2:u + 2].mean(axis=(0, 1)) for u in iu] for v in iu])
    for band in ("rgb", "nir"):
        ratio = block(getattr(ours, band)) / block(getattr(theirs, band))
        assert ratio.std() / ratio.mean() < 0.04, (band, ratio)
    # and the texture does vary over the plate: a constant would fail above only by chance
    assert block(ours.nir).std() / block(ours.nir).mean() > 0.2


def test_cutout_gaps_show_the_backdrop_in_every_pass(cycles, tmp_path):
    # The card of test_textures over its backdrop: at each texel's centre Cycles' ids and depth
    # show the card where its opacity is 1 and the backdrop where it is 0 (as the rasteriser's
    # do, checked by hand there), and the radiance there is the backdrop's.
    from test_textures import card_and_backdrop, read, texel_pixels

    stage, opacity = card_and_backdrop(tmp_path, sky_lux=1000.0, sky_nir=3.0, illuminator_w_sr=1e-9)
    view = read(stage)
    ids = {inst.prim: inst.id for inst in view.instances}
    ours = cycles.render(view, stage, 0)
    iu, _ = texel_pixels(8)
    solid = opacity > 0.5
    at = np.ix_(iu, iu)
    assert np.array_equal(ours.instance[at] == ids["/World/Card"], solid)
    assert np.allclose(ours.depth[at], np.where(solid, 1.0, 1.5), rtol=1e-3)
    # the card (albedo 0.5) is brighter than the backdrop (0.2) seen through its gaps
    assert ours.rgb[at][solid][:, 1].min() > ours.rgb[at][~solid][:, 1].max()

# ------------------------------------------------------------------ normal and roughness maps
def relief_plate(tmp_path, material: Material, images: dict, sun: np.ndarray):
    """test_textures' facing plate (4 x 4 cells of 8 px, cell centres on pixel centres) with
    `images` (input -> TextureImage, 8 x 8 texels: each cell 2 x 2 equal texels, so that
    the bilinear lookup is the cell's value within 2 px of its centre) under the sun
    alone; the stage and its view."""
    from test_textures import facing_plate, read, stage_of

    from cabin_synth.scene.stage import write_material
    from cabin_synth.scene.textures import TextureFolder

    points, tris, st = facing_plate()
    stage = stage_of([("Plate", points, tris, st, "vertex", "/World/Looks/Plate")], sun_direction=sun,
                     sun_lux=1000.0, sun_nir=2.0, illuminator_w_sr=1e-9)
    write_material(stage, "/World/Looks/Plate", material,
                   TextureFolder(tmp_path).maps(images, wrap=("clamp", "clamp")) if images else None)
    return stage, read(stage)


def cell_means(buffers) -> dict[str, np.ndarray]:
    """Each cell's mean over its middle 3 x 3 pixels (Cycles' pixel filter reaches 0.75 px
    beyond a pixel, still inside the cell's flat middle): RGB's green and NIR."""
    from test_textures import texel_pixels

    iu, _ = texel_pixels(4)
    block = lambda image: np.array([[image[v - 1:v + 2, u - 1:u + 2].mean() for u in iu] for v in iu])
    return {"rgb": block(buffers.rgb[..., 1]), "nir": block(buffers.nir)}


def test_a_normal_map_tilts_the_shading_in_both_bands(cycles, tmp_path):
    # A grey Lambertian plate whose tangent-space normal map turns each cell's normal by 40
    # deg towards a direction b of its own, from +s (the image's +u, vehicle -y) to +t
    # (up), under the sun alone: each cell reads rho / pi E max(n . l, 0) for its turned
    # normal, computed here from the 8-bit texel as stored (as the rasteriser's test does),
    # within 5 % of the plate lit head-on; without the map every cell reads the flat
    # plate's value.
    from test_textures import GREY as TEX_GREY

    from cabin_synth.scene.textures import TextureImage

    a = np.radians(40.0)
    b = np.random.default_rng(4).uniform(0.0, 2.0 * np.pi, (4, 4))
    cells = np.rint((np.stack([np.sin(a) * np.cos(b), np.sin(a) * np.sin(b), np.full_like(b, np.cos(a))], axis=-1)
                     + 1.0) / 2.0 * 255).astype(np.uint8)
    texels = np.kron(cells, np.ones((2, 2, 1), np.uint8))
    sun = np.array([-0.6, -0.5, 0.62])
    l = sun / np.linalg.norm(sun)
    s_dir, t_dir, n_dir = np.array([0.0, -1.0, 0.0]), np.array([0.0, 0.0, 1.0]), np.array([-1.0, 0.0, 0.0])
    tn = cells / 255.0 * 2.0 - 1.0
    n = tn[..., :1] * s_dir + tn[..., 1:2] * t_dir + tn[..., 2:] * n_dir
    n /= np.linalg.norm(n, axis=-1, keepdims=True)
    cosine = {"mapped": np.maximum(n @ l, 0.0), "flat": np.full((4, 4), n_dir @ l)}
    assert cosine["mapped"].std() > 0.2   # the pattern is strong: a map left out cannot pass
    for case, images in (("mapped", {"normal": TextureImage("normal", texels, "raw")}), ("flat", {})):
        stage, view = relief_plate(tmp_path, TEX_GREY, images, sun)
        got = cell_means(cycles.render(view, stage, 0))
        for band, e, rho in (("rgb", 1000.0, TEX_GREY.albedo_rgb[1]), ("nir", 2.0, TEX_GREY.nir_940)):
            expected = rho / np.pi * e * cosine[case]
            assert np.abs(got[band] - expected).max() < 0.05 * rho / np.pi * e, (case, band, got[band], expected)


def test_a_roughness_map_sharpens_the_highlight_in_both_bands(cycles, tmp_path):
    # A dark glossy plate (index 1.4) under the sun straight behind the camera, its roughness
    # map smooth (r = 0.3) and rough (r = 0.9) in a checker of cells. A cell reads the
    # diffuse rho / pi E cos_i plus the specular E F D G / (4 cos_o) of GGX with alpha = r^2
    # (UsdPreviewSurface's and Blender's roughness), computed here at the cell centre's
    # view direction: the smooth cells' highlight is over twice the rough cells', each
    # within 5 % (Cycles' Principled BSDF adds the rough lobe's multiple scattering and
    # takes the diffuse under the specular layer, each a few per cent here); with the
    # material's one roughness (0.6) everywhere, the cells differ only as the view
    # direction turns.
    from test_textures import F_PX, SIZE, texel_pixels

    from cabin_synth.scene.textures import TextureImage

    checker = (np.indices((4, 4)).sum(axis=0) % 2).astype(bool)
    cells = np.where(checker, 230, 77).astype(np.uint8)
    texels = np.kron(cells, np.ones((2, 2), np.uint8))
    ior, rho = 1.4, 0.05
    material = Material((rho, rho, rho), rho, rho, ior=ior, roughness=0.6 ** 2)
    sun = np.array([-1.0, 0.0, 0.0])
    iu, _ = texel_pixels(4)
    # The cell centres' points on the plate (x = 1 m) and the unit vectors towards the camera.
    y = -(iu - (SIZE - 1) / 2) / F_PX
    points = np.stack([np.ones((4, 4)), np.broadcast_to(y, (4, 4)), np.broadcast_to(y[:, None], (4, 4))], axis=-1)
    v = -points / np.linalg.norm(points, axis=-1, keepdims=True)
    h = (v + sun) / np.linalg.norm(v + sun, axis=-1, keepdims=True)
    # The plate's normal is -x: cosines of the view, the half vector and the light to it.
    cos_o, cos_h, cos_d = -v[..., 0], -h[..., 0], (h * sun).sum(axis=-1)
    g = np.sqrt(np.maximum(ior ** 2 - 1.0 + cos_d ** 2, 0.0))
    fresnel = (0.5 * ((g - cos_d) / (g + cos_d)) ** 2
               * (1 + ((cos_d * (g + cos_d) - 1) / (cos_d * (g - cos_d) + 1)) ** 2))

    def specular(r):
        alpha2 = r ** 4
        d = alpha2 / (np.pi * (cos_h ** 2 * (alpha2 - 1.0) + 1.0) ** 2)
        g1 = lambda c: 2.0 / (1.0 + np.sqrt(1.0 + alpha2 * (1.0 - c ** 2) / c ** 2))
        return fresnel * d * g1(cos_o) * g1(1.0) / (4.0 * cos_o)

    radiance = {"mapped": rho / np.pi + specular(cells / 255.0), "plain": rho / np.pi + specular(np.full((4, 4), 0.6))}
    assert radiance["mapped"][~checker].min() > 2.0 * radiance["mapped"][checker].max()
    for case, images in (("mapped", {"roughness": TextureImage("roughness", texels)}), ("plain", {})):
        stage, view = relief_plate(tmp_path, material, images, sun)
        got = cell_means(cycles.render(view, stage, 0))
        for band, e in (("rgb", 1000.0), ("nir", 2.0)):
            assert np.allclose(got[band], e * radiance[case], rtol=0.05), (case, band, got[band], e * radiance[case])


# ------------------------------------------------------------------ the world outside the windows
def world_view(view, tmp_path, rgb, nir, rgb_scale, nir_scale, **outdoors):
    """`view` with a dome of lat-long files `rgb` (h, 2h, 3) and `nir` (h, 2h) written as
    OpenEXR and read as the stage's DomeLight is, Y up turned to the vehicle's Z up (a
    vehicle direction w is (w_y, w_z, w_x) in it), and the open-air light `outdoors`."""
    from cabin_synth.render import textures
    from cabin_synth.render.view import Dome, Outdoors
    from cabin_synth.scene.outside import write_exr

    images = []
    for name, pixels in (("rgb.exr", rgb), ("nir.exr", nir)):
        write_exr(tmp_path / name, pixels)
        images.append(textures.load(str(tmp_path / name), "raw", "test dome"))
    to_dome = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    light = dict(sun_lux=0.0, sky_lux=0.0, sun_nir_w_m2=0.0, sky_nir_w_m2=0.0, road_rgb_lux=np.zeros(3),
                 road_nir_w_m2=0.0)
    return dataclasses.replace(view, dome=Dome(*images, to_dome, id=len(view.instances) + 1, rgb_scale=rgb_scale,
                                               nir_scale=nir_scale), outdoors=Outdoors(**{**light, **outdoors}))


def test_the_camera_sees_the_dome_through_the_pane_in_each_band(cycles, tmp_path):
    # A 5 mm pane fills the middle of the view, nothing else is there: the pixels through
    # it are the dome's radiance in the pixel's direction times the pane's own
    # transmittance (not the daylight model's, 0.75 and 0.40), the RGB file in RGB, the NIR
    # file at 940 nm; beside it, the dome unfiltered. By hand as test_world does for the
    # rasteriser. Camera rays sample no light on the way, so a pixel differs from the
    # dome at its centre by the dome's change across the pixel filter (under 1 % here)
    # and the half-float files (0.1 %); now and then a ray grazing one of the pane's
    # triangle edges comes back black (a quarter of a 4-sample pixel), which the
    # denoiser spreads: so the median within 1 %, nine pixels in ten within 2 %.
    from test_world import _latlong, smooth

    pane = Material((0.0, 0.0, 0.0), 0.0, 0.0, opacity=0.1, transmittance_visible=0.4, transmittance_850=0.3,
                    transmittance_940=0.2, ior=1.5)
    cam = camera_at_origin(48, 36, f_px=45.0, target=(1.0, 0.3, 0.2))
    stage, view = make_stage([(*slab(np.array([1.0, 0.3, 0.2]), (-1.0, -0.3, -0.2), 0.5, 0.005), pane, "window")],
                             cam, illuminators=[(np.zeros(3), (1.0, 0.0, 0.0), 1e-9, 30.0)])
    rgb = np.stack([_latlong(smooth), _latlong(lambda a, b: 0.5 * smooth(a, b)), _latlong(lambda a, b: 50 + 0 * a)], -1)
    view = world_view(view, tmp_path, rgb / 4.0, _latlong(smooth) * 100.0, rgb_scale=4.0, nir_scale=1e-4)
    buffers = cycles.render(view, stage, 0)
    v, u = np.mgrid[0:cam.height, 0:cam.width]
    w = np.stack([(u - cam.cx) / cam.fx, (v - cam.cy) / cam.fy, np.ones_like(u, float)], -1) @ cam.R_cam_vehicle
    w /= np.linalg.norm(w, axis=-1, keepdims=True)
    expected = smooth(np.arcsin(w[..., 2]), np.arctan2(w[..., 1], w[..., 0]))
    pane_px = np.zeros(expected.shape, bool)
    pane_px[10:26, 17:31] = True     # well inside the pane (its sides near columns 13 and 35)
    beside = np.zeros_like(pane_px)
    beside[4:32, 3:9] = True
    assert np.all(buffers.instance == view.dome.id) and np.all(buffers.depth == 0.0)
    for got, scale, t in ((buffers.rgb[..., 0], 1.0, 0.4), (buffers.rgb[..., 1], 0.5, 0.4), (buffers.nir, 1e-2, 0.2)):
        for where, filtered in ((pane_px, t), (beside, 1.0)):
            error = np.abs(got[where] / (filtered * scale * expected[where]) - 1.0)
            assert np.median(error) < 0.01 and np.percentile(error, 90) < 0.02, (t, filtered, np.percentile(error, 90))


def test_the_sun_comes_in_through_the_daylight_glass_and_the_camera_looks_through_the_pane(cycles, tmp_path):
    # A grey plate 1 m ahead faces the camera and the sun behind it; a pane halfway stands
    # in both paths. The sun shines at its open-air value and reaches the plate through
    # the glass the stage's in-cabin daylight assumes (scene/lighting.py: 0.75 visible,
    # 0.40 at 940 nm); the camera sees the plate through the pane's own (0.4, 0.2):
    # L = T_pane rho / pi E T_daylight. Nothing else is lit (a black dome, no road
    # lights), but each sample picks one light, the sun or the (black) dome, so a
    # sample's estimate is 0 or 1/p (p about 0.6: the values the raw pixels take), a
    # relative spread of 0.8 per sample: over the plate's ~500 pixels of 4 samples the
    # mean is within 2 % (one sigma); 6 % allowed. The two transmittances differ by a
    # factor of 2.
    from cabin_synth.scene.lighting import GLASS_NIR_TRANSMITTANCE, GLASS_VISIBLE_TRANSMITTANCE

    pane = Material((0.0, 0.0, 0.0), 0.0, 0.0, opacity=0.1, transmittance_visible=0.4, transmittance_850=0.3,
                    transmittance_940=0.2, ior=1.5)
    cam = camera_at_origin(48, 36, f_px=40.0)
    stage, view = make_stage([(*quad(np.array([1.0, 0.0, 0.0]), (-1.0, 0.0, 0.0), 0.6), GREY, "cabin"),
                              (*slab(np.array([0.5, 0.0, 0.0]), (-1.0, 0.0, 0.0), 1.0, 0.005), pane, "window")],
                             cam, illuminators=[(np.zeros(3), (1.0, 0.0, 0.0), 1e-9, 30.0)], sun_direction=(-1.0, 0.0, 0.0))
    black = np.zeros((8, 16, 3), np.float32)
    view = world_view(view, tmp_path, black, black[..., 0], 1.0, 1.0, sun_lux=1000.0, sun_nir_w_m2=2.0)
    buffers = cycles.render(view, stage, 0)
    plate = not_near_an_edge(buffers.instance) & (buffers.instance == 1)
    assert plate.sum() > 400
    assert buffers.rgb[plate].mean(axis=0) == pytest.approx(
        0.4 * 0.5 / np.pi * 1000.0 * GLASS_VISIBLE_TRANSMITTANCE, rel=0.06)
    assert buffers.nir[plate].mean() == pytest.approx(
        0.2 * GREY.nir_940 / np.pi * 2.0 * GLASS_NIR_TRANSMITTANCE[940], rel=0.06)


@pytest.mark.parametrize("open_air", [1.0, 0.0])
def test_road_lights_and_the_open_sky_light_the_world_and_the_camera_sees_the_dome(cycles, tmp_path, open_air):
    # An upward grey plate under road lights (100 lux, a colour; 0.5 W/m^2 in the band) and
    # a uniform dome of radiance L: in the open it gets E = road + pi L, in a tunnel the
    # road lights alone; the camera sees the dome, never the road lights' term, in both.
    # The plate's light is sampled (4 samples a pixel, the light tree choosing between
    # dome and nothing else): its mean over some 250 pixels within 5 %. The sky is
    # looked up, not sampled: exact but where the denoiser blends it with the plate's
    # noise (up to 15 % within 4 px of the plate or of the image's border, kept out;
    # up to 2 % further away).
    from scipy.ndimage import binary_erosion

    cam = camera_at_origin(48, 36, f_px=40.0, target=(1.0, 0.0, -0.2))
    stage, view = make_stage([(*quad(np.array([1.0, 0.0, -0.3]), (0.0, 0.0, 1.0), 0.8), GREY, "exterior")], cam,
                             illuminators=[(np.zeros(3), (1.0, 0.0, 0.0), 1e-9, 30.0)])
    dome = np.full((8, 16, 3), 20.0, np.float32)
    road = np.array([100.0, 80.0, 60.0])
    view = world_view(view, tmp_path, dome, dome[..., 0] * 0.01, 1.0, 1.0, road_rgb_lux=road, road_nir_w_m2=0.5,
                      open_air=open_air)
    buffers = cycles.render(view, stage, 0)
    plate = not_near_an_edge(buffers.instance) & (buffers.instance == 1)
    sky = binary_erosion(buffers.instance == view.dome.id, iterations=4)
    assert plate.sum() > 200 and sky.sum() > 100
    rho = 0.5
    assert buffers.rgb[plate].mean(axis=0) == pytest.approx(rho / np.pi * (road + open_air * np.pi * 20.0), rel=0.05)
    assert buffers.nir[plate].mean() == pytest.approx(GREY.nir_940 / np.pi * (0.5 + open_air * np.pi * 0.2), rel=0.05)
    for got, dome_radiance in ((buffers.rgb[sky], 20.0), (buffers.nir[sky], 0.2)):
        assert np.median(got) == pytest.approx(dome_radiance, rel=0.01)
        assert np.allclose(got, dome_radiance, rtol=0.05)


def test_a_screen_shows_its_picture_in_rgb_and_nothing_in_nir(cycles, gl_renderer, tmp_path):
    # A black plate whose emissiveColor reads a 4 x 4 picture, its UsdUVTexture's scale
    # the white level (40 cd/m^2, docs/cabins.md Screens), as scene/screens.py authors
    # the screens; nothing lights it. The camera sees the glow directly, so no noise:
    # over the plate the mean radiance is the picture's mean linear value times the
    # scale (the bilinear lookup keeps the mean; the clamped border texels' half-texel
    # margins move it under 1 %): 2 %; over each texel's inner 4 x 4 pixels, the
    # rasteriser's radiance (whose lookup test_textures checks by hand: both filter the
    # same texels bilinearly), but for Cycles' pixel filter, which reaches 0.75 px, under
    # a tenth of an 8 px texel, into the next texel's ramp: within white / 20. An LCD
    # emits no NIR: the NIR render stays dark.
    from test_textures import facing_plate, read, stage_of, texel_pixels

    from cabin_synth.scene.stage import write_material
    from cabin_synth.scene.textures import TextureFolder, TextureImage

    n, white = 4, 40.0
    picture = np.random.default_rng(3).integers(40, 250, (n, n, 3)).astype(np.uint8)
    maps = TextureFolder(tmp_path).maps({"emissiveColor": TextureImage("picture", picture, "raw")},
                                        wrap=("clamp", "clamp"), scale=(white, white, white, 1.0))
    points, tris, st = facing_plate()
    stage = stage_of([("Screen", points, tris, st, "vertex", "/World/Looks/Screen")], illuminator_w_sr=1e-9)
    write_material(stage, "/World/Looks/Screen", Material((0.004, 0.004, 0.005), 0.08, 0.08), maps)
    view = read(stage)
    ours, theirs = cycles.render(view, stage, 0), gl_renderer.render(view)
    plate = not_near_an_edge(ours.instance) & (ours.instance == 1)
    assert ours.rgb[plate].mean(axis=0) == pytest.approx(picture.reshape(-1, 3).mean(axis=0) / 255.0 * white, rel=0.02)
    iu, _ = texel_pixels(n)
    block = lambda image: np.array([[image[v - 2:v + 2, u - 2:u + 2].mean(axis=(0, 1)) for u in iu] for v in iu])
    assert np.allclose(block(ours.rgb), block(theirs.rgb), rtol=0.0, atol=white / 20)
    assert ours.nir.max() < 1e-6


def test_the_world_through_a_cars_windows_agrees_with_the_rasteriser(cycles, gl_renderer):
    # A day frame from the A-pillar (sun 35 deg, suburban road, traffic) by both renderers:
    # the world's meshes arrive through Blender's import with their materials in both
    # bands and the dome turned as the stage turns it, seen through the real windscreen
    # and side glass. Pixels through the glass, away from edges, per class: the sky is
    # looked up by both (the medians within 3 %: the panes' filtering and Cycles' pixel
    # filter); the world's surfaces are lit by the same sun and road lights, the dome by
    # Cycles over each surface's hemisphere and by the rasteriser as a uniform sky
    # (docs/renderers.md): medians within 10 %.
    from bodies import small_maker

    from cabin_synth.presets.sampler import sample_frame

    maker = small_maker(gl_renderer, seed=21)
    params = sample_frame(maker.preset, 21, 0)
    params = dataclasses.replace(
        params, cabin="hatchback", camera_mount="a_pillar",
        lighting=dataclasses.replace(params.lighting, sun_elevation_deg=35.0, sun_illuminance_lux=3e4,
                                     sky_fraction=0.3, sun_azimuth_deg=100.0),
        environment=dataclasses.replace(params.environment, setting="suburban", traffic=4))
    frame = maker.make(0, params=params)
    ours, theirs = distort.render(cycles, frame.view, maker.scene(frame.params)[0].stage, 0), frame.buffers
    semantic = np.array(["none"] + [inst.semantic for inst in frame.view.instances])
    inner = not_near_an_edge(theirs.instance) & (ours.instance == theirs.instance)
    for name, tolerance in (("sky", 0.03), ("exterior", 0.10)):
        seen = inner & (semantic[theirs.instance] == name)
        assert seen.sum() > 300, name
        for band in ("rgb", "nir"):
            a, b = getattr(ours, band)[seen], getattr(theirs, band)[seen]
            assert np.median(a) / np.median(b) == pytest.approx(1.0, abs=tolerance), (name, band)


def test_the_brows_in_the_sun_have_no_spot_the_rasteriser_lacks(cycles, gl_renderer):
    # The pinned steering-column frame of docs/renders in the sun (35 deg): the brows' cards
    # carry a hair material but no fibre directions, so both renderers shade them without a
    # fibre sheen. Cycles' Hair BSDF with their zero tangent made a spot there hundreds of
    # times brighter than the brow, which cut the RGB auto-exposure tenfold.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from cabin_renders import NO_ACCESSORIES, pinned

    from cabin_synth.pipeline import FrameMaker

    maker = FrameMaker(pinned("hatchback", "steering_column", NO_ACCESSORIES), seed=0, renderer=gl_renderer)
    frame = maker.make(0)
    theirs = frame.buffers
    ours = distort.render(cycles, frame.view, maker.scene(frame.params)[0].stage, 0)
    semantic = np.array(["none"] + [inst.semantic for inst in frame.view.instances])
    brows, skin = ((semantic[ours.instance] == name) & (ours.instance == theirs.instance) for name in ("eyebrows", "skin"))
    assert brows.sum() > 20 and skin.sum() > 500
    for band in ("rgb", "nir"):
        # Dark hairs over sunlit skin: nothing there may outshine the brightest skin much.
        assert np.max(getattr(ours, band)[brows]) < 2.0 * np.percentile(getattr(ours, band)[skin], 99), band


def test_a_screens_rect_light_lights_in_rgb_only(cycles):
    # A screen's RectLight (0.2 x 0.1 m, on, 5 cd on axis, no NIR: docs/cabins.md) 1 m in
    # front of a grey plate, the camera off to the side. By hand: the irradiance of a
    # Lambertian rectangle of radiance I0 / A, integrated over a 40 x 20 grid of it,
    # L = rho / pi E. The rectangle is sampled by solid angle (4 samples a pixel,
    # denoised): the mean over 6 x 6 pixels within 5 %. In NIR the light is dark.
    from pxr import Sdf, UsdLux

    from cabin_synth.render.view import StageReader
    from cabin_synth.scene.stage import usd_matrix

    centre, width, height, intensity = np.array([1.5, 0.5, 0.0]), 0.2, 0.1, 5.0
    cam = camera_at_origin(48, 36, f_px=40.0, target=centre)
    stage, _ = make_stage([(*quad(centre, (-1.0, 0.0, 0.0), 0.6), GREY, "cabin")], cam,
                          illuminators=[(np.zeros(3), (1.0, 0.0, 0.0), 1e-9, 30.0)])
    light = UsdLux.RectLight.Define(stage, "/World/Screen/Light")
    emits = np.array([1.0, 0.0, 0.0])   # the light's -Z
    across, up = np.array([0.0, 1.0, 0.0]), np.cross(-emits, [0.0, 1.0, 0.0])
    source = centre - emits
    light.AddTransformOp().Set(usd_matrix(np.stack([across, up, -emits], axis=1), source))
    light.CreateWidthAttr(width)
    light.CreateHeightAttr(height)
    light.CreateIntensityAttr(intensity / (width * height))
    UsdLux.ShadowAPI.Apply(light.GetPrim()).CreateShadowEnableAttr(False)
    for name, kind, value in (("on", Sdf.ValueTypeNames.Bool, True), ("luminous_intensity_cd", Sdf.ValueTypeNames.Float,
                              intensity), ("radiant_intensity_w_sr", Sdf.ValueTypeNames.Float, 0.0)):
        light.GetPrim().CreateAttribute(f"cabin_synth:{name}", kind).Set(value)
    view = StageReader(stage).read(940, cam.width, cam.height)
    buffers = cycles.render(view, stage, 0)
    u0, v0 = np.rint(cam.project(cam.to_camera(centre[None]))[0]).astype(int)
    v, u = np.mgrid[v0 - 3:v0 + 3, u0 - 3:u0 + 3]
    rays = np.stack([(u - cam.cx) / cam.fx, (v - cam.cy) / cam.fy, np.ones_like(u, float)], -1) @ cam.R_cam_vehicle
    on_plate = rays * (centre[0] / rays[..., :1])                       # where each pixel's ray meets x = 1.5
    a, b = np.meshgrid((np.arange(40) + 0.5) / 40 - 0.5, (np.arange(20) + 0.5) / 20 - 0.5)
    points = source + width * a.reshape(-1, 1) * across + height * b.reshape(-1, 1) * up
    d = on_plate.reshape(-1, 1, 3) - points                            # light -> plate, per pixel and patch
    r2 = np.sum(d * d, axis=-1)
    cos = d @ emits / np.sqrt(r2)   # leaving the light and arriving on the plate alike: they face each other
    E = np.sum(intensity / (width * height) * cos * cos / r2, axis=1) * width * height / len(points)
    expected = 0.5 / np.pi * E.mean()
    assert buffers.rgb[v, u].mean(axis=(0, 1)) == pytest.approx(np.full(3, expected), rel=0.05)
    assert buffers.nir[v, u].max() < 1e-6
