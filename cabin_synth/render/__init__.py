"""Renderers: a scene view (plain arrays read from the USD stage) in, named buffers out.

Every renderer returns the same buffers (see Buffers); labels never ask a
renderer, tests compare the two. RENDERERS names the embedded ones, which run
in any Python; the Kit extension adds RTX (cabin_synth.omni) to them.
"""

RENDERERS = ("gl",)
