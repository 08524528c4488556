"""When each pixel collects light in a clip frame, and the time integral of what it sees.

The NIR image has a global shutter: every row collects during the same pulse of
`nir.exposure_us`, centred on the frame's time. The RGB image collects for the
exposure its auto-exposure chose; with a rolling shutter (`shutter.rgb_line_time_us`)
row v starts (v - (H - 1) / 2) line times after the middle row, whose exposure is
centred on the frame's time. The labels hold at the frame's time. The renderer
draws instants, so each band's span is rendered at a few instants, as many as the
image motion needs, and every row integrates the radiance, taken as linear
between instants, over its own window. docs/sensors.md (Exposure in clips).
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

DEFAULT_MAX_SUBFRAMES = 8
# Rendered instants at most this far apart in the image, pixels (while the cap allows).
SUBFRAME_STEP_PX = 1.0
# A band whose image moves less than this during its span is one instant.
STILL_PX = 0.25


@dataclass(frozen=True)
class Window:
    start_s: np.ndarray    # (H,) when each row starts collecting, s from the frame's time
    length_s: float        # how long each row collects, s

    @property
    def span_s(self) -> tuple[float, float]:
        return float(self.start_s.min()), float(self.start_s.max()) + self.length_s


def nir_window(sensor: Mapping[str, Any]) -> Window:
    length = sensor["nir"]["exposure_us"] * 1e-6
    return Window(np.full(sensor["height"], -length / 2), length)


def rgb_window(sensor: Mapping[str, Any], exposure_s: float) -> Window:
    line = sensor["shutter"].get("rgb_line_time_us", 0.0) * 1e-6
    rows = np.arange(sensor["height"]) - (sensor["height"] - 1) / 2
    return Window(rows * line - exposure_s / 2, exposure_s)


def max_exposure_s(sensor: Mapping[str, Any], fps: float) -> float:
    """The RGB camera's longest exposure: the preset's, or the frame period."""
    return sensor["shutter"].get("rgb_max_exposure_ms", 1e3 / fps) * 1e-3


def instants(window: Window, motion_px: float, sensor: Mapping[str, Any]) -> np.ndarray:
    """Times to render for a window over whose span the image moves `motion_px`: the
    frame's own time when that is below STILL_PX, else enough evenly spaced instants
    across the span to keep them SUBFRAME_STEP_PX apart (up to the preset's cap)."""
    if motion_px < STILL_PX:
        return np.zeros(1)
    cap = sensor["shutter"].get("max_subframes", DEFAULT_MAX_SUBFRAMES)
    n = min(cap, max(2, math.ceil(motion_px / SUBFRAME_STEP_PX) + 1))
    return np.linspace(*window.span_s, n)


def row_weights(window: Window, times: np.ndarray) -> np.ndarray:
    """(H, N) weights of the N rendered instants in each row's mean over its window,
    the radiance being linear between instants (hat functions, integrated exactly;
    a window of no length takes the value at its instant). Rows sum to 1."""
    if len(times) == 1:
        return np.ones((len(window.start_s), 1))
    h = times[1] - times[0]
    a = np.clip(window.start_s, times[0], times[-1])[:, None]
    b = np.clip(window.start_s + window.length_s, times[0], times[-1])[:, None]
    if window.length_s == 0:
        return np.clip(1 - np.abs(a - times[None, :]) / h, 0, None)

    def integral(x):   # of each hat from the first instant to x
        u = np.clip(x - times[None, :], -h, h)
        rise = (u + h) ** 2 / (2 * h)
        fall = h - (h - u) ** 2 / (2 * h)
        out = np.where(u <= 0, rise, fall)
        out[:, 0] -= h / 2          # the first hat has no rising half inside the span
        return out

    return (integral(b) - integral(a)) / (b - a)


def integrate(window: Window, times: np.ndarray, frames: list[np.ndarray]) -> np.ndarray:
    """Each row's mean radiance over its window from the radiance rendered at `times`."""
    if len(frames) == 1:
        return frames[0]
    weights = row_weights(window, times).astype(np.float32)
    return np.einsum("vj,jv...->v...", weights, np.stack(frames)).astype(np.float32)
