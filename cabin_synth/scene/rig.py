"""Where things are in one frame: head pose, camera and illuminator, from the
sampled parameters and the cabin's anchors. Pure; the scene writes this rig into
USD and the labels read the same rig, so both agree by construction.
"""

from dataclasses import dataclass, replace
from typing import Any, Mapping

import numpy as np

from ..body.params import lean_rotation
from ..errors import UserError
from ..presets.sampler import FrameParams, gaze_direction_head
from ..transforms import euler_zyx_to_matrices, euler_zyx_to_matrix, look_at_opencv
from .cabin import CabinInfo
from .camera import Camera
from .placement import MAX_SEAT_M, seat, view_tangents

# The head turns about the upper neck (atlanto-occipital joint), which sits about
# 9 cm behind and 9 cm below the eyes (head frame), not about the eyes themselves.
EYES_FROM_NECK_PIVOT = np.array([0.09, 0.0, 0.09])
REFERENCE_STATURE_M = 1.75
# Seated eye height is about 0.46 of stature; drivers use the seat to recover about
# half of the difference from the design eye point, and taller drivers sit further
# back (human-factors notes; docs/driver.md).
SITTING_EYE_HEIGHT_PER_STATURE = 0.46
EYE_HEIGHT_PER_STATURE = SITTING_EYE_HEIGHT_PER_STATURE * 0.5
EYE_SETBACK_PER_STATURE = 0.35
# The seat takes the rest: its H-point moves back with the eyes and down by the
# share of the extra sitting eye height the eyes do not keep.
SEAT_DROP_PER_STATURE = SITTING_EYE_HEIGHT_PER_STATURE - EYE_HEIGHT_PER_STATURE


@dataclass(frozen=True)
class Rig:
    R_vehicle_head: np.ndarray
    t_vehicle_head: np.ndarray
    gaze_target_head: np.ndarray     # (3,) the point both eyes fixate, head frame
    camera: Camera
    illuminator_positions: np.ndarray  # (N,3) vehicle frame; they face along the camera's optical axis
    seat_h_point: np.ndarray           # (3,) driver seat H-point after fore-aft and height adjustment, vehicle frame
    seat_travel_mm: np.ndarray         # (2,) fore-aft (+X), height (+Z) of the seat from mid-track, within the track

    @property
    def gaze_target_vehicle(self) -> np.ndarray:
        return self.R_vehicle_head @ self.gaze_target_head + self.t_vehicle_head


def build_rig(params: FrameParams, cabin: CabinInfo, sensor: Mapping[str, Any]) -> Rig:
    R_head, t_head = head_transform(params, cabin)
    camera, illuminators = place_camera(params, cabin, sensor)
    gaze = gaze_direction_head(params.gaze_yaw_deg, params.gaze_pitch_deg) * params.gaze_distance_m
    seat_travel = seat_travel_m(params, cabin)
    return Rig(
        R_vehicle_head=R_head,
        t_vehicle_head=t_head,
        gaze_target_head=gaze,
        camera=camera,
        illuminator_positions=illuminators,
        seat_h_point=cabin.driver_seat + np.array([seat_travel[0], 0.0, seat_travel[1]]),
        seat_travel_mm=seat_travel * 1e3,
    )


def place_camera(params: FrameParams, cabin: CabinInfo, sensor: Mapping[str, Any]) -> tuple[Camera, np.ndarray]:
    """The camera and its illuminators' positions (N,3): the mount moved by the
    jitter, aimed at the design eye point turned by the aim jitter, then stood
    off its mount along the optical axis until the lens and illuminators keep
    clear of the static cabin (cabin_synth.scene.placement). A jittered pose no
    stand-off can clear (the jitter put the module behind a part) falls back to
    the mount as designed: the camera is installed where it can be."""
    offsets = np.array([ill["offset_m"] for ill in sensor["illuminators"]], float).reshape(-1, 3)
    aim = cabin.design_eye_point
    mount = cabin.mounts[params.camera_mount]
    for position, aim_offset_deg in ((mount + np.array(params.camera_offset_m), params.camera_aim_offset_deg),
                                     (mount, (0.0, 0.0))):
        R0 = look_at_opencv(position, aim)
        ayaw, apitch = np.radians(aim_offset_deg)
        reach = np.linalg.norm(aim - position)
        R_vehicle_cam = look_at_opencv(position, aim + reach * (np.tan(ayaw) * R0[:, 0] + np.tan(apitch) * R0[:, 1]))
        lens = Camera.from_sensor(width=sensor["width"], height=sensor["height"],
                                  focal_length_mm=sensor["focal_length_mm"], pixel_pitch_um=sensor["pixel_pitch_um"],
                                  R_vehicle_cam=R_vehicle_cam, position=position, distortion=sensor.get("distortion"))
        standoff = seat(position, R_vehicle_cam, offsets, view_tangents(lens), params.camera_clearance_m,
                        cabin.static_triangles, aim)
        if standoff is not None:
            position = position + standoff * R_vehicle_cam[:, 2]
            return replace(lens, t_cam_vehicle=-lens.R_cam_vehicle @ position), position + offsets @ R_vehicle_cam.T
    raise UserError(f"cabin {cabin.name!r} ({cabin.drive}): the camera on mount {params.camera_mount!r} cannot keep "
                    f"static cabin parts out of the nearest {params.camera_clearance_m:.3f} m of its view within "
                    f"{MAX_SEAT_M} m of the mount, even without jitter: lower 'camera.clearance_m' or choose a "
                    f"narrower lens ('sensor')")


def head_transform(params: FrameParams, cabin: CabinInfo) -> tuple[np.ndarray, np.ndarray]:
    """(R_vehicle_head, t_vehicle_head): the head's pose, its eyes carried by the seat and the torso's lean."""
    yaw, pitch, roll = np.radians(params.head_euler_deg)
    R_head = euler_zyx_to_matrix(yaw, pitch, roll)
    seat_travel = seat_travel_m(params, cabin)
    seat = cabin.driver_seat + np.array([seat_travel[0], 0.0, seat_travel[1]])
    # The driver sits in the seat: the eyes keep their place above the H-point.
    ds = params.identity.stature_m - REFERENCE_STATURE_M
    eyes_upright = (seat + (cabin.design_eye_point - cabin.driver_seat) + np.array(params.head_offset_m)
                    + np.array([0.0, 0.0, SITTING_EYE_HEIGHT_PER_STATURE * ds]))
    # a leaning torso carries the head with it about the H-point (cabin_synth.body)
    eyes_upright = seat + lean_rotation(params.body) @ (eyes_upright - seat)
    pivot = eyes_upright - EYES_FROM_NECK_PIVOT
    return R_head, pivot + R_head @ EYES_FROM_NECK_PIVOT


def head_transforms(params: FrameParams, cabin: CabinInfo, euler_deg: np.ndarray,
                    offset_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """head_transform for many head poses at once: euler_deg (N,3) replaces the head's
    yaw, pitch, roll, offset_m (N,3) adds to its offset; (N,3,3) rotations, (N,3) origins.
    The origin is the neck pivot, which the torso's lean carries with the offset, plus
    the rotated eyes-from-pivot vector."""
    R_rest, t_rest = head_transform(replace(params, head_euler_deg=(0.0, 0.0, 0.0)), cabin)
    R = euler_zyx_to_matrices(np.radians(euler_deg))
    pivot = t_rest - R_rest @ EYES_FROM_NECK_PIVOT + np.asarray(offset_m, float) @ lean_rotation(params.body).T
    return R, pivot + R @ EYES_FROM_NECK_PIVOT


def seat_travel_m(params: FrameParams, cabin: CabinInfo) -> np.ndarray:
    """(fore-aft, height) of the seat from mid-track, m: the stature rule plus the
    commanded travel, clamped to the cabin's seat track (the seat stops there)."""
    ds = params.identity.stature_m - REFERENCE_STATURE_M
    wanted = np.array([-EYE_SETBACK_PER_STATURE * ds, -SEAT_DROP_PER_STATURE * ds]) + np.array(params.seat_travel_mm) * 1e-3
    return np.clip(wanted, cabin.seat_track_mm[:, 0] * 1e-3, cabin.seat_track_mm[:, 1] * 1e-3)
