"""The file layout of Omniverse Replicator's BasicWriter, both ways.

Read from the source of omni.replicator.core 1.12.27 (as shipped with Isaac Sim
5.1.0, Kit 107.3.3): scripts/writers_default/basicwriter.py (BasicWriter
__version__ "0.0.2"), scripts/functional/io_functions.py (write_image,
write_png, write_np, write_json) and scripts/writers.py (Writer.write_metadata).
What it does, and so what this module writes and reads:

- A file is `<annotator>_<frame id, zero-padded to 4>.<ext>` (frame_padding 4,
  frame ids counting writes from 0). With several render products each gets a
  folder and each annotator a folder in it: `<product>/<annotator>/<file>`.
- Images go through PIL: (H, W, 4) uint8 as RGBA, (H, W, 3) as RGB, (H, W)
  uint16 as "I;16", other 2-D arrays as PIL infers (uint8: "L"); PNG at zlib
  level 3. We write only these four.
- `rgb` is the LdrColor annotator: (H, W, 4) uint8 RGBA.
- `distance_to_camera` and `distance_to_image_plane` are (H, W) float32 metres
  (0: no surface), written with numpy.save (`.npy`).
- `instance_segmentation` (colorized, BasicWriter's default) is an (H, W, 4)
  uint8 RGBA PNG, with `instance_segmentation_mapping_NNNN.json` (colour ->
  prim path; "BACKGROUND" for nothing) and
  `instance_segmentation_semantics_mapping_NNNN.json` (colour -> {type: label});
  colours are keyed as Python prints a 4-tuple, "(r, g, b, a)". The
  uncolorized form (uint32 ids) is left alone: its PNG depends on the Pillow
  version (Pillow 13 refuses to write 32-bit PNGs).
- `semantic_segmentation` likewise: RGBA PNG plus
  `semantic_segmentation_labels_NNNN.json` (colour -> {type: label}).
- `camera_params_NNNN.json` is the camera_params annotator's dict, arrays as lists.
- JSON is `json.dumps` with its defaults, UTF-8; `metadata.txt` holds the
  writer's name, version and `replicator_global_seed:` (sic).
"""

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

REPLICATOR_VERSION = "omni.replicator.core 1.12.27"
BASICWRITER_VERSION = "0.0.2"
FRAME_PADDING = 4
PNG_COMPRESS_LEVEL = 3
BACKGROUND = "BACKGROUND"
BACKGROUND_COLOUR = (0, 0, 0, 0)


def file_name(annotator: str, frame_id: int, ext: str) -> str:
    return f"{annotator}_{frame_id:0{FRAME_PADDING}d}.{ext}"


def product_file(product: str, annotator: str, frame_id: int, ext: str, kind: str | None = None) -> str:
    """Path of an annotator's file of one render product; `kind` names a companion
    file of the annotator (`mapping`, `semantics_mapping`, `labels`)."""
    name = f"{annotator}_{kind}" if kind else annotator
    return f"{product}/{annotator}/{file_name(name, frame_id, ext)}"


# The PIL mode io_functions._to_pil_image asks for, by (channels or None, dtype).
PIL_MODES = {(4, np.uint8): "RGBA", (3, np.uint8): "RGB", (None, np.uint16): "I;16", (None, np.uint8): "L"}


def encode_image(array: np.ndarray) -> bytes:
    """PNG bytes of an array as io_functions.write_image makes them. The mode is
    left to PIL's inference, which gives the one write_image names (PIL_MODES):
    Pillow 13 refuses an explicit "I;16" for uint16 arrays, older Pillows took it."""
    key = (array.shape[-1] if array.ndim == 3 else None, array.dtype.type)
    if key not in PIL_MODES:
        raise TypeError(f"BasicWriter writes no {array.dtype} image of shape {array.shape} that we read back")
    image = Image.fromarray(array)
    assert image.mode == PIL_MODES[key], (image.mode, key)
    buf = io.BytesIO()
    image.save(buf, format="png", compress_level=PNG_COMPRESS_LEVEL)
    return buf.getvalue()


def decode_image(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.array(image)


def encode_npy(array: np.ndarray) -> bytes:
    # write_np passes allow_pickle and fix_imports; both only touch object arrays, and
    # numpy 2.4 has dropped fix_imports, so a plain array's bytes are np.save's.
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def decode_npy(path: Path) -> np.ndarray:
    # Our own files hold plain arrays; never unpickle what a folder brings.
    return np.load(path, allow_pickle=False)


def encode_json(document: Any) -> bytes:
    return json.dumps(document).encode("utf-8")


def metadata(writer_name: str, version: str, global_seed: int) -> dict[str, Any]:
    """metadata.txt as Writer.write_metadata writes it (the key's colon is theirs)."""
    return {"name": writer_name, "version": version, "replicator_global_seed:": global_seed}


def colour_key(colour: tuple[int, int, int, int]) -> str:
    return str(tuple(int(c) for c in colour))


def parse_colour_key(key: str) -> tuple[int, ...]:
    """'(r, g, b, a)' -> (r, g, b, a); ValueError if it is not one."""
    parts = key.strip().removeprefix("(").removesuffix(")").split(",")
    colour = tuple(int(p) for p in parts)
    if len(colour) != 4 or not all(0 <= c <= 255 for c in colour):
        raise ValueError(f"not an RGBA colour: {key!r}")
    return colour


def palette(count: int) -> np.ndarray:
    """(count, 4) uint8 distinct opaque colours for ids 1..count-1, BACKGROUND_COLOUR
    for id 0: the id in red and green, so every id below 65536 has its own."""
    ids = np.arange(count)
    colours = np.stack([ids & 255, (ids >> 8) & 255, np.full(count, 128), np.full(count, 255)], axis=1)
    colours[0] = BACKGROUND_COLOUR
    return colours.astype(np.uint8)


def colours_to_labels(rgba: np.ndarray, mapping: dict[str, Any]) -> tuple[np.ndarray, list[Any]]:
    """Per pixel the index into the returned list of the mapping's values; KeyError
    names a colour in the image that the mapping does not hold."""
    packed = rgba.astype(np.uint32) @ np.array([1 << 24, 1 << 16, 1 << 8, 1], np.uint32)
    keys = {}
    for key, value in mapping.items():
        r, g, b, a = parse_colour_key(key)
        keys[(r << 24) | (g << 16) | (b << 8) | a] = value
    present, inverse = np.unique(packed, return_inverse=True)
    missing = [int(p) for p in present if int(p) not in keys]
    if missing:
        p = missing[0]
        raise KeyError(colour_key((p >> 24, (p >> 16) & 255, (p >> 8) & 255, p & 255)))
    return inverse.reshape(packed.shape).astype(np.int64), [keys[int(p)] for p in present]
