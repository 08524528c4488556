"""Labels against independent computation, at a tiny image size: the gaze zone against a
separately written ray cast against the zone prims, the head and eye rotations against
rotation algebra written out by hand, the eye state against the sampled closure. Apart
from tests/test_labels.py so that their 200 frames and its 200 rendered frames are made
by different workers of a parallel run."""

import numpy as np
import pytest
from test_labels import N_FRAMES, preset_copy

from cabin_synth.pipeline import FrameMaker


def first_zone_hit(origin: np.ndarray, direction: np.ndarray, zones: dict[str, np.ndarray]) -> tuple[str, float]:
    """Nearest zone along the ray by plane intersection and edge tests (not Moller-Trumbore);
    past a zone on glass when another zone lies beyond it (docs/cabins.md, Gaze zones)."""
    hits = []
    for name, tris in zones.items():
        a, b, c = tris[:, 0], tris[:, 1], tris[:, 2]
        n = np.cross(b - a, c - a)
        denom = n @ direction
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.einsum("ij,ij->i", n, a - origin) / denom
        p = origin + t[:, None] * direction
        inside = np.ones(len(tris), bool)
        for e0, e1 in ((a, b), (b, c), (c, a)):
            inside &= np.einsum("ij,ij->i", np.cross(e1 - e0, p - e0), n) >= 0
        t = np.where(inside & (np.abs(denom) > 1e-12) & (t > 0), t, np.inf)
        if np.isfinite(t.min()):
            hits.append((float(t.min()), name))
    solid = [h for h in sorted(hits) if h[1] not in ("road_ahead", "driver_window", "passenger_window")]
    t, name = (solid or sorted(hits) or [(np.inf, "none")])[0]
    return name, t


@pytest.fixture(scope="module")
def label_run(default_preset):
    """200 frames at a tiny image size: the labels are what matters here."""
    maker = FrameMaker(preset_copy(default_preset, width=64, height=48), seed=9)
    out = []
    for index in range(N_FRAMES):
        frame = maker.make(index)
        out.append((frame.params, frame.labels, maker.scene(frame.params)[0].cabin.zones))
    return out


def test_gaze_zone_equals_independent_ray_cast(label_run):
    seen = set()
    for params, labels, zones in label_run:
        ray = labels["gaze"]["combined"]
        name, t = first_zone_hit(np.array(ray["origin_vehicle_m"]), np.array(ray["direction_vehicle"]), zones)
        assert labels["gaze"]["zone"] == name, params.index
        if name == "none":
            assert labels["gaze"]["zone_distance_m"] is None
        else:
            assert abs(labels["gaze"]["zone_distance_m"] - t) < 1e-9, params.index
        seen.add(name)
    assert len(seen) >= 4  # the test crosses several zones, not only the windscreen


def quat_to_matrix(q) -> np.ndarray:
    w, x, y, z = q
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                     [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                     [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]])


def euler_zyx_to_matrix(yaw, pitch, roll) -> np.ndarray:
    cy, sy, cp, sp, cr, sr = np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch), np.cos(roll), np.sin(roll)
    Rz = np.array([[cy, -sy, 0], [sy, cy, 0], [0, 0, 1]])
    Ry = np.array([[cp, 0, sp], [0, 1, 0], [-sp, 0, cp]])
    Rx = np.array([[1, 0, 0], [0, cr, -sr], [0, sr, cr]])
    return Rz @ Ry @ Rx


def test_rotations_orthonormal_and_representations_agree(label_run):
    for params, labels, _ in label_run:
        cam = labels["camera"]
        R_cv = np.array(cam["R_cam_vehicle"])
        for frame_name in ("camera", "vehicle"):
            pose = labels["head_pose"][frame_name]
            R = np.array(pose["R"])
            assert np.allclose(R @ R.T, np.eye(3), atol=1e-9) and abs(np.linalg.det(R) - 1) < 1e-9
            q = np.array(pose["quaternion_wxyz"])
            assert abs(np.linalg.norm(q) - 1) < 1e-9 and q[0] >= 0
            assert np.allclose(quat_to_matrix(q), R, atol=1e-9)
        assert np.allclose(R_cv @ R_cv.T, np.eye(3), atol=1e-9) and abs(np.linalg.det(R_cv) - 1) < 1e-9
        e = labels["head_pose"]["vehicle"]["euler_zyx_deg"]
        R_v = np.array(labels["head_pose"]["vehicle"]["R"])
        assert np.allclose(euler_zyx_to_matrix(*np.radians([e["yaw"], e["pitch"], e["roll"]])), R_v, atol=1e-9)
        assert np.allclose(R_cv @ R_v, labels["head_pose"]["camera"]["R"], atol=1e-9)
        assert np.allclose(np.radians([e["yaw"], e["pitch"], e["roll"]]), np.radians(params.head_euler_deg), atol=1e-9)


def test_eye_state_follows_sampled_closure(label_run):
    from cabin_synth.body.face_hands import face_hand_side

    for params, labels, _ in label_run:
        # the hand pose eye_rub shuts the eye it rubs (the inboard one; the door is at +Y in lhd cars)
        rubbed = face_hand_side("eye_rub", 1.0 if params.drive == "lhd" else -1.0) \
            if params.body.hand_pose == "eye_rub" else None
        for i, eye in enumerate(labels["eyes"]):
            closure = 1.0 if i == rubbed else params.eyelid_closure
            if closure == 0:
                assert eye["state"] == "open", params.index
            if closure == 1:
                assert eye["state"] == "closed" and eye["aperture_mm"] < 1.0, params.index


# ------------------------------------------------------------------ schema
