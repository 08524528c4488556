"""Replicator annotator data -> our buffers, and our camera <-> camera_params.

The pure core of the Replicator writer (cabin_synth.omni.writer) and of the
BasicWriter interchange (cabin_synth.export.replicator): it runs everywhere and
never imports omni.*. Shapes, dtypes and field names are those of
omni.replicator.core 1.12.27 (cabin_synth.export.basicwriter says where they
were read):

- HdrColor: (H, W, 4) float16, linear scene radiance (RGB and alpha);
- distance_to_camera: (H, W) float32, metres from the camera centre, 0 (or,
  in some releases, inf) where no surface is;
- instance_id_segmentation (colorize off): (H, W) uint32 ids with idToLabels
  {str(id): prim path}, "BACKGROUND"/"UNLABELLED"/"INVALID" for nothing;
- camera_params: the outputs of the CameraParams node (CAMERA_PARAMS_FIELDS),
  4 x 4 matrices row-major for row vectors (p' = p M), as USD writes them.

Labels never come from here: they are made from geometry before a pixel exists
(pipeline.FrameStager); this only turns pixels into the stored images' inputs.
"""

from typing import Any, Mapping, Sequence

import numpy as np
from pxr import Gf

from ..render.buffers import Buffers
from ..render.view import SKY_PRIM, Instance
from ..scene.camera import R_USDCAM_CV, Camera

# Replicator's labels for pixels that no prim of ours covers.
NOTHING = ("BACKGROUND", "UNLABELLED", "INVALID")

# Outputs of the CameraParams node (ogn/docs/OgnCameraParams.rst, 1.12.27), its exec port left out.
CAMERA_PARAMS_FIELDS = (
    "cameraAperture", "cameraApertureOffset", "cameraFStop", "cameraFisheyeLensP", "cameraFisheyeLensS",
    "cameraFisheyeMaxFOV", "cameraFisheyeNominalHeight", "cameraFisheyeNominalWidth",
    "cameraFisheyeOpticalCentre", "cameraFisheyePolynomial", "cameraFocalLength", "cameraFocusDistance",
    "cameraModel", "cameraNearFar", "cameraOpenCVFx", "cameraOpenCVFy", "cameraProjection",
    "cameraViewTransform", "metersPerSceneUnit", "renderProductResolution",
)
TOLERANCE = 1e-4   # relative, on focal lengths in pixels and on metres


def _gf_camera(camera: Camera, focal_length: float, meters_per_unit: float) -> Gf.Camera:
    """The USD camera (lens in tenths of a stage unit) that images as `camera` does."""
    M = np.eye(4)   # the camera's transform, row vectors: rows are its axes in the world
    M[:3, :3] = (camera.R_cam_vehicle.T @ R_USDCAM_CV).T
    M[3, :3] = camera.position / meters_per_unit
    return Gf.Camera(Gf.Matrix4d(M.tolist()), Gf.Camera.Perspective,
                     camera.width * focal_length / camera.fx, camera.height * focal_length / camera.fy,
                     0.0, 0.0, focal_length,
                     Gf.Range1f(camera.near_m / meters_per_unit, camera.far_m / meters_per_unit))


def camera_params(camera: Camera, sensor: Mapping[str, Any], meters_per_unit: float = 1.0) -> dict[str, Any]:
    """What the camera_params annotator reports for our camera as scene.stage writes it:
    a pinhole whose focal length is the sensor's, in tenths of a stage unit."""
    focal = camera.fx * sensor["pixel_pitch_um"] * 1e-3 * 0.01 / meters_per_unit
    gf = _gf_camera(camera, focal, meters_per_unit)
    frustum = gf.frustum
    return {
        "cameraAperture": [gf.horizontalAperture, gf.verticalAperture],
        "cameraApertureOffset": [0.0, 0.0],
        "cameraFStop": float(sensor.get("f_number", 0.0)),
        "cameraFisheyeLensP": [], "cameraFisheyeLensS": [], "cameraFisheyeMaxFOV": 0.0,
        "cameraFisheyeNominalHeight": 0, "cameraFisheyeNominalWidth": 0,
        "cameraFisheyeOpticalCentre": [0.0, 0.0], "cameraFisheyePolynomial": [],
        "cameraFocalLength": gf.focalLength,
        "cameraFocusDistance": float(sensor.get("focus_distance_m") or 0.0) / meters_per_unit,
        "cameraModel": "pinhole",
        "cameraNearFar": [gf.clippingRange.min, gf.clippingRange.max],
        "cameraOpenCVFx": 0.0, "cameraOpenCVFy": 0.0,
        "cameraProjection": np.asarray(frustum.ComputeProjectionMatrix()).ravel().tolist(),
        "cameraViewTransform": np.asarray(frustum.ComputeViewMatrix()).ravel().tolist(),
        "metersPerSceneUnit": meters_per_unit,
        "renderProductResolution": [camera.width, camera.height],
    }


def camera_problems(params: Mapping[str, Any], camera: Camera) -> list[str]:
    """Where a camera_params record disagrees with our camera model: one line per
    field naming what it holds and what the model expects (empty: they agree)."""
    missing = [f for f in ("cameraAperture", "cameraApertureOffset", "cameraFocalLength", "cameraModel",
                           "cameraViewTransform", "metersPerSceneUnit", "renderProductResolution") if f not in params]
    if missing:
        return [f"'{f}' missing" for f in missing]
    problems = []
    size = [int(v) for v in params["renderProductResolution"]]
    if size != [camera.width, camera.height]:
        problems.append(f"'renderProductResolution' is {size}, expected {[camera.width, camera.height]}")
    if params["cameraModel"] != "pinhole":
        problems.append(f"'cameraModel' is {params['cameraModel']!r}, expected 'pinhole' (lens distortion is applied "
                        "by our camera model, not by the render)")
    h, v = (float(a) for a in params["cameraAperture"])
    f = float(params["cameraFocalLength"])
    for name, got, want in (("fx", f / h * camera.width if h else np.inf, camera.fx),
                            ("fy", f / v * camera.height if v else np.inf, camera.fy)):
        if not abs(got - want) <= TOLERANCE * want:
            problems.append(f"'cameraFocalLength' / 'cameraAperture' give {name} {got:.6g} px, expected {want:.6g} px")
    offset = [float(o) for o in params["cameraApertureOffset"]]
    if any(abs(o) > TOLERANCE * h for o in offset):
        problems.append(f"'cameraApertureOffset' is {offset}, expected [0, 0] (principal point at the image centre)")
    unit = float(params["metersPerSceneUnit"])
    V = np.asarray(params["cameraViewTransform"], float).reshape(4, 4)
    # Row vectors in stage units: p_usdcam = p_world V; in metres R p + t.
    R, t = V[:3, :3].T, V[3, :3] * unit
    R_want, t_want = R_USDCAM_CV @ camera.R_cam_vehicle, R_USDCAM_CV @ camera.t_cam_vehicle
    if not (np.allclose(R, R_want, atol=TOLERANCE) and np.allclose(t, t_want, atol=TOLERANCE)):
        position = -R.T @ t
        problems.append(f"'cameraViewTransform' puts the camera at {np.round(position, 4).tolist()} m, expected "
                        f"{np.round(camera.position, 4).tolist()} m, or turns it otherwise")
    return problems


def depth_from_distance(distance: np.ndarray, camera: Camera) -> np.ndarray:
    """Z in the OpenCV camera frame (our depth) from distance to the camera centre along
    each pixel's pinhole ray; 0 where there is no surface (0 or not finite)."""
    v, u = np.mgrid[0:camera.height, 0:camera.width]
    x, y = (u - camera.cx) / camera.fx, (v - camera.cy) / camera.fy
    d = np.asarray(distance, np.float64).reshape(camera.height, camera.width)
    d = np.where(np.isfinite(d), d, 0.0)
    return (d / np.sqrt(1.0 + x * x + y * y)).astype(np.float32)


def instance_ids(index: np.ndarray, labels: Sequence[Any], instances: Sequence[Instance]) -> np.ndarray:
    """Our instance ids (SceneView's) from per-pixel indices into `labels`, each a prim
    path or one of NOTHING; nothing is the sky dome's id where the stage has one (the
    embedded renderer gives the sky its own id), else 0. KeyError names a prim the
    stage's instances do not hold."""
    by_prim = {inst.prim: inst.id for inst in instances}
    nothing = by_prim.get(SKY_PRIM, 0)
    lut = np.array([nothing if label in NOTHING else by_prim[str(label)] for label in labels] or [nothing], np.int32)
    return lut[index]


def replicator_index(ids: np.ndarray, id_to_labels: Mapping[str, Any]) -> tuple[np.ndarray, list[Any]]:
    """An instance_id_segmentation array with its idToLabels as per-pixel indices into a label list."""
    present, inverse = np.unique(np.asarray(ids, np.uint32), return_inverse=True)
    labels = [id_to_labels.get(str(int(i)), id_to_labels.get(int(i), "INVALID")) for i in present]
    return inverse.reshape(np.shape(ids)).astype(np.int64), labels


def monochrome(colour: np.ndarray) -> np.ndarray:
    """One band from an RGB(A) render of grey materials under white lights: the mean of
    R, G and B (equal but for the renderer's noise)."""
    return np.asarray(colour, np.float32)[..., :3].mean(axis=-1)


def rtx_buffers(rgb_pass: Mapping[str, Any], nir_pass: Mapping[str, Any], instances: Sequence[Instance],
                camera: Camera, radiance_scale: float) -> Buffers:
    """Buffers (render.buffers) from the annotator data of a frame's two RTX passes:
    each pass {"HdrColor": array, "distance_to_camera": array, "instance_id_segmentation":
    {"data": ids, "idToLabels": {...}}}. HdrColor times `radiance_scale` is taken as
    our radiance units (lux/sr in the RGB pass, W/(m^2 sr) in the NIR pass)."""
    seg = rgb_pass["instance_id_segmentation"]
    index, labels = replicator_index(seg["data"], seg["idToLabels"])
    return Buffers(
        rgb=np.asarray(rgb_pass["HdrColor"], np.float32)[..., :3] * np.float32(radiance_scale),
        nir=monochrome(nir_pass["HdrColor"]) * np.float32(radiance_scale),
        depth=depth_from_distance(rgb_pass["distance_to_camera"], camera),
        instance=instance_ids(index, labels, instances),
    )
