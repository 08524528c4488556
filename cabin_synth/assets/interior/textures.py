"""Texture images of the cabin materials, generated procedurally and tileable.

Every image is a pure function of its name: its random stream is keyed by the
name (crc32), so adding an image changes no other. Images tile seamlessly
(noise is filtered white noise on a torus, in the Fourier domain; cells and
patterns use periodic distances). Kinds:

- ``*_albedo``, ``*_nir``: 8-bit grayscale, a relative albedo (the material's
  colour is their mean; docs/cabins.md, Textures), sRGB-encoded where they are
  visible albedo, linear (raw) for NIR;
- ``*_normal``: 8-bit RGB tangent-space normals (OpenGL: +X along u, +Y along v),
  raw, decoded as 2 * value - 1.

The front seat covers (``seat_cover_*``, ``seat_leather_*``) are not tiles of
a surface texture but the upholstery's layout: u runs across the seat (its
lateral coordinate over COVER_TILE_M, 0 on the seat's centre line), v along it;
seams and twin-needle stitching lie where the seat's inserts end
(cabin_synth.assets.interior.seats.INSERT_HALF).
"""

from __future__ import annotations

import zlib

import numpy as np
from scipy.spatial import cKDTree

from ...scene.materials import srgb_to_linear
from .screens import screen_images
from .seats import COVER_TILE_M, INSERT_HALF

TEXTURE_FOLDER = "textures"      # beside the cabin layers that reference them


def _rng(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))


def band_noise(rng: np.random.Generator, shape: tuple[int, int], cycles_lo: float, cycles_hi: float,
               aspect: float = 1.0) -> np.ndarray:
    """Tileable noise, zero mean and unit deviation, with features between cycles_lo and
    cycles_hi periods across the image (``aspect`` > 1 stretches them along u)."""
    h, w = shape
    f = np.fft.fft2(rng.standard_normal(shape))
    fy = np.fft.fftfreq(h)[:, None] * h
    fx = np.fft.fftfreq(w)[None, :] * w * aspect
    r = np.hypot(fx, fy)
    f *= (r >= cycles_lo) & (r <= cycles_hi)
    n = np.real(np.fft.ifft2(f))
    return (n - n.mean()) / max(n.std(), 1e-12)


def cells(rng: np.random.Generator, size: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(F1, F2) of a tileable Worley pattern: distances (in pixels) from every pixel to
    the nearest and second-nearest of ``count`` random points on the torus."""
    tree = cKDTree(rng.random((count, 2)) * size, boxsize=size)
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    d, _ = tree.query(np.column_stack([xx.ravel(), yy.ravel()]), k=2)
    return d[:, 0].reshape(size, size), d[:, 1].reshape(size, size)


def normal_map(height: np.ndarray, strength: float) -> np.ndarray:
    """RGB tangent-space normal map of a periodic height field (height in pixels of run
    per unit, times ``strength``)."""
    gx = (np.roll(height, -1, 1) - np.roll(height, 1, 1)) * 0.5 * strength
    gy = (np.roll(height, 1, 0) - np.roll(height, -1, 0)) * 0.5 * strength   # image rows run down, v runs up
    n = np.stack([-gx, -gy, np.ones_like(height)], axis=-1)
    n /= np.linalg.norm(n, axis=-1, keepdims=True)
    return np.round((n * 0.5 + 0.5) * 255).astype(np.uint8)


def gray(relative: np.ndarray, srgb: bool = True) -> np.ndarray:
    """8-bit relative albedo, its maximum 255 (the material scales the mean), sRGB-encoded
    (visible albedo: more levels in the dark) or linear (``srgb=False``: NIR)."""
    r = np.clip(relative, 0.0, None) / max(float(np.max(relative)), 1e-12)
    if srgb:
        r = np.where(r <= 0.0031308, 12.92 * r, 1.055 * r ** (1 / 2.4) - 0.055)
    return np.round(255 * r).astype(np.uint8)


def _grain_fine(size: int = 256) -> dict[str, np.ndarray]:
    # Moulded plastic's fine stipple grain: bumps of 0.3-0.6 mm on a 60 mm tile.
    h = band_noise(_rng("grain_fine"), (size, size), 40, 90)
    return {"grain_fine_normal": normal_map(h, 0.10)}


def _haircell(size: int = 256) -> dict[str, np.ndarray]:
    # Slush skin's leather-like haircell: cells about 2 mm across (80 mm tile), creases between.
    rng = _rng("haircell")
    f1, f2 = cells(rng, size, 1500)
    crease = np.exp(-((f2 - f1) / 1.2) ** 2)
    h = -crease + 0.25 * band_noise(rng, (size, size), 20, 60)
    return {"haircell_albedo": gray(1.0 - 0.12 * crease + 0.03 * band_noise(rng, (size, size), 2, 8)),
            "haircell_normal": normal_map(h, 0.6)}


def _leather(size: int = 256) -> dict[str, np.ndarray]:
    # Grain leather: finer, irregular cells (about 1.2 mm on a 50 mm tile) and soft mottling.
    rng = _rng("leather")
    f1, f2 = cells(rng, size, 2200)
    crease = np.exp(-((f2 - f1) / 1.0) ** 2)
    mottle = band_noise(rng, (size, size), 2, 10)
    return {"leather_albedo": gray(1.0 - 0.15 * crease + 0.05 * mottle),
            "leather_normal": normal_map(-crease + 0.3 * band_noise(rng, (size, size), 30, 80), 0.5)}


def _weave(size: int = 256) -> dict[str, np.ndarray]:
    # Seat cloth: a 2/2 twill of 0.6 mm yarns (40 mm tile) in a melange of two shades;
    # the dyes' contrast is a visible-light one: in the NIR only the weave's relief shows.
    rng = _rng("weave")
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    period = size / 64.0                       # 64 yarns across the tile
    warp = np.sin(np.pi * xx / period) ** 2
    weft = np.sin(np.pi * yy / period) ** 2
    twill = ((np.floor(xx / period) + np.floor(yy / period)) % 4 < 2)
    h = np.where(twill, warp, weft) + 0.3 * band_noise(rng, (size, size), 40, 100)
    melange = band_noise(rng, (size, size), 8, 40, aspect=0.25)     # yarn-length streaks along v
    vis = 1.0 + 0.18 * np.tanh(melange) + 0.10 * (h - h.mean())
    nir = 1.0 + 0.10 * (h - h.mean())
    return {"weave_albedo": gray(vis), "weave_nir": gray(nir, srgb=False), "weave_normal": normal_map(h, 0.35)}


def _knit(size: int = 256) -> dict[str, np.ndarray]:
    # Headliner tricot: loops of about 0.8 mm (50 mm tile) under a brushed fleece.
    rng = _rng("knit")
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    period = size / 64.0
    loops = np.cos(2 * np.pi * xx / period + 0.8 * np.sin(2 * np.pi * yy / period)) * np.cos(np.pi * yy / period) ** 2
    fleece = band_noise(rng, (size, size), 30, 110)
    return {"knit_albedo": gray(1.0 + 0.04 * loops + 0.05 * fleece + 0.03 * band_noise(rng, (size, size), 2, 10)),
            "knit_normal": normal_map(0.6 * loops + 0.4 * fleece, 0.15)}


def _carpet(size: int = 256) -> dict[str, np.ndarray]:
    # Needle-punch carpet: a felt of fibres, 100 mm tile.
    rng = _rng("carpet")
    fibres = band_noise(rng, (size, size), 50, 120)
    tufts = band_noise(rng, (size, size), 10, 30)
    return {"carpet_albedo": gray(1.0 + 0.20 * np.tanh(fibres) + 0.10 * tufts),
            "carpet_normal": normal_map(fibres + 0.5 * tufts, 0.5)}


def _brushed(size: int = 256) -> dict[str, np.ndarray]:
    # Brushed satin finish: fine streaks along u.
    h = band_noise(_rng("brushed"), (size, size), 3, 120, aspect=12.0)
    return {"brushed_normal": normal_map(h, 0.05)}


def _grille(size: int = 128) -> dict[str, np.ndarray]:
    # Speaker grille: 1.6 mm holes at a 2.5 mm hexagonal pitch (40 mm tile, 16 x 16 holes).
    yy, xx = np.mgrid[0:size, 0:size].astype(float) + 0.5
    pitch = size / 16.0
    rows = np.floor(yy / pitch)
    dx = (xx + 0.5 * pitch * (rows % 2)) % pitch - pitch / 2
    dy = yy % pitch - pitch / 2
    hole = np.clip(1.0 - (np.hypot(dx, dy) - 0.32 * pitch) / 1.0, 0.0, 1.0)
    return {"grille_albedo": gray(1.0 - 0.85 * hole), "grille_normal": normal_map(-hole, 1.0)}


def _upholstery(prefix: str, size: int, leather: bool) -> dict[str, np.ndarray]:
    """A front seat's cover: centre insert between seams at +-INSERT_HALF, pleated across
    every 90 mm, and the bolsters outside; twin-needle stitching 4 mm either side of
    each seam; cloth inserts in the seat fabric's melange, leather ones perforated."""
    rng = _rng(prefix)
    px_per_m = size / COVER_TILE_M
    yy, xx = np.mgrid[0:size, 0:size].astype(float) + 0.5
    lateral = xx / px_per_m
    lateral = np.minimum(lateral, COVER_TILE_M - lateral)        # |y| from the seat's centre line (u wraps at 0)
    along = yy / px_per_m
    insert = lateral < INSERT_HALF
    seam_d = np.abs(lateral - INSERT_HALF) * 1000.0               # mm from the seam
    pleat_d = np.abs((along % 0.09) - 0.045) * 1000.0             # mm from the nearest pleat line (every 90 mm)
    pleat_d = np.where(insert, 45.0 - pleat_d, 99.0)
    groove = np.exp(-(seam_d / 2.0) ** 2) + np.exp(-(pleat_d / 1.6) ** 2)
    # stitches: 3.5 mm long, 1 mm gaps, on lines 4 mm either side of the seam
    along_mm = along * 1000.0
    stitch = (np.abs(seam_d - 4.0) < 0.6) & ((along_mm % 4.5) < 3.5)
    relief = band_noise(rng, (size, size), 3, 12)                 # the padding's gentle waves
    h = -2.0 * groove + 0.6 * stitch + 0.8 * relief
    if leather:
        perforated = insert & (pleat_d > 6.0)
        holes = (np.hypot((xx % 4) - 2, (yy % 4) - 2) < 0.9) & perforated
        vis = 1.0 - 0.35 * groove - 0.5 * holes + 0.05 * band_noise(rng, (size, size), 3, 20) + 0.25 * stitch
        return {f"{prefix}_albedo": gray(vis), f"{prefix}_normal": normal_map(h - 0.8 * holes, 0.5)}
    melange = band_noise(rng, (size, size), 20, 120, aspect=0.3)
    cloth = np.where(insert, 1.1 + 0.15 * np.tanh(melange), 0.9 + 0.05 * np.tanh(melange))
    vis = np.where(stitch, 8.0, cloth - 0.3 * groove)              # light grey contrast thread on dark cloth
    nir = 1.0 - 0.3 * groove + 0.3 * stitch                       # dyes' contrast gone; thread and seams remain
    return {f"{prefix}_albedo": gray(vis), f"{prefix}_nir": gray(nir, srgb=False), f"{prefix}_normal": normal_map(h, 0.5)}


def cabin_images() -> dict[str, np.ndarray]:
    """Every image the cabin materials reference, by name (uint8, HxW grey or HxWx3 RGB):
    the surface textures and the screens' pictures."""
    out: dict[str, np.ndarray] = {}
    for make in (_grain_fine, _haircell, _leather, _weave, _knit, _carpet, _brushed, _grille):
        out.update(make())
    out.update(_upholstery("seat_cover", 512, leather=False))
    out.update(_upholstery("seat_leather", 512, leather=True))
    out.update(screen_images())
    return out


def colour_space(name: str) -> str:
    """How an image's values are encoded: sRGB for visible colour (albedo, screens), raw for data."""
    return "raw" if name.endswith(("_nir", "_normal")) else "sRGB"


def linear_mean(name: str, pixels: np.ndarray) -> np.ndarray:
    """(3,) mean linear value of an image over its area, per channel (grey: the same three)."""
    v = pixels.astype(float) / 255.0
    v = srgb_to_linear(v) if colour_space(name) == "sRGB" else v
    v = v.reshape(-1, 3) if v.ndim == 3 else np.repeat(v.reshape(-1, 1), 3, axis=1)
    return v.mean(axis=0)
