"""Eyeballs: sclera, iris, pupil and cornea meshes, and the gaze rotation.

Eye-local frame: origin at the rotation centre, +X along the optical axis
(out through the pupil), the same handedness as the head frame. In primary
position (looking along head +X) eye-local and head axes coincide. Lengths in
metres.

Geometry (one identity): the sclera is a sphere of radius r_e about the
rotation centre with the front cap cut away at the limbus, the circle of
radius r_i (the iris radius) on the sphere; the limbus plane is at
x_l = sqrt(r_e^2 - r_i^2). The iris is a flat annulus in the limbus plane from
the pupil radius to r_i; the pupil a disc PUPIL_OFFSET_M in front of it; the
cornea a spherical cap of radius CORNEA_RADIUS_M through the limbus circle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .mesh import fan_faces, grid_faces

CORNEA_RADIUS_M = 7.8e-3
PUPIL_OFFSET_M = 0.1e-3
N_AROUND = 48
SCLERA_RINGS = 16
IRIS_RINGS = 4
CORNEA_RINGS = 7


@dataclass(frozen=True)
class EyeMeshes:
    """Eye-local meshes of one eye; point arrays in metres."""
    sclera: tuple[np.ndarray, np.ndarray, np.ndarray]   # points, faces, normals
    iris: tuple[np.ndarray, np.ndarray, np.ndarray]
    pupil: tuple[np.ndarray, np.ndarray, np.ndarray]
    cornea: tuple[np.ndarray, np.ndarray, np.ndarray]
    limbus_x: float
    pupil_x: float
    cornea_centre_x: float


def limbus_x(eyeball_radius: float, iris_radius: float) -> float:
    return float(np.sqrt(eyeball_radius ** 2 - iris_radius ** 2))


def cornea_centre_x(eyeball_radius: float, iris_radius: float) -> float:
    return limbus_x(eyeball_radius, iris_radius) - float(np.sqrt(CORNEA_RADIUS_M ** 2 - iris_radius ** 2))


def _ring(x, radius, n=N_AROUND):
    phi = 2 * np.pi * np.arange(n) / n
    return np.stack([np.full(n, x), radius * np.cos(phi), radius * np.sin(phi)], -1)


def eye_meshes(eyeball_radius: float, iris_radius: float, pupil_radius: float) -> EyeMeshes:
    """Meshes of one eye in its local frame (fixed topology for any sizes)."""
    re, ri = eyeball_radius, iris_radius
    rp = float(np.clip(pupil_radius, 0.2e-3, ri - 0.4e-3))
    xl = limbus_x(re, ri)
    n = N_AROUND

    # sclera: polar angle from the limbus to near the back pole, denser at the front
    a0 = np.arcsin(ri / re)
    u = np.linspace(0.0, 1.0, SCLERA_RINGS)
    theta = a0 + (np.pi - 0.12 - a0) * u ** 1.4
    rings = np.concatenate([_ring(re * np.cos(t), re * np.sin(t)) for t in theta])
    back = np.array([[-re, 0.0, 0.0]])
    s_pts = np.concatenate([rings, back])
    # rows run backwards (+theta), columns with +phi: phi x theta points inwards, so flip
    s_faces = np.concatenate([grid_faces(SCLERA_RINGS, n, wrap=True)[:, [0, 2, 1]],
                              fan_faces(len(s_pts) - 1, np.arange((SCLERA_RINGS - 1) * n, SCLERA_RINGS * n)[::-1])])
    s_nrm = s_pts / np.linalg.norm(s_pts, axis=1, keepdims=True)

    # iris: annulus in the limbus plane, rows from the pupil edge outwards
    radii = np.linspace(rp, ri, IRIS_RINGS)
    i_pts = np.concatenate([_ring(xl, r) for r in radii])
    i_faces = grid_faces(IRIS_RINGS, n, wrap=True)[:, [0, 2, 1]]
    i_nrm = np.tile([1.0, 0.0, 0.0], (len(i_pts), 1))

    # pupil: disc just in front of the iris
    xp = xl + PUPIL_OFFSET_M
    p_pts = np.concatenate([[[xp, 0.0, 0.0]], _ring(xp, rp)])
    p_faces = fan_faces(0, np.arange(1, n + 1))
    p_nrm = np.tile([1.0, 0.0, 0.0], (len(p_pts), 1))

    # cornea: spherical cap through the limbus circle
    xc = xl - np.sqrt(CORNEA_RADIUS_M ** 2 - ri ** 2)
    tc = np.arcsin(ri / CORNEA_RADIUS_M)
    angles = np.linspace(tc, 0.0, CORNEA_RINGS + 1)[:-1]
    c_rings = np.concatenate([_ring(xc + CORNEA_RADIUS_M * np.cos(t), CORNEA_RADIUS_M * np.sin(t)) for t in angles])
    apex = np.array([[xc + CORNEA_RADIUS_M, 0.0, 0.0]])
    c_pts = np.concatenate([c_rings, apex])
    c_faces = np.concatenate([grid_faces(CORNEA_RINGS, n, wrap=True),
                              fan_faces(len(c_pts) - 1, np.arange((CORNEA_RINGS - 1) * n, CORNEA_RINGS * n))])
    c_nrm = c_pts - np.array([xc, 0.0, 0.0])
    c_nrm /= np.linalg.norm(c_nrm, axis=1, keepdims=True)
    return EyeMeshes((s_pts, s_faces, s_nrm), (i_pts, i_faces, i_nrm), (p_pts, p_faces, p_nrm),
                     (c_pts, c_faces, c_nrm), xl, xp, xc)


# The iris's texture is laid out as if the pupil were this share of the iris radius: the
# stroma's pattern stretches and gathers with the pupil, as the tissue does.
IRIS_TEXTURE_PUPIL = 0.3


def eye_st(side: str) -> dict[str, np.ndarray]:
    """(V,2) float32 texture coordinates of the sclera and the iris (fixed topology) of the
    right ('R') or left ('L') eye: their points seen along the optical axis, the eyeball's disc
    (sclera, of a median eye) and the iris's disc (iris) filling the unit square, so that
    neither needs a seam; the sclera's back half shares its front's texels, where nothing sees
    it. s grows towards the nose in both eyes (mirrored in the left), so one map serves both."""
    re = 0.012
    local = eye_meshes(re, 0.49 * re, 1.0e-3)
    sclera = local.sclera[0][:, 1:] / re
    phi = 2 * np.pi * np.arange(N_AROUND) / N_AROUND
    radial = IRIS_TEXTURE_PUPIL + (1.0 - IRIS_TEXTURE_PUPIL) * np.linspace(0.0, 1.0, IRIS_RINGS)
    iris = np.concatenate([r * np.stack([np.cos(phi), np.sin(phi)], -1) for r in radial])
    nasal = np.array([1.0 if side == "R" else -1.0, 1.0])   # the right eye's nose side is +y
    return {"Sclera": (0.5 + 0.5 * sclera * nasal).astype(np.float32), "Iris": (0.5 + 0.5 * iris * nasal).astype(np.float32)}


def gaze_rotation(direction: np.ndarray) -> np.ndarray:
    """Rotation taking +X to `direction` about the axis perpendicular to both
    (Listing's law: no torsion relative to primary position)."""
    g = np.asarray(direction, float)
    g = g / np.linalg.norm(g)
    x = np.array([1.0, 0.0, 0.0])
    axis = np.cross(x, g)
    s = np.linalg.norm(axis)
    c = float(g[0])
    if s < 1e-12:
        if c > 0:
            return np.eye(3)
        return np.diag([-1.0, -1.0, 1.0])
    k = axis / s
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + s * K + (1 - c) * (K @ K)


def front_surface_x(yz_local: np.ndarray, centre: np.ndarray, R: np.ndarray, eyeball_radius: float,
                    iris_radius: float, outside_slope: float | None = None) -> np.ndarray:
    """x offset (head frame, from the rotation centre) of the eye's front surface
    (sclera or cornea, whichever a ray travelling along -X meets first) at
    head-frame (y, z) offsets from the rotation centre. Outside the eyeball's
    silhouette: -inf, or with outside_slope a continuous fall-off
    -outside_slope * (distance beyond the silhouette)."""
    yz = np.asarray(yz_local, float)
    re = eyeball_radius
    rho2 = (yz ** 2).sum(-1)
    if outside_slope is None:
        xs = np.where(rho2 < re * re, np.sqrt(np.clip(re * re - rho2, 0.0, None)), -np.inf)
    else:
        xs = np.sqrt(np.clip(re * re - rho2, 0.0, None)) - outside_slope * np.clip(np.sqrt(rho2) - re, 0.0, None)
    # cornea sphere centre in head-frame offsets
    cc = R @ np.array([cornea_centre_x(re, iris_radius), 0.0, 0.0])
    d2 = ((yz - cc[1:]) ** 2).sum(-1)
    rc2 = CORNEA_RADIUS_M ** 2
    xc = np.where(d2 < rc2, cc[0] + np.sqrt(np.clip(rc2 - d2, 0.0, None)), -np.inf)
    # the cap exists only in front of the limbus plane
    p = np.stack([xc, yz[..., 0], yz[..., 1]], -1)
    axial = p @ R[:, 0]
    xc = np.where(np.isfinite(xc) & (axial >= limbus_x(re, iris_radius) - 1e-9), xc, -np.inf)
    return np.maximum(xs, xc)
