"""The RGB camera's noise reduction, as its image signal processor runs it after
white balance and before the tone curve.

A colour camera's ISP knows its sensor's noise (a noise profile calibrated per
gain) and removes noise in proportion to it: strongly in chroma, where a little
blur goes unseen, lightly in luma, where edges and texture live. Without it a
high-gain frame under a coloured light keeps the blue channel's noise
multiplied by the white-balance gain (4.5x under sodium lamps), which no
camera's output shows.

Here the noise profile is the sensor model's own: each channel's variance in
output units is (electrons + read noise^2) times (level per electron / white)^2,
with the electrons box-averaged as an ISP reads the signal level off its
neighbourhood. Luma (Rec. 709 weights on the linear channels) goes through a
self-guided filter (He, Sun and Tang, "Guided Image Filtering", TPAMI 2013)
whose epsilon is the local luma noise variance: where the neighbourhood varies
no more than the noise it is averaged, where it varies more (an edge, a
texture) it passes. The two colour differences (R - Y, B - Y) go through the
same filter guided by the denoised luma, over a wider window and with a larger
epsilon, so that chroma is smoothed everywhere but across luma's edges. The
means are kept: the filter is an average of local affine fits.
"""

import numpy as np
from scipy.ndimage import uniform_filter

LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)
LUMA_RADIUS, CHROMA_RADIUS = 2, 4     # 5 x 5 and 9 x 9 windows
CHROMA_EPS = 4.0                      # chroma's epsilon, in luma noise variances: it follows only clear edges
LEVEL_RADIUS = 2                      # the neighbourhood the signal level is read from


def _box(x: np.ndarray, radius: int) -> np.ndarray:
    """Mean over a (2 radius + 1)^2 window of each image plane (channels kept apart)."""
    size = (2 * radius + 1,) * 2 + (1,) * (x.ndim - 2)
    return uniform_filter(x, size=size, mode="reflect")


def guided(guide: np.ndarray, sources: list[np.ndarray], radius: int, eps: np.ndarray) -> list[np.ndarray]:
    """He et al.'s guided filter of each of `sources` by `guide` (all (H, W)) with a
    per-pixel epsilon; the guide's window statistics are shared (with a source that is the
    guide itself too)."""
    mean_i = _box(guide, radius)
    square_i = _box(guide * guide, radius)
    var = square_i - mean_i * mean_i + eps
    out = []
    for source in sources:
        itself = source is guide
        mean_p = mean_i if itself else _box(source, radius)
        a = ((square_i if itself else _box(guide * source, radius)) - mean_i * mean_p) / var
        out.append(_box(a, radius) * guide + _box(mean_p - a * mean_i, radius))
    return out


def denoise(level: np.ndarray, electrons: np.ndarray, read_noise_e: float, per_electron: np.ndarray) -> np.ndarray:
    """level (H, W, 3): white-balanced linear output; electrons (H, W, 3): the noisy raw
    electrons it came from; per_electron (3,): output units per electron of each channel
    (gain / full well / white). Returns the denoised level, same shape."""
    level = level.astype(np.float32)
    signal = np.maximum(_box(electrons.astype(np.float32), LEVEL_RADIUS), 0.0)
    variance = (signal + np.float32(read_noise_e ** 2)) * (per_electron.astype(np.float32) ** 2)
    luma = level @ LUMA
    luma_noise = _box(variance @ (LUMA ** 2), LUMA_RADIUS)
    luma_out, = guided(luma, [luma], LUMA_RADIUS, luma_noise)
    red, blue = (luma_out + c for c in guided(luma_out, [level[..., 0] - luma, level[..., 2] - luma],
                                              CHROMA_RADIUS, CHROMA_EPS * luma_noise))
    green = (luma_out - LUMA[0] * red - LUMA[2] * blue) / LUMA[1]
    return np.stack([red, green, blue], axis=-1)
