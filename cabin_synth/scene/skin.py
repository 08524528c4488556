"""Procedural skin detail of one driver: pigment, redness, relief and occlusion.

The skin's Fitzpatrick albedo (materials.py) is its mean colour; this module
spreads detail around it, deterministic per identity and fixed to the skin:

- per vertex of the head mesh (written once per identity as USD primvars,
  docs/driver.md): redness of cheeks, nose and lip border (excess
  haemoglobin), age spots (melanin), nasolabial folds (darkening), and the
  ambient occlusion of the template (driver/occlusion.py);
- per fragment, from the vertex's template (rest) coordinate so nothing swims
  when the head turns or the face moves: melanin mottle, freckles, pores,
  forehead lines and crow's feet. The same functions run in the GL shader
  (`GLSL`) and in numpy (`log_albedo`, used by render/reference.py).

Per band, pigment detail acts as a change of optical depth: melanin's from the
Fitzpatrick reflectances themselves (a freckle is skin locally a few types
darker; the types' spread in each band sets the contrast, so it falls from
RGB to 850 nm to 940 nm), haemoglobin's from its molar extinction (Prahl
1999). Relief (pores, lines, folds) darkens all bands alike. Sources and
figures: docs/driver.md, Skin.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..driver import occlusion
from ..driver.identity import Identity
from ..driver.template import skin_template
from .materials import skin as fitzpatrick

DETAIL_PART = "Head"   # the driver part (USD mesh) that carries the detail
BANDS = ("r", "g", "b", 850, 940)

# Haemoglobin molar extinction (cm^-1/M; Prahl 1999, tabulated from Gratzer and Kollias)
# at representative wavelengths of the camera's channels (R 600, G 550, B 460 nm) and
# the NIR bands; skin capillary blood taken as 70 % oxygenated.
_HB_OXY = {"r": 3200.0, "g": 43016.0, "b": 33209.2, 850: 1058.0, 940: 1214.0}
_HB_DEOXY = {"r": 14677.2, "g": 53412.0, "b": 16156.4, 850: 691.32, 940: 693.44}
HB_SATURATION = 0.7
HB_RELATIVE = np.array([(HB_SATURATION * _HB_OXY[b] + (1 - HB_SATURATION) * _HB_DEOXY[b])
                        / (HB_SATURATION * _HB_OXY["g"] + (1 - HB_SATURATION) * _HB_DEOXY["g"]) for b in BANDS])

# Fine texture (mm, melanin in Fitzpatrick type steps, relief as log darkening).
MOTTLE_MM, MOTTLE_DM = 2.5, 0.15       # uneven pigment: +-0.15 type steps over a few mm
FRECKLE_MM, FRECKLE_DM = 1.3, 1.5      # ephelides 1-4 mm, a type and a half darker
PORE_MM, PORE_DEPTH = 0.45, 0.12       # pores about 0.5 mm apart; the darkest darken 12 %
PORE_MEAN = 0.118                      # mean of the pore profile max(n - 0.55, 0) / 0.45 over the noise
FOREHEAD_SPACING_MM = 9.0
CROWS_SPACING_RAD = 0.24
CANTHUS_Y_MM, CANTHUS_Z_MM = 45.4, 0.3  # the template's lateral canthus (lines fan out from it)
LINE_DEPTH = 0.35                       # log darkening of a fully developed line's centre
# Light remitted by skin has travelled under it: relief shading is blurred over about the
# depth at which light falls to 1/e (Anderson & Parrish 1981, fair skin, approximate
# readings), much further in the NIR. Widths of the shaded features (mm):
PENETRATION_MM = np.array([0.55, 0.39, 0.17, 1.3, 1.5])   # bands r, g, b, 850, 940
LINE_WIDTH_MM, PORE_WIDTH_MM, FOLD_WIDTH_MM = 1.0, 0.3, 7.0


def relief_gain(width_mm: float) -> np.ndarray:
    """(5,) share of a feature's shading contrast left per band: the peak of a Gaussian
    profile of sd width/2 blurred by a Gaussian of sd the penetration depth."""
    return width_mm / np.sqrt(width_mm**2 + 4.0 * PENETRATION_MM**2)


def band_gains(wavelength_nm: int) -> tuple[np.ndarray, np.ndarray]:
    """(line gain, pore gain), each (4,) for r, g, b and the NIR band: the shader's uniforms."""
    band = [0, 1, 2, BANDS.index(wavelength_nm)]
    return relief_gain(LINE_WIDTH_MM)[band], relief_gain(PORE_WIDTH_MM)[band]

GLSL = """
uint skin_hash(ivec3 c) {
    uint h = uint(c.x) * 0x8da6b343u ^ uint(c.y) * 0xd8163841u ^ uint(c.z) * 0xcb1ab31fu;
    h ^= h >> 16u; h *= 0x7feb352du; h ^= h >> 15u; h *= 0x846ca68bu; h ^= h >> 16u;
    return h;
}
float skin_lattice(ivec3 c) { return float(skin_hash(c) >> 8u) * (1.0 / 16777216.0); }
// Value noise in 0..1, smooth across cells, on a lattice of unit cells.
float skin_noise(vec3 p) {
    vec3 i = floor(p);
    vec3 f = p - i;
    vec3 u = f * f * (3.0 - 2.0 * f);
    ivec3 c = ivec3(i);
    float x00 = mix(skin_lattice(c), skin_lattice(c + ivec3(1, 0, 0)), u.x);
    float x10 = mix(skin_lattice(c + ivec3(0, 1, 0)), skin_lattice(c + ivec3(1, 1, 0)), u.x);
    float x01 = mix(skin_lattice(c + ivec3(0, 0, 1)), skin_lattice(c + ivec3(1, 0, 1)), u.x);
    float x11 = mix(skin_lattice(c + ivec3(0, 1, 1)), skin_lattice(c + ivec3(1, 1, 1)), u.x);
    return mix(mix(x00, x10, u.y), mix(x01, x11, u.y), u.z);
}
float skin_line(float s) {
    float c = 0.5 + 0.5 * cos(6.28318530718 * s);
    c *= c;
    c *= c;
    return c * c;
}
// Log albedo factor (r, g, b, nir) of skin detail at a fragment. rest: template point (mm)
// and the identity's noise shift; tint: per-vertex log factor; melanin: optical depth per
// type step; relief: pore depth, forehead-line depth, crow's-feet depth, freckle threshold;
// footprint: the pixel's size on the skin (mm). A pixel averages the texture finer than
// itself: such octaves keep their mean and lose contrast as cell / footprint.
// line_gain, pore_gain: what subsurface scattering leaves of relief shading per band.
vec4 skin_log_albedo(vec4 rest, vec4 tint, vec4 melanin, vec4 relief, float footprint,
                     vec4 line_gain, vec4 pore_gain) {
    vec3 p = rest.xyz;
    vec3 q = p + rest.w * vec3(0.7548777, 0.5698403, 0.4154);
    // Terms whose weight is zero are skipped: llvmpipe pays for every noise per fragment.
    float dm = 0.0, pores = 0.0, lines = 0.0, waves = 0.0;
    if (any(notEqual(melanin, vec4(0.0)))) {
        dm = %(mottle_dm)r * 2.0 * (skin_noise(q / %(mottle_mm)r) - 0.5) * min(1.0, %(mottle_mm)r / footprint);
        if (relief.w < 1.0)
            dm += %(freckle_dm)r * smoothstep(relief.w, relief.w + 0.03, skin_noise(q / %(freckle_mm)r + 31.7));
    }
    if (relief.x > 0.0) {
        float pore = max(skin_noise(q / %(pore_mm)r + 53.1) - 0.55, 0.0) / 0.45;
        pores = relief.x * (%(pore_mean)r + (pore - %(pore_mean)r) * min(1.0, %(pore_mm)r / footprint));
    }
    if (relief.y > 0.0 || relief.z > 0.0)
        waves = skin_noise(q / 12.0 + 17.3) - 0.5;
    if (relief.y > 0.0)
        lines += relief.y * skin_line((p.z + 0.004 * p.y * p.y) / %(forehead_mm)r + 0.6 * waves);
    if (relief.z > 0.0)
        lines += relief.z * skin_line(atan(p.z - %(canthus_z)r, abs(p.y) - %(canthus_y)r) / %(crows_rad)r + 0.6 * waves);
    return tint - melanin * dm - pores * pore_gain - lines * line_gain;
}
""" % dict(mottle_dm=MOTTLE_DM, mottle_mm=MOTTLE_MM, freckle_dm=FRECKLE_DM, freckle_mm=FRECKLE_MM,
           pore_mm=PORE_MM, forehead_mm=FOREHEAD_SPACING_MM, canthus_y=CANTHUS_Y_MM, canthus_z=CANTHUS_Z_MM,
           crows_rad=CROWS_SPACING_RAD, pore_mean=PORE_MEAN)

NO_FRECKLES = 1.1   # a freckle threshold above every noise value

# Renderer layout of per-vertex detail (SceneView.detail): columns.
REST, TINT, MELANIN, RELIEF, OCCLUSION = slice(0, 4), slice(4, 8), slice(8, 12), slice(12, 16), 16
DETAIL_WIDTH = 17


def _hash(c: np.ndarray) -> np.ndarray:
    u = c.astype(np.int64).astype(np.uint32)    # two's complement bits, as GLSL's uint(int)
    h = u[..., 0] * np.uint32(0x8da6b343) ^ u[..., 1] * np.uint32(0xd8163841) ^ u[..., 2] * np.uint32(0xcb1ab31f)
    for shift, mul in ((16, 0x7feb352d), (15, 0x846ca68b)):
        h ^= h >> np.uint32(shift)
        h *= np.uint32(mul)
    h ^= h >> np.uint32(16)
    return h


def noise(p: np.ndarray) -> np.ndarray:
    """skin_noise of GLSL for (..., 3) points."""
    i = np.floor(p)
    f = p - i
    u = f * f * (3.0 - 2.0 * f)
    c = i.astype(np.int64)
    lat = lambda dx, dy, dz: (_hash(c + np.array([dx, dy, dz])) >> np.uint32(8)).astype(np.float64) / 16777216.0
    mix = lambda a, b, t: a + (b - a) * t
    x00 = mix(lat(0, 0, 0), lat(1, 0, 0), u[..., 0])
    x10 = mix(lat(0, 1, 0), lat(1, 1, 0), u[..., 0])
    x01 = mix(lat(0, 0, 1), lat(1, 0, 1), u[..., 0])
    x11 = mix(lat(0, 1, 1), lat(1, 1, 1), u[..., 0])
    return mix(mix(x00, x10, u[..., 1]), mix(x01, x11, u[..., 1]), u[..., 2])


def _line(s: np.ndarray) -> np.ndarray:
    return (0.5 + 0.5 * np.cos(2.0 * np.pi * s)) ** 8


def _smoothstep(e0, e1, x):
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def log_albedo(detail: np.ndarray, footprint_mm, wavelength_nm: int) -> np.ndarray:
    """skin_log_albedo of GLSL for (N, DETAIL_WIDTH) rows, pixel footprints (mm, (N,) or
    a scalar) and the NIR band: (N, 4) log factors (r, g, b, nir)."""
    rest, tint, melanin, relief = detail[:, REST], detail[:, TINT], detail[:, MELANIN], detail[:, RELIEF]
    p = rest[:, :3]
    q = p + rest[:, 3:4] * np.array([0.7548777, 0.5698403, 0.4154])
    dm = (MOTTLE_DM * 2.0 * (noise(q / MOTTLE_MM) - 0.5) * np.minimum(1.0, MOTTLE_MM / footprint_mm)
          + FRECKLE_DM * _smoothstep(relief[:, 3], relief[:, 3] + 0.03, noise(q / FRECKLE_MM + 31.7)))
    waves = noise(q / 12.0 + 17.3) - 0.5
    pore = np.maximum(noise(q / PORE_MM + 53.1) - 0.55, 0.0) / 0.45
    pores = relief[:, 0] * (PORE_MEAN + (pore - PORE_MEAN) * np.minimum(1.0, PORE_MM / footprint_mm))
    lines = (relief[:, 1] * _line((p[:, 2] + 0.004 * p[:, 1] ** 2) / FOREHEAD_SPACING_MM + 0.6 * waves))
    crows = relief[:, 2] > 0.0
    angle = np.arctan2(p[crows, 2] - CANTHUS_Z_MM, np.abs(p[crows, 1]) - CANTHUS_Y_MM)
    lines[crows] += relief[crows, 2] * _line(angle / CROWS_SPACING_RAD + 0.6 * waves[crows])
    line_gain, pore_gain = band_gains(wavelength_nm)
    return tint - melanin * dm[:, None] - pores[:, None] * pore_gain - lines[:, None] * line_gain


# ------------------------------------------------------------------ per identity
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


def wrinkle_depths(age_years: float) -> tuple[float, float, float]:
    """(forehead lines, crow's feet, nasolabial fold) log darkening at their centres for an age.
    Lines appear in the late twenties and deepen through life (coarse)."""
    ramp = lambda start, span: float(np.clip((age_years - start) / span, 0.0, 1.0))
    return LINE_DEPTH * ramp(25.0, 50.0), LINE_DEPTH * ramp(30.0, 45.0), 0.04 + 0.16 * ramp(20.0, 55.0)


@dataclass(frozen=True)
class SkinDetail:
    """Detail of the head mesh of one identity, per template vertex (written as primvars)."""
    rest_mm: np.ndarray       # (V,3) template point, mm, head frame of the template
    noise_shift_mm: float     # the identity's own patch of the noise field
    log_albedo: np.ndarray    # (V,5) per-vertex log factor, bands r, g, b, 850, 940
    melanin: np.ndarray       # (5,) optical depth per type step
    relief: np.ndarray        # (V,4) pore depth, forehead-line depth, crow's-feet depth, freckle threshold (NO_FRECKLES: none)
    occlusion: np.ndarray     # (V,) ambient occlusion 0..1

    def rows(self, wavelength_nm: int) -> np.ndarray:
        """(V, DETAIL_WIDTH) float32 rows of the renderer for one NIR band."""
        band = BANDS.index(wavelength_nm)
        out = np.zeros((len(self.rest_mm), DETAIL_WIDTH), np.float32)
        out[:, REST] = np.column_stack([self.rest_mm, np.full(len(self.rest_mm), self.noise_shift_mm)])
        out[:, TINT] = self.log_albedo[:, [0, 1, 2, band]]
        out[:, MELANIN] = self.melanin[[0, 1, 2, band]]
        out[:, RELIEF] = self.relief
        out[:, OCCLUSION] = self.occlusion
        return out


def _blob(p: np.ndarray, centre, sigma) -> np.ndarray:
    return np.exp(-0.5 * (((p - np.asarray(centre)) / np.asarray(sigma)) ** 2).sum(axis=1))


@lru_cache(maxsize=1)
def template_regions() -> dict[str, np.ndarray]:
    """regions() of the template's vertices."""
    return regions(skin_template().points)


def regions(p: np.ndarray) -> dict[str, np.ndarray]:
    """Weights 0..1 of the detail regions on template points (mm)."""
    front = np.clip(p[:, 0] / 10.0, 0.0, 1.0)
    yz = p[:, 1:]
    cheeks = np.maximum(_blob(yz, (-38.0, -32.0), 14.0), _blob(yz, (38.0, -32.0), 14.0)) * front
    nose = _blob(yz, (0.0, -32.0), (9.0, 13.0)) * np.clip((p[:, 0] - 12.0) / 6.0, 0.0, 1.0)
    tpl = skin_template()
    ring = tpl.points[np.concatenate(tpl.mouth_ring)]
    d_lip = np.min(np.linalg.norm(p[:, None, :] - ring[None, ::2, :], axis=2), axis=1)
    lip_border = np.exp(-(d_lip / 3.0) ** 2)
    forehead = (np.clip((p[:, 2] - 22.0) / 6.0, 0.0, 1.0) * np.clip((62.0 - p[:, 2]) / 6.0, 0.0, 1.0)
                * np.clip((48.0 - np.abs(p[:, 1])) / 8.0, 0.0, 1.0) * front)
    c = np.stack([np.abs(p[:, 1]) - CANTHUS_Y_MM, p[:, 2] - CANTHUS_Z_MM], axis=1)
    r = np.linalg.norm(c, axis=1)
    crows = (np.clip((r - 4.0) / 3.0, 0.0, 1.0) * np.clip((20.0 - r) / 4.0, 0.0, 1.0)
             * np.clip(c[:, 0] / 4.0, 0.0, 1.0) * np.clip(np.cos(np.arctan2(c[:, 1], c[:, 0])) * 2.0 - 0.6, 0.0, 1.0))
    # nasolabial fold: from beside the ala down past the mouth corner, distance in (y, z)
    a, b = np.array([16.0, -44.0]), np.array([29.0, -72.0])
    side = np.stack([np.abs(p[:, 1]), p[:, 2]], axis=1)
    t = np.clip(((side - a) @ (b - a)) / ((b - a) @ (b - a)), 0.0, 1.0)
    d_fold = np.linalg.norm(side - (a + t[:, None] * (b - a)), axis=1)
    fold = np.exp(-(d_fold / 3.5) ** 2) * front
    face = front * (p[:, 2] > -118.0) * (p[:, 2] < 72.0)
    sun_exposed = face * np.clip((p[:, 2] + 55.0) / 10.0, 0.0, 1.0)
    freckled = np.maximum(np.maximum(cheeks, nose), 0.4 * forehead)
    return dict(cheeks=cheeks, nose=nose, lip_border=lip_border, forehead=forehead, crows=crows, fold=fold,
                face=face, sun_exposed=sun_exposed, freckled=freckled)


@lru_cache(maxsize=1)
def _noise_quantiles() -> np.ndarray:
    """Quantiles 0, 0.01, ..., 1 of skin_noise's values (its distribution is not uniform)."""
    p = np.random.default_rng(0).uniform(0.0, 1000.0, (200_000, 3))
    return np.quantile(noise(p), np.linspace(0.0, 1.0, 101))


_CACHE: "OrderedDict[tuple, SkinDetail]" = OrderedDict()
_CACHE_SIZE = 16


def _vertex_areas(points: np.ndarray, faces: np.ndarray) -> np.ndarray:
    area = 0.5 * np.linalg.norm(np.cross(points[faces[:, 1]] - points[faces[:, 0]],
                                         points[faces[:, 2]] - points[faces[:, 0]]), axis=1)
    return np.bincount(faces.ravel(), weights=np.repeat(area / 3.0, 3), minlength=len(points))


def head_detail(identity: Identity) -> SkinDetail:
    """The skin detail of an identity's head (cached for the last 16 identities)."""
    key = identity.key()
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    tpl = skin_template()
    p = tpl.points
    reg = template_regions()
    rng = np.random.default_rng([identity.skin_seed, 0x5c1])
    shift = float(rng.uniform(0.0, 1000.0))
    t = identity.skin_type
    tint = -identity.redness * np.maximum.reduce([reg["cheeks"], reg["nose"], 0.7 * reg["lip_border"]])[:, None] \
        * HB_RELATIVE[None, :]
    # Age spots: placed on sun-exposed skin by the identity's own generator.
    n_spots = rng.poisson(SPOTS_AT_80[t] * np.clip((identity.age_years - 40.0) / 40.0, 0.0, 1.0))
    weights = reg["sun_exposed"] / reg["sun_exposed"].sum()
    for centre in rng.choice(len(p), size=n_spots, p=weights):
        radius, dm = rng.uniform(2.5, 6.0), rng.uniform(0.8, 1.6)
        w = np.exp(-(np.linalg.norm(p - p[centre], axis=1) / radius) ** 4)
        near = w > 1e-3
        tint[near] += melanin_log_factor(t, dm * w[near])
    forehead, crows, fold = wrinkle_depths(identity.age_years)
    tint -= (fold * reg["fold"])[:, None] * relief_gain(FOLD_WIDTH_MM)
    cover = np.clip(identity.freckles * reg["freckled"], 0.0, 1.0)
    threshold = np.where(cover > 0.0, np.interp(1.0 - cover, np.linspace(0.0, 1.0, 101), _noise_quantiles()),
                         NO_FRECKLES)
    relief = np.column_stack([PORE_DEPTH * reg["face"], forehead * reg["forehead"], crows * reg["crows"], threshold])
    detail = SkinDetail(p.astype(np.float32), shift, tint, melanin_depth(t), relief, occlusion.template_occlusion())
    # The Fitzpatrick albedo is the face's mean: scale each band so that the detail keeps it.
    areas = _vertex_areas(p, tpl.faces) * reg["face"]
    face = areas > 0
    mean = areas[face] @ np.exp(vertex_log_albedo(detail, face)) / areas.sum()
    detail = SkinDetail(detail.rest_mm, shift, tint - np.log(mean), detail.melanin, relief, detail.occlusion)
    _CACHE[key] = detail
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return detail


# The footprint at which the vertex values are taken: about a DMS camera's pixel on the face.
VERTEX_FOOTPRINT_MM = 1.0


def vertex_log_albedo(detail: SkinDetail, which=slice(None)) -> np.ndarray:
    """(V,5) log albedo factor at the head's vertices (or those selected by `which`),
    fine detail included (seen at VERTEX_FOOTPRINT_MM), bands r, g, b, 850, 940."""
    a = log_albedo(detail.rows(850)[which], VERTEX_FOOTPRINT_MM, 850)
    b = log_albedo(detail.rows(940)[which], VERTEX_FOOTPRINT_MM, 940)
    return np.column_stack([a, b[:, 3]])


# USD primvars of the detail mesh: name (under cabin_synth:) -> (type, interpolation).
PRIMVARS = {
    "rest_mm": ("point3f[]", "vertex"), "noise_shift_mm": ("float", "constant"),
    "log_albedo": ("color3f[]", "vertex"), "log_albedo_850": ("float[]", "vertex"), "log_albedo_940": ("float[]", "vertex"),
    "melanin_depth": ("color3f", "constant"), "melanin_depth_850": ("float", "constant"),
    "melanin_depth_940": ("float", "constant"), "relief": ("float4[]", "vertex"), "occlusion": ("float[]", "vertex"),
}


def primvar_values(detail: SkinDetail) -> dict:
    """The PRIMVARS' values of a SkinDetail (numpy arrays and floats)."""
    return {"rest_mm": detail.rest_mm, "noise_shift_mm": detail.noise_shift_mm,
            "log_albedo": detail.log_albedo[:, :3], "log_albedo_850": detail.log_albedo[:, 3],
            "log_albedo_940": detail.log_albedo[:, 4], "melanin_depth": detail.melanin[:3],
            "melanin_depth_850": float(detail.melanin[3]), "melanin_depth_940": float(detail.melanin[4]),
            "relief": detail.relief, "occlusion": detail.occlusion}


def from_primvars(values: dict) -> SkinDetail:
    """Inverse of primvar_values (what a renderer reads back from the stage)."""
    a = lambda name: np.asarray(values[name], np.float64)
    return SkinDetail(a("rest_mm"), float(values["noise_shift_mm"]),
                      np.column_stack([a("log_albedo"), a("log_albedo_850"), a("log_albedo_940")]),
                      np.concatenate([a("melanin_depth"), [values["melanin_depth_850"], values["melanin_depth_940"]]]),
                      a("relief"), a("occlusion"))


# Eye parts get only ambient occlusion (a per-frame primvar): they move with gaze and closure.
EYE_PARTS = tuple(f"Eye{s}/{name}" for s in "RL" for name in ("Sclera", "Iris", "Pupil", "UpperLid", "LowerLid", "Socket"))


def eye_occlusion(geometry) -> dict[str, np.ndarray]:
    """Ambient occlusion per vertex of each of EYE_PARTS of a DriverGeometry."""
    out = {}
    for part in geometry.parts:
        if part.name in EYE_PARTS:
            right = part.name.startswith("EyeR")
            lookup = occlusion.eye_occlusion if part.name.endswith(("Lid", "Socket")) else occlusion.eyeball_occlusion
            out[part.name] = lookup(part.points, geometry.eye_centres[0 if right else 1], right)
    return out
