"""Renderers: a frame's scene in, named buffers out.

The interface: `render(view, stage=None, sampling_seed=0) -> Buffers`, `describe()`
(what draws the pixels, for dataset.json) and `close()` (frees the renderer), with the
SceneView (plain arrays read from the USD stage), the composed stage itself
(renderers that import USD, such as Cycles) and the frame's seed for
renderers that sample. Every renderer returns the same buffers (see Buffers);
labels never ask a renderer, tests compare the two. `make_renderer` picks one
from a preset's `render` section. RENDERERS names the embedded ones, which run
in any Python (Cycles with its extra); the Kit extension adds RTX (cabin_synth.omni).
"""

from typing import Any, Mapping

RENDERERS = ("gl", "cycles")


def make_renderer(section: Mapping[str, Any]):
    """The renderer a preset's `render` section asks for (empty: the rasteriser)."""
    if section.get("renderer", "gl") == "cycles":
        from .cycles import CyclesRenderer, CyclesSettings

        return CyclesRenderer(CyclesSettings.from_preset(section))
    from .gl import GLRenderer

    return GLRenderer()
