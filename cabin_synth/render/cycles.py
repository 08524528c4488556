"""Blender Cycles, a path tracer, rendering the frame's composed USD stage.

The stage goes to Blender's Python module (`bpy`, the optional extra `cycles`)
through Blender's own USD import; render/usd_to_cycles.py maps what the import
cannot carry. Three renders per frame, one scene: a geometry pass (one sample
at each pixel centre: Cycles' depth and object-index passes, see-through parts
skipped as the rasteriser skips them), the RGB radiance and the NIR band
radiance, in the rasteriser's units (render/buffers.py), so the sensor stage
does not care which renderer ran. docs/renderers.md has the whole mapping and
the measured costs. Importing this module never imports bpy.
"""

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import UserError
from . import usd_to_cycles as mapping
from .buffers import Buffers
from .view import SceneView

EXTRA = "pip install 'cabin-synth[cycles]'"
GPU_KINDS = ("OPTIX", "CUDA", "HIP", "ONEAPI", "METAL")
NO_HIT_DEPTH_M = 1e9   # Cycles writes 1e10 where a pixel sees nothing
# Where scene/stage.py puts the camera and the lights (render/view.py reads the same).
CAMERA_PATH, SUN_PATH, ILLUMINATOR_PATH = "/World/Camera", "/World/Lights/Sun", "/World/Lights/Illuminator"


@dataclass(frozen=True)
class CyclesSettings:
    """The preset's `render` section (docs/presets.md)."""
    samples: int = 64
    denoise: bool = True
    time_limit_s: float = 0.0   # 0: none; a limit makes the sample count, so the pixels, depend on speed
    threads: int = 0            # CPU threads, 0: every core; fixed per run for byte-identical frames
    device: str = "auto"        # auto: a GPU when Cycles finds one, else the CPU; cpu; gpu

    @classmethod
    def from_preset(cls, section) -> "CyclesSettings":
        return cls(**{k: section[k] for k in ("samples", "denoise", "time_limit_s", "threads", "device") if k in section})


def load_bpy():
    """Blender's Python module, or a clear error naming the extra that installs it."""
    try:
        import bpy
    except ImportError:
        raise UserError(f"the cycles renderer needs Blender's Python module (bpy, Python 3.11): {EXTRA}") from None
    return bpy


def read_exr(path: Path) -> dict[str, np.ndarray]:
    """Every channel group of a (multi-part) OpenEXR file by name, rows from the top."""
    import OpenEXR

    channels = {}
    with OpenEXR.File(str(path)) as f:
        for part in f.parts:
            channels.update({name: np.array(ch.pixels) for name, ch in part.channels.items()})
    return channels


class CyclesRenderer:
    def __init__(self, settings: CyclesSettings = CyclesSettings()):
        self.bpy = load_bpy()
        self.settings = settings
        self._dir = tempfile.TemporaryDirectory(prefix="cabin-synth-cycles-")
        self.bpy.ops.wm.read_factory_settings(use_empty=True)
        engines = {getattr(engine, "bl_idname", None) for engine in self.bpy.types.RenderEngine.__subclasses__()}
        if "CYCLES" not in engines:
            raise UserError("Blender's Cycles add-on did not load: is a module named 'cycles' "
                            "(a cycles.py) on the Python path, in front of Blender's?")
        self.device = self._pick_device()

    def close(self) -> None:
        self._dir.cleanup()

    def describe(self) -> dict[str, str]:
        """What draws the pixels (dataset.json's software)."""
        return {"name": "cycles", "blender": self.bpy.app.version_string, "device": self.device}

    def _pick_device(self) -> str:
        """GPU when asked for or found (CUDA/OptiX/HIP/oneAPI/Metal), else CPU."""
        if self.settings.device == "cpu":
            return "CPU"
        prefs = self.bpy.context.preferences.addons["cycles"].preferences
        for kind in GPU_KINDS:
            try:
                prefs.compute_device_type = kind
            except TypeError:   # not built into this bpy
                continue
            prefs.get_devices()
            gpus = [d for d in prefs.devices if d.type == kind]
            if gpus:
                for d in prefs.devices:
                    d.use = d.type == kind
                return "GPU"
        if self.settings.device == "gpu":
            raise UserError("render.device is 'gpu' but Cycles found no CUDA, OptiX, HIP, oneAPI or Metal device")
        return "CPU"

    def render(self, view: SceneView, stage=None, sampling_seed: int = 0) -> Buffers:
        if stage is None:
            raise ValueError("the Cycles renderer renders a USD stage: pass the frame's stage")
        bpy = self.bpy
        self._clear()
        path = Path(self._dir.name) / "frame.usdc"
        stage.Export(str(path))
        # Stage units as they are (scene/stage.py writes metres), as render/view.py reads them.
        bpy.ops.wm.usd_import(filepath=str(path), merge_parent_xform=False, import_visible_only=True,
                              create_world_material=False, property_import_mode="NONE",
                              set_frame_range=False, light_intensity_scale=1.0, apply_unit_conversion_scale=False)
        scene = bpy.context.scene
        illuminators = [f"{ILLUMINATOR_PATH}{k}" for k in range(len(view.illuminators))]
        objects = mapping.find_prims([i.prim for i in view.instances] + [CAMERA_PATH, SUN_PATH] + illuminators,
                                     list(scene.objects))
        meshes = self._bind_instances(view, objects, scene)
        self._set_camera(scene, view, objects)
        self._configure(scene, sampling_seed)

        geometry = self._render_pass(scene, "geometry", view, meshes, objects)
        depth, index = geometry["ViewLayer.Depth.Z"], geometry["ViewLayer.Object Index.X"]
        rgb = self._render_pass(scene, "rgb", view, meshes, objects)["ViewLayer.Combined"][..., :3]
        nir = self._render_pass(scene, "nir", view, meshes, objects)["ViewLayer.Combined"][..., :3].mean(axis=2)
        hit = depth < NO_HIT_DEPTH_M
        # Where no surface is met the sky dome's id, as the rasteriser writes it (0 without a dome).
        background = view.dome.id if view.dome is not None else 0
        return Buffers(rgb=np.ascontiguousarray(rgb, np.float32), nir=np.ascontiguousarray(nir, np.float32),
                       depth=np.where(hit, depth, 0.0).astype(np.float32),
                       instance=np.where(hit, np.rint(index), background).astype(np.int32))

    def _clear(self) -> None:
        data = self.bpy.data
        ids = [*data.objects, *data.meshes, *data.materials, *data.lights, *data.cameras, *data.images,
               *data.worlds, *data.node_groups]
        if ids:
            data.batch_remove(ids)

    def _bind_instances(self, view: SceneView, objects: dict, scene) -> dict[int, object]:
        """Object index = SceneView instance id; meshes the view does not draw are hidden."""
        meshes = {}
        for inst in view.instances:
            if view.dome is not None and inst.id == view.dome.id:   # the sky: no mesh
                continue
            obj = objects.get(inst.prim)
            if obj is None or obj.type != "MESH":
                raise RuntimeError(f"Blender's USD import lost the mesh {inst.prim}")
            obj.pass_index = inst.id
            if inst.semantic == "exterior":
                # The world outside is seen, by the camera and through the glass, and lit by
                # sun, sky and road lights, as the rasteriser models it: it neither shades
                # nor lights the cabin or itself (those rays pass it for the sky beyond).
                obj.visible_diffuse = obj.visible_glossy = obj.visible_shadow = obj.visible_volume_scatter = False
            meshes[inst.id] = (obj, obj.material_slots[0].material if obj.material_slots else None)
        drawn = {o.name for o, _ in meshes.values()}   # names: bpy makes a new wrapper per access
        for obj in scene.objects:
            if obj.type == "MESH" and obj.name not in drawn:
                obj.hide_render = True
        return meshes

    def _set_camera(self, scene, view: SceneView, objects: dict) -> None:
        """The view's pinhole on the imported camera. Depth of field stays off whatever
        the stage's fStop says: renderers return the scene's radiance before the lens,
        whose blur the sensor stage adds for every renderer alike (docs/renderers.md)."""
        from mathutils import Matrix   # ships with bpy; a plain nested list would be read by columns

        obj = objects[CAMERA_PATH]
        values = mapping.camera_settings(view.camera)
        cam = obj.data
        for key in ("lens", "sensor_fit", "sensor_width", "shift_x", "shift_y", "clip_start", "clip_end"):
            setattr(cam, key, values[key])
        obj.matrix_world = Matrix(values["matrix_world"].tolist())
        cam.dof.use_dof = False
        scene.camera = obj
        scene.render.resolution_x, scene.render.resolution_y = view.camera.width, view.camera.height
        scene.render.resolution_percentage = 100
        scene.render.pixel_aspect_x = scene.render.pixel_aspect_y = 1.0

    def _configure(self, scene, sampling_seed: int) -> None:
        s = self.settings
        scene.render.engine = "CYCLES"
        cycles = scene.cycles
        cycles.device = self.device
        cycles.seed = sampling_seed
        cycles.use_animated_seed = False
        cycles.time_limit = s.time_limit_s
        cycles.caustics_reflective = cycles.caustics_refractive = False
        scene.render.threads_mode = "FIXED"
        scene.render.threads = s.threads or os.cpu_count() or 1
        scene.render.use_persistent_data = False
        scene.view_settings.view_transform = "Standard"
        layer = scene.view_layers[0]
        layer.use_pass_z = layer.use_pass_object_index = True
        settings = scene.render.image_settings
        settings.media_type = "MULTI_LAYER_IMAGE"
        settings.file_format = "OPEN_EXR_MULTILAYER"
        settings.color_depth = "32"
        settings.exr_codec = "NONE"
        if scene.world is None:
            scene.world = self.bpy.data.worlds.new("Sky")

    def _render_pass(self, scene, band: str, view: SceneView, meshes: dict, objects: dict) -> dict[str, np.ndarray]:
        cycles = scene.cycles
        geometry = band == "geometry"
        if geometry:
            # One sample through each pixel's centre: ids and depth where the rasteriser samples them.
            cycles.samples, cycles.use_denoising = 1, False
            cycles.pixel_filter_type, cycles.filter_width = "BOX", 0.01
            cycles.use_adaptive_sampling = False
        else:
            cycles.samples, cycles.use_denoising = self.settings.samples, self.settings.denoise
            cycles.pixel_filter_type, cycles.filter_width = "BLACKMAN_HARRIS", 1.5
            cycles.denoiser = "OPENIMAGEDENOISE"
            cycles.denoising_input_passes = "RGB_ALBEDO_NORMAL"
            cycles.denoising_prefilter = "ACCURATE"
            cycles.denoising_use_gpu = self.device == "GPU"
            cycles.use_adaptive_sampling = False
        builder = mapping.MaterialBuilder(self.bpy, view, "nir" if geometry else band)
        for instance_id, (obj, imported) in meshes.items():
            material = (self._geometry_material(view, instance_id, builder) if geometry
                        else builder.material(obj, instance_id, imported))
            obj.data.materials.clear()
            obj.data.materials.append(material)
        self._set_lights(scene, view, None if geometry else band, objects)
        out = Path(self._dir.name) / f"{band}.exr"
        scene.render.filepath = str(out)
        self.bpy.ops.render.render(write_still=True)
        return read_exr(out)

    def _geometry_material(self, view: SceneView, instance_id: int, builder):
        """Opaque parts as a plain diffuse, see-through ones fully transparent (so the
        depth and index passes skip them, as the rasteriser's depth and ids do), cut-outs
        clear in their gaps."""
        instance = view.instances[instance_id - 1]
        if instance.cutout is not None:
            return builder.cut_out_geometry(instance)
        clear = instance.material.opacity < 1.0
        name = "geometry.clear" if clear else "geometry.opaque"
        mat = self.bpy.data.materials.get(name)
        if mat is None:
            mat = self.bpy.data.materials.new(name)
            mat.use_nodes = True
            nodes = mat.node_tree.nodes
            nodes.clear()
            shader = nodes.new("ShaderNodeBsdfTransparent" if clear else "ShaderNodeBsdfDiffuse")
            out = nodes.new("ShaderNodeOutputMaterial")
            mat.node_tree.links.new(shader.outputs["BSDF"], out.inputs["Surface"])
        return mat

    def _set_lights(self, scene, view: SceneView, band: str | None, objects: dict) -> None:
        """Each light's strength for the band (None: all dark, the geometry pass)."""
        values = mapping.light_values(view, band or "rgb")
        dark = band is None
        world = scene.world
        world.use_nodes = True
        if values.world is not None and not dark:
            mapping.world_nodes(self.bpy, world, view, band, values.world)
        else:
            world.node_tree.nodes.clear()
            background = world.node_tree.nodes.new("ShaderNodeBackground")
            world.node_tree.links.new(background.outputs["Background"],
                                      world.node_tree.nodes.new("ShaderNodeOutputWorld").inputs["Surface"])
            background.inputs["Color"].default_value = (1.0, 1.0, 1.0, 1.0)
            background.inputs["Strength"].default_value = 0.0 if dark else values.sky_radiance
        illuminators = {objects[f"{ILLUMINATOR_PATH}{k}"].name: k for k in range(len(view.illuminators))
                        if f"{ILLUMINATOR_PATH}{k}" in objects}
        sun = objects[SUN_PATH].name if SUN_PATH in objects else None
        for obj in scene.objects:
            if obj.type != "LIGHT":
                continue
            light = obj.data
            light.normalize = True   # power means power whatever the light's size (the importer turns it off)
            if obj.name == sun:
                light.energy = 0.0 if dark else values.sun_w_m2
                light.angle = mapping.SUN_ANGLE_RAD
            elif obj.name in illuminators:
                k = illuminators[obj.name]
                self._illuminator(light, view.illuminators[k])
                light.energy = 0.0 if dark else values.illuminator_w[k]
            elif light.type == "AREA":
                lamp = self._lamp_index(obj, view)
                watts = values.lamp_w[lamp] if lamp is not None and not dark else (0.0, 0.0, 0.0)
                peak = max(watts)
                light.energy = peak
                light.color = tuple(w / peak for w in watts) if peak > 0 else (1.0, 1.0, 1.0)
            else:
                light.energy = 0.0

    def _illuminator(self, light, illuminator) -> None:
        """An LED: a 4 mm sphere with the cos^m beam of its UsdLux shaping:focus."""
        light.type = "POINT"
        light.shadow_soft_size = mapping.ILLUMINATOR_RADIUS_M
        light.use_soft_falloff = False
        light.color = (1.0, 1.0, 1.0)
        if not light.use_nodes:
            light.use_nodes = True
            mapping.beam_nodes(light, illuminator.axis, illuminator.exponent)

    @staticmethod
    def _lamp_index(obj, view: SceneView) -> int | None:
        """The lit lamp of the view at this light's position (unlit lamps are not in the view)."""
        position = np.asarray(obj.matrix_world.translation)
        for k, lamp in enumerate(view.lamps):
            if np.linalg.norm(lamp.position - position) < 1e-3:
                return k
        return None

