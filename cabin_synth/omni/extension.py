"""Kit extension shell: a window that runs cabin-synth's pipeline and opens a
frame's composed USD stage in the viewport. Startup only builds the window;
the work is the same code the command line runs (docs/omniverse.md)."""

import threading
from pathlib import Path

import carb
import carb.settings
import omni.ext
import omni.ui as ui
import omni.usd

from .. import presets
from ..errors import UserError
from ..pipeline import TEXTURES, FrameMaker, generate

SETTINGS = "/exts/cabin_synth"


class CabinSynthExtension(omni.ext.IExt):
    def on_startup(self, ext_id: str) -> None:
        settings = carb.settings.get_settings()
        self._preset = ui.SimpleStringModel(settings.get(f"{SETTINGS}/default_preset") or "default")
        self._out = ui.SimpleStringModel(settings.get(f"{SETTINGS}/default_out") or "out/kit")
        self._frames = ui.SimpleIntModel(50)
        self._seed = ui.SimpleIntModel(0)
        self._status = ui.SimpleStringModel("")
        self._window = ui.Window("cabin-synth", width=420, height=240)
        with self._window.frame:
            with ui.VStack(spacing=4):
                for label, model, widget in (("Preset", self._preset, ui.StringField), ("Frames", self._frames, ui.IntField),
                                             ("Seed", self._seed, ui.IntField), ("Output folder", self._out, ui.StringField)):
                    with ui.HStack(height=22):
                        ui.Label(label, width=110)
                        widget(model=model)
                with ui.HStack(height=26):
                    ui.Button("Generate", clicked_fn=self._generate)
                    ui.Button("Open frame's stage", clicked_fn=self._open_stage)
                ui.StringField(model=self._status, read_only=True)

    def on_shutdown(self) -> None:
        if self._window is not None:
            self._window.destroy()
        self._window = None

    def _generate(self) -> None:
        preset, frames, seed, out = (self._preset.as_string, self._frames.as_int, self._seed.as_int, Path(self._out.as_string))

        def work():
            try:
                summary = generate(presets.load(preset), frames, seed, out, progress=False)
                self._status.set_value(f"wrote {summary['frames']} frames to {summary['out']}")
            except UserError as exc:
                self._status.set_value(str(exc))
                carb.log_error(f"cabin-synth: {exc}")

        self._status.set_value("generating ...")
        threading.Thread(target=work, daemon=True).start()

    def _open_stage(self) -> None:
        """Make frame 0 of the preset and open its composed stage in the viewport."""
        try:
            preset = presets.load(self._preset.as_string)
        except UserError as exc:
            self._status.set_value(str(exc))
            return
        out = Path(self._out.as_string)
        out.mkdir(parents=True, exist_ok=True)
        maker = FrameMaker(preset, self._seed.as_int, texture_dir=out / TEXTURES)   # the stage's texture files
        frame = maker.make(0)
        scene, _ = maker.scene(frame.params)
        path = out / "frame_000000.usda"
        scene.stage.Export(str(path))
        omni.usd.get_context().open_stage(str(path))
        self._status.set_value(f"opened {path}")
