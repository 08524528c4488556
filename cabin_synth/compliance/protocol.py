"""Protocols: a regulation or rating protocol as data (protocols/*.yaml).

A protocol file is read with yaml.safe_load, checked against
schemas/protocol.schema.json, then against what the schema cannot say: names
that must refer to each other (responses, sources, rules, conditions, groups),
zones, phone positions and hand poses the generator knows, the fields each
measure and event needs, and every preset field a condition or case sets,
applied to the protocol's base preset and checked as a preset. Errors name the
file and the field; nothing is generated from a protocol that fails.
"""

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping

from ..body.params import HAND_POSES
from ..dataset import schemas
from ..errors import UserError
from ..paths import PROTOCOLS
from .. import presets
from ..presets.preset import Preset, display, read_mapping, with_fields, zone_names
from ..scene.accessories import PHONE_POSITIONS

# Gaze targets besides the cabin's zones: the mirror on the driver's side and
# the other one (which exterior mirror that is depends on the drive), the phone.
SIDE_MIRRORS = ("driver_side_mirror", "passenger_side_mirror")
PHONE = "phone"
TIME_MEASURES = ("off_road", "area_3", "eyes_closed")
EVENT_MEASURES = {"glance": ("off_road", "area_3"), "glance_series": ("off_road", "area_3"),
                  "closure": ("eyes_closed",), "state": ("kss",)}


@dataclass(frozen=True, eq=False)
class Protocol:
    """A loaded protocol; compared and hashed by identity (its caches key on it)."""
    name: str
    path: Path
    data: Mapping[str, Any]

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(json.dumps(self.data, sort_keys=True).encode()).hexdigest()

    @cached_property
    def preset(self) -> Preset:
        return presets.load(preset_reference(self.data["preset"], self.path))

    def rule(self, name: str) -> Mapping[str, Any]:
        return self.data["rules"][name]


def available() -> list[Path]:
    return sorted(PROTOCOLS.glob("*.yaml"))


def resolve_path(name_or_path: str) -> Path:
    """A path, a protocol file's name, or the start of exactly one (eu-addw -> eu-addw-2023-2590)."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise UserError(f"protocol file not found: {path}")
        return path
    names = [p for p in available() if p.stem == name_or_path] or \
        [p for p in available() if p.stem.startswith(name_or_path + "-")]
    if len(names) != 1:
        known = ", ".join(p.stem for p in available())
        what = "is ambiguous" if names else "matches no protocol"
        raise UserError(f"'{name_or_path}' {what}; shipped protocols: {known} (or give a path to a .yaml file)")
    return names[0]


def preset_reference(name: str, protocol_path: Path) -> str:
    """A preset named by a protocol: a shipped name, or a path relative to the protocol file."""
    relative = protocol_path.parent / name
    return str(relative) if relative.suffix in (".yaml", ".yml") else name


def load(name_or_path: str) -> Protocol:
    path = resolve_path(name_or_path)
    shown = display(path)
    data = read_mapping(path, "a protocol: name, title, preset, sources, rules, ...")
    problems = schemas.errors("protocol", data) or link_errors(data)
    if problems:
        raise UserError("invalid protocol:\n  " + "\n  ".join(problems), file=shown)
    protocol = Protocol(data["name"], path, data)
    try:
        base = protocol.preset
    except UserError as exc:
        raise UserError(f"'preset': {exc}", file=shown) from None
    from .scenario import cell_errors

    problems = preset_errors(protocol, base) or cell_errors(protocol)
    if problems:
        raise UserError("invalid protocol:\n  " + "\n  ".join(problems), file=shown)
    return protocol


def cites(data: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """Every (field, cite) of a protocol."""
    out = [(f"rules.{n}.cite", r["cite"]) for n, r in data["rules"].items()]
    out += [(f"scenarios.{n}.cite", s["cite"]) for n, s in data["scenarios"].items()]
    out += [(f"conditions.{n}.cite", c["cite"]) for n, c in data["conditions"].items() if "cite" in c]
    out += [(f"{k}.cite", data[k]["cite"]) for k in ("areas", "validation") if k in data]
    out += [("points.source", data["points"]["source"])] if "points" in data else []
    return out


def rule_errors(name: str, rule: Mapping[str, Any], data: Mapping[str, Any]) -> list[str]:
    where = f"'rules.{name}"
    problems = []
    if rule["response"] not in data["responses"]:
        problems.append(f"{where}.response': '{rule['response']}' is not one of responses: {', '.join(data['responses'])}")
    m = rule["measure"]
    need = {"condition": ("conditions", "due_s"), "unmonitored": ("due_s",), "kss": ("thresholds",)}.get(
        m, ("timer", "thresholds", "shorter"))
    problems += [f"{where}': measure {m} needs '{k}'" for k in need if k not in rule]
    if rule.get("timer") == "cumulative":
        problems += [f"{where}': a cumulative timer needs '{k}'" for k in ("window_s", "reset_after_s") if k not in rule]
    key = "required_kss" if m == "kss" else "threshold_s"
    for i, b in enumerate(rule.get("thresholds", [])):
        wanted = ("required_kss", "permitted_kss") if m == "kss" else ("threshold_s",)
        problems += [f"{where}.thresholds[{i}]': measure {m} needs '{k}'" for k in wanted if k not in b]
        if "max_kmh" in b and b["max_kmh"] < max(b.get("min_kmh", 0), b.get("over_kmh", 0)):
            problems.append(f"{where}.thresholds[{i}]': max_kmh below the band's lower end")
        if m == "kss" and key in b and b.get("permitted_kss", 0) > b[key]:
            problems.append(f"{where}.thresholds[{i}]': permitted_kss above required_kss")
    if m == "area_3" and "areas" not in data:
        problems.append(f"{where}.measure': area_3 needs the protocol's 'areas' section")
    names = list(rule.get("conditions", [])) + list((rule.get("non_nominal") or {}).get("conditions", []))
    problems += [f"{where}': no condition named '{c}'" for c in names if c not in data["conditions"]]
    return problems


def scenario_errors(name: str, sc: Mapping[str, Any], data: Mapping[str, Any], zones: set[str]) -> list[str]:
    where = f"'scenarios.{name}"
    problems = []
    event = sc["event"]
    rule = data["rules"].get(sc.get("rule", ""))
    if "rule" in sc and rule is None:
        problems.append(f"{where}.rule': no rule named '{sc['rule']}'")
    if event in EVENT_MEASURES:
        if "rule" not in sc:
            problems.append(f"{where}': a {event} scenario needs 'rule'")
        elif rule is not None and rule["measure"] not in EVENT_MEASURES[event]:
            problems.append(f"{where}.rule': a {event} scenario needs a rule measuring "
                            f"{' or '.join(EVENT_MEASURES[event])}, not {rule['measure']}")
    if event in ("glance", "glance_series", "closure") and "durations" not in sc:
        problems.append(f"{where}': a {event} scenario needs 'durations'")
    if event in ("state", "behaviour", "condition") and "duration_s" not in sc:
        problems.append(f"{where}': a {event} scenario needs 'duration_s'")
    for v, d in (sc.get("durations") or {}).items():
        if ("seconds" in d) == ("relative_to" in d):
            problems.append(f"{where}.durations.{v}': give either 'seconds' or 'relative_to' with 'offset_s'")
    problems += [f"{where}.cross': no condition group named '{g}'" for g in sc.get("cross", [])
                 if g not in data["condition_groups"]]
    targets = zones | set(SIDE_MIRRORS) | {PHONE}
    for i, case in enumerate(sc["cases"]):
        at = f"{where}.cases[{i}]"
        if case.get("unsupported"):
            continue
        fields = {"glance": ("target", "movement"), "glance_series": ("targets", "movement"),
                  "condition": ("condition",)}.get(event, ())
        problems += [f"{at}': a {event} case needs '{k}'" for k in fields if k not in case]
        if event == "glance_series" and "road_s" not in case and "road_s" not in sc:
            problems.append(f"{at}': a glance series needs 'road_s' (in the case or the scenario)")
        if event == "glance_series" and "glance_s" not in sc:
            problems.append(f"{where}': a glance series needs 'glance_s'")
        for t in [case["target"]] if "target" in case else case.get("targets", []):
            if t not in targets:
                problems.append(f"{at}': gaze target '{t}' is none of: {', '.join(sorted(targets))}")
        if case.get("target") == PHONE and case.get("phone_position", "lap") not in PHONE_POSITIONS:
            problems.append(f"{at}.phone_position': one of {', '.join(PHONE_POSITIONS)}")
        if "condition" in case and case["condition"] not in data["conditions"]:
            problems.append(f"{at}.condition': no condition named '{case['condition']}'")
        problems += [f"{at}.hands': pose '{h['pose']}' is none of {', '.join(HAND_POSES)}"
                     for h in case.get("hands", []) if h["pose"] not in HAND_POSES]
    return problems


def link_errors(data: Mapping[str, Any]) -> list[str]:
    """What refers to what, and what each measure, timer and event needs."""
    problems = []
    for field, c in cites(data):
        if c["source"] not in data["sources"]:
            problems.append(f"'{field}.source': no source named '{c['source']}' in sources")
    for name, rule in data["rules"].items():
        problems += rule_errors(name, rule, data)
    for group, members in data["condition_groups"].items():
        problems += [f"'condition_groups.{group}': no condition named '{c}'" for c in members
                     if c not in data["conditions"]]
    zones = set(zone_names())
    if "areas" in data:
        for area in ("area_1", "area_2"):
            problems += [f"'areas.{area}.zones': '{z}' is not a cabin zone" for z in data["areas"][area]["zones"]
                         if z not in zones]
    for name, sc in data["scenarios"].items():
        problems += scenario_errors(name, sc, data, zones)
    if "points" in data:
        problems += [f"'points.families': no scenario named '{f}'" for f in data["points"]["families"]
                     if f not in data["scenarios"]]
    return problems


def preset_errors(protocol: Protocol, base: Preset) -> list[str]:
    """Every preset field a condition, scenario or case sets, applied to the base preset."""
    data = protocol.data
    if not base.is_clips or "driving" not in base.data:
        return [f"'preset': '{base.name}' must be a clip preset with a driving section (speed, context)"]
    sets = [(f"conditions.{n}.set", c.get("set") or {}) for n, c in data["conditions"].items()
            if not c.get("unsupported")]
    for name, sc in data["scenarios"].items():
        sets.append((f"scenarios.{name}.set", sc.get("set") or {}))
        sets += [(f"scenarios.{name}.cases[{i}].set", c.get("set") or {}) for i, c in enumerate(sc["cases"])
                 if not c.get("unsupported")]
        sets += [(f"scenarios.{name}.speeds.{band}", {"driving.speed_kmh": spec})
                 for band, spec in (sc.get("speeds") or {}).items()]
    sets.append(("speed_kmh", {"driving.speed_kmh": data["speed_kmh"]}))
    problems = []
    for where, values in sets:
        if not values:
            continue
        try:
            with_fields(base, values)
        except UserError as exc:
            problems.append(f"'{where}': {exc}")
    return problems
