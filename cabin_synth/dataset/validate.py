"""Check a dataset folder: every JSON against its schema, every listed file by
size and hash, and no file in frames/ or clips/ that nothing lists (an orphan:
left by an interrupted or superseded run, or put there by hand)."""

import json
from pathlib import Path

from . import schemas
from .writer import file_matches


def _load(path: Path, problems: list[str]):
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(f"{path}: cannot read JSON ({exc})")
        return None


def _check_files(owner: Path, base: Path, entries, problems: list[str], listed: set[Path]) -> None:
    """Check each listed file and remember it as listed."""
    for entry in entries:
        path = base / entry["path"]
        listed.add(path)
        if not path.is_file():
            problems.append(f"{owner}: listed file {entry['path']} is missing")
        elif not file_matches(base, entry):
            problems.append(f"{owner}: listed file {entry['path']} does not match its size or sha256")


def validate_dataset(root: Path, progress=None) -> list[str]:
    """All problems found, one line each naming the file and the JSON path; progress wraps
    the iteration over the frame and clip documents (a progress bar)."""
    root = Path(root)
    problems: list[str] = []
    if not (root / "dataset.json").is_file():
        return [f"{root}: no dataset.json; not a cabin-synth dataset folder"]
    listed: set[Path] = set()
    for name, schema in (("dataset.json", "dataset"), ("manifest.json", "manifest")):
        path = root / name
        if not path.is_file():
            problems.append(f"{path}: missing")
            continue
        document = _load(path, problems)
        if document is not None:
            found = schemas.errors(schema, document)
            problems += [f"{path}: {e}" for e in found]
            if name == "manifest.json" and not found:
                _check_files(path, root, document["frames"] + document.get("clips", []), problems, listed)
    # A clip.json lists its frames, a frame JSON its images: both are checked
    # against their schema, then every file they list.
    frame_files = sorted((root / "frames").glob("*.json")) + sorted(
        p for p in (root / "clips").glob("*/*.json") if p.name != "clip.json")
    documents = [(p, "clip", lambda d: d["frames"]) for p in sorted((root / "clips").glob("*/clip.json"))]
    documents += [(p, "frame", lambda d: d["files"].values()) for p in frame_files]
    for path, schema, entries in (progress(documents) if progress else documents):
        document = _load(path, problems)
        if document is None:
            continue
        found = schemas.errors(schema, document)
        problems += [f"{path}: {e}" for e in found]
        if not found:
            _check_files(path, path.parent, entries(document), problems, listed)
    for folder in ("frames", "clips"):
        for path in sorted(p for p in (root / folder).rglob("*") if p.is_file()):
            if path not in listed:
                problems.append(f"{path}: orphan file: neither manifest.json nor any clip or frame JSON lists it")
    return problems
