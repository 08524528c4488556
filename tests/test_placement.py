"""The camera module sits in front of its mount: no static cabin part covers the
near view of the lens or of an illuminator (issue 16), checked by casting pixel
rays by hand over hundreds of frames of every shipped preset, and on rendered
depth and instance-id buffers of the frames that used to look into a part."""

import copy
import dataclasses

import numpy as np
import pytest
from rays import hit_parameters

from cabin_synth import presets
from cabin_synth.behaviour.clips import cabin_info
from cabin_synth.pipeline import FrameMaker
from cabin_synth.presets.sampler import sample_frame
from cabin_synth.scene.distortion import undistort
from cabin_synth.scene.placement import MAX_SEAT_M, seat
from cabin_synth.scene.rig import build_rig
from cabin_synth.transforms import look_at_opencv

NEAR_M = 0.10         # the "closer than 10 cm" (camera-frame depth)
MAX_SHARE = 0.02      # the "more than 2 % of its pixels"
FRAMES = 200
GRID = (32, 24)
SHIPPED = [p.stem for p in presets.available()]


def grid_rays(camera) -> np.ndarray:
    """(N,3) camera-frame ray directions (Z = 1) through a grid of pixel centres."""
    u = (np.arange(GRID[0]) + 0.5) / GRID[0] * camera.width - 0.5
    v = (np.arange(GRID[1]) + 0.5) / GRID[1] * camera.height - 0.5
    uu, vv = np.meshgrid(u, v)
    x, y = undistort(camera.distortion_model, camera.distortion_coeffs,
                     (uu.ravel() - camera.cx) / camera.fx, (vv.ravel() - camera.cy) / camera.fy)
    return np.stack([x, y, np.ones_like(x)], axis=1)


def near_static_share(origin, R_vehicle_cam, rays_cam, tris) -> float:
    """Share of the rays from `origin` whose first static hit lies nearer than NEAR_M in depth."""
    reach = NEAR_M * np.linalg.norm(rays_cam, axis=1).max()
    close = ((tris.min(axis=1) < origin + reach) & (tris.max(axis=1) > origin - reach)).all(axis=1)
    if not close.any():
        return 0.0
    t = hit_parameters(np.broadcast_to(origin, rays_cam.shape), rays_cam @ R_vehicle_cam.T, tris[close])
    return float((t.min(axis=1) < NEAR_M).mean())   # rays have Z = 1: t is the hit's depth


@pytest.mark.parametrize("name", SHIPPED)
def test_static_parts_stay_out_of_the_near_view(name):
    preset = presets.load(name)
    sensor = preset.section("sensor")
    worst = []
    for index in range(FRAMES):
        params = sample_frame(preset, 0, index)
        cabin = cabin_info(params.cabin, params.drive)
        rig = build_rig(params, cabin, sensor)
        cam = rig.camera
        rays = grid_rays(cam)
        R = cam.R_cam_vehicle.T
        # the lens, and each illuminator looking the same way (what it lights of the camera's view)
        for origin in (cam.position, *rig.illuminator_positions):
            share = near_static_share(origin, R, rays, cabin.static_triangles)
            worst.append((share, index, params.camera_mount, params.cabin))
    assert max(worst)[0] <= MAX_SHARE, max(worst)


def small_sensor(preset: presets.Preset) -> presets.Preset:
    """The preset at 160 x 120 with the same field of view (4x the pixel pitch)."""
    data = copy.deepcopy(dict(preset.data))
    data["sensor"].update(width=160, height=120, pixel_pitch_um=data["sensor"]["pixel_pitch_um"] * 4)
    return presets.Preset(name=preset.name, path=preset.path, data=data)


# Frames whose camera looked into the column shroud, cluster hood or mirror housing
# before the module stood off its mount (issue 16; a clip preset's frame c is clip c's
# camera and driver at rest: seed 1's first distraction clip was 37 % shroud throughout).
BLOCKED_BEFORE = {("default", 0): (9, 11, 15), ("occlusions", 0): (1, 2, 5, 9), ("night_nir", 0): (11,),
                  ("distraction_clips", 1): (0,)}


@pytest.mark.parametrize("name, seed", sorted(BLOCKED_BEFORE))
def test_rendered_frames_show_no_static_part_within_10_cm(name, seed, gl_renderer):
    maker = FrameMaker(small_sensor(presets.load(name)), seed=seed, renderer=gl_renderer)
    for index in BLOCKED_BEFORE[name, seed]:
        frame = maker.make(index)
        prims = {inst.id: inst.prim for inst in frame.view.instances}
        static = np.array([False] + [prims[i].startswith("/World/Cabin/") and not prims[i].startswith(
            ("/World/Cabin/SteeringWheel", "/World/Cabin/PhoneAnchors")) for i in range(1, len(prims) + 1)])
        depth, ids = frame.buffers.depth, frame.buffers.instance
        covered = (depth > 0) & (depth < NEAR_M) & static[ids]
        assert covered.mean() <= MAX_SHARE, (name, index, covered.mean())


def test_seat_clears_a_ledge_as_computed_by_hand():
    """A camera 3 cm above a ledge that reaches 8 cm ahead of it, looking along the
    ledge: its lower view edge (tangent ty) meets the ledge top h / ty ahead, so the
    module must stand off until the ledge ends there: d = 0.08 - 0.03 / ty."""
    h, ahead, ty = 0.03, 0.08, 0.6
    top = [[-0.2, -0.5, -h], [ahead, -0.5, -h], [ahead, 0.5, -h], [-0.2, 0.5, -h]]
    tris = np.array([[top[0], top[1], top[2]], [top[0], top[2], top[3]]])
    R = look_at_opencv(np.zeros(3), np.array([1.0, 0.0, 0.0]))
    d = seat(np.zeros(3), R, np.zeros((0, 3)), np.array([0.8, ty]), 0.10, tris, np.array([2.0, 0.0, 0.0]))
    assert d == pytest.approx(ahead - h / ty, abs=5e-4)
    # beyond the clearance depth the ledge may stay in view: 7 cm down, it enters the view 0.117 m ahead
    far = tris - np.array([0.0, 0.0, 0.04])
    assert seat(np.zeros(3), R, np.zeros((0, 3)), np.array([0.8, ty]), 0.10, far, np.array([2.0, 0.0, 0.0])) == 0.0


def test_seat_frees_an_illuminator_buried_in_a_part():
    """The illuminator 12 mm below the lens sits inside a box whose top is 5 mm
    below the lens (the old black-NIR case); the box ends 10 mm ahead, before the
    lens's lower view edge (tangent 0.4) reaches its top 12.5 mm ahead, so the
    lens alone is clear. The module stands off until the illuminator has left
    the box: d = 10 mm."""
    lo, hi = np.array([-0.1, -0.1, -0.05]), np.array([0.01, 0.1, -0.005])
    c = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
    quads = [[0, 1, 3, 2], [4, 6, 7, 5], [0, 4, 5, 1], [2, 3, 7, 6], [0, 2, 6, 4], [1, 5, 7, 3]]
    tris = np.array([[c[q[0]], c[q[i]], c[q[i + 1]]] for q in quads for i in (1, 2)])
    R = look_at_opencv(np.zeros(3), np.array([1.0, 0.0, 0.0]))
    below = np.array([[0.0, 0.012, 0.0]])        # OpenCV +Y is down
    d = seat(np.zeros(3), R, below, np.array([0.5, 0.4]), 0.10, tris, np.array([2.0, 0.0, 0.0]))
    assert d is not None and hi[0] <= d < hi[0] + 5e-4
    assert seat(np.zeros(3), R, np.zeros((0, 3)), np.array([0.5, 0.4]), 0.10, tris, np.array([2.0, 0.0, 0.0])) == 0.0


def test_a_jitter_no_stand_off_can_clear_falls_back_to_the_mount(default_preset):
    """Jitter that puts the module 20 cm inside the dashboard: the camera goes to its mount."""
    params = sample_frame(default_preset, 0, 0)
    cabin = cabin_info(params.cabin, params.drive)
    buried = dataclasses.replace(params, camera_offset_m=(0.3, 0.0, -0.15))
    at_mount = dataclasses.replace(params, camera_offset_m=(0.0, 0.0, 0.0), camera_aim_offset_deg=(0.0, 0.0))
    sensor = default_preset.section("sensor")
    got, expected = build_rig(buried, cabin, sensor).camera, build_rig(at_mount, cabin, sensor).camera
    assert np.allclose(got.position, expected.position) and np.allclose(got.R_cam_vehicle, expected.R_cam_vehicle)
    assert np.linalg.norm(got.position - cabin.mounts[params.camera_mount]) < MAX_SEAT_M
