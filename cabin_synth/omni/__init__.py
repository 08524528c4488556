"""The Omniverse Kit layer: the extension and its window (extension.py,
window.py), the Replicator writer (writer.py), the RTX capture loop
(capture.py), the headless script (headless.py), the Farm job definition
(farm/) and the Kit-side tests (tests/). Written against Isaac Sim 5.1
(Kit 107.3, omni.replicator.core 1.12.27) and imported only inside Kit: what
these modules compute lives outside this package and runs in any Python.
"""

try:
    import omni.ext  # noqa: F401  (Kit's module: present only inside Kit)
except ImportError as exc:
    raise ImportError(
        "cabin_synth.omni is the Omniverse Kit extension and runs inside Kit or Isaac Sim, where omni.* is "
        "importable; it is not here. Outside Kit use the cabin-synth command (docs/omniverse.md)") from exc
