"""The buffers every renderer returns."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Buffers:
    rgb: np.ndarray       # (H,W,3) float32, linear RGB radiance, lux/sr (albedo * illuminance / pi)
    nir: np.ndarray       # (H,W) float32, band radiance at the NIR wavelength, W/(m^2 sr)
    depth: np.ndarray     # (H,W) float32, Z in the OpenCV camera frame, metres; 0 = no surface
    instance: np.ndarray  # (H,W) int32, SceneView instance id; 0 = no surface
    # (H,W) float32, the part of `nir` the camera's illuminators put there, W/(m^2 sr): radiance is
    # linear in each source, so the sensor can set the illuminators' drive after the render
    # (sensor/exposure.py). None from a renderer that cannot separate it: the camera then takes
    # all NIR light for its own.
    nir_illuminators: np.ndarray | None = None
