"""Presets: declarative randomization, loaded safely and checked before any work.

A preset is data: YAML read with yaml.safe_load (never evaluated), checked
against schemas/preset.schema.json and then against the ranges the models
accept. Every error names the file and the field.
"""

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..body.params import HAND_POSES, SEAT_BELT, SLEEVES
from ..dataset import schemas
from ..driver.identity import MAKEUP
from ..driver.hair import FACIAL_HAIR, HAIR_STYLES
from ..errors import UserError
from ..paths import PRESETS, PROJECT_ROOT
from ..scene import lamps, road_lights, world
from ..scene.accessories import PHONE_POSITIONS, SLOTS, SUNGLASS_LENSES
from ..scene.materials import CLOTHING
from ..sensor import catalogue
from . import dependencies, design, distributions

DRIVING_CONTEXTS = ("urban", "suburban", "rural", "highway", "tunnel")
# Physical ranges the models accept: a distribution must stay inside them.
RANGES: dict[str, tuple[float, float]] = {
    "driver.age_years": (16, 90),
    "driver.stature_percentile": (1, 99),
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
    "eyes.retroreflectance": (0, 5),
    "expression.smile": (0, 1),
    "expression.mouth_open": (0, 1),
    "expression.squint": (0, 1),       # optional, like the four below
    "expression.talk": (0, 1),
    "expression.yawn": (0, 1),
    "expression.brow_raise": (0, 1),
    "expression.brow_furrow": (0, 1),
    "camera.position_jitter_m": (0, 0.1),
    "camera.aim_jitter_deg": (0, 15),
    "camera.clearance_m": (0, 0.3),
    "lighting.sun_illuminance_lux": (0, 150000),
    "lighting.sun_elevation_deg": (-90, 90),
    "lighting.sun_azimuth_deg": (-360, 360),
    "lighting.sky_fraction": (0, 1),
    "lighting.cloud_cover": (0, 1),
    "lighting.time_of_day_h": (0, 24),
    "lighting.day_of_year": (1, 366),
    "lighting.latitude_deg": (-90, 90),
    "lighting.heading_deg": (-360, 360),
    "lighting.dome_light_flux_lm": (0, 1000),
    "lighting.dome_light_cct_k": (1500, 10000),
    # Seat travel from mid-track; each cabin's own track is checked too (_seat_errors).
    "seat.fore_aft_mm": (-200, 200),
    "seat.height_mm": (-50, 50),
    "clip.duration_s": (0.1, 3600),
    "behaviour.kss": (1, 9),
    "behaviour.road_dwell_s": (0.1, 600),
    "behaviour.glance_dwell_s": (0.1, 60),
    "behaviour.phone_dwell_s": (0.1, 600),
    "behaviour.blink_rate_per_min": (0, 60),
    "behaviour.talking_share": (0, 1),
    "behaviour.laugh_rate_per_min": (0, 10),
    "driving.speed_kmh": (0, 250),
    "body.build": (-3, 3),
    "body.lean_forward_deg": (-10, 25),
    "body.lean_side_deg": (-15, 15),
    "body.steering_wheel_deg": (-90, 90),
    "environment.road_light_lux": (0, 500),
    "environment.traffic": (0, world.VEHICLES),
}

CATEGORIES: dict[str, set] = {
    "cabin.drive": {"lhd", "rhd"},
    "driver.sex": {"female", "male"},
    "driver.skin_type": {1, 2, 3, 4, 5, 6},
    "driver.makeup": set(MAKEUP),
    "driver.hair_style": set(HAIR_STYLES),
    "driver.facial_hair": set(FACIAL_HAIR),
    "camera.mount": {"steering_column", "a_pillar", "rear_view_mirror", "center_stack", "cluster"},
    "lighting.dome_light": {"none", *lamps.KINDS},
    **{f"accessories.{slot}": {"none", *names} for slot, names in SLOTS.items()},
    "accessories.sunglasses_lens": set(SUNGLASS_LENSES),
    "accessories.phone": {"none", *PHONE_POSITIONS},
    "clip.fps": {30, 60},
    "behaviour.glance_movement": {"lizard", "owl", "body_lean"},
    "driving.context": set(DRIVING_CONTEXTS),
    "body.hand_pose": set(HAND_POSES),
    "body.sleeves": set(SLEEVES),
    "body.clothing_colour": set(CLOTHING),
    "body.seat_belt": set(SEAT_BELT),
    "environment.setting": set(world.SETTINGS),
    "environment.road_lights": {"none", *road_lights.KINDS},
}
# Behaviour fields drawn once per glance (behaviour/models.py), not once per clip: a
# design, condition or correlation cannot act on them.
PER_GLANCE = ("behaviour.road_dwell_s", "behaviour.glance_dwell_s", "behaviour.phone_dwell_s",
              "behaviour.glance_zones", "behaviour.glance_movement")


@dataclass(frozen=True)
class Preset:
    name: str
    path: Path
    data: Mapping[str, Any]

    def section(self, name: str) -> Mapping[str, Any]:
        return self.data[name]

    @cached_property
    def design(self) -> "design.Design | None":
        return design.parse(self.data.get("design"), self.data)[0]

    @property
    def output(self) -> Mapping[str, Any]:
        """How the camera images are stored (docs/presets.md); empty: lossless PNG."""
        return self.data.get("output") or {}

    @property
    def is_clips(self) -> bool:
        return "clip" in self.data


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


def read_mapping(path: Path, expected: str) -> dict[str, Any]:
    """A YAML file read safely (no tags, no code) that must hold a mapping; `expected`
    says what it should hold, for the error."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UserError(f"not valid YAML: {exc}", file=display(path)) from None
    if not isinstance(data, dict):
        raise UserError(f"expected a mapping ({expected})", file=display(path))
    return data


def load(name_or_path: str) -> Preset:
    path = resolve_path(name_or_path)
    return checked(read_mapping(path, "a preset's sections: name, description, sensor, cabin, ..."), path)


def with_overrides(preset: Preset, mount: str | None = None, sensor: str | None = None,
                   renderer: str | None = None, image_format: str | None = None,
                   quality: int | None = None) -> Preset:
    """The preset with the command line's or the Kit window's choices in place (None
    keeps the preset's): every frame's camera on `mount`, the catalogue's `sensor`
    (cabin_synth.sensor.catalogue), the `renderer`, the stored images' `image_format`
    and `quality`; checked as a loaded preset is. dataset.json records the result
    (and its digest): the pixels depend on these."""
    data = dict(preset.data)
    if mount is not None:
        data["camera"] = dict(data["camera"], mount=mount)
    if sensor is not None:
        data["sensor"] = {"preset": sensor}
    if renderer is not None:
        data["render"] = dict(data.get("render") or {}, renderer=renderer)
    output = {key: value for key, value in (("image_format", image_format), ("quality", quality)) if value is not None}
    if output:
        data["output"] = dict(data.get("output") or {}, **output)
    return preset if data == preset.data else checked(data, preset.path)


def checked(data: dict[str, Any], path: Path) -> Preset:
    """A preset's data, its sensor expanded from the catalogue, checked against the
    schema and the rules (UserError naming the file and fields otherwise)."""
    shown = display(path)
    try:
        data = dict(data, sensor=catalogue.expand(data.get("sensor")))
    except KeyError as exc:
        raise UserError(f"invalid preset: {exc.args[0]}", file=shown) from None
    return _checked(data, path)


def with_fields(preset: Preset, values: Mapping[str, Any]) -> Preset:
    """The preset with these fields ('section.field' -> value or distribution) set,
    checked again. A field set here leaves the design, its condition and its
    correlation group: the value given wins."""
    data = copy.deepcopy(dict(preset.data))
    for name, spec in values.items():
        section, _, key = name.partition(".")
        data[section] = dict(data.get(section) or {}, **{key: spec})
    if data.get("design"):
        factors = [f for f in data["design"]["factors"] if (f if isinstance(f, str) else f["field"]) not in values]
        data["design"] = dict(data["design"], factors=factors)
        if not factors:
            del data["design"]
    if data.get("conditional"):
        data["conditional"] = {k: v for k, v in data["conditional"].items() if k not in values}
    if data.get("correlated"):
        data["correlated"] = [g for g in map(lambda g: _without(g, values), data["correlated"]) if len(g["fields"]) > 1]
    return _checked(data, preset.path)


def _without(group: Mapping[str, Any], names) -> dict[str, Any]:
    """A correlated group less the given fields (and their rows and columns of a full matrix)."""
    keep = [i for i, f in enumerate(group["fields"]) if f not in names]
    r = group["correlation"]
    return dict(group, fields=[group["fields"][i] for i in keep],
                correlation=r if isinstance(r, (int, float)) else [[r[i][j] for j in keep] for i in keep])


def _checked(data: dict[str, Any], path: Path) -> Preset:
    problems = _nonfinite_errors(data) or schemas.errors("preset", data)
    try:
        problems = problems or (_asset_errors(data, path) or _range_errors(data) + _distortion_errors(data["sensor"])
                                + _lens_errors(data["sensor"]) + _output_errors(data) + _shutter_errors(data)
                                + _exposure_errors(data) + _daylight_errors(data) or _seat_errors(data) or _link_errors(data))
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
        # A shape the schema lets through and a check does not expect: still the preset's fault.
        raise UserError(f"invalid preset: a value has a shape the checks cannot read ({type(exc).__name__}: {exc}); "
                        "compare it with docs/presets.md", file=display(path)) from None
    if problems:
        raise UserError("invalid preset:\n  " + "\n  ".join(problems), file=display(path))
    return Preset(name=data["name"], path=path, data=data)


def _nonfinite_errors(node: Any, where: str = "") -> list[str]:
    """NaN and infinities (YAML's .nan, .inf) pass every range check of the schema (comparisons
    with NaN are false), so they are refused first, wherever they stand."""
    if isinstance(node, float) and not math.isfinite(node):
        return [f"'{where or '(top level)'}': {node} is not a finite number"]
    items = node.items() if isinstance(node, Mapping) else enumerate(node) if isinstance(node, list) else ()
    return [e for key, value in items
            for e in _nonfinite_errors(value, f"{where}[{key}]" if isinstance(key, int) else
                                       f"{where}.{key}" if where else str(key))]


def fields(data: Mapping[str, Any]) -> set[str]:
    """Every randomizer field 'section.field' of a preset (sections of scalars or distributions)."""
    skip = {"name", "description", "sensor", "render", "output", "design", "conditional", "correlated"}
    return {f"{s}.{k}" for s, v in data.items() if s not in skip and isinstance(v, Mapping) for k in v}


def _link_errors(data: Mapping[str, Any]) -> list[str]:
    """Designs, conditions and correlations: fields exist, no cycles, numeric where needed."""
    parsed, problems = design.parse(data.get("design"), data)
    problems += dependencies.check(data, fields(data), parsed.fields if parsed else ())
    linked = set(parsed.fields if parsed else ()) | set(data.get("conditional") or {}) | {
        n for g in data.get("correlated") or [] for n in g["fields"]}
    problems += [f"'{n}': drawn once per glance, so no design, condition or correlation can act on it"
                 for n in sorted(linked & set(PER_GLANCE))]
    for group in data.get("correlated") or []:
        for name in group["fields"]:
            section, _, key = name.partition(".")
            specs = [data.get(section, {}).get(key)] + [c["value"] for c in
                                                       (data.get("conditional") or {}).get(name, {}).get("cases", [])]
            if not all(dependencies.is_numeric(sp) or isinstance(sp, (int, float)) for sp in specs if sp is not None):
                problems.append(f"'correlated': '{name}' needs numeric distributions (a copula maps normals through them)")
    return problems


def _asset_errors(data: Mapping[str, Any], path: Path) -> list[str]:
    """Resolve `asset` choices in place: names stay, paths must exist inside the project
    or the preset's folder. The scene loads cabins by name, so a cabin asset must be
    a usd_assets/cabins file and becomes its name."""
    from ..paths import USD_ASSETS
    from ..scene.cabin import available_cabins

    problems = []
    for name in sorted(fields(data)):
        section, key = name.split(".")
        spec = data[section][key]
        if not (isinstance(spec, Mapping) and "asset" in spec):
            continue
        arg = spec["asset"]
        values = arg if isinstance(arg, list) else arg["values"]
        resolved = []
        for value in values:
            text = str(value)
            if "/" not in text and "." not in text:
                resolved.append(value)
                continue
            roots = (path.parent.resolve(), PROJECT_ROOT)
            found = next((r / text for r in roots if (r / text).is_file()), None)
            inside = found is not None and any(found.resolve().is_relative_to(r) for r in roots)
            if not inside:
                problems.append(f"'{name}.asset': '{text}' is not a file inside the project or the preset's folder")
            elif name == "cabin.name":
                if found.resolve().parent != (USD_ASSETS / "cabins").resolve() or found.stem not in available_cabins():
                    problems.append(f"'{name}.asset': '{text}' is not a cabin in usd_assets/cabins "
                                    f"(available: {', '.join(available_cabins())})")
                resolved.append(found.stem)
            else:
                resolved.append(display(found))
        if isinstance(arg, list):
            spec["asset"] = resolved
        else:
            arg["values"] = resolved
    return problems


@lru_cache(maxsize=None)
def zone_names() -> tuple[str, ...]:
    """Gaze-zone names of the shipped cabins (every cabin has the same set; docs/cabins.md)."""
    from pxr import Usd

    from ..scene.cabin import available_cabins, cabin_asset_path, read_cabin

    return tuple(sorted(read_cabin(Usd.Stage.Open(str(cabin_asset_path(available_cabins()[0])))).zones))


@lru_cache(maxsize=None)
def seat_track_mm(cabin: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """The driver seat track of a shipped cabin: ((rear, front), (lowest, highest)) mm from mid-track."""
    from pxr import Usd

    from ..scene.cabin import cabin_asset_path, read_cabin

    track = read_cabin(Usd.Stage.Open(str(cabin_asset_path(cabin))), name=cabin).seat_track_mm
    return tuple(tuple(float(v) for v in row) for row in track)


def _seat_errors(data: Mapping[str, Any]) -> list[str]:
    """Commanded seat travel must fit the track of every cabin the preset can choose."""
    seat = data.get("seat") or {}
    spec = data["cabin"]["name"]
    if isinstance(spec, Mapping):
        arg = next(iter(spec.values()))
        cabins = arg if isinstance(arg, list) else arg["values"]
    else:
        cabins = [spec]
    conditional = data.get("conditional") or {}
    problems = []
    for row, key in enumerate(("fore_aft_mm", "height_mm")):
        name = f"seat.{key}"
        if key not in seat:
            continue
        specs = [(name, seat[key])] + [(f"conditional.{name}.cases[{i}].value", c["value"])
                                       for i, c in enumerate(conditional.get(name, {}).get("cases", []))]
        for cabin in sorted(set(map(str, cabins))):
            lo, hi = seat_track_mm(cabin)[row]
            for where, sp in specs:
                values = (sp["choice"] if isinstance(sp["choice"], list) else sp["choice"]["values"]) \
                    if isinstance(sp, Mapping) and "choice" in sp else distributions.support(sp)
                if values is not None and not all(lo <= v <= hi for v in values):
                    problems.append(f"'{where}': {list(values)} mm leaves the seat track of cabin '{cabin}' "
                                    f"([{lo:g}, {hi:g}] mm from mid-track)")
    return problems


def _range_errors(data: Mapping[str, Any]) -> list[str]:
    from ..scene.cabin import available_cabins

    categories = dict(CATEGORIES, **{"cabin.name": set(available_cabins())})
    if "behaviour" in data:
        categories["behaviour.glance_zones"] = set(zone_names()) | {"phone"}
    conditional = data.get("conditional") or {}

    def specs(field):
        section, key = field.split(".")
        if section not in data or key not in data[section]:  # optional (the schema holds the required ones)
            return []
        cases = conditional.get(field, {}).get("cases", [])
        return [(field, data[section][key])] + [(f"conditional.{field}.cases[{i}].value", c["value"])
                                                for i, c in enumerate(cases)]

    problems = []
    for field, (lo, hi), (where, spec) in ((f, r, s) for f, r in RANGES.items() for s in specs(f)):
        field = where
        if isinstance(spec, Mapping) and "choice" in spec:
            problems += _choice_errors(field, spec["choice"], lambda v: isinstance(v, (int, float)) and lo <= v <= hi,
                                       f"numbers in [{lo}, {hi}]")
            continue
        if isinstance(spec, Mapping) and "lognormal" in spec and "max" not in spec["lognormal"]:
            problems.append(f"'{field}.lognormal': needs a 'max' within [{lo}, {hi}] (the field has a physical range)")
            continue
        span = distributions.support(spec)
        if span is not None and not (lo <= span[0] <= span[1] <= hi):
            problems.append(f"'{field}': range {list(span)} must be ordered and lie within [{lo}, {hi}]")
    for field, allowed, (where, spec) in ((f, a, s) for f, a in categories.items() for s in specs(f)):
        field = where
        check = lambda v, allowed=allowed: v in allowed
        expected = "one of " + ", ".join(map(str, sorted(allowed, key=str)))
        if isinstance(spec, Mapping):
            kind = next(iter(spec))
            problems += _choice_errors(field, spec[kind], check, expected, kind)
        elif not check(spec):
            problems.append(f"'{field}': {spec!r} is not {expected}")
    return problems


def _daylight_errors(data: Mapping[str, Any]) -> list[str]:
    """Without the daylight model (`cloud_cover`) the preset gives the daylight itself."""
    lighting = data["lighting"]
    if "cloud_cover" in lighting:
        return []
    return [f"'lighting.{key}': required unless 'lighting.cloud_cover' is given (the daylight model derives "
            "sun_illuminance_lux and sky_fraction from the sun's elevation and the cloud cover; docs/presets.md)"
            for key in ("sun_illuminance_lux", "sky_fraction") if key not in lighting]


def _exposure_errors(data: Mapping[str, Any]) -> list[str]:
    nir = data["sensor"]["nir"]
    auto = nir.get("auto_exposure")
    if auto is None:
        return []
    problems = []
    if auto["min_exposure_us"] > nir["exposure_us"]:
        problems.append(f"'sensor.nir.auto_exposure.min_exposure_us': {auto['min_exposure_us']} is longer than "
                        f"'sensor.nir.exposure_us' ({nir['exposure_us']}), the longest exposure")
    fps = (data.get("clip") or {}).get("fps")
    if fps is not None and fps != auto["frame_rate_hz"]:
        problems.append(f"'sensor.nir.auto_exposure.frame_rate_hz': {auto['frame_rate_hz']} differs from 'clip.fps' "
                        f"({fps}); the exposure loop steps once per clip frame")
    return problems


def _distortion_errors(sensor: Mapping[str, Any]) -> list[str]:
    from ..scene.distortion import MODELS, monotonic_up_to

    d = sensor.get("distortion")
    if d is None:
        return []
    n = MODELS[d["model"]]
    if len(d["coefficients"]) != n:
        return [f"'sensor.distortion.coefficients': model {d['model']!r} takes {n} coefficients "
                f"({'k1, k2, p1, p2, k3' if d['model'] == 'radtan' else 'k1, k2, k3, k4' if n else 'none'}), "
                f"got {len(d['coefficients'])}"]
    f_px = sensor["focal_length_mm"] * 1e3 / sensor["pixel_pitch_um"]
    corner = math.hypot(sensor["width"] / 2, sensor["height"] / 2) / f_px
    if not monotonic_up_to(d["model"], d["coefficients"], corner):
        return ["'sensor.distortion.coefficients': the lens folds the image before its corners "
                "(the distorted radius must grow with the field angle out to the corners)"]
    return []


def _lens_errors(sensor: Mapping[str, Any]) -> list[str]:
    """What the schema cannot say about the lens: it must focus beyond its own focal
    length, and the barrel clips the aperture further out than it starts to."""
    problems = []
    if sensor.get("focus_distance_m", math.inf) * 1e3 <= sensor["focal_length_mm"]:
        problems.append(f"'sensor.focus_distance_m': {sensor['focus_distance_m']} m is not beyond the focal length "
                        f"({sensor['focal_length_mm']} mm): a lens cannot focus there")
    vignetting = (sensor.get("optics") or {}).get("vignetting") or {}
    if "mechanical_onset_deg" in vignetting and vignetting["mechanical_half_deg"] <= vignetting["mechanical_onset_deg"]:
        problems.append("'sensor.optics.vignetting.mechanical_half_deg': must be larger than mechanical_onset_deg "
                        f"({vignetting['mechanical_half_deg']} <= {vignetting['mechanical_onset_deg']} degrees)")
    return problems


def _shutter_errors(data: Mapping[str, Any]) -> list[str]:
    """Exposure over time needs a clip's motion, and must fit in its frame period."""
    shutter = data["sensor"].get("shutter")
    if shutter is None:
        return []
    if "clip" not in data:
        return ["'sensor.shutter': exposure over time needs motion, which only clip presets have (no clip section)"]
    period_ms = 1e3 / data["clip"]["fps"]
    problems = []
    if shutter.get("rgb_max_exposure_ms", 0) > period_ms:
        problems.append(f"'sensor.shutter.rgb_max_exposure_ms': {shutter['rgb_max_exposure_ms']} ms is longer than "
                        f"the frame period at {data['clip']['fps']} fps ({period_ms:.2f} ms)")
    readout_ms = shutter.get("rgb_line_time_us", 0) * 1e-3 * data["sensor"]["height"]
    if readout_ms > period_ms:
        problems.append(f"'sensor.shutter.rgb_line_time_us': reading {data['sensor']['height']} rows takes "
                        f"{readout_ms:.2f} ms, longer than the frame period at {data['clip']['fps']} fps "
                        f"({period_ms:.2f} ms)")
    return problems


def _output_errors(data: Mapping[str, Any]) -> list[str]:
    """Lossy formats hold 8 bits a sample, and only they take a quality."""
    output = data.get("output") or {}
    image_format = output.get("image_format", "png")
    bits = data["sensor"]["nir"]["bit_depth"]
    if image_format != "png" and bits > 8:
        return [f"'output.image_format': {image_format} holds 8 bits a sample, but 'sensor.nir.bit_depth' is {bits}: "
                "use png, or an 8-bit NIR sensor"]
    if image_format == "png" and "quality" in output:
        return ["'output.quality': png is lossless and takes no quality; give image_format jpeg or webp with it"]
    return []


def _choice_errors(field: str, choice, check, expected: str, kind: str = "choice") -> list[str]:
    values, weights = (choice, None) if isinstance(choice, list) else (choice["values"], choice["weights"])
    problems = [f"'{field}.{kind}': {v!r} is not {expected}" for v in values if not check(v)]
    if weights is not None and (len(weights) != len(values) or sum(weights) <= 0):
        problems.append(f"'{field}.{kind}.weights': need one non-negative weight per value with a positive sum")
    return problems
