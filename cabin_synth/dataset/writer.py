"""The dataset on disk: payloads first, the frame's JSON last, each by atomic rename.

A frame exists only when its JSON exists and every file it lists has the
listed size and sha256; resuming trusts nothing else. Layout and fields:
docs/labels.md.
"""

import errno
import hashlib
import io
import json
import os
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..errors import UserError
from . import schemas

FRAME_DIGITS = 6


def frame_stem(index: int) -> str:
    return f"{index:0{FRAME_DIGITS}d}"


def encode_png(image: np.ndarray) -> bytes:
    """Lossless PNG: uint8 gray or RGB, or uint16 gray (depth, ids, >8-bit NIR)."""
    if not ((image.dtype == np.uint8 and image.ndim in (2, 3)) or (image.dtype == np.uint16 and image.ndim == 2)):
        raise TypeError(f"cannot store {image.dtype} image of shape {image.shape} as PNG")
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


# Image format -> (Pillow's name, file extension).
IMAGE_FORMATS = {"png": ("PNG", "png"), "jpeg": ("JPEG", "jpg"), "webp": ("WEBP", "webp")}
# Camera images may be stored lossy; depth, seg and ids are ground truth and never are.
CAMERA_IMAGES = ("rgb", "nir")
DEFAULT_QUALITY = 90


def encode_lossy(image: np.ndarray, image_format: str, quality: int) -> bytes:
    """8-bit gray or RGB as JPEG or WebP at `quality` (Pillow's 1-100 scale)."""
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise TypeError(f"cannot store {image.dtype} image of shape {image.shape} as {image_format}")
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format=IMAGE_FORMATS[image_format][0], quality=quality)
    return buf.getvalue()


def camera_format(output: Mapping[str, Any]) -> tuple[str, int | None]:
    """(image format, quality or None for PNG) of the camera images under a preset's `output`."""
    image_format = output.get("image_format", "png")
    return image_format, None if image_format == "png" else output.get("quality", DEFAULT_QUALITY)


def encode_frame(images: dict[str, np.ndarray], output: Mapping[str, Any]) -> dict[str, tuple[str, bytes]]:
    """Each image as (file extension, bytes): the camera images in the preset's
    `output` format (default lossless PNG), everything else as PNG."""
    image_format, quality = camera_format(output)
    return {kind: (IMAGE_FORMATS[image_format][1], encode_lossy(image, image_format, quality))
            if kind in CAMERA_IMAGES and image_format != "png" else ("png", encode_png(image))
            for kind, image in images.items()}


def decode_png(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.array(im)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_matches(base: Path, entry: dict) -> bool:
    """True when base / entry["path"] is a file of the entry's size and sha256."""
    path = base / entry["path"]
    return path.is_file() and path.stat().st_size == entry["bytes"] and sha256(path.read_bytes()) == entry["sha256"]


class DiskFull(UserError):
    """The device holding the output is full (or over quota): nothing half-written is left."""

    def __init__(self, path: Path):
        super().__init__(f"no space left on the device while writing {path.name}; it was not written and every "
                         "frame committed so far is kept. Free some space and rerun the same command to resume",
                         file=str(path))


def tmp_name(path: Path) -> Path:
    """Where `path` is written before its rename: named for this host and process, so that
    processes writing the same file (a texture two workers both need) never share one."""
    return path.with_name(f".{path.name}.{socket.gethostname()}.{os.getpid()}.tmp")


def tmp_owner(path: Path) -> tuple[str, int] | None:
    """(host, pid) of the process that wrote temporary file `path`; None if it is not one."""
    parts = path.name.rsplit(".", 3)
    if not (path.name.startswith(".") and len(parts) == 4 and parts[3] == "tmp" and parts[2].isdigit()):
        return None
    return parts[1], int(parts[2])


def atomic_write(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all, leaving no temporary file; the output's own
    trouble (a full disk, a folder where the file goes, no permission) is a UserError."""
    tmp = tmp_name(path)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFull(path) from None
        raise UserError(f"cannot write {path.name} ({exc.strerror}); committed frames are kept. Fix the output "
                        "folder and rerun the same command to resume", file=str(path)) from None


def dump_json(document: Any) -> bytes:
    return (json.dumps(document, indent=1, sort_keys=True, allow_nan=False) + "\n").encode()


class DatasetWriter:
    """Writes one dataset folder; refuses to mix two datasets in one folder."""

    def __init__(self, out: Path, dataset: dict[str, Any] | None):
        """dataset: the folder's dataset.json, checked against what is there and written when
        absent; None: a worker writing into a folder its run has already checked."""
        self.out = Path(out)
        self.frames_dir = self.out / "frames"
        if dataset is not None:
            self._open(dataset)

    def _open(self, dataset: dict[str, Any]) -> None:
        existing = self.out / "dataset.json"
        if self.out.exists() and not self.out.is_dir():
            raise UserError(f"--out {self.out} is a file, not a folder; nothing was written. "
                            "Choose a new or empty folder")
        if existing.exists():
            try:
                old = json.loads(existing.read_text())
            except (OSError, ValueError) as exc:   # unreadable, not UTF-8, not JSON
                raise UserError(f"cannot read the existing dataset.json ({exc}); choose another --out",
                                file=str(existing)) from None
            if old.get("identity") != dataset["identity"]:
                raise UserError("this folder holds a different dataset (another preset, seed or version); "
                                "nothing was changed. Choose another --out or remove the folder", file=str(existing))
        elif self.out.exists() and any(self.out.iterdir()):
            if (self.out / "frames").exists() or (self.out / "manifest.json").exists():
                raise UserError(f"--out {self.out} holds a dataset's frames but no dataset.json; nothing was "
                                "written. Restore its dataset.json, or choose an empty or new folder",
                                file=str(existing))
            raise UserError(f"--out {self.out} exists and is not a cabin-synth dataset; nothing was written. "
                            "Choose an empty or new folder")
        problems = schemas.errors("dataset", dataset)
        if problems:
            raise AssertionError("dataset.json does not match its schema: " + "; ".join(problems))
        try:
            self.frames_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:   # a file where a parent folder should be, no permission
            raise UserError(f"cannot create the folder --out {self.out} ({exc.strerror})") from None
        if not existing.exists():   # the first run (or shard) records its software; resumes keep it
            atomic_write(existing, dump_json(dataset))

    def committed(self, index: int, folder: str = "frames") -> bool:
        """True when frame `index` is on disk whole in `folder` (its JSON and every listed file)."""
        where = self.out / folder
        path = where / f"{frame_stem(index)}.json"
        if not path.exists():
            return False
        try:
            files = json.loads(path.read_text())["files"]
            return all(file_matches(where, entry) for entry in files.values())
        except (OSError, ValueError, KeyError, TypeError):
            return False

    def write_frame(self, index: int, payloads: dict[str, tuple[str, bytes]], labels: dict[str, Any],
                    folder: str = "frames") -> dict[str, Any]:
        """Write one frame's (extension, bytes) payloads into `folder` (relative to the
        dataset root; clips use clips/NNNN)."""
        stem = frame_stem(index)
        files = {}
        where = self.out / folder
        where.mkdir(parents=True, exist_ok=True)
        document = dict(labels, files=files)
        try:
            for kind, (extension, data) in payloads.items():
                name = f"{stem}.{kind}.{extension}"
                atomic_write(where / name, data)
                files[kind] = {"path": name, "bytes": len(data), "sha256": sha256(data)}
            problems = schemas.errors("frame", document)
            if problems:
                raise AssertionError(f"frame {index} labels do not match schemas/frame.schema.json: "
                                     + "; ".join(problems))
            data = dump_json(document)
            atomic_write(where / f"{stem}.json", data)
        except BaseException:
            # An uncommitted frame leaves nothing behind (a full disk, a failed check, Ctrl-C twice).
            for entry in files.values():
                (where / entry["path"]).unlink(missing_ok=True)
            raise
        return {"index": index, "path": f"{folder}/{stem}.json", "bytes": len(data), "sha256": sha256(data)}

    def entry(self, index: int, folder: str = "frames") -> dict[str, Any]:
        """Manifest entry of a committed frame of `folder`."""
        data = (self.out / folder / f"{frame_stem(index)}.json").read_bytes()
        return {"index": index, "path": f"{folder}/{frame_stem(index)}.json", "bytes": len(data), "sha256": sha256(data)}

    def write_manifest(self, entries: list[dict[str, Any]], clips: list[dict[str, Any]] | None = None) -> None:
        document = {"frames": sorted(entries, key=lambda e: e["index"]), "count": len(entries)}
        if clips is not None:
            document["clips"] = sorted(clips, key=lambda e: e["index"])
        atomic_write(self.out / "manifest.json", dump_json(document))
