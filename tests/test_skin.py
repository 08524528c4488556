"""The skin's texture maps (cabin_synth.scene.skin, driver/uvs.py) and ambient occlusion
(cabin_synth.driver.occlusion).

Map-level checks read the maps' texels in a region of the face (the atlas's region
weights); rendered checks put the driver's head alone before a camera in a small USD stage
(tests/scenes.py), read back by render/view.py as the pipeline's stage is, and divide a
render with the maps by one without them: the quotient is the maps' albedo factor.
"""

import dataclasses

import numpy as np
import pytest
from scenes import UsdMesh, make_view, quad, usd_stage

from cabin_synth.driver import FaceState, build_driver, sample_identity, uvs
from cabin_synth.driver.identity import FRECKLED_P
from cabin_synth.driver.occlusion import eye_occlusion, occlusion
from cabin_synth.render.gl import GLRenderer
from cabin_synth.render.reference import render_reference
from cabin_synth.render.textures import decode
from cabin_synth.render.view import StageReader
from cabin_synth.scene import skin
from cabin_synth.scene.camera import Camera
from cabin_synth.scene.materials import HAIR, srgb_to_linear
from cabin_synth.scene.materials import skin as skin_material
from cabin_synth.scene.stage import write_material
from cabin_synth.scene.textures import TextureFolder, nir_input
from cabin_synth.transforms import look_at_opencv

AHEAD = np.array([1.0, 0.0, 0.0])
DISTANCE = 0.45                     # head centre to camera, m
LUMA = np.array([0.2126, 0.7152, 0.0722])
SIZE = 512                          # atlas side of these tests
# The head faces the camera at the origin: head +x -> vehicle -x.
FACING = np.diag([-1.0, -1.0, 1.0])


@pytest.fixture(scope="module")
def gl():
    return GLRenderer()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return TextureFolder(tmp_path_factory.mktemp("textures"))


def driver(skin_type=2, age=30.0, seed=4, sex="female", **fields):
    ident = sample_identity(np.random.default_rng(seed), sex=sex, age_years=age, skin_type=skin_type)
    return dataclasses.replace(ident, **fields)


def rot(yaw_deg=0.0, pitch_deg=0.0):
    y, p = np.radians([yaw_deg, pitch_deg])
    Rz = np.array([[np.cos(y), -np.sin(y), 0], [np.sin(y), np.cos(y), 0], [0, 0, 1]])
    Ry = np.array([[np.cos(p), 0, np.sin(p)], [0, 1, 0], [-np.sin(p), 0, np.cos(p)]])
    return Rz @ Ry


# ------------------------------------------------------------------ maps
def maps_of(ident, wavelength=940, size=SIZE):
    """The identity's maps as linear values: albedo (S, S, 3), NIR (S/2, S/2), roughness m, normals."""
    images = skin.skin_images(ident, wavelength, size)
    lin = lambda name: decode(images[name].pixels, images[name].colour_space)[::-1]   # back to row 0 at the top
    return {"albedo": lin("diffuseColor")[..., :3], "nir": lin(nir_input(wavelength))[..., 0],
            "roughness": lin("roughness")[..., 0] ** 2, "normal": lin("normal")[..., :3] * 2.0 - 1.0}


def region(name, size=SIZE, threshold=0.9, half=False):
    """Texel rows and columns of the atlas where a head region's weight exceeds threshold."""
    at = skin.atlas(size)
    rows, cols = skin._rect("head", size)
    i, j = np.nonzero(at.head[name] > threshold)
    i, j = i + rows.start, j + cols.start
    return (i // 2, j // 2) if half else (i, j)


def test_atlas_face_texels_match_the_size_rule():
    at = skin.atlas(1024)
    # texels on the face about square, and as large as atlas_size assumes
    assert 0.3 < at.face_step_mm[0] / at.face_step_mm[1] < 1.5
    assert at.face_texel_mm == pytest.approx(skin.FACE_TEXEL_MM_AT_1024, rel=0.05)
    # the default sensor (3.6 mm, 6 um) sees 0.83 mm per pixel at 0.5 m: 512 texels give 0.75 mm
    assert skin.atlas_size(600.0) == 512 and skin.atlas_size(933.0) == 1024


def test_maps_are_deterministic_per_identity_and_differ_between_identities():
    a = driver(seed=1, freckles=0.2)
    first = {k: v.png() for k, v in skin.skin_images(a, 940, 256).items()}
    assert {k: v.png() for k, v in skin.skin_images(a, 940, 256).items()} == first
    other = dataclasses.replace(a, skin_seed=a.skin_seed + 1)
    assert skin.skin_images(other, 940, 256)["diffuseColor"].png() != first["diffuseColor"]
    older = dataclasses.replace(a, age_years=75.0)   # lines deepen, age spots appear
    assert skin.skin_images(older, 940, 256)["normal"].png() != first["normal"]


def test_skin_maps_are_written_once_per_identity(folder):
    a = driver(seed=2)
    maps = skin.skin_maps(a, 850, 256, folder)
    written = {p.name: p.stat().st_mtime_ns for p in folder.root.iterdir()}
    assert skin.skin_maps(a, 850, 256, folder) == maps
    skin._MAPS.clear()                 # a new process: the maps are made again, the files stay
    assert skin.skin_maps(a, 850, 256, folder) == maps
    assert {p.name: p.stat().st_mtime_ns for p in folder.root.iterdir()} == written
    assert set(maps) == {"diffuseColor", nir_input(850), "roughness", "normal"}


# ------------------------------------------------------------------ bands and types
def test_freckle_contrast_falls_from_rgb_to_850_to_940():
    # Freckled skin over the same skin without freckles, texel by texel on the cheeks: melanin's
    # absorption falls with wavelength, so the freckles fade from RGB to 850 to 940 nm.
    freckled = driver(skin_type=2, age=25.0, freckles=0.45)
    plain = dataclasses.replace(freckled, freckles=0.0)
    contrast = {}
    cheeks = region("cheeks", threshold=0.5, half=True)
    for wavelength in (850, 940):
        a, b = maps_of(freckled, wavelength), maps_of(plain, wavelength)
        half = lambda rgb: rgb.reshape(SIZE // 2, 2, SIZE // 2, 2, 3).mean(axis=(1, 3))
        contrast["rgb"] = np.std(np.log(half(a["albedo"])[cheeks] @ LUMA / (half(b["albedo"])[cheeks] @ LUMA)))
        contrast[wavelength] = np.std(np.log(a["nir"][cheeks] / b["nir"][cheeks]))
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
    # (molar extinction of haemoglobin, Prahl 1999), texel for texel.
    cheeks, half = region("cheeks"), region("cheeks", half=True)
    drop = {}
    for wavelength in (850, 940):
        red, pale = maps_of(driver(redness=0.3), wavelength), maps_of(driver(redness=0.0), wavelength)
        drop["rgb"] = np.log(pale["albedo"][cheeks] / red["albedo"][cheeks]).mean(axis=0)
        drop[wavelength] = np.log(pale["nir"][half] / red["nir"][half]).mean()
    r, g, _ = drop["rgb"]
    assert g > 0.15 and g > 3 * r and g > 10 * max(abs(drop[850]), abs(drop[940]))


def test_lines_deepen_with_age_and_fill_in_at_940nm():
    base = driver(skin_type=3, freckles=0.0)
    forehead = region("forehead")
    means = [maps_of(dataclasses.replace(base, age_years=age))["albedo"][forehead] @ LUMA
             for age in (25.0, 45.0, 65.0, 85.0)]
    assert np.all(np.diff([m.mean() for m in means]) < 0)
    # Light travels further under the skin at 940 nm and fills the lines in: less contrast.
    old = maps_of(dataclasses.replace(base, age_years=85.0))
    assert np.std(np.log(old["nir"][region("forehead", half=True)])) < 0.7 * np.std(np.log(means[-1]))
    # The lines are grooves too: the normal map tilts across them.
    young = maps_of(dataclasses.replace(base, age_years=25.0))
    tilt = lambda m: np.linalg.norm(m["normal"][forehead][:, :2], axis=1).mean()   # sine of the tilt
    assert tilt(old) > 1.5 * tilt(young)


def test_oily_t_zone_is_smoother_than_dry_cheeks():
    m = maps_of(driver())["roughness"]
    nose, cheeks = region("nose", half=True), region("cheeks", half=True)
    assert m[nose].mean() < 0.85 * m[cheeks].mean()
    assert 0.2 < m[nose].mean() and m[cheeks].mean() < 0.5    # Weyrich et al. 2006: m 0.25-0.5


def test_make_up_reddens_the_lips_and_eyeliner_darkens_the_nir_too():
    plain = driver(skin_type=3)
    full = maps_of(dataclasses.replace(plain, makeup="full"))
    none = maps_of(plain)
    (r0, r1), (c0, c1) = [(s.start, s.stop) for s in skin._rect("lower_lip", SIZE)]
    vermilion = (slice(r0, r0 + (r1 - r0) // 2), slice(c0, c1))
    assert full["roughness"][r0 // 2 + 2, (c0 + c1) // 4] < 0.8 * none["roughness"][r0 // 2 + 2, (c0 + c1) // 4]
    assert not np.allclose(full["albedo"][vermilion], none["albedo"][vermilion], atol=0.02)
    (l0, l1), (k0, k1) = [(s.start, s.stop) for s in skin._rect("upper_lid_R", SIZE)]
    margin = (slice((l0 + round(0.8 * (l1 - l0))) // 2, (l0 + round(0.85 * (l1 - l0))) // 2 + 1), slice(k0 // 2, k1 // 2))
    assert full["nir"][margin].mean() < 0.3 * none["nir"][margin].mean()   # carbon black absorbs at 940 nm
    # Foundation evens the tone out (on the forehead: no blush there).
    forehead = region("forehead")
    assert np.std(full["albedo"][forehead] @ LUMA) < 0.6 * np.std(none["albedo"][forehead] @ LUMA)


def test_stubble_shadow_darkens_a_clean_shaven_mans_beard_area_less_in_nir():
    # An area mix of a little hair colour into the skin: the darkening is -ln(1 - c (1 - R_hair / R_skin))
    # in each band, about the same c in both; black hair's melanin absorbs less at 940 nm, so the
    # NIR darkening is a fixed share of the visible one (computed here from the reflectances).
    man = driver(skin_type=2, sex="male", facial_hair="none", hair_colour="black")
    woman = dataclasses.replace(man, sex="female")
    beard, half = region("beard", threshold=0.95), region("beard", threshold=0.95, half=True)
    a, b = maps_of(man), maps_of(woman)
    visible = np.log(b["albedo"][beard][:, 1] / a["albedo"][beard][:, 1]).mean()
    nir = np.log(b["nir"][half] / a["nir"][half]).mean()
    hair_srgb, _, hair_940 = HAIR["black"]
    q_green = srgb_to_linear(hair_srgb[1] / 255.0) / skin_material(2).albedo_rgb[1]
    q_nir = hair_940 / skin_material(2).nir_940
    c = 1.0 - np.exp(-visible)
    c /= 1.0 - q_green
    assert 0.05 < c < 0.15
    assert nir == pytest.approx(-np.log(1.0 - c * (1.0 - q_nir)), rel=0.15)


# ------------------------------------------------------------------ texture coordinates
def test_head_texture_coordinates_follow_the_surface_without_seams_smeared():
    # Every head triangle maps to a small patch of the atlas (the seam at the back and the
    # crown's pole split, not stretched across it), and neighbouring points get neighbouring st.
    tpl = build_driver(driver(), FaceState(AHEAD, np.zeros(2), 4.0, {})).part("Head")
    st = uvs.skin_uvs()["Head"]
    corners = st.values[st.indices].reshape(-1, 3, 2)
    extent = np.ptp(corners, axis=1)
    assert extent[:, 0].max() < 0.05 and extent[:, 1].max() < 0.1   # the longest: the 30 mm row down to the neck
    # st per unit of surface: within a triangle, texels per mm vary at most a few times over the face
    p = tpl.points[tpl.faces] * 1e3
    area_mm = 0.5 * np.linalg.norm(np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]), axis=1)
    d = corners[:, 1:] - corners[:, :1]
    area_st = 0.5 * np.abs(d[:, 0, 0] * d[:, 1, 1] - d[:, 0, 1] * d[:, 1, 0])
    front = tpl.points[tpl.faces].mean(axis=1)
    face = (front[:, 0] > 0.0) & (np.abs(front[:, 2]) < 0.06)
    density = area_st[face] / area_mm[face]
    assert np.percentile(density, 95) / np.percentile(density, 5) < 6.0


# ------------------------------------------------------------------ rendered through a stage
def head_stage(ident, folder, *, maps=True, expression=None, R=np.eye(3), wavelength=940, matte=True,
               size=(160, 200), f_px=600.0, target=None, inputs=None, **lights):
    """A stage with the head alone, its st, occlusion and Skin material (maps of the identity,
    or none); sky light only unless lights say otherwise. Returns (StageReader, vehicle points)."""
    head = build_driver(ident, FaceState(AHEAD, np.zeros(2), 4.0, expression or {})).part("Head")
    R_vh = FACING @ R
    pts = head.points @ R_vh.T + [DISTANCE, 0.0, 0.0]
    uv = uvs.skin_uvs()["Head"]
    stage = usd_stage([UsdMesh("Head", pts, head.faces, "/World/Looks/Skin", uv.values, "faceVarying", uv.indices,
                               head.normals @ R_vh.T, skin.head_occlusion())],
                      size=size, f_px=f_px, target=AHEAD if target is None else target,
                      **(lights or dict(sky_lux=1000.0, sky_nir=1.0)))
    material = skin_material(ident.skin_type)
    if matte:   # no surface reflection: radiance is albedo / pi times the sky's irradiance
        material = dataclasses.replace(material, ior=0.0, roughness=0.0)
    textures = skin.skin_maps(ident, wavelength, SIZE, folder) if maps else {}
    textures = {k: v for k, v in textures.items() if inputs is None or k in inputs}
    write_material(stage, "/World/Looks/Skin", material, textures)
    return StageReader(stage), pts


def factor_image(gl, ident, folder, wavelength=940, **kw):
    """Per pixel (H, W, 4) albedo factor (r, g, b, nir) of the maps, and the head's vehicle points."""
    inputs = ("diffuseColor", nir_input(wavelength))    # albedo alone: no tilted normals
    a_reader, pts = head_stage(ident, folder, wavelength=wavelength, inputs=inputs, **kw)
    b_reader, _ = head_stage(ident, folder, wavelength=wavelength, maps=False, **kw)
    a, b = (gl.render(r.read(wavelength, 160, 200)) for r in (a_reader, b_reader))
    radiance = lambda buf: np.concatenate([buf.rgb, buf.nir[..., None]], axis=-1)
    on = (a.instance == 1) & (b.nir > 0)
    out = np.full(a.rgb.shape[:2] + (4,), np.nan)
    out[on] = radiance(a)[on] / radiance(b)[on]
    return out, pts


def region_pixels(pts, name, threshold=0.9, cam=None):
    """Pixels seen at template points of a region (skin.regions) facing the camera."""
    cam = cam or Camera(160, 200, 600.0, 600.0, 79.5, 99.5, look_at_opencv(np.zeros(3), AHEAD).T, np.zeros(3))
    w = skin.template_regions()[name]
    uv = np.rint(cam.project(cam.to_camera(pts[w > threshold]))).astype(int)
    inside = (uv[:, 0] >= 0) & (uv[:, 0] < cam.width) & (uv[:, 1] >= 0) & (uv[:, 1] < cam.height)
    return tuple(np.unique(uv[inside], axis=0).T[::-1])


@pytest.mark.parametrize("skin_type", [1, 4, 6])
def test_maps_keep_the_fitzpatrick_albedo(gl, folder, skin_type):
    # The Fitzpatrick reflectances the sensor is calibrated on are the face's mean: the rendered
    # face with its maps stays within a few % of it in every band.
    ident = driver(skin_type=skin_type, age=50.0, freckles=0.2, redness=0.15)
    for wavelength in (850, 940):
        f, pts = factor_image(gl, ident, folder, wavelength)
        mean = np.nanmean(f[region_pixels(pts, "face", 0.999)], axis=0)
        assert np.all(np.abs(mean - 1.0) < 0.03), (wavelength, mean)


def test_skin_sticks_to_the_surface_under_pose_and_expression(gl, folder):
    # A camera aimed at a skin point puts it on the image's centre pixel, where the rasteriser's
    # interpolated st are the point's own: its albedo factor must not change when the head turns
    # and the face smiles or talks (texels magnified: 0.2 mm per pixel against 0.75 mm texels).
    # The lighting it would change is taken out by hand (Lambert under the sky model).
    ident = driver(skin_type=1, age=60.0, freckles=0.3, redness=0.2)
    reg = skin.template_regions()
    rng = np.random.default_rng(0)
    picks = rng.choice(np.flatnonzero((reg["face"] > 0.99) & (reg["forehead"] + reg["cheeks"] > 0.5)), 10, replace=False)
    material = skin_material(1)
    poses = [(np.eye(3), {}), (rot(25.0, -10.0), {"smile": 0.8}), (rot(-15.0, 8.0), {"talk": 0.7})]
    occ = skin.head_occlusion()
    factors = np.full((len(poses), len(picks)), np.nan)
    for i, (R, expression) in enumerate(poses):
        head = build_driver(ident, FaceState(AHEAD, np.zeros(2), 4.0, expression)).part("Head")
        R_vh = FACING @ R
        for j, k in enumerate(picks):
            p = head.points[k] @ R_vh.T + [DISTANCE, 0.0, 0.0]
            reader, _ = head_stage(ident, folder, expression=expression, R=R, size=(33, 33), f_px=2000.0, target=p,
                                   inputs=("diffuseColor",))
            buf = gl.render(reader.read(940, 33, 33))
            if buf.instance[16, 16] != 1 or abs(buf.depth[16, 16] - np.linalg.norm(p)) > 2e-4:
                continue   # hidden in this pose
            n = head.normals[k] @ R_vh.T
            sky = 1000.0 * (0.5 + 0.5 * n[2]) * (1.0 - occ[k])
            factors[i, j] = buf.rgb[16, 16, 1] / (material.albedo_rgb[1] / np.pi * sky)
    seen = np.all(np.isfinite(factors), axis=0)
    assert seen.sum() >= 6
    assert np.allclose(factors[1:, seen], factors[0, seen], rtol=3e-3)
    # ... and the maps carry detail to keep: the points differ from each other.
    assert np.std(np.log(factors[0, seen])) > 0.02


def test_maps_break_up_the_highlight(gl, folder):
    # Sun behind the camera, a little above: the forehead shines. The surface reflection alone
    # (glossy render less matte render) is smooth under a constant roughness and normal; the
    # roughness map (pore to pore) and the normal map (lines, pores) break it up pixel to pixel.
    ident = driver(skin_type=6, age=70.0)
    lit = dict(size=(160, 200), f_px=900.0, sun_direction=(-1.0, 0.0, 0.25), sun_lux=50000.0)
    grain = {}
    for inputs in (("diffuseColor",), ("diffuseColor", "roughness", "normal")):
        glossy, pts = head_stage(ident, folder, matte=False, inputs=inputs, **lit)
        matte, _ = head_stage(ident, folder, matte=True, inputs=inputs, **lit)
        view = glossy.read(940, 160, 200)
        spec = gl.render(view).rgb[..., 1] - gl.render(matte.read(940, 160, 200)).rgb[..., 1]
        rows, cols = region_pixels(pts, "forehead", cam=view.camera)
        shine = spec[rows, cols] > 0.5 * np.percentile(spec[rows, cols], 90)
        step = np.abs(spec[rows, cols] - spec[rows, cols - 1])[shine]
        grain[inputs] = np.median(step) / spec[rows, cols][shine].mean()
    assert grain[("diffuseColor", "roughness", "normal")] > 1.5 * grain[("diffuseColor",)]


def test_gl_matches_reference_with_skin_maps(gl, folder):
    ident = driver(skin_type=2, age=70.0, freckles=0.3, redness=0.2)
    # Sky light only (the reference has no shadows), every map, the surface reflection on.
    reader, _ = head_stage(ident, folder, matte=False, size=(96, 120), f_px=360.0)
    view = reader.read(940, 96, 120)
    a, b = gl.render(view), render_reference(view)
    both = (a.instance == 1) & (b.instance == 1)
    assert both.sum() > 3000
    rel = lambda x, y: np.abs(x - y) / np.maximum(np.abs(y), 1e-9)
    err = np.maximum(rel(a.rgb[both], b.rgb[both]).max(axis=1), rel(a.nir[both], b.nir[both]))
    assert np.percentile(err, 99) < 1e-3
    assert err.max() < 2e-2


def test_skin_maps_reach_the_renderer_through_the_pipelines_stage(frames, maker):
    # The scene authors the maps on the Skin and Lips materials and st on every skin part; the
    # renderer's view reads them back (the seam at the back of the head split into more vertices).
    frame = frames[0]
    view = frame.view
    expected = skin.skin_maps(frame.params.identity, view.wavelength_nm, maker.stager.skin_texels, maker.stager.textures)
    for name in ("Head", "EarR", "EyeL/UpperLid", "Mouth/LowerLip"):
        inst = next(i for i in view.instances if i.prim == f"/World/Driver/{name}")
        assert set(inst.textures) == {"diffuseColor", "nir", "roughness", "normal"}
        assert inst.textures["diffuseColor"].image.key.startswith(str(expected["diffuseColor"].file))
        ids = view.instance_ids == inst.id
        values = uvs.skin_uvs()[name].values
        # every vertex's st is one of the part's own (faceVarying st may split points)
        assert np.abs(view.uv[ids][:, None, :] - values[None]).sum(axis=2).min(axis=1).max() < 1e-6
    head = next(i for i in view.instances if i.prim == "/World/Driver/Head")
    assert (view.instance_ids == head.id).sum() > len(uvs.skin_uvs()["Head"].values) - 100
    # The head and eyes carry their occlusion; the cabin carries none.
    cabin = np.array([not i.prim.startswith("/World/Driver/") for i in view.instances])
    assert np.all(view.occlusion[cabin[view.instance_ids - 1]] == 0.0)
    sclera = next(i for i in view.instances if i.prim.endswith("EyeR/Sclera"))
    assert view.occlusion[view.instance_ids == sclera.id].max() > 0.2


# ------------------------------------------------------------------ occlusion
def test_occlusion_radiance_is_the_open_share_of_the_sky(gl):
    cam = Camera(64, 64, 200.0, 200.0, 31.5, 31.5, look_at_opencv(np.zeros(3), AHEAD).T, np.zeros(3))
    pts, tris, normals = quad(np.array([0.5, 0.0, 0.0]), [-1, 0, 0], 0.2)
    material = dataclasses.replace(skin_material(3), roughness=0.0)   # matte: the sky's sheen is tests/test_specular.py's
    view = make_view([(pts, tris, normals, material, "skin")], cam, illuminator_w_sr=0.0, sky_lux=800.0, sky_nir=2.0)
    buf = gl.render(dataclasses.replace(view, occlusion=np.full(4, 0.3, np.float32)))
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
