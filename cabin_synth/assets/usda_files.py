"""Writing generated USD assets: one .usda per spec and the PNG texture images they
reference, byte-identical on rerun, replaced atomically; and the command line both
asset generators share."""

import argparse
import os
import pathlib
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from PIL import Image


def write_usda(folder: pathlib.Path, specs: Mapping[str, Any], to_text: Callable[[Any], str],
               names: tuple[str, ...] | None = None) -> list[pathlib.Path]:
    """Write `<folder>/<name>.usda` for every (or the named) spec."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names or tuple(specs):
        path = folder / f"{name}.usda"
        tmp = path.with_suffix(".usda.tmp")
        tmp.write_text(to_text(specs[name]), encoding="utf-8", newline="\n")
        os.replace(tmp, path)
        written.append(path)
    return written


def write_pngs(folder: pathlib.Path, images: Mapping[str, np.ndarray]) -> list[pathlib.Path]:
    """Write `<folder>/<name>.png` for every image (uint8 grey or RGB), losslessly and as small
    as zlib makes them (no time stamps or other metadata)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, pixels in images.items():
        path = folder / f"{name}.png"
        tmp = path.with_suffix(".png.tmp")
        Image.fromarray(pixels).save(tmp, format="PNG", optimize=True)
        os.replace(tmp, path)
        written.append(path)
    return written


def generator_main(argv: list[str] | None, *, module: str, description: str, subfolder: str,
                   specs: Mapping[str, Any], write: Callable[..., list[pathlib.Path]]) -> int:
    ap = argparse.ArgumentParser(prog=f"python -m {module}", description=description)
    ap.add_argument("out_root", help=f"asset root, e.g. usd_assets (files go to <out_root>/{subfolder}/)")
    ap.add_argument("--only", nargs="*", choices=sorted(specs), help=f"{subfolder} to write (default: all)")
    args = ap.parse_args(argv)
    for path in write(args.out_root, tuple(args.only) if args.only else None):
        print(path)
    return 0
