"""Read a cabin-synth dataset folder: frames as numpy arrays plus label dicts.

Needs only numpy and Pillow, so training code can use it without the
generator's dependencies (USD, GL, jsonschema):

    from cabin_synth.dataset.reader import open_dataset
    ds = open_dataset("out/run7")
    for frame in ds.frames(kinds=("nir", "depth")):
        frame.labels["gaze"]["combined"]["direction_camera"], frame.images["nir"]

Images are returned as stored (docs/labels.md): depth in uint16 millimetres,
NIR in sensor digital numbers, seg and ids as integer ids. In a clip dataset
the frames are those of its rendered clips, each with its clip and time.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from PIL import Image

from ..errors import UserError

IMAGE_KINDS = ("rgb", "nir", "depth", "seg", "ids")


@dataclass(frozen=True)
class ClipTime:
    clip: int
    time_s: float        # the frame's time in its clip (frame k of a clip at fps: k / fps)


@dataclass(frozen=True)
class FrameRecord:
    index: int
    labels: dict[str, Any]
    images: dict[str, np.ndarray]
    clip: ClipTime | None = None      # None in a frame dataset


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, NotADirectoryError):
        raise UserError("not found; expected a cabin-synth dataset folder holding dataset.json and frames/",
                        file=str(path)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"cannot read JSON ({exc})", file=str(path)) from None


def _clip_frames(path: Path) -> list[tuple[Path, ClipTime]]:
    """The frame JSONs a clip.json lists, each with its clip and time."""
    clip = _read_json(path)
    try:
        times = clip["per_frame"]["time_s"]
        return [(path.parent / entry["path"], ClipTime(clip["clip"], times[entry["index"] - clip["first_frame"]]))
                for entry in clip["frames"]]
    except (KeyError, TypeError, IndexError) as exc:
        raise UserError(f"not a cabin-synth clip.json (no {exc})", file=str(path)) from None


class Dataset:
    """A dataset folder as written by `cabin-synth generate`: only committed
    frames are listed, in index order: in a frame dataset those whose JSON
    exists in frames/, in a clip dataset those listed by a rendered clip's
    clip.json (a clip is committed when its clip.json is written)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.info: dict[str, Any] = _read_json(self.root / "dataset.json")
        found = [(p, None) for p in sorted((self.root / "frames").glob("[0-9]" * 6 + ".json"))]
        for path in sorted((self.root / "clips").glob("[0-9]" * 4 + "/clip.json")):
            found += _clip_frames(path)
        found.sort(key=lambda item: int(item[0].stem))
        self._paths = [p for p, _ in found]
        self._clips = [c for _, c in found]
        self.indices: tuple[int, ...] = tuple(int(p.stem) for p in self._paths)
        self._folders = {i: p.parent for i, p in zip(self.indices, self._paths)}

    def __len__(self) -> int:
        return len(self._paths)

    @property
    def classes(self) -> dict[int, str]:
        return {c["id"]: c["name"] for c in self.info["classes"]}

    @property
    def landmark_names(self) -> list[str]:
        return list(self.info["landmarks"]["names"])

    def labels(self, position: int) -> dict[str, Any]:
        """Labels of the `position`-th committed frame (frame index self.indices[position])."""
        return _read_json(self._paths[position])

    def clip(self, position: int) -> ClipTime | None:
        """Clip and time of the `position`-th committed frame (None in a frame dataset)."""
        return self._clips[position]

    def image_path(self, labels: dict[str, Any], kind: str) -> Path:
        if kind not in IMAGE_KINDS:
            raise UserError(f"unknown image kind '{kind}'; expected one of: {', '.join(IMAGE_KINDS)}")
        return self._folders[labels["frame"]] / labels["files"][kind]["path"]

    def image(self, labels: dict[str, Any], kind: str) -> np.ndarray:
        with Image.open(self.image_path(labels, kind)) as im:
            return np.array(im)

    def frames(self, kinds: tuple[str, ...] = IMAGE_KINDS) -> Iterator[FrameRecord]:
        """Every committed frame with the images of `kinds` decoded (none: labels only)."""
        for position in range(len(self)):
            labels = self.labels(position)
            yield FrameRecord(labels["frame"], labels, {k: self.image(labels, k) for k in kinds}, self.clip(position))

    def __iter__(self) -> Iterator[FrameRecord]:
        return self.frames()


def open_dataset(root: str | Path) -> Dataset:
    return Dataset(root)
