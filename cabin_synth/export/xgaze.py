"""Export an ETH-XGaze-style normalised face crop set (Zhang, Sugano, Bulling 2018,
"Revisiting data normalization for appearance-based gaze estimation").

Per frame a virtual camera with focal length FOCAL_PX sits DISTANCE_M from the
face centre and looks at it, its x axis in the plane of the head's left-right
axis; the image is warped by the rotation-only homography
W = K_n S R K^-1 (S scales depth to the fixed distance), and gaze and head pose
are rotated by R only. Defaults are ETH-XGaze's (960 px, 0.6 m, 224 x 224).
Frames whose face the camera does not show (:func:`face_shown`) are left out;
every sample says what hides which of its landmarks. docs/labels.md
("ETH-XGaze") lists every output field.
"""

import json
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from scipy.ndimage import map_coordinates

from ..dataset.reader import ClipTime, Dataset
from ..dataset.writer import atomic_write
from .folders import prepare_folder

FOCAL_PX = 960.0
DISTANCE_M = 0.6
SIZE_PX = 224
# ETH-XGaze's face centre (its normalisation code): the mean of the eye centre
# (mean of the four eye corners) and the nose centre (mean of the two nose
# corners, the alar points); iBUG indices.
EYE_CORNERS = (36, 39, 42, 45)
NOSE_CORNERS = (31, 35)
PUPILS = (68, 69)
# What hides a pupil without hiding the eye from a gaze estimator: nothing, the
# driver's own lids and face (a closed eye, the far eye at a large yaw), or a
# spectacle rim or lens, past which the eye still shows.
SEEN_PAST = (None, "self_occlusion", "glasses_frame", "lens")


def pitch_yaw_deg(direction_cam: np.ndarray) -> list[float]:
    """ETH-XGaze pitch asin(-y) and yaw atan2(-x, -z) of a unit vector, degrees."""
    x, y, z = direction_cam
    return [float(np.degrees(np.arcsin(-y))), float(np.degrees(np.arctan2(-x, -z)))]


def face_centre(labels: dict[str, Any]) -> np.ndarray:
    """Face centre in the camera frame, m."""
    p = np.array([lm["camera_m"] for lm in labels["landmarks"]])
    return 0.5 * (p[list(EYE_CORNERS)].mean(axis=0) + p[list(NOSE_CORNERS)].mean(axis=0))


def normalising_rotation(centre_cam: np.ndarray, R_cam_head: np.ndarray) -> np.ndarray:
    """R (rows: the virtual camera's axes in the camera frame): z towards the face
    centre, y perpendicular to z and to the head's left-right axis, x = y x z."""
    # The head's +Y (driver's left) is image-right for a frontal face, as ETH-XGaze's head x axis.
    head_x = R_cam_head[:, 1]
    z = centre_cam / np.linalg.norm(centre_cam)
    y = np.cross(z, head_x)
    y /= np.linalg.norm(y)
    x = np.cross(y, z)
    return np.stack([x, y, z])


def crop_intrinsics(focal_px: float, size_px: int) -> np.ndarray:
    """K of the virtual camera; the principal point is the crop's centre (pixel centres at integers)."""
    c = (size_px - 1) / 2.0
    return np.array([[focal_px, 0.0, c], [0.0, focal_px, c], [0.0, 0.0, 1.0]])


def normalisation(labels: dict[str, Any], focal_px: float = FOCAL_PX, distance_m: float = DISTANCE_M,
                  size_px: int = SIZE_PX) -> dict[str, np.ndarray]:
    """R, the homography W (source pixel -> crop pixel, both with pixel centres at
    integers), the crop's K_n and the face centre of one frame."""
    centre = face_centre(labels)
    R = normalising_rotation(centre, np.array(labels["head_pose"]["camera"]["R"]))
    S = np.diag([1.0, 1.0, distance_m / np.linalg.norm(centre)])
    K_n = crop_intrinsics(focal_px, size_px)
    W = K_n @ S @ R @ np.linalg.inv(np.array(labels["camera"]["K"]))
    return {"R": R, "W": W, "K_n": K_n, "face_centre": centre}


def warp(image: np.ndarray, W: np.ndarray, size_px: int) -> np.ndarray:
    """Bilinear inverse warp: crop pixel p takes the source at W^-1 p; outside -> 0."""
    v, u = np.mgrid[0:size_px, 0:size_px].astype(np.float64)
    src = np.linalg.inv(W) @ np.stack([u.ravel(), v.ravel(), np.ones(u.size)])
    coords = [src[1] / src[2], src[0] / src[2]]
    channels = image[..., None] if image.ndim == 2 else image
    out = np.stack([map_coordinates(channels[..., k].astype(np.float64), coords, order=1, cval=0.0)
                    for k in range(channels.shape[-1])], axis=-1).reshape(size_px, size_px, -1)
    out = np.clip(np.rint(out), 0, np.iinfo(image.dtype).max).astype(image.dtype)
    return out[..., 0] if image.ndim == 2 else out


def face_shown(labels: dict[str, Any]) -> bool:
    """Does the camera show the face? The face centre's six landmarks are in the
    image and at least one pupil is hidden by nothing but the driver's own face
    or spectacles (SEEN_PAST)."""
    marks = labels["landmarks"]
    centred = all(marks[k]["occluded_by"] != "out_of_frame" for k in EYE_CORNERS + NOSE_CORNERS)
    return centred and any(marks[k]["occluded_by"] in SEEN_PAST for k in PUPILS)


def visibility(labels: dict[str, Any]) -> dict[str, Any]:
    """How much of the face the camera sees, from the landmarks' labels."""
    marks = labels["landmarks"]
    return {"landmarks_visible": sum(1 for lm in marks if lm["visible"]),
            "pupils_occluded_by": [marks[k]["occluded_by"] for k in PUPILS],
            "occluders": sorted({lm["occluded_by"] for lm in marks} - {None, "self_occlusion", "out_of_frame"})}


def sample(labels: dict[str, Any], norm: dict[str, np.ndarray], clip: ClipTime | None = None) -> dict[str, Any]:
    """Labels of one normalised crop."""
    R, centre = norm["R"], norm["face_centre"]
    gaze = np.array(labels["gaze"]["target_camera_m"]) - centre
    gaze_n = R @ (gaze / np.linalg.norm(gaze))
    head_n = R @ np.array(labels["head_pose"]["camera"]["R"])
    return {
        "frame": labels["frame"],
        "face_centre_camera_m": centre.tolist(),
        "R_norm_cam": R.tolist(),
        "homography": norm["W"].tolist(),
        "gaze_normalised": gaze_n.tolist(),
        "gaze_pitch_yaw_deg": pitch_yaw_deg(gaze_n),
        "head_R_normalised": head_n.tolist(),
        "head_pitch_yaw_deg": pitch_yaw_deg(head_n[:, 0]),
        "eye_state": [e["state"] for e in labels["eyes"]],
        "visibility": visibility(labels),
        **({"clip": clip.clip, "time_s": clip.time_s} if clip else {}),
    }


def earlier_crops(out: Path) -> list[str] | None:
    """The files of an earlier xgaze export in `out` (its crops and labels.json), or None."""
    try:
        earlier = json.loads((out / "labels.json").read_text())
        names = [s["image"] for s in earlier["samples"]] if "normalisation" in earlier else None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return None if names is None else names + ["labels.json"]


def export_xgaze(dataset: Dataset, out: Path, image_kind: str = "rgb", focal_px: float = FOCAL_PX,
                 distance_m: float = DISTANCE_M, size_px: int = SIZE_PX, force: bool = False) -> dict[str, Any]:
    """Write out/NNNNNN.png crops and out/labels.json of the frames whose face
    the camera shows; `out` must be new or empty (force: or an earlier export)."""
    out = Path(out)
    prepare_folder(out, force, "xgaze", "labels.json", earlier_crops)
    samples, hidden = [], 0
    for position in range(len(dataset)):
        labels = dataset.labels(position)
        if not face_shown(labels):
            hidden += 1
            continue
        norm = normalisation(labels, focal_px, distance_m, size_px)
        name = f"{labels['frame']:06d}.png"
        Image.fromarray(warp(dataset.image(labels, image_kind), norm["W"], size_px)).save(out / name)
        samples.append(dict(sample(labels, norm, dataset.clip(position)), image=name))
    document = {
        "normalisation": {"focal_px": focal_px, "distance_m": distance_m, "size_px": size_px,
                          "K": crop_intrinsics(focal_px, size_px).tolist(), "image_kind": image_kind,
                          "source": str(dataset.root)},
        "samples": samples,
    }
    atomic_write(out / "labels.json", json.dumps(document, indent=1).encode())
    return {"out": str(out), "images": len(samples), "left_out": hidden}
