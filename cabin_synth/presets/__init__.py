"""What a frame is made of: presets, designs, distributions and the seeded sampler.

`presets.load(name_or_path)` is the entry point; the package re-exports the
preset API of `preset.py` so callers need not know the module.
"""

from .preset import CATEGORIES, Preset, available, display, load, resolve_path, with_overrides

__all__ = ["CATEGORIES", "Preset", "available", "display", "load", "resolve_path", "with_overrides"]
