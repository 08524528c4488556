"""Surface reflectance of the driver's materials in RGB and at 850/940 nm.

Skin: visible albedo per Fitzpatrick type from sRGB skin swatches converted to
linear RGB; NIR reflectance read from published in-vivo skin spectra
(Angelopoulou 1999; Zonios et al. 2001; Cooksey et al. 2017, NIST skin
reflectance database): melanin absorption falls steeply with wavelength, so the
spread between types I and VI shrinks from visible to 850 nm and further at
940 nm, where water absorption lowers every type. Values and sources:
docs/sensors.md. Custom USD attributes carry the NIR values (docs/cabins.md).
"""

from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class Material:
    albedo_rgb: tuple[float, float, float]   # linear RGB diffuse albedo
    nir_850: float                           # diffuse reflectance at 850 nm
    nir_940: float                           # diffuse reflectance at 940 nm
    opacity: float = 1.0                     # < 1: see-through (glass, cornea); not in depth or ids
    # See-through surfaces filter what lies behind them by these (docs/sensors.md).
    transmittance_visible: float = 1.0
    transmittance_850: float = 1.0
    transmittance_940: float = 1.0
    ior: float = 0.0                         # > 0: a specular interface: glints on the cornea, glare on lenses,
                                             # on opaque parts with a roughness a glossy lobe (cabin_synth.render.specular)
    retroreflectance: float = 0.0            # bright-pupil strength (pupil only), docs/sensors.md
    # Light the surface emits itself (a lit lamp lens): luminance per linear RGB channel
    # (cd/m^2, the units of albedo/pi times lux) and NIR band radiance (W/m^2/sr).
    emission_rgb: tuple[float, float, float] = (0.0, 0.0, 0.0)
    emission_nir: float = 0.0
    roughness: float = 0.0                   # RMS facet slope (Beckmann m) of an opaque part's glossy surface
    fibre: bool = False                      # hair: a layer of fibres with their own sheen (cabin_synth.render.specular)
    # > 0: an alpha-tested cut-out (UsdPreviewSurface opacityThreshold): where an opacity texture
    # reads below it there is no surface at all (hair and lash cards); the scalar opacity stays 1.
    opacity_threshold: float = 0.0

    @property
    def glossy(self) -> bool:
        return self.opacity >= 1.0 and self.ior > 0 and self.roughness > 0 and not self.fibre

    def nir(self, wavelength_nm: int) -> float:
        return {850: self.nir_850, 940: self.nir_940}[wavelength_nm]

    def nir_transmittance(self, wavelength_nm: int) -> float:
        return {850: self.transmittance_850, 940: self.transmittance_940}[wavelength_nm]


def srgb_to_linear(c: np.ndarray) -> np.ndarray:
    c = np.asarray(c, float)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


# Fitzpatrick I..VI: sRGB swatch (0..255), reflectance at 850 nm and 940 nm.
_SKIN = {
    1: ((241, 206, 180), 0.63, 0.56),
    2: ((228, 185, 153), 0.61, 0.55),
    3: ((205, 157, 120), 0.57, 0.53),
    4: ((172, 122, 88), 0.51, 0.50),
    5: ((120, 80, 56), 0.42, 0.46),
    6: ((72, 48, 36), 0.33, 0.41),
}


def _rgb(srgb255) -> tuple[float, float, float]:
    return tuple(float(v) for v in srgb_to_linear(np.asarray(srgb255) / 255.0))


# The skin's surface reflection (cabin_synth.render.specular): refractive index of the
# stratum corneum's surface and the RMS slope of its micro-relief. Skin rendering
# that matches measured faces uses a Beckmann lobe with m 0.3 (d'Eon & Luebke,
# GPU Gems 3 ch. 14, F0 0.028, i.e. eta 1.4); Weyrich et al. 2006 (149 faces)
# fitted m of about 0.25-0.5 by face region, oilier forehead and nose sharper.
SKIN_IOR = 1.4
SKIN_ROUGHNESS = 0.35


def skin(skin_type: int) -> Material:
    srgb, r850, r940 = _SKIN[skin_type]
    return Material(_rgb(srgb), r850, r940, ior=SKIN_IOR, roughness=SKIN_ROUGHNESS)


# Lips: the skin's albedo per channel (R, G, B, 850 nm, 940 nm) times this (the vermilion's
# thin epidermis shows the blood beneath: redder in the visible, nearly unchanged in the NIR).
LIP_TINT = (1.05, 0.72, 0.72, 0.95, 0.95)


def lips(skin_type: int) -> Material:
    base = skin(skin_type)
    r, g, b, f850, f940 = LIP_TINT
    return Material((base.albedo_rgb[0] * r, base.albedo_rgb[1] * g, base.albedo_rgb[2] * b),
                    base.nir_850 * f850, base.nir_940 * f940, ior=SKIN_IOR, roughness=SKIN_ROUGHNESS)


# Teeth: enamel over dentin, wet with saliva. Visible: a natural tooth shade (about Vita A2-A3,
# sRGB (215, 205, 180): linear albedo 0.61-0.68, a little yellow, the dentin showing through
# the enamel). NIR: enamel scatters ever less towards the NIR (Fried et al. 1995, Applied
# Optics 34(7):1278, scattering coefficient falling about as 1/lambda^3 from 543 to 1053 nm)
# and neither enamel nor dentin absorbs much there, so light reaches the strongly scattering
# dentin and comes back: teeth stay bright at 850 nm, a little less at 940 nm where water
# (about 12 % of dentin's volume) starts to absorb (values reasoned from those spectra,
# docs/driver.md Mouth). Enamel's refractive index is 1.62-1.63 (hydroxyapatite); the
# saliva film makes the surface glossy, smoother than skin.
ENAMEL_IOR = 1.62
ENAMEL_ROUGHNESS = 0.12
TEETH = ((215, 205, 180), 0.62, 0.57)
# The tongue: blood-rich mucosa under a papillary surface, pinker than the lips; like the lips
# and the caruncle, haemoglobin's absorption has fallen away by 850 nm, so in the NIR it
# reflects about as the lips do (reasoned, docs/driver.md Mouth). Wet: glossy like the lips.
TONGUE = ((196, 112, 110), 0.50, 0.47)


def teeth() -> Material:
    srgb, r850, r940 = TEETH
    return Material(_rgb(srgb), r850, r940, ior=ENAMEL_IOR, roughness=ENAMEL_ROUGHNESS)


def tongue() -> Material:
    srgb, r850, r940 = TONGUE
    return Material(_rgb(srgb), r850, r940, ior=TEAR_IOR, roughness=SKIN_ROUGHNESS)


# Refractive index of the cornea's front surface (Gullstrand's schematic eye).
CORNEA_IOR = 1.376
# The tear film over the sclera: water's index (1.336, tear fluid measures 1.336-1.337) and
# the RMS slope of the wet conjunctiva's surface (Beckmann m; coarse: its highlight is a
# spread spot, not the cornea's point glint).
TEAR_IOR = 1.336
SCLERA_ROUGHNESS = 0.15
MENISCUS_ROUGHNESS = 0.05
# The retro-reflected beam is narrow: its strength falls as exp(-(alpha/RETRO_ANGLE_RAD)^2)
# with alpha the angle between illuminator and camera as seen from the pupil.
RETRO_ANGLE_RAD = float(np.radians(1.5))


# Hair: sRGB swatch, reflectance at 850 nm and 940 nm. Eumelanin's absorption falls
# roughly exponentially with wavelength (Sarna & Swartz 2006), so dark hair that is
# near-black in the visible is a dark-to-mid grey at 850/940 nm; blond, grey and
# white hair stay bright. Coarse values (docs/driver.md); verify against measured
# hair spectra before relying on them.
HAIR: dict[str, tuple[tuple[int, int, int], float, float]] = {
    "black": ((28, 24, 22), 0.12, 0.16),
    "dark_brown": ((55, 40, 30), 0.18, 0.22),
    "brown": ((92, 64, 44), 0.26, 0.29),
    "light_brown": ((135, 100, 70), 0.33, 0.35),
    "blond": ((196, 160, 110), 0.45, 0.45),
    "red": ((150, 70, 40), 0.40, 0.42),
    "grey": ((150, 146, 140), 0.42, 0.41),
    "white": ((215, 212, 205), 0.55, 0.52),
}


STUBBLE_COVER = 0.3


# Refractive index of hair keratin (Marschner et al. 2003), for the fibres' sheen.
HAIR_IOR = 1.55


def _hair(colour: str) -> Material:
    srgb, r850, r940 = HAIR[colour]
    return Material(_rgb(srgb), r850, r940, ior=HAIR_IOR, fibre=True)


def _cover(hair: Material, skin_: Material, cover: float) -> Material:
    """Sparse hair over skin: an area mix of the two."""
    mix = lambda a, b: cover * a + (1.0 - cover) * b
    return Material(tuple(mix(a, b) for a, b in zip(hair.albedo_rgb, skin_.albedo_rgb)),
                    mix(hair.nir_850, skin_.nir_850), mix(hair.nir_940, skin_.nir_940))


# The opacityThreshold of hair cards (cut-outs: cabin_synth.driver.hair_cards).
CARD_THRESHOLD = 0.5


def hair_materials(base_skin: Material, colour: str, facial_hair: str) -> dict[str, Material]:
    """Scalp and facial hair of one driver: the caps under the cards, and the cards. Stubble
    at camera distance is skin seen between sparse short hairs that cover about a third of it."""
    h = _hair(colour)
    cards = replace(h, opacity_threshold=CARD_THRESHOLD)
    return {"hair": h, "facial_hair": _cover(h, base_skin, STUBBLE_COVER) if facial_hair == "stubble" else h,
            "hair_cards": cards, "fringe_cards": cards, "facial_hair_cards": cards}


def driver_materials(skin_type: int, iris_rgb: tuple[float, float, float], retroreflectance: float,
                     hair_colour: str | None = None, facial_hair: str = "none",
                     brow_colour: str = "dark_brown") -> dict[str, Material]:
    """Materials named by cabin_synth.driver parts, for one driver. `retroreflectance`:
    the retina's retro-reflection as the pupil's equivalent Lambertian reflectance seen
    exactly along the illumination direction (docs/sensors.md)."""
    base = skin(skin_type)
    # Melanin in hair and iris absorbs far less in the NIR: dark irises and hair look
    # mid-grey to a 940 nm camera.
    out = {
        "skin": base,
        "lips": lips(skin_type),
        "teeth": teeth(),
        "tongue": tongue(),
        # the tear film makes the sclera glossy (its wet highlight); the conjunctiva's folds
        # spread it more than the cornea's (a mirror: its glints, render/gl.py)
        "sclera": Material(_rgb((225, 215, 205)), 0.45, 0.40, ior=TEAR_IOR, roughness=SCLERA_ROUGHNESS),
        "iris": Material(tuple(iris_rgb), 0.22, 0.25),
        # the tear meniscus: clear water over the sclera and the lid margin (their colour), its
        # surface a near mirror; the caruncle: moist pink mucosa (blood-rich: redder in the
        # visible, like the lips nearly unchanged in the NIR)
        "tear_film": Material(_rgb((200, 180, 170)), 0.40, 0.36, ior=TEAR_IOR, roughness=MENISCUS_ROUGHNESS),
        "caruncle": Material(_rgb((205, 125, 118)), 0.50, 0.47, ior=TEAR_IOR, roughness=SCLERA_ROUGHNESS),
        "pupil": Material((0.004, 0.004, 0.004), 0.02, 0.02, retroreflectance=retroreflectance),
        "cornea": Material((0.0, 0.0, 0.0), 0.0, 0.0, opacity=0.0, ior=CORNEA_IOR),
        # brows and lashes are cards too: single hairs cut out, the skin showing between them
        "eyebrow": replace(_hair(brow_colour), opacity_threshold=CARD_THRESHOLD),
        "eyelash": Material(_rgb((28, 22, 18)), 0.12, 0.15, opacity_threshold=CARD_THRESHOLD),
    }
    out.update(hair_materials(base, hair_colour or "dark_brown", facial_hair))
    return out


# Garments: sRGB swatch and diffuse reflectance at 850 / 940 nm. Textile dyes
# (reactive dyes on cotton, disperse dyes on polyester) absorb in the visible and
# go transparent beyond about 750 nm, so dyed fabrics reflect 0.4-0.75 in the NIR
# whatever their colour; only carbon-black pigment absorbs there too, which is
# why NIR camouflage textiles need it (Rubeziene et al. 2008, Materials Science
# (Medziagotyra) 14(4), 361-365; the same reasoning as the seat fabric,
# docs/cabins.md). Coarse values, reasoned from those spectra (docs/driver.md).
CLOTHING: dict[str, tuple[tuple[int, int, int], float, float]] = {
    "white": ((232, 232, 228), 0.74, 0.71),
    "light_grey": ((175, 175, 172), 0.66, 0.64),
    "beige": ((200, 182, 150), 0.68, 0.66),
    "red": ((160, 32, 36), 0.62, 0.60),
    "green": ((44, 92, 58), 0.58, 0.57),
    "denim_blue": ((62, 86, 124), 0.55, 0.56),
    "navy": ((30, 38, 70), 0.52, 0.54),
    "black_dyed": ((24, 24, 26), 0.45, 0.48),      # reactive/disperse black: bright in the NIR
    "black_carbon": ((20, 20, 21), 0.05, 0.05),    # carbon-black pigment: dark in the NIR too
}
# Trousers: dark denim (indigo is NIR-transparent like other dyes).
TROUSERS = Material(_rgb((40, 46, 62)), 0.50, 0.52)
# Seat-belt webbing: black polyester, disperse-dyed: mid grey at 850/940 nm, as
# webbing looks in NIR driver-monitoring images (reasoned, docs/driver.md).
SEAT_BELT = Material(_rgb((26, 26, 28)), 0.30, 0.33)


def body_materials(skin_type: int, clothing_colour: str) -> dict[str, Material]:
    """Materials named by cabin_synth.body parts: skin (neck, forearms, hands), garment, trousers, belt."""
    srgb, r850, r940 = CLOTHING[clothing_colour]
    return {"skin": skin(skin_type), "clothing": Material(_rgb(srgb), r850, r940), "trousers": TROUSERS,
            "seat_belt": SEAT_BELT}
