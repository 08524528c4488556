"""Lens distortion models shared by label projection (camera.py) and the renderer
(render/distort.py), in OpenCV's conventions, on normalised image coordinates
(x, y) = (X/Z, Y/Z) of the OpenCV camera frame:

- 'radtan' (cv2.projectPoints): coefficients (k1, k2, p1, p2, k3);
  r2 = x^2 + y^2, radial = 1 + k1 r2 + k2 r2^2 + k3 r2^3,
  xd = x radial + 2 p1 x y + p2 (r2 + 2 x^2), yd = y radial + p1 (r2 + 2 y^2) + 2 p2 x y.
- 'fisheye' (cv2.fisheye): coefficients (k1, k2, k3, k4); theta = atan(r),
  theta_d = theta (1 + k1 theta^2 + k2 theta^4 + k3 theta^6 + k4 theta^8), (xd, yd) = theta_d / r (x, y).
- 'none': the pinhole.

Pixels are then u = fx xd + cx, v = fy yd + cy.
"""

import numpy as np

MODELS = {"none": 0, "radtan": 5, "fisheye": 4}  # model -> number of coefficients


def distort(model: str, coeffs, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x, float), np.asarray(y, float)
    if model == "none":
        return x, y
    if model == "radtan":
        k1, k2, p1, p2, k3 = coeffs
        r2 = x * x + y * y
        radial = 1 + r2 * (k1 + r2 * (k2 + r2 * k3))
        return (x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x),
                y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y)
    if model == "fisheye":
        r = np.hypot(x, y)
        theta = np.arctan(r)
        scale = np.where(r > 1e-12, fisheye_theta_d(coeffs, theta) / np.maximum(r, 1e-12), 1.0)
        return x * scale, y * scale
    raise ValueError(f"unknown distortion model {model!r}; expected one of {', '.join(MODELS)}")


def fisheye_theta_d(coeffs, theta: np.ndarray) -> np.ndarray:
    k1, k2, k3, k4 = coeffs
    t2 = theta * theta
    return theta * (1 + t2 * (k1 + t2 * (k2 + t2 * (k3 + t2 * k4))))


def undistort(model: str, coeffs, xd: np.ndarray, yd: np.ndarray, iterations: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`distort` by Newton's method (to ~1e-12 inside the monotonic range)."""
    xd, yd = np.asarray(xd, float), np.asarray(yd, float)
    if model == "none":
        return xd, yd
    if model == "fisheye":
        rd = np.hypot(xd, yd)
        theta = rd.copy()
        for _ in range(iterations):
            h = 1e-7
            f = fisheye_theta_d(coeffs, theta) - rd
            df = (fisheye_theta_d(coeffs, theta + h) - fisheye_theta_d(coeffs, theta - h)) / (2 * h)
            theta = np.clip(theta - f / df, 0.0, np.pi / 2 - 1e-6)
        scale = np.where(rd > 1e-12, np.tan(theta) / np.maximum(rd, 1e-12), 1.0)
        return xd * scale, yd * scale
    x, y = xd.copy(), yd.copy()
    h = 1e-7
    for _ in range(iterations):
        fx, fy = distort(model, coeffs, x, y)
        ex, ey = fx - xd, fy - yd
        ax, ay = distort(model, coeffs, x + h, y)
        bx, by = distort(model, coeffs, x, y + h)
        j11, j21, j12, j22 = (ax - fx) / h, (ay - fy) / h, (bx - fx) / h, (by - fy) / h
        det = j11 * j22 - j12 * j21
        x = x - (j22 * ex - j12 * ey) / det
        y = y - (-j21 * ex + j11 * ey) / det
    return x, y


def monotonic_up_to(model: str, coeffs, rd_max: float) -> bool:
    """True if the distorted radius grows with the undistorted one until it reaches
    rd_max (the image corner): otherwise the lens folds the image onto itself and
    neither the labels nor the pixels are well defined."""
    if model == "none":
        return True
    r = np.linspace(0.0, 20.0, 20001) if model == "radtan" else np.tan(np.linspace(0.0, np.pi / 2 - 1e-3, 20001))
    rd, _ = distort(model, coeffs, r, np.zeros_like(r))
    inc = np.diff(rd) > 0
    reached = np.nonzero(rd >= rd_max)[0]
    if not len(reached):
        return False
    return bool(inc[:max(reached[0], 1)].all())
