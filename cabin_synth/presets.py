"""Presets: declarative randomization, loaded safely and checked before any work.

A preset is data: YAML read with yaml.safe_load (never evaluated), checked
against schemas/preset.schema.json and then against the ranges the models
accept. Every error names the file and the field.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import distributions, schemas
from .errors import UserError
from .paths import PRESETS, PROJECT_ROOT

# Physical ranges the models accept: a distribution must stay inside them.
RANGES: dict[str, tuple[float, float]] = {
    "driver.age_years": (16, 90),
    "head_pose.yaw_deg": (-90, 90),
    "head_pose.pitch_deg": (-60, 60),
    "head_pose.roll_deg": (-45, 45),
    "head_pose.offset_x_m": (-0.3, 0.3),
    "head_pose.offset_y_m": (-0.3, 0.3),
    "head_pose.offset_z_m": (-0.3, 0.3),
    "gaze.yaw_deg": (-50, 50),
    "gaze.pitch_deg": (-45, 45),
    "gaze.distance_m": (0.2, 1000),
    "eyes.closure": (0, 1),
    "eyes.pupil_diameter_mm": (2, 8),
    "expression.smile": (0, 1),
    "expression.mouth_open": (0, 1),
    "expression.squint": (0, 1),       # optional, like the four below
    "expression.talk": (0, 1),
    "expression.yawn": (0, 1),
    "expression.brow_raise": (0, 1),
    "expression.brow_furrow": (0, 1),
    "camera.position_jitter_m": (0, 0.1),
    "camera.aim_jitter_deg": (0, 15),
    "lighting.sun_illuminance_lux": (0, 150000),
    "lighting.sun_elevation_deg": (-90, 90),
    "lighting.sun_azimuth_deg": (-360, 360),
    "lighting.sky_fraction": (0, 1),
}

CATEGORIES: dict[str, set] = {
    "cabin.drive": {"lhd", "rhd"},
    "driver.sex": {"female", "male"},
    "driver.skin_type": {1, 2, 3, 4, 5, 6},
    "camera.mount": {"steering_column", "a_pillar", "rear_view_mirror", "center_stack", "cluster"},
}


@dataclass(frozen=True)
class Preset:
    name: str
    path: Path
    data: Mapping[str, Any]

    def section(self, name: str) -> Mapping[str, Any]:
        return self.data[name]


def available() -> list[Path]:
    return sorted(PRESETS.glob("*.yaml"))


def resolve_path(name_or_path: str) -> Path:
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml", ".json") or path.exists():
        if not path.is_file():
            raise UserError(f"preset file not found: {path}")
        return path
    candidate = PRESETS / f"{name_or_path}.yaml"
    if not candidate.is_file():
        names = ", ".join(p.stem for p in available())
        raise UserError(f"no preset named '{name_or_path}'; shipped presets: {names} (or give a path to a .yaml file)")
    return candidate


def display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def load(name_or_path: str) -> Preset:
    path = resolve_path(name_or_path)
    shown = display(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UserError(f"not valid YAML: {exc}", file=shown) from None
    if not isinstance(data, dict):
        raise UserError("a preset must be a mapping of sections (name, description, sensor, cabin, ...)", file=shown)
    problems = schemas.errors("preset", data) or _range_errors(data)
    if problems:
        raise UserError("invalid preset:\n  " + "\n  ".join(problems), file=shown)
    return Preset(name=data["name"], path=path, data=data)


def _range_errors(data: Mapping[str, Any]) -> list[str]:
    from .cabin import available_cabins

    categories = dict(CATEGORIES, **{"cabin.name": set(available_cabins())})
    problems = []
    for field, (lo, hi) in RANGES.items():
        section, key = field.split(".")
        if key not in data[section]:   # optional fields (the schema holds the required ones)
            continue
        spec = data[section][key]
        if isinstance(spec, Mapping) and "choice" in spec:
            problems += _choice_errors(field, spec["choice"], lambda v: isinstance(v, (int, float)) and lo <= v <= hi,
                                       f"numbers in [{lo}, {hi}]")
            continue
        span = distributions.support(spec)
        if span is not None and not (lo <= span[0] <= span[1] <= hi):
            problems.append(f"'{field}': range {list(span)} must be ordered and lie within [{lo}, {hi}]")
    for field, allowed in categories.items():
        section, key = field.split(".")
        spec = data[section][key]
        check = lambda v, allowed=allowed: v in allowed
        expected = "one of " + ", ".join(map(str, sorted(allowed, key=str)))
        if isinstance(spec, Mapping):
            problems += _choice_errors(field, spec["choice"], check, expected)
        elif not check(spec):
            problems.append(f"'{field}': {spec!r} is not {expected}")
    return problems


def _choice_errors(field: str, choice, check, expected: str) -> list[str]:
    values, weights = (choice, None) if isinstance(choice, list) else (choice["values"], choice["weights"])
    problems = [f"'{field}.choice': {v!r} is not {expected}" for v in values if not check(v)]
    if weights is not None and (len(weights) != len(values) or sum(weights) <= 0):
        problems.append(f"'{field}.choice.weights': need one non-negative weight per value with a positive sum")
    return problems
