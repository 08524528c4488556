"""A slow, plain numpy rasteriser: the test oracle for the GL renderer.

Same inputs, same buffers, same direct light model as render/gl.py (Lambert
under sun, sky, every illuminator and every lit cabin lamp, the glossy lobe of
skin and the sheen of hair fibres (cabin_synth.render.specular), bright-pupil
retro-reflection, emissive surfaces, textured materials (cabin_synth.render.textures,
filtered as GL filters them), ambient occlusion of the sky; the world outside
under its own light, the sky dome where no surface is, see-through filters),
written the obvious way (a z-buffer filled triangle by triangle, shading
afterwards) so tests can check the fast path against it. It does not model
shadows or corneal glints: tests check those against geometry computed by hand
(tests/test_render.py, tests/test_eye_optics.py).
"""

from typing import NamedTuple

import numpy as np

from ..scene.materials import RETRO_ANGLE_RAD
from . import specular, textures
from .gl import SUN_DIAMETER_RAD
from .buffers import Buffers
from .view import SceneView


class _Cover(NamedTuple):
    """The pixels a screen triangle may cover: its bounding box clipped to the image."""
    rows: slice
    cols: slice
    uu: np.ndarray          # pixel columns (u) of the box
    vv: np.ndarray          # pixel rows (v) of the box
    w: np.ndarray           # screen-space barycentrics at the pixel centres, (..., 3)
    inside: np.ndarray      # centres inside the triangle
    d: float                # twice its signed area in (u, v)


def _barycentric(p: np.ndarray, d: float, uu, vv) -> np.ndarray:
    """Screen-space barycentric weights (..., 3) at pixel positions (uu, vv) of the screen
    triangle p (3, 2) whose doubled signed area is d."""
    w1 = ((uu - p[0, 0]) * (p[2, 1] - p[0, 1]) - (p[2, 0] - p[0, 0]) * (vv - p[0, 1])) / d
    w2 = ((p[1, 0] - p[0, 0]) * (vv - p[0, 1]) - (uu - p[0, 0]) * (p[1, 1] - p[0, 1])) / d
    return np.stack([1.0 - w1 - w2, w1, w2], axis=-1)


def _perspective(w: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Perspective-correct weights from screen-space ones (1/z is linear in screen space)."""
    persp = w / z
    return persp / persp.sum(axis=-1, keepdims=True)


def _covered(p: np.ndarray, W: int, H: int) -> _Cover | None:
    """Pixels whose centres may lie in the screen triangle p (3, 2), or None."""
    u0, v0 = np.floor(p.min(axis=0)).astype(int)
    u1, v1 = np.ceil(p.max(axis=0)).astype(int)
    u0, v0, u1, v1 = max(u0, 0), max(v0, 0), min(u1, W - 1), min(v1, H - 1)
    if u0 > u1 or v0 > v1:
        return None
    uu, vv = np.meshgrid(np.arange(u0, u1 + 1), np.arange(v0, v1 + 1))
    d = (p[1, 0] - p[0, 0]) * (p[2, 1] - p[0, 1]) - (p[2, 0] - p[0, 0]) * (p[1, 1] - p[0, 1])
    if abs(d) < 1e-12:
        return None
    w = _barycentric(p, d, uu, vv)
    return _Cover(slice(v0, v1 + 1), slice(u0, u1 + 1), uu, vv, w, np.all(w >= 0, axis=-1), d)


def render_reference(view: SceneView) -> Buffers:
    cam = view.camera
    H, W = cam.height, cam.width
    opaque = np.array([inst.material.opacity >= 1.0 for inst in view.instances])
    tris = view.triangles[opaque[view.instance_ids[view.triangles[:, 0]] - 1]]
    pc = cam.to_camera(view.positions.astype(np.float64))
    uv = np.stack([cam.fx * pc[:, 0] / pc[:, 2] + cam.cx, cam.fy * pc[:, 1] / pc[:, 2] + cam.cy], axis=1)

    zbuf = np.full((H, W), np.inf)
    tri_at = np.full((H, W), -1, np.int64)
    bary_at = np.zeros((H, W, 3))
    # The change of the perspective-correct weights across the pixel, which sets a texture's level
    # of detail, taken as GL takes it: between the two pixels of the pixel's 2 x 2 quad in its own
    # row (x) and column (y) ("fine" derivatives), quads paired in window coordinates (y up).
    bary_dx, bary_dy = np.zeros((H, W, 3)), np.zeros((H, W, 3))
    for t_index, (a, b, c) in enumerate(tris):
        z = pc[[a, b, c], 2]
        if np.any(z < cam.near_m):
            continue  # the GL path clips; no test scene puts geometry behind the near plane
        p = uv[[a, b, c]]
        cover = _covered(p, W, H)
        if cover is None:
            continue
        rows, cols = cover.rows, cover.cols
        zz = 1.0 / np.where(cover.inside, (cover.w / z).sum(axis=-1), 1.0)
        closer = cover.inside & (zz < zbuf[rows, cols])
        zbuf[rows, cols][closer] = zz[closer]
        tri_at[rows, cols][closer] = t_index
        bary_at[rows, cols][closer] = _perspective(cover.w, z)[closer]
        if view.uv is not None:
            weights = lambda uu, vv: _perspective(_barycentric(p, cover.d, uu, vv), z)
            uu, vv = cover.uu, cover.vv
            left = uu - uu % 2
            low = H - 1 - ((H - 1 - vv) - (H - 1 - vv) % 2)    # image row of the quad's lower window row
            bary_dx[rows, cols][closer] = (weights(left + 1.0, vv) - weights(left, vv))[closer]
            bary_dy[rows, cols][closer] = (weights(uu, low - 1.0) - weights(uu, low))[closer]

    hit = tri_at >= 0
    corners = tris[tri_at[hit]]
    w = bary_at[hit]
    pos = np.einsum("nk,nkj->nj", w, view.positions[corners].astype(np.float64))
    nrm = np.einsum("nk,nkj->nj", w, view.normals[corners].astype(np.float64))
    nrm /= np.linalg.norm(nrm, axis=1, keepdims=True)
    flip = np.einsum("nj,nj->n", nrm, cam.position - pos) < 0
    nrm[flip] *= -1
    inst = view.instance_ids[corners[:, 0]]
    albedo = np.array([view.instances[i - 1].material.albedo_rgb for i in inst]).reshape(-1, 3)
    rho = np.array([view.instances[i - 1].material.nir(view.wavelength_nm) for i in inst])
    occlusion = np.zeros(len(pos))
    if view.occlusion is not None:
        occlusion = np.einsum("nk,nk->n", w, view.occlusion[corners].astype(np.float64))

    by_id = [None] + [i.material for i in view.instances]
    glossy = np.array([False] + [m.glossy for m in by_id[1:]])[inst]
    rough = np.array([1.0] + [m.roughness if m.glossy else 1.0 for m in by_id[1:]])[inst]
    glow = np.array([(*by_id[i].emission_rgb, by_id[i].emission_nir) for i in inst]).reshape(-1, 4)
    if view.uv is not None:
        st = np.einsum("nk,nkj->nj", w, view.uv[corners].astype(np.float64))
        st_dx = np.einsum("nk,nkj->nj", bary_dx[hit], view.uv[corners].astype(np.float64))
        st_dy = np.einsum("nk,nkj->nj", bary_dy[hit], view.uv[corners].astype(np.float64))
        for instance in view.instances:
            sel = inst == instance.id
            if not instance.textures or not sel.any():
                continue
            value = {name: textures.sample(b, st[sel], st_dx[sel], st_dy[sel])
                     for name, b in instance.textures.items()}
            colour = lambda v: np.repeat(v, 3, axis=1) if v.shape[1] == 1 else v
            if "diffuseColor" in value:
                albedo[sel] = colour(value["diffuseColor"])
            if "nir" in value:
                rho[sel] = value["nir"][:, 0]
            if "roughness" in value and instance.material.glossy:
                rough[sel] = np.maximum(value["roughness"][:, 0] ** 2, textures.MIN_ROUGHNESS_M)
            if "emissiveColor" in value:
                glow[sel, :3] = colour(value["emissiveColor"])
            if "normal" in value:   # the map tilts the front's normal; the back sees its opposite
                tangent = np.einsum("nk,nkj->nj", w[sel], view.tangents[corners[sel]].astype(np.float64))
                side = np.where(flip[sel], -1.0, 1.0)[:, None]
                n = nrm[sel] * side
                t_s = tangent[:, :3] - n * np.einsum("nj,nj->n", n, tangent[:, :3])[:, None]
                t_s /= np.maximum(np.linalg.norm(t_s, axis=1, keepdims=True), 1e-12)
                b_s = np.cross(n, t_s) * tangent[:, 3:4]
                tn = value["normal"]
                tilted = tn[:, :1] * t_s + tn[:, 1:2] * b_s + tn[:, 2:3] * n
                nrm[sel] = side * tilted / np.linalg.norm(tilted, axis=1, keepdims=True)

    sun = np.clip(nrm @ view.sun_direction, 0, None)
    sky = (0.5 + 0.5 * nrm[:, 2]) * (1.0 - occlusion)
    retro_strength = np.array([view.instances[i - 1].material.retroreflectance for i in inst])
    to_cam = cam.position - pos
    to_cam /= np.linalg.norm(to_cam, axis=1, keepdims=True)

    # Glossy surfaces: specular radiance per unit of each light's irradiance, white in every band.
    fibre = np.array([False] + [m.fibre for m in by_id[1:]])[inst]
    eta = np.array([1.5] + [m.ior if m.glossy or m.fibre else 1.5 for m in by_id[1:]])[inst]
    t = np.zeros_like(pos)
    if view.fibres is not None and fibre.any():
        t = np.einsum("nk,nkj->nj", w, view.fibres[corners].astype(np.float64))
        length = np.linalg.norm(t, axis=1, keepdims=True)
        t = np.where(length > 1e-6, t / np.maximum(length, 1e-6), 0.0)
    brdf = lambda l: np.where(glossy, specular.brdf(nrm, l, to_cam, eta, rough), 0.0) + \
        np.where(fibre, specular.fibre_brdf(t, nrm, l, to_cam, eta), 0.0)
    s_sun = brdf(np.broadcast_to(view.sun_direction, pos.shape)) * sun
    s_sky = np.zeros(len(pos))
    for i in np.unique(inst[glossy]):
        m, sel = by_id[i], inst == i
        s_sky[sel] = sky[sel] / np.pi * specular.sky_albedo(np.einsum("nj,nj->n", nrm[sel], to_cam[sel]),
                                                            specular.albedo_table(m.ior, m.roughness))
    s_ill = np.zeros(len(pos))
    e_ill = np.zeros(len(pos))
    retro = np.zeros(len(pos))
    for ill in view.illuminators:
        to_ill = ill.position - pos
        d2 = np.einsum("nj,nj->n", to_ill, to_ill)
        l = to_ill / np.sqrt(d2)[:, None]
        emit = np.clip(-l @ ill.axis, 0, None) ** ill.exponent
        e = ill.w_sr * emit * np.clip(np.einsum("nj,nj->n", nrm, l), 0, None) / d2
        alpha = np.arccos(np.clip(np.einsum("nj,nj->n", l, to_cam), -1, 1))
        e_ill += e
        retro += e * np.exp(-(alpha / RETRO_ANGLE_RAD) ** 2)
        s_ill += e * brdf(l)
    led = rho / np.pi * e_ill + retro_strength / np.pi * retro + s_ill

    e_lamp = np.zeros((len(pos), 3))
    s_lamp = np.zeros((len(pos), 4))
    for lamp in view.lamps:
        to_lamp = lamp.position - pos
        d2 = np.einsum("nj,nj->n", to_lamp, to_lamp)
        l = to_lamp / np.sqrt(d2)[:, None]
        g = np.clip(-l @ lamp.axis, 0, None) ** lamp.exponent * np.clip(np.einsum("nj,nj->n", nrm, l), 0, None) / d2
        e_lamp += g[:, None] * lamp.rgb_cd
        e_ill += g * lamp.nir_w_sr      # no retro-reflection: a lamp is far off the camera axis
        s_lamp += (g * brdf(l))[:, None] * (*lamp.rgb_cd, lamp.nir_w_sr)

    rgb = np.zeros((H, W, 3), np.float32)
    nir = np.zeros((H, W), np.float32)
    tint = np.asarray(view.sky_rgb, float)
    rgb_hit = (albedo / np.pi * ((view.sun_lux * sun)[:, None] + (view.sky_lux * sky)[:, None] * tint + e_lamp)
               + glow[:, :3] + (view.sun_lux * s_sun)[:, None] + (view.sky_lux * s_sky)[:, None] * tint + s_lamp[:, :3])
    nir_hit = (rho / np.pi * (e_ill + view.sun_nir_w_m2 * sun + view.sky_nir_w_m2 * sky) + retro_strength / np.pi * retro
               + glow[:, 3] + s_ill + view.sun_nir_w_m2 * s_sun + view.sky_nir_w_m2 * s_sky + s_lamp[:, 3])
    outside = np.array([False] + [i.semantic == "exterior" for i in view.instances])[inst]
    if outside.any():
        rgb_out, nir_out = outdoor_radiance(view, nrm[outside], albedo[outside], rho[outside])
        rgb_hit[outside], nir_hit[outside] = rgb_out + glow[outside, :3], nir_out + glow[outside, 3]
    rgb[hit], nir[hit] = rgb_hit, nir_hit
    nir_illuminators = np.zeros((H, W), np.float32)
    nir_illuminators[hit] = np.where(outside, 0.0, led)     # the illuminators light nothing outside
    depth = np.where(hit, zbuf, 0.0).astype(np.float32)
    instance = np.zeros((H, W), np.int32)
    instance[hit] = inst
    if view.dome is not None:
        _sky(view, ~hit, rgb, nir, instance)
    _filter(view, pc, uv, zbuf, rgb, nir, nir_illuminators)
    return Buffers(rgb=rgb, nir=nir, depth=depth, instance=instance, nir_illuminators=nir_illuminators)


def outdoor_radiance(view: SceneView, nrm: np.ndarray, albedo: np.ndarray, rho: np.ndarray):
    """Lambertian radiance of the world outside: sun and sky in the open air, road lights
    from above (gl.py's exterior branch)."""
    out = view.outdoors
    up = 0.5 + 0.5 * nrm[:, 2]
    sun = np.clip(nrm @ view.sun_direction, 0, None)
    rgb = albedo / np.pi * ((out.sun_lux * sun + out.sky_lux * up)[:, None] + up[:, None] * out.road_rgb_lux)
    nir = rho / np.pi * (out.sun_nir_w_m2 * sun + (out.sky_nir_w_m2 + out.road_nir_w_m2) * up)
    return rgb, nir


def _sky(view: SceneView, empty: np.ndarray, rgb, nir, instance) -> None:
    """The dome and the sun's disc where no surface is."""
    cam, dome = view.camera, view.dome
    v, u = np.nonzero(empty)
    rays = np.stack([(u - cam.cx) / cam.fx, (v - cam.cy) / cam.fy, np.ones(len(u))], axis=1) @ cam.R_cam_vehicle
    rays /= np.linalg.norm(rays, axis=1, keepdims=True)
    local = rays @ dome.to_dome.T
    L_rgb = textures.sample_latlong(dome.rgb, local)[:, :3] * dome.rgb_scale
    L_nir = textures.sample_latlong(dome.nir, local)[:, 0] * dome.nir_scale
    half = SUN_DIAMETER_RAD / 2
    disc = rays @ view.sun_direction >= np.cos(half)
    if view.outdoors is not None and disc.any():
        omega = 2.0 * np.pi * (1.0 - np.cos(half))
        L_rgb[disc] += view.outdoors.sun_lux / omega
        L_nir[disc] += view.outdoors.sun_nir_w_m2 / omega
    rgb[v, u], nir[v, u], instance[v, u] = L_rgb, L_nir, dome.id


def _filter(view: SceneView, pc, uv, zbuf, rgb, nir, nir_illuminators) -> None:
    """See-through parts multiply what lies behind them by their transmittance, once per
    face turned to the camera (gl.py's filter pass: front faces, counter-clockwise in
    window coordinates, whose rows run opposite to v)."""
    cam = view.camera
    H, W = cam.height, cam.width
    see = [i for i in view.instances if i.material.opacity < 1.0]
    if not see:
        return
    T = {i.id: (i.material.transmittance_visible, i.material.nir_transmittance(view.wavelength_nm)) for i in see}
    tri_id = view.instance_ids[view.triangles[:, 0]]
    for (a, b, c), k in zip(view.triangles[np.isin(tri_id, list(T))], tri_id[np.isin(tri_id, list(T))]):
        z = pc[[a, b, c], 2]
        if np.any(z < cam.near_m):
            continue
        cover = _covered(uv[[a, b, c]], W, H)
        if cover is None or cover.d > 0:
            continue
        rows, cols = cover.rows, cover.cols
        zz = 1.0 / np.where(cover.inside, (cover.w / z).sum(axis=-1), 1.0)
        behind = cover.inside & (zz < zbuf[rows, cols])
        rgb[rows, cols][behind] *= T[k][0]
        nir[rows, cols][behind] *= T[k][1]
        nir_illuminators[rows, cols][behind] *= T[k][1]
