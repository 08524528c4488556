"""Labels: computed from the frame's geometry and camera model, never from pixels.

Pure numpy. Every field is documented in docs/labels.md with shape, units and
frame; schemas/frame.schema.json checks the result.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..driver import LANDMARK_NAMES, DriverGeometry, dimensions
from ..driver.eyelids import LID_MARGIN_THICKNESS, LID_SOFT_THICKNESS
from ..presets.sampler import FrameParams
from ..render.textures import cut_away
from ..render.view import SceneView
from ..scene.accessories import worn_labels
from ..scene.camera import Camera
from ..scene.rig import Rig
from ..scene.zones import gaze_zone
from ..transforms import matrix_to_euler_zyx, matrix_to_quat_wxyz
from .glints import fit_sphere, glint_point, on_cap
from .raycast import nearest_hit, nearest_hits

EYES = ("right", "left")
# A hit closer to the camera than the landmark by more than this hides it (the
# landmark's own surface meets the ray at the landmark itself).
OCCLUSION_EPS_M = 5e-4
# Eye state from the aperture ratio (aperture / the identity's alert aperture):
# 'closed' at 80 % closure or more (PERCLOS P80, Wierwille 1994), 'open' from
# 70 % of the alert aperture (what lids lowered by a downward gaze still keep).
CLOSED_BELOW_RATIO = 0.2
OPEN_FROM_RATIO = 0.7
# iBUG 68 eye contours, [right, left] (the subject's right eye is 36-41).
EYE_LANDMARKS = (slice(36, 42), slice(42, 48))
# The eye contour points sit on the anterior edge of a lid margin. The lid's rounded
# margin, the other lid of a closed eye and the lash roots stand up to a lid's
# thickness in front of that edge at its pixel: what the camera sees there is still
# the eye's lid line, which is what the point marks.
LID_LINE_DEPTH_M = LID_MARGIN_THICKNESS + LID_SOFT_THICKNESS
LID_LINE_PARTS = ("UpperLid", "LowerLid", "UpperLashes", "LowerLashes", "TearMeniscus", "Caruncle")


def eth_xgaze_pitch_yaw(direction_cam: np.ndarray) -> tuple[float, float]:
    """ETH-XGaze pitch and yaw (radians) of a unit gaze vector in the OpenCV camera frame."""
    x, y, z = direction_cam
    return float(np.arcsin(-y)), float(np.arctan2(-x, -z))


def eye_state(aperture_ratio: float) -> str:
    if aperture_ratio < CLOSED_BELOW_RATIO:
        return "closed"
    return "open" if aperture_ratio >= OPEN_FROM_RATIO else "partially_closed"


def bbox_xyxy(uv: np.ndarray, width: int, height: int) -> list[float]:
    """[u_min, v_min, u_max, v_max] of points, clipped to the image's pixel area."""
    lo = np.clip(uv.min(axis=0), -0.5, [width - 0.5, height - 0.5])
    hi = np.clip(uv.max(axis=0), -0.5, [width - 0.5, height - 0.5])
    return [float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])]


# Objects boxed by their projected mesh ("x-ray", like the landmarks).
BOXED_CLASSES = ("phone", "hands")


def object_boxes(view: SceneView, camera: Camera) -> list[dict[str, Any]]:
    """Box of every shown instance of BOXED_CLASSES that overlaps the image: the
    projection of all its vertices in front of the camera, clipped to the image."""
    boxes = []
    for inst in view.instances:
        if inst.semantic not in BOXED_CLASSES:
            continue
        p_cam = camera.to_camera(view.positions[view.instance_ids == inst.id].astype(np.float64))
        p_cam = p_cam[p_cam[:, 2] > camera.near_m]
        uv = camera.project(p_cam)
        if len(uv) and (uv.max(axis=0) >= -0.5).all() and (uv.min(axis=0) < [camera.width - 0.5, camera.height - 0.5]).all():
            boxes.append({"class": inst.semantic, "prim": inst.prim, "bbox_xyxy": bbox_xyxy(uv, camera.width, camera.height)})
    return boxes


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def occluders(view: SceneView) -> tuple[np.ndarray, np.ndarray]:
    """Vertex indices (T,3) of every opaque triangle of the view and each one's instance id."""
    opaque = np.array([inst.material.opacity >= 1.0 for inst in view.instances])
    ids = view.instance_ids[view.triangles[:, 0]]
    keep = opaque[ids - 1]
    return view.triangles[keep], ids[keep]


def cutout_surface(view: SceneView, tri_index: np.ndarray, tri_ids: np.ndarray):
    """For ray casts against the triangles tri_index (T,3) of instances tri_ids (raycast's
    `surface`): (triangle indices, u, v) -> whether a surface is there, false in the gaps
    of alpha-tested cut-outs (hair and lash cards) as the renderers find them
    (render.textures.cut_away); None when the view has no cut-out."""
    cut = {inst.id: inst for inst in view.instances if inst.cutout is not None}
    if not cut:
        return None

    def surface(tri: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        out = np.ones(len(tri), bool)
        ids = tri_ids[tri]
        for id_, inst in cut.items():
            sel = np.flatnonzero(ids == id_)
            if len(sel):
                st = view.uv[tri_index[tri[sel]]].astype(np.float64)   # (n, 3, 2)
                w = np.stack([1.0 - u[sel] - v[sel], u[sel], v[sel]], axis=1)
                out[sel] = ~cut_away(inst.cutout, inst.material.opacity_threshold, np.einsum("nk,nkj->nj", w, st))
        return out
    return surface


def _corner_min_max(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Min and max over the three corners (axis 1) of per-triangle values; pairwise
    ufuncs, several times faster than a reduction over a length-3 axis."""
    a, b, c = values[:, 0], values[:, 1], values[:, 2]
    return np.minimum(np.minimum(a, b), c), np.maximum(np.maximum(a, b), c)


def _boxes_hold_a_point(lo: np.ndarray, hi: np.ndarray, uv: np.ndarray, width: int, height: int,
                        cell_px: int = 4) -> np.ndarray:
    """Per screen box [lo, hi] (T,2): may it hold one of the in-image points uv?
    Never false when it does: a point inside a box lies in a grid cell inside the
    box's cell range. Counted over that range with a summed-area table."""
    size = np.array([width, height]) // cell_px + 1
    cell = lambda p: np.clip(np.floor((p + 0.5) / cell_px).astype(int), 0, size - 1)
    occupied = np.zeros((size[1] + 1, size[0] + 1), np.int32)
    cells = cell(uv)
    np.add.at(occupied, (cells[:, 1] + 1, cells[:, 0] + 1), 1)
    table = occupied.cumsum(axis=0).cumsum(axis=1)
    c0, c1 = cell(lo), cell(hi) + 1
    count = table[c1[:, 1], c1[:, 0]] - table[c0[:, 1], c1[:, 0]] - table[c1[:, 1], c0[:, 0]] + table[c0[:, 1], c0[:, 0]]
    return count > 0


# A landmark behind an alpha-tested cut-out (hair, brow and lash cards) is hidden when
# the cut-out covers at least this share of its pixel footprint: the camera integrates
# a pixel, so a gap narrower than a pixel at the landmark's exact point shows nothing.
CUTOUT_HIDES_SHARE = 0.5
_FOOTPRINT_OFFSETS = np.array([[0, 0], [1, 0], [0, 1], [1, 1]])


def pixel_footprint(camera: Camera, uv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The four pixel centres (N,4,2) around each image point uv (N,2) and their
    bilinear weights (N,4): what share of the point each pixel's sample stands for.
    Pixels off the image get no weight; the rest sum to 1."""
    base = np.floor(uv)
    frac = uv - base
    centres = base[:, None, :] + _FOOTPRINT_OFFSETS
    w = np.prod(np.where(_FOOTPRINT_OFFSETS == 1, frac[:, None, :], 1.0 - frac[:, None, :]), axis=2)
    w = np.where(camera.in_image(centres.reshape(-1, 2)).reshape(w.shape), w, 0.0)
    total = w.sum(axis=1, keepdims=True)
    return centres, np.divide(w, total, out=np.zeros_like(w), where=total > 0)


def landmark_visibility(points_vehicle: np.ndarray, camera: Camera, view: SceneView,
                        own_prims: set[str], hits: list | None = None,
                        leeway: list[tuple[frozenset[str], float]] | None = None,
                        footprint: bool = True) -> tuple[np.ndarray, list[str | None]]:
    """Per point: visible?, and if not, why: out_of_frame, self_occlusion (the
    driver's own body), or the semantic class of the occluding cabin part.
    Opaque surfaces are judged on the ray to the point itself; cut-outs (hair and
    lash cards), when `footprint`, over the point's pixel footprint (the four pixel
    centres around it, CUTOUT_HIDES_SHARE): what a camera pixel shows. Without
    `footprint` (light reaching a point) cut-outs are judged at the point too.
    `hits`, if given, receives per point the Instance hit first (None if none).
    `leeway`, if given, per point (prims, depth): a first surface of one of those
    prims at most `depth` metres before the point does not hide it."""
    n_points = len(points_vehicle)
    p_cam = camera.to_camera(points_vehicle)
    # Culling works in the ideal pinhole image: distortion bends triangle edges, so
    # a distorted vertex bounding box could miss a covered point.
    uv = camera.project(p_cam, distorted=False)
    uv_image = camera.project(p_cam)
    in_frame = (p_cam[:, 2] > camera.near_m) & camera.in_image(uv_image)
    tri_index, tri_ids = occluders(view)
    cut_ids = [inst.id for inst in view.instances if inst.cutout is not None]
    footprint = footprint and bool(cut_ids) and in_frame.any()
    if footprint:
        centres, weights = pixel_footprint(camera, uv_image[in_frame])
        rays = camera.pixel_rays(centres.reshape(-1, 2))
        rays_uv = camera.project(rays, distorted=False)
        screen_points = np.vstack([uv[in_frame], rays_uv])
    else:
        screen_points = uv[in_frame]
    vertices = view.positions.astype(np.float64)
    vertices_cam = camera.to_camera(vertices)
    z_min, z_max = _corner_min_max(vertices_cam[tri_index, 2])
    # Only a triangle reaching past the near plane (the renderer clips the rest),
    # starting nearer than some point and whose screen box holds a point's pixel
    # can hide one. A triangle crossing the near plane (a camera shroud) has no
    # screen box: it is a candidate for every point.
    keep = z_max > camera.near_m
    if in_frame.any():
        keep &= z_min < p_cam[in_frame, 2].max()
    tri_index, tri_ids, z_min = tri_index[keep], tri_ids[keep], z_min[keep]
    crossing = z_min <= camera.near_m
    vertices_uv = camera.project(np.where(vertices_cam[:, 2:] > camera.near_m, vertices_cam, 1.0), distorted=False)
    lo, hi = _corner_min_max(vertices_uv[tri_index])
    near_points = crossing | _boxes_hold_a_point(lo, hi, screen_points, camera.width, camera.height)
    tri_index, tri_ids, z_min, lo, hi, crossing = (a[near_points] for a in (tri_index, tri_ids, z_min, lo, hi, crossing))
    is_cut = np.isin(tri_ids, cut_ids)
    frame_points = np.flatnonzero(in_frame)

    def box_holds(k: np.ndarray, u, v, grow=0.0) -> np.ndarray:
        """Whether triangles k can cover screen points (u, v), broadcast: they cross the
        near plane or their screen box, grown by `grow` px, holds the point."""
        return crossing[k] | ((lo[k, 0] - grow <= u) & (hi[k, 0] + grow >= u)
                              & (lo[k, 1] - grow <= v) & (hi[k, 1] + grow >= v))

    def pairs(screen_uv: np.ndarray, depth: np.ndarray, cols: np.ndarray, margin=0.0):
        """(row, triangle) candidate pairs: of the triangles `cols`, those starting nearer
        than the row's depth that can cover its screen point, their boxes grown by `margin` px."""
        near = z_min[cols] < depth[:, None]
        row, k = np.nonzero(near & box_holds(cols, screen_uv[:, 0, None], screen_uv[:, 1, None],
                                             np.reshape(margin, (-1, 1))))
        return row, cols[k]

    tris = vertices[tri_index]
    origin = camera.position
    row, tri = pairs(uv[frame_points], p_cam[frame_points, 2], np.flatnonzero(~is_cut) if footprint else np.arange(len(tri_ids)))
    ray = frame_points[row]
    directions = points_vehicle - origin
    # Along the ray from the camera centre, camera Z grows linearly with t: hits
    # before the near plane are clipped away by the renderer and hide nothing.
    t_min = camera.near_m / np.where(in_frame, p_cam[:, 2], np.inf)
    t, hit = nearest_hits(np.broadcast_to(origin, directions.shape), directions, tris, ray, tri, t_min,
                          None if footprint else cutout_surface(view, tri_index, tri_ids))
    length = np.linalg.norm(directions, axis=1)
    before = length - t * length
    hidden = in_frame & (before > OCCLUSION_EPS_M)
    if leeway is not None:
        for k in np.flatnonzero(hidden):
            hidden[k] = not _within_leeway(view, tri_ids[hit[k]], leeway[k], before[k])
    hider = np.where(hidden, hit, -1)
    if footprint:
        # The footprint's rays lie within `margin` of the point's own screen position: its
        # candidates, grown by that, hold theirs; each ray then keeps the ones holding it.
        samples_uv = rays_uv.reshape(-1, 4, 2)
        margin = np.abs(samples_uv - uv[frame_points, None, :]).max(axis=(1, 2)) + 1e-6
        row, tri = pairs(uv[frame_points], p_cam[frame_points, 2], np.flatnonzero(is_cut), margin)
        ray, tri = (row[:, None] * 4 + np.arange(4)).ravel(), np.repeat(tri, 4)
        holds = box_holds(tri, rays_uv[ray, 0], rays_uv[ray, 1])
        cover = _cutouts_over_footprints(camera, view, p_cam, frame_points, rays, weights, tris, tri_index, tri_ids,
                                         ray[holds], tri[holds], t * p_cam[:, 2], leeway, hidden, hider)
        # A pixel the cut-out covers only in part may be covered for the rest by something
        # else in front (a spectacle rim beside a fringe): those samples count too. The
        # driver's own surfaces do not: beside a point they slope away from it, and the
        # point's own ray already judges them.
        partial = np.flatnonzero((cover.share > 0) & (cover.share < CUTOUT_HIDES_SHARE) & ~hidden[frame_points])
        if partial.size:
            own = np.isin(tri_ids, [inst.id for inst in view.instances if inst.prim in own_prims])
            row, tri = pairs(uv[frame_points[partial]], p_cam[frame_points[partial], 2],
                             np.flatnonzero(~is_cut & ~own), margin[partial])
            ray, tri = (partial[row][:, None] * 4 + np.arange(4)).ravel(), np.repeat(tri, 4)
            holds = box_holds(tri, rays_uv[ray, 0], rays_uv[ray, 1])
            _others_over_footprints(camera, view, p_cam, frame_points, partial, rays, weights, tris, tri_ids,
                                    ray[holds], tri[holds], leeway, cover, hidden, hider)
    reasons: list[str | None] = []
    for k in range(n_points):
        inst = view.instances[tri_ids[hider[k]] - 1] if hidden[k] else None
        if hits is not None:
            hits.append(inst)
        if not in_frame[k]:
            reasons.append("out_of_frame")
        elif hidden[k]:
            reasons.append("self_occlusion" if inst.prim in own_prims else inst.semantic)
        else:
            reasons.append(None)
    return in_frame & ~hidden, reasons


def _within_leeway(view: SceneView, instance_id: int, leeway: tuple[frozenset[str], float], before: float) -> bool:
    """Whether a first surface of instance `instance_id`, `before` metres in front of a
    point, leaves it visible: it is one of the point's leeway prims, within their depth."""
    prims, depth = leeway
    return view.instances[instance_id - 1].prim in prims and before <= depth


@dataclass
class _FootprintCover:
    """Per in-frame point's footprint (M points, 4 samples): which samples a surface covers
    before the point, that surface's depth and triangle, and the covered share of the weight."""
    covers: np.ndarray   # (M,4) bool
    depth: np.ndarray    # (M,4) camera Z of the covering surface (inf where none)
    hit: np.ndarray      # (M,4) its triangle (-1 where none)
    share: np.ndarray    # (M,)


def _covering(camera, view, p_cam, points, rays, tris, tri_ids, ray, tri, leeway, surface):
    """The footprint rays' nearest hits among candidate pairs (ray, tri), as (M,4) depth and
    triangle, and whether each lies more than OCCLUSION_EPS_M before its point (leeway aside)."""
    directions = rays @ camera.R_cam_vehicle   # camera frame to vehicle frame, Z stays depth
    origins = np.broadcast_to(camera.position, directions.shape)
    depth, hit = nearest_hits(origins, directions, tris, ray, tri, np.full(len(rays), camera.near_m), surface)
    depth, hit = depth.reshape(-1, 4), hit.reshape(-1, 4)
    before = p_cam[points, 2, None] - depth
    covers = before > OCCLUSION_EPS_M
    if leeway is not None:
        for m, s in zip(*np.nonzero(covers)):
            covers[m, s] = not _within_leeway(view, tri_ids[hit[m, s]], leeway[points[m]], before[m, s])
    return depth, hit, covers


def _hide_by_footprint(hidden, hider, k, covers, depth, hit, opaque_depth=np.inf) -> None:
    """Hide point k by the nearest surface covering its footprint, unless an opaque surface
    on its own ray (opaque_depth, camera Z) lies nearer."""
    s = np.argmin(np.where(covers, depth, np.inf))
    if not hidden[k] or depth[s] < opaque_depth:
        hidden[k], hider[k] = True, hit[s]


def _cutouts_over_footprints(camera, view, p_cam, points, rays, weights, tris, tri_index, tri_ids, ray, tri,
                             opaque_depth, leeway, hidden, hider) -> _FootprintCover:
    """landmark_visibility's cut-out pass: per in-frame point (points, M), the weighted share
    of its footprint's pixel rays (rays (4M,3) camera frame, weights (M,4); candidate
    pairs (ray, tri) against the cut-out triangles) on which a cut-out
    surface lies more than OCCLUSION_EPS_M before the point's depth; at
    CUTOUT_HIDES_SHARE or more the point is hidden by the nearest such cut-out, unless
    an opaque surface (opaque_depth, camera Z per point) lies nearer. Updates hidden
    and hider (triangle per point) in place."""
    if not len(ray):
        none = np.zeros((len(points), 4), bool)
        return _FootprintCover(none, np.full(none.shape, np.inf), np.full(none.shape, -1), np.zeros(len(points)))
    depth, hit, covers = _covering(camera, view, p_cam, points, rays, tris, tri_ids, ray, tri, leeway,
                                   cutout_surface(view, tri_index, tri_ids))
    share = (weights * covers).sum(axis=1)
    for m in np.flatnonzero(share >= CUTOUT_HIDES_SHARE):
        _hide_by_footprint(hidden, hider, points[m], covers[m], depth[m], hit[m], opaque_depth[points[m]])
    return _FootprintCover(covers, depth, hit, share)


def _others_over_footprints(camera, view, p_cam, points, partial, rays, weights, tris, tri_ids, ray, tri,
                            leeway, cover: _FootprintCover, hidden, hider) -> None:
    """The second footprint pass, for the points `partial` (indices into points) that cut-outs
    cover in part: samples the cut-out leaves open count when an opaque surface other than
    the driver's (candidate pairs (ray, tri)) lies before the point; at CUTOUT_HIDES_SHARE
    of the weight in all the point is hidden by the nearest covering surface."""
    depth, hit, covers = _covering(camera, view, p_cam, points, rays, tris, tri_ids, ray, tri, leeway, None)
    for m in partial:
        both = cover.covers[m] | covers[m]
        if (weights[m] * both).sum() >= CUTOUT_HIDES_SHARE:
            nearest = np.where(cover.covers[m], cover.depth[m], np.inf) <= np.where(covers[m], depth[m], np.inf)
            _hide_by_footprint(hidden, hider, points[m], both, np.where(nearest, cover.depth[m], depth[m]),
                               np.where(nearest, cover.hit[m], hit[m]))


def lid_line_leeway(n_points: int) -> list[tuple[frozenset[str], float]]:
    """Per landmark: the eye contour points (36-47) are not hidden by their own eye's
    lids and lashes within LID_LINE_DEPTH_M; every other point gets no leeway."""
    leeway = [(frozenset(), 0.0)] * n_points
    for side, points in zip("RL", EYE_LANDMARKS):
        prims = frozenset(f"/World/Driver/Eye{side}/{part}" for part in LID_LINE_PARTS)
        leeway[points] = [(prims, LID_LINE_DEPTH_M)] * (points.stop - points.start)
    return leeway


def head_prims(view: SceneView) -> set[str]:
    """The driver's own head parts: what hides them of themselves is self-occlusion.
    Accessories hang under /World/Driver to follow the head, but they occlude as themselves."""
    return {inst.prim for inst in view.instances
            if inst.prim.startswith("/World/Driver/") and not inst.prim.startswith("/World/Driver/Accessories/")}


def glint_labels(rig: Rig, geometry: DriverGeometry, view: SceneView) -> list[dict]:
    """Per eye and illuminator: the corneal reflection point, its pixel and
    whether the camera sees it (on the cornea cap, lit by the illuminator, in
    frame and not hidden behind an opaque surface such as an eyelid)."""
    cam = rig.camera
    tri_index, tri_ids = occluders(view)
    tris = view.positions[tri_index].astype(np.float64)
    surface = cutout_surface(view, tri_index, tri_ids)
    points, lit, keys = [], [], []
    for i, side in enumerate(("R", "L")):
        cap = geometry.part(f"Eye{side}/Cornea").points @ rig.R_vehicle_head.T + rig.t_vehicle_head
        centre, radius, _ = fit_sphere(cap)
        axis = rig.R_vehicle_head @ geometry.gaze_dirs[i]
        for k, ill in enumerate(view.illuminators):
            p = glint_point(centre, radius, ill.position, cam.position)
            t, _ = nearest_hit(ill.position, p - ill.position, tris, surface)
            points.append(p)
            lit.append(on_cap(p, centre, axis, cap) and t >= 1.0 - OCCLUSION_EPS_M / np.linalg.norm(p - ill.position))
            keys.append((EYES[i], k))
    points = np.array(points)
    seen, _ = landmark_visibility(points, cam, view, head_prims(view))
    p_cam = cam.to_camera(points)
    uv = cam.project(p_cam)
    return [{"eye": eye, "illuminator": k, "camera_m": p_cam[j].tolist(), "uv": uv[j].tolist(),
             "visible": bool(seen[j] and lit[j])} for j, (eye, k) in enumerate(keys)]


def body_keypoint_labels(body, camera: Camera, view: SceneView) -> list[dict[str, Any]]:
    """Body joints (cabin_synth.body.build.KEYPOINT_NAMES): centre in the vehicle and
    camera frames, its pixel, and whether the camera sees the joint's own body
    region there (the first surface on the ray to the joint centre is one of
    the parts the joint lies in), else what hides it, as for landmarks."""
    from ..body.build import KEYPOINT_NAMES, KEYPOINT_PARTS

    hits: list = []
    in_view, reasons = landmark_visibility(body.keypoints, camera, view, set(), hits)
    p_cam = camera.to_camera(body.keypoints)
    uv = camera.project(p_cam)
    out = []
    for k, name in enumerate(KEYPOINT_NAMES):
        own = hits[k] is not None and hits[k].prim.rsplit("/", 1)[-1] in KEYPOINT_PARTS[name]
        visible = bool(in_view[k]) or own
        out.append({"name": name, "vehicle_m": body.keypoints[k].tolist(), "camera_m": p_cam[k].tolist(),
                    "uv": uv[k].tolist(), "visible": visible, "occluded_by": None if visible else reasons[k]})
    return out


def frame_labels(params: FrameParams, rig: Rig, geometry: DriverGeometry, view: SceneView,
                 zones: tuple[np.ndarray, tuple[str, ...]], body=None, hits: list | None = None) -> dict[str, Any]:
    """zones: the cabin's zone_soup (cabin_synth.scene.zones); body: the frame's
    cabin_synth.body.build.BodyGeometry, if it has one (body_keypoints); hits, if
    given, receives per landmark what hides it (landmark_visibility), for the
    occlusion labels (labels/occluders.py)."""
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
    visible, reasons = landmark_visibility(lm_vehicle, cam, view, head_prims(view), hits,
                                           leeway=lid_line_leeway(len(lm_vehicle)))
    zone, zone_t = gaze_zone(zones, combined["origin_vehicle_m"], combined["direction_vehicle"])
    open_mm = dimensions(params.identity)["eye_aperture"]
    ratio = geometry.aperture_mm / open_mm

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
            "zone": zone,
            "zone_distance_m": float(zone_t) if np.isfinite(zone_t) else None,
        },
        "eyes": [{"eye": EYES[i], "aperture_mm": float(geometry.aperture_mm[i]),
                  "aperture_ratio": float(ratio[i]), "state": eye_state(ratio[i]),
                  "closure": float(geometry.closure[i]), "pupil_diameter_mm": float(params.pupil_diameter_mm),
                  "bbox_xyxy": bbox_xyxy(lm_uv[EYE_LANDMARKS[i]], cam.width, cam.height)}
                 for i in range(2)],
        "glints": glint_labels(rig, geometry, view),
        "landmarks": [{"index": k, "name": LANDMARK_NAMES[k], "uv": lm_uv[k].tolist(),
                       "camera_m": lm_cam[k].tolist(), "visible": bool(visible[k]), "occluded_by": reasons[k]}
                      for k in range(len(lm_uv))],
        "face_bbox_xyxy": bbox_xyxy(lm_uv[:68], cam.width, cam.height),
        "object_boxes": object_boxes(view, cam),
        "driver": params.driver(),
        "accessories": worn_labels(params.accessories, geometry),
        "instances": [{"id": inst.id, "prim": inst.prim, "class": inst.semantic} for inst in view.instances],
        **({"body_keypoints": body_keypoint_labels(body, cam, view)} if body is not None else {}),
    }
