"""Realism judged by models trained on real photographs (issue 12), CI-sized.

bench/realism.py gives the figures of docs/realism.md on 150 frames; here its
judges (bench/judges.py) run on the first frames of tests/fixtures/realism_faces.yaml
(near-frontal heads in daylight, no accessories) in RGB and NIR, and the
selection and error definitions are checked against computation by hand.
The issue asks each detector to find 97 % of the lit, near-frontal, unoccluded
faces and the landmark model to agree within a median 6 % of the
outer-eye-corner distance; the thresholds below are what today's faces clear
on these few frames, to catch a regression, not that target.
"""

import sys

import numpy as np
import pytest

from cabin_synth import presets
from cabin_synth.paths import PROJECT_ROOT
from cabin_synth.pipeline import FrameMaker

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
import judges  # noqa: E402

N_FRAMES = 16
DETECTORS = ("opencv_haar", "dlib_hog")      # two families, fast enough for CI
MIN_DETECTED = 0.8
MAX_MEDIAN_ERROR = 0.09


def rotation(axis, deg: float) -> np.ndarray:
    """Rodrigues' formula."""
    k = np.asarray(axis, float) / np.linalg.norm(axis)
    K = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    a = np.radians(deg)
    return np.eye(3) + np.sin(a) * K + (1.0 - np.cos(a)) * K @ K


def face_labels(R_camera_head: np.ndarray, centre_m=(0.0, 0.0, 0.6), **extra) -> dict:
    """Minimal labels of a face whose outer eye corners straddle centre_m (camera frame)."""
    centre = np.array(centre_m)
    marks = [{"uv": [0.0, 0.0], "camera_m": centre.tolist(), "occluded_by": None, "visible": True} for _ in range(70)]
    for k, dy in ((36, -0.045), (45, 0.045)):
        marks[k] = dict(marks[k], camera_m=(centre + R_camera_head @ np.array([0.0, dy, 0.0])).tolist())
    return {"head_pose": {"camera": {"R": R_camera_head.tolist()}}, "landmarks": marks, "accessories": [], **extra}


def test_facing_angle_is_the_head_turn_away_from_the_camera_ray():
    # Head frame: X forward, Y left, Z up; camera: x right, y down, z along the optical axis.
    # Facing the camera on its axis, head X is camera -z, head Y camera +x, head Z camera -y.
    facing = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, -1.0], [-1.0, 0.0, 0.0]])
    assert judges.facing_angle_deg(face_labels(facing)) == pytest.approx(0.0, abs=1e-6)
    # Turning the head by an angle about any axis across the camera ray turns it away by that
    # angle; rolling it about the ray does not.
    for axis in ([0, 1, 0], [1, 0, 0], [1, 1, 0]):
        for deg in (10.0, 20.0, 35.0):
            turned = rotation(axis, deg) @ facing
            assert judges.facing_angle_deg(face_labels(turned)) == pytest.approx(deg, abs=1e-6)
    assert judges.facing_angle_deg(face_labels(rotation([0, 0, 1], 40.0) @ facing)) == pytest.approx(0.0, abs=1e-6)
    # A face off the optical axis but turned towards the camera centre is frontal.
    off_axis = np.array([0.3, 0.0, 0.6])
    forward = -off_axis / np.linalg.norm(off_axis)
    up = np.array([0.0, -1.0, 0.0])
    left = np.cross(up, forward)
    R = np.stack([forward, left, up], axis=1)
    assert judges.facing_angle_deg(face_labels(R, centre_m=off_axis)) == pytest.approx(0.0, abs=1e-6)


def test_selection_follows_levels_occlusion_and_lenses():
    labels = face_labels(np.eye(3), face_bbox_xyxy=[10.0, 10.0, 19.0, 19.0])
    image = np.zeros((30, 30), np.uint8)
    image[10:20, 10:20] = 39
    assert judges.face_box_level(labels, image) == pytest.approx(39.0)
    image[10:20, 10:20] = 40
    assert judges.face_box_level(labels, image) == pytest.approx(40.0)
    assert judges.inner_face_unoccluded(labels, "rgb", 940)
    labels["landmarks"][39] = dict(labels["landmarks"][39], occluded_by="self_occlusion")
    assert judges.inner_face_unoccluded(labels, "rgb", 940)
    labels["landmarks"][5] = dict(labels["landmarks"][5], occluded_by="steering_wheel")   # the jaw may be covered
    assert judges.inner_face_unoccluded(labels, "rgb", 940)
    labels["landmarks"][5] = dict(labels["landmarks"][5], occluded_by="out_of_frame")
    assert not judges.inner_face_unoccluded(labels, "rgb", 940)
    labels["landmarks"][5] = dict(labels["landmarks"][5], occluded_by=None)
    labels["landmarks"][19] = dict(labels["landmarks"][19], occluded_by="glasses_frame")
    assert not judges.inner_face_unoccluded(labels, "rgb", 940)
    labels["landmarks"][19] = dict(labels["landmarks"][19], occluded_by=None)
    lens = {"visible_transmittance": 0.12, "nir_transmittance_850": 0.9, "nir_transmittance_940": 0.85}
    labels["accessories"] = [{"slot": "eyewear", "lens": lens}]
    assert not judges.inner_face_unoccluded(labels, "rgb", 940)
    assert judges.inner_face_unoccluded(labels, "nir", 940)


def test_detection_must_hold_the_nose_tip_at_the_face_scale():
    labels = face_labels(np.eye(3), face_bbox_xyxy=[100.0, 100.0, 200.0, 220.0])
    labels["landmarks"][30] = dict(labels["landmarks"][30], uv=[150.0, 160.0])
    assert judges.holds_labelled_face((110, 110, 190, 200), labels)
    assert not judges.holds_labelled_face((155, 110, 235, 200), labels)      # misses the nose tip
    assert not judges.holds_labelled_face((140, 150, 160, 170), labels)      # a fifth of the face's width
    assert not judges.holds_labelled_face((0, 0, 300, 300), labels)          # three times as wide


def test_landmark_error_is_normalised_by_the_outer_eye_corners():
    truth = np.zeros((68, 2))
    truth[36], truth[45] = (100.0, 200.0), (160.0, 280.0)                      # 100 px apart
    labels = {"landmarks": [{"uv": p.tolist()} for p in truth]}
    shifted = truth + np.array([3.0, 4.0])                                       # 5 px everywhere
    assert judges.normalised_errors(shifted, labels) == pytest.approx(np.full(68, 0.05))


@pytest.fixture(scope="module")
def judged():
    """Per channel: each detector's verdicts and the landmark model's per-frame errors
    on the fair faces of the first N_FRAMES frames. The judges' packages are in the
    'test' extra; a missing one raises judges.MissingJudge naming it."""
    preset = presets.load(str(PROJECT_ROOT / "tests" / "fixtures" / "realism_faces.yaml"))
    bits = preset.section("sensor")["nir"]["bit_depth"]
    wavelength = preset.section("sensor")["nir"]["wavelength_nm"]
    maker = FrameMaker(preset, seed=7)
    detectors = {name: judges.DETECTORS[name]() for name in DETECTORS}
    fit = judges.landmark_model()
    out = {channel: {"found": {name: [] for name in DETECTORS}, "errors": []} for channel in judges.CHANNELS}
    for index in range(N_FRAMES):
        frame = maker.make(index)
        shot = judges.Shot(index, frame.labels, {"rgb": frame.images["rgb"],
                                                 "nir": judges.nir_8bit(frame.images["nir"], bits)})
        for channel in judges.CHANNELS:
            if not judges.eligibility(shot, channel, wavelength).fair:
                continue
            image = shot.images[channel]
            boxes = {name: [b for b in find(image) if judges.holds_labelled_face(b, shot.labels)]
                     for name, find in detectors.items()}
            for name in DETECTORS:
                out[channel]["found"][name].append(bool(boxes[name]))
            if boxes["dlib_hog"]:
                out[channel]["errors"].append(judges.normalised_errors(fit(image, boxes["dlib_hog"][0]), shot.labels))
    return out


@pytest.mark.parametrize("channel", judges.CHANNELS)
@pytest.mark.parametrize("detector", DETECTORS)
def test_detectors_trained_on_photographs_find_the_faces(judged, channel, detector):
    found = judged[channel]["found"][detector]
    assert len(found) >= N_FRAMES // 2, f"only {len(found)} of {N_FRAMES} frames lit, near-frontal and unoccluded"
    assert np.mean(found) >= MIN_DETECTED, f"{detector} found {sum(found)} of {len(found)} {channel} faces"


@pytest.mark.parametrize("channel", judges.CHANNELS)
def test_landmark_model_agrees_with_the_labels(judged, channel):
    errors = np.array(judged[channel]["errors"])
    assert len(errors) >= N_FRAMES // 2
    median = np.median(errors.mean(axis=1))
    assert median <= MAX_MEDIAN_ERROR, f"median {median:.1%} of the outer-eye-corner distance"
