"""The sculpted template head surface: anatomical profile curves and feature fields.

Everything here is in millimetres in the head frame (+X out of the face, +Y to
the driver's left, +Z up, origin between the eyeball rotation centres) and
describes one fixed template head (an adult of middling proportions). Identity
and expression are applied later as smooth space warps of this template
(warp.py, expressions.py), so the template is evaluated only once per process.

The surface is star-shaped about CENTRE_MM: a point is given by a direction and
a radius. The radius is a smooth maximum of two surfaces:
- the *blank*: a cranium (an egg-shaped ellipsoid) smoothly united with a neck
  (an elliptic cylinder), found by bisection of a signed field along the ray;
- the *face*: a depth map x = face_x(y, z) built from a midline profile curve,
  a transverse cross-section that wraps the face around, and additive feature
  fields (brow ridge, eye sockets, cheekbones, nose, lips, philtrum, chin, jaw
  line); also found by bisection along the ray.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import PchipInterpolator

CENTRE_MM = np.array([-65.0, 0.0, 0.0])


def _curve(points):
    z, v = zip(*sorted(points))
    return PchipInterpolator(np.array(z, float), np.array(v, float), extrapolate=True)


# Midline profile of the face without nose and lips, x(z), through soft-tissue
# landmarks of a mid-sized adult (menton -112, pogonion -92, labiomental fold
# -81, stomion -65, subnasale -45, nasion +8, glabella +22).
_X0 = _curve([(-150, -75), (-135, -52), (-125, -33), (-118, -16), (-114, -5), (-110, 4), (-104, 11),
              (-96, 15.5), (-89, 15.5), (-82, 13.5), (-76, 15.5), (-68, 18.5), (-58, 20.0), (-50, 20.5),
              (-44, 20.0), (-30, 18.0), (-15, 17.0), (-2, 19.0), (8, 23.5), (15, 26.5), (22, 28.0),
              (32, 27.5), (45, 24.5), (60, 18.0), (75, 5.0), (90, -15.0), (105, -45.0), (120, -80.0)])
# Half-width and depth of the elliptic transverse cross-section of the face.
_W = _curve([(-150, 30), (-125, 36), (-110, 42), (-95, 50), (-80, 56), (-60, 62), (-35, 66), (-10, 68),
             (15, 66), (40, 62), (70, 50), (100, 35), (120, 30)])
_D = _curve([(-150, 50), (-100, 56), (-60, 64), (-10, 64), (30, 60), (70, 55), (100, 45), (120, 40)])

# Nose: midline profile (absolute x), half-width and ridge roundness by height.
_XN = _curve([(14, 18.0), (8, 23.8), (3, 25.0), (-5, 27.3), (-15, 31.3), (-24, 36.3), (-29, 39.8),
              (-32, 41.0), (-35, 40.4), (-38, 37.6), (-41, 32.0), (-43.5, 26.0), (-45.5, 21.5), (-48, 17.0)])
_WN = _curve([(14, 8.0), (5, 8.5), (-5, 9.0), (-15, 10.5), (-25, 13.0), (-32, 16.0), (-37, 18.5),
              (-41, 18.0), (-44, 15.0), (-48, 11.0)])
_NOSE_K = 0.8

# Mouth (millimetres): half-width to the cheilion, stomion line, vermilion heights.
EYE_HALF_SPACING_MM = 32.0
EYE_CLEAR_RADIUS_MM = 13.6
# Medial orbit hollow (medial_orbit_hollow): centred just medial of the template's medial canthi
# (about 16 mm medial of the eye centres, 1.5 mm below them), deep enough that the skin 3-4 mm medial of a
# canthus lies about 5 mm in front of it and the canthus shows from 30 degrees below and
# 25 degrees to either side (tests/test_driver.py checks the view cone).
MEDIAL_HOLLOW_DEPTH = 9.0
MEDIAL_HOLLOW_Y = EYE_HALF_SPACING_MM - 17.0
MEDIAL_HOLLOW_Z = -2.0
MEDIAL_HOLLOW_WIDTH = 5.0
MEDIAL_HOLLOW_HEIGHT = 8.0
MEDIAL_HOLLOW_MIN_DX = 0.2   # only directions facing forward: the hollow is on the face
MOUTH_HALF_WIDTH = 25.0
STOMION_Z = -65.0
UPPER_VERMILION = 8.0
LOWER_VERMILION = 9.5


def _g(u):
    return np.exp(-u * u)


def _softplus(u):
    return np.logaddexp(0.0, u)


def smax(a, b, k):
    """Polynomial smooth maximum (blend width k)."""
    h = np.clip(0.5 + 0.5 * (a - b) / k, 0.0, 1.0)
    return b + (a - b) * h + k * h * (1.0 - h)


def mouth_line_z(y):
    """Stomion line (mouth slit) height at lateral offset y."""
    t = np.clip(np.abs(y) / MOUTH_HALF_WIDTH, 0.0, 1.0)
    return STOMION_Z - 0.6 * t * t


def upper_vermilion_height(y):
    t = np.clip(np.abs(y) / MOUTH_HALF_WIDTH, 0.0, 1.0)
    bow = 1.1 * _g((np.abs(y) - 5.0) / 2.6) - 0.7 * _g(y / 2.0)
    return UPPER_VERMILION * (1.0 - t * t) ** 0.6 + bow * (1.0 - t)


def lower_vermilion_height(y):
    t = np.clip(np.abs(y) / MOUTH_HALF_WIDTH, 0.0, 1.0)
    return LOWER_VERMILION * (1.0 - t * t) ** 0.55


def _sig(u):
    return 0.5 * (1.0 + np.tanh(0.5 * u))


def _lips(y, z):
    """Vermilion bulges, the mouth groove and the corners (all smooth)."""
    ay = np.abs(y)
    t = np.clip(ay / (MOUTH_HALF_WIDTH + 3.0), 0.0, 1.0)
    lateral = (1.0 - t * t) ** 1.5
    zm = mouth_line_z(y)
    hu = np.maximum(upper_vermilion_height(y), 0.8)
    hl = np.maximum(lower_vermilion_height(y), 0.8)
    uu = (z - zm) / hu  # 0 at the stomion, 1 at the upper vermilion border
    ul = (zm - z) / hl  # 0 at the stomion, 1 at the lower vermilion border
    upper = 3.6 * _g((uu - 0.45) / 0.5) * _sig((uu + 0.05) / 0.06) + 0.5 * _g((uu - 1.0) / 0.12)
    lower = 3.4 * _g((ul - 0.5) / 0.55) * _sig((ul + 0.05) / 0.06)
    groove = -1.6 * _g((z - zm) / 0.9)
    corner = -1.2 * _g((ay - MOUTH_HALF_WIDTH - 1.5) / 4.0) * _g((z - zm) / 5.0)
    return lateral * (upper + lower + groove) + corner


_T1 = 0.85
_S1 = _T1 / np.sqrt(1.0 - _T1 * _T1)


def _cross(t):
    """Transverse fall-off of the face: an ellipse, continued by its tangent past t = 0.85."""
    tc = np.minimum(t, _T1)
    e = np.clip(t - _T1, 0.0, None)
    return 1.0 - np.sqrt(1.0 - tc * tc) + _S1 * e + 12.0 * e * e


def jaw_border_z(y):
    """Height z (mm) of the mandible's lower border under the skin at frontal position y: the
    menton's height in the middle, rising towards the angles of the jaw."""
    return -113.0 + 31.0 * np.clip(np.abs(y) / 55.0, 0.0, 1.5) ** 1.8


def face_x(y, z):
    """Depth map of the face: x (mm) of the skin at frontal position (y, z)."""
    y = np.asarray(y, float)
    z = np.asarray(z, float)
    ay = np.abs(y)
    W = _W(z)
    D = _D(z)
    x = _X0(z) - D * _cross(ay / W)

    # brow ridge, glabella, eye sockets, cheekbones, cheeks, temples
    x = x + 2.6 * _g((ay - 29.0) / 19.0) * _g((z - 19.0) / 6.5)
    x = x + 1.4 * _g(y / 12.0) * _g((z - 18.0) / 7.0)
    x = x - 6.0 * _g((ay - 32.0) / 14.0) * _g((z - 2.0) / 11.0)
    x = x + 4.0 * _g((ay - 47.0) / 13.0) * _g((z + 15.0) / 11.0)
    x = x + 2.0 * _g((ay - 30.0) / 12.0) * _g((z + 27.0) / 12.0)
    x = x - 3.0 * _g((ay - 60.0) / 10.0) * _g((z - 25.0) / 15.0)

    # philtrum columns and groove between subnasale and the upper vermilion
    z_top = mouth_line_z(y) + upper_vermilion_height(y)
    win = 1.0 / (1.0 + np.exp(-(z - z_top - 0.5) / 0.6)) * 1.0 / (1.0 + np.exp((z + 46.0) / 1.2))
    x = x + win * (0.5 * _g((ay - 5.0) / 1.8) - 0.35 * _g(y / 2.3))
    x = x + _lips(y, z)
    # chin
    x = x + 2.5 * _g(y / 14.0) * _g((z + 95.0) / 8.0)
    # nasolabial fold: a shallow crease from the ala to beside the mouth corner, cheek fuller laterally
    p0, p1 = np.array([19.0, -38.0]), np.array([31.0, -72.0])
    d = p1 - p0
    s = np.clip(((ay - p0[0]) * d[0] + (z - p0[1]) * d[1]) / (d @ d), 0.0, 1.0)
    sd = ((ay - p0[0]) * d[1] - (z - p0[1]) * d[0]) / np.linalg.norm(d)   # > 0 towards the cheek
    fade = np.sin(np.pi * s) ** 2
    x = x + fade * (-0.7 * _g(sd / 1.8) + 0.9 * _g((sd - 4.5) / 3.0) * _sig(sd / 1.0))

    # keep the skin around the eye openings clear of the largest eyeballs (radius 13.3 mm)
    for side in (-1.0, 1.0):
        rho = np.hypot(y - side * EYE_HALF_SPACING_MM, z)
        cap = np.sqrt(np.clip(EYE_CLEAR_RADIUS_MM ** 2 - rho ** 2, 0.0, None)) + 1.8
        cap = cap - 30.0 * np.clip(rho - EYE_CLEAR_RADIUS_MM, 0.0, None)
        x = smax(x, cap, 1.5)

    # jaw line: below the mandible's lower border the skin turns under
    x = x - 2.5 * 3.0 * _softplus((jaw_border_z(y) - z) / 3.0)

    # nose: an additive ridge over the face; cross-section (1 - t)^2 (1 + 2t) is round on the
    # dorsum, steep on the sides and meets the cheeks with zero slope (the nasofacial groove)
    zc = np.clip(z, -48.0, 14.0)
    wn = np.maximum(_WN(zc), 3.0)
    h = _NOSE_K * np.logaddexp(0.0, (_XN(zc) - _X0(zc)) / _NOSE_K)
    h = h * _sig((14.0 - z) / 1.5) * _sig((z + 48.0) / 1.2)
    tn = np.clip(ay / wn, 0.0, 1.0)
    x = x + h * (1.0 - tn) ** 2 * (1.0 + 2.0 * tn)
    x = x + 2.4 * _g((ay - 13.5) / 4.0) * _g((z + 37.0) / 4.5)       # alae
    x = x - 1.0 * _g((ay - 18.5) / 1.6) * _g((z + 38.0) / 5.0)       # alar-facial groove
    x = x + 1.0 * _g(y / 6.0) * _g((z + 32.0) / 4.0)                  # tip lobule
    x = x - 3.0 * _g((ay - 5.5) / 2.6) * _g((z + 42.5) / 2.0)         # nostrils
    return x


def _sd_ellipsoid(p, axes):
    k0 = np.linalg.norm(p / axes, axis=-1)
    k1 = np.linalg.norm(p / (axes * axes), axis=-1)
    return k0 * (k0 - 1.0) / np.maximum(k1, 1e-9)


def _smin_exp(a, b, k):
    return -k * np.logaddexp(-a / k, -b / k)


CRANIUM_CENTRE = np.array([-66.0, 0.0, 26.0])
NECK_AXIS = np.array([-70.0, 0.0])
NECK_SEMI = np.array([53.0, 59.0])
NECK_LEAN = 0.12  # the neck axis moves forward this much per mm of descent below z = -60
NECK_TOP_Z = -40.0
JAW_CENTRE = np.array([-40.0, 0.0, -48.0])
JAW_SEMI = np.array([50.0, 66.0, 52.0])
# The throat lies well behind the chin: in profile the cervical point, where the chin's underside
# meets the neck, is behind the soft-tissue gnathion by the lower face's height (subnasale to
# gnathion) divided by 1.2-1.6 (Legan and Burstone's lower vertical height-depth ratio: 1.2 in
# their 1980 norms, 1.4-1.6 measured in Turkish adults, Scientific World Journal 2013, 806203).
# The neck's front half is THROAT_RECESS_MM shallower from THROAT_TOP_Z up, and comes forward
# below it to the full cylinder at the stump's end, where the body's collar takes it
# (body/build.py) at the same place as before.
THROAT_RECESS_MM = 36.0
THROAT_TOP_Z, THROAT_BOTTOM_Z = -118.0, -180.0


def neck_front_semi(z):
    """The neck cylinder's half-depth (mm) in front of its axis at height z."""
    t = np.clip((np.asarray(z, float) - THROAT_BOTTOM_Z) / (THROAT_TOP_Z - THROAT_BOTTOM_Z), 0.0, 1.0)
    return NECK_SEMI[0] - THROAT_RECESS_MM * t * t * (3.0 - 2.0 * t)


def blank_sdf(p):
    """Signed field (mm, < 0 inside) of the blank: cranium egg united with the neck."""
    q = p - CRANIUM_CENTRE
    # semi-axes vary smoothly (an egg: shorter in front than behind)
    ax = 92.0 - 4.0 * np.tanh(q[..., 0] / 30.0)
    axes = np.stack([ax, np.full(q.shape[:-1], 77.0), np.full(q.shape[:-1], 91.5)], axis=-1)
    cranium = _sd_ellipsoid(q, axes)
    e = p[..., :2] - NECK_AXIS
    e[..., 0] -= NECK_LEAN * np.clip(-60.0 - p[..., 2], 0.0, None)
    depth = np.where(e[..., 0] > 0.0, neck_front_semi(p[..., 2]), NECK_SEMI[0])
    neck2d = _sd_ellipsoid(e, np.stack([depth, np.full(depth.shape, NECK_SEMI[1])], axis=-1))
    neck = 6.0 * np.logaddexp(neck2d / 6.0, (p[..., 2] - NECK_TOP_Z) / 6.0)   # rounded top, no crease
    jaw = _sd_ellipsoid(p - JAW_CENTRE, JAW_SEMI)
    # exponential smooth minimum: infinitely smooth (a polynomial one leaves curvature seams)
    return _smin_exp(_smin_exp(cranium, jaw, 7.0), neck, 9.0)


def _bisect(inside_fn, dirs, lo, hi, iters=22):
    lo = np.full(len(dirs), lo, float)
    hi = np.full(len(dirs), hi, float)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        pts = CENTRE_MM + mid[:, None] * dirs
        ins = inside_fn(pts)
        lo = np.where(ins, mid, lo)
        hi = np.where(ins, hi, mid)
    return 0.5 * (lo + hi)


def neck_ring(z, az):
    """Points (mm) on the neck cylinder at height z, in directions az (radians) from its axis."""
    ax = NECK_AXIS[0] + NECK_LEAN * np.clip(-60.0 - z, 0.0, None)
    c, s = np.cos(az), np.sin(az)
    depth = np.where(c > 0.0, neck_front_semi(z), NECK_SEMI[0])
    r = 1.0 / np.sqrt((c / depth) ** 2 + (s / NECK_SEMI[1]) ** 2)
    return np.stack([ax + r * c, r * s, np.broadcast_to(z, np.shape(az))], axis=-1)


def radius(dirs):
    """Distance (mm) from CENTRE_MM to the skin along unit directions (N,3)."""
    dirs = np.asarray(dirs, float)
    r_b = _bisect(lambda p: blank_sdf(p) < 0.0, dirs, 5.0, 260.0)
    front = dirs[:, 0] > 0.1
    r_f = np.zeros(len(dirs))
    if front.any():
        d = dirs[front]
        fx = lambda p: p[:, 0] < face_x(p[:, 1], p[:, 2])
        start_in = fx(CENTRE_MM + 5.0 * d)
        r = _bisect(fx, d, 5.0, 260.0)
        # fade the face out towards the sides, where it already lies inside the blank
        w = np.clip((d[:, 0] - 0.15) / 0.25, 0.0, 1.0)
        w = w * w * (3.0 - 2.0 * w)
        r_f[front] = np.where(start_in, r, 0.0) * w
    r = 3.0 * np.logaddexp(r_b / 3.0, r_f / 3.0)
    # Carved after the union: beside the nasal root the cranium blank, not the face, sets the depth.
    frontal = np.clip(dirs[:, 0], MEDIAL_HOLLOW_MIN_DX, None)
    return r - np.where(dirs[:, 0] > MEDIAL_HOLLOW_MIN_DX, medial_orbit_hollow(CENTRE_MM + r[:, None] * dirs) / frontal, 0.0)


def medial_orbit_hollow(p):
    """How far (mm, along x) the skin between the nasal root and each medial canthus
    is set back. Without it the skin there stood 10-12 mm in front of the canthus only
    3-4 mm medial of it, so the lids met in a deep crease that hid the canthus from any
    camera more than a few degrees off the face's axis, while a person's medial canthi
    show in frontal photographs and from below (the nasal side wall slopes down into
    the canthus; issue 12)."""
    ay = np.abs(p[..., 1])
    return MEDIAL_HOLLOW_DEPTH * _g((ay - MEDIAL_HOLLOW_Y) / MEDIAL_HOLLOW_WIDTH) * _g((p[..., 2] - MEDIAL_HOLLOW_Z) / MEDIAL_HOLLOW_HEIGHT)
