"""Hands at the face (hand poses eye_rub, mouth_cover, chin_rest), checked
against independent computations: arm bone lengths, the skin point in front
of the pupil by ray-triangle intersection with the lid meshes, the face's
landmarks, ray-crossing counts against the head's skin triangles (a point
inside a closed surface is crossed an odd number of times on its way out) and
the rendered instance image at the landmarks' pixels."""

import dataclasses

import numpy as np
import pytest
from bodies import posed, small_maker
from rays import crossing_counts, ray_hits
from scipy.spatial import cKDTree

from cabin_synth import presets
from cabin_synth.body.face_hands import SKIN_PARTS, face_skin
from cabin_synth.body.poses import hand_targets
from cabin_synth.presets.sampler import sample_frame

POSES = ("eye_rub", "mouth_cover", "chin_rest")


@pytest.fixture(scope="module")
def small(gl_renderer):
    return small_maker(gl_renderer, seed=11)


def face_params(maker, index, pose, drive="lhd", head=(0.0, 0.0, 0.0)):
    """A frame's parameters with the pose, the drive and the head pose given, the mouth closed and both
    eyes open as sampled otherwise (so a shut eye can only come from the pose)."""
    prm = sample_frame(maker.preset, maker.seed, index)
    bare = dataclasses.replace(prm.accessories, eyewear="none", face="none")   # as the sampler does for these poses
    return dataclasses.replace(prm, drive=drive, head_euler_deg=head, eyelid_closure=0.0, accessories=bare,
                               expression={k: 0.0 for k in prm.expression},
                               body=dataclasses.replace(prm.body, hand_pose=pose))


def skin_triangles(head, rig, names=SKIN_PARTS):
    out = []
    for name in names:
        part = head.part(name)
        out.append((part.points @ rig.R_vehicle_head.T + rig.t_vehicle_head)[part.faces])
    return np.concatenate(out)


def segment_distance(q, a, b):
    """Distance from point q to the segments a[i]-b[i]."""
    ab = b - a
    t = np.clip(np.einsum("ij,ij->i", q - a, ab) / np.einsum("ij,ij->i", ab, ab), 0.0, 1.0)
    return np.linalg.norm(a + t[:, None] * ab - q, axis=1)


def finger_surface_distance(hand, q):
    """How far the point q is from the surface of the hand's fingers and thumb (bones as capsules of the finger radius)."""
    chains = [f for f in hand.fingers] + [hand.thumb]
    a = np.concatenate([c[:-1] for c in chains])
    b = np.concatenate([c[1:] for c in chains])
    return float(segment_distance(q, a, b).min() - hand.finger_radius)


def face_target_vehicle(pose, side, head, rig):
    """The skin point the pose touches, found independently of the code: the
    first lid surface on the ray from the eye's centre through its pupil
    landmark; the midpoint of the outer lip centres (51, 57), mouth closed;
    the chin's lowest landmark (jaw_08)."""
    to_v = lambda p: p @ rig.R_vehicle_head.T + rig.t_vehicle_head
    if pose == "eye_rub":
        eye = "EyeR" if side == 0 else "EyeL"
        o = to_v(head.eye_centres[side])
        d = to_v(head.landmarks[68 + side]) - o
        d /= np.linalg.norm(d)
        t = ray_hits(o, d, skin_triangles(head, rig, (f"{eye}/UpperLid", f"{eye}/LowerLid")))
        t = t[np.isfinite(t)]
        assert len(t), "the closed lid does not cover the pupil"
        return o + t.min() * d
    if pose == "mouth_cover":
        return to_v(head.landmarks[[51, 57]].mean(axis=0))
    return to_v(head.landmarks[8])


@pytest.mark.parametrize("drive", ["lhd", "rhd"])
def test_face_hands_touch_their_target_and_stay_out_of_the_head(small, drive):
    """Head yaw -30..30, pitch -15..15 (the grid's corners and centre), each pose:
    arm bones keep their lengths (0.1 mm), the face hand is on the side the
    pose names and the other keeps the wheel, the hand's surface comes within
    a few mm of its target on the face, and no vertex of the hand mesh lies
    inside the head's skin (odd ray-crossing count on a ray out from the head's
    middle, against the skin triangles within 3 cm of the hand)."""
    failures, gaps = [], {pose: [] for pose in POSES}
    for pose in POSES:
        for yaw, pitch in ((0.0, 0.0), (-30.0, -15.0), (-30.0, 15.0), (30.0, -15.0), (30.0, 15.0)):
            prm = face_params(small, 2, pose, drive, (yaw, pitch, 0.0))
            scene, rig, head, body = posed(small, prm)
            where = f"{pose} yaw {yaw:g} pitch {pitch:g}"
            door = 1 if scene.cabin.driver_seat[1] > 0 else 0   # [right, left]: the door is at +Y in lhd
            assert (door == 1) == (drive == "lhd")
            side = door if pose == "chin_rest" else 1 - door
            assert body.holds[side] == "face" and body.holds[1 - side] == "wheel", where
            p = body.proportions
            for k in (0, 1):
                assert abs(np.linalg.norm(body.elbows[k] - body.shoulders[k]) - p.upper_arm) < 1e-4, where
                assert abs(np.linalg.norm(body.hands[k].wrist - body.elbows[k]) - p.forearm) < 1e-4, where
            hand = body.hands[side]
            gap = finger_surface_distance(hand, face_target_vehicle(pose, side, head, rig))
            gaps[pose].append(gap)
            if not -1e-3 < gap < 6e-3:
                failures.append(f"{where}: the hand is {gap * 1e3:.1f} mm from its target")
            pts = body.part("HandR" if side == 0 else "HandL").points
            skin = skin_triangles(head, rig)
            tris = skin[cKDTree(pts).query(skin.mean(axis=1), distance_upper_bound=0.03)[0] < 0.03]
            centre = rig.t_vehicle_head + rig.R_vehicle_head @ np.array([-0.04, 0.0, -0.03])
            # the count can tell: a point 5 mm inside the nose tip is crossed once on its way out
            nose = rig.t_vehicle_head + rig.R_vehicle_head @ (head.landmarks[30] - np.array([0.005, 0.0, 0.0]))
            assert crossing_counts(nose[None], ((nose - centre) / np.linalg.norm(nose - centre))[None],
                                   skin)[0] % 2 == 1, where
            out = (pts - centre) / np.linalg.norm(pts - centre, axis=1, keepdims=True)
            inside = int((crossing_counts(pts, out, tris) % 2).sum())
            if inside:
                failures.append(f"{where}: {inside} hand vertices inside the head")
    assert not failures, f"{len(failures)} failures: " + "; ".join(failures[:10])
    print({pose: f"{1e3 * min(g):.1f}..{1e3 * max(g):.1f} mm" for pose, g in gaps.items()})


@pytest.mark.parametrize("drive", ["lhd", "rhd"])
def test_eye_rub_shuts_the_rubbed_eye(small, drive):
    prm = face_params(small, 3, "eye_rub", drive)
    scene, rig, head, body = posed(small, prm)
    side = body.holds.index("face")
    # the inboard hand rubs the eye on its own side, and that eye alone is shut
    assert side == (0 if drive == "lhd" else 1)
    assert head.closure[side] == 1.0 and head.closure[1 - side] == 0.0
    assert head.aperture_mm[side] < 0.2 * head.aperture_mm[1 - side]
    eyes = head.eye_centres @ rig.R_vehicle_head.T + rig.t_vehicle_head
    knuckle = body.hands[side].fingers[0, 1]   # the index finger's PIP joint rubs
    assert np.linalg.norm(eyes[side] - knuckle) < np.linalg.norm(eyes[1 - side] - knuckle)


def test_a_face_hand_out_of_reach_keeps_the_wheel(small):
    prm = face_params(small, 4, "mouth_cover")
    scene, rig, head, body = posed(small, prm)
    anchors = scene.body_anchors
    skin = face_skin(head, rig.R_vehicle_head, rig.t_vehicle_head)
    thighs = ((np.zeros(3), np.ones(3), 0.05),) * 2
    hands, holds = hand_targets("mouth_cover", prm.accessories.phone, anchors, 0.0, body.proportions, thighs, skin,
                                body.shoulders, reach=0.05)
    assert holds == ["wheel", "wheel"]
    # the hand that could not reach is on the rim at 9 or 3 o'clock: as far from the hub as the rim's radius
    for hand in hands:
        knuckles = hand.fingers[:, 0].mean(axis=0) - anchors.wheel_centre
        along_axis = knuckles @ anchors.wheel_R[:, 2]
        assert abs(np.linalg.norm(knuckles - along_axis * anchors.wheel_R[:, 2]) - anchors.rim_radius) < 0.05


@pytest.mark.parametrize("pose, landmarks", [("eye_rub", None), ("mouth_cover", range(48, 68))])
def test_landmarks_behind_the_face_hand_are_occluded_by_hands(small, pose, landmarks):
    prm = face_params(small, 5, pose)
    prm = dataclasses.replace(prm, camera_mount="steering_column", camera_aim_offset_deg=(0.0, 0.0),
                              camera_offset_m=(0.0, 0.0, 0.0))
    frame = small.make(5, params=prm)
    side = frame.body.holds.index("face")
    if landmarks is None:   # the rubbed eye's pupil, under the fingertip (a fingertip hides only part of the contour)
        landmarks = [68 + side]
    marks = [frame.labels["landmarks"][k] for k in landmarks]
    hidden = [lm for lm in marks if lm["occluded_by"] == "hands"]
    assert len(hidden) >= 0.6 * len(marks), f"{len(hidden)} of {len(marks)} landmarks hidden by the hand"
    cls = {inst.id: inst.semantic for inst in frame.view.instances}
    drawn = [cls.get(int(frame.images["ids"][int(round(lm["uv"][1])), int(round(lm["uv"][0]))])) for lm in hidden]
    assert np.mean([d == "hands" for d in drawn]) > 0.8
    prim = f"/World/Body/{'HandR' if side == 0 else 'HandL'}"
    assert any(b["class"] == "hands" and b["prim"] == prim for b in frame.labels["object_boxes"])
    if pose == "eye_rub":
        # The fingertip hides part of the rubbed eye's contour (36-41 or 42-47): those
        # points say hands, the others do not, as the instance image shows within a pixel.
        ids = frame.images["ids"]
        contour = [frame.labels["landmarks"][k] for k in range(36 + 6 * side, 42 + 6 * side)]
        by_hand = [lm["occluded_by"] == "hands" for lm in contour]
        centre, near = [], []
        for lm in contour:
            u, v = np.rint(lm["uv"]).astype(int)
            centre.append(cls.get(int(ids[v, u])) == "hands")
            near.append({cls.get(int(i)) for i in ids[v - 1:v + 2, u - 1:u + 2].ravel()})
        assert 2 <= sum(by_hand) <= 5, by_hand
        assert sum(a == b for a, b in zip(by_hand, centre)) >= 5, (by_hand, centre)
        assert all("hands" in n if h else n != {"hands"} for h, n in zip(by_hand, near)), (by_hand, near)


@pytest.mark.parametrize("pose, field, worn", [("eye_rub", "eyewear", "glasses_round"),
                                              ("mouth_cover", "face", "mask_surgical")])
def test_the_sampler_takes_off_what_the_face_hand_would_pass_through(pose, field, worn):
    p = presets.load("occlusions")
    data = dict(p.data, body=dict(p.data["body"], hand_pose=pose),
                accessories=dict(p.data["accessories"], **{field: worn}))
    preset = presets.Preset(p.name, p.path, data)
    for index in range(3):
        prm = sample_frame(preset, 0, index)
        assert getattr(prm.accessories, field) == "none"
    kept = presets.Preset(p.name, p.path, dict(data, body=dict(p.data["body"], hand_pose="ten_two")))
    assert getattr(sample_frame(kept, 0, 0).accessories, field) == worn
