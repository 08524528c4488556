"""Camera model shared by the renderer and the label projection: a pinhole plus
an optional OpenCV lens distortion (cabin_synth.scene.distortion).

Intrinsics follow the OpenCV pixel convention (pixel centres at integer
coordinates); extrinsics map vehicle-frame points into the OpenCV camera frame.
"""

from dataclasses import dataclass

import numpy as np

from ..transforms import transform_points
from .distortion import distort, undistort

# OpenCV camera axes expressed in a USD camera's axes (USD looks down -Z, +Y up).
R_USDCAM_CV = np.diag([1.0, -1.0, -1.0])


@dataclass(frozen=True)
class Camera:
    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float
    R_cam_vehicle: np.ndarray  # (3,3)
    t_cam_vehicle: np.ndarray  # (3,)
    near_m: float = 0.02
    far_m: float = 500.0   # the world outside the windows reaches some 400 m (cabin_synth.scene.world)
    distortion_model: str = "none"             # cabin_synth.scene.distortion.MODELS
    distortion_coeffs: tuple[float, ...] = ()  # OpenCV order for the model

    @classmethod
    def from_sensor(cls, *, width: int, height: int, focal_length_mm: float, pixel_pitch_um: float,
                    R_vehicle_cam: np.ndarray, position: np.ndarray, distortion: dict | None = None) -> "Camera":
        f_px = focal_length_mm * 1e3 / pixel_pitch_um
        R_cam_vehicle = R_vehicle_cam.T
        d = distortion or {"model": "none", "coefficients": []}
        return cls(width, height, f_px, f_px, (width - 1) / 2.0, (height - 1) / 2.0,
                   R_cam_vehicle, -R_cam_vehicle @ np.asarray(position, float),
                   distortion_model=d["model"], distortion_coeffs=tuple(float(c) for c in d["coefficients"]))

    @property
    def K(self) -> np.ndarray:
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])

    @property
    def position(self) -> np.ndarray:
        """Camera centre in the vehicle frame."""
        return -self.R_cam_vehicle.T @ self.t_cam_vehicle

    def to_camera(self, p_vehicle: np.ndarray) -> np.ndarray:
        return transform_points(self.R_cam_vehicle, self.t_cam_vehicle, np.asarray(p_vehicle, float))

    def project(self, p_cam: np.ndarray, distorted: bool = True) -> np.ndarray:
        """(N,3) OpenCV camera-frame points -> (N,2) pixel coordinates, through the
        lens distortion unless `distorted` is False (the ideal pinhole image)."""
        p = np.asarray(p_cam, float)
        x, y = p[:, 0] / p[:, 2], p[:, 1] / p[:, 2]
        if distorted:
            x, y = distort(self.distortion_model, self.distortion_coeffs, x, y)
        return np.stack([self.fx * x + self.cx, self.fy * y + self.cy], axis=1)

    def pixel_rays(self, uv: np.ndarray) -> np.ndarray:
        """(N,2) pixel coordinates -> (N,3) OpenCV camera-frame directions (x, y, 1) of
        their rays, undistorted through the lens model: a point at t along one lies at depth t."""
        uv = np.asarray(uv, float)
        x, y = undistort(self.distortion_model, self.distortion_coeffs,
                         (uv[:, 0] - self.cx) / self.fx, (uv[:, 1] - self.cy) / self.fy)
        return np.stack([x, y, np.ones_like(x)], axis=1)

    def in_image(self, uv: np.ndarray) -> np.ndarray:
        return (uv[:, 0] >= -0.5) & (uv[:, 0] < self.width - 0.5) & (uv[:, 1] >= -0.5) & (uv[:, 1] < self.height - 0.5)

    @classmethod
    def from_dict(cls, d: dict) -> "Camera":
        """The camera a frame's labels record (to_dict)."""
        K = np.asarray(d["K"], float)
        return cls(int(d["width"]), int(d["height"]), K[0, 0], K[1, 1], K[0, 2], K[1, 2],
                   np.asarray(d["R_cam_vehicle"], float), np.asarray(d["t_cam_vehicle"], float),
                   distortion_model=d["distortion"]["model"],
                   distortion_coeffs=tuple(float(c) for c in d["distortion"]["coefficients"]))

    def to_dict(self) -> dict:
        return {
            "width": self.width, "height": self.height,
            "K": self.K.tolist(),
            "distortion": {"model": self.distortion_model, "coefficients": list(self.distortion_coeffs)},
            "R_cam_vehicle": self.R_cam_vehicle.tolist(),
            "t_cam_vehicle": self.t_cam_vehicle.tolist(),
            "position_vehicle": self.position.tolist(),
        }
