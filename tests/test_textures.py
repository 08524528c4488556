"""Textured materials: UsdUVTexture networks authored in USD, read back by render/view.py,
sampled by the GL renderer and by the numpy reference, checked against values computed by
hand (texels where the texture coordinates say, Lambert's law for a tilted normal)."""

import dataclasses

import numpy as np
import pytest
from PIL import Image
from pxr import Usd, UsdGeom, UsdShade
from scenes import UsdMesh, usd_stage

from cabin_synth.errors import UserError
from cabin_synth.render import textures
from cabin_synth.render.gl import GLRenderer
from cabin_synth.render.reference import render_reference
from cabin_synth.render.view import StageReader
from cabin_synth.scene.materials import Material
from cabin_synth.scene.stage import write_material
from cabin_synth.scene.textures import TextureFolder, TextureImage, nir_input, texture_map

SIZE, F_PX = 64, 64.0          # image side (px) and focal length (px): a pixel is 1/64 m at 1 m
GREY = Material((0.5, 0.5, 0.5), 0.5, 0.5)


@pytest.fixture(scope="module")
def gl():
    return GLRenderer()


def plate(centre, s_axis, t_axis, size, st=((0, 0), (1, 0), (1, 1), (0, 1))):
    """A square's corners (counter-clockwise seen from s_axis x t_axis), triangles, and st."""
    c, a, b = np.asarray(centre, float), np.asarray(s_axis, float) * size / 2, np.asarray(t_axis, float) * size / 2
    return np.array([c - a - b, c + a - b, c + a + b, c - a + b]), np.array([[0, 1, 2], [0, 2, 3]]), np.array(st, float)


def stage_of(meshes, **lights):
    """usd_stage of (name, points, triangles, st, st interpolation, material) meshes, SIZE x SIZE px,
    F_PX, the camera at the origin looking along +x."""
    return usd_stage([UsdMesh(name, points, tris, material, st, interpolation)
                      for name, points, tris, st, interpolation, material in meshes],
                     size=(SIZE, SIZE), f_px=F_PX, **lights)


def read(stage, wavelength=940):
    return StageReader(stage).read(wavelength, SIZE, SIZE)


def facing_plate(size=0.5, st=((0, 0), (1, 0), (1, 1), (0, 1))):
    """A plate 1 m ahead facing the camera, s along the image's +u (vehicle -y), t up (+z),
    shifted half a pixel so that the centres of 8 x 8 texels fall on pixel centres."""
    half_px = 0.5 / F_PX
    return plate([1.0, -half_px, -half_px], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0], size, st)


def texel_pixels(n, size=0.5):
    """Pixel column (or row) of the centres of texel columns (rows, row 0 at the top) of an
    n x n texture over facing_plate, projected by hand: column c sits at y = -(s - 1/2) size
    - half a pixel with s = (c + 1/2) / n, row r at z = (t - 1/2) size - half a pixel with
    t = 1 - (r + 1/2) / n; u = cx + f (-y) / x and v = cy + f (-z) / x give the same numbers."""
    k = (np.arange(n) + 0.5) / n - 0.5
    u = (SIZE - 1) / 2 + F_PX * (k * size + 0.5 / F_PX)
    return np.rint(u).astype(int), u


# ------------------------------------------------------------------ the texture is where its st says
@pytest.mark.parametrize("renderer", ["gl", "reference"])
def test_texels_render_where_the_texture_coordinates_put_them(tmp_path, gl, renderer):
    # A facing plate under the sky alone: each pixel's radiance is albedo / pi * sky lux * 1/2
    # (a vertical surface sees half the sky). At a texel's centre the albedo is that texel.
    rng = np.random.default_rng(1)
    n = 8
    rgb = rng.integers(10, 250, (n, n, 3)).astype(np.uint8)
    nir = rng.integers(3000, 60000, (n, n)).astype(np.uint16)
    folder = TextureFolder(tmp_path)
    maps = folder.maps({"diffuseColor": TextureImage("albedo", rgb, "raw"),
                        nir_input(940): TextureImage("nir", nir, "raw")}, wrap=("clamp", "clamp"))
    points, tris, st = facing_plate()
    stage = stage_of([("Plate", points, tris, st, UsdGeom.Tokens.vertex, "/World/Looks/Plate")], sky_lux=1000.0,
                     sky_nir=3.0)
    write_material(stage, "/World/Looks/Plate", GREY, maps)
    view = read(stage)
    buf = gl.render(view) if renderer == "gl" else render_reference(view)
    iu, u = texel_pixels(n)
    iv = iu
    assert np.allclose(u, iu, atol=1e-9)   # texel centres on pixel centres
    for r in range(n):
        for c in range(n):
            px = buf.rgb[iv[r], iu[c]]
            assert px == pytest.approx(rgb[r, c] / 255.0 / np.pi * 1000.0 * 0.5, rel=2e-3), (r, c)
            assert buf.nir[iv[r], iu[c]] == pytest.approx(nir[r, c] / 65535.0 / np.pi * 3.0 * 0.5, rel=2e-3)
    # Half-way between two texel centres (two pixels on from one, in a 4-pixel texel) the
    # filter gives their mean.
    mid = buf.rgb[iv[3], iu[3] + 2]
    assert mid == pytest.approx((rgb[3, 3] / 255.0 + rgb[3, 4] / 255.0) / 2 / np.pi * 500.0, rel=2e-3)
    # The 850 nm view reads no texture for its band: the material's own value.
    other = read(stage, 850)
    assert "nir" not in other.instances[0].textures and "diffuseColor" in other.instances[0].textures


def test_srgb_texels_are_decoded_before_filtering(tmp_path, gl):
    value = np.full((4, 4, 3), 128, np.uint8)
    value[:, 2:] = 255
    folder = TextureFolder(tmp_path)
    points, tris, st = facing_plate()
    stage = stage_of([("Plate", points, tris, st, UsdGeom.Tokens.vertex, "/World/Looks/Plate")], sky_lux=1000.0)
    write_material(stage, "/World/Looks/Plate", GREY,
                   folder.maps({"diffuseColor": TextureImage("albedo", value, "sRGB")}, wrap=("clamp", "clamp")))
    buf = gl.render(read(stage))
    linear = ((128 / 255 + 0.055) / 1.055) ** 2.4           # the sRGB curve, by hand
    cx = SIZE // 2
    assert buf.rgb[cx, cx - 8] == pytest.approx([linear / np.pi * 500.0] * 3, rel=2e-3)
    # On the boundary the filter averages linear values, not encoded ones.
    assert buf.rgb[cx, cx, 0] == pytest.approx((linear + 1.0) / 2 / np.pi * 500.0, rel=2e-3)


# ------------------------------------------------------------------ seams, wraps
def test_face_varying_st_splits_points_at_a_seam(tmp_path, gl):
    # Two quads share an edge whose points carry s = 1 on the left quad and s = 0 on the
    # right one (as at the back of the head): each quad shows the whole 2-texel texture,
    # and nothing between them smears the texture back across the seam.
    rgb = np.array([[[200, 0, 0], [0, 0, 200]]], np.uint8)
    folder = TextureFolder(tmp_path)
    half_px = 0.5 / F_PX
    y = np.array([0.25, 0.0, -0.25]) - half_px
    points = np.array([[1.0, y[0], -0.125], [1.0, y[1], -0.125], [1.0, y[2], -0.125],
                       [1.0, y[0], 0.125], [1.0, y[1], 0.125], [1.0, y[2], 0.125]])
    tris = np.array([[0, 1, 4], [0, 4, 3], [1, 2, 5], [1, 5, 4]])
    st = np.array([[0, 0], [1, 0], [1, 1], [0, 0], [1, 1], [0, 1], [0, 0], [1, 0], [1, 1], [0, 0], [1, 1], [0, 1]])
    stage = stage_of([("Plate", points, tris, st, UsdGeom.Tokens.faceVarying, "/World/Looks/Plate")], sky_lux=1000.0)
    write_material(stage, "/World/Looks/Plate", GREY,
                   folder.maps({"diffuseColor": TextureImage("albedo", rgb, "raw")}, wrap=("clamp", "clamp")))
    view = read(stage)
    assert len(view.positions) == 8    # the two seam points split in two
    buf = gl.render(view)
    row = SIZE // 2
    edges = np.rint((SIZE - 1) / 2 + F_PX * -y).astype(int)     # u = cx + f (-y) / x of each column of points
    for a, b in ((edges[0], edges[1]), (edges[1], edges[2])):
        quarter = (b - a) // 4
        assert buf.rgb[row, a + quarter] == pytest.approx(np.array([200, 0, 0]) / 255 / np.pi * 500.0, rel=2e-3)
        assert buf.rgb[row, b - quarter] == pytest.approx(np.array([0, 0, 200]) / 255 / np.pi * 500.0, rel=2e-3)


@pytest.mark.parametrize("wrap", ["repeat", "clamp", "black"])
def test_wrap_modes_outside_the_unit_square(tmp_path, gl, wrap):
    # st runs from -1 to 2 across the plate: a 4 x 1 ramp seen three times over (repeat),
    # its end texels stretched (clamp), or black (then the bias alone) outside 0..1.
    ramp = np.array([[40, 100, 160, 220]], np.uint16) * 256
    folder = TextureFolder(tmp_path)
    maps = {"diffuseColor": texture_map("diffuseColor", folder.save(TextureImage("ramp", ramp, "raw")),
                                        colour_space="raw", wrap=(wrap, wrap), bias=(0.1, 0.1, 0.1, 0.0))}
    points, tris, _ = facing_plate(size=0.75)
    st = [(-1, 0.25), (2, 0.25), (2, 0.75), (-1, 0.75)]
    stage = stage_of([("Plate", points, tris, st, UsdGeom.Tokens.vertex, "/World/Looks/Plate")], sky_lux=1000.0)
    write_material(stage, "/World/Looks/Plate", GREY, maps)
    for buf in (gl.render(read(stage)), render_reference(read(stage))):
        row = SIZE // 2
        u_of = lambda s: int(np.rint((SIZE - 1) / 2 + F_PX * (0.75 * ((s + 1) / 3 - 0.5) + 0.5 / F_PX)))
        value = lambda s: buf.rgb[row, u_of(s), 0] / (500.0 / np.pi) - 0.1
        texel = ramp[0] / 65535.0
        assert value(0.375) == pytest.approx(texel[1], abs=2e-3)          # inside: the texel's centre
        expected = {"repeat": texel[1], "clamp": texel[0], "black": 0.0}[wrap]
        assert value(0.375 - 1.0) == pytest.approx(expected, abs=2e-3)


# ------------------------------------------------------------------ filtering keeps the mean
def test_mip_levels_are_box_averages_and_a_distant_plate_shows_the_mean(tmp_path, gl):
    rng = np.random.default_rng(3)
    grey = rng.integers(0, 65535, (64, 64)).astype(np.uint16)
    linear = grey / 65535.0
    levels = textures.mip_levels(textures.decode(grey, "raw"))
    assert len(levels) == 7
    by_hand = linear[::-1].reshape(16, 4, 16, 4).mean(axis=(1, 3))
    assert np.allclose(levels[2][..., 0], by_hand, atol=2e-3)
    assert np.allclose(levels[-1][0, 0, :3], linear.mean(), atol=2e-3)
    # A plate 16 px wide showing 64 texels: each pixel shows the mean of the 4 x 4 texels
    # it covers, and the whole plate the texture's mean.
    folder = TextureFolder(tmp_path)
    points, tris, st = facing_plate(size=0.25)
    stage = stage_of([("Plate", points, tris, st, UsdGeom.Tokens.vertex, "/World/Looks/Plate")], sky_lux=1000.0)
    write_material(stage, "/World/Looks/Plate", GREY, folder.maps({"diffuseColor": TextureImage("noise", grey, "raw")},
                                                                  wrap=("clamp", "clamp")))
    buf = gl.render(read(stage))
    inside = buf.rgb[buf.instance == 1][:, 0] / (500.0 / np.pi)
    assert inside.mean() == pytest.approx(linear.mean(), rel=0.01)
    assert inside.std() < 0.25 * linear.std()     # a pixel averages ~16 texels: sd falls about 4x


# ------------------------------------------------------------------ normal maps
@pytest.mark.parametrize("tilt_deg,towards_deg,mirrored", [(0.0, 0.0, False), (25.0, 0.0, False), (50.0, 0.0, False),
                                                             (35.0, 90.0, False), (35.0, 200.0, False),
                                                             (35.0, 120.0, True)])
def test_normal_map_tilts_lambert_shading(tmp_path, gl, tilt_deg, towards_deg, mirrored):
    # A constant tangent-space normal (sin a cos b, sin a sin b, cos a) turns the plate's normal
    # by a towards the direction b from +s (the image's +u, vehicle -y; -u when the texture is
    # mirrored on the plate) to +t (up). Under the sun alone the radiance is rho/pi E max(n.l, 0)
    # for that turned normal: computed here from the 8-bit texel as stored.
    a, b = np.radians([tilt_deg, towards_deg])
    texel = np.rint((np.array([np.sin(a) * np.cos(b), np.sin(a) * np.sin(b), np.cos(a)]) + 1.0) / 2.0 * 255)
    texel = texel.astype(np.uint8)
    folder = TextureFolder(tmp_path)
    points, tris, st = facing_plate(st=((1, 0), (0, 0), (0, 1), (1, 1)) if mirrored else ((0, 0), (1, 0), (1, 1), (0, 1)))
    sun = np.array([-0.6, -0.5, 0.62])
    stage = stage_of([("Plate", points, tris, st, UsdGeom.Tokens.vertex, "/World/Looks/Plate")], sun_direction=sun,
                     sun_lux=1000.0, sun_nir=2.0)
    write_material(stage, "/World/Looks/Plate", GREY,
                   folder.maps({"normal": TextureImage("normal", np.tile(texel, (4, 4, 1)), "raw")}))
    view = read(stage)
    tn = texel / 255.0 * 2.0 - 1.0
    s_dir = np.array([0.0, 1.0 if mirrored else -1.0, 0.0])
    t_dir, n_dir = np.array([0.0, 0.0, 1.0]), np.array([-1.0, 0.0, 0.0])
    n = tn[0] * s_dir + tn[1] * t_dir + tn[2] * n_dir
    n /= np.linalg.norm(n)
    l = sun / np.linalg.norm(sun)
    expected = 0.5 / np.pi * max(n @ l, 0.0)
    for buf in (gl.render(view), render_reference(view)):
        centre = buf.rgb[SIZE // 2 - 4:SIZE // 2 + 4, SIZE // 2 - 4:SIZE // 2 + 4, 1]
        # Texels are filtered as float16: allow 0.2 % of the radiance of the plate lit head-on.
        assert centre == pytest.approx(np.full(centre.shape, expected * 1000.0), abs=2e-3 * 0.5 / np.pi * 1000.0)
        assert buf.nir[SIZE // 2, SIZE // 2] == pytest.approx(expected * 2.0, abs=2e-3 * 0.5 / np.pi * 2.0)


# ------------------------------------------------------------------ GL against the reference
def test_gl_matches_reference_on_a_slanted_textured_glossy_plate(tmp_path, gl):
    # Every input textured, the plate slanted so that the level of detail runs from magnified
    # texels near the camera to minified ones far away; sky, illuminator, and the sun placed
    # for a highlight in the middle of the plate, which the roughness and normal maps break up.
    rng = np.random.default_rng(7)
    folder = TextureFolder(tmp_path)
    blocks = lambda shape: np.kron(rng.integers(0, 255, shape), np.ones((4, 4) + (1,) * (len(shape) - 2)))
    images = {"diffuseColor": TextureImage("albedo", blocks((32, 32, 3)).astype(np.uint8), "sRGB"),
              nir_input(940): TextureImage("nir", (blocks((32, 32)) * 200).astype(np.uint16)),
              "roughness": TextureImage("roughness", (60 + blocks((32, 32)) // 3).astype(np.uint8)),
              "normal": TextureImage("normal", np.clip(128 + (blocks((32, 32, 3)) - 128) // 4, 0, 255).astype(np.uint8))}
    images["normal"].pixels[..., 2] = 250
    material = Material((0.4, 0.3, 0.2), 0.5, 0.5, ior=1.4, roughness=0.3)
    c, d = np.cos(np.radians(70)), np.sin(np.radians(70))
    points, tris, st = plate([1.2, 0.0, 0.0], [0.0, -1.0, 0.0], [d, 0.0, c], 1.4, st=((0, 0), (3, 0), (3, 3), (0, 3)))
    lit = dict(sun_direction=(0.77, 0.05, 0.64), sun_lux=2000.0, sky_lux=500.0, sun_nir=3.0, sky_nir=1.0,
               illuminator_w_sr=1.0)
    stage = stage_of([("Plate", points, tris, st, UsdGeom.Tokens.vertex, "/World/Looks/Plate")], **lit)
    write_material(stage, "/World/Looks/Plate", material, folder.maps(images))
    view = read(stage)
    a, b = gl.render(view), render_reference(view)
    both = (a.instance == 1) & (b.instance == 1)
    assert both.sum() > 1000
    rel = lambda x, y: np.abs(x - y) / np.maximum(np.abs(y), 1e-6)
    err = np.maximum(rel(a.rgb[both], b.rgb[both]).max(axis=1), rel(a.nir[both], b.nir[both]))
    assert np.percentile(err, 99) < 2e-4 and err.max() < 2e-3
    # The maps matter here: without them the picture changes by far more than that.
    write_material(stage, "/World/Looks/Plate", material)
    plain = gl.render(read(stage))
    assert np.median(rel(plain.rgb[both], a.rgb[both]).max(axis=1)) > 0.1


# ------------------------------------------------------------------ alpha-tested cut-outs
CARD = Material((0.5, 0.5, 0.5), 0.5, 0.5, opacity_threshold=0.5)
BACK = Material((0.2, 0.2, 0.2), 0.2, 0.2)


def card_and_backdrop(tmp_path, n=8, backdrop_x=1.5, **lights):
    """A facing card 1 m ahead whose n x n opacity texture (0 or 1, random) cuts it out, and a
    larger untextured backdrop behind it; the stage, the opacity texels (row 0 at the top)."""
    open_ = np.random.default_rng(5).random((n, n)) < 0.5
    opacity = np.where(open_, 0, 255).astype(np.uint8)
    folder = TextureFolder(tmp_path)
    points, tris, st = facing_plate()
    back, back_tris, _ = plate([backdrop_x, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0], 1.6)
    stage = stage_of([("Card", points, tris, st, UsdGeom.Tokens.vertex, "/World/Looks/Card"),
                      ("Back", back, back_tris, None, UsdGeom.Tokens.vertex, "/World/Looks/Back")], **lights)
    write_material(stage, "/World/Looks/Card", CARD,
                   folder.maps({"opacity": TextureImage("opacity", opacity)}, wrap=("clamp", "clamp")))
    write_material(stage, "/World/Looks/Back", BACK)
    return stage, opacity / 255.0


@pytest.mark.parametrize("renderer", ["gl", "reference"])
def test_cutout_gaps_write_nothing_and_show_what_lies_behind(tmp_path, gl, renderer):
    # At each texel's centre (on a pixel centre, texel_pixels) the card is there where its
    # opacity is 1 (id, depth 1 m, its albedo under the sky) and absent where it is 0: the
    # backdrop 1.5 m away shows through in every buffer.
    stage, opacity = card_and_backdrop(tmp_path, sky_lux=1000.0)
    view = read(stage)
    ids = {inst.prim: inst.id for inst in view.instances}
    buf = gl.render(view) if renderer == "gl" else render_reference(view)
    iu, _ = texel_pixels(8)
    for r in range(8):
        for c in range(8):
            solid = opacity[r, c] > 0.5
            at = (iu[r], iu[c])
            assert buf.instance[at] == ids["/World/Card" if solid else "/World/Back"], (r, c)
            assert buf.depth[at] == pytest.approx(1.0 if solid else 1.5, rel=1e-4)
            assert buf.rgb[at][0] == pytest.approx((0.5 if solid else 0.2) / np.pi * 500.0, rel=2e-3)


def test_cutouts_cast_shadows_through_their_gaps(tmp_path, gl):
    # The sun straight behind the camera: the backdrop point seen through a gap at card
    # coordinates (y, z) is (1.5, 1.5 y, 1.5 z); the sun's ray from it meets the card at
    # (1.0, 1.5 y, 1.5 z), so it is lit where that texel is open or off the card, dark where
    # the card is solid there (a quarter texel from any texel edge at every gap's centre).
    stage, opacity = card_and_backdrop(tmp_path, sun_direction=(-1.0, 0.0, 0.0), sun_lux=1000.0)
    view = read(stage)
    back = next(inst.id for inst in view.instances if inst.prim == "/World/Back")
    buf = gl.render(view)
    iu, _ = texel_pixels(8)
    lit_value = 0.2 / np.pi * 1000.0
    checked = {True: 0, False: 0}
    for r in range(8):
        for c in range(8):
            if opacity[r, c] > 0.5:
                continue
            # texel index of the card where the shadow ray crosses it: 1.5 (k + 1/2) - 6 + 4 of 8
            rr, cc = (np.floor(1.5 * (np.array([r, c]) + 0.5) - 2.0)).astype(int)
            lit = not (0 <= rr < 8 and 0 <= cc < 8) or opacity[rr, cc] < 0.5
            at = (iu[r], iu[c])
            assert buf.instance[at] == back
            assert buf.rgb[at][0] == pytest.approx(lit_value if lit else 0.0, abs=0.02 * lit_value), (r, c, lit)
            checked[lit] += 1
    assert min(checked.values()) >= 3   # both verdicts were tested


def test_the_illuminator_lights_skin_seen_through_a_fringes_gaps(tmp_path, gl):
    # A card of 0.8 mm locks and gaps (64 x 64 random texels over 5 cm) 1 m ahead, skin 2 cm
    # behind it, the wall as wide as a cabin's view (so the illuminator's cabin map has 4 mm
    # texels), the illuminator 30 mm below the camera (LEDs beside a module's lens). A wall
    # pixel seen through a gap is lit where the ray from its point to the illuminator crosses
    # the card in a gap (worked out by hand below), dark where it meets a lock.
    n, size, f_px, side, ill_z = 64, 0.05, 2560.0, 128, -0.03
    rng = np.random.default_rng(8)
    opacity = np.where(rng.random((n, n)) < 0.5, 0, 255).astype(np.uint8)
    folder = TextureFolder(tmp_path)
    points, tris, st = plate([1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0], size)
    wall, wall_tris, _ = plate([1.02, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0], 8.0)
    stage = usd_stage([UsdMesh("Card", points, tris, "/World/Looks/Card", st), UsdMesh("Wall", wall, wall_tris, "/World/Looks/Wall")],
                      size=(side, side), f_px=f_px, illuminator_w_sr=1.0)
    write_material(stage, "/World/Looks/Card", CARD,
                   folder.maps({"opacity": TextureImage("opacity", opacity)}, wrap=("clamp", "clamp")))
    write_material(stage, "/World/Looks/Wall", BACK)
    view = StageReader(stage).read(940, side, side)
    ill = dataclasses.replace(view.illuminators[0], position=np.array([0.0, 0.0, ill_z]))
    # the card is the driver's brows: the renderer maps the face finely
    instances = tuple(dataclasses.replace(inst, semantic="eyebrows") if inst.prim == "/World/Card" else inst
                      for inst in view.instances)
    buf = gl.render(dataclasses.replace(view, illuminators=(ill,), instances=instances))
    wall_id = next(inst.id for inst in view.instances if inst.prim == "/World/Wall")
    v, u = np.nonzero(buf.instance == wall_id)
    c = (side - 1) / 2
    P = 1.02 * np.stack([np.ones(len(u)), -(u - c) / f_px, -(v - c) / f_px], axis=1)
    L = np.array([0.0, 0.0, ill_z])
    C = P + ((1.02 - 1.0) / 1.02) * (L - P)          # where the ray to the illuminator crosses the card
    s_, t_ = -C[:, 1] / size + 0.5, C[:, 2] / size + 0.5
    col, row = s_ * n, (1.0 - t_) * n
    clear = (np.abs(col - np.rint(col)) > 0.2) & (np.abs(row - np.rint(row)) > 0.2)   # off texel edges
    on_card = (s_ > 0) & (s_ < 1) & (t_ > 0) & (t_ < 1)
    gap = np.ones(len(u), bool)
    gap[on_card] = opacity[np.clip(row[on_card].astype(int), 0, n - 1), np.clip(col[on_card].astype(int), 0, n - 1)] == 0
    judged = clear & on_card
    nir = buf.nir[v, u]
    lit_level = np.median(nir[judged & gap])
    wrong = np.where(gap, nir < 0.5 * lit_level, nir > 0.1 * lit_level)[judged]
    assert (judged & gap).sum() > 300 and (judged & ~gap).sum() > 300
    assert wrong.mean() < 0.03, f"{wrong.sum()} of {judged.sum()} wall pixels lit or dark against the rays"


@pytest.mark.parametrize("kind", ["hair_cards", "fringe_cards", "eyebrow", "eyelash"])
def test_hair_cards_show_their_materials_colour_where_a_lock_is_about_a_pixel(tmp_path, gl, kind):
    # A card texture shown whole on 32 x 32 px (a lock a pixel or less wide, as at a cabin
    # camera's distance) before a backdrop, under the sky alone: the card's pixels that pass
    # the cut-out show the hair material's reflectance (albedo / pi x 500 lux on a plate facing
    # the horizon), in both bands, whatever the shade map holds in its gaps.
    from cabin_synth.scene.hair_cards import card_maps

    hair = Material((0.6, 0.4, 0.2), 0.55, 0.5, opacity_threshold=0.5)
    folder = TextureFolder(tmp_path)
    points, tris, st = facing_plate()
    back, back_tris, _ = plate([1.5, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0], 1.6)
    stage = stage_of([("Card", points, tris, st, UsdGeom.Tokens.vertex, "/World/Looks/Card"),
                      ("Back", back, back_tris, None, UsdGeom.Tokens.vertex, "/World/Looks/Back")],
                     sky_lux=1000.0, sky_nir=1.0)
    write_material(stage, "/World/Looks/Card", hair, card_maps(kind, hair, 940, folder))
    write_material(stage, "/World/Looks/Back", BACK)
    view = read(stage)
    card = next(inst.id for inst in view.instances if inst.prim == "/World/Card")
    buf = gl.render(view)
    shown = buf.instance == card
    assert shown.sum() > 40
    rgb = buf.rgb[shown].mean(axis=0) / (500.0 / np.pi)
    nir = buf.nir[shown].mean() / (0.5 / np.pi)
    assert rgb == pytest.approx(hair.albedo_rgb, rel=0.05)   # black gaps: 61-79 %
    assert nir == pytest.approx(hair.nir_940, rel=0.05)


def test_labels_see_through_cutout_gaps_as_the_renderers_do(tmp_path, gl):
    # Points on the backdrop behind each texel centre: visible where the card is open there,
    # hidden (by the card's class) where it is solid, as the rendered ids show.
    from cabin_synth.labels.frame import landmark_visibility

    stage, opacity = card_and_backdrop(tmp_path, sky_lux=1000.0)
    view = read(stage)
    k = ((np.arange(8) + 0.5) / 8 - 0.5) * 0.5
    half_px = 0.5 / F_PX
    # texel (r, c) sits at y = -k[c] - half_px, z = -k[r] - half_px on the card (row 0 at the top)
    rows, cols = np.meshgrid(np.arange(8), np.arange(8), indexing="ij")
    card = np.stack([np.ones(64), (-k[cols] - half_px).ravel(), (-k[rows] - half_px).ravel()], axis=1)
    behind = card * 1.5
    visible, reasons = landmark_visibility(behind, view.camera, view, set())
    solid = (opacity > 0.5).ravel()
    assert np.array_equal(visible, ~solid)
    assert {reasons[i] for i in np.flatnonzero(solid)} == {"cabin"}
    ids = gl.render(view).instance
    iu, _ = texel_pixels(8)
    back = next(inst.id for inst in view.instances if inst.prim == "/World/Back")
    assert np.array_equal((ids[iu[rows], iu[cols]] == back).ravel(), visible)


def test_labels_judge_cutouts_over_the_pixel_as_the_camera_sees_them(tmp_path, gl):
    # Texels half a pixel wide, open or solid at random: most gaps are narrower than a pixel.
    # A point on the backdrop is what the camera shows of it when the rendered ids at the four
    # pixel centres around its pixel, weighted bilinearly (worked out here from its projection
    # by hand), show the backdrop for more than half the weight; else the card hides it.
    from cabin_synth.labels.frame import landmark_visibility

    stage, _ = card_and_backdrop(tmp_path, n=128, sky_lux=1000.0)
    view = read(stage)
    rng = np.random.default_rng(3)
    yz = rng.uniform(-0.2, 0.2, (400, 2))
    behind = np.column_stack([np.full(len(yz), 1.5), yz * 1.5])
    u = (SIZE - 1) / 2 - F_PX * yz[:, 0]     # u = cx + f (-y) / x at x = 1.5
    v = (SIZE - 1) / 2 - F_PX * yz[:, 1]
    ids = gl.render(view).instance
    card = next(inst.id for inst in view.instances if inst.prim == "/World/Card")
    u0, v0 = np.floor(u).astype(int), np.floor(v).astype(int)
    a, b = u - u0, v - v0
    share = ((ids[v0, u0] == card) * (1 - a) * (1 - b) + (ids[v0, u0 + 1] == card) * a * (1 - b)
             + (ids[v0 + 1, u0] == card) * (1 - a) * b + (ids[v0 + 1, u0 + 1] == card) * a * b)
    visible, reasons = landmark_visibility(behind, view.camera, view, set())
    assert 50 < visible.sum() < 350
    assert np.array_equal(visible, share < 0.5), np.flatnonzero(visible != (share < 0.5))
    assert {reasons[i] for i in np.flatnonzero(~visible)} == {"cabin"}
    # Sampled at the point alone, a gap narrower than a pixel would show it: the footprint matters.
    at_point, _ = landmark_visibility(behind, view.camera, view, set(), footprint=False)
    assert np.mean(at_point != visible) > 0.1


def test_labels_count_what_covers_a_pixel_beside_a_cutout(tmp_path, gl):
    # Opaque bars 0.6 px wide every 1.7 px (x = 1.2 m) behind the random half-pixel card: a pixel
    # the card covers in part may be covered for the rest by a bar. A point on the backdrop is
    # hidden when its own ray meets a bar (worked out by hand), when the card covers half its
    # footprint, or when the card covers some of it and card and bars together half of it
    # (rendered ids at the four pixel centres, bilinear weights by hand).
    from cabin_synth.labels.frame import landmark_visibility

    stage, _ = card_and_backdrop(tmp_path, n=128, sky_lux=1000.0)
    px = 1.2 / F_PX                                   # a pixel's width at the bars' depth
    left = np.arange(-0.25, 0.25, 1.7 * px)
    for i, y0 in enumerate(left):
        corners = np.array([[1.2, -y0, -0.3], [1.2, -y0 - 0.6 * px, -0.3], [1.2, -y0 - 0.6 * px, 0.3], [1.2, -y0, 0.3]])
        mesh = UsdGeom.Mesh.Define(stage, f"/World/Bar{i}")
        mesh.CreatePointsAttr(corners.tolist())
        mesh.CreateFaceVertexCountsAttr([4])
        mesh.CreateFaceVertexIndicesAttr([0, 1, 2, 3])
        UsdShade.MaterialBindingAPI.Apply(mesh.GetPrim()).Bind(write_material(stage, "/World/Looks/Bar", BACK))
    view = read(stage)
    rng = np.random.default_rng(4)
    yz = rng.uniform(-0.2, 0.2, (400, 2))
    behind = np.column_stack([np.full(len(yz), 1.5), yz * 1.5])
    u = (SIZE - 1) / 2 - F_PX * yz[:, 0]
    v = (SIZE - 1) / 2 - F_PX * yz[:, 1]
    ids = gl.render(view).instance
    card = next(inst.id for inst in view.instances if inst.prim == "/World/Card")
    bars = [inst.id for inst in view.instances if inst.prim.startswith("/World/Bar")]
    u0, v0 = np.floor(u).astype(int), np.floor(v).astype(int)
    a, b = u - u0, v - v0
    samples = [(ids[v0, u0], (1 - a) * (1 - b)), (ids[v0, u0 + 1], a * (1 - b)),
               (ids[v0 + 1, u0], (1 - a) * b), (ids[v0 + 1, u0 + 1], a * b)]
    by_card = sum(w * (i == card) for i, w in samples)
    by_both = sum(w * ((i == card) | np.isin(i, bars)) for i, w in samples)
    y_at_bars = -yz[:, 0] * 1.2                     # the point's own ray at x = 1.2, as -y
    on_bar = ((y_at_bars[:, None] >= left) & (y_at_bars[:, None] <= left + 0.6 * px)).any(axis=1)
    hidden = on_bar | (by_card >= 0.5) | ((by_card > 0) & (by_both >= 0.5))
    visible, _ = landmark_visibility(behind, view.camera, view, set())
    beside = ~on_bar & (by_card > 0) & (by_card < 0.5) & (by_both >= 0.5)
    assert beside.sum() > 20          # the case the second pass exists for
    assert np.array_equal(visible, ~hidden), np.flatnonzero(visible != ~hidden)


# ------------------------------------------------------------------ files and stage
def test_texture_files_are_named_by_content_and_written_once(tmp_path):
    folder = TextureFolder(tmp_path / "textures")
    image = TextureImage("albedo", np.arange(48, dtype=np.uint8).reshape(4, 4, 3), "sRGB")
    first = folder.save(image)
    mtime = first.stat().st_mtime_ns
    again = TextureFolder(tmp_path / "textures").save(TextureImage("albedo", image.pixels.copy(), "sRGB"))
    assert again == first and first.stat().st_mtime_ns == mtime
    assert first.parent == (tmp_path / "textures").resolve() and first.name.startswith("albedo-")
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [first.name]
    other = folder.save(TextureImage("albedo", image.pixels[::-1].copy(), "sRGB"))
    assert other != first
    assert np.array_equal(np.asarray(Image.open(first)), image.pixels)


def test_the_stage_holds_a_usd_preview_surface_network(tmp_path):
    # What Blender's USD importer and RTX read: UsdUVTexture shaders fed by a primvar reader.
    folder = TextureFolder(tmp_path)
    stage = Usd.Stage.CreateInMemory()
    images = {"diffuseColor": TextureImage("a", np.zeros((2, 2, 3), np.uint8), "sRGB"),
              "normal": TextureImage("n", np.full((2, 2, 3), 128, np.uint8))}
    mat = write_material(stage, "/Looks/M", GREY, folder.maps(images))
    surface = UsdShade.Shader(stage.GetPrimAtPath("/Looks/M/PreviewSurface"))
    source, output, _ = surface.GetInput("normal").GetConnectedSource()
    tex = UsdShade.Shader(source.GetPrim())
    assert tex.GetShaderId() == "UsdUVTexture" and output == "rgb"
    assert tuple(tex.GetInput("scale").Get()) == (2, 2, 2, 1) and tuple(tex.GetInput("bias").Get()) == (-1, -1, -1, 0)
    assert tex.GetInput("sourceColorSpace").Get() == "raw"
    assert tex.GetInput("file").Get().resolvedPath == str(folder.save(images["normal"]))
    reader = UsdShade.Shader(tex.GetInput("st").GetConnectedSource()[0].GetPrim())
    assert reader.GetShaderId() == "UsdPrimvarReader_float2" and reader.GetInput("varname").Get() == "st"
    # Written again without textures, the inputs go back to their values and the shaders go.
    write_material(stage, "/Looks/M", GREY)
    assert not surface.GetInput("normal").HasConnectedSource()
    assert [p.GetName() for p in mat.GetPrim().GetChildren()] == ["PreviewSurface"]


def test_bad_texture_bindings_are_user_errors(tmp_path):
    folder = TextureFolder(tmp_path)
    points, tris, st = facing_plate()
    image = TextureImage("a", np.zeros((2, 2, 3), np.uint8), "sRGB")
    stage = stage_of([("Plate", points, tris, st, UsdGeom.Tokens.vertex, "/World/Looks/Plate")])
    write_material(stage, "/World/Looks/Plate", GREY, {"diffuseColor": texture_map("diffuseColor", tmp_path / "gone.png")})
    with pytest.raises(UserError, match="does not resolve"):
        read(stage)
    write_material(stage, "/World/Looks/Plate", GREY, {"opacity": texture_map("opacity", folder.save(image))})
    with pytest.raises(UserError, match="opacityThreshold"):
        read(stage)
    write_material(stage, "/World/Looks/Plate", GREY,
                   {"diffuseColor": texture_map("diffuseColor", folder.save(image), wrap=("repeat", "black"))})
    with pytest.raises(UserError, match="wrapS/wrapT"):
        read(stage)
    write_material(stage, "/World/Looks/Plate", GREY, folder.maps({"diffuseColor": image}))
    UsdGeom.PrimvarsAPI(stage.GetPrimAtPath("/World/Plate")).RemovePrimvar("st")
    with pytest.raises(UserError, match="no texture coordinates"):
        read(stage)
