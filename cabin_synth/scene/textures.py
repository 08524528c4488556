"""Textured materials: texture images as PNG files, and the USD shading networks that read them.

The stage authors textures as the UsdPreviewSurface specification defines
them, so that every renderer that reads USD (the embedded one, Blender's USD
importer for Cycles, RTX) sees the same surface: per textured input one
`UsdUVTexture` shader (`inputs:file` an asset path, `inputs:st` from a
`UsdPrimvarReader_float2` reading the mesh's `st` primvar, `wrapS`/`wrapT`,
`sourceColorSpace`, `scale` and `bias`) whose output connects to that input of
the material's `UsdPreviewSurface`. The NIR reflectance at a band is one more
float input of the same shader, `inputs:cabin_synth:nir_reflectance_<band>`;
untextured materials keep the scalar `cabin_synth:nir_reflectance_<band>`
attributes on the material prim, and a textured material authors them too as
the band's mean (docs/omniverse.md, Textures).

Texture files are written once, named by their content, into a folder that
belongs to the run (`<out>/textures/`): the same image always gives the same
bytes and the same name, so a driver seen again costs nothing on disk.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping

import numpy as np
from pxr import Sdf, UsdShade

from ..dataset.writer import atomic_write, encode_png

# Inputs of a UsdPreviewSurface (and our NIR inputs) a texture may feed: value type,
# the UsdUVTexture output that feeds it, its source colour space, scale and bias.
# A tangent-space normal in an 8- or 16-bit file is stored as (n + 1) / 2: the
# specification's scale 2 and bias -1 turn it back.
ONE, ZERO = (1.0, 1.0, 1.0, 1.0), (0.0, 0.0, 0.0, 0.0)
INPUTS: dict[str, tuple[Sdf.ValueTypeName, str, str, tuple, tuple]] = {
    "diffuseColor": (Sdf.ValueTypeNames.Color3f, "rgb", "sRGB", ONE, ZERO),
    "emissiveColor": (Sdf.ValueTypeNames.Color3f, "rgb", "sRGB", ONE, ZERO),
    "roughness": (Sdf.ValueTypeNames.Float, "r", "raw", ONE, ZERO),
    "opacity": (Sdf.ValueTypeNames.Float, "r", "raw", ONE, ZERO),
    "normal": (Sdf.ValueTypeNames.Normal3f, "rgb", "raw", (2.0, 2.0, 2.0, 1.0), (-1.0, -1.0, -1.0, 0.0)),
    "cabin_synth:nir_reflectance_850": (Sdf.ValueTypeNames.Float, "r", "raw", ONE, ZERO),
    "cabin_synth:nir_reflectance_940": (Sdf.ValueTypeNames.Float, "r", "raw", ONE, ZERO),
}
WRAPS = ("repeat", "clamp", "black")


def nir_input(wavelength_nm: int) -> str:
    """The shader input that carries the NIR reflectance at a band."""
    return f"cabin_synth:nir_reflectance_{wavelength_nm}"


@dataclass(frozen=True)
class TextureImage:
    """One texture file's pixels. Row 0 is the top of the image (t = 1 in st)."""
    name: str                   # what the map is ("skin_albedo"): the start of its file name
    pixels: np.ndarray          # (H, W) or (H, W, 3) uint8, or (H, W) uint16
    colour_space: str = "raw"   # "sRGB": colour the sRGB curve encodes; "raw": value / (2^bits - 1)

    def png(self) -> bytes:
        return encode_png(self.pixels)


@dataclass(frozen=True)
class TextureMap:
    """How one shader input reads a texture file (the UsdUVTexture's inputs)."""
    file: str                               # asset path as authored: absolute, or relative to the authoring layer
    output: str                             # UsdUVTexture output: rgb, r, g, b or a
    colour_space: str                       # sourceColorSpace: sRGB, raw or auto
    scale: tuple = ONE
    bias: tuple = ZERO
    wrap: tuple[str, str] = ("repeat", "repeat")   # wrapS, wrapT
    st: str = "st"                          # the mesh primvar the texture coordinates come from


def texture_map(input_name: str, file: str | Path, **overrides) -> TextureMap:
    """The TextureMap an input takes by default (INPUTS), with any field overridden."""
    _, output, colour_space, scale, bias = INPUTS[input_name]
    return replace(TextureMap(str(file), output, colour_space, scale, bias), **overrides)


DIGEST_HEX = 20   # the sha256 prefix in a texture file's name


def intact(path: Path) -> bool:
    """Whether texture file `path` (named `<name>-<sha256 prefix>.png`) holds what its name says."""
    digest = path.stem.rsplit("-", 1)[-1]
    try:
        return len(digest) == DIGEST_HEX and hashlib.sha256(path.read_bytes()).hexdigest()[:DIGEST_HEX] == digest
    except OSError:
        return False


def remove_damaged(root: Path) -> list[Path]:
    """Remove texture files of `root` that do not hold what their names say; the next frame
    that needs one writes it again."""
    damaged = [p for p in Path(root).glob("*-*.png") if not intact(p)]
    for path in damaged:
        path.unlink() if path.is_file() else None
    return damaged


class TextureFolder:
    """Writes texture images into one folder, once each, named `<name>-<sha256 prefix>.png`."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._written: dict[str, Path] = {}

    def save(self, image: TextureImage) -> Path:
        data = image.png()
        digest = hashlib.sha256(data).hexdigest()[:DIGEST_HEX]
        path = self._written.get(digest)
        if path is None:
            self.root.mkdir(parents=True, exist_ok=True)
            path = (self.root / f"{image.name}-{digest}.png").resolve()
            if not intact(path):   # a file left damaged in the output (by hand, a disk error) is written again
                atomic_write(path, data)
            self._written[digest] = path
        return path

    def maps(self, images: Mapping[str, TextureImage], **overrides) -> dict[str, TextureMap]:
        """Each input's image saved and mapped with the input's defaults (texture_map) in the
        image's own colour space."""
        return {name: texture_map(name, self.save(image), **{"colour_space": image.colour_space, **overrides})
                for name, image in images.items()}


def _shader_name(input_name: str) -> str:
    """The UsdUVTexture prim of an input: diffuseColor -> DiffuseColorTexture."""
    return "".join(w[:1].upper() + w[1:] for w in input_name.split(":")[-1].split("_")) + "Texture"


def connect_textures(material: UsdShade.Material, surface: UsdShade.Shader,
                     maps: Mapping[str, TextureMap]) -> None:
    """Author `maps` (input name -> TextureMap) on a material's UsdPreviewSurface `surface`;
    inputs textured before and not now go back to their own values. A material reads
    one set of texture coordinates: every map names the same st primvar."""
    stage, root = material.GetPrim().GetStage(), material.GetPath()
    unknown = set(maps) - set(INPUTS)
    if unknown:
        raise ValueError(f"no texturable input {sorted(unknown)} (one of {sorted(INPUTS)})")
    if len({m.st for m in maps.values()}) > 1:
        raise ValueError(f"the maps of {root} read different st primvars: {sorted({m.st for m in maps.values()})}")
    for name in set(INPUTS) - set(maps):
        path = root.AppendChild(_shader_name(name))
        if stage.GetPrimAtPath(path):
            surface.GetInput(name).ClearSources()
            stage.RemovePrim(path)
    reader_path = root.AppendChild("StReader")
    if not maps:
        stage.RemovePrim(reader_path)
        return
    reader = UsdShade.Shader.Define(stage, reader_path)
    reader.CreateIdAttr("UsdPrimvarReader_float2")
    reader.CreateInput("varname", Sdf.ValueTypeNames.String).Set(next(iter(maps.values())).st)
    st = reader.CreateOutput("result", Sdf.ValueTypeNames.Float2)
    for name, m in maps.items():
        if m.wrap[0] not in WRAPS or m.wrap[1] not in WRAPS:
            raise ValueError(f"wrap {m.wrap} of {name}: each one of {WRAPS}")
        tex = UsdShade.Shader.Define(stage, root.AppendChild(_shader_name(name)))
        tex.CreateIdAttr("UsdUVTexture")
        tex.CreateInput("file", Sdf.ValueTypeNames.Asset).Set(Sdf.AssetPath(m.file))
        tex.CreateInput("st", Sdf.ValueTypeNames.Float2).ConnectToSource(st)
        tex.CreateInput("wrapS", Sdf.ValueTypeNames.Token).Set(m.wrap[0])
        tex.CreateInput("wrapT", Sdf.ValueTypeNames.Token).Set(m.wrap[1])
        tex.CreateInput("sourceColorSpace", Sdf.ValueTypeNames.Token).Set(m.colour_space)
        tex.CreateInput("scale", Sdf.ValueTypeNames.Float4).Set(tuple(float(v) for v in m.scale))
        tex.CreateInput("bias", Sdf.ValueTypeNames.Float4).Set(tuple(float(v) for v in m.bias))
        out_type = Sdf.ValueTypeNames.Float3 if m.output == "rgb" else Sdf.ValueTypeNames.Float
        surface.CreateInput(name, INPUTS[name][0]).ConnectToSource(tex.CreateOutput(m.output, out_type))
