"""The driver's skin as texture maps, painted per identity into the skin atlas.

The skin's Fitzpatrick albedo (materials.py) is the face's mean; this module
paints detail around it into the atlas of driver/uvs.py, deterministic per
identity (its skin_seed) and fixed to the skin, so nothing swims when the head
turns or the face moves. Four maps, authored on the Skin and Lips materials as
UsdUVTexture shaders (scene/textures.py), so every renderer sees the same skin:

- diffuse albedo (sRGB, 8-bit): melanin (mottle, freckles, age spots, moles),
  haemoglobin (redness of cheeks, nose, lips), relief darkening (pores, lines,
  folds), stubble shadow, make-up;
- NIR reflectance at the sensor's band (16-bit, half the atlas's resolution:
  light at 850/940 nm spreads over about 1.3-1.5 mm under the skin, so the
  NIR picture of skin carries no finer detail);
- roughness (8-bit, half resolution): the Beckmann slope of the surface
  reflection, lower on the oily T-zone and lipstick, higher on dry cheeks;
- tangent-space normals (8-bit): pores, lines and raised moles, which break up
  the surface highlight.

Per band, pigment detail acts as a change of optical depth: melanin's from the
Fitzpatrick reflectances themselves (a freckle is skin locally a few types
darker; the types' spread in each band sets the contrast, so it falls from
RGB to 850 nm to 940 nm), haemoglobin's from its molar extinction (Prahl
1999). Relief darkens every band, less where light spreads further under the
skin. Sources and figures: docs/driver.md, Skin.
"""

from __future__ import annotations

import math
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from threading import Lock

import numpy as np
from scipy.ndimage import gaussian_filter

from ..driver import mouth, occlusion, uvs
from ..driver.build import build_driver, reference_identity
from ..driver.hair import beard_cover
from ..driver.identity import Identity
from ..driver.state import FaceState
from ..driver.template import skin_template
from .materials import HAIR, SKIN_ROUGHNESS, srgb_to_linear
from .materials import lips as _lips
from .materials import skin as fitzpatrick
from .textures import TextureFolder, TextureImage, TextureMap, nir_input

BANDS = ("r", "g", "b", 850, 940)

# Haemoglobin molar extinction (cm^-1/M; Prahl 1999, tabulated from Gratzer and Kollias)
# at representative wavelengths of the camera's channels (R 600, G 550, B 460 nm) and
# the NIR bands; skin capillary blood taken as 70 % oxygenated.
_HB_OXY = {"r": 3200.0, "g": 43016.0, "b": 33209.2, 850: 1058.0, 940: 1214.0}
_HB_DEOXY = {"r": 14677.2, "g": 53412.0, "b": 16156.4, 850: 691.32, 940: 693.44}
HB_SATURATION = 0.7
HB_RELATIVE = np.array([(HB_SATURATION * _HB_OXY[b] + (1 - HB_SATURATION) * _HB_DEOXY[b])
                        / (HB_SATURATION * _HB_OXY["g"] + (1 - HB_SATURATION) * _HB_DEOXY["g"]) for b in BANDS])

# Fine texture (mm; melanin in Fitzpatrick type steps; relief as log darkening and depth).
MOTTLE_MM, MOTTLE_DM = 2.5, 0.06       # uneven pigment: sd 0.06 type steps over a few mm
TONE_MM, TONE_DM = 12.0, 0.05          # and a broader unevenness of tone over a centimetre or two
FRECKLE_MM, FRECKLE_DM = 1.3, 1.5      # ephelides 1-4 mm, a type and a half darker
PORE_MM, PORE_DEPTH = 0.45, 0.12       # pores about 0.5 mm apart; log darkening of the pore profile
PORE_MEAN, PORE_SD = 0.12, 0.16        # the pore profile's mean and spread at full resolution
PORE_RELIEF_MM = 0.015                 # sd of the height of pore-scale relief
PORE_GLOSS = 0.2                       # sd of the relative change of roughness from pore to pore
LINE_DEPTH = 0.35                      # log darkening of a fully developed line's centre
WAVINESS = 0.15                        # sd of a line's wander, in units of its spacing
LINE_RELIEF_MM = 0.08                  # depth of a fully developed line (groove)
MOLE_RELIEF_MM = 0.3                   # height of a raised mole (compound naevus)
CANTHUS_Y_MM, CANTHUS_Z_MM = 45.4, 0.3  # the template's lateral canthus (crow's feet fan out from it)
# Light remitted by skin has travelled under it: relief shading is blurred over about the
# depth at which light falls to 1/e (Anderson & Parrish 1981, fair skin, approximate
# readings), much further in the NIR. Widths of the shaded features (mm):
PENETRATION_MM = np.array([0.55, 0.39, 0.17, 1.3, 1.5])   # bands r, g, b, 850, 940
LINE_WIDTH_MM, PORE_WIDTH_MM, FOLD_WIDTH_MM = 1.0, 0.3, 7.0


def relief_gain(width_mm: float) -> np.ndarray:
    """(5,) share of a feature's shading contrast left per band: the peak of a Gaussian
    profile of sd width/2 blurred by a Gaussian of sd the penetration depth."""
    return width_mm / np.sqrt(width_mm**2 + 4.0 * PENETRATION_MM**2)


# (6, 5) log reflectance per Fitzpatrick type and band.
LN_R = np.log([[*m.albedo_rgb, m.nir_850, m.nir_940] for m in (fitzpatrick(t) for t in range(1, 7))])


def melanin_log_factor(skin_type: int, dm: np.ndarray) -> np.ndarray:
    """(..., 5) log of R(type + dm) / R(type) per band: skin made dm type steps darker,
    interpolated in log reflectance between the types, extrapolated past VI with its last step."""
    t = np.asarray(dm, float)[..., None] + (skin_type - 1)
    k = np.clip(np.floor(t), 0, 4).astype(int)
    ln = LN_R[k, np.arange(5)] + (t - k) * (LN_R[k + 1, np.arange(5)] - LN_R[k, np.arange(5)])
    return ln - LN_R[skin_type - 1]


def melanin_depth(skin_type: int) -> np.ndarray:
    """(5,) optical depth per type step for fine pigment, the secant over a freckle's step."""
    return -melanin_log_factor(skin_type, FRECKLE_DM) / FRECKLE_DM


# Lentigines (age spots) per face after 40, by type (coarse; they follow sun exposure and fair skin).
SPOTS_AT_80 = {1: 10.0, 2: 10.0, 3: 8.0, 4: 5.0, 5: 3.0, 6: 2.0}
# Visible facial moles (melanocytic naevi): their number rises to the thirties and falls in old age (coarse).
MOLES_PEAK = 3.0


def _ramp(age: float, start: float, span: float) -> float:
    return float(np.clip((age - start) / span, 0.0, 1.0))


def wrinkle_depths(age_years: float) -> dict[str, float]:
    """Log darkening at the centre of each kind of line or fold for an age. Lines appear
    from the late twenties and deepen through life (coarse; Lemperle et al. 2001)."""
    a = age_years
    return {"forehead": LINE_DEPTH * _ramp(a, 25.0, 50.0), "crows": LINE_DEPTH * _ramp(a, 30.0, 45.0),
            "glabella": 0.8 * LINE_DEPTH * _ramp(a, 35.0, 40.0), "under_eye": 0.6 * LINE_DEPTH * _ramp(a, 30.0, 45.0),
            "perioral": 0.6 * LINE_DEPTH * _ramp(a, 45.0, 35.0), "neck": 0.7 * LINE_DEPTH * _ramp(a, 30.0, 45.0),
            "lips": 0.5 * LINE_DEPTH * (0.3 + 0.7 * _ramp(a, 30.0, 50.0)), "lids": 0.4 * LINE_DEPTH * _ramp(a, 35.0, 40.0),
            "fold": 0.04 + 0.16 * _ramp(a, 20.0, 55.0), "marionette": 0.15 * _ramp(a, 45.0, 35.0)}


def _line(phase: np.ndarray) -> np.ndarray:
    """Periodic line profile ((1 + cos 2 pi phase) / 2)^8: 1 at whole numbers, a narrow peak."""
    c = 0.5 + 0.5 * np.cos(np.float32(2.0 * np.pi) * phase)
    c *= c
    c *= c
    return c * c


def _blob(p: np.ndarray, centre, sigma) -> np.ndarray:
    return np.exp(-0.5 * (((p - np.asarray(centre)) / np.asarray(sigma)) ** 2).sum(axis=1))


def _box(x, lo, hi, ramp):
    return np.clip((x - lo) / ramp, 0.0, 1.0) * np.clip((hi - x) / ramp, 0.0, 1.0)


def _segment_distance(q: np.ndarray, a, b) -> np.ndarray:
    a, b = np.asarray(a, float), np.asarray(b, float)
    t = np.clip(((q - a) @ (b - a)) / ((b - a) @ (b - a)), 0.0, 1.0)
    return np.linalg.norm(q - (a + t[:, None] * (b - a)), axis=1)


def regions(p: np.ndarray) -> dict[str, np.ndarray]:
    """Weights 0..1 of the skin's regions at template points (mm), and the phases of its lines."""
    front = np.clip(p[:, 0] / 10.0, 0.0, 1.0)
    yz = p[:, 1:]
    y, z, ay = p[:, 1], p[:, 2], np.abs(p[:, 1])
    cheeks = np.maximum(_blob(yz, (-38.0, -32.0), 14.0), _blob(yz, (38.0, -32.0), 14.0)) * front
    nose = _blob(yz, (0.0, -32.0), (9.0, 13.0)) * np.clip((p[:, 0] - 12.0) / 6.0, 0.0, 1.0)
    tpl = skin_template()
    ring = tpl.points[np.concatenate(tpl.mouth_ring)]
    d_lip = np.min(np.linalg.norm(p[:, None, :] - ring[None, ::2, :], axis=2), axis=1)
    lip_border = np.exp(-(d_lip / 3.0) ** 2)
    forehead = _box(z, 22.0, 62.0, 6.0) * np.clip((48.0 - ay) / 8.0, 0.0, 1.0) * front
    c = np.stack([ay - CANTHUS_Y_MM, z - CANTHUS_Z_MM], axis=1)
    r = np.linalg.norm(c, axis=1)
    crows = (_box(r, 4.0, 20.0, 3.5) * np.clip(c[:, 0] / 4.0, 0.0, 1.0) * np.clip((p[:, 0] + 30.0) / 10.0, 0.0, 1.0)
             * np.clip(np.cos(np.arctan2(c[:, 1], c[:, 0])) * 2.0 - 0.6, 0.0, 1.0))
    # nasolabial fold: from beside the ala down past the mouth corner, distance in (|y|, z)
    side = np.stack([ay, z], axis=1)
    fold = np.exp(-(_segment_distance(side, (16.0, -44.0), (29.0, -72.0)) / 3.5) ** 2) * front
    marionette = np.exp(-(_segment_distance(side, (26.0, -72.0), (30.0, -95.0)) / 3.0) ** 2) * front
    face = front * (z > -118.0) * (z < 72.0)
    sun_exposed = face * np.clip((z + 55.0) / 10.0, 0.0, 1.0)
    # Under the eyes: arcs below the lower lid, 13-20 mm from the eye's centre.
    e = np.stack([ay - 32.0, z], axis=1)
    r_eye = np.linalg.norm(e, axis=1)
    under_eye = _box(r_eye, 12.5, 21.0, 2.0) * np.clip(-e[:, 1] / 4.0, 0.0, 1.0) * np.clip(-e[:, 1] / r_eye * 2.0, 0, 1) * front
    return dict(
        cheeks=cheeks, nose=nose, lip_border=lip_border, forehead=forehead, crows=crows, fold=fold,
        marionette=marionette, face=face, sun_exposed=sun_exposed, under_eye=under_eye,
        freckled=np.maximum(np.maximum(cheeks, nose), 0.4 * forehead),
        glabella=_box(z, 12.0, 36.0, 4.0) * np.exp(-((ay - 6.0) / 2.5) ** 2) * front,
        perioral=_box(ay, -1.0, 17.0, 4.0) * _box(z, -58.0, -46.0, 2.5) * front,
        neck=np.clip((-112.0 - z) / 10.0, 0.0, 1.0) * (1.0 - face),
        t_zone=np.maximum(np.maximum(nose, forehead * np.exp(-(y / 22.0) ** 2)), _blob(yz, (0.0, -110.0), (14.0, 9.0)) * front),
        beard=beard_cover(p) * np.clip((82.0 - np.degrees(np.abs(np.arctan2(y, p[:, 0] + 65.0)))) / 6.0, 0.0, 1.0),
        brow_bone=np.maximum(_blob(yz, (-33.0, 9.0), (10.0, 4.0)), _blob(yz, (33.0, 9.0), (10.0, 4.0))) * front,
        # line phases (the lines lie at whole numbers); their waviness is added per identity
        forehead_phase=(z + 0.004 * y * y) / 9.0,
        crows_phase=np.arctan2(c[:, 1], c[:, 0]) / 0.24,
        glabella_phase=(ay - 6.0) / 3.0 + 0.5,
        under_eye_phase=r_eye / 3.2,
        perioral_phase=y / 2.6,
        neck_phase=z / 12.0,
    )


@lru_cache(maxsize=1)
def template_regions() -> dict[str, np.ndarray]:
    """regions() of the template's vertices."""
    return regions(skin_template().points)


# ------------------------------------------------------------------ the atlas
# Texels across the face the camera resolves: the atlas's side is the smallest power of two
# whose face texels are no larger than a pixel on a face NEAREST_FACE_M from the camera.
NEAREST_FACE_M = 0.5
ATLAS_MIN, ATLAS_MAX = 256, 2048
# The head's points, scales and regions are computed on a coarser grid (about 3 mm apart on the
# face, finer than any region's edge) and interpolated to the texels.
HEAD_GRID_COLUMNS = 192
FACE_TEXEL_MM_AT_1024 = 0.369   # median face texel of the 1024 atlas (tests/test_skin.py measures it)


def atlas_size(f_px: float) -> int:
    """Atlas side (texels) for a camera of focal length f_px pixels."""
    pixel_mm = NEAREST_FACE_M * 1e3 / f_px
    need = 1024 * FACE_TEXEL_MM_AT_1024 / pixel_mm
    return int(np.clip(2 ** math.ceil(math.log2(need)), ATLAS_MIN, ATLAS_MAX))


def _rect(name: str, size: int) -> tuple[slice, slice]:
    x0, y0, w, h = uvs.CHARTS[name]
    return slice(round(y0 * size), round((y0 + h) * size)), slice(round(x0 * size), round((x0 + w) * size))


@lru_cache(maxsize=64)
def _linear_taps(n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray]:
    """Lower neighbour and weight of the upper one for linear interpolation between the centres
    of n_in cells at the centres of n_out cells covering the same span (ends held)."""
    x = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0.0, n_in - 1.0)
    lo = np.minimum(np.floor(x).astype(int), max(n_in - 2, 0))
    return lo, (x - lo).astype(np.float32)


def _upsample(a: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Bilinear resampling of a coarse grid whose cells cover the fine one's (texel centres aligned)."""
    a = a.astype(np.float32)
    lo, f = _linear_taps(shape[0], a.shape[0])
    hi = np.minimum(lo + 1, a.shape[0] - 1)
    rows = a[lo] + f[:, None] * (a[hi] - a[lo])
    lo, f = _linear_taps(shape[1], a.shape[1])
    hi = np.minimum(lo + 1, a.shape[1] - 1)
    return rows[:, lo] + f * (rows[:, hi] - rows[:, lo])


@dataclass(frozen=True)
class Atlas:
    """What every identity's maps share: per texel of the atlas (size x size, row 0 at the top)
    the chart's scale and, on the head's chart, its regions and line phases."""
    size: int
    step_mm: np.ndarray            # (2, size, size) mm per texel along s (right) and t (up)
    head: dict[str, np.ndarray]    # regions() over the head chart's rectangle
    face_step_mm: tuple[float, float]   # median mm per texel along s and t over the face

    @property
    def face_texel_mm(self) -> float:
        return math.sqrt(self.face_step_mm[0] * self.face_step_mm[1])

    def sigma(self, mm: float) -> tuple[float, float]:
        """(rows, columns) texels of a length on the face: the fields' correlation lengths."""
        return mm / self.face_step_mm[1], mm / self.face_step_mm[0]


def _part_steps() -> dict[str, tuple[float, float]]:
    """(mm per unit s, mm per unit t) of each chart but the head's, from the reference driver's
    triangles (median of the least-squares Jacobian of points over chart coordinates)."""
    geometry = build_driver(reference_identity(), FaceState(np.array([1.0, 0.0, 0.0]), np.zeros(2), 4.0, {}))
    out = {}
    for part in geometry.parts:
        chart = uvs.PART_CHARTS.get(part.name)
        if chart in (None, "head", "cavity"):
            continue
        st = uvs.chart_coordinates(chart, uvs.skin_uvs()[part.name].values.astype(np.float64))
        f = part.faces
        d_st = np.stack([st[f[:, 1]] - st[f[:, 0]], st[f[:, 2]] - st[f[:, 0]]], axis=1)       # (F, 2, 2)
        d_p = np.stack([part.points[f[:, 1]] - part.points[f[:, 0]], part.points[f[:, 2]] - part.points[f[:, 0]]], axis=1) * 1e3
        ok = np.abs(np.linalg.det(d_st)) > 1e-9
        J = np.linalg.solve(d_st[ok], d_p[ok])                                               # rows: dP/ds, dP/dt
        out[chart] = (float(np.median(np.linalg.norm(J[:, 0], axis=1))), float(np.median(np.linalg.norm(J[:, 1], axis=1))))
    out["cavity"] = (20.0, 20.0)
    return out


_ATLASES: dict[int, Atlas] = {}
_ATLAS_LOCK = Lock()


def atlas(size: int) -> Atlas:
    """The Atlas of a size (made once per process: about a second)."""
    with _ATLAS_LOCK:
        if size not in _ATLASES:
            _ATLASES[size] = _make_atlas(size)
        return _ATLASES[size]


def _make_atlas(size: int) -> Atlas:
    step = np.zeros((2, size, size), np.float32)
    for chart, (mm_s, mm_t) in _part_steps().items():
        rows, cols = _rect(chart, size)
        step[0, rows, cols] = mm_s / (cols.stop - cols.start)
        step[1, rows, cols] = mm_t / (rows.stop - rows.start)
    rows, cols = _rect("head", size)
    shape = (rows.stop - rows.start, cols.stop - cols.start)
    coarse = (round(HEAD_GRID_COLUMNS * shape[0] / shape[1]), HEAD_GRID_COLUMNS)
    s = (np.arange(coarse[1]) + 0.5) / coarse[1]
    t = 1.0 - (np.arange(coarse[0]) + 0.5) / coarse[0]
    S, T = np.meshgrid(s, t)
    p = uvs.head_points(S.ravel(), T.ravel())
    grid = p.reshape(coarse[0], coarse[1], 3)
    # mm per texel: central differences on the coarse grid (s wraps round the head), then per fine texel
    d_s = np.linalg.norm(np.roll(grid, -1, axis=1) - np.roll(grid, 1, axis=1), axis=2) / 2.0 * coarse[1] / shape[1]
    d_t = np.linalg.norm(np.gradient(grid, axis=0), axis=2) * coarse[0] / shape[0]
    step[0, rows, cols] = _upsample(d_s, shape)
    step[1, rows, cols] = _upsample(d_t, shape)
    head = {name: _upsample(value.reshape(coarse), shape) for name, value in regions(p).items()}
    face = head["face"] > 0.99
    return Atlas(size, step, head, (float(np.median(step[0, rows, cols][face])), float(np.median(step[1, rows, cols][face]))))


# ------------------------------------------------------------------ per identity
def _rng(ident: Identity, name: str) -> np.random.Generator:
    """The identity's generator for one feature, so that features draw independently."""
    return np.random.default_rng([ident.skin_seed, zlib.crc32(name.encode())])


def _noise(rng: np.random.Generator, shape: tuple[int, int], sigma: tuple[float, float], factor: int = 1) -> np.ndarray:
    """Gaussian random field of unit standard deviation correlated over sigma (rows, columns)
    texels, made on a grid `factor` times coarser and resampled (for features many texels wide)."""
    small = (max(shape[0] // factor, 4), max(shape[1] // factor, 4))
    field = gaussian_filter(rng.standard_normal(small, dtype=np.float32), (sigma[0] / factor, sigma[1] / factor),
                            mode="wrap")
    field /= max(float(field.std()), 1e-6)
    return field if factor == 1 else _upsample(field, shape)


@dataclass(frozen=True)
class _Fields:
    """An identity's random fields over the whole atlas (unit sd, float32, size x size). Their
    scales are the face's; other charts take theirs, a little finer or coarser in mm."""
    pores: np.ndarray
    mottle: np.ndarray
    tone: np.ndarray
    waves: np.ndarray

    @staticmethod
    def make(ident: Identity, at: Atlas) -> "_Fields":
        shape = (at.size, at.size)
        return _Fields(_noise(_rng(ident, "pores"), shape, at.sigma(0.5 * PORE_MM)),
                       _noise(_rng(ident, "mottle"), shape, at.sigma(0.5 * MOTTLE_MM), 4),
                       _noise(_rng(ident, "tone"), shape, at.sigma(0.5 * TONE_MM), 16),
                       _noise(_rng(ident, "waves"), shape, at.sigma(6.0), 16))

    def pigment(self, rows: slice, cols: slice, texel_mm) -> np.ndarray:
        """Melanin (type steps) of the mottle and the broader unevenness of tone over a rectangle;
        a texel coarser than the mottle averages it (its contrast falls as cell / texel)."""
        return (MOTTLE_DM * self.mottle[rows, cols] * np.minimum(1.0, MOTTLE_MM / texel_mm)
                + TONE_DM * self.tone[rows, cols])


@dataclass
class _Paint:
    """The fields one chart's maps are made of, per texel (float32 arrays of the chart's shape)."""
    dm: np.ndarray          # melanin, Fitzpatrick type steps darker
    hb: np.ndarray          # excess haemoglobin, optical depth at 550 nm
    pores: np.ndarray       # pore profile (log darkening / PORE_DEPTH)
    lines: np.ndarray       # line darkening (log) at LINE_WIDTH_MM
    folds: np.ndarray       # fold darkening (log) at FOLD_WIDTH_MM
    height: np.ndarray      # relief, mm
    roughness: np.ndarray   # Beckmann m
    base: str = "skin"      # the material whose albedo it starts from: skin or lips


def _spots(ident: Identity, at: Atlas, shape, step_s, step_t, texel, height) -> np.ndarray:
    """Melanin (type steps) of age spots on sun-exposed skin and of moles on the face and neck,
    placed by the identity's generator; raised moles add to `height` (mm) in place."""
    reg, age = at.head, ident.age_years
    rng = _rng(ident, "spots")
    n_spots = rng.poisson(SPOTS_AT_80[ident.skin_type] * _ramp(age, 40.0, 40.0))
    n_moles = rng.poisson(MOLES_PEAK * _ramp(age, 10.0, 20.0) * (1.0 - 0.5 * _ramp(age, 55.0, 25.0)))
    out = np.zeros(shape, np.float32)
    for kind, count, weight in (("spot", n_spots, reg["sun_exposed"]), ("mole", n_moles, np.maximum(reg["face"], reg["neck"]))):
        w = (weight * texel ** 2).ravel().astype(np.float64)
        for centre in rng.choice(w.size, size=count, p=w / w.sum()):
            i, j = divmod(int(centre), shape[1])
            radius = rng.uniform(2.5, 6.0) if kind == "spot" else rng.uniform(0.7, 2.0)
            darker = rng.uniform(0.8, 1.6) if kind == "spot" else rng.uniform(2.5, 4.0)
            reach = int(np.ceil(2.5 * radius / min(step_s[i, j], step_t[i, j])))
            r0, c0 = max(i - reach, 0), max(j - reach, 0)
            yy = (np.arange(r0, min(i + reach + 1, shape[0])) - i)[:, None] * step_t[i, j]
            xx = (np.arange(c0, min(j + reach + 1, shape[1])) - j)[None, :] * step_s[i, j]
            d = np.sqrt(xx ** 2 + yy ** 2) / radius
            window = (slice(r0, r0 + d.shape[0]), slice(c0, c0 + d.shape[1]))
            if kind == "spot":
                out[window] = np.maximum(out[window], darker * np.exp(-d ** 4))
                continue
            out[window] = np.maximum(out[window], darker * np.clip((1.0 - d) / 0.3, 0.0, 1.0))
            if rng.random() < 0.5:   # about half of facial naevi are raised
                height[window] += MOLE_RELIEF_MM * np.sqrt(np.clip(1.0 - d ** 2, 0.0, 1.0))
    return out


def _head_paint(ident: Identity, at: Atlas, fields: _Fields) -> _Paint:
    rows, cols = _rect("head", at.size)
    reg = at.head
    shape = reg["face"].shape
    step_s, step_t = at.step_mm[0, rows, cols], at.step_mm[1, rows, cols]
    texel = np.sqrt(step_s * step_t)
    # A texel coarser than a feature averages it: it keeps its mean and loses contrast as cell / texel.
    pores = fields.pores[rows, cols] * np.minimum(1.0, PORE_MM / texel)
    dm = fields.pigment(rows, cols, texel)
    if ident.freckles > 0:   # a field thresholded to cover `freckles` of the freckle-prone skin
        f = _noise(_rng(ident, "freckles"), shape, at.sigma(0.5 * FRECKLE_MM), 2)
        prone = reg["freckled"] > 0.05
        threshold = np.quantile(f[prone], 1.0 - ident.freckles)
        dm += (FRECKLE_DM * np.clip(reg["freckled"] * 1.5, 0.0, 1.0) * np.clip((f - threshold) / 0.25, 0.0, 1.0)
               * np.minimum(1.0, FRECKLE_MM / texel))
    height = PORE_RELIEF_MM * pores * reg["face"]
    dm += _spots(ident, at, shape, step_s, step_t, texel, height)
    # Lines: each kind where its region is, as deep as the age makes it, wavy per identity.
    depth = wrinkle_depths(ident.age_years)
    lines = np.zeros(shape, np.float32)
    waves = WAVINESS * fields.waves[rows, cols]
    for name in ("forehead", "crows", "glabella", "under_eye", "perioral", "neck"):
        if depth[name] > 0:
            lines += depth[name] * reg[name] * _line(reg[f"{name}_phase"] + waves)
    height -= LINE_RELIEF_MM / LINE_DEPTH * lines
    # Oily T-zone (forehead, nose, chin), dry cheeks (Weyrich et al. 2006: m about 0.25-0.5 by region).
    roughness = (SKIN_ROUGHNESS * (1.0 - 0.25 * reg["t_zone"] + 0.2 * reg["cheeks"])
                 * (1.0 + 0.1 * _ramp(ident.age_years, 30.0, 50.0)) * (1.0 + PORE_GLOSS * np.clip(pores, -2.0, 2.0)))
    pore_weight = 0.6 + 0.4 * reg["face"] + 0.3 * np.maximum(reg["nose"], reg["cheeks"])
    return _Paint(dm, ident.redness * np.maximum.reduce([reg["cheeks"], reg["nose"], 0.7 * reg["lip_border"]]),
                  (PORE_MEAN + PORE_SD * pores) * pore_weight, lines,
                  depth["fold"] * reg["fold"] + depth["marionette"] * reg["marionette"], height,
                  roughness.astype(np.float32))


def _plain_paint(ident: Identity, at: Atlas, fields: _Fields, chart: str) -> _Paint:
    """Ears, eyelids, sockets, lips, the mouth's cavity: mottle, pores, and the lines of lids and lips."""
    rows, cols = _rect(chart, at.size)
    step_s, step_t = at.step_mm[0, rows, cols], at.step_mm[1, rows, cols]
    shape = step_s.shape
    lips = chart.endswith("lip") or chart == "cavity"
    zero = np.zeros(shape, np.float32)
    roughness = np.full(shape, SKIN_ROUGHNESS * (0.85 if lips else 1.0), np.float32)
    if chart == "cavity" or chart.startswith("socket"):   # hidden or in shadow: plain
        return _Paint(zero, zero, zero + PORE_MEAN, zero, zero, zero, roughness, "lips" if lips else "skin")
    pores = fields.pores[rows, cols]
    s = (np.arange(shape[1], dtype=np.float32) + 0.5) / shape[1]
    t = ((np.arange(shape[0], dtype=np.float32) + 0.5) / shape[0])[:, None]
    depth = wrinkle_depths(ident.age_years)
    waves = WAVINESS * fields.waves[rows, cols]
    lines = zero
    if chart.startswith(("upper_lid", "lower_lid")):
        # fine creases along the lid, about 1.2 mm apart, up to its margin (t = 7/8 of the grid)
        lines = depth["lids"] * _line(t * (step_t * shape[0] / 1.2) + waves) * (t < 0.85)
    elif lips:
        # vertical lip lines about 1.2 mm apart across the vermilion
        lines = depth["lips"] * _line(s * (step_s * shape[1] / 1.2) + waves) * (t < 0.75)
    height = PORE_RELIEF_MM * pores - LINE_RELIEF_MM / LINE_DEPTH * lines
    return _Paint(fields.pigment(rows, cols, np.sqrt(step_s * step_t)), zero, PORE_MEAN + PORE_SD * pores, lines, zero, height,
                  roughness, "lips" if lips else "skin")


# ------------------------------------------------------------------ stubble shadow and make-up
# A clean-shaven man's beard area shows the hairs under and just above the skin: an area
# mix with his hair's colour, about a tenth of it (coarse; dark hair on fair skin shows most,
# and the mix fades in the NIR as hair melanin does, materials.HAIR).
STUBBLE_SHADOW = 0.1
# Make-up films (coarse, reasoned from their pigments): iron oxides and organic dyes absorb in
# the visible and turn transparent past about 750 nm, titanium dioxide and talc scatter, so
# foundation, blush, eyeshadow and lipstick change little at 850/940 nm; eyeliner's carbon
# black absorbs there too. Colours are linear RGB; NIR as a factor on the skin beneath.
FOUNDATION_COVER = {"natural": 0.35, "full": 0.6}
BLUSH = {"natural": 0.15, "full": 0.3}
BLUSH_TINT = (1.0, 0.82, 0.86)
EYESHADOWS = ((0.25, 0.2, 0.18), (0.35, 0.22, 0.12), (0.2, 0.12, 0.16), (0.15, 0.15, 0.16))
EYESHADOW_COVER, EYESHADOW_NIR = 0.5, 0.9
EYELINER, EYELINER_NIR, EYELINER_COVER = (0.02, 0.02, 0.02), 0.05, 0.9
LIPSTICKS = ((0.45, 0.03, 0.04), (0.55, 0.18, 0.25), (0.4, 0.22, 0.18), (0.25, 0.04, 0.08))
LIPSTICK_COVER = {"natural": 0.25, "full": 0.8}
LIPSTICK_NIR = 0.95
LIPSTICK_ROUGHNESS = {"natural": 0.28, "full": 0.2}
POWDER_ROUGHNESS = 1.15        # a foundation's powder makes the skin's reflection more diffuse


def _mix(albedo: np.ndarray, colour, cover: np.ndarray) -> None:
    """In place: an area mix of (..., 4) albedo with colour (4,) over cover (...) of it."""
    albedo += cover[..., None] * (np.asarray(colour, np.float32) - albedo)


# ------------------------------------------------------------------ the maps
def _srgb_encode_table() -> np.ndarray:
    x = np.linspace(0.0, 1.0, 65536)
    return np.rint(255.0 * np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1.0 / 2.4) - 0.055)).astype(np.uint8)


_SRGB = _srgb_encode_table()


def _half(a: np.ndarray) -> np.ndarray:
    """2 x 2 block means (maps kept at half the atlas's resolution)."""
    return (a[0::2, 0::2] + a[1::2, 0::2] + a[0::2, 1::2] + a[1::2, 1::2]) * np.float32(0.25)


def _normals(height: np.ndarray, step_s: np.ndarray, step_t: np.ndarray, wrap_s: bool, out: np.ndarray) -> None:
    """Tangent-space normals (x along s, the columns; y along t, up) of a height field (mm), into out (..., 3)."""
    pad = np.pad(height, ((1, 1), (0, 0)), mode="edge")
    pad = np.pad(pad, ((0, 0), (1, 1)), mode="wrap" if wrap_s else "edge")
    out[..., 0] = -(pad[1:-1, 2:] - pad[1:-1, :-2]) / (2.0 * step_s)
    out[..., 1] = -(pad[:-2, 1:-1] - pad[2:, 1:-1]) / (2.0 * step_t)     # t grows upwards: towards row 0
    out[..., 2] = 1.0
    out /= np.sqrt(np.einsum("...k,...k->...", out, out))[..., None]


def skin_images(ident: Identity, wavelength_nm: int, size: int) -> dict[str, TextureImage]:
    """The identity's four maps for a NIR band, size x size texels (NIR and roughness half that)."""
    at = atlas(size)
    band = BANDS.index(wavelength_nm)
    channels = [0, 1, 2, band]
    skin_m, lip_m = fitzpatrick(ident.skin_type), _lips(ident.skin_type)
    base = {"skin": np.array([*skin_m.albedo_rgb, skin_m.nir(wavelength_nm)], np.float32),
            "lips": np.array([*lip_m.albedo_rgb, lip_m.nir(wavelength_nm)], np.float32)}
    mel = melanin_depth(ident.skin_type)[channels].astype(np.float32)
    hb = HB_RELATIVE[channels].astype(np.float32)
    gains = {name: relief_gain(w)[channels].astype(np.float32)
             for name, w in (("pores", PORE_WIDTH_MM), ("lines", LINE_WIDTH_MM), ("folds", FOLD_WIDTH_MM))}
    albedo = np.broadcast_to(base["skin"], (size, size, 4)).copy()
    roughness = np.full((size, size), SKIN_ROUGHNESS, np.float32)
    normal = np.zeros((size, size, 3), np.float32)
    normal[..., 2] = 1.0
    fields = _Fields.make(ident, at)
    for chart in uvs.CHARTS:
        paint = _head_paint(ident, at, fields) if chart == "head" else _plain_paint(ident, at, fields, chart)
        log = (-(paint.dm[..., None] * mel) - paint.hb[..., None] * hb
               - np.maximum(paint.pores, 0.0)[..., None] * (PORE_DEPTH * gains["pores"])
               - paint.lines[..., None] * gains["lines"] - paint.folds[..., None] * gains["folds"])
        factor = np.exp(log)
        rows, cols = _rect(chart, size)
        # The material's albedo is the mean of the detail: over the face (by area) on the head.
        weight = (at.head["face"] * at.step_mm[0, rows, cols] * at.step_mm[1, rows, cols] if chart == "head"
                  else np.ones(factor.shape[:2], np.float32))
        mean = np.einsum("ij,ijk->k", weight, factor) / weight.sum()
        albedo[rows, cols] = factor * (base[paint.base] / mean)
        roughness[rows, cols] = paint.roughness
        if paint.height.any():
            _normals(paint.height, at.step_mm[0, rows, cols], at.step_mm[1, rows, cols], chart == "head",
                     normal[rows, cols])
    _stubble_shadow(ident, at, albedo, wavelength_nm)
    _makeup(ident, at, albedo, roughness, base["skin"])
    srgb = _SRGB[(np.clip(albedo[..., :3], 0.0, 1.0) * np.float32(65535) + np.float32(0.5)).astype(np.uint16)]
    return {
        "diffuseColor": TextureImage("skin_albedo", srgb, "sRGB"),
        nir_input(wavelength_nm): TextureImage(f"skin_nir{wavelength_nm}",
                                               np.rint(np.clip(_half(albedo[..., 3]), 0, 1) * 65535).astype(np.uint16)),
        "roughness": TextureImage("skin_roughness", np.rint(np.sqrt(np.clip(_half(roughness), 0, 1)) * 255).astype(np.uint8)),
        "normal": TextureImage("skin_normal", np.rint((normal + 1.0) * 127.5).astype(np.uint8)),
    }


def _stubble_shadow(ident: Identity, at: Atlas, albedo: np.ndarray, wavelength_nm: int) -> None:
    if ident.sex != "male" or ident.facial_hair != "none":
        return
    srgb, r850, r940 = HAIR[ident.hair_colour]
    hair = np.array([*srgb_to_linear(np.asarray(srgb) / 255.0), {850: r850, 940: r940}[wavelength_nm]], np.float32)
    rows, cols = _rect("head", at.size)
    follicles = 0.7 + 0.3 * np.clip(_noise(_rng(ident, "stubble"), at.head["beard"].shape, (0.5, 0.5)), -1.0, 1.0)
    _mix(albedo[rows, cols], hair, STUBBLE_SHADOW * at.head["beard"] * follicles)


def _makeup(ident: Identity, at: Atlas, albedo: np.ndarray, roughness: np.ndarray, skin_mean: np.ndarray) -> None:
    style = ident.makeup
    if style == "none":
        return
    rng = _rng(ident, "makeup")
    rows, cols = _rect("head", at.size)
    head, reg = albedo[rows, cols], at.head
    shade = skin_mean * np.array([*(rng.uniform(0.95, 1.08),) * 3, 1.02], np.float32)
    _mix(head, shade, FOUNDATION_COVER[style] * np.maximum(reg["face"], 0.5 * reg["neck"]))
    head[..., :3] *= 1.0 + BLUSH[style] * reg["cheeks"][..., None] * (np.asarray(BLUSH_TINT, np.float32) - 1.0)
    roughness[rows, cols] *= 1.0 + (POWDER_ROUGHNESS - 1.0) * reg["face"]
    lip_colour = LIPSTICKS[rng.integers(len(LIPSTICKS))]
    for chart in ("upper_lip", "lower_lip"):
        r, c = _rect(chart, at.size)
        vermilion = ((np.arange(r.stop - r.start) + 0.5) / (r.stop - r.start) < 0.75)[:, None] * np.ones(c.stop - c.start)
        lips = albedo[r, c]
        _mix(lips, (*lip_colour, LIPSTICK_NIR * float(lips[..., 3].mean())), LIPSTICK_COVER[style] * vermilion)
        roughness[r, c] = np.where(vermilion > 0, LIPSTICK_ROUGHNESS[style], roughness[r, c])
    if style != "full":
        return
    shadow = EYESHADOWS[rng.integers(len(EYESHADOWS))]
    _mix(head, (*shadow, EYESHADOW_NIR * float(skin_mean[3])), EYESHADOW_COVER * reg["brow_bone"])
    for side in uvs.SIDES:
        r, c = _rect(f"upper_lid_{side}", at.size)
        t = ((np.arange(r.stop - r.start) + 0.5) / (r.stop - r.start))[:, None] * np.ones(c.stop - c.start)
        lid = albedo[r, c]
        _mix(lid, (*shadow, EYESHADOW_NIR * float(skin_mean[3])), EYESHADOW_COVER * (t < 0.7))
        _mix(lid, (*EYELINER, EYELINER_NIR), EYELINER_COVER * ((t > 0.72) & (t < 0.9)))


_MAPS: "OrderedDict[tuple, dict[str, TextureMap]]" = OrderedDict()
_MAPS_SIZE = 64
_MAPS_LOCK = Lock()


def skin_maps(ident: Identity, wavelength_nm: int, size: int, folder: TextureFolder) -> dict[str, TextureMap]:
    """The identity's maps saved in `folder`, as the Skin and Lips materials reference them
    (the last 64 identities are remembered: a driver seen again costs nothing)."""
    key = (ident.key(), wavelength_nm, size, str(folder.root))
    with _MAPS_LOCK:
        if key in _MAPS:
            _MAPS.move_to_end(key)
            return _MAPS[key]
    maps = folder.maps(skin_images(ident, wavelength_nm, size), wrap=("repeat", "clamp"))
    with _MAPS_LOCK:
        _MAPS[key] = maps
        while len(_MAPS) > _MAPS_SIZE:
            _MAPS.popitem(last=False)
    return maps


# The driver's materials that take the skin's maps (every part bound to them has st, driver/uvs.py).
TEXTURED_MATERIALS = ("skin", "lips")


# ------------------------------------------------------------------ ambient occlusion
# Eye parts get their ambient occlusion per frame (a primvar): they move with gaze and closure.
EYE_PARTS = tuple(f"Eye{s}/{name}" for s in "RL" for name in ("Sclera", "Iris", "Pupil", "UpperLid", "LowerLid", "Socket"))
OCCLUSION_PART = "Head"    # the template's own occlusion, the same for every identity
# The mouth's inside gets its per frame too (it opens and closes): the sky reaches it only
# through the lips' opening, so an open mouth is dark inside as in photographs.
MOUTH_PARTS = ("Mouth/Cavity", "Mouth/UpperTeeth", "Mouth/LowerTeeth", "Mouth/Tongue")


def head_occlusion() -> np.ndarray:
    """(V,) ambient occlusion of the head template's vertices."""
    return occlusion.template_occlusion()


def eye_occlusion(geometry) -> dict[str, np.ndarray]:
    """Ambient occlusion per vertex of each of EYE_PARTS of a DriverGeometry."""
    out = {}
    for part in geometry.parts:
        if part.name in EYE_PARTS:
            right = part.name.startswith("EyeR")
            lookup = occlusion.eye_occlusion if part.name.endswith(("Lid", "Socket")) else occlusion.eyeball_occlusion
            out[part.name] = lookup(part.points, geometry.eye_centres[0 if right else 1], right)
    return out


def mouth_opening(geometry) -> np.ndarray:
    """(K,3) the mouth's opening: the lips' stomion rows (the mouth slit's edges), wound
    counter-clockwise seen from in front (upper lip right corner to left, lower lip back)."""
    n = mouth.mouth_template().n_cols
    up = geometry.part("Mouth/UpperLip").points.reshape(mouth.N_LIP_ROWS, n, 3)[mouth.MOUTH_ROW]
    lo = geometry.part("Mouth/LowerLip").points.reshape(mouth.N_LIP_ROWS, n, 3)[mouth.MOUTH_ROW]
    return np.concatenate([lo[:-1], up[::-1][:-1]])


def mouth_occlusion(geometry) -> dict[str, np.ndarray]:
    """Ambient occlusion per vertex of each of MOUTH_PARTS: the sky they see only through
    the mouth's opening (driver.occlusion.opening_occlusion)."""
    opening = mouth_opening(geometry)
    return {name: occlusion.opening_occlusion(geometry.part(name).points, geometry.part(name).normals, opening)
            for name in MOUTH_PARTS}
