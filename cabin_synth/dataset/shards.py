"""Which frames a process owns (`--shard i/N`), the part each shard leaves, and the merge.

Shard i of N owns the frames whose index is i modulo N: every cabin variant and
design cell spreads over every shard, and a frame is the same whichever shard
makes it (it depends only on the preset, the seed and its index). A finished
shard writes parts/shard-IIII-of-NNNN.json listing its frames; `cabin-synth
merge` builds manifest.json from the parts once every frame appears exactly once.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from ..errors import UserError
from . import schemas
from .writer import atomic_write, dump_json, file_matches

PARTS = "parts"
MAX_FRAMES = 10_000_000   # a manifest holds every entry in memory (about 500 bytes each)


@dataclass(frozen=True)
class Shard:
    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> "Shard":
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if not match or not int(match[2]) > int(match[1]) >= 0:
            raise UserError(f"expected i/N with 0 <= i < N (shard i of N, counted from 0), got '{text}'",
                            field="--shard")
        return cls(int(match[1]), int(match[2]))

    def owns(self, frame: int) -> bool:
        return frame % self.count == self.index

    def frames(self, total: int) -> range:
        return range(self.index, total, self.count)

    @property
    def name(self) -> str:
        return f"shard-{self.index:04d}-of-{self.count:04d}"

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


WHOLE = Shard(0, 1)


def write_part(out: Path, shard: Shard, total: int, entries: Iterable[dict[str, Any]]) -> Path:
    """Record a finished shard: the run's frame count and the entry of each frame it owns."""
    document = {"shard": {"index": shard.index, "count": shard.count}, "frames": total,
                "entries": sorted(entries, key=lambda e: e["index"])}
    problems = schemas.errors("part", document)
    if problems:
        raise AssertionError("shard part does not match schemas/part.schema.json: " + "; ".join(problems))
    (out / PARTS).mkdir(exist_ok=True)
    path = out / PARTS / f"{shard.name}.json"
    atomic_write(path, dump_json(document))
    return path


def _read_part(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"cannot read this shard part ({exc}); rerun its shard to write it again",
                        file=str(path)) from None
    problems = schemas.errors("part", document)
    if problems:
        raise UserError("not a valid shard part: " + "; ".join(problems) + "; rerun its shard to write it again",
                        file=str(path))
    return document


def spans(indices: Iterable[int]) -> str:
    """'0-3, 7, 9-10' for [0, 1, 2, 3, 7, 9, 10] (at most 8 spans, then a count)."""
    runs: list[list[int]] = []
    for i in sorted(indices):
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    shown = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in runs[:8])
    return shown + (f" and {len(runs) - 8} more spans" if len(runs) > 8 else "")


def merged_entries(out: Path, progress=None) -> list[dict[str, Any]]:
    """The manifest entries of every part in out/parts, checked: one frame count, every
    frame in range exactly once, each frame's JSON as its part recorded it."""
    paths = sorted((out / PARTS).glob("*.json"))
    if not paths:
        raise UserError("no shard parts to merge: run `cabin-synth generate ... --shard i/N` for every i first",
                        file=str(out / PARTS))
    parts = {path: _read_part(path) for path in paths}
    totals = {doc["frames"] for doc in parts.values()}
    if len(totals) > 1:
        raise UserError("the parts come from runs of different --frames: " + ", ".join(
            f"{p.name}: {d['frames']}" for p, d in parts.items()) + "; remove the parts of the other run",
            file=str(out / PARTS))
    total = totals.pop()
    owner: dict[int, Path] = {}
    duplicates: dict[int, list[str]] = {}
    for path, doc in parts.items():
        shard = Shard(doc["shard"]["index"], doc["shard"]["count"])
        listed = [e["index"] for e in doc["entries"]]
        if sorted(listed) != list(shard.frames(total)):
            raise UserError(f"this part does not list exactly the frames of shard {shard} of {total} frames; "
                            "rerun its shard", file=str(path))
        for i in listed:
            if i in owner:
                duplicates.setdefault(i, [owner[i].name]).append(path.name)
            owner[i] = path
    if duplicates:
        first = sorted(duplicates)[0]
        raise UserError(f"{len(duplicates)} frames appear in more than one part (frames {spans(duplicates)}; frame "
                        f"{first} in {' and '.join(duplicates[first])}): parts of different --shard N were mixed. "
                        "Keep the parts of one N; nothing was written", file=str(out / PARTS))
    missing = set(range(total)) - set(owner)
    if missing:
        raise UserError(f"{len(missing)} of {total} frames are in no part (frames {spans(missing)}); run the "
                        "missing shards, then merge again; nothing was written", file=str(out / PARTS))
    entries = [e for doc in parts.values() for e in doc["entries"]]
    damaged = [e["index"] for e in (progress(entries) if progress else entries) if not file_matches(out, e)]
    if damaged:
        raise UserError(f"{len(damaged)} frames listed by the parts are missing or changed on disk (frames "
                        f"{spans(damaged)}); rerun their shards to make them again, then merge",
                        file=str(out / "frames"))
    return entries
