"""Every omni.*, carb, isaacsim and omni.replicator.core name that cabin_synth/omni
calls is one tests/fixtures/omniverse_api.txt lists, with where it was read
(omni.replicator.core 1.12.27 and Isaac Sim 5.1 / Kit 107.3). The code is parsed,
not run: a dotted name counts from the module it was imported as, through calls
(written without the parentheses) and through local names bound to such a value.
Names reached through `self` are not followed; the contract test runs that code."""

import ast
from pathlib import Path

OMNI = Path(__file__).parents[1] / "cabin_synth" / "omni"
ROOTS = ("omni", "carb", "isaacsim")


def entries() -> dict[str, str]:
    lines = (Path(__file__).parent / "fixtures" / "omniverse_api.txt").read_text().splitlines()
    return {line.split("|")[0].strip(): line.split("|", 1)[1].strip()
            for line in lines if line.strip() and not line.startswith("#")}


def accepted(name: str, listed: dict[str, str]) -> bool:
    """Listed, or past a listed name that returns a pxr object (pxr's names are usd-core's)."""
    return name in listed or any(name.startswith(n + ".") and "-> pxr." in source for n, source in listed.items())


def dotted(node, names):
    """'a.b.c' of an attribute chain (calls dropped) rooted at a known name, else None."""
    parts = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Name):
            return ".".join([names[node.id]] + parts[::-1]) if node.id in names else None
        else:
            return None


def used_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names, used = {}, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in ROOTS:
                    names[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ROOTS:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    # Local names bound to an Omniverse value (kit = omni.kit.app.get_app()): followed once bound.
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = dotted(node.value, names)
            if value:
                names[node.targets[0].id] = value
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            name = dotted(node, names)
            if name:
                used.add(name)
    # Only the longest chains: 'omni.usd.get_context.get_stage' covers 'omni.usd.get_context'.
    return {n for n in used if not any(o != n and o.startswith(n + ".") for o in used)}


def test_every_omniverse_name_the_code_calls_is_listed():
    files = sorted(OMNI.rglob("*.py"))
    assert len(files) >= 7
    known = entries()
    unlisted = {f"{path.relative_to(OMNI)}: {name}" for path in files for name in used_names(path)
                if not accepted(name, known)}
    assert not unlisted, sorted(unlisted)


def test_the_checker_sees_calls_through_results_and_local_names():
    """The parser itself: a made-up name in each form is reported."""
    source = ("import omni.replicator.core as rep\nimport omni.usd\n"
              "x = rep.orchestrator.made_up()\nomni.usd.get_context().made_up_too()\nx.then_this()\n")
    path = Path(__file__).parent / "fixtures" / "_checker_probe.py"
    try:
        path.write_text(source)
        found = used_names(path)
    finally:
        path.unlink()
    assert {"omni.replicator.core.orchestrator.made_up.then_this", "omni.usd.get_context.made_up_too"} <= found


def test_only_the_omni_package_imports_omniverse_modules():
    """Importing cabin_synth never needs omni.*: only cabin_synth/omni imports it."""
    package = OMNI.parent
    offenders = []
    for path in package.rglob("*.py"):
        if OMNI in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.relative_to(package)}: {m}" for m in modules if m.split(".")[0] in ROOTS]
    assert not offenders


def test_outside_kit_the_omni_package_says_where_it_runs():
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-c", "import cabin_synth.omni"], capture_output=True, text=True)
    assert run.returncode != 0 and "runs inside Kit or Isaac Sim" in run.stderr


def test_extension_toml_declares_what_the_code_needs():
    import tomllib

    root = OMNI.parents[1]
    toml = tomllib.loads((root / "extension.toml").read_text())
    package = toml["package"]
    for key in ("title", "version", "description", "keywords", "readme", "category", "icon", "preview_image"):
        assert package.get(key), key
    for key in ("readme", "icon", "preview_image"):
        assert (root / package[key]).is_file(), package[key]
    # the extensions whose modules the shell imports (omni.kit.app, omni.ext and carb are Kit's kernel)
    assert {"omni.replicator.core", "omni.usd", "omni.ui", "omni.kit.async_engine"} <= set(toml["dependencies"])
    modules = [m["name"] for m in toml["python"]["module"]]
    assert "cabin_synth.omni.extension" in modules and (OMNI / "extension.py").is_file()
    tree = ast.parse((OMNI / "extension.py").read_text())
    defaults = next(ast.literal_eval(n.value) for n in ast.walk(tree)
                    if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "DEFAULTS")
    assert set(toml["settings"]["exts"]["cabin_synth"]) == set(defaults)
    assert toml["test"] and (OMNI / "tests" / "test_extension.py").is_file()
