"""Where the camera module sits on its mount.

A mount (usd_assets/cabins, /Cabin/Mounts) is the point on a cabin part the
camera module is fixed to; the preset's jitter moves it and turns its aim. A
real module holds its lens and illuminators at the front of a housing that
reaches back to the part, so the lens never sits inside the part, and the part
and the housing stay out of the lens's field of view. :func:`seat` finds how
far along its optical axis the module stands off its mount for that to hold:
the least distance at which

- no static cabin part (anything but the steering wheel, which turns) reaches
  into the view of the lens, or of any illuminator looking the same way,
  closer than the clearance depth (camera-frame Z), and
- the lens and every illuminator see the aim point past every static part
  (none of them is buried in a part).

The view is the pyramid through the image border (undistorted through the
lens model, so it bounds what the image shows), truncated at the clearance
depth; a triangle meets it when no separating axis exists (the separating axis
theorem for two convex bodies: pyramid faces, triangle normal, and the cross
products of their edges). Pure numpy.
"""

import numpy as np

from ..labels.raycast import hit_t
from .camera import Camera

# Static parts nearer than this (camera-frame depth, m) stay out of the view
# unless a preset's camera.clearance_m says otherwise (docs/presets.md).
CLEARANCE_M = 0.10
# Stand-off search: steps along the optical axis, refined by bisection to
# SEAT_TOLERANCE_M; a module standing off further than MAX_SEAT_M has no
# plausible housing, and the preset's jitter or clearance is at fault.
SEAT_STEP_M = 0.005
SEAT_TOLERANCE_M = 2.5e-4
MAX_SEAT_M = 0.25
BORDER_SAMPLES = 16


def view_tangents(camera: Camera) -> np.ndarray:
    """(tan x, tan y): half-tangents of the pyramid holding every ray through the
    image border (pixel edges), undistorted through the lens model."""
    s = np.linspace(0.0, 1.0, BORDER_SAMPLES)
    w, h = camera.width, camera.height
    u = np.concatenate([s * w, s * w, np.zeros_like(s), np.full_like(s, w)]) - 0.5
    v = np.concatenate([np.zeros_like(s), np.full_like(s, h), s * h, s * h]) - 0.5
    rays = camera.pixel_rays(np.column_stack([u, v]))
    return np.abs(rays[:, :2]).max(axis=0)


def pyramid(apex: np.ndarray, R_vehicle_cam: np.ndarray, tangents: np.ndarray, depth: float) -> np.ndarray:
    """(5,3) vertices of the view pyramid, vehicle frame: the apex, then the corners at `depth`."""
    tx, ty = tangents
    corners = np.array([[-tx, -ty, 1.0], [tx, -ty, 1.0], [tx, ty, 1.0], [-tx, ty, 1.0]]) * depth
    return np.vstack([apex, apex + corners @ R_vehicle_cam.T])


def _pyramid_axes(R_vehicle_cam: np.ndarray, tangents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(face normals (5,3), edge directions (6,3)) of a view pyramid, vehicle frame."""
    tx, ty = tangents
    lateral = np.array([[-tx, -ty, 1.0], [tx, -ty, 1.0], [tx, ty, 1.0], [-tx, ty, 1.0]])
    faces = np.cross(lateral, np.roll(lateral, -1, axis=0))
    normals = np.vstack([faces, [0.0, 0.0, 1.0]])
    edges = np.vstack([lateral, [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    return normals @ R_vehicle_cam.T, edges @ R_vehicle_cam.T


def triangles_meet_pyramids(tris: np.ndarray, pyramids: np.ndarray, normals: np.ndarray,
                            edges: np.ndarray) -> np.ndarray:
    """(P,T) bool: does triangle t (tris (T,3,3)) meet pyramid p (pyramids (P,5,3),
    all with the face normals (5,3) and edge directions (6,3) given)?"""
    if len(tris) == 0:
        return np.zeros((len(pyramids), 0), bool)
    e = tris[:, [1, 2, 0]] - tris                                    # (T,3,3) triangle edges
    crossed = np.cross(edges[None, :, None, :], e[:, None, :, :]).reshape(len(tris), -1, 3)
    n_tri = np.cross(e[:, 0], e[:, 1])[:, None, :]
    axes = np.concatenate([np.broadcast_to(normals, (len(tris), len(normals), 3)), n_tri, crossed], axis=1)
    # (T,A): projections of the triangle; (P,T,A): of each pyramid
    t_proj = np.einsum("tvk,tak->tav", tris, axes)
    p_proj = np.einsum("pvk,tak->ptav", pyramids, axes)
    scale = np.linalg.norm(axes, axis=2)
    apart = ((p_proj.max(axis=3) < t_proj.min(axis=2) - 1e-9 * scale)
             | (p_proj.min(axis=3) > t_proj.max(axis=2) + 1e-9 * scale))
    # A zero axis (parallel edges) separates nothing.
    apart &= scale > 1e-12
    return ~apart.any(axis=2)


def segments_hit(origins: np.ndarray, target: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """(P,) bool: does the segment from origins[p] to target cross any of tris?"""
    out = np.zeros(len(origins), bool)
    for k, o in enumerate(origins):
        out[k] = bool(len(tris)) and bool((hit_t(o, target - o, tris) < 1.0).any())
    return out


def seat(position: np.ndarray, R_vehicle_cam: np.ndarray, offsets_cam: np.ndarray, tangents: np.ndarray,
         clearance_m: float, static_tris: np.ndarray, target: np.ndarray) -> float | None:
    """How far (m) the module at `position` (its lens) stands off along its optical
    axis so that the lens and the illuminators at `offsets_cam` (OpenCV camera
    frame) keep clear of `static_tris` (module docstring): 0 when clear where it
    is, None when no stand-off up to MAX_SEAT_M is."""
    if clearance_m <= 0.0:
        return 0.0
    axis = R_vehicle_cam[:, 2]
    points = np.vstack([np.zeros(3), np.asarray(offsets_cam, float).reshape(-1, 3)]) @ R_vehicle_cam.T + position
    normals, edges = _pyramid_axes(R_vehicle_cam, tangents)
    shape = pyramid(np.zeros(3), R_vehicle_cam, tangents, clearance_m)
    # Only triangles that reach the region the pyramids sweep, or the sight lines to the target, matter.
    swept = np.concatenate([points[:, None] + shape[None], points[:, None] + shape[None] + MAX_SEAT_M * axis])
    swept = np.concatenate([swept.reshape(-1, 3), target[None]])
    lo, hi = swept.min(axis=0), swept.max(axis=0)
    near = static_tris[((static_tris.min(axis=1) <= hi) & (static_tris.max(axis=1) >= lo)).all(axis=1)]

    def clear(d: float) -> bool:
        at = points + d * axis
        if triangles_meet_pyramids(near, at[:, None] + shape[None], normals, edges).any():
            return False
        return not segments_hit(at, target, near).any()

    if clear(0.0):
        return 0.0
    lo_d, hi_d = 0.0, None
    for d in np.arange(SEAT_STEP_M, MAX_SEAT_M + SEAT_STEP_M / 2, SEAT_STEP_M):
        if clear(float(d)):
            hi_d = float(d)
            break
        lo_d = float(d)
    if hi_d is None:
        return None
    while hi_d - lo_d > SEAT_TOLERANCE_M:
        mid = 0.5 * (lo_d + hi_d)
        lo_d, hi_d = (lo_d, mid) if clear(mid) else (mid, hi_d)
    return hi_d
