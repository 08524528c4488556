"""Frames that RTX renders in two passes, committed to our dataset: the pure core
of the Replicator writer (cabin_synth.omni.writer), which runs and is tested
everywhere.

The capture (cabin_synth.omni.capture) stages frame i exactly as the CPU path
does (pipeline.FrameStager: parameters from (seed, i), the stage through the
USD API, labels from geometry), then steps Replicator once per band
(scene.band_passes), telling this session which (frame, band) each step
renders. The writer hands every step's annotator data here in step order; once a
frame's NIR pass arrives its two passes become Buffers (export.annotators), go
through our sensor models (pipeline.expose, noise from (seed, i)) and are
committed by the same DatasetWriter as the CPU path's frames.
"""

from collections import deque
from typing import Any, Mapping

from ..dataset.writer import DatasetWriter, encode_frame
from ..errors import UserError
from ..pipeline import Staged, expose
from ..presets.preset import Preset
from ..presets.streams import stream
from ..sensor.model import fixed_pattern
from .annotators import camera_problems, rtx_buffers

# Annotators the writer attaches (names as omni.replicator.core 1.12.27 registers
# them) and the name each one's data goes by here: BasicWriter, too, drops "_fast".
ANNOTATORS = {"HdrColor": "HdrColor", "distance_to_camera": "distance_to_camera",
              "instance_id_segmentation_fast": "instance_id_segmentation", "camera_params": "camera_params"}
RENDERER = "rtx"


class CameraMismatch(ValueError):
    """Replicator's camera_params disagree with our camera model: nothing is written."""


def rtx_preset(preset: Preset, rt_subframes: int, radiance_scale: float) -> Preset:
    """The preset as an RTX capture records it in dataset.json (its digest, so the
    dataset's identity, differs from the embedded renderers'). Lens distortion is
    refused: RTX renders a pinhole here and our camera model would need it remapped."""
    if preset.section("sensor").get("distortion", {}).get("model", "none") != "none":
        raise UserError("the RTX path renders a pinhole; lens distortion is not built for it. Use the embedded "
                        "renderer or a sensor without distortion", file=str(preset.path), field="sensor.distortion")
    render = dict(preset.data.get("render", {}), renderer=RENDERER, rt_subframes=rt_subframes,
                  radiance_scale=radiance_scale)
    return Preset(preset.name, preset.path, dict(preset.data, render=render))


def pass_data(annotators: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A writer's per-annotator data (Replicator's "annotator" data structure, one
    render product) as rtx_buffers takes it."""
    named = {ANNOTATORS.get(name, name): data for name, data in annotators.items()}
    return {
        "HdrColor": named["HdrColor"]["data"],
        "distance_to_camera": named["distance_to_camera"]["data"],
        "instance_id_segmentation": {"data": named["instance_id_segmentation"]["data"],
                                     "idToLabels": named["instance_id_segmentation"]["idToLabels"]},
        "camera_params": named["camera_params"],
    }


class RtxFrames:
    """Receives the annotator data of each RTX pass in step order and commits a frame
    when both of its passes are in."""

    def __init__(self, writer: DatasetWriter, preset: Preset, seed: int):
        self.writer = writer
        self.output = preset.output
        self.sensor = preset.section("sensor")
        self.seed = seed
        self.radiance_scale = float(preset.data["render"]["radiance_scale"])
        self.pattern = fixed_pattern(self.sensor, stream(seed, 0, "sensor.fixed_pattern"))
        self.entries: list[dict[str, Any]] = []
        self._expected: deque[tuple[Staged, str]] = deque()
        self._rgb: dict[str, Any] | None = None

    def expect(self, staged: Staged, band: str) -> None:
        """The next step renders `staged` in `band` ('rgb', then 'nir')."""
        self._expected.append((staged, band))

    def keep(self, index: int) -> None:
        """Frame `index` is committed already (a resumed run): list it, render nothing."""
        self.entries.append(self.writer.entry(index))

    @property
    def pending(self) -> int:
        return len(self._expected)

    def receive(self, annotators: Mapping[str, Mapping[str, Any]]) -> dict[str, Any] | None:
        """One step's data; the manifest entry when it completes a frame."""
        staged, band = self._expected.popleft()
        data = pass_data(annotators)
        problems = camera_problems(data["camera_params"], staged.view.camera)
        if problems:
            raise CameraMismatch(f"frame {staged.index}, {band} pass: camera_params disagree with our camera model: "
                                 + "; ".join(problems))
        if band == "rgb":
            self._rgb = data
            return None
        buffers = rtx_buffers(self._rgb, data, staged.view.instances, staged.view.camera, self.radiance_scale)
        self._rgb = None
        frame = expose(staged, buffers, self.sensor, self.pattern, self.seed)
        entry = self.writer.write_frame(staged.index, encode_frame(frame.images, self.output),
                                        frame.labels)
        self.entries.append(entry)
        return entry
