"""Texture images as the renderers sample them: decoded, linear, mipmapped.

A file is read once per process (a small cache keyed by its path, colour space,
size and modification time), decoded to linear values (the sRGB curve undone
where the binding's sourceColorSpace says so, before any filtering) and
reduced into a mip chain by 2 x 2 box averages, kept as float16 with the
file's own channels; lookups expand them as UsdPreviewSurface readers do
(grey g reads as (g, g, g, 1), grey and alpha as (g, g, g, a), RGB as
(r, g, b, 1)). The GL renderer uploads exactly these levels, and `sample` is its
trilinear filtering written out in numpy for the reference renderer, so the
two renderers filter the same numbers.

Files are PNGs (8- or 16-bit) or OpenEXR (half or float, linear: never an sRGB
curve unless a binding asks for one). The sky dome's lat-long files
(cabin_synth.scene.outside) come through the same cache: `sample_latlong` looks
a lat-long map up by direction, as gl.py's sky pass does, at level 0.

`st` follows USD: (0, 0) is the image's lower-left corner, t grows upwards, so
level 0 is stored bottom row first.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from threading import Lock

import numpy as np
from PIL import Image

from ..errors import UserError
from ..scene.materials import srgb_to_linear
from ..scene.outside import read_exr

# UsdUVTexture outputs: the channels they read.
OUTPUTS = {"rgb": (0, 1, 2), "r": (0,), "g": (1,), "b": (2,), "a": (3,)}
# The specification's default wrap, useMetadata, falls back to black: PNGs carry no wrap metadata.
WRAP_DEFAULT = "black"
SUPPORTED_WRAPS = ("repeat", "clamp", "black")
# A lat-long map wraps across longitude (s) and stops at the poles (t).
LATLONG_WRAP = ("repeat", "clamp")
# A roughness texel of 0 would make a mirror of a lobe the pixel cannot resolve: the smallest
# Beckmann m the renderers take from a roughness texture.
MIN_ROUGHNESS_M = 0.01


@dataclass(frozen=True, eq=False)
class MipImage:
    """One decoded texture file: its levels, (h, w, channels) float16, level 0 first, bottom row first."""
    key: str    # the file's path, colour space, size and modification time: one GL texture per key
    levels: tuple[np.ndarray, ...]

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of level 0."""
        return self.levels[0].shape[1], self.levels[0].shape[0]

    @property
    def channels(self) -> int:
        return self.levels[0].shape[2]


# Channels of a file -> which of them each of the four read channels (r, g, b, a) is; -1: one.
EXPAND = {1: (0, 0, 0, -1), 2: (0, 0, 0, 1), 3: (0, 1, 2, -1), 4: (0, 1, 2, 3)}


def expand(values: np.ndarray) -> np.ndarray:
    """(N, channels) texel values -> (N, 4) as UsdPreviewSurface reads them."""
    pick = EXPAND[values.shape[1]]
    return np.stack([values[:, k] if k >= 0 else np.ones(len(values)) for k in pick], axis=1)


@dataclass(frozen=True)
class TextureBinding:
    """How one material input reads a texture (a UsdUVTexture's inputs, resolved)."""
    image: MipImage
    channels: tuple[int, ...]   # OUTPUTS[output]
    scale: tuple[float, float, float, float]
    bias: tuple[float, float, float, float]
    wrap: tuple[str, str]       # wrapS, wrapT, each one of SUPPORTED_WRAPS
    st: str                     # the mesh primvar of texture coordinates


def _halve(a: np.ndarray, axis: int) -> np.ndarray:
    """Box average of pairs along an axis; an odd last sample joins the last pair."""
    n = a.shape[axis]
    if n == 1:
        return a
    pairs = np.add.reduceat(a, np.arange(0, n - n % 2, 2), axis=axis)
    counts = np.full(n // 2, 2.0)
    if n % 2:
        last = [slice(None)] * a.ndim
        last[axis] = slice(n - 1, n)
        edge = [slice(None)] * a.ndim
        edge[axis] = slice(n // 2 - 1, n // 2)
        pairs[tuple(edge)] += a[tuple(last)]
        counts[-1] = 3.0
    shape = [1] * a.ndim
    shape[axis] = n // 2
    return pairs / counts.reshape(shape)


def mip_levels(linear: np.ndarray) -> tuple[np.ndarray, ...]:
    """(h, w, c) linear values -> float16 levels down to 1 x 1 (each level from the float16 one above)."""
    levels = [linear.astype(np.float16)]
    while levels[-1].shape[0] > 1 or levels[-1].shape[1] > 1:
        a = levels[-1].astype(np.float32)
        h, w = a.shape[:2]
        if h % 2 == 0 and w % 2 == 0:    # the usual case, faster than pairing axis by axis
            half = (a[0::2, 0::2] + a[1::2, 0::2] + a[0::2, 1::2] + a[1::2, 1::2]) * np.float32(0.25)
        else:
            half = _halve(_halve(a, 0), 1)
        levels.append(half.astype(np.float16))
    return tuple(levels)


_SRGB_8BIT = srgb_to_linear(np.arange(256) / 255.0).astype(np.float32)


def decode(pixels: np.ndarray, colour_space: str) -> np.ndarray:
    """File pixels (uint8, uint16, or float as OpenEXR holds them) -> (h, w, c) float32 linear
    values, bottom row first, c the file's channels."""
    if pixels.dtype.kind == "f":
        bits = None
    elif pixels.dtype in (np.uint8, np.uint16):
        bits = 16 if pixels.dtype == np.uint16 else 8
    else:
        raise ValueError(f"texture pixels must be uint8, uint16 or float, not {pixels.dtype}")
    a = pixels[::-1] if pixels.ndim == 3 else pixels[::-1, :, None]
    scale = np.float32(1.0 if bits is None else 1.0 / (2 ** bits - 1))
    channels = a.shape[2]
    # auto (the specification): sRGB for 8-bit files of three or four channels. Alpha stays linear.
    if colour_space == "sRGB" or (colour_space == "auto" and bits == 8 and channels in (3, 4)):
        colour = 1 if channels in (1, 2) else 3
        out = np.empty(a.shape, np.float32)
        out[..., :colour] = _SRGB_8BIT[a[..., :colour]] if bits == 8 else srgb_to_linear(a[..., :colour] * scale)
        out[..., colour:] = a[..., colour:] * scale
        return out
    return a.astype(np.float32) * scale


_CACHE: "OrderedDict[tuple, MipImage]" = OrderedDict()
# A frame of the default preset reads about 35 files (the furnished cabin's, the dome's, the
# driver's skin, hair-card, brow, lash and eye maps): room for two drivers' worth, so that
# consecutive frames never decode a file again.
_CACHE_SIZE = 96
_LOCK = Lock()


def load(path: str, colour_space: str, where: str) -> MipImage:
    """The file at a resolved asset path as a MipImage (cached); `where` names the shader for errors."""
    try:
        stat = Path(path).stat()
    except OSError as exc:
        raise UserError(f"cannot read the texture of {where} ({exc})", file=path) from None
    key = (path, colour_space, stat.st_size, stat.st_mtime_ns)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    try:
        if Path(path).suffix.lower() == ".exr":
            pixels = read_exr(path)
        else:
            with Image.open(path) as im:
                pixels = np.array(im)
    except (OSError, RuntimeError) as exc:
        raise UserError(f"cannot decode the texture of {where} ({exc}); expected a PNG or an OpenEXR file",
                        file=path) from None
    if pixels.dtype == np.int32:   # Pillow's 16-bit grey ('I;16' opened as 'I')
        pixels = pixels.astype(np.uint16)
    image = MipImage("|".join(map(str, key)), mip_levels(decode(pixels, colour_space)))
    with _LOCK:
        _CACHE[key] = image
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return image


def _wrap(i: np.ndarray, n: int, mode: str) -> tuple[np.ndarray, np.ndarray]:
    """Texel indices wrapped into 0..n-1, and which count (black: texels outside the image are zero)."""
    if mode == "repeat":
        return np.mod(i, n), np.ones(i.shape, bool)
    inside = (i >= 0) & (i < n) if mode == "black" else np.ones(i.shape, bool)
    return np.clip(i, 0, n - 1), inside


def _bilinear(level: np.ndarray, uv: np.ndarray, wrap: tuple[str, str]) -> np.ndarray:
    h, w = level.shape[:2]
    x, y = uv[:, 0] * w - 0.5, uv[:, 1] * h - 0.5
    x0, y0 = np.floor(x).astype(np.int64), np.floor(y).astype(np.int64)
    fx, fy = (x - x0)[:, None], (y - y0)[:, None]
    out = np.zeros((len(uv), level.shape[2]))
    for dx, dy, weight in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)), (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
        ix, in_x = _wrap(x0 + dx, w, wrap[0])
        iy, in_y = _wrap(y0 + dy, h, wrap[1])
        out += weight * (in_x & in_y)[:, None] * level[iy, ix].astype(np.float64)
    return out


def latlong_st(directions: np.ndarray) -> np.ndarray:
    """st (N, 2) of unit directions (N, 3) in a lat-long map's frame (Y up, UsdLux
    DomeLight and OpenEXR layout: longitude atan2(x, z) from +pi at the left edge,
    latitude asin(y) from +pi/2 at the top row, so t = 1 at the zenith)."""
    lat = np.arcsin(np.clip(directions[:, 1], -1.0, 1.0))
    lon = np.arctan2(directions[:, 0], directions[:, 2])
    return np.stack([(np.pi - lon) / (2.0 * np.pi), (0.5 * np.pi + lat) / np.pi], axis=1)


def sample_latlong(image: MipImage, directions: np.ndarray) -> np.ndarray:
    """(N, 4) values of a lat-long map at unit directions (N, 3) of its frame, as gl.py's
    sky pass reads them: bilinear at level 0, wrapped across longitude, clamped at the poles."""
    return expand(_bilinear(image.levels[0], latlong_st(directions), LATLONG_WRAP))


def sample(binding: TextureBinding, uv: np.ndarray, uv_dx: np.ndarray, uv_dy: np.ndarray) -> np.ndarray:
    """(N, len(channels)) values of a binding at texture coordinates uv (N, 2), whose change
    per pixel is uv_dx and uv_dy: GL's trilinear filtering (LINEAR_MIPMAP_LINEAR, level of
    detail log2 of the longer pixel step in level-0 texels), then scale and bias."""
    levels = binding.image.levels
    size = np.array(binding.image.size, float)
    rho = np.maximum(np.linalg.norm(uv_dx * size, axis=1), np.linalg.norm(uv_dy * size, axis=1))
    lod = np.clip(np.log2(np.maximum(rho, 1e-12)), 0.0, len(levels) - 1)
    lo = np.floor(lod).astype(int)
    frac = (lod - lo)[:, None]
    out = np.zeros((len(uv), binding.image.channels))
    for k in np.unique(lo):
        sel = lo == k
        a = _bilinear(levels[k], uv[sel], binding.wrap)
        b = _bilinear(levels[min(k + 1, len(levels) - 1)], uv[sel], binding.wrap)
        out[sel] = a + frac[sel] * (b - a)
    out = expand(out) * np.asarray(binding.scale) + np.asarray(binding.bias)
    return out[:, list(binding.channels)]


def cut_away(binding: TextureBinding, threshold: float, uv: np.ndarray) -> np.ndarray:
    """(N,) where an alpha-tested cut-out has no surface at texture coordinates uv (N, 2): its
    opacity below the threshold (UsdPreviewSurface opacityThreshold), read bilinearly at level 0
    as gl.py reads it. Level 0 at every distance: mip levels' averages would erode thin strands
    as a card recedes (the known fault of alpha-tested foliage), and one fixed level lets the
    labels' ray casts test exactly what the renderers draw."""
    value = expand(_bilinear(binding.image.levels[0], uv, binding.wrap)) * np.asarray(binding.scale) + np.asarray(binding.bias)
    return value[:, binding.channels[0]] < threshold


def tangent_frames(points: np.ndarray, normals: np.ndarray, uv: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """(V, 4) per-vertex tangents of texture coordinates: xyz the unit direction of
    increasing s in the surface (orthogonal to the normal), w = +-1 the handedness, so
    that the direction of increasing t is w (normal x tangent). Tangent-space normal
    maps are read in this frame (x along s, y along t, z along the normal)."""
    p = points.astype(np.float64)
    e1, e2 = p[tris[:, 1]] - p[tris[:, 0]], p[tris[:, 2]] - p[tris[:, 0]]
    d1, d2 = uv[tris[:, 1]] - uv[tris[:, 0]], uv[tris[:, 2]] - uv[tris[:, 0]]
    det = d1[:, 0] * d2[:, 1] - d2[:, 0] * d1[:, 1]
    ok = np.abs(det) > 1e-14
    inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)[:, None]
    # Per triangle dP/ds and dP/dt, weighted by the triangle's area in st (|det|).
    ds = (e1 * d2[:, 1:2] - e2 * d1[:, 1:2]) * inv * np.abs(det)[:, None]
    dt = (e2 * d1[:, 0:1] - e1 * d2[:, 0:1]) * inv * np.abs(det)[:, None]
    n = len(points)
    acc_s, acc_t = np.zeros((n, 3)), np.zeros((n, 3))
    for k in range(3):
        for j in range(3):
            acc_s[:, j] += np.bincount(tris[:, k], weights=ds[:, j], minlength=n)
            acc_t[:, j] += np.bincount(tris[:, k], weights=dt[:, j], minlength=n)
    nrm = normals.astype(np.float64)
    t = acc_s - nrm * np.einsum("ij,ij->i", acc_s, nrm)[:, None]
    length = np.linalg.norm(t, axis=1, keepdims=True)
    t = np.where(length > 1e-12, t / np.maximum(length, 1e-12), 0.0)
    w = np.where(np.einsum("ij,ij->i", np.cross(nrm, t), acc_t) < 0.0, -1.0, 1.0)
    return np.column_stack([t, w]).astype(np.float32)
