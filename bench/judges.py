"""Outsiders' judges of realism: face detectors and a 68-point landmark model
trained on real photographs, and the frames on which it is fair to ask them.

Every judge's weights ship inside a PyPI package (nothing is downloaded at run
time): OpenCV's Haar frontal-face cascade (opencv-python-headless), dlib's HOG
detector, its CNN (MMOD) detector and its iBUG-68 shape predictor (dlib-bin,
face-recognition-models), and, where installed, MediaPipe's BlazeFace
(mediapipe 0.10.14, the last release that bundles it and runs on numpy 2).
docs/realism.md defines the frame selection and the figures; bench/realism.py
prints them, tests/test_realism.py runs a CI-sized set.

Works on label dicts and 8-bit images only, so frames made in memory and frames
read back from a dataset folder are judged alike.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

# "lit": the mean 8-bit level inside the labelled face box, 0..255.
LIT_MIN_LEVEL = 40.0
# "near-frontal": angle between the face's forward axis and its ray to the camera.
NEAR_FRONTAL_MAX_DEG = 25.0
# A tinted lens passing less than this (in the band judged) hides the eyes.
CLEAR_LENS_MIN_TRANSMITTANCE = 0.5
# iBUG 68 regions (0-based indices).
REGIONS = {"jaw": range(0, 17), "brows": range(17, 27), "nose": range(27, 36),
           "eyes": range(36, 48), "mouth": range(48, 68)}
INNER_FACE = range(17, 68)
NOSE_TIP = 30
OUTER_EYE_CORNERS = (36, 45)
INNER_EYE_CORNERS = (39, 42)
CHANNELS = ("rgb", "nir")


@dataclass(frozen=True)
class Shot:
    """One frame as the judges see it: its labels and its 8-bit images
    (rgb H x W x 3, nir H x W)."""
    index: int
    labels: dict[str, Any]
    images: dict[str, np.ndarray]


def nir_8bit(nir: np.ndarray, bit_depth: int) -> np.ndarray:
    """Sensor DN to 8 bits by dropping the low bits, as a camera's 8-bit output does."""
    return (nir.astype(np.uint32) >> max(bit_depth - 8, 0)).astype(np.uint8)


def facing_angle_deg(labels: dict[str, Any]) -> float:
    """Angle between the head's forward axis (+X of the head frame, docs/conventions.md)
    and the ray from the midpoint of the outer eye corners to the camera centre."""
    forward = np.array(labels["head_pose"]["camera"]["R"])[:, 0]
    marks = labels["landmarks"]
    centre = (np.array(marks[OUTER_EYE_CORNERS[0]]["camera_m"]) + np.array(marks[OUTER_EYE_CORNERS[1]]["camera_m"])) / 2
    to_camera = -centre / np.linalg.norm(centre)
    return float(np.degrees(np.arccos(np.clip(forward @ to_camera, -1.0, 1.0))))


def lens_transmittance(labels: dict[str, Any], channel: str, wavelength_nm: int) -> float:
    """Single-pass transmittance of the worn eyewear's lenses in the channel judged (1 without lenses)."""
    for item in labels["accessories"]:
        lens = item.get("lens")
        if item["slot"] == "eyewear" and lens:
            return lens["visible_transmittance"] if channel == "rgb" else lens[f"nir_transmittance_{wavelength_nm}"]
    return 1.0


def inner_face_unoccluded(labels: dict[str, Any], channel: str, wavelength_nm: int) -> bool:
    """All 68 points in the image, no inner-face point (brows, nose, eyes, mouth)
    behind anything but the driver's own head, and no tinted lens over the eyes."""
    marks = labels["landmarks"][:68]
    if any(m["occluded_by"] == "out_of_frame" for m in marks):
        return False
    if any(marks[k]["occluded_by"] not in (None, "self_occlusion") for k in INNER_FACE):
        return False
    return lens_transmittance(labels, channel, wavelength_nm) >= CLEAR_LENS_MIN_TRANSMITTANCE


def inner_corners_shown(labels: dict[str, Any]) -> tuple[bool, bool]:
    """(both inner eye corners visible, one of them covered by something other than the
    driver's own head: a glasses rim, a mask, a hand, a cabin part, the image edge)."""
    corners = [labels["landmarks"][k] for k in INNER_EYE_CORNERS]
    return (all(c["visible"] for c in corners),
            any(c["occluded_by"] not in (None, "self_occlusion") for c in corners))


def face_box_level(labels: dict[str, Any], image: np.ndarray) -> float:
    """Mean 8-bit level (luma for RGB) inside the labelled face box."""
    gray = image if image.ndim == 2 else image.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    u0, v0, u1, v1 = np.rint(labels["face_bbox_xyxy"]).astype(int)
    return float(gray[max(v0, 0):v1 + 1, max(u0, 0):u1 + 1].mean())


@dataclass(frozen=True)
class Eligibility:
    lit: bool
    near_frontal: bool
    unoccluded: bool

    @property
    def fair(self) -> bool:
        return self.lit and self.near_frontal and self.unoccluded


def eligibility(shot: Shot, channel: str, wavelength_nm: int) -> Eligibility:
    return Eligibility(lit=face_box_level(shot.labels, shot.images[channel]) >= LIT_MIN_LEVEL,
                       near_frontal=facing_angle_deg(shot.labels) <= NEAR_FRONTAL_MAX_DEG,
                       unoccluded=inner_face_unoccluded(shot.labels, channel, wavelength_nm))


Box = tuple[float, float, float, float]


def holds_labelled_face(box: Box, labels: dict[str, Any]) -> bool:
    """A detection counts only if it holds the labelled nose tip and its width is
    within a factor of two of the labelled face box's: a false hit elsewhere, or a
    box around the whole head and shoulders, never passes for the face."""
    x0, y0, x1, y1 = box
    u, v = labels["landmarks"][NOSE_TIP]["uv"]
    fx0, _, fx1, _ = labels["face_bbox_xyxy"]
    return x0 <= u <= x1 and y0 <= v <= y1 and 0.5 <= (x1 - x0) / (fx1 - fx0) <= 2.0


def as_rgb(image: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image)


class MissingJudge(RuntimeError):
    """A judge's package is not installed; the message names it."""


def _require(module: str, package: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise MissingJudge(f"'{module}' is missing: pip install {package} (or the project's 'realism' extra)")


def haar_detector() -> Callable[[np.ndarray], list[Box]]:
    """Viola-Jones boosted Haar cascade (OpenCV's haarcascade_frontalface_default).
    Histogram equalisation first is OpenCV's own recipe (samples/python/facedetect.py);
    scale step 1.1 and 3 neighbours are detectMultiScale's defaults."""
    _require("cv2", "opencv-python-headless")
    import cv2

    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    if cascade.empty():
        raise MissingJudge("OpenCV ships no frontal-face cascade (OpenCV 5 dropped it): pip install 'opencv-python-headless<5'")

    def find(image: np.ndarray) -> list[Box]:
        gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        boxes = cascade.detectMultiScale(cv2.equalizeHist(gray), scaleFactor=1.1, minNeighbors=3, minSize=(40, 40))
        return [(x, y, x + w, y + h) for x, y, w, h in boxes]
    return find


def _rect_box(r) -> Box:
    return (r.left(), r.top(), r.right(), r.bottom())


def _dlib():
    _require("dlib", "dlib-bin")
    _require("face_recognition_models", "face-recognition-models")
    import dlib
    import face_recognition_models

    return dlib, face_recognition_models


def dlib_hog_detector() -> Callable[[np.ndarray], list[Box]]:
    """HOG features with a linear SVM (dlib's get_frontal_face_detector), the image
    upsampled once as in dlib's examples so that faces from 40 px are found."""
    dlib, _ = _dlib()
    detector = dlib.get_frontal_face_detector()
    return lambda image: [_rect_box(r) for r in detector(as_rgb(image), 1)]


def dlib_cnn_detector() -> Callable[[np.ndarray], list[Box]]:
    """dlib's CNN face detector trained with max-margin object detection (MMOD),
    weights from face-recognition-models; no upsampling (it finds faces from
    about 80 px, smaller than a DMS camera's faces)."""
    dlib, models = _dlib()
    detector = dlib.cnn_face_detection_model_v1(models.cnn_face_detector_model_location())
    return lambda image: [_rect_box(d.rect) for d in detector(as_rgb(image), 0)]


def blazeface_detector() -> Callable[[np.ndarray], list[Box]]:
    """MediaPipe's BlazeFace short-range model (faces within about 2 m, as in a
    cabin), default confidence 0.5."""
    _require("mediapipe", "mediapipe==0.10.14")
    import mediapipe as mp

    detector = mp.solutions.face_detection.FaceDetection(model_selection=0, min_detection_confidence=0.5)

    def find(image: np.ndarray) -> list[Box]:
        h, w = image.shape[:2]
        found = detector.process(as_rgb(image)).detections or []
        boxes = []
        for d in found:
            b = d.location_data.relative_bounding_box
            boxes.append((b.xmin * w, b.ymin * h, (b.xmin + b.width) * w, (b.ymin + b.height) * h))
        return boxes
    return find


DETECTORS: dict[str, Callable[[], Callable[[np.ndarray], list[Box]]]] = {
    "opencv_haar": haar_detector,
    "dlib_hog": dlib_hog_detector,
    "dlib_cnn": dlib_cnn_detector,
    "mediapipe_blazeface": blazeface_detector,
}


def landmark_model() -> Callable[[np.ndarray, Box], np.ndarray]:
    """dlib's shape_predictor_68_face_landmarks (an ensemble of regression trees,
    Kazemi and Sullivan 2014, trained on iBUG 300-W): 68 points (x, y) from an
    image and a face box. dlib, like our labels, puts pixel centres at integers."""
    dlib, models = _dlib()
    predictor = dlib.shape_predictor(models.pose_predictor_model_location())

    def fit(image: np.ndarray, box: Box) -> np.ndarray:
        shape = predictor(as_rgb(image), dlib.rectangle(*(int(round(c)) for c in box)))
        return np.array([(p.x, p.y) for p in shape.parts()], np.float64)
    return fit


def normalised_errors(predicted: np.ndarray, labels: dict[str, Any]) -> np.ndarray:
    """Per-point distance between the model's 68 points and our labels' pixels,
    divided by the labelled outer-eye-corner distance (the 300-W convention)."""
    truth = np.array([m["uv"] for m in labels["landmarks"][:68]])
    a, b = OUTER_EYE_CORNERS
    return np.linalg.norm(predicted - truth, axis=1) / np.linalg.norm(truth[a] - truth[b])


def definitions() -> dict[str, Any]:
    """The selection's thresholds, recorded with every result."""
    return {"lit_min_face_box_level": LIT_MIN_LEVEL, "near_frontal_max_deg": NEAR_FRONTAL_MAX_DEG,
            "clear_lens_min_transmittance": CLEAR_LENS_MIN_TRANSMITTANCE,
            "detection": "box holds the labelled nose tip (landmark 30), width 0.5-2x the labelled face box",
            "landmark_error": "per frame, mean point distance / outer-eye-corner distance; median over frames"}
