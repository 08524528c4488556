"""Kit extension shell: startup registers the writer and builds the window;
nothing heavy runs at import or startup (docs/omniverse.md)."""

import carb.settings
import omni.ext

from . import writer
from .window import CabinSynthWindow

SETTINGS = "/exts/cabin_synth"
DEFAULTS = {"default_preset": "default", "default_out": "out/kit", "rt_subframes": 8, "radiance_scale": 1.0}


def settings() -> dict:
    """The extension's [settings] (extension.toml), read with carb.settings."""
    store = carb.settings.get_settings()
    return {key: store.get(f"{SETTINGS}/{key}") or default for key, default in DEFAULTS.items()}


class CabinSynthExtension(omni.ext.IExt):
    def on_startup(self, ext_id: str) -> None:
        writer.register()
        self.window = CabinSynthWindow(settings())

    def on_shutdown(self) -> None:
        self.window.destroy()
        self.window = None
        writer.unregister()
