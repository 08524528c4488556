"""Body segment lengths and girths from stature, sex and build.

Lengths are fractions of stature from Drillis & Contini (1966) as tabulated by
Winter, Biomechanics and Motor Control of Human Movement (4th ed. 2009, Fig.
4.1): upper arm 0.186 H, forearm 0.146 H, hand 0.108 H, thigh 0.245 H, leg
0.246 H, hip joint at 0.530 H, shoulder at 0.818 H and ankle at 0.039 H above
the floor. Breadths and depths
are ANSUR II means (Gordon et al. 2014) divided by the mean stature of each
sex, rounded; finger phalanges follow Buryanov & Kotiuk (2010). `build` is a
girth z-score: every breadth, depth and limb radius grows by BUILD_PER_SD per
unit (about one standard deviation of chest depth), lengths do not. Values
and their sources: docs/driver.md, Body.
"""

from dataclasses import dataclass

BUILD_PER_SD = 0.08

# fraction of stature: (male, female)
_BREADTH = {
    "biacromial": (0.231, 0.224),      # shoulder joints sit inside this
    "chest_breadth": (0.182, 0.172),
    "chest_depth": (0.142, 0.147),
    "waist_breadth": (0.170, 0.160),
    "waist_depth": (0.130, 0.125),
    "hip_breadth_sitting": (0.216, 0.250),
    "hand_breadth": (0.051, 0.049),
    "upper_arm_radius": (0.027, 0.026),   # circumference / 2 pi
    "forearm_radius": (0.024, 0.021),
    "wrist_radius": (0.0175, 0.0155),
    "thigh_radius": (0.050, 0.054),
}
# Middle-finger phalanges as fractions of hand length (Buryanov & Kotiuk 2010:
# 43, 28 and 19 mm in a 190 mm hand); the palm (wrist crease to knuckle) 0.53.
PHALANGES = (0.226, 0.147, 0.100)
PALM = 0.53
# Finger lengths relative to the middle finger: index, middle, ring, little.
FINGER_SCALE = (0.91, 1.0, 0.95, 0.77)
THUMB = (0.24, 0.17, 0.13)   # metacarpal, proximal, distal / hand length


@dataclass(frozen=True)
class Proportions:
    stature: float
    upper_arm: float
    forearm: float
    hand: float
    thigh: float
    leg: float                # knee to ankle
    ankle_height: float       # ankle joint above the floor (heel down)
    hip_to_neck: float        # hip joint (H-point) to the base of the neck along the spine
    shoulder_half: float      # lateral offset of each shoulder joint from the midline
    chest_breadth: float
    chest_depth: float
    waist_breadth: float
    waist_depth: float
    hip_breadth: float
    hand_breadth: float
    upper_arm_r: float
    forearm_r: float
    wrist_r: float
    thigh_r: float
    finger_r: float


def proportions(stature_m: float, sex: str, build: float = 0.0) -> Proportions:
    H = stature_m
    k = 0 if sex == "male" else 1
    g = 1.0 + BUILD_PER_SD * build
    b = {name: v[k] * H * g for name, v in _BREADTH.items()}
    hand_breadth = _BREADTH["hand_breadth"][k] * H   # bones do not widen with build
    return Proportions(
        stature=H, upper_arm=0.186 * H, forearm=0.146 * H, hand=0.108 * H, thigh=0.245 * H,
        leg=0.246 * H, ankle_height=0.039 * H,
        # hip joint 0.530 H to the neck base a little above the shoulders (0.818 H)
        hip_to_neck=(0.845 - 0.530) * H,
        shoulder_half=0.5 * _BREADTH["biacromial"][k] * H - 0.022,
        chest_breadth=b["chest_breadth"], chest_depth=b["chest_depth"],
        waist_breadth=b["waist_breadth"], waist_depth=b["waist_depth"], hip_breadth=b["hip_breadth_sitting"],
        hand_breadth=hand_breadth, upper_arm_r=b["upper_arm_radius"], forearm_r=b["forearm_radius"],
        wrist_r=b["wrist_radius"], thigh_r=b["thigh_radius"], finger_r=0.095 * hand_breadth,
    )
