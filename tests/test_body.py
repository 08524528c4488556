"""The body (cabin_synth.body): every check against an independent computation:
bone lengths, the rim torus equation in the wheel's own USD frame, a rotation
about the column axis by Rodrigues' formula, the head's neck-stump ring moved
by the head pose by hand, the torso mesh's own normals, pinhole projection by
hand, the phone mesh read back from USD, and the rendered instance image."""

import dataclasses

import numpy as np
import pytest
from bodies import posed, small_maker
from pxr import Usd, UsdGeom
from rays import crossing_counts

from cabin_synth import presets
from cabin_synth.body.belt import N_CHEST, N_SHOULDER, WIDTH
from cabin_synth.body.build import KEYPOINT_NAMES, KEYPOINT_PARTS, build_body
from cabin_synth.body.ik import two_bone
from cabin_synth.body.proportions import FINGER_SCALE, PHALANGES
from cabin_synth.body.torso import TORSO_SIDES, TORSO_T
from cabin_synth.driver import build_driver, template
from cabin_synth.pipeline import face_state
from cabin_synth.presets.sampler import sample_frame
from cabin_synth.scene.rig import build_rig


@pytest.fixture(scope="module")
def small(gl_renderer):
    return small_maker(gl_renderer, seed=5)


def frame_params(maker, index=0, head=(0.0, 0.0, 0.0), phone=None, **body):
    prm = sample_frame(maker.preset, maker.seed, index)
    acc = prm.accessories if phone is None else dataclasses.replace(prm.accessories, phone=phone)
    return dataclasses.replace(prm, head_euler_deg=head, accessories=acc, body=dataclasses.replace(prm.body, **body))


def world_points(stage, path):
    prim = stage.GetPrimAtPath(path)
    M = np.asarray(UsdGeom.XformCache(Usd.TimeCode.Default()).GetLocalToWorldTransform(prim))
    local = np.asarray(UsdGeom.Mesh(prim).GetPointsAttr().Get(), float)
    return local @ M[:3, :3] + M[3, :3], M


def test_two_bone_ik_keeps_bone_lengths():
    rng = np.random.default_rng(0)
    for _ in range(200):
        root, target = rng.normal(size=3) * 0.2, rng.normal(size=3) * 0.4
        l1, l2 = rng.uniform(0.2, 0.35, size=2)
        elbow, end = two_bone(root, target, l1, l2, rng.normal(size=3))
        assert abs(np.linalg.norm(elbow - root) - l1) < 1e-4
        assert abs(np.linalg.norm(end - elbow) - l2) < 1e-4
        dist = np.linalg.norm(target - root)
        if abs(l1 - l2) < dist < l1 + l2:
            assert np.linalg.norm(end - target) < 1e-6


def segment_samples(a, b, n=41):
    u = np.linspace(0.0, 1.0, n)[:, None]
    return a + u * (b - a)


@pytest.mark.parametrize("pose, steer", [("ten_two", 0.0), ("nine_three", 0.0), ("ten_two", 25.0),
                                         ("one_hand_twelve", -20.0)])
def test_fingers_close_on_the_rim_torus_and_arms_keep_their_lengths(small, pose, steer):
    prm = frame_params(small, 1, hand_pose=pose, steering_wheel_deg=steer)
    scene, _, _, body = posed(small, prm)
    rim, M = world_points(scene.stage, "/World/Cabin/SteeringWheel/Rim")   # turned by the steer op
    radial = np.hypot(*((rim - M[3, :3]) @ np.linalg.inv(M[:3, :3]))[:, :2].T)
    R, r = (radial.max() + radial.min()) / 2, (radial.max() - radial.min()) / 2

    def torus_distance(p):   # wheel-local coordinates from the stage's own transform
        q = (p - M[3, :3]) @ np.linalg.inv(M[:3, :3])
        return np.hypot(np.hypot(q[:, 0], q[:, 1]) - R, q[:, 2]) - r

    p = body.proportions
    for side, hand in enumerate(body.hands):
        assert abs(np.linalg.norm(body.elbows[side] - body.shoulders[side]) - p.upper_arm) < 1e-4
        assert abs(np.linalg.norm(hand.wrist - body.elbows[side]) - p.forearm) < 1e-4
        if body.holds[side] != "wheel":
            continue
        for k, finger in enumerate(hand.fingers):
            for b in range(3):
                assert abs(np.linalg.norm(finger[b + 1] - finger[b]) - PHALANGES[b] * p.hand * FINGER_SCALE[k]) < 1e-9
                pad = torus_distance(segment_samples(finger[b], finger[b + 1])) - hand.finger_radius
                assert pad.min() > -5e-4, "a finger enters the rim"
                assert pad.min() < 2e-3, "a phalanx does not reach the rim"


def rotation(axis, deg):
    a = np.radians(deg)
    k = axis / np.linalg.norm(axis)
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(a) * K + (1 - np.cos(a)) * K @ K


def test_grip_turns_exactly_with_the_wheel(small):
    base = frame_params(small, 2, hand_pose="ten_two", steering_wheel_deg=0.0)
    scene, _, _, b0 = posed(small, base)
    rim0, _ = world_points(scene.stage, "/World/Cabin/SteeringWheel/Rim")
    _, _, _, b1 = posed(small, dataclasses.replace(base, body=dataclasses.replace(base.body, steering_wheel_deg=20.0)))
    rim1, _ = world_points(scene.stage, "/World/Cabin/SteeringWheel/Rim")
    centre, axis = scene.cabin.wheel_centre, scene.cabin.wheel_axis
    # positive steering turns the rim counter-clockwise seen by the driver, who looks along -axis
    Rot = rotation(axis, 20.0)
    assert np.abs((rim0 - centre) @ Rot.T + centre - rim1).max() < 1e-5
    for h0, h1 in zip(b0.hands, b1.hands):
        assert np.abs((h0.fingers - centre) @ Rot.T + centre - h1.fingers).max() < 1e-9
        assert np.abs((h0.thumb - centre) @ Rot.T + centre - h1.thumb).max() < 1e-9


@pytest.mark.parametrize("yaw", [-60.0, 0.0, 60.0])
@pytest.mark.parametrize("pitch", [-30.0, 30.0])
def test_neck_joins_the_head_stump(small, yaw, pitch):
    prm = frame_params(small, 3, head=(yaw, pitch, 0.0))
    _, rig, head, body = posed(small, prm)
    grid = template.skin_template().grid_index
    ring = head.part("Head").points[grid[-1]] @ rig.R_vehicle_head.T + rig.t_vehicle_head
    neck = body.part("Neck").points.reshape(-1, len(template.skin_template().az), 3)
    assert np.linalg.norm(neck[-1] - ring, axis=1).max() < 1e-3
    # the tube climbs from inside the chest to the stump without folding back
    up = ring.mean(axis=0) - neck[0].mean(axis=0)
    heights = neck.mean(axis=1) @ up
    assert np.all(np.diff(heights) > 0)


def ring_section_clearance(ring, columns):
    """How far (m) inside the closed polygon `ring` the polylines `columns` (n, k, 3)
    cross its plane (Newell's normal), least over all crossings; negative where
    a crossing lies outside the ring, i.e. the neck passes through the torso's
    surface there. None when no column crosses the plane near the ring."""
    c = ring.mean(axis=0)
    n = np.cross(ring - c, np.roll(ring, -1, axis=0) - c).sum(axis=0)
    n /= np.linalg.norm(n)
    s = (columns - c) @ n
    i, j = np.nonzero(np.sign(s[:, :-1]) != np.sign(s[:, 1:]))
    f = (s[i, j] / (s[i, j] - s[i, j + 1]))[:, None]
    p = columns[i, j] + f * (columns[i, j + 1] - columns[i, j])
    p = p[np.linalg.norm(p - c, axis=1) < 0.25]
    if len(p) == 0:
        return None
    e1 = np.cross(n, [0.0, 0.0, 1.0] if abs(n[2]) < 0.9 else [1.0, 0.0, 0.0])
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(n, e1)
    q = np.stack([(p - c) @ e1, (p - c) @ e2], axis=1)
    a = np.stack([(ring - c) @ e1, (ring - c) @ e2], axis=1)
    ab = np.roll(a, -1, axis=0) - a
    t = np.clip(np.einsum("mnk,nk->mn", q[:, None] - a[None], ab) / (ab * ab).sum(axis=1), 0.0, 1.0)
    dist = np.linalg.norm(q[:, None] - (a[None] + t[..., None] * ab[None]), axis=2).min(axis=1)
    # even-odd rule: a ray along +e1 from an inside point crosses the polygon an odd number of times
    y0, y1 = a[:, 1], np.roll(a[:, 1], -1)
    across = (y0[None] > q[:, 1:]) != (y1[None] > q[:, 1:])
    x_at = a[None, :, 0] + (q[:, 1:] - y0[None]) / np.where(across, y1 - y0, 1.0) * ab[None, :, 0]
    inside = (across & (x_at > q[:, :1])).sum(axis=1) % 2 == 1
    return float(np.where(inside, dist, -dist).min())


def test_the_neck_stays_inside_the_collar_at_any_head_pose(small):
    """Head yaw -90..90, pitch -40..30, roll -30..30 (a grid with its corners):
    in the plane of every torso ring from the shoulders up, the neck's section
    (where the body's neck tube and the head's neck stump cross it) lies inside
    the ring polygon, at least 1 mm from it; the neck still joins the stump ring
    and none of its rows pinches (Newell area of each row's polygon)."""
    from cabin_synth.body.torso import T_SHOULDER, TORSO_SIDES, TORSO_T

    grid = template.skin_template().grid_index
    n_cols = len(template.skin_template().az)
    scene, _ = small.scene(frame_params(small, 3))
    failures = []
    for index in (3, 10):
        base = frame_params(small, index)
        head = None
        for yaw in (-90.0, -60.0, -30.0, 0.0, 30.0, 60.0, 90.0):
            for pitch in (-40.0, -20.0, 0.0, 15.0, 30.0):
                for roll in (-30.0, 0.0, 30.0):
                    prm = dataclasses.replace(base, head_euler_deg=(yaw, pitch, roll))
                    rig = build_rig(prm, scene.cabin, small.sensor)
                    head = head or build_driver(prm.identity, face_state(prm, rig.gaze_target_head))
                    body = build_body(prm.body, prm.accessories.phone, prm.identity.sex, prm.identity.stature_m,
                                      rig, head, scene.body_anchors)
                    to_vehicle = lambda q: q @ rig.R_vehicle_head.T + rig.t_vehicle_head
                    stump = to_vehicle(head.part("Head").points[grid[-template.N_NECK_ROWS:][::-1]])
                    neck = body.part("Neck").points.reshape(-1, n_cols, 3)
                    assert np.linalg.norm(neck[-1] - stump[0], axis=1).max() < 1e-9
                    # a turned neck twists, it does not pinch: every row keeps the stump's section area
                    areas = [np.linalg.norm(np.cross(r - r.mean(0), np.roll(r, -1, 0) - r.mean(0)).sum(0)) / 2
                             for r in neck]
                    if min(areas) < 0.9 * areas[-1]:
                        failures.append(f"frame {index} yaw {yaw:g} pitch {pitch:g} roll {roll:g}: "
                                        f"a neck row pinched to {min(areas) / areas[-1]:.2f} of the stump's area")
                    columns = np.concatenate([neck, stump[1:]]).transpose(1, 0, 2)
                    rings = body.part("Torso").points[:-1].reshape(len(TORSO_T), TORSO_SIDES, 3)
                    for k in np.nonzero(TORSO_T >= T_SHOULDER)[0]:
                        clear = ring_section_clearance(rings[k], columns)
                        if clear is None and k == len(TORSO_T) - 1:
                            failures.append(f"frame {index} yaw {yaw:g} pitch {pitch:g} roll {roll:g}: "
                                            "the neck does not pass through the collar")
                        elif clear is not None and clear < 1e-3:
                            failures.append(f"frame {index} yaw {yaw:g} pitch {pitch:g} roll {roll:g}: "
                                            f"ring t={TORSO_T[k]:.2f} clearance {clear * 1e3:.1f} mm")
    assert not failures, f"{len(failures)} failures: " + "; ".join(failures[:12])


def test_belt_lies_outside_the_body_from_anchor_to_buckle(small):
    for index in range(4):
        prm = frame_params(small, index, seat_belt="worn")
        scene, rig, _, body = posed(small, prm)
        belt = body.part("SeatBelt").points
        for name in ("Torso", "ThighR", "ThighL"):
            part = body.part(name)
            tris = part.points[part.faces]
            axis_point = tris.reshape(-1, 3).mean(axis=0)
            away = belt - axis_point
            away[:, 2] = 0.0   # horizontal rays out from the part's middle: the torso's collar opening is above
            hits = crossing_counts(belt, away / np.linalg.norm(away, axis=1, keepdims=True), tris)
            assert (hits % 2 == 0).all(), f"{name}: webbing inside the body in frame {index}"
        n = len(belt) // 2
        width = np.linalg.norm(belt[:n] - belt[n:], axis=1)
        flat = np.r_[N_SHOULDER + 1:N_SHOULDER + N_CHEST - 4, N_SHOULDER + N_CHEST + 4:n]   # the webbing folds at the buckle
        assert np.allclose(width[flat], WIDTH, atol=0.006)
        out = np.sign(scene.cabin.driver_seat[1])
        path = body.belt_path
        # from the B-pillar (behind the seat, by the door) ...
        assert path[0][0] < rig.seat_h_point[0] - 0.2 and out * (path[0][1] - rig.seat_h_point[1]) > 0.2
        # ... over the outboard shoulder, across the chest to the buckle at the inboard hip
        over = path[N_SHOULDER]
        assert out * (over[1] - rig.seat_h_point[1]) > 0.03 and over[2] > body.shoulders[0][2]
        buckle = path[N_SHOULDER + N_CHEST]
        assert out * (buckle[1] - rig.seat_h_point[1]) < -0.1 and abs(buckle[2] - rig.seat_h_point[2]) < 0.1


@pytest.mark.parametrize("phone", ["windscreen_view", "knee", "lap"])
def test_phone_in_hand_lies_in_the_grasp(small, phone):
    prm = frame_params(small, 4, phone=phone, hand_pose="phone_in_hand")
    scene, _, _, body = posed(small, prm)
    hand = body.hands[body.holds.index("phone")]
    from cabin_synth.assets.accessories import root_name

    pts = []
    for prim in Usd.PrimRange(scene.stage.GetPrimAtPath(f"/World/Cabin/PhoneAnchors/{root_name(phone)}/Phone")):
        if prim.IsA(UsdGeom.Mesh):
            pts.append(world_points(scene.stage, str(prim.GetPath()))[0])
    pts = np.concatenate(pts)
    centre = 0.5 * (pts.min(axis=0) + pts.max(axis=0))
    # the phone's own axes from its points (thickness: the least spread), and its half extents
    _, _, axes = np.linalg.svd(pts - pts.mean(axis=0))
    half = np.abs((pts - centre) @ axes.T).max(axis=0)

    def to_box(q):   # distance from points to the phone's box, 0 inside
        return np.linalg.norm(np.maximum(np.abs((q - centre) @ axes.T) - half, 0.0), axis=1)

    palm = 0.5 * (hand.wrist + hand.fingers[:, 0].mean(axis=0))
    assert np.linalg.norm(palm - centre) < 0.1
    for finger in hand.fingers:   # every finger's pads touch the phone, none enters it
        gaps = np.concatenate([to_box(segment_samples(finger[b], finger[b + 1])) for b in range(3)])
        assert hand.finger_radius - 1e-3 < gaps.min() < hand.finger_radius + 2e-3
    # finger tips wrap round the edge onto the screen side
    assert np.all(np.abs((hand.fingers[:, -1] - centre) @ axes[2]) < half[2] + 3 * hand.finger_radius)


def test_body_keypoints_project_by_hand_and_hands_are_boxed(small):
    prm = frame_params(small, 5, hand_pose="ten_two")
    prm = dataclasses.replace(prm, camera_mount="center_stack", camera_aim_offset_deg=(0.0, 0.0))
    frame = small.make(5, params=prm)
    cam = frame.view.camera
    K = np.array(frame.labels["camera"]["K"])
    for kp, name in zip(frame.labels["body_keypoints"], KEYPOINT_NAMES):
        assert kp["name"] == name
        p = cam.R_cam_vehicle @ np.array(kp["vehicle_m"]) + cam.t_cam_vehicle
        assert np.allclose(p, kp["camera_m"], atol=1e-9)
        uv = (K @ (p / p[2]))[:2]
        assert np.allclose(uv, kp["uv"], atol=1e-6)
    # what the labels say the camera sees at each joint is what the renderer drew at its pixel
    prims = {inst.id: inst.prim.rsplit("/", 1)[-1] for inst in frame.view.instances}
    classes = {inst.id: inst.semantic for inst in frame.view.instances}
    agree = []
    for kp in frame.labels["body_keypoints"]:
        if kp["occluded_by"] == "out_of_frame":
            continue
        drawn = int(frame.images["ids"][int(round(kp["uv"][1])), int(round(kp["uv"][0]))])
        agree.append(prims.get(drawn) in KEYPOINT_PARTS[kp["name"]] if kp["visible"]
                     else classes.get(drawn) == kp["occluded_by"])
    assert len(agree) >= 4 and all(agree), agree
    boxes = {b["prim"]: b["bbox_xyxy"] for b in frame.labels["object_boxes"] if b["class"] == "hands"}
    ids = frame.images["ids"]
    for inst in frame.view.instances:
        if inst.semantic != "hands":
            continue
        v, u = np.nonzero(ids == inst.id)
        if len(u) == 0:
            continue
        assert inst.prim in boxes, "a rendered hand has no box"
        x0, y0, x1, y1 = boxes[inst.prim]
        assert u.min() >= x0 - 1 and u.max() <= x1 + 1 and v.min() >= y0 - 1 and v.max() <= y1 + 1
    assert len(boxes) >= 1


def test_a_hand_in_front_of_the_face_occludes_landmarks(small):
    prm = frame_params(small, 6, phone="windscreen_view", hand_pose="phone_in_hand")
    _, rig, _, body = posed(small, prm)
    hand = body.hands[body.holds.index("phone")]
    eyes = rig.t_vehicle_head
    behind_hand = eyes + 1.3 * (hand.fingers[:, 0].mean(axis=0) - eyes)   # a camera just beyond the hand
    scene, _ = small.scene(prm)
    offset = behind_hand - scene.cabin.mounts["center_stack"]
    prm = dataclasses.replace(prm, camera_mount="center_stack", camera_offset_m=tuple(offset),
                              camera_aim_offset_deg=(0.0, 0.0))
    frame = small.make(6, params=prm)
    hidden = [lm for lm in frame.labels["landmarks"] if lm["occluded_by"] in ("hands", "phone")]
    assert any(lm["occluded_by"] == "hands" for lm in hidden)
    # where the labels say a hand hides a landmark, the renderer drew a hand there
    cls = {inst.id: inst.semantic for inst in frame.view.instances}
    seen = [cls.get(int(frame.images["ids"][int(round(lm["uv"][1])), int(round(lm["uv"][0]))])) for lm in hidden
            if lm["occluded_by"] == "hands"]
    assert np.mean([s == "hands" for s in seen]) > 0.8


def test_a_bad_body_field_is_a_clear_user_error(tmp_path):
    import yaml

    from cabin_synth.errors import UserError

    data = yaml.safe_load(presets.resolve_path("default").read_text())
    data["body"] = dict(data["body"], hand_pose={"choice": ["ten_two", "eleven_one"]}, lean_side_deg=40)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(UserError) as err:
        presets.load(str(path))
    text = str(err.value)
    assert "bad.yaml" in text and "body.hand_pose" in text and "eleven_one" in text and "body.lean_side_deg" in text


def test_lean_turns_head_and_torso_about_the_h_point(small):
    base = frame_params(small, 7, lean_forward_deg=0.0, lean_side_deg=0.0)
    _, rig0, _, body0 = posed(small, base)
    lean = dataclasses.replace(base, body=dataclasses.replace(base.body, lean_forward_deg=15.0))
    _, rig1, _, body1 = posed(small, lean)
    H = rig0.seat_h_point
    # 15 deg forward about the vehicle Y axis through the H-point, by hand
    a = np.radians(15.0)
    Ry = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    assert np.allclose(Ry @ (rig0.t_vehicle_head - H) + H, rig1.t_vehicle_head, atol=1e-9)
    assert body1.shoulders[:, 0].mean() > body0.shoulders[:, 0].mean() + 0.05


def test_body_renders_the_same_in_gl_and_the_numpy_reference(small, gl_renderer):
    from cabin_synth.render.reference import render_reference
    from cabin_synth.render.view import Instance

    prm = dataclasses.replace(frame_params(small, 8, hand_pose="nine_three", seat_belt="worn"),
                              camera_mount="rear_view_mirror", camera_aim_offset_deg=(0.0, 0.0))
    view = small.make(8, params=prm).view
    keep = [inst for inst in view.instances if inst.prim.startswith("/World/Body/")]
    old_ids = np.array([inst.id for inst in keep])
    vert = np.isin(view.instance_ids, old_ids)
    index = np.cumsum(vert) - 1
    tris = view.triangles[vert[view.triangles].all(axis=1)]
    new_id = {o: k + 1 for k, o in enumerate(old_ids)}
    body_view = dataclasses.replace(
        view, positions=view.positions[vert], normals=view.normals[vert],
        detail=None if view.detail is None else view.detail[vert],
        fibres=None if view.fibres is None else view.fibres[vert],
        instance_ids=np.array([new_id[i] for i in view.instance_ids[vert]], np.int32), triangles=index[tris].astype(np.int32),
        instances=tuple(Instance(new_id[i.id], i.prim, i.semantic, i.material) for i in keep))
    a, b = gl_renderer.render(body_view), render_reference(body_view)
    drawn = (a.instance > 0) | (b.instance > 0)
    assert drawn.sum() > 2000
    same = (a.instance == b.instance) & drawn
    assert same.sum() / drawn.sum() > 0.97   # triangle-edge pixels may differ
    assert np.max(np.abs(a.depth[same] - b.depth[same])) < 1e-3


def test_belt_stays_outside_the_torso_when_the_head_turns(small):
    # The collar moves with the head and makes room for the neck (torso.clear_of_neck),
    # where the shoulder belt crosses it. The torso is closed below and open at the
    # collar: capped there by a fan, it is a closed surface, and rays from a point
    # outside it cross it an even number of times in any direction.
    rng = np.random.default_rng(2)
    for index in range(4):
        for yaw in (-90.0, -60.0, 60.0, 90.0):
            prm = frame_params(small, index, head=(yaw, 0.0, 0.0), seat_belt="worn")
            _, _, _, body = posed(small, prm)
            belt = body.part("SeatBelt").points
            torso = body.part("Torso")
            top = torso.points[(len(TORSO_T) - 1) * TORSO_SIDES:len(TORSO_T) * TORSO_SIDES]
            cap = np.stack([top, np.roll(top, -1, axis=0), np.tile(top.mean(axis=0), (len(top), 1))], axis=1)
            tris = np.concatenate([torso.points[torso.faces], cap])
            for direction in rng.normal(size=(3, 3)):
                rays = np.tile(direction / np.linalg.norm(direction), (len(belt), 1))
                inside = crossing_counts(belt, rays, tris) % 2 == 1
                assert not inside.any(), f"webbing inside the torso in frame {index} at yaw {yaw}: {np.flatnonzero(inside)}"


@pytest.mark.parametrize("steer", [0.0, 25.0])
def test_hands_keep_off_a_phone_on_the_rim(small, steer):
    prm = frame_params(small, 9, phone="wheel_rim", hand_pose="ten_two", steering_wheel_deg=steer)
    scene, _, _, body = posed(small, prm)
    from cabin_synth.assets.accessories import root_name

    pts = np.concatenate([world_points(scene.stage, str(prim.GetPath()))[0] for prim in Usd.PrimRange(
        scene.stage.GetPrimAtPath(f"/World/Cabin/PhoneAnchors/{root_name('wheel_rim')}/Phone")) if prim.IsA(UsdGeom.Mesh)])
    centre = 0.5 * (pts.min(axis=0) + pts.max(axis=0))
    _, _, axes = np.linalg.svd(pts - pts.mean(axis=0))
    half = np.abs((pts - centre) @ axes.T).max(axis=0)
    for hand in body.hands:
        joints = np.concatenate([hand.fingers.reshape(-1, 3), hand.thumb, hand.wrist[None]])
        gap = np.linalg.norm(np.maximum(np.abs((joints - centre) @ axes.T) - half, 0.0), axis=1)
        assert gap.min() > hand.finger_radius
