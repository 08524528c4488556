"""Rotations and rigid transforms (column vectors, right-handed).

Euler angles follow docs/conventions.md: intrinsic Z-Y'-X'' (yaw, pitch, roll),
R = Rz(yaw) @ Ry(pitch) @ Rx(roll). Quaternions are (w, x, y, z).
"""

import numpy as np
from scipy.spatial.transform import Rotation


def euler_zyx_to_matrix(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Radians in, 3x3 rotation out."""
    return Rotation.from_euler("ZYX", [yaw, pitch, roll]).as_matrix()


def euler_zyx_to_matrices(angles: np.ndarray) -> np.ndarray:
    """(N,3) radians (yaw, pitch, roll) in, (N,3,3) rotations out."""
    return Rotation.from_euler("ZYX", np.asarray(angles, float).reshape(-1, 3)).as_matrix()


def matrix_to_euler_zyx(R: np.ndarray) -> np.ndarray:
    """(yaw, pitch, roll) in radians; pitch in [-pi/2, pi/2]."""
    return Rotation.from_matrix(R).as_euler("ZYX")


def matrix_to_quat_wxyz(R: np.ndarray) -> np.ndarray:
    x, y, z, w = Rotation.from_matrix(R).as_quat()
    q = np.array([w, x, y, z])
    return q if q[0] >= 0 else -q


def look_at_opencv(position: np.ndarray, target: np.ndarray, up: np.ndarray = np.array([0.0, 0.0, 1.0])) -> np.ndarray:
    """R_world_cam for an OpenCV camera (+Z forward, +Y down) at `position` looking at `target`."""
    z = np.asarray(target, float) - np.asarray(position, float)
    z /= np.linalg.norm(z)
    x = np.cross(z, up)
    norm = np.linalg.norm(x)
    if norm < 1e-9:
        raise ValueError("camera looks straight along the up axis; its roll is undefined")
    x /= norm
    y = np.cross(z, x)
    return np.stack([x, y, z], axis=1)


def transform_points(R: np.ndarray, t: np.ndarray, p: np.ndarray) -> np.ndarray:
    """R @ p + t for an (N,3) array of points."""
    return p @ R.T + t
