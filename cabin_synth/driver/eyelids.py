"""Eyelids and eye sockets.

Each eye opening in the skin (template.py) is filled by three parts that
share its boundary ring: the upper lid and the lower lid (sheets from the
ring to the lid margins, folded back at the margin so the margin has a
thickness) and the socket (a funnel from the ring back to the eyeball's
equator, facing forwards, so that nothing behind the eye shows through the
corners of the fissure).

The lid margins run between the two canthi (eye corners). In the frontal
(y, z) projection the margin of each lid is the chord between the canthi
plus a bump f(tau) (tau = 0 at the lateral canthus, 1 at the medial one);
the upper bump shrinks with closure until it lies on the lower margin, and
both follow the eye's elevation (the upper lid by LID_PITCH_UPPER of the
cornea's travel). The depth (x) of each margin point lies on the eyeball's
front surface (sclera or cornea as currently rotated) plus the lid
thickness, so the lids ride over the cornea without cutting it.

Lengths in metres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .eyes import front_surface_x
from .mesh import grid_faces, vertex_normals

N_LID_ROWS = 9          # ring ... anterior margin, then the posterior margin
MARGIN_ROW = N_LID_ROWS - 2   # anterior lid margin (the lid edge that aperture and landmarks use)
POSTERIOR_ROW = N_LID_ROWS - 1
LID_MARGIN_THICKNESS = 1.1e-3
LID_CLEARANCE = 0.15e-3
LID_SOFT_THICKNESS = 1.2e-3
UPPER_SHARE = 0.6        # share of the open aperture above the canthal line at its midpoint
LID_PITCH_UPPER = 0.85   # upper-lid margin travel per cornea-top travel (looking down)
LID_PITCH_UPPER_UP = 0.7
LID_PITCH_LOWER = 0.3
LID_PITCH_LOWER_UP = 0.12
CLOSED_GAP = 0.08e-3     # upper margin above the lower one when fully closed
MAX_UPPER_HEIGHT = 9.0e-3  # upper margin at most this far above the canthal line
CANTHUS_X_LATERAL = 4.5e-3
CANTHUS_X_MEDIAL = 7.5e-3
SOCKET_ROWS = 3

_ENVELOPE = 0.7e-3 * np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
_S = 1.0 - (1.0 - np.linspace(0.0, 1.0, N_LID_ROWS - 1)) ** 1.35   # ring -> anterior margin


def _bump(tau, gamma, power):
    t = np.clip(tau, 0.0, 1.0) ** gamma
    return np.clip(4.0 * t * (1.0 - t), 0.0, None) ** power


UPPER_SHAPE = (1.18, 0.62)   # peak slightly medial of centre, a rounded arch
LOWER_SHAPE = (0.88, 0.8)    # lowest point slightly lateral


def _softplus(u, k):
    return k * np.logaddexp(0.0, u / k)


def _smax(a, b, k):
    h = np.clip(0.5 + 0.5 * (a - b) / k, 0.0, 1.0)
    return b + (a - b) * h + k * h * (1.0 - h)


@dataclass(frozen=True)
class LidTopology:
    n_cols: int
    upper_faces: np.ndarray
    lower_faces: np.ndarray
    socket_faces: np.ndarray


def lid_topology(n_cols: int, right_eye: bool) -> LidTopology:
    base = grid_faces(N_LID_ROWS, n_cols)
    # upper lid: columns lateral -> medial, rows downwards. Right eye: columns run
    # towards +y, rows towards -z, y x -z = -x: flip. Lower lid rows run upwards.
    upper = base[:, [0, 2, 1]] if right_eye else base
    lower = base if right_eye else base[:, [0, 2, 1]]
    loop = 2 * n_cols - 2
    sock = grid_faces(SOCKET_ROWS, loop, wrap=True)
    # loop runs lateral -> over the top -> medial -> under -> lateral, rows run
    # inwards (backwards); orient the funnel to face forwards (+x).
    sock = sock[:, [0, 2, 1]] if right_eye else sock
    return LidTopology(n_cols, upper.astype(np.int32), lower.astype(np.int32), sock.astype(np.int32))


@dataclass(frozen=True)
class LidShape:
    """Identity-level eyelid parameters of one eye (head frame, metres)."""
    canthus_lateral: np.ndarray
    canthus_medial: np.ndarray
    open_aperture: float      # metres, at the midpoint of the canthal line, eye in primary position


@dataclass(frozen=True)
class LidResult:
    upper: np.ndarray          # (rows*cols, 3)
    lower: np.ndarray
    socket: np.ndarray
    upper_normals: np.ndarray
    lower_normals: np.ndarray
    socket_normals: np.ndarray
    aperture: float            # metres


def margin_tau(beta: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 - np.cos(beta))


def margin_height(tau, shape: LidShape, elevation: float, closure: float, eyeball_radius: float,
                  lower_raise: float = 0.0):
    """Frontal heights (z, head frame) of the upper and lower lid margins at tau.
    lower_raise (share of the open aperture) lifts the lower margin (squint)."""
    kl, km = shape.canthus_lateral, shape.canthus_medial
    chord = kl[2] + tau * (km[2] - kl[2])
    fu = _bump(tau, *UPPER_SHAPE) / _bump(0.5, *UPPER_SHAPE)
    fl = _bump(tau, *LOWER_SHAPE) / _bump(0.5, *LOWER_SHAPE)
    a = shape.open_aperture
    travel = eyeball_radius * np.sin(elevation)   # vertical travel of the cornea's top
    du = travel * (LID_PITCH_UPPER if elevation < 0 else LID_PITCH_UPPER_UP)
    dl = travel * (LID_PITCH_LOWER if elevation < 0 else LID_PITCH_LOWER_UP)
    lower_h = max((1.0 - UPPER_SHARE - lower_raise) * a - dl, 0.5e-3 - lower_raise * a)
    upper_h = min(UPPER_SHARE * a + du, MAX_UPPER_HEIGHT)
    z_low = chord - lower_h * fl
    z_open = chord + upper_h * fu
    z_closed = z_low + CLOSED_GAP * fu
    z_up = z_open + (z_closed - z_open) * closure
    return np.maximum(z_up, z_closed), z_low


def build_lids(topology: LidTopology, centre: np.ndarray, R: np.ndarray, eyeball_radius: float,
               iris_radius: float, ring_upper: np.ndarray, ring_lower: np.ndarray,
               ring_normals_upper: np.ndarray, ring_normals_lower: np.ndarray,
               tau_upper: np.ndarray, tau_lower: np.ndarray, shape: LidShape,
               closure: float, right_eye: bool, lower_raise: float = 0.0) -> LidResult:
    gaze = R[:, 0]
    elevation = float(np.arcsin(np.clip(gaze[2], -1.0, 1.0)))
    kl, km = shape.canthus_lateral, shape.canthus_medial

    def globe_x(yz):
        # front of the eyeball, as an envelope over a small frontal neighbourhood so that
        # edges between lid vertices also clear the cornea's steep flank when the eye turns
        rel = yz - centre[1:]
        x = front_surface_x(rel, centre, R, eyeball_radius, iris_radius, outside_slope=4.0)
        for off in _ENVELOPE:
            x = np.maximum(x, front_surface_x(rel + off, centre, R, eyeball_radius, iris_radius, outside_slope=4.0))
        return centre[0] + x

    def margins(tau, z):
        y = kl[1] + tau * (km[1] - kl[1])
        xc = kl[0] + tau * (km[0] - kl[0]) + 1.5e-3 * 4.0 * tau * (1.0 - tau)
        yz = np.stack([y, z], -1)
        xg = globe_x(yz)
        xa = _smax(xc, xg + LID_MARGIN_THICKNESS, 0.4e-3)
        xp = _smax(xc - LID_MARGIN_THICKNESS, xg + LID_CLEARANCE, 0.2e-3)
        xp = np.minimum(xp, xa - 0.3e-3)
        return np.stack([xa, y, z], -1), np.stack([xp, y, z], -1)

    def sheet(ring, ring_normal, anterior, posterior, bulge):
        # a quadratic Bezier from the ring to the margin that leaves the ring in the skin's
        # tangent plane (no crease at the seam), heading for the margin
        n = len(ring)
        pts = np.empty((N_LID_ROWS, n, 3))
        s = _S[:, None, None]
        v = anterior - ring
        u = v - np.einsum("ij,ij->i", v, ring_normal)[:, None] * ring_normal
        u /= np.maximum(np.linalg.norm(u, axis=1, keepdims=True), 1e-12)
        ctrl = ring + u * (0.4 * np.linalg.norm(anterior - ring, axis=1, keepdims=True))
        ctrl[:, 0] += bulge
        b = (1 - s) ** 2 * ring[None] + 2 * s * (1 - s) * ctrl[None] + s ** 2 * anterior[None]
        yz = b[..., 1:]
        x = b[..., 0]
        s = s[..., 0]
        xg = globe_x(yz)
        t = LID_MARGIN_THICKNESS + (1.0 - s) * LID_SOFT_THICKNESS
        w = np.clip(s / 0.15, 0.0, 1.0)
        w = w * w * (3.0 - 2.0 * w)
        x = x + w * _softplus(xg + t - x, 0.3e-3)
        pts[:-1, :, 0] = x
        pts[:-1, :, 1:] = yz
        pts[0] = ring
        pts[MARGIN_ROW] = anterior
        pts[POSTERIOR_ROW] = posterior
        return pts

    zu, _ = margin_height(tau_upper, shape, elevation, closure, eyeball_radius, lower_raise)
    _, zl = margin_height(tau_lower, shape, elevation, closure, eyeball_radius, lower_raise)
    au, pu = margins(tau_upper, zu)
    al, pl = margins(tau_lower, zl)
    upper = sheet(ring_upper, ring_normals_upper, au, pu, 0.8e-3)
    lower = sheet(ring_lower, ring_normals_lower, al, pl, 0.4e-3)

    # aperture: margins' heights where the vertical through the canthal midpoint crosses them
    my = 0.5 * (kl[1] + km[1])
    aperture = _height_at(au, my) - _height_at(al, my)

    # socket funnel: ring loop -> behind the eyeball's equator
    loop = np.concatenate([ring_upper, ring_lower[-2:0:-1]])
    rel = loop[:, 1:] - centre[1:]
    phi = np.arctan2(rel[:, 1], rel[:, 0])
    rin = eyeball_radius - 0.3e-3
    inner = np.stack([np.full(len(loop), centre[0] - 2.0e-3), centre[1] + rin * np.cos(phi),
                      centre[2] + rin * np.sin(phi)], -1)
    mid = 0.5 * (loop + inner) - np.array([3.0e-3, 0.0, 0.0])
    socket = np.concatenate([loop, mid, inner])

    up = upper.reshape(-1, 3)
    lo = lower.reshape(-1, 3)
    n = topology.n_cols
    un = vertex_normals(up, topology.upper_faces)
    ln = vertex_normals(lo, topology.lower_faces)
    un[:n] = ring_normals_upper
    ln[:n] = ring_normals_lower
    sn = vertex_normals(socket, topology.socket_faces)
    return LidResult(up, lo, socket, un, ln, sn, float(aperture))


def _height_at(margin: np.ndarray, y: float) -> float:
    ys, zs = margin[:, 1], margin[:, 2]
    order = np.argsort(ys)
    return float(np.interp(y, ys[order], zs[order]))
