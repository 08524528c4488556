"""Check a dataset folder: every JSON against its schema, every listed file by size and hash."""

import json
from pathlib import Path

from . import schemas
from .writer import sha256


def _load(path: Path, problems: list[str]):
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(f"{path}: cannot read JSON ({exc})")
        return None


def _check_file(owner: Path, base: Path, entry: dict, problems: list[str]) -> None:
    path = base / entry["path"]
    if not path.is_file():
        problems.append(f"{owner}: listed file {entry['path']} is missing")
    elif path.stat().st_size != entry["bytes"] or sha256(path.read_bytes()) != entry["sha256"]:
        problems.append(f"{owner}: listed file {entry['path']} does not match its size or sha256")


def validate_dataset(root: Path) -> list[str]:
    """All problems found, one line each naming the file and the JSON path."""
    root = Path(root)
    problems: list[str] = []
    if not (root / "dataset.json").is_file():
        return [f"{root}: no dataset.json; not a cabin-synth dataset folder"]
    for name, schema in (("dataset.json", "dataset"), ("manifest.json", "manifest")):
        path = root / name
        if not path.is_file():
            problems.append(f"{path}: missing")
            continue
        document = _load(path, problems)
        if document is not None:
            problems += [f"{path}: {e}" for e in schemas.errors(schema, document)]
            if name == "manifest.json" and not schemas.errors(schema, document):
                for entry in document["frames"]:
                    _check_file(path, root, entry, problems)
    # A clip.json lists its frames, a frame JSON its images: both are checked
    # against their schema, then every file they list.
    frame_files = sorted((root / "frames").glob("*.json")) + sorted(
        p for p in (root / "clips").glob("*/*.json") if p.name != "clip.json")
    documents = [(p, "clip", lambda d: d["frames"]) for p in sorted((root / "clips").glob("*/clip.json"))]
    documents += [(p, "frame", lambda d: d["files"].values()) for p in frame_files]
    for path, schema, listed in documents:
        document = _load(path, problems)
        if document is None:
            continue
        found = schemas.errors(schema, document)
        problems += [f"{path}: {e}" for e in found]
        if not found:
            for entry in listed(document):
                _check_file(path, path.parent, entry, problems)
    return problems
