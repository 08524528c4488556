"""Steering wheel and column: rim, spokes with their switch pads, airbag cover,
column shroud with the indicator and wiper stalks.

The wheel is built in its own frame (XY = wheel plane, +Z towards the driver,
+Y = 12 o'clock, +X = 3 o'clock as the driver sees it). The upper half of the
wheel stays open: spokes sit at 3, 9 and 6 o'clock and no higher than 5 mm above
the centre, and the airbag cover no higher than 62 mm, so that the column
camera sees the face through the wheel (docs/cabins.md, Anchors).
"""

from __future__ import annotations

import numpy as np

from ..meshes import MeshData, merge, pillow, rod, rounded_rect, superellipse, torus

Part = tuple[MeshData, str]
HUB_HALF = (0.075, 0.062)      # airbag cover half-width (3 o'clock) and half-height (12 o'clock)
HUB_Z = (-0.03, 0.05)          # the cover from the dash side of the wheel plane to the driver side
SPOKE_TOP = 0.005              # the 3 and 9 o'clock spokes' upper edge above the centre


def wheel_parts(radius: float, tube: float) -> dict[str, Part]:
    """Wheel of outer ``radius`` whose rim has a round section of radius ``tube``."""
    R = radius - tube
    inner = R - 0.5 * tube
    rim = torus(R, tube, 64, 12)
    hub = pillow(lambda i, s: superellipse(HUB_HALF[0] - i, HUB_HALF[1] - i, 3.0, 32), (0.0, 0.0, HUB_Z[0]),
                 (1, 0, 0), (0, 1, 0), (0, 0, 1), HUB_Z[1] - HUB_Z[0], 0.02, 3)
    span = inner - 0.055
    spokes = []
    for sgn in (-1.0, 1.0):   # 9 and 3 o'clock: from the hub to the rim, 40 mm tall, thicker at the hub
        spokes.append(pillow(lambda i, s: rounded_rect(span - 2 * i, 0.040 - 2 * i, 0.012 - i, 3) + (sgn * (0.055 + span / 2), SPOKE_TOP - 0.020),
                             (0.0, 0.0, -0.014), (1, 0, 0), (0, 1, 0), (0, 0, 1), 0.024, 0.008, 2))
    low = inner - 0.05
    spokes.append(pillow(lambda i, s: rounded_rect(0.048 - 2 * i, low - 2 * i, 0.012 - i, 3) + (0.0, -0.05 - low / 2),
                         (0.0, 0.0, -0.016), (1, 0, 0), (0, 1, 0), (0, 0, 1), 0.024, 0.008, 2))
    # switch pads on the 3 and 9 o'clock spokes, facing the driver
    pads = [pillow(lambda i, s: rounded_rect(0.05 - 2 * i, 0.032 - 2 * i, 0.008 - i, 2) + (sgn * 0.098, SPOKE_TOP - 0.020),
                   (0.0, 0.0, 0.008), (1, 0, 0), (0, 1, 0), (0, 0, 1), 0.005, 0.002, 1) for sgn in (-1.0, 1.0)]
    return {"Rim": (rim, "Leather"), "Spokes": (merge(*spokes), "BlackPlasticNIR"), "Hub": (hub, "BlackPlasticNIR"),
            "SpokeSwitches": (merge(*pads), "CarbonBlackPlastic")}


def column_parts(hub, right, up, axis) -> dict[str, Part]:
    """Shroud around the column behind the wheel (0.15 x 0.175 m, 55 to 420 mm from the
    hub along the column) and the two stalks left and right of it."""
    hub, right, up, axis = (np.asarray(v, dtype=float) for v in (hub, right, up, axis))
    shroud = pillow(lambda i, s: rounded_rect(0.15 - 2 * i, 0.175 - 2 * i, 0.04 - i, 4) + (0.0, 0.0075),
                    hub - 0.42 * axis, right, up, axis, 0.365, 0.02, 3)
    stalks = []
    for sgn in (-1.0, 1.0):
        root = hub - 0.10 * axis + sgn * 0.07 * right + 0.02 * up
        tip = root + sgn * 0.13 * right + 0.03 * axis - 0.01 * up
        stalks.append(rod(root, tip, 0.007, 10))
        stalks.append(rod(tip - sgn * 0.035 * right, tip + sgn * 0.005 * right, 0.011, 10))   # the switch end
    return {"Shroud": (shroud, "CarbonBlackPlastic"), "Stalks": (merge(*stalks), "CarbonBlackPlastic")}
