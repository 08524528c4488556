"""What made a dataset, for dataset.json: software versions and the seeding scheme.

Same preset and seed give the same labels anywhere and the same pixels on one
machine; these fields say which machine-dependent parts were in play.
"""

import platform
from typing import Any

SEEDING = {
    "generator": "numpy PCG64",
    "key": "SeedSequence([seed, index, crc32(name)])",
    "scheme": "one random stream per (dataset seed, frame or clip index, randomizer name); frame i depends only "
              "on (preset, seed, i), so frames may be made in any order, by any process (docs/architecture.md)",
}


def software(renderer) -> dict[str, Any]:
    """Versions of the package, its numeric and USD libraries and the renderer (None: labels only)."""
    import numpy as np
    from pxr import Usd

    from .. import __version__

    return {"cabin_synth": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "usd_core": ".".join(str(v) for v in Usd.GetVersion()),
            "renderer": renderer.describe() if renderer is not None else None}
