"""The cabins' materials: visible colour, roughness, NIR reflectance at 850 and
940 nm (and transmittance for glass), and the texture images each references.

Values and their sources: docs/cabins.md (Materials). Visible colours are linear
RGB (sRGB swatches converted); an albedo texture's mean is scaled to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from pxr import Gf, Sdf, Usd, UsdGeom, UsdShade

from ...scene.textures import TextureMap, connect_textures, nir_input, texture_map
from .textures import TEXTURE_FOLDER, colour_space


@dataclass(frozen=True)
class MaterialSpec:
    name: str
    diffuse: tuple[float, float, float]  # linear RGB (the mean over the albedo texture)
    roughness: float
    nir_850: float
    nir_940: float
    opacity: float = 1.0
    metallic: float = 0.0
    ior: float = 1.5
    nir_t_850: float | None = None  # transmittance, glass only
    nir_t_940: float | None = None
    # Texture images (cabin_synth.assets.interior.textures names) per map: "albedo"
    # (visible, grayscale relative albedo), "nir" (relative NIR albedo, where the
    # visible pattern is a dye's that the NIR does not see), "normal" (tangent space).
    textures: tuple[tuple[str, str], ...] = ()
    tile_m: float | None = None     # the textures repeat every tile_m metres (box-projected UVs)
    emissive: str = ""              # emissive content (a screen): texture name
    doc: str = ""


# Moulded plastics' grain: a normal map on a 60 mm tile.
MOULDED_GRAIN = {"textures": (("normal", "grain_fine_normal"),), "tile_m": 0.06}

MATERIALS: tuple[MaterialSpec, ...] = (
    MaterialSpec("BlackPlasticNIR", (0.030, 0.030, 0.032), 0.65, 0.30, 0.33,
                 **MOULDED_GRAIN,
                 doc="moulded-in-colour grained black PP/TPO coloured with NIR-transparent (non-carbon) blacks: "
                     "lower dash, console sides, glovebox, seat shields, door lowers"),
    MaterialSpec("CarbonBlackPlastic", (0.022, 0.022, 0.024), 0.55, 0.05, 0.05,
                 **MOULDED_GRAIN,
                 doc="carbon-black pigmented ABS/PC: column shroud, cluster hood, bezels, switches, mirror housings"),
    MaterialSpec("DashSkin", (0.028, 0.027, 0.027), 0.7, 0.06, 0.07,
                 textures=(("albedo", "haircell_albedo"), ("normal", "haircell_normal")), tile_m=0.08,
                 doc="slush-moulded TPU/PVC skin with a leather-like haircell grain, carbon-black pigmented: "
                     "dash top, door tops"),
    MaterialSpec("GreyPlastic", (0.16, 0.16, 0.16), 0.6, 0.17, 0.17,
                 **MOULDED_GRAIN,
                 doc="light grey grained PP tinted with TiO2 and carbon black: B/C-pillar trim, parcel shelf"),
    MaterialSpec("Headliner", (0.42, 0.40, 0.37), 0.9, 0.65, 0.63,
                 textures=(("albedo", "knit_albedo"), ("normal", "knit_normal")), tile_m=0.05,
                 doc="light grey knitted polyester headliner and A-pillar cover (disperse dyes, TiO2 delustrant)"),
    MaterialSpec("SeatFabric", (0.030, 0.030, 0.035), 0.9, 0.45, 0.50,
                 textures=(("albedo", "weave_albedo"), ("nir", "weave_nir"), ("normal", "weave_normal")), tile_m=0.04,
                 doc="dark grey woven polyester seat cloth (disperse dyes are NIR-transparent): rear seats, door inserts"),
    MaterialSpec("SeatCover", (0.032, 0.032, 0.036), 0.9, 0.45, 0.50,
                 textures=(("albedo", "seat_cover_albedo"), ("nir", "seat_cover_nir"), ("normal", "seat_cover_normal")),
                 tile_m=0.60,
                 doc="front seat cloth: the seat fabric in panels, with tuck seams and twin-needle stitching"),
    MaterialSpec("SeatLeather", (0.026, 0.024, 0.023), 0.5, 0.07, 0.08,
                 textures=(("albedo", "seat_leather_albedo"), ("normal", "seat_leather_normal")), tile_m=0.60,
                 doc="front seat black synthetic leather (PVC/PU, carbon-black pigmented finish) in perforated "
                     "panels with stitched seams"),
    MaterialSpec("Leather", (0.025, 0.022, 0.020), 0.45, 0.08, 0.09,
                 textures=(("albedo", "leather_albedo"), ("normal", "leather_normal")), tile_m=0.05,
                 doc="black steering-wheel and armrest leather, pigmented (carbon-black) finish"),
    MaterialSpec("Carpet", (0.020, 0.020, 0.022), 0.95, 0.08, 0.08,
                 textures=(("albedo", "carpet_albedo"), ("normal", "carpet_normal")), tile_m=0.10,
                 doc="black needle-punch PET carpet, solution-dyed with carbon black"),
    MaterialSpec("Rubber", (0.012, 0.012, 0.012), 0.8, 0.04, 0.04,
                 **MOULDED_GRAIN,
                 doc="carbon-black filled rubber/TPE: pedal pads, console tray mat, door seals"),
    MaterialSpec("SatinMetal", (0.30, 0.30, 0.31), 0.35, 0.29, 0.30, metallic=1.0,
                 textures=(("normal", "brushed_normal"),), tile_m=0.05,
                 doc="satin aluminium-look decor (vacuum-metallised film under lacquer): dash and door inserts, "
                     "vent louvres"),
    MaterialSpec("Chrome", (0.45, 0.45, 0.46), 0.15, 0.50, 0.51, metallic=1.0,
                 doc="chromium-plated ABS: inner door handles, headrest posts, trim rings"),
    MaterialSpec("VentDuct", (0.008, 0.008, 0.008), 0.9, 0.02, 0.02,
                 doc="the open duct behind a vent's louvres: a cavity in shadow in every band"),
    MaterialSpec("SpeakerGrille", (0.020, 0.020, 0.021), 0.6, 0.05, 0.05,
                 textures=(("albedo", "grille_albedo"), ("normal", "grille_normal")), tile_m=0.04,
                 doc="perforated black speaker grille over a dark cavity"),
    MaterialSpec("ClusterDisplay", (0.004, 0.004, 0.005), 0.08, 0.08, 0.08, emissive="cluster_screen",
                 doc="instrument-cluster TFT behind cover glass; its content emits (scene-set luminance), no NIR"),
    MaterialSpec("InfotainmentDisplay", (0.004, 0.004, 0.005), 0.08, 0.08, 0.08, emissive="infotainment_screen",
                 doc="infotainment TFT behind cover glass; its content emits (scene-set luminance), no NIR"),
    MaterialSpec("Mirror", (0.020, 0.020, 0.020), 0.03, 0.80, 0.80, metallic=1.0,
                 doc="silver/aluminium-backed mirror glass (specular reflectance)"),
    MaterialSpec("LampLens", (0.60, 0.60, 0.58), 0.5, 0.60, 0.60,
                 doc="opal (white diffusing) polycarbonate lamp lens; glows when its lamp is on"),
    MaterialSpec("Windscreen", (0.020, 0.030, 0.025), 0.02, 0.08, 0.08, opacity=0.12,
                 nir_t_850=0.55, nir_t_940=0.45,
                 doc="green-tinted laminated windscreen (Fe2+ absorbs around 1000 nm)"),
    MaterialSpec("SideGlass", (0.020, 0.025, 0.022), 0.02, 0.08, 0.08, opacity=0.10,
                 nir_t_850=0.65, nir_t_940=0.58, doc="lightly tinted tempered side glass"),
)
MATERIAL_BY_NAME = {m.name: m for m in MATERIALS}


def texture_maps(ms: MaterialSpec, means: Mapping[str, np.ndarray]) -> dict[str, TextureMap]:
    """The UsdUVTexture bindings of a material: each map's file (relative to the cabin
    layer), scaled so that the texture's mean is the material's value; NIR follows the
    albedo's pattern where no NIR map of its own is given. A screen's picture is
    authored dark (scale 0): the scene sets its luminance per frame (docs/cabins.md)."""
    file = lambda name: f"./{TEXTURE_FOLDER}/{name}.png"
    by_map = dict(ms.textures)
    maps: dict[str, TextureMap] = {}
    if "albedo" in by_map:
        name = by_map["albedo"]
        maps["diffuseColor"] = texture_map("diffuseColor", file(name), colour_space=colour_space(name),
                                           scale=(*(np.asarray(ms.diffuse) / means[name]).tolist(), 1.0))
    nir_name = by_map.get("nir", by_map.get("albedo"))
    if nir_name:
        for band, value in ((850, ms.nir_850), (940, ms.nir_940)):
            k = float(value / means[nir_name][0])
            maps[nir_input(band)] = texture_map(nir_input(band), file(nir_name), colour_space=colour_space(nir_name),
                                                scale=(k, k, k, 1.0))
    if "normal" in by_map:
        maps["normal"] = texture_map("normal", file(by_map["normal"]))
    if ms.emissive:
        maps["emissiveColor"] = texture_map("emissiveColor", file(ms.emissive), colour_space=colour_space(ms.emissive),
                                            scale=(0.0, 0.0, 0.0, 1.0), wrap=("clamp", "clamp"))
    return maps


def author_materials(stage: Usd.Stage, means: Mapping[str, np.ndarray]) -> None:
    """/Cabin/Looks: every material, textured from the images whose linear means are ``means``."""
    UsdGeom.Scope.Define(stage, "/Cabin/Looks")
    for ms in MATERIALS:
        mat = UsdShade.Material.Define(stage, f"/Cabin/Looks/{ms.name}")
        sh = UsdShade.Shader.Define(stage, f"/Cabin/Looks/{ms.name}/PreviewSurface")
        sh.CreateIdAttr("UsdPreviewSurface")
        sh.CreateInput("diffuseColor", Sdf.ValueTypeNames.Color3f).Set(Gf.Vec3f(*ms.diffuse))
        sh.CreateInput("roughness", Sdf.ValueTypeNames.Float).Set(ms.roughness)
        sh.CreateInput("metallic", Sdf.ValueTypeNames.Float).Set(ms.metallic)
        if ms.opacity < 1.0:
            sh.CreateInput("opacity", Sdf.ValueTypeNames.Float).Set(ms.opacity)
            sh.CreateInput("ior", Sdf.ValueTypeNames.Float).Set(ms.ior)
        if ms.emissive:
            sh.CreateInput("emissiveColor", Sdf.ValueTypeNames.Color3f).Set(Gf.Vec3f(0.0, 0.0, 0.0))
        mat.CreateSurfaceOutput().ConnectToSource(sh.ConnectableAPI(), "surface")
        prim = mat.GetPrim()
        prim.CreateAttribute("cabin_synth:nir_reflectance_850", Sdf.ValueTypeNames.Float, custom=True).Set(ms.nir_850)
        prim.CreateAttribute("cabin_synth:nir_reflectance_940", Sdf.ValueTypeNames.Float, custom=True).Set(ms.nir_940)
        if ms.nir_t_850 is not None:
            prim.CreateAttribute("cabin_synth:nir_transmittance_850", Sdf.ValueTypeNames.Float,
                                 custom=True).Set(ms.nir_t_850)
            prim.CreateAttribute("cabin_synth:nir_transmittance_940", Sdf.ValueTypeNames.Float,
                                 custom=True).Set(ms.nir_t_940)
        if ms.doc:
            prim.SetDocumentation(ms.doc)
        connect_textures(mat, sh, texture_maps(ms, means))
