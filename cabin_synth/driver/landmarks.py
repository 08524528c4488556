"""Landmark scheme: iBUG/300-W 68 points plus the two pupil centres (70).

Each landmark is anchored once to the mesh as (part, face index, barycentric
weights), so it follows identity, expression and the eyelids and lies exactly
on the surface of its part.
"""

from __future__ import annotations

LANDMARK_NAMES: tuple[str, ...] = (
    *(f"jaw_{i:02d}" for i in range(17)),
    "right_brow_outer_end", "right_brow_outer", "right_brow_middle", "right_brow_inner", "right_brow_inner_end",
    "left_brow_inner_end", "left_brow_inner", "left_brow_middle", "left_brow_outer", "left_brow_outer_end",
    "nose_bridge_top", "nose_bridge_upper", "nose_bridge_lower", "nose_tip",
    "right_nostril_outer", "right_nostril", "subnasale", "left_nostril", "left_nostril_outer",
    "right_eye_outer_corner", "right_eye_upper_outer", "right_eye_upper_inner",
    "right_eye_inner_corner", "right_eye_lower_inner", "right_eye_lower_outer",
    "left_eye_inner_corner", "left_eye_upper_inner", "left_eye_upper_outer",
    "left_eye_outer_corner", "left_eye_lower_outer", "left_eye_lower_inner",
    "mouth_outer_right_corner", "upper_lip_outer_right", "upper_lip_outer_right_peak", "upper_lip_outer_centre",
    "upper_lip_outer_left_peak", "upper_lip_outer_left", "mouth_outer_left_corner",
    "lower_lip_outer_left", "lower_lip_outer_left_middle", "lower_lip_outer_centre",
    "lower_lip_outer_right_middle", "lower_lip_outer_right",
    "mouth_inner_right_corner", "upper_lip_inner_right", "upper_lip_inner_centre", "upper_lip_inner_left",
    "mouth_inner_left_corner", "lower_lip_inner_left", "lower_lip_inner_centre", "lower_lip_inner_right",
    "right_pupil", "left_pupil",
)
assert len(LANDMARK_NAMES) == 70

# Skin landmarks, template millimetres. Jaw: 3D targets projected radially onto the skin
# (right side, mirrored for 9..16; 8 is the chin bottom). They sit a few millimetres in front of
# the frontal silhouette (on the surface, not on the grazing contour). Nose: frontal (y, z) on the face.
JAW_TARGETS = ((-40.0, -70.0, -5.0), (-38.0, -67.0, -23.0), (-35.0, -65.0, -42.0), (-31.0, -61.0, -61.0),
               (-29.0, -54.0, -78.0), (-24.0, -46.0, -91.0), (-14.0, -33.0, -102.0), (-2.0, -18.0, -110.0),
               (3.0, 0.0, -118.0))
NOSE_TARGETS = ((0.0, 5.0), (0.0, -7.3), (0.0, -19.7), (0.0, -32.0),
                (-13.5, -41.5), (-6.5, -43.8), (0.0, -45.5), (6.5, -43.8), (13.5, -41.5))
# Brows: position along the brow (0 medial end, 1 lateral end), iBUG order.
BROW_T_RIGHT = (0.95, 0.74, 0.52, 0.30, 0.06)
BROW_T_LEFT = (0.06, 0.30, 0.52, 0.74, 0.95)
# Eyes: position along the margin (0 lateral canthus, 1 medial canthus), iBUG order per eye.
EYE_RIGHT = (("upper", 0.0), ("upper", 1 / 3), ("upper", 2 / 3), ("upper", 1.0), ("lower", 2 / 3), ("lower", 1 / 3))
EYE_LEFT = (("upper", 1.0), ("upper", 2 / 3), ("upper", 1 / 3), ("upper", 0.0), ("lower", 1 / 3), ("lower", 2 / 3))
# Lips: template y (mm) of each point on the vermilion border (outer) or the stomion line (inner).
LIP_OUTER = (("upper", -25.0), ("upper", -15.0), ("upper", -5.0), ("upper", 0.0), ("upper", 5.0), ("upper", 15.0),
             ("upper", 25.0), ("lower", 15.0), ("lower", 6.5), ("lower", 0.0), ("lower", -6.5), ("lower", -15.0))
LIP_INNER = (("upper", -22.5), ("upper", -10.0), ("upper", 0.0), ("upper", 10.0), ("upper", 22.5),
             ("lower", 10.0), ("lower", 0.0), ("lower", -10.0))
