"""The textures of the hair cards, brows and lashes: strands cut out of each card, and their shading.

One pair of images per kind serves every driver (cabin_synth.driver.hair_cards
lays out the cards): an opacity map, 1 on the hair and 0 between, read as a
cut-out (opacityThreshold, docs/omniverse.md), and a grey shade map, each
lock's or hair's own brightness. A driver's hair colour comes in as the
UsdUVTexture's scale (diffuse colour = shade x colour / the shade's mean over
the hair; the NIR reflectance likewise), so the hair keeps its material's mean
colour and the files are written once per run.

Kinds: scalp and beard cards (locks), the fringe's cards (wider locks ending
in points), brows (single hairs on the brow's patch,
rising from its lower edge medially and lying towards the temple laterally, as
brows grow: medial hairs point up, the body's up and outwards, the tail's
outwards), lashes (clumps of a few lashes rooted in a dense band along the lid
margin, thinning to their tips).

Locks are 0.6-1.6 mm wide on a 13 mm card (a lock of a few dozen hairs of
0.05-0.1 mm; at the cabin camera's 1 mm pixels a lock is about a pixel, at a
close-up's 0.3 mm several), wave a little, start at the root and end at their
own length, thinning towards the tip, so that a card is densest at its root
and frays out at its tip, as hair does.
"""

from __future__ import annotations

import zlib
from dataclasses import replace
from functools import lru_cache

import numpy as np
from scipy.ndimage import distance_transform_edt

from ..driver.hair_cards import N_FRINGE_VARIANTS, N_VARIANTS
from .materials import Material
from .textures import TextureFolder, TextureImage, TextureMap, nir_input

CARD_TEXELS = (512, 64)         # (along, across) texels of one variant's column
LOCKS = 16                      # locks per card
LOCK_WIDTH = (0.05, 0.12)       # share of the card's width at the root
LOCK_END = (0.55, 1.0)          # where along the card a lock ends
LOCK_WAVE = 0.03                # lateral wander, share of the width
LOCK_TAPER = 0.3                # a lock's width at its end, share of its root width
LOCK_SHADE = (0.6, 1.0)         # lock brightness (the spread of hair colour between locks)
STREAK_DEPTH = 0.15             # strand streaks darken by up to this much
# A fringe's cards (10 mm wide, hanging 55-70 mm): its hair gathers into locks of a few
# millimetres, each keeping its width down most of its length and then tapering to a point, and
# the locks end at their own lengths, so the fringe's edge is a row of points, not a straight cut.
FRINGE_LOCKS = 4                # locks per card
FRINGE_LOCK_WIDTH = (0.15, 0.25) # share of the card's width (1.5-2.5 mm)
FRINGE_LOCK_END = (0.75, 1.0)   # where along the card a lock ends
FRINGE_TAPER = 0.35             # the share of a lock's length over which it narrows to its point


# Brows: (along, across) texels over the brow patch (about 50 x 10 mm), hairs per brow, a hair's
# length (mm) and width (mm), and the rising angle (degrees from the brow's line) medially, in
# its body and at its tail.
BROW_TEXELS = (512, 128)
BROW_MM = (50.0, 10.0)
BROW_HAIRS = 700
BROW_HAIR_MM = (3.0, 6.0)
BROW_HAIR_WIDTH_MM = 0.35
BROW_ANGLE_DEG = ((60.0, 90.0), (15.0, 35.0), (-10.0, 10.0))
# Lashes: (along the lid, root to tip) texels, clumps per lid, a clump's root width and tip width
# (share of the lid's length, about 30 mm), the solid band of roots along the margin (share of
# the lash length).
LASH_TEXELS = (512, 64)
LASH_CLUMPS = 90
LASH_WIDTH = (0.02, 0.006)
LASH_ROOT_BAND = 0.3


def _shade_image(name: str, opacity: np.ndarray, shade: np.ndarray) -> tuple[TextureImage, TextureImage]:
    """The cut-out and the shade files; the shade's gaps (opacity 0) take the shade of the
    nearest hair texel. Renderers filter the shade over the gaps as well as the hair (mip
    levels, bilinear lookups) while the cut-out keeps a pixel whose filtered opacity passes the
    threshold: with black gaps a lock about a pixel wide showed at about half its colour."""
    gaps = opacity <= 0
    if gaps.any() and not gaps.all():
        nearest = distance_transform_edt(gaps, return_distances=False, return_indices=True)
        shade = shade[tuple(nearest)]
    return (TextureImage(f"{name}_opacity", np.rint(opacity * 255).astype(np.uint8)),
            TextureImage(f"{name}_shade", np.rint(shade * 255).astype(np.uint8)))


def _rng(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(f"hair_cards.texture.{name}".encode()))


def _stroke(opacity, shade, a, b, half_width, brightness, scale) -> None:
    """Draw a segment a -> b (texel coordinates: column, row) of half_width texels in place."""
    lo = np.floor(np.minimum(a, b) - half_width - 1).astype(int)
    hi = np.ceil(np.maximum(a, b) + half_width + 1).astype(int)
    lo, hi = np.maximum(lo, 0), np.minimum(hi, [opacity.shape[1] - 1, opacity.shape[0] - 1])
    if (hi < lo).any():
        return
    cols, rows = np.meshgrid(np.arange(lo[0], hi[0] + 1) + 0.5, np.arange(lo[1], hi[1] + 1) + 0.5)
    q = np.stack([cols, rows], -1)
    d = (b - a) * scale
    t = np.clip((((q - a) * scale) @ d) / max(d @ d, 1e-12), 0.0, 1.0)
    dist = np.linalg.norm((q - a - t[..., None] * (b - a)) * scale, axis=-1)
    on = dist < half_width * (1.0 - 0.6 * t)          # a hair thins to its tip
    window = (slice(lo[1], hi[1] + 1), slice(lo[0], hi[0] + 1))
    opacity[window] = np.where(on, 1.0, opacity[window])
    shade[window] = np.where(on, brightness, shade[window])


@lru_cache(maxsize=1)
def brow_images() -> tuple[TextureImage, TextureImage]:
    """(opacity, shade) of the brow patch: s from the medial end (0) to the tail (1), t from its
    lower edge (0) to its upper edge (1); row 0 the upper edge."""
    rng = _rng("brow")
    along, across = BROW_TEXELS
    per_mm = np.array([along / BROW_MM[0], across / BROW_MM[1]])
    opacity = np.zeros((across, along), np.float32)
    shade = np.zeros_like(opacity)
    for _ in range(BROW_HAIRS):
        s0 = rng.beta(1.3, 1.6)
        t0 = rng.uniform(0.1, 0.65)
        part = 0 if s0 < 0.2 else (1 if s0 < 0.7 else 2)
        angle = np.radians(rng.uniform(*BROW_ANGLE_DEG[part]))
        length = rng.uniform(*BROW_HAIR_MM) * (1.0 - 0.4 * s0)        # the tail's hairs are shorter
        a = np.array([s0 * along, (1.0 - t0) * across])
        b = a + length * np.array([np.cos(angle), -np.sin(angle)]) * per_mm
        # texel units to mm along each axis: the patch's texels are not square
        _stroke(opacity, shade, a, b, 0.5 * BROW_HAIR_WIDTH_MM, rng.uniform(0.7, 1.0), 1.0 / per_mm)
    return _shade_image("brow", opacity, shade)


@lru_cache(maxsize=1)
def lash_images() -> tuple[TextureImage, TextureImage]:
    """(opacity, shade) of a lash ribbon: s along the lid margin, t from the roots (0) to the tips
    (1); row 0 the tips."""
    rng = _rng("lash")
    along, across = LASH_TEXELS
    t = (1.0 - (np.arange(across) + 0.5) / across)[:, None]
    s = ((np.arange(along) + 0.5) / along)[None, :]
    opacity = (t < LASH_ROOT_BAND).astype(np.float32) * np.ones((1, along), np.float32)
    for _ in range(LASH_CLUMPS):
        s0, end, lean = rng.uniform(0.02, 0.98), rng.uniform(0.7, 1.0), rng.uniform(-0.02, 0.02)
        w = LASH_WIDTH[0] + (LASH_WIDTH[1] - LASH_WIDTH[0]) * np.clip(t / end, 0.0, 1.0)
        on = (np.abs(s - s0 - lean * t) < 0.5 * w) & (t <= end)
        opacity = np.where(on, 1.0, opacity)
    return _shade_image("lash", opacity, np.ones_like(opacity))


def _locks(rng, t, x, count, width, end, taper_to, parted=False):
    """(opacity, shade) of one column's locks: `count` locks of root width `width` (share of the
    column) waving a little about their centres; a lock ends at its own `end` (t), narrowing to
    taper_to(u) of its width, u running 0 -> 1 from root to end. parted: each lock in its own
    share of the column's width (locks that part from one another), else anywhere."""
    opacity, shade = np.zeros((t.shape[0], x.shape[1]), np.float32), np.zeros((t.shape[0], x.shape[1]), np.float32)
    for i in range(count):
        centre = (i + rng.uniform(0.25, 0.75)) / count if parted else rng.uniform(0.05, 0.95)
        w0 = rng.uniform(*width)
        stop, phase, freq = rng.uniform(*end), rng.uniform(0, 2 * np.pi), rng.uniform(0.5, 2.0)
        c = centre + LOCK_WAVE * np.sin(2 * np.pi * freq * t + phase)
        on = (np.abs(x - c) < 0.5 * w0 * taper_to(np.clip(t / stop, 0.0, 1.0))) & (t <= stop)
        brightness = rng.uniform(*LOCK_SHADE)
        opacity = np.where(on, 1.0, opacity)
        shade = np.where(on, brightness, shade)
    return opacity, shade


def _columns(rng, n, locks, width, end, taper_to, parted=False) -> tuple[np.ndarray, np.ndarray]:
    """(opacity, shade) of n lock patterns side by side, with strand streaks, row 0 the tips
    (t = 1 at the top of an image)."""
    along, across = CARD_TEXELS
    t = (1.0 - (np.arange(along) + 0.5) / along)[:, None]           # row -> t, root at the bottom
    x = ((np.arange(across) + 0.5) / across)[None, :]
    columns = [_locks(rng, t, x, locks, width, end, taper_to, parted) for _ in range(n)]
    opacity, shade = np.hstack([c[0] for c in columns]), np.hstack([c[1] for c in columns])
    return opacity, shade * (1.0 - STREAK_DEPTH * rng.random(across * n)[None, :])


@lru_cache(maxsize=1)
def card_images() -> tuple[TextureImage, TextureImage]:
    """(opacity, shade) of the scalp's and beard's card texture: N_VARIANTS columns side by side."""
    return _shade_image("hair_card", *_columns(np.random.default_rng(zlib.crc32(b"hair_cards.texture")), N_VARIANTS,
                                               LOCKS, LOCK_WIDTH, LOCK_END, lambda u: 1.0 - (1.0 - LOCK_TAPER) * u))


@lru_cache(maxsize=1)
def fringe_images() -> tuple[TextureImage, TextureImage]:
    """(opacity, shade) of the fringe's card texture: N_FRINGE_VARIANTS columns side by side."""
    return _shade_image("fringe_card", *_columns(_rng("fringe"), N_FRINGE_VARIANTS, FRINGE_LOCKS, FRINGE_LOCK_WIDTH,
                                                 FRINGE_LOCK_END, lambda u: np.clip((1.0 - u) / FRINGE_TAPER, 0.0, 1.0),
                                                 parted=True))


# Card materials (cabin_synth.scene.materials) -> the images of their cards.
IMAGES = {"hair_cards": card_images, "fringe_cards": fringe_images, "facial_hair_cards": card_images,
          "eyebrow": brow_images, "eyelash": lash_images}


def shade_mean(name: str) -> float:
    """A material's shade map's mean over its hair (opacity 1), in linear units as renderers read it."""
    opacity, shade = IMAGES[name]()
    return float((shade.pixels[opacity.pixels > 127] / 255.0).mean())


@lru_cache(maxsize=16)
def _files(name: str, folder: TextureFolder) -> tuple[TextureMap, TextureMap]:
    """A material's images saved in a folder (once: encoding them costs more than a frame's
    edits), as the opacity's binding and the shade's (unscaled, read as the diffuse colour)."""
    opacity, shade = IMAGES[name]()
    maps = folder.maps({"opacity": opacity, "diffuseColor": shade}, wrap=("clamp", "clamp"))
    return maps["opacity"], maps["diffuseColor"]


def card_maps(name: str, material: Material, wavelength_nm: int, folder: TextureFolder) -> dict[str, TextureMap]:
    """The UsdUVTexture bindings of a card material (IMAGES): the cut-out, and the shade scaled
    to the material's diffuse colour and to its NIR reflectance at the band."""
    opacity, shade = _files(name, folder)
    gain = 1.0 / shade_mean(name)
    colour = tuple(float(c) * gain for c in material.albedo_rgb)
    nir = float(material.nir(wavelength_nm)) * gain
    return {"opacity": opacity, "diffuseColor": replace(shade, scale=(*colour, 1.0)),
            nir_input(wavelength_nm): replace(shade, scale=(nir, nir, nir, 1.0))}
