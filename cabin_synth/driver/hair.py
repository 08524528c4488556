"""Scalp hair and facial hair: where each style grows, the caps under the cards, the fringe.

The hair itself is cards (hair_cards.py); this module says where each style
grows and how its hair lies, and makes the thin caps under the cards. Every
style of a kind shares one mesh, so a USD scene made for one driver serves
every driver (fixed topology per part, docs/driver.md):

- `Hair` (the scalp's cap) is the part of the skin template that any scalp
  style can cover, offset outwards along the skin normals by CAP_MM where the
  style grows. Where a style does not reach (above its hairline, in template
  millimetres) the offset turns negative and the cap sinks 1.5 mm under the
  skin, so the hairline is where the cap comes out of the skin.
- `FacialHair` (the beard's cap) is the beard region of the skin (cheeks below
  the cheekbones, upper lip, chin, jaw and the front of the neck), offset by
  CAP_MM under a beard's cards, by a stubble's length for stubble.
- the fringe's cards hang from the frontal hairline in front of the forehead
  down over the eyes, straight (resting on the brow ridge, not in the eye
  hollows): fringe_template gives their columns.

Template coordinates are millimetres in the head frame of the template
(sculpt.py); the hairline functions take |azimuth| about sculpt.CENTRE_MM in
degrees and return the height z above which a style covers the scalp.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import sculpt

HAIR_STYLES: tuple[str, ...] = ("bald", "short", "medium", "long", "fringe")
FACIAL_HAIR: tuple[str, ...] = ("none", "stubble", "short_beard", "long_beard")

_AZ = np.array([0.0, 30.0, 50.0, 68.0, 76.0, 90.0, 105.0, 130.0, 160.0, 180.0])
# Hairline heights (mm) per |azimuth|: frontal hairline (trichion about 60 mm above
# the eye line), temples, sideburn in front of the ear, above the ear, nape.
_LINES = {
    "short": np.array([62.0, 60.0, 50.0, 22.0, -2.0, 28.0, 26.0, -10.0, -40.0, -45.0]),
    "medium": np.array([62.0, 60.0, 48.0, 15.0, -10.0, 20.0, 15.0, -40.0, -70.0, -75.0]),
    "long": np.array([62.0, 60.0, 48.0, 10.0, -170.0, -170.0, -170.0, -170.0, -170.0, -170.0]),
}
_LINES["fringe"] = _LINES["medium"]
THICKNESS_MM = {"short": 5.0, "medium": 11.0, "long": 13.0, "fringe": 11.0}   # the cards' layer
CAP_MM = 1.0                      # the caps' offset where hair grows (its roots' layer)
SINK_MM = 1.5                     # uncovered cap under the skin
EDGE_MM = 8.0                     # hairline ramp width

FRINGE_Y = np.linspace(-58.0, 58.0, 25)
FRINGE_Z = np.linspace(64.0, -5.0, 12)   # from the hairline to just below the eye line
FRINGE_GAP_MM = 7.0

# Beard region: below a line from the sideburn over the cheek to above the upper lip.
_BEARD_Y = np.array([0.0, 12.0, 26.0, 40.0, 55.0, 70.0, 80.0])
_BEARD_TOP = np.array([-47.0, -47.0, -50.0, -35.0, -15.0, -5.0, -5.0])
BEARD_THICKNESS_MM = {"short_beard": 7.0, "long_beard": 14.0}   # the cards' layer
BEARD_CAP_MM = {"none": -SINK_MM, "stubble": 0.25, "short_beard": CAP_MM, "long_beard": CAP_MM}
# A groomed beard's neckline: under the chin about at the angle between the chin's underside
# and the throat, running back to below the angles of the jaw; the throat below it is shaved.
NECKLINE_BELOW_JAW_MM = 18.0
CHIN_Z = -105.0                   # template menton is -112: the long beard hangs from here


def smoothstep(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _abs_az_deg(p_mm: np.ndarray) -> np.ndarray:
    d = p_mm - sculpt.CENTRE_MM
    return np.degrees(np.abs(np.arctan2(d[:, 1], d[:, 0])))


def scalp_cover(p_mm: np.ndarray, style: str) -> np.ndarray:
    """0..1 at template points: 1 where a scalp style grows, ramping over EDGE_MM at its hairline."""
    if style == "bald":
        return np.zeros(len(p_mm))
    line = np.interp(_abs_az_deg(p_mm), _AZ, _LINES[style])
    return smoothstep((p_mm[:, 2] - line) / EDGE_MM)


def scalp_offset_mm(p_mm: np.ndarray, style: str) -> np.ndarray:
    """Offset (mm) along the skin normal of the scalp cap at template points p_mm for a style."""
    return -SINK_MM + scalp_cover(p_mm, style) * (CAP_MM + SINK_MM)


def scalp_region(p_mm: np.ndarray) -> np.ndarray:
    """Template points any scalp style may cover (with a margin for the sunken edge)."""
    line = np.min([np.interp(_abs_az_deg(p_mm), _AZ, v) for v in _LINES.values()], axis=0)
    return p_mm[:, 2] > line - EDGE_MM


def _beard_lines(p_mm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Heights z (mm) of the beard line and of the neckline at template points' frontal y."""
    return (np.interp(np.abs(p_mm[:, 1]), _BEARD_Y, _BEARD_TOP),
            sculpt.jaw_border_z(p_mm[:, 1]) - NECKLINE_BELOW_JAW_MM)


def beard_region(p_mm: np.ndarray) -> np.ndarray:
    """Template points any facial-hair style may cover (with a margin for the sunken edges)."""
    top, neckline = _beard_lines(p_mm)
    front = _abs_az_deg(p_mm) < 82.0
    return front & (p_mm[:, 2] < top + EDGE_MM) & (p_mm[:, 2] > neckline - EDGE_MM)


def on_lips(p_mm: np.ndarray) -> np.ndarray:
    """Template points over the vermilion (to 1 mm beyond its border) or the slit between
    the lips: no hair grows there, and a trimmed beard stops at the lip line."""
    y, z = p_mm[:, 1], p_mm[:, 2]
    slit = sculpt.mouth_line_z(y)
    return ((np.abs(y) < sculpt.MOUTH_HALF_WIDTH + 2.0) & (z < slit + sculpt.upper_vermilion_height(y) + 1.0)
            & (z > slit - sculpt.lower_vermilion_height(y) - 1.0))


def beard_cover(p_mm: np.ndarray) -> np.ndarray:
    """0..1 at template points: 1 between the beard line and the neckline, ramping over EDGE_MM
    above the one and below the other (the whole lower face and the skin under the jaw; the
    stubble shadow of cabin_synth.scene.skin follows it too)."""
    top, neckline = _beard_lines(p_mm)
    return smoothstep((top - p_mm[:, 2]) / EDGE_MM) * smoothstep((p_mm[:, 2] - neckline) / EDGE_MM)


def beard_offset_mm(p_mm: np.ndarray, style: str) -> np.ndarray:
    """Offset (mm) along the skin normal of the beard cap at beard-region points."""
    return -SINK_MM + beard_cover(p_mm) * (BEARD_CAP_MM[style] + SINK_MM)


def fringe_template() -> np.ndarray:
    """(len(FRINGE_Z) * len(FRINGE_Y), 3) template points (mm) of the hanging fringe, row-major from the top."""
    y, z = np.meshgrid(FRINGE_Y, FRINGE_Z)
    fx = sculpt.face_x(y, z)
    # hang straight: never come back into a hollow below a point already passed
    hang = np.maximum.accumulate(fx, axis=0)
    x = hang + FRINGE_GAP_MM
    return np.stack([x, y, z], -1).reshape(-1, 3)


# Fibre directions (root to tip): scalp hair parts from the crown whorl, behind the
# vertex of the head, and is combed away from it over the top; lower down, below the
# widest part of the skull, it falls. Fringe and beard hang.
WHORL_MM = np.array([-100.0, 0.0, 110.0])
FALL_FROM_MM, FALL_OVER_MM = 60.0, 60.0   # radial above this height (template mm), falling over the next 60 mm below


def combed(normals: np.ndarray, dirs: np.ndarray) -> np.ndarray:
    """dirs laid into the surface (projected on the tangent plane), unit; where a
    direction is along the normal (under the chin, for a hanging fibre), backwards."""
    t = dirs - np.einsum("ij,ij->i", dirs, normals)[:, None] * normals
    back = np.array([-1.0, 0.0, 0.0]) + normals[:, :1] * normals
    t = np.where(np.linalg.norm(t, axis=1, keepdims=True) < 0.2, back, t)
    return t / np.maximum(np.linalg.norm(t, axis=1, keepdims=True), 1e-12)


def scalp_fibres(p_mm: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """(V,3) unit fibre directions of the scalp shell at template points p_mm."""
    radial = p_mm - WHORL_MM
    radial /= np.maximum(np.linalg.norm(radial, axis=1, keepdims=True), 1e-9)
    w = smoothstep((FALL_FROM_MM - p_mm[:, 2]) / FALL_OVER_MM)[:, None]
    return combed(normals, (1.0 - w) * radial + w * np.array([0.0, 0.0, -1.0]))


def hanging_fibres(normals: np.ndarray) -> np.ndarray:
    """(V,3) unit fibre directions of hair that hangs (fringe, beard)."""
    return combed(normals, np.tile([0.0, 0.0, -1.0], (len(normals), 1)))


@dataclass(frozen=True)
class ShellTopology:
    vertex_ids: np.ndarray   # (V,) skin vertex of each shell vertex
    faces: np.ndarray        # (F,3) into the shell's vertices


def shell_topology(skin_faces: np.ndarray, inside: np.ndarray) -> ShellTopology:
    """The skin faces whose three vertices are all inside, re-indexed."""
    keep = inside[skin_faces].all(axis=1)
    f = skin_faces[keep]
    ids, inv = np.unique(f, return_inverse=True)
    return ShellTopology(ids.astype(np.int64), inv.reshape(-1, 3).astype(np.int32))
