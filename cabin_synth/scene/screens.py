"""How bright the cabin's screens are, as their controllers set them from the ambient light.

Automotive displays dim by night and brighten by day: a photo-sensor on the dash
reads the ambient light and the cluster and the central display follow it
(the BMW F25 and Mini R57 service descriptions describe exactly this loop).
Full white runs from about 40 cd/m^2 in the dark, which keeps a screen legible
without dazzling, to about 800 cd/m^2 under a bright sky, a typical maximum of
automotive TFTs, which must stay readable against a daylit windscreen (Bauer and
Kreuzer, "Understanding the Requirements for Automotive Displays in Ambient Light
Conditions", Information Display 32(3), 2016). Between 10 lux and 10,000 lux of
ambient light the level follows a straight line in log-log. The two end levels
are reasoned, not measured on the named vehicles (docs/cabins.md, Screens).

The screens light the driver in visible light only: their backlights are white
LEDs, a blue die under a yellow phosphor, which emit nothing beyond about 750 nm.
"""

from __future__ import annotations

import math

from .lighting import Daylight

DARK_LUX, BRIGHT_LUX = 10.0, 10000.0
NIGHT_WHITE_NITS, DAY_WHITE_NITS = 40.0, 800.0


def ambient_lux(daylight: Daylight) -> float:
    """Illuminance on the dash-top photo-sensor (facing up): the sky's and the sun's share."""
    return float(daylight.sky_lux + daylight.sun_lux * max(float(daylight.sun_direction[2]), 0.0))


def white_luminance(ambient: float) -> float:
    """Luminance of full white on a screen (cd/m^2) at an ambient illuminance (lux)."""
    t = min(max((math.log10(max(ambient, 1e-6)) - math.log10(DARK_LUX)) / math.log10(BRIGHT_LUX / DARK_LUX), 0.0), 1.0)
    return NIGHT_WHITE_NITS * (DAY_WHITE_NITS / NIGHT_WHITE_NITS) ** t
