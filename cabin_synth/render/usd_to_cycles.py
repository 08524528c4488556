"""What Blender's USD import cannot carry, mapped onto the imported scene.

Everything here is applied to objects that `bpy.ops.wm.usd_import` made from the
frame's composed stage; values come from the same stage, read back as the
SceneView (render/view.py) every renderer gets. docs/renderers.md lists each
mapping and why:

- prims: an imported object is found by its parent chain of names (Blender
  appends ".001" to repeated names; USD names cannot hold a dot);
- camera: the view's pinhole (a wider one when render/distort.py remaps for a
  lens);
- lights: the physical values of the cabin_synth:* attributes in Cycles' units
  (Watts for point and area lights, W/m^2 for the sun, radiance for the sky),
  per band: the RGB render is lit in lux-based units, the NIR one in W/m^2;
- materials: per band, from the stage's UsdPreviewSurface (RGB) or its
  cabin_synth:nir_reflectance_* (NIR), with the stage's normal and roughness
  maps in both bands; skin with random-walk subsurface
  scattering, hair with a hair BSDF along its fibre directions, the cornea
  refractive, see-through parts with their transmittances, the pupil's
  retro-reflection as camera-seen emission.
"""

import hashlib
import math
import re
from dataclasses import dataclass, replace

import numpy as np

from ..labels.raycast import hit_t
from ..scene.camera import R_USDCAM_CV, Camera
from ..scene.lighting import CABIN_SKY_VIEW, GLASS_NIR_TRANSMITTANCE, GLASS_VISIBLE_TRANSMITTANCE
from ..scene.materials import RETRO_ANGLE_RAD, Material
from . import textures
from .specular import FIBRE_PRIMVAR, HAIR_SHIFT_RAD, HAIR_WIDTH_RAD
from .view import SceneView

BANDS = ("rgb", "nir")
SUN_ANGLE_RAD = math.radians(0.53)   # the sun's disc
ILLUMINATOR_RADIUS_M = 0.004         # the LED's emitting sphere (scene/stage.py authors the same)
# Skin's diffuse mean free path per linear RGB channel, mm (Jensen et al. 2001,
# "A practical model for subsurface light transport", measured skin1). At 850-940 nm
# light goes at least as deep as in red; the red value is used for NIR.
SKIN_MFP_MM = (3.67, 1.37, 0.68)
SUBSURFACE_CLASSES = ("skin", "lips", "hands")
GLASS_ROUGHNESS = 0.1   # GGX alpha = roughness^2 = 0.01
# UsdUVTexture wraps as Blender's image extensions (one mode for both axes in Blender).
WRAP_EXTENSION = {"repeat": "REPEAT", "clamp": "EXTEND", "black": "CLIP"}


def _names(obj) -> tuple[str, ...]:
    """An imported object's parent chain of prim names (merge_parent_xform off keeps one
    object per prim; Blender appends .001 to repeated names, which USD names cannot hold)."""
    names = []
    while obj is not None:
        names.append(re.sub(r"\.\d{3,}$", "", obj.name))
        obj = obj.parent
    return tuple(reversed(names))


def _within(chain: tuple[str, ...], names: tuple[str, ...]) -> bool:
    """True when `chain` is `names` with some ancestors left out, ending at the same prim."""
    it = iter(names)
    return bool(chain) and chain[-1] == names[-1] and all(name in it for name in chain)


def find_prims(paths, objects) -> dict[str, object]:
    """The imported object of each USD prim path. Typeless ancestors (a `def` without a
    type) import as nothing, so an object's chain may skip them; the fullest match wins."""
    by_name: dict[str, list] = {}
    for obj in objects:
        by_name.setdefault(_names(obj)[-1], []).append(obj)
    found = {}
    for path in paths:
        names = tuple(path.strip("/").split("/"))
        matches = sorted((len(_names(o)), o.name, o) for o in by_name.get(names[-1], ()) if _within(_names(o), names))
        if matches and (len(matches) == 1 or matches[-1][0] > matches[-2][0]):
            found[path] = matches[-1][2]
    return found


def beam_nodes(light, axis: np.ndarray, exponent: float) -> None:
    """The LED's cos^m beam (UsdLux shaping:focus) on a Cycles point light: its emission
    times max(0, d . axis)^m, d the direction from the light to the lit point (the
    light shader's Incoming vector), the axis in world space, so the light's power
    alone sets its on-axis intensity, P / (4 pi)."""
    nodes, links = light.node_tree.nodes, light.node_tree.links
    geometry = nodes.new("ShaderNodeNewGeometry")
    dot = nodes.new("ShaderNodeVectorMath")
    dot.operation = "DOT_PRODUCT"
    dot.inputs[1].default_value = tuple(float(a) for a in axis)
    links.new(geometry.outputs["Incoming"], dot.inputs[0])
    ahead = nodes.new("ShaderNodeMath")
    ahead.operation = "MAXIMUM"
    ahead.inputs[1].default_value = 0.0
    links.new(dot.outputs["Value"], ahead.inputs[0])
    power = nodes.new("ShaderNodeMath")
    power.operation = "POWER"
    power.inputs[1].default_value = exponent
    links.new(ahead.outputs["Value"], power.inputs[0])
    emission = next(n for n in nodes if n.bl_idname == "ShaderNodeEmission")
    links.new(power.outputs["Value"], emission.inputs["Strength"])


@dataclass(frozen=True)
class WorldValues:
    """The world outside in one band: what rays that leave the scene see. Camera rays
    (through cabin glass too: a transparent surface keeps a ray a camera ray) see the
    dome and the sun's disc, as the rasteriser draws them; every other ray, the light
    of the dome where the car is in the open and the road lights from above."""
    dome_scale: float          # radiance per unit of the dome file's value, seen by the camera
    dome_light_scale: float    # the same as light: zero in a tunnel
    road_radiance: tuple[float, float, float]   # uniform over the upper hemisphere, light only
    sun_disc_radiance: float   # E / the disc's solid angle, seen by the camera


@dataclass(frozen=True)
class LightValues:
    """One band's light values in Cycles' units."""
    sun_w_m2: float        # the sun lamp's strength: irradiance normal to the sun
    sky_radiance: float    # the world's uniform radiance where the stage has no world outside
    illuminator_w: tuple[float, ...]                 # point lights' power: 4 pi I0
    lamp_w: tuple[tuple[float, float, float], ...]   # area lights' power per channel: pi I0
    world: WorldValues | None = None                 # the dome, when the stage has the world outside


def has_world(view: SceneView) -> bool:
    """Whether the stage has the world outside: a textured sky dome and the open-air light."""
    return view.dome is not None and view.outdoors is not None


def daylight_glass(view: SceneView, band: str) -> float:
    """The cabin glass's transmittance that the stage's in-cabin daylight holds (scene/lighting.py)."""
    return GLASS_VISIBLE_TRANSMITTANCE if band == "rgb" else GLASS_NIR_TRANSMITTANCE[view.wavelength_nm]


def light_values(view: SceneView, band: str) -> LightValues:
    """With the world outside (a dome and the outdoor values), the sun and the dome light
    everything at their open-air values and cabin glass passes the daylight model's
    transmittance to the light coming in (MaterialBuilder, daylight_glass), so the cabin
    receives the stage's in-cabin values while the world outside is lit as the rasteriser
    lights it. Without it (a
    stage of parts), the stage's daylight is what reaches a surface inside the cabin,
    glass included: the sky figure counts the share of the sky a seat sees
    (CABIN_SKY_VIEW), which Cycles finds itself by tracing the cabin, so the world's
    radiance is the unoccluded sky's, E / (view * pi), and glass passes everything."""
    rgb = band == "rgb"
    sky = view.sky_lux if rgb else view.sky_nir_w_m2
    world, sun = None, view.sun_lux if rgb else view.sun_nir_w_m2
    if has_world(view):
        out, dome = view.outdoors, view.dome
        sun = out.sun_lux if rgb else out.sun_nir_w_m2
        scale = dome.rgb_scale if rgb else dome.nir_scale
        road = tuple(float(c) for c in out.road_rgb_lux) if rgb else (out.road_nir_w_m2,) * 3
        disc = 2.0 * math.pi * (1.0 - math.cos(SUN_ANGLE_RAD / 2.0))
        world = WorldValues(scale, scale * out.open_air, tuple(c / math.pi for c in road), sun / disc)
    return LightValues(
        sun_w_m2=sun,
        sky_radiance=sky / (CABIN_SKY_VIEW * math.pi),
        illuminator_w=tuple(0.0 if rgb else 4 * math.pi * ill.w_sr for ill in view.illuminators),
        lamp_w=tuple(tuple(math.pi * c for c in lamp.rgb_cd) if rgb else (math.pi * lamp.nir_w_sr,) * 3
                     for lamp in view.lamps),
        world=world)


# Our lat-long frame (Y up, render.textures.latlong_st) -> Blender's equirectangular one
# (Z up: u = 0.5 - atan2(y, x) / 2 pi, v = 0.5 + asin(z) / pi): (x, y, z) <- (z, x, y).
LATLONG_TO_BLENDER = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def world_nodes(bpy, world, view: SceneView, band: str, values: WorldValues) -> None:
    """The world shader of one band (WorldValues): the DomeLight's lat-long file of the
    band looked up in the dome's orientation, times its intensity."""
    nodes, links = world.node_tree.nodes, world.node_tree.links
    nodes.clear()
    out = nodes.new("ShaderNodeOutputWorld")
    background = nodes.new("ShaderNodeBackground")
    background.inputs["Strength"].default_value = 1.0
    links.new(background.outputs["Background"], out.inputs["Surface"])
    direction = nodes.new("ShaderNodeTexCoord").outputs["Generated"]   # a world's: the ray's direction
    rows = LATLONG_TO_BLENDER @ view.dome.to_dome
    lookup = nodes.new("ShaderNodeCombineXYZ")
    for k, row in enumerate(rows):
        links.new(_vector_math(nodes, links, "DOT_PRODUCT", direction, row), lookup.inputs[k])
    env = nodes.new("ShaderNodeTexEnvironment")
    env.image = blender_image(bpy, view.dome.rgb if band == "rgb" else view.dome.nir)
    env.interpolation = "Linear"   # bilinear, as render.textures.sample_latlong
    links.new(lookup.outputs["Vector"], env.inputs["Vector"])
    dome = env.outputs["Color"]
    if band != "rgb":   # the NIR file is grey: its first channel
        split = nodes.new("ShaderNodeSeparateColor")
        links.new(dome, split.inputs["Color"])
        grey = nodes.new("ShaderNodeCombineColor")
        for k in range(3):
            links.new(split.outputs[0], grey.inputs[k])
        dome = grey.outputs["Color"]
    vector = lambda operation, x, y: _vector_math(nodes, links, operation, x, y)
    up = nodes.new("ShaderNodeSeparateXYZ")
    links.new(direction, up.inputs["Vector"])
    in_disc = _greater(nodes, links, vector("DOT_PRODUCT", direction, view.sun_direction),
                       math.cos(SUN_ANGLE_RAD / 2.0))
    seen = vector("ADD", vector("MULTIPLY", dome, (values.dome_scale,) * 3),
                  vector("MULTIPLY", in_disc, (values.sun_disc_radiance,) * 3))
    light = vector("ADD", vector("MULTIPLY", dome, (values.dome_light_scale,) * 3),
                   vector("MULTIPLY", _greater(nodes, links, up.outputs["Z"], 0.0), values.road_radiance))
    path = nodes.new("ShaderNodeLightPath")
    pick = nodes.new("ShaderNodeMix")
    pick.data_type = "VECTOR"
    links.new(path.outputs["Is Camera Ray"], pick.inputs["Factor"])
    links.new(light, pick.inputs["A"])
    links.new(seen, pick.inputs["B"])
    links.new(pick.outputs["Result"], background.inputs["Color"])


def _greater(nodes, links, socket, threshold: float):
    """1 where `socket` exceeds `threshold`, else 0."""
    node = nodes.new("ShaderNodeMath")
    node.operation = "GREATER_THAN"
    node.inputs[1].default_value = threshold
    links.new(socket, node.inputs[0])
    return node.outputs["Value"]


def _vector_math(nodes, links, operation: str, a, b):
    """`a` (a socket) `operation` `b` (a socket, or a constant vector)."""
    node = nodes.new("ShaderNodeVectorMath")
    node.operation = operation
    links.new(a, node.inputs[0])
    if isinstance(b, (tuple, list, np.ndarray)):
        node.inputs[1].default_value = tuple(float(x) for x in b)
    else:
        links.new(b, node.inputs[1])
    return node.outputs["Value" if operation == "DOT_PRODUCT" else "Vector"]


def blender_image(bpy, mip: "textures.MipImage"):
    """A decoded texture (render/textures.py, the texels the rasteriser draws) as a Blender
    image: level 0, four channels, bottom row first, linear. Named by a hash of its key:
    Blender cuts names at 63 characters."""
    name = "tex" + hashlib.sha1(mip.key.encode()).hexdigest()[:16]
    image = bpy.data.images.get(name)
    if image is None:
        level = mip.levels[0]
        h, w = level.shape[:2]
        pixels = textures.expand(level.reshape(h * w, -1)).astype(np.float32)
        image = bpy.data.images.new(name, w, h, alpha=True, float_buffer=True)
        image.colorspace_settings.name = "Non-Color"
        image.pixels.foreach_set(pixels.ravel())
    return image


BLENDER_SENSOR_MM = 36.0   # Blender clamps lens and sensor to >= 1 mm: draw on a full-frame sensor


def camera_settings(camera: Camera) -> dict:
    """Blender camera values for an OpenCV pinhole (square pixels) on a 36 mm sensor,
    the lens scaled with it. The principal point is a shift in units of the larger
    image side (pixel centres at integers in OpenCV, at half-integers from Blender's
    image edge)."""
    if not math.isclose(camera.fx, camera.fy, rel_tol=1e-9):
        raise ValueError("Cycles renders square pixels only (fx == fy)")
    side = max(camera.width, camera.height)
    M = np.eye(4)
    M[:3, :3] = camera.R_cam_vehicle.T @ R_USDCAM_CV
    M[:3, 3] = camera.position
    lens = BLENDER_SENSOR_MM * camera.fx / camera.width
    return {"lens": lens, "sensor_fit": "HORIZONTAL", "sensor_width": BLENDER_SENSOR_MM,
            "shift_x": ((camera.width - 1) / 2 - camera.cx) / side,
            "shift_y": (camera.cy - (camera.height - 1) / 2) / side,
            "clip_start": camera.near_m, "clip_end": camera.far_m, "matrix_world": M}


def retro_radiance(view: SceneView, instance_id: int) -> float:
    """The pupil's bright-pupil radiance seen by the camera (docs/sensors.md, Eye
    optics): sum over illuminators of R_retro E / pi exp(-(alpha / alpha0)^2), E the
    illuminator's irradiance at the pupil's centre through whatever see-through
    parts lie between (each face passes sqrt(T): parts are closed solids), zero
    behind anything opaque."""
    material = view.instances[instance_id - 1].material
    mask = view.instance_ids == instance_id
    centre = view.positions[mask].mean(axis=0).astype(float)
    normal = view.normals[mask].mean(axis=0).astype(float)
    normal /= max(np.linalg.norm(normal), 1e-12)
    tris = view.positions[view.triangles].astype(float)
    tri_ids = view.instance_ids[view.triangles[:, 0]]
    to_camera = view.camera.position - centre
    to_camera /= np.linalg.norm(to_camera)
    total = 0.0
    for ill in view.illuminators:
        d = ill.position - centre
        dist = float(np.linalg.norm(d))
        d /= dist
        cos_beam = max(float(np.dot(ill.axis, -d)), 0.0)
        e = ill.w_sr * cos_beam ** ill.exponent * max(float(np.dot(normal, d)), 0.0) / dist ** 2
        t = hit_t(centre, d, tris)
        crossed = (t < dist) & (tri_ids != instance_id)
        for k in tri_ids[crossed]:
            other = view.instances[k - 1]
            if other.material.opacity >= 1.0:
                e = 0.0
            elif other.semantic != "window" and not _is_cornea(other.material):
                e *= math.sqrt(other.material.nir_transmittance(view.wavelength_nm))
        alpha = math.acos(float(np.clip(np.dot(d, to_camera), -1.0, 1.0)))
        total += material.retroreflectance * e / math.pi * math.exp(-(alpha / RETRO_ANGLE_RAD) ** 2)
    return total


def _is_cornea(material: Material) -> bool:
    # The pupil lies under its own cornea, which the retro-reflected light passes by design.
    return material.opacity < 1.0 and material.ior > 1.3 and material.ior < 1.45


class MaterialBuilder:
    """Makes each instance's Blender material for one band."""

    def __init__(self, bpy, view: SceneView, band: str):
        self.bpy, self.view, self.band = bpy, view, band
        self._made: dict[tuple, object] = {}

    def material(self, obj, instance_id: int, imported):
        inst = self.view.instances[instance_id - 1]
        m = inst.material
        if m.fibre and not self._carries_fibres(instance_id):
            # A hair material on a mesh without fibre directions (the brows' cards) has no sheen,
            # as in the rasteriser: Cycles' Hair BSDF with a zero tangent gives a blinding spot.
            m = replace(m, fibre=False)
        retro = retro_radiance(self.view, instance_id) if self.band == "nir" and m.retroreflectance > 0 else 0.0
        nir = self.band == "nir"
        nir_texture = inst.textures.get("nir") if nir else None
        # A screen's picture glows in RGB; in NIR the material's emission (none for an LCD).
        glow_texture = None if nir else inst.textures.get("emissiveColor")
        # The surface's relief and gloss are the same in every band; a roughness map acts on
        # a glossy lobe only, as in the rasteriser.
        relief = (inst.textures.get("roughness") if m.glossy else None, inst.textures.get("normal"))
        key = (m, inst.semantic, retro, imported.name if imported is not None else None, id(nir_texture),
               id(glow_texture), id(inst.cutout), *map(id, relief))
        if key not in self._made:
            self._made[key] = self._build(f"{inst.prim}.{self.band}", m, inst.semantic, retro, imported, nir_texture,
                                          glow_texture, inst.cutout, relief)
        return self._made[key]

    def _carries_fibres(self, instance_id: int) -> bool:
        fibres = self.view.fibres
        return fibres is not None and bool(np.any(fibres[self.view.instance_ids == instance_id]))

    def _build(self, name: str, m: Material, semantic: str, retro: float, imported, nir_texture, glow_texture,
               cutout, relief):
        mat = self.bpy.data.materials.new(name)
        mat.use_nodes = True
        nodes, links = mat.node_tree.nodes, mat.node_tree.links
        nodes.clear()
        out = nodes.new("ShaderNodeOutputMaterial")
        nir = self.band == "nir"
        if m.opacity < 1.0:
            shader = self._see_through(nodes, links, m, semantic)
        else:
            shader = self._opaque(nodes, links, m, semantic, imported, nir_texture, *relief)
        emission = (m.emission_nir,) * 3 if nir else m.emission_rgb
        if max(m.emission_rgb) > 0 or m.emission_nir > 0 or glow_texture is not None:
            # A lamp's lens: the lamp's light comes through it (the area lamp behind it),
            # so shadow rays pass it by.
            shader = _shadow_rays_meet(nodes, links, shader, nodes.new("ShaderNodeBsdfTransparent").outputs["BSDF"])
        if retro > 0:
            emission = (emission[0] + retro,) * 3
        if max(emission) > 0 or glow_texture is not None:
            # Seen by the camera only, directly or through glass (the pupil through its
            # cornea): a lamp's lens or a screen is already a light, the pupil's glow
            # goes back towards its source.
            glow = nodes.new("ShaderNodeEmission")
            glow.inputs["Color"].default_value = (*emission, 1.0)
            if glow_texture is not None:
                links.new(self._texture(nodes, links, glow_texture), glow.inputs["Color"])
            glow.inputs["Strength"].default_value = 1.0
            path = nodes.new("ShaderNodeLightPath")
            seen = nodes.new("ShaderNodeMath")
            seen.operation = "MAXIMUM"
            links.new(path.outputs["Is Camera Ray"], seen.inputs[0])
            links.new(path.outputs["Is Transmission Ray"], seen.inputs[1])
            gate = nodes.new("ShaderNodeMixShader")
            links.new(seen.outputs["Value"], gate.inputs["Fac"])
            add = nodes.new("ShaderNodeAddShader")
            links.new(shader, add.inputs[0])
            links.new(glow.outputs["Emission"], add.inputs[1])
            links.new(shader, gate.inputs[1])
            links.new(add.outputs["Shader"], gate.inputs[2])
            shader = gate.outputs["Shader"]
        if cutout is not None:
            shader = self._cut_out(nodes, links, shader, cutout, m.opacity_threshold)
        links.new(shader, out.inputs["Surface"])
        return mat

    def cut_out_geometry(self, instance):
        """The geometry pass's material of a cut-out (render/cycles.py): a plain diffuse where
        its opacity passes the threshold, clear in its gaps."""
        key = ("geometry", id(instance.cutout), instance.material.opacity_threshold)
        if key not in self._made:
            mat = self.bpy.data.materials.new(f"geometry.cutout.{instance.prim}")
            mat.use_nodes = True
            nodes, links = mat.node_tree.nodes, mat.node_tree.links
            nodes.clear()
            shader = self._cut_out(nodes, links, nodes.new("ShaderNodeBsdfDiffuse").outputs["BSDF"], instance.cutout,
                                   instance.material.opacity_threshold)
            links.new(shader, nodes.new("ShaderNodeOutputMaterial").inputs["Surface"])
            self._made[key] = mat
        return self._made[key]

    def _cut_out(self, nodes, links, shader, binding, threshold: float):
        """An alpha-tested cut-out (opacityThreshold): where the opacity texture reads below the
        threshold every ray passes straight on (a clear Transparent BSDF), as the rasteriser
        discards the fragment; elsewhere the surface. The lookup is the level-0 bilinear one
        the rasteriser and the labels take (render.textures.cut_away)."""
        present = nodes.new("ShaderNodeMath")
        present.operation = "GREATER_THAN"          # opacity >= threshold: the surface is there
        links.new(self._texture(nodes, links, binding), present.inputs[0])
        present.inputs[1].default_value = math.nextafter(threshold, -math.inf)
        clear = nodes.new("ShaderNodeBsdfTransparent")
        clear.inputs["Color"].default_value = (1.0, 1.0, 1.0, 1.0)
        mix = nodes.new("ShaderNodeMixShader")
        links.new(present.outputs["Value"], mix.inputs["Fac"])
        links.new(clear.outputs["BSDF"], mix.inputs[1])
        links.new(shader, mix.inputs[2])
        return mix.outputs["Shader"]

    def _reflectance(self, m: Material) -> tuple[float, float, float]:
        return tuple(m.albedo_rgb) if self.band == "rgb" else (m.nir(self.view.wavelength_nm),) * 3

    def _opaque(self, nodes, links, m: Material, semantic: str, imported, nir_texture, roughness_texture,
                normal_texture):
        bsdf = nodes.new("ShaderNodeBsdfPrincipled")
        bsdf.inputs["Base Color"].default_value = (*self._reflectance(m), 1.0)
        source = _imported_principled(imported)
        if self.band == "rgb" and source is not None and source.inputs["Base Color"].is_linked:
            # A texture on the stage's UsdPreviewSurface comes through the import: keep it.
            _copy_input_chain(source.inputs["Base Color"], bsdf.inputs["Base Color"], nodes, links)
        if nir_texture is not None:
            links.new(self._texture(nodes, links, nir_texture), bsdf.inputs["Base Color"])
        if m.glossy:
            bsdf.inputs["Roughness"].default_value = math.sqrt(m.roughness)   # UsdPreviewSurface convention
            bsdf.inputs["IOR"].default_value = m.ior
            if roughness_texture is not None:
                # A texel is UsdPreviewSurface's roughness r, Blender's too (GGX alpha = r^2, our
                # Beckmann m = r^2), kept above the renderers' smallest m as the rasteriser does.
                rough = nodes.new("ShaderNodeMath")
                rough.operation = "MAXIMUM"
                links.new(self._texture(nodes, links, roughness_texture), rough.inputs[0])
                rough.inputs[1].default_value = math.sqrt(textures.MIN_ROUGHNESS_M)
                links.new(rough.outputs["Value"], bsdf.inputs["Roughness"])
        else:
            bsdf.inputs["Roughness"].default_value = 1.0
            bsdf.inputs["Specular IOR Level"].default_value = 0.0   # Lambertian, as the rasteriser
        if normal_texture is not None:
            links.new(self._normal_map(nodes, links, normal_texture), bsdf.inputs["Normal"])
        if semantic in SUBSURFACE_CLASSES and m.glossy:
            bsdf.subsurface_method = "RANDOM_WALK"
            bsdf.inputs["Subsurface Weight"].default_value = 1.0
            mfp = SKIN_MFP_MM if self.band == "rgb" else (SKIN_MFP_MM[0],) * 3
            bsdf.inputs["Subsurface Radius"].default_value = mfp
            bsdf.inputs["Subsurface Scale"].default_value = 0.001   # mm -> m
        if not m.fibre:
            return bsdf.outputs["BSDF"]
        return self._hair(nodes, links, m, bsdf.outputs["BSDF"])

    def _texture(self, nodes, links, binding):
        """A texture from the decoded image the view holds (the importer knows neither our NIR
        input nor the UsdUVTexture's scale and bias on a picture): its channel, or its
        colour for a three-channel output, times the scale plus the bias, looked up at the
        mesh's st."""
        uv = nodes.new("ShaderNodeUVMap")
        uv.uv_map = binding.st
        lookup = nodes.new("ShaderNodeTexImage")
        lookup.image = blender_image(self.bpy, binding.image)
        lookup.interpolation = "Linear"
        lookup.extension = WRAP_EXTENSION[binding.wrap[0]]
        links.new(uv.outputs["UV"], lookup.inputs["Vector"])
        if len(binding.channels) == 3:
            scaled = nodes.new("ShaderNodeVectorMath")
            scaled.operation = "MULTIPLY_ADD"
            links.new(lookup.outputs["Color"], scaled.inputs[0])
            scaled.inputs[1].default_value = binding.scale[:3]
            scaled.inputs[2].default_value = binding.bias[:3]
            return scaled.outputs["Vector"]
        channel = binding.channels[0]
        if channel == 3:
            value = lookup.outputs["Alpha"]
        else:
            split = nodes.new("ShaderNodeSeparateColor")
            links.new(lookup.outputs["Color"], split.inputs["Color"])
            value = split.outputs[channel]
        scaled = nodes.new("ShaderNodeMath")
        scaled.operation = "MULTIPLY_ADD"
        links.new(value, scaled.inputs[0])
        scaled.inputs[1].default_value = binding.scale[channel]
        scaled.inputs[2].default_value = binding.bias[channel]
        return scaled.outputs["Value"]

    def _normal_map(self, nodes, links, binding):
        """A tangent-space normal map (x along s, y along t, z the surface normal: the
        rasteriser's frame, OpenGL's green-up convention, which Blender's Normal Map node
        takes) on the mesh's st. The texel times the UsdUVTexture's scale plus its bias is
        the normal n; the node reads a colour c as n = 2 c - 1, so it gets (n + 1) / 2.
        Built from the view's binding rather than kept from the import: the importer applies
        a normal map's scale and bias only when they are the specification's (2, -1)."""
        normal = self._texture(nodes, links, binding)
        encoded = nodes.new("ShaderNodeVectorMath")
        encoded.operation = "MULTIPLY_ADD"
        links.new(normal, encoded.inputs[0])
        encoded.inputs[1].default_value = (0.5, 0.5, 0.5)
        encoded.inputs[2].default_value = (0.5, 0.5, 0.5)
        node = nodes.new("ShaderNodeNormalMap")
        node.space = "TANGENT"
        node.uv_map = binding.st
        node.inputs["Strength"].default_value = 1.0
        links.new(encoded.outputs["Vector"], node.inputs["Color"])
        return node.outputs["Normal"]

    def _hair(self, nodes, links, m: Material, diffuse):
        """Hair shells: their diffuse plus the fibres' primary highlight (the R lobe,
        shifted towards the roots), Cycles' Hair BSDF along the fibre directions the
        stage carries as a primvar, weighted by keratin's Fresnel reflectance head on."""
        fibre = nodes.new("ShaderNodeAttribute")
        fibre.attribute_type = "GEOMETRY"
        fibre.attribute_name = FIBRE_PRIMVAR
        to_world = nodes.new("ShaderNodeVectorTransform")
        to_world.vector_type = "VECTOR"
        to_world.convert_from, to_world.convert_to = "OBJECT", "WORLD"
        links.new(fibre.outputs["Vector"], to_world.inputs["Vector"])
        hair = nodes.new("ShaderNodeBsdfHair")
        hair.component = "Reflection"
        f0 = ((m.ior - 1.0) / (m.ior + 1.0)) ** 2
        hair.inputs["Color"].default_value = (f0, f0, f0, 1.0)
        hair.inputs["Offset"].default_value = HAIR_SHIFT_RAD
        hair.inputs["RoughnessU"].default_value = HAIR_WIDTH_RAD / (math.pi / 2)
        hair.inputs["RoughnessV"].default_value = 1.0
        links.new(to_world.outputs["Vector"], hair.inputs["Tangent"])
        add = nodes.new("ShaderNodeAddShader")
        links.new(diffuse, add.inputs[0])
        links.new(hair.outputs["BSDF"], add.inputs[1])
        return add.outputs["Shader"]

    def _see_through(self, nodes, links, m: Material, semantic: str):
        """Glass and lenses: each face passes sqrt(T) (closed solids: a ray through a
        part crosses two faces). Camera and reflected rays refract (glints and glare
        arise from the surface); shadow rays pass straight through, filtered, since a
        point light seen through a refracting surface cannot be sampled. Cabin glass
        is thin and flat: it filters without bending (light_values says what it passes
        to the light)."""
        t = m.transmittance_visible if self.band == "rgb" else m.nir_transmittance(self.view.wavelength_nm)
        clear = self._filter(nodes, t)
        if semantic == "window":
            if not has_world(self.view):   # the stage's daylight values hold the glass already
                return self._filter(nodes, 1.0).outputs["BSDF"]
            # The camera sees through the pane's own transmittance, the light comes in
            # through the daylight model's (a transparent surface keeps a camera ray one).
            mix = nodes.new("ShaderNodeMixShader")
            links.new(nodes.new("ShaderNodeLightPath").outputs["Is Camera Ray"], mix.inputs["Fac"])
            links.new(self._filter(nodes, daylight_glass(self.view, self.band)).outputs["BSDF"], mix.inputs[1])
            links.new(clear.outputs["BSDF"], mix.inputs[2])
            return mix.outputs["Shader"]
        if m.ior <= 0:
            return clear.outputs["BSDF"]
        glass = nodes.new("ShaderNodeBsdfGlass")
        glass.distribution = "GGX"
        # Nearly mirror-smooth (a tear film, a coated lens): a perfect mirror's glint of a
        # 4 mm LED is found only by paths that happen to hit the LED; a 0.6 deg lobe lets
        # Cycles aim at the light, and still keeps the glint well under a pixel.
        glass.inputs["Roughness"].default_value = GLASS_ROUGHNESS
        glass.inputs["Color"].default_value = clear.inputs["Color"].default_value
        glass.inputs["IOR"].default_value = m.ior
        return _shadow_rays_meet(nodes, links, glass.outputs["BSDF"], clear.outputs["BSDF"])

    @staticmethod
    def _filter(nodes, t: float):
        """A transparent face of a closed solid that passes T: sqrt(T) per face."""
        clear = nodes.new("ShaderNodeBsdfTransparent")
        clear.inputs["Color"].default_value = (math.sqrt(t),) * 3 + (1.0,)
        return clear


def _shadow_rays_meet(nodes, links, shader, other):
    """`shader` for every ray but shadow rays, which meet `other` instead."""
    path = nodes.new("ShaderNodeLightPath")
    mix = nodes.new("ShaderNodeMixShader")
    links.new(path.outputs["Is Shadow Ray"], mix.inputs["Fac"])
    links.new(shader, mix.inputs[1])
    links.new(other, mix.inputs[2])
    return mix.outputs["Shader"]


def _imported_principled(material):
    if material is None or material.node_tree is None:
        return None
    return next((n for n in material.node_tree.nodes if n.bl_idname == "ShaderNodeBsdfPrincipled"), None)


def _copy_input_chain(source_input, target_input, nodes, links) -> None:
    """Recreate the nodes feeding `source_input` (an imported texture lookup) in another tree."""
    made = {}

    def copy(node):
        if node.name in made:
            return made[node.name]
        twin = nodes.new(node.bl_idname)
        for attr in ("image", "interpolation", "extension", "projection", "attribute_name", "attribute_type",
                     "uv_map", "data_type", "operation", "blend_type"):
            if hasattr(node, attr):
                setattr(twin, attr, getattr(node, attr))
        for i, inp in enumerate(node.inputs):
            if inp.is_linked:
                link = inp.links[0]
                links.new(copy(link.from_node).outputs[link.from_socket.identifier], twin.inputs[i])
            elif hasattr(inp, "default_value") and hasattr(twin.inputs[i], "default_value"):
                twin.inputs[i].default_value = inp.default_value
        made[node.name] = twin
        return twin

    link = source_input.links[0]
    links.new(copy(link.from_node).outputs[link.from_socket.identifier], target_input)
