"""Hair cards: strips of alpha-tested texture that carry the hair's strands.

A card is a strip of N_SEGMENTS quads along a spine that starts at a root on the
skin and follows how the hair lies; its texture (cabin_synth.scene.hair_cards)
holds locks of strands and cuts the gaps between them out (UsdPreviewSurface
opacity with an opacityThreshold), so the head's outline, the hairline and the
fringe break up into locks and single strands as a real head's do, and light
and sight pass between them. Under the cards the old shells stay as a thin cap
(hair.py): the scalp seen between the locks of a full head of hair is covered
by more hair, not bare.

Cards are traced once per style in the template (millimetres, sculpt.py's head
frame) and every card vertex is then anchored to its nearest template skin
vertex by a fixed offset, so a driver's cards follow the identity's warp and the
face's expressions with the skin at the cost of one gather. Every style of a
kind shares one topology (fixed card count): a root a style does not cover
folds its card to zero area just under the skin.

- scalp: CARDS_SCALP roots over the region any scalp style covers, combed back
  from the front and down the sides from a parting left of the midline, falling
  below the widest part of the skull; a share of them (FLYAWAY_SHARE) rise off
  the head at their tips, the flyaways;
- fringe: FRINGE_CARDS columns hanging straight from the frontal hairline over
  the forehead (the style 'fringe'), with a texture of their own: a fringe's
  hair gathers into locks a few millimetres wide that taper to points at
  staggered lengths (scene/hair_cards.py);
- beard: CARDS_BEARD roots over the beard region, hanging, lying on the skin
  (short beard) or falling below the chin (long beard).

Texture coordinates: s across the card within its variant's column of its
texture (N_VARIANTS side by side, the fringe's N_FRINGE_VARIANTS), t from root
(0) to tip (1); card_uvs
also gives those of the other alpha-tested parts, the brows and the lashes.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.spatial import cKDTree

from . import brows_ears, hair, lashes, sculpt, template
from .mesh import vertex_normals

N_SEGMENTS = 10
N_VARIANTS = 4                  # lock patterns side by side in the scalp's and beard's card texture
N_FRINGE_VARIANTS = 2           # lock patterns side by side in the fringe's
CARDS_SCALP = 420
CARDS_BEARD = 220
FRINGE_CARDS = 40
FLYAWAY_SHARE = 0.05
FLYAWAY_RISE_MM = 6.0           # a flyaway's tip stands this far off the hair
ROOT_HEIGHT_MM = 0.6            # a card's root just above the skin (the cap lies under it)
# Per style: card length (mm, the median; each card 0.75-1.25 of it), width at the root (mm).
SCALP_CARDS = {"short": (32.0, 9.0), "medium": (95.0, 13.0), "long": (260.0, 15.0), "fringe": (95.0, 13.0)}
BEARD_CARDS = {"short_beard": (14.0, 6.0), "long_beard": (160.0, 12.0)}
TIP_WIDTH = 0.45                # share of the root width left at the tip
PARTING_Y_MM = 18.0             # a side parting, on the head's left
FRINGE_WIDTH_MM = 10.0
TRIMMED_TEXTURE_TIP = 0.6       # a trimmed beard is cut blunt: its cards take the dense root part of the locks
MAX_ANCHOR_MM = 6.0             # roots lie within this of a template skin vertex
FIBRE_SPREAD_DEG = 12.0         # sd of a card's strands' direction about its spine
LONG_BEARD_DROP_MM = 175.0      # a long beard hangs this far below the chin


@dataclass(frozen=True)
class CardSet:
    """One kind's cards for one style: every vertex anchored to a template skin vertex."""
    anchor: np.ndarray     # (V,) skin vertex each card vertex follows
    offset: np.ndarray     # (V,3) metres from that skin vertex (template)
    normals: np.ndarray    # (V,3) unit, the card's face, away from the head
    fibres: np.ndarray     # (V,3) unit, root to tip
    faces: np.ndarray      # (F,3) int32, one winding (the renderers see both sides)
    st: np.ndarray         # (V,2) float32


def card_faces(n_cards: int) -> np.ndarray:
    """Two triangles per segment; card k's vertex (i, side) is k * 2 (N_SEGMENTS + 1) + 2 i + side."""
    i = np.arange(N_SEGMENTS)
    a = 2 * i
    # wound counter-clockwise seen from the card's normal side (tangent x across)
    quad = np.stack([np.stack([a, a + 3, a + 1], 1), np.stack([a, a + 2, a + 3], 1)], 1).reshape(-1, 3)
    per = 2 * (N_SEGMENTS + 1)
    return (quad[None] + per * np.arange(n_cards)[:, None, None]).reshape(-1, 3).astype(np.int32)


def card_st(n_cards: int, variant: np.ndarray, t_tip: float = 1.0, columns: int = N_VARIANTS) -> np.ndarray:
    """(V,2) st of every card vertex: s across its variant's column of `columns`, t from the root (0)
    to t_tip."""
    t = np.repeat(np.linspace(0.0, t_tip, N_SEGMENTS + 1), 2)
    side = np.tile([0.0, 1.0], N_SEGMENTS + 1)
    s = (variant[:, None] + side[None]) / columns
    return np.stack([s, np.broadcast_to(t, s.shape)], -1).reshape(-1, 2).astype(np.float32)


@lru_cache(maxsize=1)
def _skin() -> tuple[cKDTree, np.ndarray, np.ndarray]:
    skin = template.skin_template()
    return cKDTree(skin.points), skin.points, vertex_normals(skin.points, skin.faces)


def _surface(p: np.ndarray, height_mm: np.ndarray) -> np.ndarray:
    """Points `height_mm` above the skin, radially from sculpt.CENTRE_MM through p."""
    d = p - sculpt.CENTRE_MM
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    return sculpt.CENTRE_MM + (sculpt.radius(d) + height_mm)[:, None] * d


def _normal(p: np.ndarray) -> np.ndarray:
    tree, _, normals = _skin()
    return normals[tree.query(p)[1]]


def _fibonacci_directions(n: int) -> np.ndarray:
    k = np.arange(n) + 0.5
    z = 1.0 - 2.0 * k / n
    phi = np.pi * (3.0 - np.sqrt(5.0)) * k
    r = np.sqrt(1.0 - z * z)
    return np.stack([r * np.cos(phi), r * np.sin(phi), z], -1)


def _roots(inside, count: int) -> np.ndarray:
    """`count` roots (mm) on the template skin spread evenly over the region `inside` picks."""
    for n in (count * 4, count * 8, count * 16, count * 32, count * 64):
        pts = _surface(sculpt.CENTRE_MM + _fibonacci_directions(n), np.zeros(n))
        # on the template's skin mesh (radial rows end above the neck's front)
        pts = pts[inside(pts) & (_skin()[0].query(pts)[0] < MAX_ANCHOR_MM)]
        if len(pts) >= count:
            # every k-th of an even spread keeps it even
            return pts[np.linspace(0, len(pts) - 1, count).round().astype(int)]
    raise ValueError("hair region too small for its cards")


def _scalp_direction(p: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """Where scalp hair lies: back over the top from the front, away from the parting down the
    sides, falling below hair.FALL_FROM_MM; laid into the surface."""
    front = hair.smoothstep((p[:, 0] + 110.0) / 70.0)
    side = np.tanh((p[:, 1] - PARTING_Y_MM) / 12.0)
    fall = hair.smoothstep((hair.FALL_FROM_MM - p[:, 2]) / hair.FALL_OVER_MM)
    d = np.stack([-0.9 * front * (1.0 - fall), 0.7 * side * (1.0 - fall), -0.3 - 1.5 * fall], -1)
    return hair.combed(normals, d)


def _trace(roots: np.ndarray, length_mm: np.ndarray, height_mm: np.ndarray, direction, keep,
           rise_mm: np.ndarray, hang: bool = True) -> np.ndarray:
    """(K, N_SEGMENTS + 1, 3) spines from the roots: each step along `direction` at the
    card's height above the skin (reached over the first third); with `hang`, never back
    inside the hair once falling (long hair hangs off the widest part, it does not follow
    the nape in); a card stops where `keep` (points -> bool) turns false, and its tip rises
    by rise_mm."""
    k = len(roots)
    spine = np.empty((k, N_SEGMENTS + 1, 3))
    p = _surface(roots, np.full(k, ROOT_HEIGHT_MM))
    spine[:, 0] = p
    step = length_mm / N_SEGMENTS
    alive = np.ones(k, bool)
    for i in range(1, N_SEGMENTS + 1):
        f = i / N_SEGMENTS
        h = ROOT_HEIGHT_MM + (height_mm - ROOT_HEIGHT_MM) * hair.smoothstep(3.0 * f) + rise_mm * f * f
        d = direction(p, _normal(p))
        q = p + step[:, None] * d
        on = _surface(q, h)
        falling = (d[:, 2] < -0.6) & hang
        out = np.linalg.norm(q - sculpt.CENTRE_MM, axis=1) > np.linalg.norm(on - sculpt.CENTRE_MM, axis=1)
        q = np.where((falling & out)[:, None], q, on)
        alive &= keep(q)
        p = np.where(alive[:, None], q, p)
        spine[:, i] = p
    return spine


def _strips(spines: np.ndarray, width_mm: np.ndarray, variant: np.ndarray, grows: np.ndarray,
            t_tip: float = 1.0, columns: int = N_VARIANTS) -> CardSet:
    """Cards of the spines (K, S+1, 3) mm; cards that do not grow fold under the skin at their root;
    their texture from the root to t_tip, in their variant's column of `columns` (card_st)."""
    k = len(spines)
    out = _normal(spines.reshape(-1, 3)).reshape(spines.shape)
    tangent = np.gradient(spines, axis=1)
    # a card that never grew (a root the style leaves bare) lies along the hanging direction
    still = np.linalg.norm(tangent, axis=2) < 1e-6
    tangent[still] = hair.hanging_fibres(out[still])
    tangent /= np.linalg.norm(tangent, axis=2, keepdims=True)
    across = np.cross(out, tangent)
    across /= np.maximum(np.linalg.norm(across, axis=2, keepdims=True), 1e-9)
    # a card stopped short (its region ended) tapers over the rows it grew; its rows past the
    # tip stay at the tip, no area
    grown_rows = (np.linalg.norm(np.diff(spines, axis=1), axis=2) > 1e-6).sum(axis=1)
    row = np.minimum(np.arange(N_SEGMENTS + 1)[None, :], grown_rows[:, None])
    taper = 1.0 - (1.0 - TIP_WIDTH) * row / np.maximum(grown_rows, 1)[:, None]
    half = 0.5 * width_mm[:, None, None] * taper[:, :, None]
    pts = np.stack([spines - half * across, spines + half * across], axis=2)          # (K, S+1, 2, 3)
    sunk = spines[:, :1, None, :] - (hair.SINK_MM + ROOT_HEIGHT_MM) * out[:, :1, None, :]
    pts = np.where(grows[:, None, None, None], pts, np.broadcast_to(sunk, pts.shape))
    normals = np.cross(tangent, across)
    normals /= np.linalg.norm(normals, axis=2, keepdims=True)
    normals = np.repeat(normals[:, :, None], 2, axis=2)
    # The strands of a card are not all parallel to its spine (waves, crossing locks): each
    # card's fibres turn by their own angle within the card, so that the sheen breaks up into
    # bands, card by card, instead of lighting a whole straight fringe at once.
    turn = np.radians(FIBRE_SPREAD_DEG) * np.random.default_rng(k).standard_normal(k)[:, None, None]
    fibres = np.repeat((np.cos(turn) * tangent + np.sin(turn) * across)[:, :, None], 2, axis=2)
    flat = lambda a: a.reshape(-1, 3)
    tree, skin_pts, _ = _skin()
    anchor = tree.query(flat(pts))[1]
    return CardSet(anchor.astype(np.int64), (flat(pts) - skin_pts[anchor]) * 1e-3, flat(normals), flat(fibres),
                   card_faces(k), card_st(k, variant, t_tip, columns))


def _jitter(name: str) -> np.random.Generator:
    """A fixed generator per kind of card: the same cards in every process (topology data)."""
    return np.random.default_rng(zlib.crc32(f"hair_cards.{name}".encode()))


@lru_cache(maxsize=None)
def scalp_cards(style: str) -> CardSet:
    """The scalp's cards of a style (hair.HAIR_STYLES); bald: all folded."""
    roots = _roots(hair.scalp_region, CARDS_SCALP)
    rng = _jitter("scalp")
    scale, height, variant = rng.uniform(0.75, 1.25, CARDS_SCALP), rng.uniform(0.2, 1.0, CARDS_SCALP), rng.integers(0, N_VARIANTS, CARDS_SCALP)
    rise = np.where(rng.random(CARDS_SCALP) < FLYAWAY_SHARE, FLYAWAY_RISE_MM, 0.0)
    if style == "bald":
        return _strips(np.repeat(roots[:, None], N_SEGMENTS + 1, axis=1), np.ones(CARDS_SCALP), variant,
                       np.zeros(CARDS_SCALP, bool))
    length, width = SCALP_CARDS[style]
    covered = lambda p: hair.scalp_cover(p, style) > 0.5
    spines = _trace(roots, length * scale, hair.THICKNESS_MM[style] * height, _scalp_direction, covered, rise)
    return _strips(spines, width * np.ones(CARDS_SCALP), variant, covered(roots))


@lru_cache(maxsize=None)
def fringe_cards(style: str) -> CardSet:
    """Columns of hair.fringe_template() as cards hanging over the forehead; folded unless 'fringe'."""
    rows, cols = len(hair.FRINGE_Z), len(hair.FRINGE_Y)
    grid = hair.fringe_template().reshape(rows, cols, 3)
    y = np.linspace(hair.FRINGE_Y[0], hair.FRINGE_Y[-1], FRINGE_CARDS)
    col = np.array([np.interp(y, hair.FRINGE_Y, grid[r, :, k]) for r in range(rows) for k in range(3)])
    col = col.reshape(rows, 3, FRINGE_CARDS).transpose(2, 0, 1)                    # (cards, rows, 3)
    z = np.linspace(hair.FRINGE_Z[0], hair.FRINGE_Z[-1], N_SEGMENTS + 1)
    rng = _jitter("fringe")
    # each card ends at its own length, and stands off by its own gap
    end = rng.uniform(0.8, 1.0, FRINGE_CARDS)
    spines = np.empty((FRINGE_CARDS, N_SEGMENTS + 1, 3))
    for k in range(FRINGE_CARDS):
        zk = z[0] + (z - z[0]) * end[k]
        spines[k] = np.stack([np.interp(-zk, -hair.FRINGE_Z, col[k, :, j]) for j in range(3)], -1)
    spines[:, :, 0] += rng.uniform(-3.0, 2.0, FRINGE_CARDS)[:, None]   # in layers
    variant = rng.integers(0, N_FRINGE_VARIANTS, FRINGE_CARDS)
    return _strips(spines, np.full(FRINGE_CARDS, FRINGE_WIDTH_MM), variant, np.full(FRINGE_CARDS, style == "fringe"),
                   columns=N_FRINGE_VARIANTS)


@lru_cache(maxsize=None)
def beard_cards(style: str) -> CardSet:
    """The beard's cards of a facial-hair style (hair.FACIAL_HAIR); none and stubble: all folded
    (stubble is sub-pixel hair: the beard cap's mixed colour carries it)."""
    inside = lambda p: ((hair.beard_cover(p) > 0.5) & hair.beard_region(p) & ~hair.on_lips(p))
    roots = _roots(inside, CARDS_BEARD)
    rng = _jitter("beard")
    scale, height, variant = rng.uniform(0.75, 1.25, CARDS_BEARD), rng.uniform(0.3, 1.0, CARDS_BEARD), rng.integers(0, N_VARIANTS, CARDS_BEARD)
    if style not in BEARD_CARDS:
        return _strips(np.repeat(roots[:, None], N_SEGMENTS + 1, axis=1), np.ones(CARDS_BEARD), variant,
                       np.zeros(CARDS_BEARD, bool))
    length, width = BEARD_CARDS[style]
    thickness = hair.BEARD_THICKNESS_MM[style]
    # a long beard's moustache stops at the lips too: the mouth stays in view, as groomed
    keep = (lambda p: (p[:, 2] > hair.CHIN_Z - LONG_BEARD_DROP_MM) & ~hair.on_lips(p)) if style == "long_beard" \
        else inside
    hanging = lambda p, normals: hair.hanging_fibres(normals)
    spines = _trace(roots, length * scale, thickness * height, hanging, keep, np.zeros(CARDS_BEARD),
                    hang=style == "long_beard")
    return _strips(spines, width * np.ones(CARDS_BEARD), variant, np.ones(CARDS_BEARD, bool),
                   TRIMMED_TEXTURE_TIP if style == "short_beard" else 1.0)


# The driver's card parts and the cards each one holds (the same st for every style).
PARTS = {"HairCards": lambda: scalp_cards("bald"), "HairFringe": lambda: fringe_cards("bald"),
         "FacialHairCards": lambda: beard_cards("none")}


def _grid_st(n_rows: int, n_cols: int) -> np.ndarray:
    """st of a row-major grid whose row 0 is t = 0 and column 0 is s = 0."""
    s, t = np.meshgrid(np.linspace(0.0, 1.0, n_cols), np.linspace(0.0, 1.0, n_rows))
    return np.stack([s, t], -1).reshape(-1, 2).astype(np.float32)


def card_uvs() -> dict[str, np.ndarray]:
    """(V,2) float32 st of each alpha-tested part (fixed per topology, like the skin's): the hair
    cards; the brows (s from the medial end, t up: their grid's rows run downwards); the lash
    ribbons (s along the margin, t from the roots)."""
    out = {name: cards().st for name, cards in PARTS.items()}
    brow = _grid_st(brows_ears.N_BROW_ROWS, brows_ears.N_BROW_COLS)
    brow[:, 1] = 1.0 - brow[:, 1]
    skin = template.skin_template()
    for i, side in enumerate(("R", "L")):
        out[f"Brow{side}"] = brow
        lash = _grid_st(lashes.N_LASH_ROWS, len(skin.eye_rings[i][0]))
        out[f"Eye{side}/UpperLashes"] = out[f"Eye{side}/LowerLashes"] = lash
    return out


def place(cards: CardSet, skin_points_m: np.ndarray) -> np.ndarray:
    """(V,3) card vertices (metres) on a driver's skin points (template topology)."""
    return skin_points_m[cards.anchor] + cards.offset
