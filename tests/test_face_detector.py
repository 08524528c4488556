"""A face detector trained on real photographs must believe the driver (issue 3).

OpenCV's bundled Haar frontal-face cascade (Viola-Jones, trained on photographs)
runs on 200 RGB frames of tests/fixtures/frontal_faces.yaml: the default preset
with |yaw| <= 30 deg, |pitch| <= 20 deg and daylight (the RGB camera has no
illuminator; below about 1000 lux in the cabin its image is mostly noise, and a
night-time face is the NIR channel's job). Frames where a cabin part (the
wheel, the column shroud) covers more than a tenth of the 68 facial landmarks
in the rendered instance image, or a landmark leaves the image, are skipped:
the issue asks for faces with nothing in front of them; the driver's own hair
does not make a frame skipped. A detection counts only when its box holds the
projected nose tip (landmark 30) and its width is within a factor of two of
the labelled face box, so a false hit elsewhere never passes for the face.
"""

import cv2   # opencv-python-headless, the 'test' extra: required, never skipped
import numpy as np

from cabin_synth import presets
from cabin_synth.paths import PROJECT_ROOT
from cabin_synth.pipeline import FrameMaker

N_FRAMES = 200
# Issue 3 asks for 90 %. Measured 94 % on the driver branch, 88-89 % after sun and
# illuminator shadows and RGB white balance were merged, 90.5 % with skin detail,
# ambient occlusion of skin and eyes and soft sun shadows, 89-89.5 % with the seat
# travel and the body merged, 92 % with skin's glossy surface reflection
# (docs/driver.md lists each step).
REQUIRED_RATE = 0.90


def detects_face(cascade, rgb: np.ndarray, nose_uv, face_width_px: float) -> bool:
    # Histogram equalisation before the cascade is OpenCV's own recipe (samples/python/facedetect.py);
    # scaleFactor and minNeighbors are detectMultiScale's defaults.
    gray = cv2.equalizeHist(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    boxes = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=3, minSize=(40, 40))
    u, v = nose_uv
    return any(x <= u <= x + w and y <= v <= y + h and 0.5 <= w / face_width_px <= 2.0 for x, y, w, h in boxes)


def face_width(frame) -> float:
    x0, _, x1, _ = frame.labels["face_bbox_xyxy"]
    return x1 - x0


def cabin_covers_face(frame, marks) -> bool:
    if any(m["occluded_by"] == "out_of_frame" for m in marks[:68]):
        return True
    uv = np.rint([m["uv"] for m in marks[:68]]).astype(int)
    ids = frame.images["ids"][uv[:, 1], uv[:, 0]]
    driver = np.array([i > 0 and frame.view.instances[i - 1].prim.startswith("/World/Driver/") for i in ids])
    return (~driver).mean() > 0.1


def test_haar_cascade_finds_frontal_faces():
    preset = presets.load(str(PROJECT_ROOT / "tests" / "fixtures" / "frontal_faces.yaml"))
    maker = FrameMaker(preset, seed=3)
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    assert not cascade.empty()
    found, missed, skipped = 0, [], 0
    index = 0
    while found + len(missed) < N_FRAMES:
        frame = maker.make(index)
        yaw, pitch, _ = frame.params.head_euler_deg
        assert abs(yaw) <= 30 and abs(pitch) <= 20
        marks = frame.labels["landmarks"]
        if cabin_covers_face(frame, marks):
            skipped += 1
        elif detects_face(cascade, frame.images["rgb"], marks[30]["uv"], face_width(frame)):
            found += 1
        else:
            missed.append(index)
        index += 1
    assert skipped < N_FRAMES // 10, f"{skipped} frames had the face hidden by the cabin or out of the image"
    rate = found / N_FRAMES
    assert rate >= REQUIRED_RATE, f"detected {rate:.1%} of {N_FRAMES} faces; missed frames {missed}"
