"""Driver identity: who the driver is (sex, age, skin type, body and face measures).

Face shape is carried as z-scores (0 = the population mean for the driver's
sex and age); `dimensions()` turns them into absolute measures in millimetres
with the means and spreads below. Sources and caveats: docs/driver.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np
from scipy.special import ndtri

from .hair import FACIAL_HAIR, HAIR_STYLES

# name: (male mean, female mean, sd, age slope per year beyond AGE_PIVOT[name]) in mm (tilt: degrees)
# Means are for young-to-middle-aged adults.
MEASURES: dict[str, tuple[float, float, float, float]] = {
    "head_length": (196.0, 186.0, 6.5, 0.0),          # glabella-opisthocranion (ANSUR II; human-factors.md)
    "head_breadth": (155.0, 147.0, 5.5, 0.0),         # eurion-eurion
    "head_height": (118.0, 112.0, 5.0, 0.0),          # vertex above the eyeball centres (derived, see docs)
    "face_height": (121.0, 112.0, 6.0, 0.0),          # nasion-gnathion (Farkas 1994)
    "cheekbone_width": (140.0, 131.0, 5.5, 0.0),      # bizygomatic breadth
    "jaw_width": (115.0, 105.0, 6.5, 0.0),            # bigonial breadth over the skin (approximate)
    "brow_ridge": (1.0, -1.0, 1.2, 0.0),              # glabella projection relative to the template
    "nose_length": (54.5, 50.5, 3.2, 0.05),           # nasion-subnasale; the nose lengthens with age
    "nose_width": (35.0, 31.5, 2.3, 0.04),            # alare-alare
    "nose_projection": (20.0, 19.0, 2.0, 0.0),        # subnasale-pronasale
    "eye_spacing": (64.7, 62.3, 3.6, 0.0),            # interpupillary distance (Dodgson 2004)
    "eye_size": (29.5, 28.5, 1.4, 0.0),               # palpebral fissure length, exocanthion-endocanthion
    "eye_aperture": (9.8, 10.2, 1.3, -0.04),          # alert open lid aperture (Euro NCAP range 6-14)
    "canthal_tilt": (3.5, 4.5, 2.5, 0.0),             # degrees, lateral canthus above medial
    "lip_thickness": (8.7, 8.3, 1.3, -0.035),         # mean vermilion height of both lips
    "mouth_width": (53.0, 49.5, 3.3, 0.03),           # cheilion-cheilion
    "chin_projection": (0.5, -0.5, 2.5, 0.0),         # pogonion projection relative to the template
    "ear_size": (63.0, 59.0, 4.0, 0.2),               # ear length; ears grow through life
    "lower_lip_share": (0.55, 0.55, 0.04, 0.0),       # lower vermilion height / both (approximate)
    "forehead_slope": (14.0, 10.0, 4.0, 0.0),         # degrees, forehead behind the vertical (approximate)
}
AGE_PIVOT = {"eye_aperture": 40.0, "ear_size": 30.0, "nose_length": 30.0, "nose_width": 30.0,
             "lip_thickness": 30.0, "mouth_width": 30.0}
LIMITS: dict[str, tuple[float, float]] = {
    "eye_spacing": (54.0, 74.0), "eye_size": (24.0, 33.0), "eye_aperture": (6.0, 14.0),
    "canthal_tilt": (-4.0, 12.0), "lip_thickness": (4.0, 13.0), "lower_lip_share": (0.4, 0.68),
    "forehead_slope": (0.0, 28.0),
}
SHAPE_PARAMS: tuple[str, ...] = tuple(MEASURES)

# Correlated z-scores from a small factor model: z = L f + sqrt(1 - |L_i|^2) e,
# f = (general size, face length, robustness). Unit variances by construction.
_LOADINGS = {
    "head_length": (0.55, 0.0, 0.0), "head_breadth": (0.5, 0.0, 0.0), "head_height": (0.45, 0.2, 0.0),
    "face_height": (0.4, 0.55, 0.0), "cheekbone_width": (0.55, 0.0, 0.2), "jaw_width": (0.4, 0.0, 0.45),
    "brow_ridge": (0.0, 0.0, 0.6), "nose_length": (0.25, 0.5, 0.0), "nose_width": (0.25, 0.0, 0.2),
    "nose_projection": (0.0, 0.2, 0.1), "eye_spacing": (0.35, 0.0, 0.0), "eye_size": (0.2, 0.0, 0.0),
    "eye_aperture": (0.0, 0.0, 0.0), "canthal_tilt": (0.0, 0.0, 0.0), "lip_thickness": (0.0, 0.0, -0.15),
    "mouth_width": (0.3, 0.0, 0.2), "chin_projection": (0.0, 0.15, 0.45), "ear_size": (0.3, 0.0, 0.0),
    "lower_lip_share": (0.0, 0.0, 0.0), "forehead_slope": (0.0, 0.0, 0.4),
}
LOADINGS = np.array([_LOADINGS[k] for k in SHAPE_PARAMS])
UNIQUE_SD = np.sqrt(1.0 - (LOADINGS ** 2).sum(axis=1))


def shape_correlation() -> np.ndarray:
    """Correlation matrix of the shape z-scores implied by the factor model."""
    return LOADINGS @ LOADINGS.T + np.diag(UNIQUE_SD ** 2)


# Stature (ANSUR II 2012 means and sds), metres; shrinks about 1 mm/yr beyond 50.
STATURE = {"male": (1.755, 0.069), "female": (1.628, 0.064)}
# Eye: axial length (mm) sets the eyeball radius (half of it); visible iris diameter.
AXIAL_LENGTH = {"male": (23.8, 0.9), "female": (23.3, 0.9)}
WHITE_TO_WHITE = (11.7, 0.45)

IRIS_COLOURS: dict[str, tuple[float, float, float]] = {   # linear RGB albedo
    "blue": (0.085, 0.13, 0.20), "grey": (0.13, 0.14, 0.15), "green": (0.085, 0.12, 0.065),
    "hazel": (0.13, 0.095, 0.045), "light_brown": (0.095, 0.052, 0.024), "dark_brown": (0.034, 0.018, 0.009),
}
_IRIS_P = {  # colour probabilities by Fitzpatrick skin type (coarse, see docs)
    1: (0.36, 0.10, 0.12, 0.14, 0.15, 0.13), 2: (0.30, 0.08, 0.12, 0.16, 0.18, 0.16),
    3: (0.12, 0.03, 0.08, 0.20, 0.29, 0.28), 4: (0.02, 0.0, 0.02, 0.10, 0.30, 0.56),
    5: (0.0, 0.0, 0.0, 0.03, 0.15, 0.82), 6: (0.0, 0.0, 0.0, 0.0, 0.10, 0.90),
}


# Make-up painted into the skin's maps (cabin_synth.scene.skin): none, a natural look
# (foundation, a little blush, tinted lips), or full (with eyeshadow, eyeliner, lipstick).
MAKEUP: tuple[str, ...] = ("none", "natural", "full")


# Natural hair colours (materials.HAIR holds their reflectance); probabilities by
# Fitzpatrick type before greying (coarse, see docs/driver.md).
HAIR_COLOURS: tuple[str, ...] = ("black", "dark_brown", "brown", "light_brown", "blond", "red", "grey", "white")
_HAIR_P = {  # black, dark brown, brown, light brown, blond, red
    1: (0.0, 0.08, 0.20, 0.25, 0.35, 0.12), 2: (0.02, 0.20, 0.30, 0.23, 0.20, 0.05),
    3: (0.15, 0.50, 0.25, 0.07, 0.02, 0.01), 4: (0.60, 0.35, 0.05, 0.0, 0.0, 0.0),
    5: (0.90, 0.10, 0.0, 0.0, 0.0, 0.0), 6: (0.95, 0.05, 0.0, 0.0, 0.0, 0.0),
}
# Scalp styles [bald, short, medium, long, fringe] of adults below the balding ages.
_STYLE_P = {"female": (0.0, 0.15, 0.35, 0.40, 0.10), "male": (0.0, 0.72, 0.18, 0.06, 0.04)}
# Men's facial hair [none, stubble, short beard, long beard].
_FACIAL_P = (0.45, 0.25, 0.25, 0.05)


def grey_probability(age_years: float) -> float:
    """Share of people whose hair reads grey or white: about half by the mid-fifties (Panhard et al. 2012)."""
    return float(1.0 / (1.0 + np.exp(-(age_years - 55.0) / 7.0)))


def bald_probability(sex: str, age_years: float) -> float:
    """Visibly bald scalp (Norwood-Hamilton V-VII): men only, rising with age (Norwood 1975)."""
    return 0.0 if sex == "female" else float(0.45 * np.clip((age_years - 25.0) / 55.0, 0.0, 1.0))


def sample_hair(rng: np.random.Generator, sex: str, age_years: float, skin_type: int) -> tuple[str, str, str, str]:
    """(hair_style, hair_colour, facial_hair, natural colour before greying), conditioned on sex, age and skin type."""
    if rng.random() < bald_probability(sex, age_years):
        style = "bald"
    else:
        p = np.array(_STYLE_P[sex])
        style = HAIR_STYLES[int(rng.choice(len(HAIR_STYLES), p=p / p.sum()))]
    p = np.array(_HAIR_P[skin_type])
    colour = natural = HAIR_COLOURS[int(rng.choice(6, p=p / p.sum()))]
    if rng.random() < grey_probability(age_years):
        colour = "white" if rng.random() < float(np.clip((age_years - 60.0) / 40.0, 0.0, 0.6)) else "grey"
    facial = "none"
    if sex == "male":
        facial = FACIAL_HAIR[int(rng.choice(len(FACIAL_HAIR), p=np.array(_FACIAL_P)))]
    return style, colour, facial, natural


# Brows grey later and less than the scalp: share of greyed scalps whose brows read grey (coarse).
BROW_GREY_P = {"grey": 0.4, "white": 0.75}
# Ephelides (freckles) by Fitzpatrick type: share of people with facial freckles (coarse;
# freckling goes with fair skin and MC1R variants, Bastiaens et al. 2001).
FRECKLED_P = {1: 0.6, 2: 0.4, 3: 0.15, 4: 0.05, 5: 0.02, 6: 0.01}


def sample_skin(rng: np.random.Generator, skin_type: int, age_years: float) -> tuple[float, float, int]:
    """(freckles, redness, skin_seed) of docs/driver.md, Skin: freckle cover of the
    freckle-prone skin, fading after 30; excess haemoglobin of cheeks and nose as
    optical depth at 550 nm; the seed that places every spot and line."""
    freckles = 0.0
    if rng.random() < FRECKLED_P[skin_type]:
        freckles = float(rng.uniform(0.05, 0.35) * np.clip(1.0 - (age_years - 30.0) / 60.0, 0.3, 1.0))
    redness = float(np.clip(0.12 * np.exp(0.4 * rng.standard_normal()), 0.03, 0.4))
    return freckles, redness, int(rng.integers(0, 2**31 - 1))


@dataclass(frozen=True)
class Identity:
    sex: str
    age_years: float
    skin_type: int
    stature_m: float
    ipd_m: float
    eyeball_radius_m: float
    iris_radius_m: float
    iris_rgb: tuple[float, float, float]
    shape: Mapping[str, float] = field(default_factory=dict)
    hair_style: str = "short"           # hair.HAIR_STYLES
    hair_colour: str = "dark_brown"     # HAIR_COLOURS
    facial_hair: str = "none"           # hair.FACIAL_HAIR
    brow_colour: str = "dark_brown"     # HAIR_COLOURS
    freckles: float = 0.0               # scene/skin.py: freckle cover of the freckle-prone skin, 0..1
    redness: float = 0.0                # scene/skin.py: excess haemoglobin optical depth at 550 nm on cheeks and nose
    skin_seed: int = 0                  # places the skin's spots and lines (scene/skin.py)
    makeup: str = "none"                # MAKEUP: scene/skin.py paints it into the skin's maps

    def __post_init__(self):
        for name, value, known in (("hair_style", self.hair_style, HAIR_STYLES), ("makeup", self.makeup, MAKEUP),
                                   ("hair_colour", self.hair_colour, HAIR_COLOURS),
                                   ("brow_colour", self.brow_colour, HAIR_COLOURS),
                                   ("facial_hair", self.facial_hair, FACIAL_HAIR)):
            if value not in known:
                raise ValueError(f"{name} must be one of {list(known)}, got {value!r}")
        if self.sex not in ("female", "male"):
            raise ValueError(f"sex must be 'female' or 'male', got {self.sex!r}")
        if not 1 <= int(self.skin_type) <= 6:
            raise ValueError(f"skin_type must be a Fitzpatrick type 1..6, got {self.skin_type!r}")
        unknown = sorted(set(self.shape) - set(SHAPE_PARAMS))
        if unknown:
            raise ValueError(f"unknown face-shape parameter(s) {unknown}; known: {list(SHAPE_PARAMS)}")
        if not (0.008 < self.eyeball_radius_m < 0.016) or not (0.003 < self.iris_radius_m < 0.6 * self.eyeball_radius_m):
            raise ValueError(f"eyeball_radius_m {self.eyeball_radius_m} / iris_radius_m {self.iris_radius_m} out of range")
        if not (0.0 <= self.freckles <= 1.0 and 0.0 <= self.redness <= 1.0):
            raise ValueError(f"freckles {self.freckles} and redness {self.redness} must lie in 0..1")
        if not 0.045 < self.ipd_m < 0.085:
            raise ValueError(f"ipd_m {self.ipd_m} out of range")
        object.__setattr__(self, "shape", MappingProxyType({k: float(v) for k, v in self.shape.items()}))

    def key(self) -> tuple:
        """A hashable summary (cache key)."""
        return (self.sex, float(self.age_years), int(self.skin_type), float(self.stature_m), float(self.ipd_m),
                float(self.eyeball_radius_m), float(self.iris_radius_m), tuple(float(c) for c in self.iris_rgb),
                tuple(sorted((k, float(v)) for k, v in self.shape.items())),
                self.hair_style, self.hair_colour, self.facial_hair, self.brow_colour,
                float(self.freckles), float(self.redness), int(self.skin_seed), self.makeup)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sex": self.sex,
            "age_years": float(self.age_years),
            "skin_type": int(self.skin_type),
            "stature_m": float(self.stature_m),
            "ipd_m": float(self.ipd_m),
            "eyeball_radius_m": float(self.eyeball_radius_m),
            "iris_radius_m": float(self.iris_radius_m),
            "iris_rgb": [float(c) for c in self.iris_rgb],
            "shape": {k: float(v) for k, v in sorted(self.shape.items())},
            "hair_style": self.hair_style,
            "hair_colour": self.hair_colour,
            "facial_hair": self.facial_hair,
            "brow_colour": self.brow_colour,
            "freckles": float(self.freckles),
            "redness": float(self.redness),
            "skin_seed": int(self.skin_seed),
            "makeup": self.makeup,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Identity":
        return cls(sex=d["sex"], age_years=float(d["age_years"]), skin_type=int(d["skin_type"]),
                   stature_m=float(d["stature_m"]), ipd_m=float(d["ipd_m"]),
                   eyeball_radius_m=float(d["eyeball_radius_m"]), iris_radius_m=float(d["iris_radius_m"]),
                   iris_rgb=tuple(float(c) for c in d["iris_rgb"]), shape=dict(d.get("shape", {})),
                   hair_style=d.get("hair_style", "short"), hair_colour=d.get("hair_colour", "dark_brown"),
                   facial_hair=d.get("facial_hair", "none"), brow_colour=d.get("brow_colour", "dark_brown"),
                   freckles=float(d.get("freckles", 0.0)), redness=float(d.get("redness", 0.0)),
                   skin_seed=int(d.get("skin_seed", 0)), makeup=d.get("makeup", "none"))


def measure_mean_sd(name: str, sex: str, age_years: float) -> tuple[float, float]:
    m, f, sd, slope = MEASURES[name]
    mean = m if sex == "male" else f
    pivot = AGE_PIVOT.get(name, 30.0)
    return mean + slope * max(float(age_years) - pivot, 0.0), sd


def measure(name: str, sex: str, age_years: float, z: float) -> float:
    mean, sd = measure_mean_sd(name, sex, age_years)
    v = mean + sd * float(z)
    lo, hi = LIMITS.get(name, (-np.inf, np.inf))
    return float(np.clip(v, lo, hi))


def dimensions(identity: Identity) -> dict[str, float]:
    """Absolute face measures (mm; canthal_tilt in degrees) of an identity.
    The interpupillary distance comes from identity.ipd_m."""
    out = {name: measure(name, identity.sex, identity.age_years, identity.shape.get(name, 0.0))
           for name in SHAPE_PARAMS}
    out["eye_spacing"] = identity.ipd_m * 1e3
    return out


def sample_identity(rng: np.random.Generator, *, sex: str | None = None, age_years: float | None = None,
                    skin_type: int | None = None, makeup: str = "none", stature_percentile: float | None = None,
                    hair_style: str | None = None, facial_hair: str | None = None) -> Identity:
    """Draw a driver. Every random number comes from `rng`, and the same ones are
    drawn whatever is given, so fixing one attribute leaves the others as drawn.

    stature_percentile: the stature at this percentile (0-100) of the sex's
    stature distribution (before the age shrinkage) instead of a drawn one;
    hair_style, facial_hair: these instead of the drawn ones.

    sex: 50/50 if not given. age: uniform 18..80 if not given. skin type:
    uniform 1..6 if not given (coverage of Euro NCAP's range rather than any
    one population). Shape z-scores are correlated (factor model above).
    makeup is taken as given (a preset field with its own stream): it draws nothing here.
    """
    if sex is None:
        sex = "female" if rng.random() < 0.5 else "male"
    sex = str(sex)
    if sex not in ("female", "male"):
        raise ValueError(f"sex must be 'female' or 'male', got {sex!r}")
    if age_years is None:
        age_years = float(rng.uniform(18.0, 80.0))
    if skin_type is None:
        skin_type = int(rng.integers(1, 7))
    skin_type = int(skin_type)
    if not 1 <= skin_type <= 6:
        raise ValueError(f"skin_type must be 1..6, got {skin_type}")

    f = rng.standard_normal(LOADINGS.shape[1])
    e = rng.standard_normal(len(SHAPE_PARAMS))
    z = np.clip(LOADINGS @ f + UNIQUE_SD * e, -3.0, 3.0)
    shape = {k: float(v) for k, v in zip(SHAPE_PARAMS, z)}

    ms, ss = STATURE[sex]
    stature = ms + ss * (0.35 * f[0] + np.sqrt(1 - 0.35 ** 2) * rng.standard_normal())
    if stature_percentile is not None:
        stature = ms + ss * float(ndtri(stature_percentile / 100.0))
    stature -= 1e-3 * max(float(age_years) - 50.0, 0.0)
    ipd_mm = measure("eye_spacing", sex, age_years, shape["eye_spacing"])
    la, ls = AXIAL_LENGTH[sex]
    eyeball_r = float(np.clip(la + ls * rng.standard_normal(), 21.5, 26.5)) * 0.5e-3
    wtw = float(np.clip(WHITE_TO_WHITE[0] + WHITE_TO_WHITE[1] * rng.standard_normal(), 10.6, 12.8))
    iris_r = min(wtw * 0.5e-3, 0.55 * eyeball_r)
    names = list(IRIS_COLOURS)
    p = np.array(_IRIS_P[skin_type], float)
    colour = np.array(IRIS_COLOURS[names[int(rng.choice(len(names), p=p / p.sum()))]])
    colour = np.clip(colour * np.exp(0.12 * rng.standard_normal(3)), 0.003, 0.5)
    # drawn last so that adding hair left every earlier draw of the stream unchanged
    style, hair_colour, facial, natural = sample_hair(rng, sex, float(age_years), skin_type)
    style, facial = hair_style or style, facial_hair or facial
    # drawn after hair, for the same reason
    brows = "grey" if hair_colour in BROW_GREY_P and rng.random() < BROW_GREY_P[hair_colour] else natural
    freckles, redness, skin_seed = sample_skin(rng, skin_type, float(age_years))
    return Identity(sex=sex, age_years=float(age_years), skin_type=skin_type, stature_m=float(stature),
                    ipd_m=ipd_mm * 1e-3, eyeball_radius_m=eyeball_r, iris_radius_m=iris_r,
                    iris_rgb=tuple(float(c) for c in colour), shape=shape,
                    hair_style=style, hair_colour=hair_colour, facial_hair=facial, brow_colour=brows,
                    freckles=freckles, redness=redness, skin_seed=skin_seed, makeup=makeup)
