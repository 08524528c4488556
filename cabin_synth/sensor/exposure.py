"""Auto-exposure and illuminator power control of the NIR camera.

A driver-monitoring camera meters the face and sets three things for the next
frame: the exposure time t (the illuminators pulse during it, so it is also
their pulse width), the analog gain g and the illuminators' drive p (a share
of their rated pulsed intensity, i.e. of the LED current). One number orders
them, the exposure index u = log2(g t) in seconds at full allowed drive:

- from the shortest exposure up, t = 2^u (p at its eye-safety cap) until t
  reaches the longest exposure the pulsed illuminators allow (the preset's
  `nir.exposure_us`); beyond, gain takes over up to `max_gain`;
- below the shortest exposure the illuminators dim: p = cap * 2^u / t_min,
  down to `min_led_drive`.

The eye-safety cap keeps the illuminators' time-averaged irradiance at the
standard's measurement distance within the chosen IEC 62471 risk group:
p sum(I_k) / d^2 * t * frame_rate <= limit. The metered level (the region's
mean signal above black, a share of the DN range) grows monotonically with
u, so a single frame takes the steady state by bisection: the u whose level is
the target, or the nearest limit. A clip's camera is a first-order loop:
frame k's u moves from frame k-1's by `loop_gain` times the error in stops
frame k-1 metered (at most `max_step_stops`); its first frame starts in the
steady state of its own scene. docs/sensors.md (Exposure control) gives the
sources and the shipped values.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .model import nir_electron_rate

# IEC 62471:2006 Table 6.1, infrared radiation hazard for the eye (780-3000 nm), as
# time-averaged irradiance at the measurement distance: exempt 100 W/m^2 (the
# ICNIRP limit for exposures over 1000 s), risk group 1 570 W/m^2 (100 s).
EYE_LIMITS_W_M2 = {"exempt": 100.0, "rg1": 570.0}
# IEC 62471 measures sources other than general lighting at 200 mm.
EYE_DISTANCE_M = 0.2
BISECTIONS = 60


@dataclass(frozen=True)
class Control:
    """The preset's `sensor.nir.auto_exposure`, resolved (docs/sensors.md)."""
    target_level: float        # metered mean above black, share of the DN range
    min_exposure_us: float
    max_exposure_us: float     # the sensor's exposure_us: the longest illuminator pulse
    max_gain: float
    min_led_drive: float
    frame_rate_hz: float
    eye_limit_w_m2: float
    eye_distance_m: float
    loop_gain: float
    max_step_stops: float
    intensity_w_sr: float      # the illuminators' summed rated pulsed intensity

    def led_cap(self, exposure_s: float) -> float:
        """Largest drive the eye-safety limit allows at this exposure (pulse) time."""
        peak = self.intensity_w_sr / self.eye_distance_m ** 2
        return min(1.0, self.eye_limit_w_m2 / (peak * exposure_s * self.frame_rate_hz))

    def settings(self, index: float) -> tuple[float, float, float]:
        """(exposure s, analog gain, LED drive) at exposure index `index` (log2 s)."""
        total, t_min, t_max = 2.0 ** index, self.min_exposure_us * 1e-6, self.max_exposure_us * 1e-6
        if total >= t_min:
            t = min(total, t_max)
            return t, total / t, self.led_cap(t)
        return t_min, 1.0, self.led_cap(t_min) * total / t_min

    @property
    def index_range(self) -> tuple[float, float]:
        t_min = self.min_exposure_us * 1e-6
        lowest = t_min * min(1.0, self.min_led_drive / self.led_cap(t_min))
        return math.log2(lowest), math.log2(self.max_exposure_us * 1e-6 * self.max_gain)


@dataclass(frozen=True)
class Exposure:
    """What the camera used for one frame (the frame's sensor_state.nir)."""
    auto: bool
    index: float               # exposure index, log2 s (auto only; manual: log2 of exposure_us)
    exposure_us: float
    analog_gain: float
    led_drive: float
    metered_level: float       # noiseless mean over the metering box, share of the DN range above black
    metering_box_xyxy: tuple[float, float, float, float]
    eye_irradiance_w_m2: float | None   # time-averaged at the eye-safety distance on the beam axis (auto only)

    def to_dict(self, control: Control | None) -> dict[str, Any]:
        return {"auto": self.auto, "exposure_index_log2_s": self.index, "exposure_us": self.exposure_us,
                "analog_gain": self.analog_gain, "led_drive": self.led_drive,
                "metered_level": self.metered_level, "target_level": control.target_level if control else None,
                "metering_box_xyxy": list(self.metering_box_xyxy),
                "eye_irradiance_w_m2": self.eye_irradiance_w_m2,
                "eye_limit_w_m2": control.eye_limit_w_m2 if control else None}


def control(sensor: Mapping[str, Any]) -> Control | None:
    """The sensor's exposure control, or None for a manual (fixed) exposure."""
    nir = sensor["nir"]
    auto = nir.get("auto_exposure")
    if auto is None:
        return None
    return Control(target_level=auto["target_level"], min_exposure_us=auto["min_exposure_us"],
                   max_exposure_us=nir["exposure_us"], max_gain=auto["max_gain"],
                   min_led_drive=auto["min_led_drive"], frame_rate_hz=auto["frame_rate_hz"],
                   eye_limit_w_m2=EYE_LIMITS_W_M2[auto["eye_safety"]],
                   eye_distance_m=auto.get("eye_safety_distance_m", EYE_DISTANCE_M),
                   loop_gain=auto["loop_gain"], max_step_stops=auto["max_step_stops"],
                   intensity_w_sr=float(sum(ill["radiant_intensity_w_sr"] for ill in sensor["illuminators"])))


def metering_box(face_bbox_xyxy, width: int, height: int) -> tuple[float, float, float, float]:
    """The face box where it covers at least a pixel of the image, else the image's central half."""
    x0, y0, x1, y1 = face_bbox_xyxy
    if x1 - x0 >= 1.0 and y1 - y0 >= 1.0:
        return float(x0), float(y0), float(x1), float(y1)
    return width / 4 - 0.5, height / 4 - 0.5, 3 * width / 4 - 0.5, 3 * height / 4 - 0.5


def metered_rates(nir: np.ndarray, nir_illuminators: np.ndarray | None, box, sensor) -> tuple[float, float]:
    """Mean electron rates (e-/s) over the box's pixels: (daylight and lamps, the illuminators at full drive)."""
    x0, y0, x1, y1 = box
    # the pixels whose area overlaps the box (pixel c spans c - 0.5 .. c + 0.5)
    rows = slice(max(math.floor(y0 - 0.5) + 1, 0), max(math.ceil(y1 + 0.5), 0))
    cols = slice(max(math.floor(x0 - 0.5) + 1, 0), max(math.ceil(x1 + 0.5), 0))
    total = float(np.mean(nir[rows, cols], dtype=np.float64))
    led = total if nir_illuminators is None else float(np.mean(nir_illuminators[rows, cols], dtype=np.float64))
    rate = lambda radiance: float(nir_electron_rate(np.float64(radiance), sensor))
    return rate(total - led), rate(led)


def level(exposure_s: float, gain: float, drive: float, rates: tuple[float, float], sensor) -> float:
    """Noiseless metered level: the mean signal above black as a share of the DN range."""
    nir = sensor["nir"]
    electrons = exposure_s * (rates[0] + drive * rates[1] + nir["dark_current_e_per_s"])
    span = 2 ** nir["bit_depth"] - 1 - nir["black_level_dn"]
    return min(nir["system_gain_dn_per_e"] * gain * min(electrons, nir["full_well_e"]), span) / span


def _exposure(ctl: Control, index: float, rates, box, sensor) -> Exposure:
    t, g, p = ctl.settings(index)
    eye = p * ctl.intensity_w_sr / ctl.eye_distance_m ** 2 * t * ctl.frame_rate_hz
    return Exposure(True, index, t * 1e6, g, p, level(t, g, p, rates, sensor), box, eye)


def manual(sensor: Mapping[str, Any], rates, box) -> Exposure:
    """The fixed exposure of a sensor without auto_exposure: exposure_us, unity gain, full
    drive (no frame rate, so no time-averaged eye irradiance)."""
    t = sensor["nir"]["exposure_us"] * 1e-6
    return Exposure(False, math.log2(t), t * 1e6, 1.0, 1.0, level(t, 1.0, 1.0, rates, sensor), box, None)


def steady_state(ctl: Control, rates, box, sensor) -> Exposure:
    """The settings whose metered level is the target, or the nearest limit."""
    lo, hi = ctl.index_range
    meter = lambda u: level(*ctl.settings(u), rates, sensor)
    if meter(hi) <= ctl.target_level:
        return _exposure(ctl, hi, rates, box, sensor)
    if meter(lo) >= ctl.target_level:
        return _exposure(ctl, lo, rates, box, sensor)
    for _ in range(BISECTIONS):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if meter(mid) < ctl.target_level else (lo, mid)
    return _exposure(ctl, 0.5 * (lo + hi), rates, box, sensor)


def follow(ctl: Control, previous_index: float, previous_level: float, rates, box, sensor) -> Exposure:
    """The next clip frame's settings: the loop's step from the previous frame's index and metered level."""
    error = math.log2(ctl.target_level / previous_level) if previous_level > 0 else ctl.max_step_stops
    step = float(np.clip(ctl.loop_gain * error, -ctl.max_step_stops, ctl.max_step_stops))
    lo, hi = ctl.index_range
    return _exposure(ctl, float(np.clip(previous_index + step, lo, hi)), rates, box, sensor)


def lit_radiance(nir: np.ndarray, nir_illuminators: np.ndarray | None, drive: float) -> np.ndarray:
    """The NIR radiance with the illuminators at `drive` of their rated intensity
    (all of it counts as theirs when the renderer could not separate their part)."""
    if nir_illuminators is None:
        return nir * np.float32(drive)
    return nir - np.float32(1.0 - drive) * nir_illuminators


def expose(nir: np.ndarray, nir_illuminators: np.ndarray | None, face_bbox_xyxy, sensor: Mapping[str, Any],
           previous: tuple[float, float] | None = None) -> tuple[Exposure, Control | None]:
    """The frame's exposure: manual, the steady state, or (clip frames after the
    first) the loop's step from the previous frame's (index, metered level)."""
    ctl = control(sensor)
    box = metering_box(face_bbox_xyxy, sensor["width"], sensor["height"])
    rates = metered_rates(nir, nir_illuminators, box, sensor)
    if ctl is None:
        return manual(sensor, rates, box), None
    if previous is None:
        return steady_state(ctl, rates, box, sensor), ctl
    return follow(ctl, *previous, rates, box, sensor), ctl
