"""The camera's lens between the scene's radiance and the sensor: defocus,
vignetting and lateral chromatic aberration.

All three act on radiance (W/m^2/sr in NIR, lux/sr in RGB) before the sensor
turns it into electrons, so the sensor's shot noise is drawn on what each pixel
really receives. Depth, instance ids and segmentation stay as rendered: they
are the geometry's truth, not an image. Physics, parameters and sources:
docs/sensors.md (Optics).
"""

import math
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.ndimage import affine_transform, maximum_filter, zoom
from scipy.optimize import brentq

from ..render.buffers import Buffers
from ..scene.camera import Camera
from ..scene.distortion import undistort

# A fixed-focus DMS lens is focused inside the driver's working range
# (docs/sensors.md, Optics); used when the preset's sensor names none.
DEFAULT_FOCUS_DISTANCE_M = 0.6
# Blur discs are cut at this radius, which only a surface a few centimetres from
# the lens reaches (docs/sensors.md, Defocus).
MAX_BLUR_RADIUS_PX = 16.0
# Discs up to this radius are spread pixel by pixel; wider ones on a coarser grid.
FINE_RADIUS_PX = 3.0
# Discs up to this radius (reaching the 8 neighbours) are spread over shifted views
# of the whole image; the fewer, wider ones source by source.
DENSE_RADIUS_PX = 1.5
# Depth standing for "no surface" (depth 0) where surfaces are compared: behind all.
NO_SURFACE_M = 1e6
# A coarse cell whose nearest surface is farther than the pixel by more than this
# fraction is behind it (a continuous surface changes less across one cell).
DEPTH_TOLERANCE = 0.05


def focus_distance_m(sensor: Mapping[str, Any]) -> float:
    return float(sensor.get("focus_distance_m", DEFAULT_FOCUS_DISTANCE_M))


def blur_diameter_px(depth_m: np.ndarray, sensor: Mapping[str, Any]) -> np.ndarray:
    """Thin-lens circle of confusion on the sensor, pixels, of points at camera-frame
    depth Z (0 = no surface, taken as infinitely far):
    c = f^2 / (N (s - f)) |Z - s| / Z, with s the focus distance."""
    f = sensor["focal_length_mm"] * 1e-3
    s = focus_distance_m(sensor)
    far = f * f / (sensor["f_number"] * (s - f)) / (sensor["pixel_pitch_um"] * 1e-6)
    z = np.asarray(depth_m, np.float32)
    ratio = np.where(z > 0, np.abs(z - np.float32(s)) / np.where(z > 0, z, 1), np.float32(1))
    return (np.float32(far) * ratio).astype(np.float32)


def _disc_offsets(reach: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integer offsets (dy, dx) with |offset| < reach, nearest first, and their lengths."""
    n = int(math.ceil(reach))
    dy, dx = np.mgrid[-n:n + 1, -n:n + 1]
    dist = np.hypot(dy, dx).ravel()
    keep = np.flatnonzero(dist < reach)
    order = keep[np.argsort(dist[keep], kind="stable")]
    return dy.ravel()[order], dx.ravel()[order], dist[order]


@lru_cache(maxsize=1)
def _disc_area_table() -> tuple[np.ndarray, np.ndarray]:
    """(radius, sum over pixels of a disc's edge-smoothed weights) at every breakpoint.

    A disc of radius r puts weight clip(r + 1/2 - |o|, 0, 1) on the pixel at offset
    o: each term is linear in r between |o| - 1/2 and |o| + 1/2, so the sum is
    piecewise linear and interpolating it between those breakpoints is exact."""
    _, _, dist = _disc_offsets(MAX_BLUR_RADIUS_PX + 1.5)
    radii = np.unique(np.concatenate([[0.0, MAX_BLUR_RADIUS_PX], np.clip(dist - 0.5, 0, None), dist + 0.5]))
    radii = radii[radii <= MAX_BLUR_RADIUS_PX + 1e-9]
    area = np.clip(radii[:, None] + 0.5 - dist[None, :], 0.0, 1.0).sum(axis=1)
    return radii, area


def defocus(image: np.ndarray, depth_m: np.ndarray, radius_px: np.ndarray) -> np.ndarray:
    """Depth-aware defocus of an (H, W, C) radiance image by per-pixel blur radii.

    Every pixel spreads its radiance over a uniform disc (the thin-lens point
    spread function of a round aperture) of its own radius, with edges smoothed
    over one pixel so that the blur grows continuously with the radius. Each
    pixel's result is the weighted mean of what lands on it. A source behind the
    receiving pixel spreads onto it only as far as the receiver's own disc
    reaches, so a blurred background never washes over a sharp foreground, while
    a blurred foreground still spreads over what lies behind it. Where the
    foreground hides the background, the background next to its edge is the
    mean of the background pixels that reach it (what the lens would see past
    the edge is not in the buffers). Pixels whose disc is smaller than a pixel
    (radius <= 1/2) and that no wider disc reaches are returned unchanged.

    Discs wider than FINE_RADIUS_PX are spread on a grid coarsened 2^k times so
    that their radius there is at most FINE_RADIUS_PX (the cost per pixel stays
    bounded), and brought back by bilinear interpolation over the coarse cells
    that are not behind the pixel."""
    h, w, c = image.shape
    r = np.minimum(np.asarray(radius_px, np.float32), np.float32(MAX_BLUR_RADIUS_PX))
    if not (r > 0.5).any():
        return image
    z = np.where(depth_m > 0, depth_m, NO_SURFACE_M).astype(np.float32)
    level = np.maximum(0, np.ceil(np.log2(np.maximum(r, 1e-6) / FINE_RADIUS_PX))).astype(np.int8)
    fine = level == 0
    inv_area = _inv_disc_area(r)
    self_w = np.where(fine, np.clip(r + np.float32(0.5), 0, 1) * inv_area, 0).astype(np.float32)
    acc = image * self_w[..., None]
    total = self_w.copy()
    # The many narrow discs over shifted views of the image, the few wider ones source by source.
    narrow = fine & (r > 0.5) & (r <= DENSE_RADIUS_PX)
    _spread_fine(acc, total, image, z, r, np.where(narrow, inv_area, 0).astype(np.float32))
    acc, total = acc.reshape(-1, c), total.ravel()
    wider = np.flatnonzero((fine & (r > DENSE_RADIUS_PX)).ravel())
    _scatter(acc, total, (h, w), wider, image.reshape(-1, c)[wider], inv_area.ravel()[wider], r.ravel()[wider],
             z.ravel()[wider], z.ravel(), r.ravel(), with_self=False)
    for k in range(1, int(level.max()) + 1):
        if (level == k).any():
            _add_upsampled(acc, total, *_coarse_scatter(image, z, r, level == k, 2**k), z, r, 2**k)
    return (acc / total[:, None]).reshape(h, w, c).astype(np.float32)


def _spread_fine(acc, total, image, z, r, weight) -> None:
    """Add the discs of the pixels with a nonzero `weight` (1 / their disc's area) to
    `acc` (H, W, C) and `total` (H, W), one offset at a time over shifted views of
    the whole region they reach, each pixel receiving as described in defocus()."""
    rows, cols = np.nonzero(weight)
    if not len(rows):
        return
    h, w = r.shape
    dys, dxs, dists = _disc_offsets(float(r[rows, cols].max()) + 0.5)
    y0, y1, x0, x1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    for dy, dx, dist in zip(dys[1:], dxs[1:], dists[1:]):
        sy = slice(max(y0, -dy), min(y1, h - dy))
        sx = slice(max(x0, -dx), min(x1, w - dx))
        ty, tx = slice(sy.start + dy, sy.stop + dy), slice(sx.start + dx, sx.stop + dx)
        src_r, recv_r = r[sy, sx], r[ty, tx]
        extent = np.where(z[sy, sx] > z[ty, tx], np.minimum(src_r, recv_r), src_r)
        share = np.clip(extent + np.float32(0.5 - dist), 0, 1) * weight[sy, sx]
        acc[ty, tx] += image[sy, sx] * share[..., None]
        total[ty, tx] += share


def _inv_disc_area(r: np.ndarray) -> np.ndarray:
    radii, area = _disc_area_table()
    return (1.0 / np.interp(r, radii, area)).astype(np.float32)


def _scatter(acc, total, shape, index, colour, weight, src_r, src_z, recv_z, recv_r, with_self: bool,
             behind=None) -> None:
    """Add each source's disc (flat pixel `index`, (n, C) `colour`, total `weight`,
    radius, depth) to `acc` (N, C) and `total` (N,) of an image of `shape`;
    receivers have depths `recv_z` and radii `recv_r` (N,). With `behind` (acc,
    total, weight times depth), what lands on a receiver from behind it goes there."""
    if not len(index):
        return
    h, w = shape
    # Sources in half-pixel classes of radius, widest first, in raster order within
    # a class: those reaching an offset are a prefix (plus a few of the next class,
    # whose weight there is 0), and memory is walked in order.
    order = np.argsort(-np.floor(2 * src_r), kind="stable")
    index, colour, weight, src_r, src_z = index[order], colour[order], weight[order], src_r[order], src_z[order]
    colour = colour * weight[:, None]
    sy, sx = np.divmod(index, w)
    dys, dxs, dists = _disc_offsets(float(src_r[0]) + 0.5)
    reaching = np.searchsorted(-np.floor(2 * src_r), -np.floor(2 * (dists - 0.5)), side="right")
    # Sources whose every disc pixel is inside the image need no bounds check.
    reach_px = int(np.abs(dys).max())
    border = (sy < reach_px) | (sy >= h - reach_px) | (sx < reach_px) | (sx >= w - reach_px)
    first = 0 if with_self else 1
    for dy, dx, dist, n in zip(dys[first:], dxs[first:], dists[first:], reaching[first:]):
        source = np.flatnonzero(~border[:n] | ((sy[:n] + dy >= 0) & (sy[:n] + dy < h)
                                               & (sx[:n] + dx >= 0) & (sx[:n] + dx < w))) \
            if border[:n].any() else np.arange(n)
        target = index[source] + (dy * w + dx)
        back = src_z[source] > recv_z[target]
        reach = np.where(back, np.minimum(src_r[source], recv_r[target]), src_r[source])
        share = np.clip(reach + np.float32(0.5 - dist), 0, 1)
        # Each source lands on a different pixel at one offset: no index repeats.
        if behind is None:
            acc[target] += colour[source] * share[:, None]
            total[target] += weight[source] * share
            continue
        for into, sel in (((acc, total, None), ~back), (behind, back)):
            t, sh, src = target[sel], share[sel], source[sel]
            into[0][t] += colour[src] * sh[:, None]
            into[1][t] += weight[src] * sh
            if into[2] is not None:
                into[2][t] += weight[src] * sh * src_z[src]


def _blocks(a: np.ndarray, s: int, fill) -> np.ndarray:
    """(H, W, ...) -> (H/s, W/s, s*s, ...), padded with `fill` to whole blocks."""
    h, w = a.shape[:2]
    hp, wp = -(-h // s) * s, -(-w // s) * s
    pad = [(0, hp - h), (0, wp - w)] + [(0, 0)] * (a.ndim - 2)
    a = np.pad(a, pad, constant_values=fill)
    a = a.reshape(hp // s, s, wp // s, s, *a.shape[2:]).swapaxes(1, 2)
    return a.reshape(hp // s, wp // s, s * s, *a.shape[4:])


def _coarse_scatter(image, z, r, band, s):
    """Spread the pixels of `band` on a grid of s x s cells: each cell holding some is
    a source of their mean colour, radius and depth at its centre, weighted by
    their share of the cell; each cell receives as its nearest pixel. Works on the
    part of the image the band's discs can reach. Returns (acc, total, receiver
    depth) per cell of what reached it from its nearest surface or in front of it,
    the same for what reached it from behind (with the mean depth it came from),
    and the pixel (row, column) where the cells start."""
    rows, cols = np.nonzero(band)
    margin = s * (int(math.ceil(FINE_RADIUS_PX)) + 2)
    y0, x0 = max(0, (rows.min() - margin) // s * s), max(0, (cols.min() - margin) // s * s)
    y1, x1 = rows.max() + 1 + margin, cols.max() + 1 + margin
    image, z, r, band = image[y0:y1, x0:x1], z[y0:y1, x0:x1], r[y0:y1, x0:x1], band[y0:y1, x0:x1]
    count = _blocks(band, s, False).sum(axis=2).astype(np.float32)
    shape = count.shape
    cells = np.flatnonzero(count.ravel())
    n = np.maximum(count, 1)

    def mean(a):
        return (_blocks(np.where(band, a, 0), s, 0).sum(axis=2) / n).ravel()[cells]

    colour = (_blocks(image * band[..., None], s, 0).sum(axis=2) / n[..., None]).reshape(-1, image.shape[2])[cells]
    # Averaging into cells and interpolating back widen a disc by the second moment
    # of an s-wide box and an s-wide tent, s^2 / 2 in all (a disc's is r^2 / 2):
    # spread the cell over a disc that much narrower.
    src_r = np.sqrt(np.maximum(mean(r * r) - s * s, 0)) / s
    zb = _blocks(z, s, NO_SURFACE_M)
    nearest = np.argmin(zb, axis=2)
    recv_z = np.take_along_axis(zb, nearest[..., None], axis=2)[..., 0]
    recv_r = np.take_along_axis(_blocks(r, s, 0), nearest[..., None], axis=2)[..., 0] / s
    front = (np.zeros((count.size, image.shape[2]), np.float32), np.zeros(count.size, np.float32))
    back = front[0].copy(), front[1].copy(), np.zeros(count.size, np.float32)
    weight = (count.ravel() / (s * s))[cells] * _inv_disc_area(src_r)
    _scatter(*front, shape, cells, colour, weight, src_r, mean(z), recv_z.ravel(), recv_r.ravel(), with_self=True,
             behind=back)
    # Mean depth of what came from behind (0 where nothing did: no gate to pass).
    back_z = np.divide(back[2], back[1], out=np.zeros_like(back[1]), where=back[1] > 0)
    return ((front[0].reshape(*shape, -1), front[1].reshape(shape), recv_z),
            (back[0].reshape(*shape, -1), back[1].reshape(shape), back_z.reshape(shape)), (y0, x0))


def _add_upsampled(acc, total, front, back, origin, z, r, s) -> None:
    """Add coarse-cell results to every pixel by bilinear interpolation between cell
    centres. A pixel whose own disc spans a cell takes everything (as at full
    resolution, where a source behind a pixel reaches it within the pixel's own
    disc). Any other pixel takes what a cell received from in front of the cell's
    nearest surface unless that surface lies behind the pixel, and what it
    received from behind only if the pixel lies as far back as where that came
    from: a blurred background reaches no sharp foreground pixel next to it or in
    its cell."""
    h, w = z.shape
    ch, cw = front[1].shape
    y0, x0 = origin
    v1, u1 = min(h, y0 + ch * s), min(w, x0 + cw * s)
    zone = np.s_[y0:v1, x0:u1]
    limit = z[zone] * np.float32(1 + DEPTH_TOLERANCE)      # depths not behind the pixel
    wide = r[zone] >= s

    def smooth(cells):      # bilinear between cell centres over the zone (scipy's grid mode: the same mapping)
        return zoom(cells, s, order=1, grid_mode=True, mode="nearest")[:v1 - y0, :u1 - x0]

    # Everywhere but at depth edges every tap passes both gates: plain interpolation.
    colour = front[0] + back[0]
    num = np.stack([smooth(colour[..., k]) for k in range(colour.shape[2])], axis=2)
    den = smooth(front[1] + back[1])

    def nearby_max(cells):  # the most any of a pixel's four taps can hold (3 x 3 cells round its own)
        return np.repeat(np.repeat(maximum_filter(cells, size=3, mode="nearest"), s, 0), s, 1)[:v1 - y0, :u1 - x0]

    # At depth edges: each tap's share by its gates, renormalised over the taps kept.
    ev, eu = np.nonzero(((nearby_max(front[2]) > limit) | (nearby_max(back[2]) > limit)) & ~wide)
    cv, cu = (ev + 0.5) / s - 0.5, (eu + 0.5) / s - 0.5
    iv, iu = np.floor(cv).astype(np.int64), np.floor(cu).astype(np.int64)
    b, a = (cv - iv).astype(np.float32), (cu - iu).astype(np.float32)
    e_num = np.zeros((len(ev), colour.shape[2]), np.float32)
    e_den = np.zeros(len(ev), np.float32)
    norm = np.zeros(len(ev), np.float32)
    for dv, wv in ((0, 1 - b), (1, b)):
        for du, wu in ((0, 1 - a), (1, a)):
            ci, cj = np.clip(iv + dv, 0, ch - 1), np.clip(iu + du, 0, cw - 1)
            wt = np.where(front[2][ci, cj] <= limit[ev, eu], wv * wu, np.float32(0))
            wb = np.where(back[2][ci, cj] <= limit[ev, eu], wt, np.float32(0))
            e_num += front[0][ci, cj] * wt[:, None] + back[0][ci, cj] * wb[:, None]
            e_den += front[1][ci, cj] * wt + back[1][ci, cj] * wb
            norm += wt
    scale = np.float32(1) / np.maximum(norm, np.float32(1e-12))
    num[ev, eu] = e_num * scale[:, None]
    den[ev, eu] = e_den * scale
    acc.reshape(h, w, -1)[zone] += num
    total.reshape(h, w)[zone] += den


def _mechanical_factor(theta: np.ndarray, onset_deg: float, half_deg: float) -> np.ndarray:
    """Share of the entrance pupil left by the lens barrel at field angle theta.

    Two-circle model: seen from an off-axis point, the front opening of the barrel
    (radius R, in pupil radii) slides across the pupil (radius 1) by D tan(theta).
    Clipping starts when D tan(onset) = R - 1 and half the pupil is left at
    `half_deg`; R and D follow from those two angles."""
    t0, th = math.tan(math.radians(onset_deg)), math.tan(math.radians(half_deg))

    def half_shift(radius: float) -> float:    # centre distance at which half the pupil is covered
        return brentq(lambda d: float(_overlap(radius, d)) - 0.5 * math.pi, radius - 1.0, radius + 1.0)

    radius = brentq(lambda r: (r - 1.0) * th / t0 - half_shift(r), 1.0 + 1e-9, 1e8)
    shift = (radius - 1.0) / t0 * np.tan(theta)
    return _overlap(radius, shift) / math.pi


def _overlap(big: float, d):
    """Area shared by a circle of radius `big` >= 1 and a unit circle, centres d apart."""
    d = np.asarray(d, float)
    inside = d <= big - 1.0
    apart = d >= big + 1.0
    dd = np.clip(d, big - 1.0 + 1e-12, big + 1.0 - 1e-12)
    a = np.arccos(np.clip((dd**2 + 1.0 - big**2) / (2 * dd), -1, 1))
    b = np.arccos(np.clip((dd**2 + big**2 - 1.0) / (2 * dd * big), -1, 1))
    kite = (-dd + 1 + big) * (dd + 1 - big) * (dd - 1 + big) * (dd + 1 + big)
    lens = a + big**2 * b - 0.5 * np.sqrt(np.clip(kite, 0, None))
    return np.where(inside, math.pi, np.where(apart, 0.0, lens))


def _camera_key(camera: Camera) -> tuple:
    return (camera.width, camera.height, camera.fx, camera.fy, camera.cx, camera.cy,
            camera.distortion_model, tuple(camera.distortion_coeffs))


@lru_cache(maxsize=8)
def _field(camera_key: tuple) -> tuple[np.ndarray, np.ndarray]:
    """(field angle theta, |d(x, y)/d(u, v)| fx fy) of every pixel: x, y are the
    undistorted normalised coordinates of the pixel's ray."""
    width, height, fx, fy, cx, cy, model, coeffs = camera_key
    v, u = np.mgrid[0:height, 0:width].astype(float)
    x, y = undistort(model, coeffs, (u - cx) / fx, (v - cy) / fy)
    if model == "none":
        jacobian = np.ones_like(x)
    else:
        xv, xu = np.gradient(x, edge_order=2)
        yv, yu = np.gradient(y, edge_order=2)
        jacobian = np.abs(xu * yv - xv * yu) * fx * fy
    return np.arctan(np.hypot(x, y)), jacobian


@lru_cache(maxsize=8)
def _relative_illumination(camera_key: tuple, natural: bool, onset_deg: float | None,
                           half_deg: float | None) -> np.ndarray:
    theta, jacobian = _field(camera_key)
    ri = np.ones_like(theta)
    if natural:
        ri = jacobian * np.cos(theta) ** 4
    if onset_deg is not None:
        ri = ri * _mechanical_factor(theta, onset_deg, half_deg)
    return ri.astype(np.float32)


def relative_illumination(camera: Camera, vignetting: Mapping[str, Any]) -> np.ndarray:
    """(H, W) image-plane irradiance relative to the image centre for equal scene radiance.

    Natural vignetting: the pupil seen at field angle theta is foreshortened by
    cos(theta), and a pixel collects the light of the solid angle it sees through
    the lens, cos^3(theta) / (fx fy) per unit area for a distortion-free lens
    (so cos^4 in all); a distorting lens maps more or less solid angle onto each
    pixel, which the Jacobian of its undistortion carries. Mechanical vignetting:
    _mechanical_factor."""
    return _relative_illumination(_camera_key(camera), bool(vignetting.get("natural", False)),
                                  vignetting.get("mechanical_onset_deg"), vignetting.get("mechanical_half_deg"))


def lateral_colour(rgb: np.ndarray, camera: Camera, red: float, blue: float) -> np.ndarray:
    """Red and blue images magnified by (1 + red) and (1 + blue) about the principal
    point relative to green (lateral chromatic aberration), bilinearly resampled;
    the same light spread over (1 + k)^2 the area lowers their irradiance by that."""
    out = rgb.copy()
    centre = np.array([camera.cy, camera.cx])
    for channel, k in ((0, red), (2, blue)):
        if k == 0:
            continue
        m = 1.0 + k
        # Output pixel p shows the input at centre + (p - centre) / m.
        out[..., channel] = affine_transform(rgb[..., channel], np.full(2, 1 / m), offset=centre * (1 - 1 / m),
                                             order=1, mode="constant", cval=0.0) / np.float32(m * m)
    return out


def apply(buffers: Buffers, camera: Camera, sensor: Mapping[str, Any]) -> Buffers:
    """The radiance the sensor receives through the lens of `sensor["optics"]`
    (absent: an ideal lens, the buffers unchanged)."""
    optics = sensor.get("optics")
    if not optics:
        return buffers
    # The illuminators' share of the NIR radiance (render/buffers.py) passes through the
    # same lens: every step here is linear in radiance, so it stays the share of `nir`.
    own = buffers.nir_illuminators
    rgb, nir = buffers.rgb, (buffers.nir if own is None else np.stack([buffers.nir, own], axis=2))
    if optics.get("defocus", False):
        radius = 0.5 * blur_diameter_px(buffers.depth, sensor)
        both = defocus(np.concatenate([rgb, nir.reshape(*nir.shape[:2], -1)], axis=2), buffers.depth, radius)
        rgb, nir = both[..., :3], both[..., 3:].reshape(nir.shape)
    ca = optics.get("lateral_chromatic_aberration")
    if ca:
        rgb = lateral_colour(rgb, camera, ca["red"], ca["blue"])
    if optics.get("vignetting"):
        ri = relative_illumination(camera, optics["vignetting"])
        rgb, nir = rgb * ri[..., None], nir * (ri if own is None else ri[..., None])
    nir = np.ascontiguousarray(nir, np.float32)
    return replace(buffers, rgb=np.ascontiguousarray(rgb, np.float32), nir=nir if own is None else nir[..., 0],
                   nir_illuminators=None if own is None else nir[..., 1])
