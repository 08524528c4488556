"""The cabin-synth window: preset, frames, seed, output folder, camera mount,
sensor and renderer; Preview one frame, Generate with progress, Stop.

omni.ui widgets and models as documented for Kit 107 (omni.ui: Window, VStack,
HStack, Label, StringField, IntField, ComboBox, Button, ProgressBar and the
Simple*Model value models). Generate runs the embedded renderers in a worker
thread through pipeline.generate, RTX on Kit's event loop through capture.
"""

import threading
from pathlib import Path

import carb
import omni.kit.async_engine
import omni.ui as ui

from .. import presets
from ..errors import UserError
from ..pipeline import TEXTURES, generate
from ..render import RENDERERS
from ..sensor.catalogue import SENSORS
from .capture import capture, preview

RTX = "rtx"
PRESET_OWN = "(preset's)"


class CabinSynthWindow:
    def __init__(self, settings: dict):
        self._settings = settings
        self._presets = [p.stem for p in presets.available()]
        self._mounts = [PRESET_OWN] + sorted(presets.CATEGORIES["camera.mount"])
        self._sensors = [PRESET_OWN] + sorted(SENSORS)
        self._renderers = list(RENDERERS) + [RTX]
        self._stop = threading.Event()
        self._preview = None   # the stager whose stage the viewport shows
        self._frames = ui.SimpleIntModel(50)
        self._seed = ui.SimpleIntModel(0)
        self._out = ui.SimpleStringModel(settings["default_out"])
        self._progress = ui.SimpleFloatModel(0.0)
        self._status = ui.SimpleStringModel("")
        self.window = ui.Window("cabin-synth", width=460, height=300)
        with self.window.frame:
            with ui.VStack(spacing=4):
                self._preset_box = self._row("Preset", ui.ComboBox, self._index(self._presets, settings["default_preset"]),
                                             *self._presets)
                self._row("Frames", ui.IntField, model=self._frames)
                self._row("Seed", ui.IntField, model=self._seed)
                self._row("Output folder", ui.StringField, model=self._out)
                self._mount_box = self._row("Camera mount", ui.ComboBox, 0, *self._mounts)
                self._sensor_box = self._row("Sensor", ui.ComboBox, 0, *self._sensors)
                self._renderer_box = self._row("Renderer", ui.ComboBox, 0, *self._renderers)
                with ui.HStack(height=26):
                    ui.Button("Preview one frame", clicked_fn=self._on_preview)
                    ui.Button("Generate", clicked_fn=self._on_generate)
                    ui.Button("Stop", clicked_fn=self._stop.set)
                ui.ProgressBar(model=self._progress, height=20)
                ui.StringField(model=self._status, read_only=True)

    @staticmethod
    def _index(items: list[str], value: str) -> int:
        return items.index(value) if value in items else 0

    @staticmethod
    def _row(label: str, widget, *args, **kwargs):
        with ui.HStack(height=22):
            ui.Label(label, width=110)
            return widget(*args, **kwargs)

    @staticmethod
    def _chosen(box, items: list[str]) -> str:
        return items[box.model.get_item_value_model().as_int]

    def destroy(self) -> None:
        self._stop.set()
        self.window.destroy()

    def _preset(self):
        preset = presets.load(self._chosen(self._preset_box, self._presets))
        mount, sensor = self._chosen(self._mount_box, self._mounts), self._chosen(self._sensor_box, self._sensors)
        renderer = self._chosen(self._renderer_box, self._renderers)
        return presets.with_overrides(preset, mount=None if mount == PRESET_OWN else mount,
                                      sensor=None if sensor == PRESET_OWN else sensor,
                                      renderer=None if renderer == RTX else renderer)

    def _report(self, message: str) -> None:
        self._status.set_value(message)

    def _fail(self, exc: UserError) -> None:
        self._report(str(exc))
        carb.log_error(f"cabin-synth: {exc}")

    def _on_frame(self, done: int, total: int) -> bool:
        self._progress.set_value(done / max(total, 1))
        self._report(f"{done} / {total} frames")
        return not self._stop.is_set()

    def _on_preview(self) -> None:
        async def show():
            try:
                out = Path(self._out.as_string)
                self._preview = await preview(self._preset(), self._seed.as_int, 0, out / TEXTURES)
                self._report("frame 0 staged in the viewport")
            except UserError as exc:
                self._fail(exc)

        omni.kit.async_engine.run_coroutine(show())

    def _on_generate(self) -> None:
        self._stop.clear()
        self._progress.set_value(0.0)
        renderer = self._chosen(self._renderer_box, self._renderers)
        frames, seed, out = self._frames.as_int, self._seed.as_int, Path(self._out.as_string)
        try:
            preset = self._preset()
        except UserError as exc:
            self._fail(exc)
            return
        if renderer == RTX:
            async def run():
                try:
                    summary = await capture(preset, frames, seed, out, rt_subframes=self._settings["rt_subframes"],
                                            radiance_scale=self._settings["radiance_scale"], on_frame=self._on_frame)
                    self._report(f"wrote {summary['frames']} frames to {summary['out']}")
                except UserError as exc:
                    self._fail(exc)

            omni.kit.async_engine.run_coroutine(run())
            return

        def work():
            try:
                summary = generate(preset, frames, seed, out, progress=False, on_frame=self._on_frame)
                self._report(f"wrote {summary['frames']} frames to {summary['out']}")
            except UserError as exc:
                self._fail(exc)

        threading.Thread(target=work, daemon=True).start()
