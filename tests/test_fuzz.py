"""Bad input never hurts: generated presets (wrong types, out-of-range and non-finite values,
unknown and missing keys, asset paths leaving the project, missing and corrupt USD assets,
broken YAML, huge frame counts) and damaged files in an existing output end in a clear
error or a valid dataset: never a traceback, a partial frame or a write outside --out."""

import io
import math
import os
import shutil
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cabin_synth.cli import main
from cabin_synth.dataset.validate import validate_dataset
from cabin_synth.paths import PROJECT_ROOT
from runs import TINY, only_committed, tree

BASE = yaml.safe_load(Path(TINY).read_text())
PRESETS = int(os.environ.get("FUZZ_PRESETS", 1000))
DAMAGES = 30


def _paths(node, prefix=()):
    """Every key or list position of the preset, as a path from the top."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield prefix + (key,)
        yield from _paths(value, prefix + (key,))


def _at(data, path):
    for key in path:
        data = data[key]
    return data


PATHS = sorted(_paths(BASE), key=str)
CONTAINERS = [()] + [p for p in PATHS if isinstance(_at(BASE, p), dict)]
BAD_VALUES = st.one_of(
    st.sampled_from([None, True, False, "", "x", "../x", [], {}, [1, 2], [[]], -1, 0, 1, -1e9, 1e12, 2**63, -2**63,
                     math.nan, math.inf, -math.inf, 1e-300, {"uniform": [5, 1]}, {"uniform": [0, math.inf]},
                     {"normal": [0, -1]}, {"choice": []}, {"choice": {"values": [1], "weights": [-1]}},
                     {"truncnorm": [0, 1, 2, 1]}, {"asset": []}]),
    st.integers(), st.floats(), st.text(max_size=8))
# Asset paths: leaving the project (relative, absolute, through a link), missing, and files
# that exist but are not cabins (a corrupt USD file beside the preset).
ASSETS = ["../../../../etc/passwd", "/etc/hostname", "usd_assets/../../etc/passwd", "usd_assets/cabins/nope.usda",
          "escape.usda", "corrupt.usda", "usd_assets/accessories/cap.usda", "randomizers/default.yaml", ".",
          "usd_assets/cabins", "~/x.usda", "suv", "nope"]


@st.composite
def mutations(draw):
    kind = draw(st.sampled_from(["set", "unknown", "drop", "asset", "yaml"]))
    if kind == "set":
        return kind, draw(st.sampled_from(PATHS)), draw(BAD_VALUES)
    if kind == "unknown":
        return kind, draw(st.sampled_from(CONTAINERS)), "x_" + draw(st.text("abcdefgh_", min_size=1, max_size=6))
    if kind == "drop":
        return kind, draw(st.sampled_from(PATHS)), None
    if kind == "asset":
        return kind, ("cabin", "name"), {"asset": draw(st.lists(st.sampled_from(ASSETS), min_size=1, max_size=2))}
    return kind, draw(st.sampled_from(["truncate", "tab", "tag", "bytes", "list", "empty"])), draw(
        st.integers(0, 4000))


def apply(data: dict, mutation) -> str:
    """The preset file's text after one mutation of its data or of its YAML (a mutation
    inside what an earlier one removed or replaced changes nothing)."""
    kind, where, value = mutation
    try:
        return _apply(data, kind, where, value)
    except (KeyError, IndexError, TypeError):
        return yaml.safe_dump(data, sort_keys=False)


def _apply(data: dict, kind: str, where, value) -> str:
    if kind in ("set", "asset"):
        parent = _at(data, where[:-1])
        if isinstance(parent, list) and where[-1] >= len(parent):
            return yaml.safe_dump(data)
        parent[where[-1]] = value
    elif kind == "unknown":
        target = _at(data, where)
        if isinstance(target, dict):
            target[value] = 1
    elif kind == "drop":
        parent = _at(data, where[:-1])
        if isinstance(parent, dict) and where[-1] in parent:
            del parent[where[-1]]
        elif isinstance(parent, list) and where[-1] < len(parent):
            del parent[where[-1]]
    text = yaml.safe_dump(data, sort_keys=False)
    if kind != "yaml":
        return text
    cut = value % (len(text) + 1)
    return {"truncate": text[:cut], "tab": text[:cut] + "\t:\n" + text[cut:],
            "tag": "!!python/object/apply:os.system ['touch pwned']\n", "bytes": text[:cut] + "\udcff\x00" + text[cut:],
            "list": "- " + text.replace("\n", "\n  "), "empty": ""}[where]


def snapshot(root: Path) -> dict[str, int]:
    """Every file and folder under `root` with its modification time (caches and the venv aside)."""
    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in (".venv", ".git", "__pycache__", ".pytest_cache", ".hypothesis")]
        for name in dirs + files:
            path = Path(folder) / name
            found[str(path.relative_to(root))] = path.lstat().st_mtime_ns
    return found


def generate_quietly(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(err):
        rc = main(["generate", *argv, "--quiet"])
    return rc, err.getvalue()


@pytest.fixture(scope="module", autouse=True)
def project_before():
    """The project's files before the fuzzing (a module global: hypothesis prints fixture arguments whole)."""
    global PROJECT_BEFORE
    PROJECT_BEFORE = snapshot(PROJECT_ROOT)


@settings(max_examples=PRESETS, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(changes=st.lists(mutations(), min_size=1, max_size=3),
       frames=st.sampled_from([1, 1, 1, 2, 10**7 + 1, 10**12]))
def test_fuzzed_presets_end_in_a_clear_error_or_a_valid_dataset(changes, frames):
    import copy

    data = copy.deepcopy(BASE)
    with tempfile.TemporaryDirectory(prefix="cabin_fuzz_") as tmp:
        root = Path(tmp)
        (root / "corrupt.usda").write_text("#usda 1.0\n(\n def Xform \"Cabin\" {{{ \x00")
        (root / "escape.usda").symlink_to("/etc/hostname")
        text = ""
        for change in changes:
            text = apply(data, change)
            if change[0] == "yaml":
                break
        preset = root / "preset.yaml"
        preset.write_text(text, errors="surrogateescape")
        before = snapshot(root)
        out = root / "out"
        rc, err = generate_quietly("--preset", str(preset), "--frames", str(frames), "--out", str(out))
        assert rc in (0, 2), err
        assert "Traceback" not in err
        if rc == 2:
            assert err.startswith("cabin-synth: error:") and len(err) > 30, err
        # Nothing written outside --out; what is inside holds only whole frames.
        after = snapshot(root)
        assert {k: v for k, v in after.items() if not k.startswith("out")} == before
        if out.exists():
            assert only_committed(out)
        if rc == 0:
            assert validate_dataset(out) == []
    assert snapshot(PROJECT_ROOT) == PROJECT_BEFORE


@pytest.fixture(scope="module", autouse=True)
def reference(tmp_path_factory):
    """The undamaged output (a module global: hypothesis would print a fixture argument whole)."""
    global REFERENCE
    out = tmp_path_factory.mktemp("reference") / "d"
    assert generate_quietly("--preset", TINY, "--frames", "3", "--out", str(out))[0] == 0
    REFERENCE = out, tree(out)


@settings(max_examples=DAMAGES, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(pick=st.integers(0, 10**6), how=st.sampled_from(["truncate", "garbage", "empty", "delete", "folder", "flip"]),
       where=st.floats(0, 1))
def test_damaged_output_is_repaired_or_refused(pick, how, where):
    source, files = REFERENCE
    with tempfile.TemporaryDirectory(prefix="cabin_damage_") as tmp:
        out = Path(tmp) / "d"
        shutil.copytree(source, out)
        # The sky's OpenEXR files are checked when a frame uses them (scene/outside.py), not at rest.
        names = sorted(n for n in files if not n.endswith(".exr"))
        name = names[pick % len(names)]
        path, data = out / name, files[name]
        cut = int(where * len(data))
        if how == "truncate":
            path.write_bytes(data[:cut])
        elif how == "garbage":
            path.write_bytes(data[:cut] + os.urandom(64) + data[cut + 64:])
        elif how == "empty":
            path.write_bytes(b"")
        elif how == "delete":
            path.unlink()
        elif how == "folder":
            path.unlink()
            path.mkdir()
        else:
            path.write_bytes(data[:cut] + bytes([data[min(cut, len(data) - 1)] ^ 0xFF]) + data[cut + 1:])
        assert validate_dataset(out) is not None   # reports, never raises
        rc, err = generate_quietly("--preset", TINY, "--frames", "3", "--out", str(out))
        assert rc in (0, 2) and "Traceback" not in err, err
        if rc == 0:   # repaired: the same bytes as the undamaged run ...
            repaired = tree(out)
            if name.startswith("textures/") and name not in repaired:
                # ... but for a damaged texture no frame needed again: removed, written by the next frame using it
                repaired[name] = files[name]
            assert repaired == files
        else:   # refused, naming the file: an unreadable dataset.json, a folder where a file goes
            assert name.split("/")[-1] in err and (name == "dataset.json" or how == "folder"), err
