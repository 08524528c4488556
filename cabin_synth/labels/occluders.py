"""What stands between the camera, or an illuminator, and the face: from ray
casts against the frame's geometry, never from pixels (docs/labels.md,
view_occlusion and illumination).

The camera's view: the landmark casts find what hides the face and the eyes; a
grid of pixel rays, cast out to NEAR_M of depth, finds what covers the image
close to the lens. A part that hides some of the face, or covers some of the
image within NEAR_M, is an occluder. The view counts as blocked when
occluders hide at least half of the eye landmarks in frame: the camera cannot
monitor the eyes (the driver-monitoring "unable to monitor" case). A mask or
a hand over the mouth hides face landmarks but leaves the eyes, and so does
not block.

Each illuminator: the same casts from the illuminator to the face points the
camera sees (a pinhole at the illuminator, looking along the camera's axis,
wide enough for its beam): the share it reaches, and what shades the rest.
"""

from typing import Any

import numpy as np

from ..render.view import SceneView
from ..scene.camera import Camera
from .frame import EYE_LANDMARKS, head_prims, landmark_visibility

VIEW_GRID = (16, 12)
NEAR_M = 0.3
BLOCKED_SHARE = 0.5
EYES = np.r_[EYE_LANDMARKS[0], EYE_LANDMARKS[1]]
# An illuminator's reach is cast over tangents up to this off its axis (76 degrees), where
# a cos^m beam with a half-intensity angle of 30-40 degrees has 0.1-5 % of its peak left.
BEAM_TAN = 4.0
# Half-width of that pinhole, px: about 1.5 mm per pixel at 0.6 m, as fine as the camera's,
# or landmark_visibility's screen-box culling keeps every head triangle for every point.
BEAM_PX = 1500


def static_part(prim: str) -> bool:
    """A cabin part that never moves: all of the cabin but the steering wheel and the phone's anchors."""
    return prim.startswith("/World/Cabin/") and not prim.startswith(("/World/Cabin/SteeringWheel",
                                                                     "/World/Cabin/PhoneAnchors"))


def occlusion_labels(camera: Camera, view: SceneView, landmarks: list[dict], hits: list) -> dict[str, Any]:
    """The frame's view_occlusion and illumination labels, from its landmark labels
    and what hides each landmark (frame_labels' hits)."""
    face = landmarks[:68]
    own = head_prims(view)
    in_frame = np.array([lm["occluded_by"] != "out_of_frame" for lm in face])
    visible = np.array([lm["visible"] for lm in face])
    points = (np.array([lm["camera_m"] for lm in face]) - camera.t_cam_vehicle) @ camera.R_cam_vehicle
    return {"view_occlusion": view_occlusion(camera, view, hits[:68], in_frame, own),
            "illumination": illuminator_reach(camera, view, points[visible], own)}


def near_grid_points(camera: Camera) -> np.ndarray:
    """Points at depth NEAR_M on the rays through a grid of pixel centres, vehicle frame."""
    u = (np.arange(VIEW_GRID[0]) + 0.5) / VIEW_GRID[0] * camera.width - 0.5
    v = (np.arange(VIEW_GRID[1]) + 0.5) / VIEW_GRID[1] * camera.height - 0.5
    uu, vv = np.meshgrid(u, v)
    p_cam = camera.pixel_rays(np.column_stack([uu.ravel(), vv.ravel()])) * NEAR_M
    return (p_cam - camera.t_cam_vehicle) @ camera.R_cam_vehicle


def _shares(instances: list, keep: np.ndarray) -> dict[int, float]:
    """Share of the kept entries each instance id takes."""
    n = int(keep.sum())
    counts: dict[int, int] = {}
    for inst, k in zip(instances, keep):
        if k and inst is not None:
            counts[inst.id] = counts.get(inst.id, 0) + 1
    return {i: c / n for i, c in counts.items()} if n else {}


def view_occlusion(camera: Camera, view: SceneView, face_hits: list, face_in_frame: np.ndarray,
                   own: set[str]) -> dict[str, Any]:
    """face_hits: per face landmark, the Instance that hides it from the camera (None if
    none); face_in_frame: which landmarks project into the image; own: the driver's
    own head prims (self-occlusion, not an occluder)."""
    hiders = [None if inst is None or inst.prim in own else inst for inst in face_hits]
    face = _shares(hiders, face_in_frame)
    eye_in_frame = np.zeros(len(hiders), bool)
    eye_in_frame[EYES] = face_in_frame[EYES]
    eyes = _shares(hiders, eye_in_frame)
    near_hits: list = []
    landmark_visibility(near_grid_points(camera), camera, view, set(), near_hits, footprint=False)
    image = _shares(near_hits, np.ones(len(near_hits), bool))
    occluders = []
    for inst in view.instances:
        if inst.id not in face and inst.id not in image:
            continue
        z = camera.to_camera(view.positions[view.instance_ids == inst.id].astype(np.float64))[:, 2]
        occluders.append({"class": inst.semantic, "prim": inst.prim, "moves": not static_part(inst.prim),
                          "face_share": face.get(inst.id, 0.0), "eye_share": eyes.get(inst.id, 0.0),
                          "near_image_share": image.get(inst.id, 0.0),
                          "nearest_m": float(z[z > 0].min()) if (z > 0).any() else None})
    occluders.sort(key=lambda o: (-o["face_share"], -o["near_image_share"], o["prim"]))
    eyes_hidden = sum(eyes.values())
    return {"face_hidden_share": sum(face.values()), "eyes_hidden_share": eyes_hidden,
            "near_image_share": sum(image.values()), "blocked": eyes_hidden > BLOCKED_SHARE,
            "occluders": occluders}


def illuminator_reach(camera: Camera, view: SceneView, points: np.ndarray, own: set[str]) -> list[dict[str, Any]]:
    """Per illuminator (in view order): the share of `points` (the face the camera sees,
    vehicle frame) it reaches, and by what class the rest is shaded (self_occlusion for
    the driver's own head, outside_beam beyond BEAM_TAN off its axis)."""
    out = []
    for k, ill in enumerate(view.illuminators):
        # the illuminators face along the camera's optical axis (docs/sensors.md)
        size = 2 * BEAM_PX
        beam = Camera(size, size, BEAM_PX / BEAM_TAN, BEAM_PX / BEAM_TAN, (size - 1) / 2, (size - 1) / 2,
                      camera.R_cam_vehicle, -camera.R_cam_vehicle @ ill.position, near_m=1e-4)
        lit, reasons = landmark_visibility(points, beam, view, own, footprint=False) if len(points) else (np.zeros(0, bool), [])
        shaded = {}
        for r in reasons:
            if r is not None:
                key = "outside_beam" if r == "out_of_frame" else r
                shaded[key] = shaded.get(key, 0) + 1
        n = len(points)
        share = float(lit.mean()) if n else None
        out.append({"illuminator": k, "face_lit_share": share,
                    "reaches_face": bool(share is not None and share >= BLOCKED_SHARE),
                    "shaded_by": {c: m / n for c, m in sorted(shaded.items())}})
    return out
