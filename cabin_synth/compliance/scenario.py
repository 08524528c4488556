"""A cell's clip: the preset fields it fixes, the scripted event at the duration
its variant asks for, and the clip's compliance labels and ground truth.

The event's length is set in its rule's measure (time off the road, in Area 3,
with the eyes closed), not in the script's dwell: the saccades, the head and the
lids add their own share, so the clip is made, the event's frames counted, and
each scripted dwell (or closure) moved by the difference, until the count is the
variant's (round(seconds x fps) frames). The exit of a glance moves rigidly with
its dwell, so one correction usually does; a closure's head nod changes with its
length, and lengthening one glance of a series moves the later ones past
blinks (which do not count: the eyes are closed), so later corrections settle
the series' total on its last glance, each glance within SERIES_SLACK (20 %)
of its own length.
"""

from dataclasses import replace
from functools import lru_cache
from math import ceil
from typing import Any, Mapping

import numpy as np

from ..behaviour.clips import Clip, cabin_info, make_clip
from ..behaviour.script import Closure, Glance, HandPose, Script
from ..presets import distributions
from ..errors import UserError
from ..presets.preset import Preset, display, with_fields
from ..presets.sampler import sample_frame
from . import areas, monitoring, rules
from .matrix import Cell, cell_of, supported
from .protocol import Protocol

SACCADES_S = 0.4          # both saccades of a glance, generously
GLANCE_SLACK_S = 2.0      # room after a glance for the saccade back and a dwell that grows when fitted
CLOSURE_SLACK_S = 1.0     # the lids' closing and reopening, and room to grow
DWELL_SHARE_S = 0.1       # what the saccades add to a glance's time in its measure, first guess
FIT_TRIES = 5
SERIES_SLACK = 0.2        # share by which a glance of a series may miss its length when the series' total is exact


def rule_of(protocol: Protocol, cell: Cell) -> Mapping[str, Any] | None:
    name = protocol.data["scenarios"][cell.family].get("rule")
    return protocol.rule(name) if name else None


def fit_measure(protocol: Protocol, cell: Cell) -> str:
    """The measure the cell's event lengths are in: the scenario's own, or its rule's."""
    sc = protocol.data["scenarios"][cell.family]
    return sc.get("measure") or rule_of(protocol, cell)["measure"]


def speed_spec(protocol: Protocol, cell: Cell) -> Any:
    sc = protocol.data["scenarios"][cell.family]
    return sc["speeds"][cell.speed] if cell.speed else protocol.data["speed_kmh"]


def threshold(protocol: Protocol, cell: Cell) -> tuple[float, float] | None:
    """(threshold, tolerance) of the cell's rule at the cell's speeds and conditions; None
    when those speeds lie outside the rule's bands or the rule is not timed."""
    rule = rule_of(protocol, cell)
    if rule is None or rule["measure"] not in ("off_road", "area_3", "eyes_closed"):
        return None
    at = rules.band_of_range(rule, *distributions.support(speed_spec(protocol, cell)))
    if at is None:
        return None
    nn = rule.get("non_nominal")
    tol = nn["tolerance_s"] if nn and set(cell.conditions) & set(nn["conditions"]) else rule.get("tolerance_s", 0.0)
    return at["threshold_s"], tol


def event_seconds(protocol: Protocol, cell: Cell) -> float | None:
    """The scripted event's length in its rule's measure, s (None: no timed event)."""
    if cell.duration is None:
        return None
    d = protocol.data["scenarios"][cell.family]["durations"][cell.duration]
    if "seconds" in d:
        return float(d["seconds"])
    thr, tol = threshold(protocol, cell)
    return (thr if d["relative_to"] == "threshold" else thr + tol) + d["offset_s"]


def series_plan(protocol: Protocol, cell: Cell, total: float) -> tuple[list[float], list[float]]:
    """Glance series: each glance's time in the measure, and the road gaps between them."""
    sc = protocol.data["scenarios"][cell.family]
    case = sc["cases"][cell.case_index]
    g = sc["glance_s"]
    n = int(ceil(total / g - 1e-9))
    dwells = [g] * (n - 1) + [total - g * (n - 1)]
    gaps = [case.get("road_s", sc.get("road_s"))] * (n - 1)
    gap = sc["durations"][cell.duration].get("road_gap_s")
    if gap is not None and gaps:
        gaps[(n - 1) // 2] = gap
    return dwells, gaps


def clip_seconds(protocol: Protocol, cell: Cell) -> float:
    sc = protocol.data["scenarios"][cell.family]
    clip = protocol.data["clip"]
    seconds = event_seconds(protocol, cell)
    if seconds is None:
        return float(sc["duration_s"])
    if sc["event"] == "glance_series":
        dwells, gaps = series_plan(protocol, cell, seconds)
        body = sum(dwells) + SACCADES_S * len(dwells) + sum(gaps) + GLANCE_SLACK_S
    else:
        body = seconds + (GLANCE_SLACK_S if sc["event"] == "glance" else CLOSURE_SLACK_S)
    return clip["lead_in_s"] + body + clip["tail_s"]


def overrides(protocol: Protocol, cell: Cell) -> dict[str, Any]:
    """Preset fields the cell fixes: its family's, its case's, its conditions', speed and clip length.
    Two of them fixing one field differently is a protocol error (ValueError naming both)."""
    sc = protocol.data["scenarios"][cell.family]
    sources = [(f"scenarios.{cell.family}.set", sc.get("set") or {}),
               (f"scenarios.{cell.family}.cases[{cell.case_index}].set", sc["cases"][cell.case_index].get("set") or {})]
    sources += [(f"conditions.{c}.set", protocol.data["conditions"][c].get("set") or {}) for c in cell.conditions]
    out: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for where, values in sources:
        for field, spec in values.items():
            if field in out and out[field] != spec:
                raise ValueError(f"cell {cell.id}: '{where}' sets {field} to {spec!r}, '{origin[field]}' to {out[field]!r}")
            out[field], origin[field] = spec, where
    fps = protocol.data["clip"]["fps"]
    out.update({"driving.speed_kmh": speed_spec(protocol, cell), "clip.fps": fps,
                "clip.duration_s": clip_frames(protocol, cell) / fps})
    return out


@lru_cache(maxsize=4096)
def cell_preset(protocol: Protocol, cell: Cell) -> Preset:
    return with_fields(protocol.preset, overrides(protocol, cell))


def clip_frames(protocol: Protocol, cell: Cell) -> int:
    return int(ceil(clip_seconds(protocol, cell) * protocol.data["clip"]["fps"] - 1e-9))


@lru_cache(maxsize=None)
def stride(protocol: Protocol) -> int:
    """Dataset frames per clip slot: the longest clip of the set, so clip c's frames
    start at c x stride and no two clips share a frame index."""
    return max(clip_frames(protocol, c) for c in supported(protocol))


def cell_errors(protocol: Protocol) -> list[str]:
    """What only the cells show: fields set twice, speeds across a rule's bands,
    durations relative to a threshold the cell's speeds do not have."""
    problems = []
    for cell in supported(protocol):
        try:
            overrides(protocol, cell)
            d = (protocol.data["scenarios"][cell.family].get("durations") or {}).get(cell.duration, {})
            if "relative_to" in d and threshold(protocol, cell) is None:
                problems.append(f"'scenarios.{cell.family}.durations.{cell.duration}': cell {cell.id} has no "
                                f"threshold at its speeds to be relative to")
        except ValueError as exc:
            problems.append(f"'scenarios.{cell.family}': {exc}")
    return list(dict.fromkeys(problems))


def resolve_target(target: str, drive: str) -> str:
    """A cabin zone for a protocol's gaze target (the side mirrors depend on the drive)."""
    driver_left = drive == "lhd"
    return {"driver_side_mirror": "left_mirror" if driver_left else "right_mirror",
            "passenger_side_mirror": "right_mirror" if driver_left else "left_mirror"}.get(target, target)


def event_lengths(protocol: Protocol, cell: Cell) -> list[float]:
    """Each scripted event's length in the rule's measure, s: one event, or each glance
    of a series (none for state, behaviour and condition cells)."""
    seconds = event_seconds(protocol, cell)
    if seconds is None:
        return []
    if protocol.data["scenarios"][cell.family]["event"] == "glance_series":
        return series_plan(protocol, cell, seconds)[0]
    return [seconds]


def frame_targets(lengths: list[float], fps: int) -> list[int]:
    """Whole frames per event, summing to the frames of the total length."""
    want = [int(round(x * fps)) for x in lengths]
    if want:
        want[-1] = int(round(sum(lengths) * fps)) - sum(want[:-1])
    return want


def script_for(protocol: Protocol, cell: Cell, drive: str, lengths: list[float]) -> Script:
    """The cell's scripted events for these lengths in the rule's measure (the glances'
    dwells leave DWELL_SHARE_S to the saccades; a series' road gaps stay as planned)."""
    sc = protocol.data["scenarios"][cell.family]
    case = sc["cases"][cell.case_index]
    lead = protocol.data["clip"]["lead_in_s"]
    event = sc["event"]
    if event == "glance":
        return Script(glances=(Glance(lead, resolve_target(case["target"], drive), case["movement"],
                                      lengths[0] - DWELL_SHARE_S, case.get("phone_position", "lap")),))
    if event == "glance_series":
        gaps = series_plan(protocol, cell, event_seconds(protocol, cell))[1] + [0.0]
        glances, t = [], lead
        for i, length in enumerate(lengths):
            target = resolve_target(case["targets"][i % len(case["targets"])], drive)
            glances.append(Glance(t, target, case["movement"], length - DWELL_SHARE_S))
            t += length + SACCADES_S + gaps[i]
        return Script(glances=tuple(glances))
    if event == "closure":
        return Script(closures=(Closure(lead, lengths[0] - DWELL_SHARE_S, case.get("nod", True)),))
    return Script(hands=tuple(HandPose(h["start_s"], h["start_s"] + h["duration_s"], h["pose"])
                              for h in case.get("hands", [])))


def compliance_frames(protocol: Protocol, clip: Clip) -> dict[str, Any]:
    """Per-frame compliance labels: conditions shown, lens NIR transmittance, and the ADDW
    area when the protocol has areas."""
    wavelength = protocol.preset.section("sensor")["nir"]["wavelength_nm"]
    per_frame = clip.labels["per_frame"]
    usable = {n: c for n, c in protocol.data["conditions"].items() if not c.get("unsupported")}
    values = [monitoring.quantities(p, talk, wavelength) for p, talk in zip(clip.params, per_frame["talking"])]
    shown: dict[tuple, list[str]] = {}   # frames differ in few quantities (hand, talking)
    for v in values:
        key = tuple(v.values())
        if key not in shown:
            shown[key] = monitoring.present(usable, v)
    out = {"conditions": [shown[tuple(v.values())] for v in values],
           "eyewear_nir_transmittance": [v["eyewear_nir_transmittance"] for v in values]}
    if "areas" in protocol.data:
        cabin = cabin_info(clip.base.cabin, clip.base.drive)
        out["addw_area"] = areas.addw_areas(protocol.data["areas"], cabin, per_frame["gaze_zone"],
                                            np.array(per_frame["gaze_origin_vehicle_m"]),
                                            np.array(per_frame["gaze_direction_vehicle"])).tolist()
    return out


def measured_frames(protocol: Protocol, cell: Cell, clip: Clip, frames: Mapping[str, Any],
                    script: Script) -> list[int]:
    """Frames of each scripted event in its rule's measure: each glance of a series (its
    frames from its start to the next one's), or the one event (gaps joined as the rule
    joins them) that ends after the lead-in."""
    rule = dict(rule_of(protocol, cell), measure=fit_measure(protocol, cell))
    per_frame = dict(clip.labels["per_frame"], addw_area=frames.get("addw_area"))
    flags = rules.measure_flags(rule, per_frame, frames["conditions"])
    if protocol.data["scenarios"][cell.family]["event"] == "glance_series":
        starts = [int(round(g.start_s * clip.fps)) for g in script.glances] + [len(flags)]
        return [int(flags[a:b].sum()) for a, b in zip(starts, starts[1:])]
    first = int(round(protocol.data["clip"]["lead_in_s"] * clip.fps))
    events = rules.continuous_events(flags, clip.fps, rule.get("interruption_s", 0.0))
    ev = next((e for e in events if e[-1][1] > first), None)
    return [sum(b - a for a, b in ev) if ev else 0]


def make_compliance_clip(protocol: Protocol, seed: int, index: int) -> Clip:
    """Clip `index` of the protocol's set: its cell's scripted events fitted to length, with
    the compliance labels and ground truth in its labels."""
    cell = cell_of(protocol, seed, index)
    preset = cell_preset(protocol, cell)
    lengths = event_lengths(protocol, cell)
    drive = sample_frame(preset, seed, index).drive
    first = index * stride(protocol)
    fps = protocol.data["clip"]["fps"]
    want = frame_targets(lengths, fps)
    for attempt in range(FIT_TRIES):
        script = script_for(protocol, cell, drive, lengths)
        clip = make_clip(preset, seed, index, script, first)
        frames = compliance_frames(protocol, clip)
        got = measured_frames(protocol, cell, clip, frames, script) if lengths else []
        if got == want or (sum(got) == sum(want) and all(abs(g - w) <= SERIES_SLACK * w for g, w in zip(got, want))):
            break
        if attempt == 0:
            lengths = [x + (w - g) / fps for x, w, g in zip(lengths, want, got)]
        else:   # moving earlier glances moves later ones past blinks: settle the total on the last one
            lengths[-1] += (sum(want) - sum(got)) / fps
    else:
        raise UserError(f"clip {index} ({cell.id}): the scripted events last {got} frames in the measure "
                        f"{fit_measure(protocol, cell)}, not {want}, after {FIT_TRIES} tries: the gaze target "
                        f"lies outside the measure for this driver and cabin", file=display(protocol.path))
    scenario = {"event": protocol.data["scenarios"][cell.family]["event"], "script": script.to_dict()}
    if lengths:
        thr, tol = threshold(protocol, cell) or (None, None)
        scenario.update(measure=fit_measure(protocol, cell), target_s=sum(want) / fps,
                        threshold_s=thr, tolerance_s=tol)
    labels = dict(clip.labels, compliance={
        "protocol": protocol.name, "protocol_sha256": protocol.sha256, "cell": cell.to_dict(),
        "scenario": scenario, "per_frame": frames})
    return replace(clip, labels=with_ground_truth(protocol, labels))


def with_ground_truth(protocol: Protocol, labels: Mapping[str, Any]) -> dict[str, Any]:
    """Clip labels with the ground truth of their compliance labels and per-frame labels
    (again once rendering or ray casts add `per_frame.unmonitored`)."""
    comp = labels["compliance"]
    truth = rules.ground_truth(protocol.data, labels, comp["per_frame"].get("addw_area"), comp["per_frame"]["conditions"])
    return dict(labels, compliance=dict(comp, ground_truth=truth))
