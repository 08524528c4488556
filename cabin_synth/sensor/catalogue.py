"""Named camera presets a preset's `sensor` section can start from.

    sensor: {preset: nir940_1600x1300}                  # as shipped
    sensor: {preset: nir850_1280x800, nir: {exposure_us: 800}}   # with overrides

:func:`expand` merges the overrides (mappings recursively, everything else
replaced) into the named sensor before the preset is checked, so dataset.json
records the sensor as resolved. Values and sources: docs/sensors.md.
"""

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..scene.distortion import undistort

_NOISE = dict(read_noise_e=5.0, dark_current_e_per_s=50.0, dsnu_e=2.0, prnu=0.01)
# Auto-exposure and illuminator power control (sensor/exposure.py): a 30 fps camera whose
# illuminators stay in IEC 62471's exempt group; docs/sensors.md gives the reasons.
_AUTO = dict(target_level=0.35, min_exposure_us=20, max_gain=8, min_led_drive=0.05, frame_rate_hz=30,
             eye_safety="exempt", loop_gain=0.5, max_step_stops=1.0)
_RGB = dict(auto_exposure_target=0.18, full_well_e=8000, read_noise_e=3.0, channel_sensitivity=[0.55, 1.0, 0.7],
            white_balance="auto")
# Fixed focus inside the driver's working range; the lens's own artefacts (docs/sensors.md, Optics).
_LENS = dict(focus_distance_m=0.6, optics=dict(defocus=True, vignetting={"natural": True},
                                               lateral_chromatic_aberration={"red": 4e-4, "blue": -4e-4}))

SENSORS: dict[str, dict[str, Any]] = {
    # A 2 MP-class DMS camera: global shutter, 3.0 um pixels, 940 nm, short wide lens
    # with strong barrel distortion (OpenCV radial-tangential).
    "nir940_1600x1300": {
        "width": 1600, "height": 1300, "focal_length_mm": 2.8, "pixel_pitch_um": 3.0, "f_number": 2.0, **_LENS,
        "nir": dict(wavelength_nm=940, bandwidth_nm=50, exposure_us=500, quantum_efficiency=0.15,
                    system_gain_dn_per_e=0.1, full_well_e=10000, bit_depth=10, black_level_dn=16, auto_exposure=dict(_AUTO), **_NOISE),
        "rgb": dict(_RGB),
        "illuminators": [{"radiant_intensity_w_sr": 2.0, "half_angle_deg": 35, "offset_m": [0.0, 0.012, 0.0]}],
        "distortion": {"model": "radtan", "coefficients": [-0.28, 0.09, 0.0005, -0.0003, -0.012]},
    },
    # A 1 MP global-shutter NIR camera (1280 x 800, 3.0 um pixels, e.g. OV9282 / AR0144 class)
    # at 850 nm behind a fisheye-type wide lens (OpenCV fisheye model).
    "nir850_1280x800": {
        "width": 1280, "height": 800, "focal_length_mm": 2.0, "pixel_pitch_um": 3.0, "f_number": 2.0, **_LENS,
        "nir": dict(wavelength_nm=850, bandwidth_nm=50, exposure_us=400, quantum_efficiency=0.3,
                    system_gain_dn_per_e=0.1, full_well_e=10000, bit_depth=10, black_level_dn=16, auto_exposure=dict(_AUTO), **_NOISE),
        "rgb": dict(_RGB),
        "illuminators": [{"radiant_intensity_w_sr": 1.5, "half_angle_deg": 40, "offset_m": [0.0, 0.012, 0.0]}],
        "distortion": {"model": "fisheye", "coefficients": [0.02, -0.004, 0.0, 0.0]},
    },
    # VGA RGB-IR camera as in the default preset: 6 um pixels, 3.6 mm lens, no distortion.
    "rgb_640x480": {
        "width": 640, "height": 480, "focal_length_mm": 3.6, "pixel_pitch_um": 6.0, "f_number": 2.0, **_LENS,
        "nir": dict(wavelength_nm=940, bandwidth_nm=50, exposure_us=500, quantum_efficiency=0.2,
                    system_gain_dn_per_e=0.05, full_well_e=10000, bit_depth=8, black_level_dn=4, auto_exposure=dict(_AUTO), **_NOISE),
        "rgb": dict(_RGB),
        "illuminators": [{"radiant_intensity_w_sr": 2.0, "half_angle_deg": 30, "offset_m": [0.0, 0.012, 0.0]}],
        "distortion": {"model": "none", "coefficients": []},
    },
}


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(base[key], value) if isinstance(value, Mapping) and isinstance(base.get(key), Mapping) else value
    return out


def expand(sensor: Any) -> Any:
    """The sensor section with a `preset` key resolved; anything else unchanged.
    KeyError (with the known names) for an unknown preset name."""
    if not isinstance(sensor, Mapping) or "preset" not in sensor:
        return sensor
    name = sensor["preset"]
    if name not in SENSORS:
        raise KeyError(f"'sensor.preset': {name!r} is not one of {', '.join(sorted(SENSORS))}")
    return _merge(SENSORS[name], {k: v for k, v in sensor.items() if k != "preset"})


def field_of_view_deg(sensor: Mapping[str, Any]) -> dict[str, float]:
    """Horizontal, vertical and diagonal field of view through the lens model, degrees
    (angles between the rays of opposite image edges / corners)."""
    f_px = sensor["focal_length_mm"] * 1e3 / sensor["pixel_pitch_um"]
    w, h = sensor["width"], sensor["height"]
    d = sensor.get("distortion") or {"model": "none", "coefficients": []}
    half = np.array([(w - 1) / 2 + 0.5, (h - 1) / 2 + 0.5])
    edges = np.array([[half[0], 0.0], [0.0, half[1]], half]) / f_px
    x, y = undistort(d["model"], d["coefficients"], edges[:, 0], edges[:, 1])
    ang = [2 * math.degrees(math.atan(math.hypot(a, b))) for a, b in zip(x, y)]
    return {"horizontal": ang[0], "vertical": ang[1], "diagonal": ang[2]}
