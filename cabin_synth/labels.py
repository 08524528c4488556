"""Labels: computed from the frame's geometry and camera model, never from pixels.

Pure numpy. Every field is documented in docs/labels.md with shape, units and
frame; schemas/frame.schema.json checks the result.
"""

from typing import Any

import numpy as np

from .camera import Camera
from .driver import LANDMARK_NAMES, DriverGeometry
from .raycast import nearest_hit
from .render.view import SceneView
from .rig import Rig
from .sampler import FrameParams
from .transforms import matrix_to_euler_zyx, matrix_to_quat_wxyz

EYES = ("right", "left")
# A hit closer to the camera than the landmark by more than this hides it (the
# landmark's own surface meets the ray at the landmark itself).
OCCLUSION_EPS_M = 5e-4


def eth_xgaze_pitch_yaw(direction_cam: np.ndarray) -> tuple[float, float]:
    """ETH-XGaze pitch and yaw (radians) of a unit gaze vector in the OpenCV camera frame."""
    x, y, z = direction_cam
    return float(np.arcsin(-y)), float(np.arctan2(-x, -z))


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def occluders(view: SceneView) -> tuple[np.ndarray, np.ndarray]:
    """World triangles (T,3,3) of every opaque surface and each one's instance id."""
    opaque = np.array([inst.material.opacity >= 1.0 for inst in view.instances])
    ids = view.instance_ids[view.triangles[:, 0]]
    keep = opaque[ids - 1]
    return view.positions[view.triangles[keep]].astype(np.float64), ids[keep]


def landmark_visibility(points_vehicle: np.ndarray, camera: Camera, view: SceneView,
                        own_prims: set[str]) -> tuple[np.ndarray, list[str | None]]:
    """Per point: visible?, and if not, why: out_of_frame, self_occlusion (the
    driver's own body), or the semantic class of the occluding cabin part."""
    p_cam = camera.to_camera(points_vehicle)
    uv = camera.project(p_cam)
    tris, tri_ids = occluders(view)
    tri_uv = camera.project(camera.to_camera(tris.reshape(-1, 3))).reshape(-1, 3, 2)
    tri_z = camera.to_camera(tris.reshape(-1, 3))[:, 2].reshape(-1, 3)
    lo, hi = tri_uv.min(axis=1), tri_uv.max(axis=1)
    front = tri_z.min(axis=1) > camera.near_m
    origin = camera.position
    visible = np.zeros(len(points_vehicle), bool)
    reasons: list[str | None] = []
    for k, (p, (u, v)) in enumerate(zip(points_vehicle, uv)):
        if p_cam[k, 2] <= camera.near_m or not camera.in_image(uv[k:k + 1])[0]:
            reasons.append("out_of_frame")
            continue
        cand = front & (lo[:, 0] <= u) & (hi[:, 0] >= u) & (lo[:, 1] <= v) & (hi[:, 1] >= v) & (tri_z.min(axis=1) < p_cam[k, 2])
        t, i = nearest_hit(origin, p - origin, tris[cand]) if cand.any() else (np.inf, -1)
        length = np.linalg.norm(p - origin)
        if t * length < length - OCCLUSION_EPS_M:
            inst = view.instances[tri_ids[cand][i] - 1]
            reasons.append("self_occlusion" if inst.prim in own_prims else inst.semantic)
        else:
            visible[k] = True
            reasons.append(None)
    return visible, reasons


def frame_labels(params: FrameParams, rig: Rig, geometry: DriverGeometry, view: SceneView) -> dict[str, Any]:
    cam = rig.camera
    R_vh, t_vh = rig.R_vehicle_head, rig.t_vehicle_head
    to_vehicle = lambda p: np.asarray(p) @ R_vh.T + t_vh
    R_cv = cam.R_cam_vehicle

    def pose_pair(point_head: np.ndarray, dir_head: np.ndarray) -> dict:
        origin_v = to_vehicle(point_head)
        dir_v = R_vh @ dir_head
        dir_c = R_cv @ dir_v
        pitch, yaw = eth_xgaze_pitch_yaw(dir_c)
        return {
            "origin_vehicle_m": origin_v.tolist(),
            "origin_camera_m": cam.to_camera(origin_v[None])[0].tolist(),
            "direction_vehicle": dir_v.tolist(),
            "direction_camera": dir_c.tolist(),
            "pitch_yaw_deg": [float(np.degrees(pitch)), float(np.degrees(yaw))],
        }

    eyes = [dict(eye=EYES[i], **pose_pair(geometry.eye_centres[i], geometry.gaze_dirs[i])) for i in range(2)]
    centre = geometry.eye_centres.mean(axis=0)
    combined = pose_pair(centre, _unit(rig.gaze_target_head - centre))
    target_v = rig.gaze_target_vehicle

    lm_vehicle = to_vehicle(geometry.landmarks)
    lm_cam = cam.to_camera(lm_vehicle)
    lm_uv = cam.project(lm_cam)
    own = {inst.prim for inst in view.instances if inst.prim.startswith("/World/Driver/")}
    visible, reasons = landmark_visibility(lm_vehicle, cam, view, own)
    face = lm_uv[:68]
    bbox = [float(np.clip(face[:, 0].min(), -0.5, cam.width - 0.5)), float(np.clip(face[:, 1].min(), -0.5, cam.height - 0.5)),
            float(np.clip(face[:, 0].max(), -0.5, cam.width - 0.5)), float(np.clip(face[:, 1].max(), -0.5, cam.height - 0.5))]

    R_ch = R_cv @ R_vh
    yaw, pitch, roll = np.degrees(matrix_to_euler_zyx(R_vh))
    return {
        "camera": cam.to_dict(),
        "head_pose": {
            "camera": {"R": R_ch.tolist(), "quaternion_wxyz": matrix_to_quat_wxyz(R_ch).tolist(),
                       "t_m": cam.to_camera(t_vh[None])[0].tolist()},
            "vehicle": {"R": R_vh.tolist(), "quaternion_wxyz": matrix_to_quat_wxyz(R_vh).tolist(),
                        "t_m": t_vh.tolist(),
                        "euler_zyx_deg": {"yaw": float(yaw), "pitch": float(pitch), "roll": float(roll)}},
        },
        "gaze": {
            "eyes": eyes,
            "combined": combined,
            "target_vehicle_m": target_v.tolist(),
            "target_camera_m": cam.to_camera(target_v[None])[0].tolist(),
        },
        "eyes": [{"eye": EYES[i], "aperture_mm": float(geometry.aperture_mm[i]),
                  "closure": float(geometry.closure[i]), "pupil_diameter_mm": float(params.pupil_diameter_mm)}
                 for i in range(2)],
        "landmarks": [{"index": k, "name": LANDMARK_NAMES[k], "uv": lm_uv[k].tolist(),
                       "camera_m": lm_cam[k].tolist(), "visible": bool(visible[k]), "occluded_by": reasons[k]}
                      for k in range(len(lm_uv))],
        "face_bbox_xyxy": bbox,
        "driver": params.identity.to_dict(),
        "instances": [{"id": inst.id, "prim": inst.prim, "class": inst.semantic} for inst in view.instances],
    }
