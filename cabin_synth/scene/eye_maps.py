"""The eyes' texture maps per identity: the sclera's tint and vessels, the iris's stroma.

Painted deterministically from the identity (its skin_seed, iris colour and
age) into the eyeball's and the iris's discs seen along the optical axis
(driver/eyes.py, eye_st), authored on the Sclera and Iris materials as
UsdUVTexture shaders like the skin's maps, in RGB and at the NIR band:

- sclera: white with a yellow cast that grows with age (the conjunctiva's
  yellowing and pingueculae, which are common after 40; Sarma et al. 2014
  measured the sclera's yellowness rising with age), and conjunctival vessels
  running from the fornices towards the limbus, most of them in the exposed
  nasal and temporal wedges, and the plica semilunaris, a pinker crescent at
  the nasal edge (the caruncle beside it is a mesh: driver/tear_film.py). Vessels are haemoglobin: their contrast per band
  follows haemoglobin's extinction (scene/skin.py's HB_RELATIVE), so they nearly
  vanish at 850/940 nm, as in NIR eye images.
- iris: the identity's colour broken into radial fibres (the stroma's
  trabeculae), the collarette (a wavy ring about a third of the way out from the
  pupil), crypts (dark lacunae beside it), concentric contraction furrows in
  the outer part, and the limbal ring (the darker band at the iris's edge).
  In the NIR the iris's melanin absorbs little, so irides of every colour
  reflect about alike there (the materials' NIR reflectance, docs/driver.md),
  and their stromal structure shows more, not less: iris recognition images
  irides at 700-900 nm precisely because dark irides reveal their texture
  there (Daugman 2004, "How iris recognition works", IEEE TCSVT 14(1)). The NIR
  map keeps the structure at NIR_STRUCTURE times the visible contrast of a
  light iris.

Maps are means-preserving: the sclera's and the iris's materials keep their
mean colour (the texture's scale carries it, as for the hair cards).
"""

from __future__ import annotations

import zlib
from collections import OrderedDict
from dataclasses import replace
from threading import Lock

import numpy as np
from scipy.ndimage import gaussian_filter

from ..driver.eyes import IRIS_TEXTURE_PUPIL
from ..driver.identity import Identity
from .materials import Material
from .skin import HB_RELATIVE
from .textures import TextureFolder, TextureImage, TextureMap, nir_input

SIZE = 256
# Sclera: blue and green lost to yellowing per year after 30 (coarse, to a sclera visibly
# cream by 80), the vessels' optical depth at 550 nm, their count and width (texels).
YELLOWING_PER_YEAR = (0.0, 0.0015, 0.004)
VESSEL_DEPTH = 0.6
VESSELS = 36
VESSEL_WIDTH = (0.6, 1.6)
PLICA_DEPTH, PLICA_RADIUS = 0.25, 0.86
# Iris: fibre contrast (log), the collarette's lift, crypts per iris and their depth, the
# limbal ring's darkening, and how much more structure the NIR shows.
FIBRE_CONTRAST = 0.35
COLLARETTE_LIFT = 0.35
CRYPTS = (4, 12)
CRYPT_DEPTH = 0.8
LIMBAL_DARKENING = 0.65
FURROW_DEPTH = 0.25
NIR_STRUCTURE = 1.2


def _rng(ident: Identity, name: str) -> np.random.Generator:
    return np.random.default_rng([ident.skin_seed, zlib.crc32(f"eye_maps.{name}".encode())])


def _polar() -> tuple[np.ndarray, np.ndarray]:
    """Radius (0 at the centre, 1 at the disc's edge) and angle of every texel, row 0 at the top."""
    c = (np.arange(SIZE) + 0.5) / SIZE * 2.0 - 1.0
    x, y = np.meshgrid(c, -c)
    return np.hypot(x, y), np.arctan2(y, x)


def _band_images(name: str, rgb: np.ndarray, nir: np.ndarray, material: Material,
                 wavelength_nm: int) -> dict[str, TextureImage]:
    """Linear maps -> images of the value relative to the material's (1 at half of full scale;
    8-bit colour, 16-bit NIR), which the bindings' scale turns back (eye_maps)."""
    half = lambda a, bits: np.clip(np.rint(a * 0.5 * (2 ** bits - 1)), 0, 2 ** bits - 1)
    return {"diffuseColor": TextureImage(f"{name}_albedo", half(rgb / np.asarray(material.albedo_rgb), 8).astype(np.uint8)),
            "nir": TextureImage(f"{name}_nir", half(nir / material.nir(wavelength_nm), 16).astype(np.uint16))}


def sclera_images(ident: Identity, material: Material, wavelength_nm: int) -> dict[str, TextureImage]:
    r, a = _polar()
    rng = _rng(ident, "sclera")
    years = max(ident.age_years - 30.0, 0.0)
    tint = np.exp(-np.array(YELLOWING_PER_YEAR) * years)
    depth = np.zeros((SIZE, SIZE), np.float32)
    for _ in range(VESSELS):
        # from the periphery towards the limbus (r 0.49), mostly in the horizontal wedges
        angle = rng.choice([0.0, np.pi]) + rng.normal(0.0, 0.5)
        steps = 60
        rr = np.linspace(rng.uniform(0.9, 1.0), rng.uniform(0.52, 0.75), steps)
        aa = angle + np.cumsum(rng.normal(0.0, 0.02, steps))
        cols = ((0.5 + 0.5 * rr * np.cos(aa)) * SIZE).astype(int).clip(0, SIZE - 1)
        rows = ((0.5 - 0.5 * rr * np.sin(aa)) * SIZE).astype(int).clip(0, SIZE - 1)
        np.maximum.at(depth, (rows, cols), rng.uniform(0.5, 1.0))
    depth = gaussian_filter(depth, rng.uniform(*VESSEL_WIDTH) * 0.5)
    depth *= VESSEL_DEPTH / max(float(depth.max()), 1e-6)
    # the plica semilunaris: a crescent fold of pinker conjunctiva at the nasal edge (s > 1/2,
    # driver/eyes.py), where the exposed sclera meets the caruncle
    depth += PLICA_DEPTH * np.exp(-((r - PLICA_RADIUS) / 0.035) ** 2 - (a / 0.45) ** 4)
    rgb = np.asarray(material.albedo_rgb) * tint * np.exp(-depth[..., None] * HB_RELATIVE[:3])
    nir = material.nir(wavelength_nm) * np.exp(-depth * HB_RELATIVE[3 if wavelength_nm == 850 else 4])
    return _band_images("sclera", rgb, nir, material, wavelength_nm)


def iris_images(ident: Identity, material: Material, wavelength_nm: int) -> dict[str, TextureImage]:
    r, a = _polar()
    rng = _rng(ident, "iris")
    # radius from the pupil's edge (0) to the limbus (1), as the texture lays out the stroma
    u = np.clip((r - IRIS_TEXTURE_PUPIL) / (1.0 - IRIS_TEXTURE_PUPIL), 0.0, 1.0)
    # radial fibres: noise fine in angle, coarse along the radius (periodic in angle)
    fibres = rng.standard_normal((64, 720)).astype(np.float32)
    fibres = gaussian_filter(fibres, (6.0, 1.5), mode=("nearest", "wrap"))
    fibres /= fibres.std()
    fibre = fibres[np.clip((u * 63).astype(int), 0, 63), ((a + np.pi) / (2 * np.pi) * 720).astype(int) % 720]
    log = FIBRE_CONTRAST * fibre
    # collarette: a wavy ring about a third of the way out
    wave = 0.33 + 0.04 * np.sin(rng.integers(6, 12) * a + rng.uniform(0, 2 * np.pi))
    log += COLLARETTE_LIFT * np.exp(-((u - wave) / 0.035) ** 2)
    # crypts: dark lacunae just outside the collarette
    for _ in range(rng.integers(*CRYPTS)):
        ca, cu = rng.uniform(-np.pi, np.pi), rng.uniform(0.38, 0.6)
        da = np.angle(np.exp(1j * (a - ca)))
        log -= CRYPT_DEPTH * np.exp(-(da / rng.uniform(0.05, 0.12)) ** 2 - ((u - cu) / rng.uniform(0.03, 0.07)) ** 2)
    # contraction furrows: faint concentric arcs in the outer part
    for cu in rng.uniform(0.65, 0.9, 3):
        arc = 0.5 + 0.5 * np.cos(a - rng.uniform(-np.pi, np.pi))
        log -= FURROW_DEPTH * arc * np.exp(-((u - cu) / 0.012) ** 2)
    log -= LIMBAL_DARKENING * np.clip((u - 0.82) / 0.18, 0.0, 1.0) ** 1.5
    log -= log[r <= 1.0].mean()
    rgb = np.asarray(material.albedo_rgb) * np.exp(log)[..., None]
    nir = material.nir(wavelength_nm) * np.exp(NIR_STRUCTURE * log)
    return _band_images("iris", rgb, nir, material, wavelength_nm)


_MAPS: "OrderedDict[tuple, dict[str, dict[str, TextureMap]]]" = OrderedDict()
_LOCK = Lock()


def eye_maps(ident: Identity, materials: dict[str, Material], wavelength_nm: int,
             folder: TextureFolder) -> dict[str, dict[str, TextureMap]]:
    """The sclera's and the iris's maps (material name -> input -> TextureMap), saved in
    `folder`; the last 64 identities are remembered."""
    key = (ident.key(), materials["sclera"], materials["iris"], wavelength_nm, str(folder.root))
    with _LOCK:
        if key in _MAPS:
            _MAPS.move_to_end(key)
            return _MAPS[key]
    out = {}
    for name, paint in (("sclera", sclera_images), ("iris", iris_images)):
        m = materials[name]
        images = paint(ident, m, wavelength_nm)
        maps = folder.maps({"diffuseColor": images["diffuseColor"], nir_input(wavelength_nm): images["nir"]},
                           wrap=("clamp", "clamp"))
        # 0.5 of full scale is the material's mean: scale 2 x mean per channel
        mean = (*(2.0 * c for c in m.albedo_rgb), 1.0)
        nir = 2.0 * m.nir(wavelength_nm)
        maps["diffuseColor"] = replace(maps["diffuseColor"], scale=mean)
        maps[nir_input(wavelength_nm)] = replace(maps[nir_input(wavelength_nm)], scale=(nir, nir, nir, 1.0))
        out[name] = maps
    with _LOCK:
        _MAPS[key] = out
        while len(_MAPS) > 64:
            _MAPS.popitem(last=False)
    return out
