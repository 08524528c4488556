"""Surface reflection of glossy opaque dielectrics: skin and lips.

Skin reflects about 3 % of the light at its air/stratum-corneum interface
before any enters; that reflection is white (the same in every band: the
refractive index barely changes from 450 to 950 nm) and spread by the skin's
micro-relief into a lobe around the mirror direction. It is what gives a face
its highlights on the forehead, the nose and the cheekbones, most visibly on
dark skin where the diffuse part is weak, and what a near-axis NIR
illuminator puts on every part of a face that faces the camera.

The model is Cook-Torrance: Beckmann facet slopes of RMS `m`, Smith shadowing
(Walter et al. 2007's rational fit for Beckmann) and the exact unpolarised
Fresnel reflectance of a dielectric of index `eta`:

    f_s(l, v) = D(h) F(v.h) G1(l) G1(v) / (4 (n.l) (n.v))

For the sky (uniform radiance over what the surface sees of it) the lobe's
directional albedo A(n.v), the integral of f_s cos over the hemisphere, is
tabulated per material at ALBEDO_NODES. The diffuse albedo is left as measured
(reflectance spectra are the skin's total diffuse remission); the specular
lobe comes on top. Values and sources: docs/sensors.md, Surface reflection.

Hair is a layer of fibres, not a surface: its sheen is the light reflected
once at the cuticle of each fibre (Marschner et al. 2003, "Light scattering
from human hair fibers", the R lobe). It forms a band across the fibres,
shifted towards their roots by the tilt of the cuticle scales:

    S_R = M(theta_h - ALPHA) N(phi) / cos^2(theta_d),  radiance = S_R E cos(theta_i)

with theta the inclinations of light and view to the plane normal to the fibre,
theta_h their mean, theta_d half their difference, M a unit Gaussian of width
BETA, and N(phi) = cos(phi/2) F(cos(theta_d) cos(phi/2)) / 4 over the azimuth
phi between them about the fibre (d'Eon et al. 2011's form of the R lobe). The
fibres' directions come with the hair meshes (FIBRE_PRIMVAR). Light that
enters the fibre and leaves again (Marschner's TT and TRT lobes, coloured by
the pigment) stays in the hair's diffuse albedo.

The same functions run in the GL shader (`GLSL`) and in numpy
(render/reference.py), so the two renderers can be checked against each other.
"""

from functools import lru_cache

import numpy as np

# n.v at which the sky's specular albedo is tabulated (linear interpolation between).
ALBEDO_NODES = (np.arange(8) + 0.5) / 8
# The R lobe of hair: shift and width of its longitudinal Gaussian, the middle of the
# ranges Marschner et al. 2003 give for human hair (-10 to -5 and 5 to 10 degrees).
HAIR_SHIFT_RAD = float(np.radians(-7.5))
HAIR_WIDTH_RAD = float(np.radians(7.5))
# USD primvar (vector3f[], vertex) of a hair mesh: unit fibre directions, root to tip.
FIBRE_PRIMVAR = "cabin_synth:fibre_direction"


def fresnel(c: np.ndarray, eta: float) -> np.ndarray:
    """Unpolarised Fresnel reflectance of a dielectric of index eta at cos(incidence) c."""
    c = np.clip(c, 0.0, 1.0)
    g = np.sqrt(eta * eta - 1.0 + c * c)
    a = (g - c) / (g + c)
    b = (c * (g + c) - 1.0) / (c * (g - c) + 1.0)
    return 0.5 * a * a * (1.0 + b * b)


def _smith_g1(cos_t: np.ndarray, m: float) -> np.ndarray:
    cos_t = np.clip(cos_t, 1e-6, 1.0)
    a = cos_t / (m * np.sqrt(1.0 - cos_t * cos_t) + 1e-12)
    return np.where(a < 1.6, (3.535 * a + 2.181 * a * a) / (1.0 + 2.276 * a + 2.577 * a * a), 1.0)


def brdf(n: np.ndarray, l: np.ndarray, v: np.ndarray, eta: float, m: float) -> np.ndarray:
    """f_s (1/sr) for unit vectors (..., 3); 0 where light or view is below the surface."""
    nl = np.einsum("...j,...j->...", n, l)
    nv = np.einsum("...j,...j->...", n, v)
    h = l + v
    h = h / np.maximum(np.linalg.norm(h, axis=-1, keepdims=True), 1e-12)
    nh = np.clip(np.einsum("...j,...j->...", n, h), 1e-4, 1.0)
    c2 = nh * nh
    d = np.exp(-(1.0 - c2) / (c2 * m * m)) / (np.pi * m * m * c2 * c2)
    f = fresnel(np.einsum("...j,...j->...", h, v), eta)
    g = _smith_g1(nl, m) * _smith_g1(nv, m)
    lit = (nl > 0) & (nv > 0)
    return np.where(lit, d * f * g / (4.0 * np.where(lit, nl * nv, 1.0)), 0.0)


def fibre_brdf(t: np.ndarray, n: np.ndarray, l: np.ndarray, v: np.ndarray, eta) -> np.ndarray:
    """The R lobe of hair per unit irradiance on its layer: S_R cos(theta_i) / (n.l), so
    that, like brdf(), it multiplies the irradiance of the shell surface (1/sr).
    t: unit fibre directions, or zero where a mesh carries none (no sheen there)."""
    dot = lambda a, b: np.einsum("...j,...j->...", a, b)
    nl, nv = dot(n, l), dot(n, v)
    si, sr = np.clip(dot(l, t), -1, 1), np.clip(dot(v, t), -1, 1)
    ti, tr = np.arcsin(si), np.arcsin(sr)
    th, td = 0.5 * (ti + tr), 0.5 * (tr - ti)
    lp, vp = l - si[..., None] * t, v - sr[..., None] * t
    cos_phi = dot(lp, vp) / np.sqrt(np.maximum(dot(lp, lp) * dot(vp, vp), 1e-12))
    half = np.sqrt(np.maximum(0.5 * (1.0 + cos_phi), 0.0))   # cos(phi / 2)
    m = np.exp(-0.5 * ((th - HAIR_SHIFT_RAD) / HAIR_WIDTH_RAD) ** 2) / (HAIR_WIDTH_RAD * np.sqrt(2 * np.pi))
    s = m * 0.25 * half * fresnel(np.cos(td) * half, eta) / np.cos(td) ** 2
    lit = (nl > 0) & (nv > 0) & (dot(t, t) > 0.5)   # no direction, no sheen
    return np.where(lit, s * np.cos(ti) / np.where(lit, nl, 1.0), 0.0)


@lru_cache(maxsize=8)
def albedo_table(eta: float, m: float, steps: int = 256) -> np.ndarray:
    """A(n.v) at ALBEDO_NODES: the lobe's reflectance of a uniform hemisphere (midpoint rule)."""
    theta = (np.arange(steps) + 0.5) * (np.pi / 2) / steps
    phi = (np.arange(2 * steps) + 0.5) * np.pi / steps
    th, ph = np.meshgrid(theta, phi, indexing="ij")
    l = np.stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)], axis=-1)
    weight = np.cos(th) * np.sin(th) * (np.pi / 2 / steps) * (np.pi / steps)
    n = np.array([0.0, 0.0, 1.0])
    out = []
    for mu in ALBEDO_NODES:
        v = np.array([np.sqrt(1.0 - mu * mu), 0.0, mu])
        out.append(float(np.sum(brdf(n, l, v, eta, m) * weight)))
    return np.array(out)


def sky_albedo(nv: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Tabulated A at n.v, held flat beyond the end nodes (as the shader's clamp)."""
    return np.interp(nv, ALBEDO_NODES, table)


GLSL = """
const float HAIR_SHIFT = %(shift)r;
const float HAIR_WIDTH = %(width)r;
float fresnel_dielectric(float c, float eta) {
    c = clamp(c, 0.0, 1.0);
    float g = sqrt(eta * eta - 1.0 + c * c);
    float a = (g - c) / (g + c);
    float b = (c * (g + c) - 1.0) / (c * (g - c) + 1.0);
    return 0.5 * a * a * (1.0 + b * b);
}
float smith_g1(float cos_t, float m) {
    cos_t = clamp(cos_t, 1e-6, 1.0);
    float a = cos_t / (m * sqrt(1.0 - cos_t * cos_t) + 1e-12);
    return a < 1.6 ? (3.535 * a + 2.181 * a * a) / (1.0 + 2.276 * a + 2.577 * a * a) : 1.0;
}
// Cook-Torrance f_s (cabin_synth.render.specular.brdf); gloss = (Beckmann m, eta).
float specular_brdf(vec3 n, vec3 l, vec3 v, vec2 gloss) {
    float nl = dot(n, l), nv = dot(n, v);
    if (nl <= 0.0 || nv <= 0.0) return 0.0;
    vec3 h = normalize(l + v);
    float nh = clamp(dot(n, h), 1e-4, 1.0);
    float c2 = nh * nh, m2 = gloss.x * gloss.x;
    float d = exp(-(1.0 - c2) / (c2 * m2)) / (PI * m2 * c2 * c2);
    return d * fresnel_dielectric(dot(h, v), gloss.y) * smith_g1(nl, gloss.x) * smith_g1(nv, gloss.x) / (4.0 * nl * nv);
}
// The R lobe of hair per unit irradiance on its layer (cabin_synth.render.specular.fibre_brdf).
float fibre_brdf(vec3 t, vec3 n, vec3 l, vec3 v, float eta) {
    float nl = dot(n, l);
    if (nl <= 0.0 || dot(n, v) <= 0.0 || dot(t, t) < 0.5) return 0.0;
    float si = clamp(dot(l, t), -1.0, 1.0), sr = clamp(dot(v, t), -1.0, 1.0);
    float ti = asin(si), tr = asin(sr);
    float th = 0.5 * (ti + tr), td = 0.5 * (tr - ti);
    vec3 lp = l - si * t, vp = v - sr * t;
    float cos_phi = dot(lp, vp) * inversesqrt(max(dot(lp, lp) * dot(vp, vp), 1e-12));
    float half_phi = sqrt(max(0.5 * (1.0 + cos_phi), 0.0));
    float x = (th - HAIR_SHIFT) / HAIR_WIDTH;
    float m = exp(-0.5 * x * x) / (HAIR_WIDTH * sqrt(2.0 * PI));
    float s = m * 0.25 * half_phi * fresnel_dielectric(cos(td) * half_phi, eta) / (cos(td) * cos(td));
    return s * cos(ti) / nl;
}
// gloss = (Beckmann m, eta, 1 for hair fibres); t: the fibre direction (hair only).
float surface_brdf(vec3 n, vec3 t, vec3 l, vec3 v, vec3 gloss) {
    return gloss.z > 0.5 ? fibre_brdf(t, n, l, v, gloss.y) : specular_brdf(n, l, v, gloss.xy);
}
// The sky's specular albedo A(n.v) from the material's 8 nodes at (k + 0.5) / 8.
float sky_albedo(float nv, vec4 lo, vec4 hi) {
    float x = clamp(nv * 8.0 - 0.5, 0.0, 7.0);
    int k = int(min(floor(x), 6.0));
    float nodes[8] = float[8](lo.x, lo.y, lo.z, lo.w, hi.x, hi.y, hi.z, hi.w);
    return mix(nodes[k], nodes[k + 1], x - float(k));
}
""" % {"shift": HAIR_SHIFT_RAD, "width": HAIR_WIDTH_RAD}
