"""What a frame's labels say, drawn over its image: landmarks, glints, the gaze
ray, the head axes and the gaze zone. Points are projected through the frame's
own camera model (labels' K and lens distortion), as the labels' uv are.
"""

from typing import Any, Mapping

import numpy as np

from ..scene.distortion import distort

GAZE_RAY_M = 0.25     # drawn length of the gaze ray
HEAD_AXIS_M = 0.06    # drawn length of each head axis
AXIS_COLOURS = ("#e8412c", "#3cb44b", "#4169e1")   # head +X (out of the face), +Y (left), +Z (up)


def project(camera: Mapping[str, Any], points_cam: np.ndarray) -> np.ndarray:
    """Pixel positions (N,2) of camera-frame points (N,3) in front of the camera; NaN behind it."""
    p = np.asarray(points_cam, float).reshape(-1, 3)
    z = np.where(p[:, 2] > 1e-6, p[:, 2], np.nan)
    dist = camera["distortion"]
    xd, yd = distort(dist["model"], dist["coefficients"], p[:, 0] / z, p[:, 1] / z)
    K = np.asarray(camera["K"], float)
    return np.stack([K[0, 0] * xd + K[0, 1] * yd + K[0, 2], K[1, 1] * yd + K[1, 2]], axis=1)


def display_image(image: np.ndarray) -> np.ndarray:
    """An 8-bit view of a stored image: NIR of more than 8 bits scaled to its top bit."""
    if image.dtype == np.uint8:
        return image
    top = max(int(image.max()).bit_length(), 8)
    return (image >> (top - 8)).astype(np.uint8)


def face_crop(labels: Mapping[str, Any], margin: float = 0.9) -> tuple[int, int, int, int]:
    """A square box round the face (twice its size), clipped to the image."""
    w, h = labels["camera"]["width"], labels["camera"]["height"]
    x0, y0, x1, y1 = labels["face_bbox_xyxy"]
    cx, cy, half = 0.5 * (x0 + x1), 0.5 * (y0 + y1), max(x1 - x0, y1 - y0, 20.0) * margin + 10.0
    if not (x1 > x0 and y1 > y0):
        return 0, 0, w, h
    return (int(max(cx - half, 0)), int(max(cy - half, 0)), int(min(cx + half, w)), int(min(cy + half, h)))


def draw(ax, image: np.ndarray, labels: Mapping[str, Any], title: str) -> None:
    """The image (cropped round the face) with the frame's labels on a matplotlib axis."""
    x0, y0, x1, y1 = face_crop(labels)
    view = display_image(image)[y0:y1, x0:x1]
    ax.imshow(view, cmap="gray" if view.ndim == 2 else None, vmin=0, vmax=255,
              extent=(x0 - 0.5, x1 - 0.5, y1 - 0.5, y0 - 0.5))
    cam = labels["camera"]
    lm = labels["landmarks"]
    uv = np.array([m["uv"] for m in lm])
    seen = np.array([m["visible"] for m in lm])
    ax.scatter(uv[:68][seen[:68], 0], uv[:68][seen[:68], 1], s=3, c="#7fff00", linewidths=0)
    ax.scatter(uv[:68][~seen[:68], 0], uv[:68][~seen[:68], 1], s=5, c="#ff4040", marker="x", linewidths=0.6)
    ax.scatter(uv[68:, 0], uv[68:, 1], s=10, facecolors="none", edgecolors="#ffd700", linewidths=0.7)
    glints = np.array([g["uv"] for g in labels["glints"] if g["visible"]]).reshape(-1, 2)
    ax.scatter(glints[:, 0], glints[:, 1], s=14, facecolors="none", edgecolors="#00e5ff", linewidths=0.7)
    g = labels["gaze"]["combined"]
    ray = np.array(g["origin_camera_m"]) + np.outer(np.linspace(0.0, GAZE_RAY_M, 12), g["direction_camera"])
    pr = project(cam, ray)
    ax.plot(pr[:, 0], pr[:, 1], color="#ffd700", lw=1.2)
    head = labels["head_pose"]["camera"]
    R, t = np.array(head["R"]), np.array(head["t_m"])
    for axis, colour in enumerate(AXIS_COLOURS):
        seg = project(cam, np.stack([t, t + HEAD_AXIS_M * R[:, axis]]))
        ax.plot(seg[:, 0], seg[:, 1], color=colour, lw=1.2)
    ax.set_xlim(x0 - 0.5, x1 - 0.5)
    ax.set_ylim(y1 - 0.5, y0 - 0.5)
    ax.set_title(f"{title}\nzone: {labels['gaze']['zone']}", fontsize=6)
    ax.axis("off")
