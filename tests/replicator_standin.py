"""A recording stand-in for exactly the Omniverse API surface cabin_synth.omni.capture
and cabin_synth.omni.writer call (omni.replicator.core 1.12.27, omni.usd): modules
installed into sys.modules, every call recorded, anything else absent.

Its 'render' is no renderer: each step hands every attached writer annotator
data of the right names, shapes and dtypes (Replicator's "annotator" data
structure), with camera_params computed from the USD camera prim the render
product looks through, as the CameraParams node reports it: Gf.Camera's apertures,
focal length and frustum matrices. Pixels are constant.
"""

import sys
import types
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pxr import Usd, UsdGeom

# Annotators omni.replicator.core 1.12.27 registers that the stand-in serves.
ANNOTATORS = ("HdrColor", "distance_to_camera", "instance_id_segmentation_fast", "camera_params")
HDR_VALUE = 0.25


@dataclass
class Recorder:
    calls: list[tuple[str, dict]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)   # what the stage held at each step
    stage: Usd.Stage | None = None
    attached: list[tuple[Any, list]] = field(default_factory=list)
    camera_params_edit: Any = None    # a function that may change camera_params, to test the check

    def record(self, call: str, **kwargs) -> None:
        self.calls.append((call, kwargs))

    def names(self) -> list[str]:
        return [call for call, _ in self.calls]


def _camera_params(stage: Usd.Stage, camera: str, resolution: tuple[int, int]) -> dict[str, Any]:
    gf = UsdGeom.Camera(stage.GetPrimAtPath(camera)).GetCamera(Usd.TimeCode.Default())
    frustum = gf.frustum
    return {
        "cameraAperture": np.array([gf.horizontalAperture, gf.verticalAperture], np.float32),
        "cameraApertureOffset": np.array([gf.horizontalApertureOffset, gf.verticalApertureOffset], np.float32),
        "cameraFocalLength": float(gf.focalLength),
        "cameraModel": "pinhole",
        "cameraNearFar": np.array([gf.clippingRange.min, gf.clippingRange.max], np.float32),
        "cameraProjection": np.asarray(frustum.ComputeProjectionMatrix()).ravel(),
        "cameraViewTransform": np.asarray(frustum.ComputeViewMatrix()).ravel(),
        "metersPerSceneUnit": float(UsdGeom.GetStageMetersPerUnit(stage)),
        "renderProductResolution": np.array(resolution, np.int32),
    }


def install(monkeypatch, recorder: Recorder) -> None:
    """Put the stand-in modules into sys.modules (undone by monkeypatch)."""
    rep = types.ModuleType("omni.replicator.core")
    usd = types.ModuleType("omni.usd")

    class Annotator:
        def __init__(self, name, init_params):
            self.name, self.init_params = name, init_params

    class AnnotatorRegistry:
        @staticmethod
        def get_annotator(name, init_params=None, render_product_idxs=None, device=None, do_array_copy=True):
            recorder.record("AnnotatorRegistry.get_annotator", name=name, init_params=init_params)
            if name not in ANNOTATORS:
                raise ValueError(f"No annotator of name {name} registered")
            return Annotator(name, init_params)

    class Writer:
        def attach(self, render_products, trigger="omni.replicator.core.OgnOnFrame"):
            recorder.record("Writer.attach", render_products=[p.path for p in render_products])
            recorder.attached.append((self, list(render_products)))

        def detach(self):
            recorder.record("Writer.detach")
            recorder.attached = [(w, p) for w, p in recorder.attached if w is not self]

        def write_metadata(self):
            raise AssertionError("the stand-in's Writer.write_metadata ran: Replicator would warn or write metadata.txt")

    class WriterRegistry:
        _writers: dict[str, type] = {}

        @classmethod
        def register(cls, writer, category=None):
            recorder.record("WriterRegistry.register", name=writer.__name__)
            assert issubclass(writer, Writer)
            cls._writers[writer.__name__] = writer

        @classmethod
        def unregister(cls, writer_name):
            recorder.record("WriterRegistry.unregister", name=writer_name)
            del cls._writers[writer_name]

        @classmethod
        def get_writers(cls, category=None):
            return dict(cls._writers)

        @classmethod
        def get(cls, writer_name, init_params=None, render_products=None, trigger="omni.replicator.core.OgnOnFrame"):
            recorder.record("WriterRegistry.get", name=writer_name)
            writer = cls._writers[writer_name].__new__(cls._writers[writer_name])
            writer.__init__(**(init_params or {}))
            writer._metadata_written = False
            return writer

    class RenderProduct:
        def __init__(self, camera, resolution):
            self.camera, self.resolution = str(camera), tuple(resolution)
            self.path = "/Render/RenderProduct_Replicator"

        def destroy(self):
            recorder.record("render_product.destroy")

    def render_product(camera, resolution, force_new=False, name=None, render_vars=None):
        recorder.record("create.render_product", camera=str(camera), resolution=tuple(resolution))
        return RenderProduct(camera, resolution)

    def data_of(annotator, product):
        w, h = product.resolution
        if annotator.name == "HdrColor":
            return {"data": np.full((h, w, 4), HDR_VALUE, np.float16)}
        if annotator.name == "distance_to_camera":
            return {"data": np.zeros((h, w), np.float32)}
        if annotator.name == "instance_id_segmentation_fast":
            assert annotator.init_params == {"colorize": False}
            return {"data": np.zeros((h, w), np.uint32), "idToLabels": {"0": "BACKGROUND"}}
        params = _camera_params(recorder.stage, product.camera, product.resolution)
        return recorder.camera_params_edit(params) if recorder.camera_params_edit else params

    async def step_async(rt_subframes=-1, pause_timeline=True, delta_time=None, wait_for_render=True):
        recorder.record("orchestrator.step_async", rt_subframes=rt_subframes)
        stage = recorder.stage
        recorder.steps.append({
            "illuminator": stage.GetPrimAtPath("/World/Lights/Illuminator0").GetAttribute("inputs:intensity").Get(),
            "sun": stage.GetPrimAtPath("/World/Lights/Sun").GetAttribute("inputs:intensity").Get()})
        for writer, products in list(recorder.attached):
            if not writer._metadata_written:   # Writer._write: metadata before the first write
                writer.write_metadata()
                writer._metadata_written = True
            writer.write({"annotators": {a.name: {p.path.split("/")[-1]: data_of(a, p) for p in products}
                                         for a in writer.annotators},
                          "trigger_outputs": {}, "reference_time": (len(recorder.steps), 60)})

    async def wait_until_complete_async():
        recorder.record("orchestrator.wait_until_complete_async")

    def set_capture_on_play(value):
        recorder.record("orchestrator.set_capture_on_play", value=value)

    class UsdContext:
        async def attach_stage_async(self, stage):
            recorder.record("UsdContext.attach_stage_async")
            recorder.stage = stage

        def get_stage(self):
            return recorder.stage

    rep.Writer, rep.WriterRegistry, rep.AnnotatorRegistry = Writer, WriterRegistry, AnnotatorRegistry
    rep.create = types.SimpleNamespace(render_product=render_product)
    rep.orchestrator = types.SimpleNamespace(step_async=step_async, wait_until_complete_async=wait_until_complete_async,
                                             set_capture_on_play=set_capture_on_play)
    context = UsdContext()
    usd.get_context = lambda: context
    omni = types.ModuleType("omni")
    ext = types.ModuleType("omni.ext")   # present, as inside Kit; capture and writer use nothing of it
    replicator = types.ModuleType("omni.replicator")
    omni.ext, omni.usd, omni.replicator, replicator.core = ext, usd, replicator, rep
    for name, module in (("omni", omni), ("omni.ext", ext), ("omni.usd", usd), ("omni.replicator", replicator),
                         ("omni.replicator.core", rep)):
        monkeypatch.setitem(sys.modules, name, module)
    for name in [n for n in sys.modules if n.startswith("cabin_synth.omni")]:
        monkeypatch.delitem(sys.modules, name)


def surface() -> set[str]:
    """The names the stand-in offers, as tests/fixtures/omniverse_api.txt spells them."""
    return {
        "omni.replicator.core.Writer", "omni.replicator.core.Writer.attach", "omni.replicator.core.Writer.detach",
        "omni.replicator.core.Writer.write", "omni.replicator.core.Writer.write_metadata",
        "omni.replicator.core.Writer.annotators", "omni.replicator.core.Writer.data_structure",
        "omni.replicator.core.Writer.version",
        "omni.replicator.core.WriterRegistry.register", "omni.replicator.core.WriterRegistry.unregister",
        "omni.replicator.core.WriterRegistry.get", "omni.replicator.core.WriterRegistry.get_writers",
        "omni.replicator.core.AnnotatorRegistry.get_annotator", "omni.replicator.core.create.render_product",
        "omni.replicator.core.create.render_product.path", "omni.replicator.core.create.render_product.destroy",
        "omni.replicator.core.orchestrator.step_async", "omni.replicator.core.orchestrator.wait_until_complete_async",
        "omni.replicator.core.orchestrator.set_capture_on_play",
        "omni.usd.get_context", "omni.usd.get_context.attach_stage_async", "omni.usd.get_context.get_stage",
        "omni.ext",
    } | {f"annotator:{name}" for name in ANNOTATORS}
