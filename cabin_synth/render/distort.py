"""Lens distortion for rasterisers, which can only draw pinhole images.

Render an undistorted pinhole image wide enough to hold every pixel of the
distorted image, then pull each output pixel from where the lens model says its
ray lands: radiance bilinearly, depth and instance ids by nearest neighbour
(interpolating them would invent surfaces and ids). The mapping is
cabin_synth.scene.distortion, the same model Camera.project applies to the labels.
"""

import math
from dataclasses import replace
from functools import lru_cache

import numpy as np

from ..scene.camera import Camera
from ..scene.distortion import undistort
from .buffers import Buffers
from .view import SceneView

# The wide image is at most this many times the output size per axis; beyond it
# (very wide fisheyes) its focal length shrinks instead.
MAX_SCALE = 3.0
MARGIN_PX = 2


def _undistorted_pixels(camera: Camera) -> tuple[np.ndarray, np.ndarray]:
    """Normalised undistorted coordinates (x, y) of every output pixel centre, (H, W) each."""
    v, u = np.mgrid[0:camera.height, 0:camera.width].astype(float)
    return undistort(camera.distortion_model, camera.distortion_coeffs,
                     (u - camera.cx) / camera.fx, (v - camera.cy) / camera.fy)


@lru_cache(maxsize=8)
def _plan(camera_key: tuple) -> tuple[tuple, np.ndarray, np.ndarray]:
    width, height, fx, fy, cx, cy, model, coeffs = camera_key
    cam = Camera(width, height, fx, fy, cx, cy, np.eye(3), np.zeros(3), distortion_model=model,
                 distortion_coeffs=coeffs)
    x, y = _undistorted_pixels(cam)
    # Wide pinhole with the output's focal length (same sampling at the centre), sized
    # to cover the undistorted extent, principal point placed to keep it tight.
    scale = min(1.0, MAX_SCALE * width / (fx * (x.max() - x.min()) + 1), MAX_SCALE * height / (fy * (y.max() - y.min()) + 1))
    wfx, wfy = fx * scale, fy * scale
    left, top = wfx * x.min(), wfy * y.min()
    wcx, wcy = MARGIN_PX - left, MARGIN_PX - top
    if scale == 1.0:
        # Whole-pixel offset between the two grids: near the centre, where the lens is
        # nearly a pinhole, nearest-neighbour sampling then lands on pixel centres
        # instead of shifting the image by a constant fraction of a pixel.
        wcx, wcy = cx + math.ceil(wcx - cx), cy + math.ceil(wcy - cy)
    ww = int(np.ceil(wfx * x.max() + wcx)) + MARGIN_PX + 1
    wh = int(np.ceil(wfy * y.max() + wcy)) + MARGIN_PX + 1
    return (ww, wh, wfx, wfy, wcx, wcy), wfx * x + wcx, wfy * y + wcy


def wide_camera(camera: Camera) -> tuple[Camera, np.ndarray, np.ndarray]:
    """The pinhole camera to render, and for every output pixel its (u, v) in that render."""
    key = (camera.width, camera.height, camera.fx, camera.fy, camera.cx, camera.cy,
           camera.distortion_model, tuple(camera.distortion_coeffs))
    (ww, wh, wfx, wfy, wcx, wcy), mu, mv = _plan(key)
    wide = replace(camera, width=ww, height=wh, fx=wfx, fy=wfy, cx=wcx, cy=wcy,
                   distortion_model="none", distortion_coeffs=())
    return wide, mu, mv


def remap(buffers: Buffers, mu: np.ndarray, mv: np.ndarray) -> Buffers:
    h, w = buffers.depth.shape
    inside = (mu >= -0.5) & (mu < w - 0.5) & (mv >= -0.5) & (mv < h - 0.5)
    ni = np.clip(np.rint(mu).astype(int), 0, w - 1)
    nj = np.clip(np.rint(mv).astype(int), 0, h - 1)
    u0 = np.clip(np.floor(mu).astype(int), 0, w - 2)
    v0 = np.clip(np.floor(mv).astype(int), 0, h - 2)
    a = np.clip(mu - u0, 0.0, 1.0)[..., None]
    b = np.clip(mv - v0, 0.0, 1.0)[..., None]

    def bilinear(img):
        im = img if img.ndim == 3 else img[..., None]
        out = ((1 - a) * (1 - b) * im[v0, u0] + a * (1 - b) * im[v0, u0 + 1]
               + (1 - a) * b * im[v0 + 1, u0] + a * b * im[v0 + 1, u0 + 1])
        out = np.where(inside[..., None], out, 0.0).astype(np.float32)
        return out if img.ndim == 3 else out[..., 0]

    return Buffers(rgb=bilinear(buffers.rgb), nir=bilinear(buffers.nir),
                   depth=np.where(inside, buffers.depth[nj, ni], 0.0).astype(np.float32),
                   instance=np.where(inside, buffers.instance[nj, ni], 0).astype(np.int32),
                   nir_illuminators=None if buffers.nir_illuminators is None else bilinear(buffers.nir_illuminators))


def render(renderer, view: SceneView, stage=None, sampling_seed: int = 0) -> Buffers:
    """renderer.render(view, stage, sampling_seed) through the view camera's lens distortion."""
    if view.camera.distortion_model == "none":
        return renderer.render(view, stage, sampling_seed)
    wide, mu, mv = wide_camera(view.camera)
    return remap(renderer.render(replace(view, camera=wide), stage, sampling_seed), mu, mv)
