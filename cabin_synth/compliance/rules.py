"""Ground truth: which response each rule of a protocol requires, allows or
forbids in a clip, and when, from the clip's per-frame labels.

A rule (protocols/*.yaml, schemas/protocol.schema.json) names a measure, a
per-frame flag, and a timer over it:

- measures: off_road (gaze zone not road_ahead, or on the phone: a phone held
  in front of the windscreen is not the road), area_3 (ADDW Area 3,
  compliance.areas), eyes_closed (eyes_closed_p80), kss (the clip's KSS, a
  state), condition (frames showing one of the rule's conditions). The gaze
  measures need open eyes: behind closed lids a gaze direction says nothing
  (a sleeping driver's nodding head can carry it onto the cluster), and eye
  closure has its own rules; a blink inside a glance is a gap shorter than the
  interruption, which joins the glance across it; unmonitored (frames in
  which the camera cannot monitor the eyes, `per_frame.unmonitored`, from the
  rendered or ray-cast frames' geometry, labels/monitorable.py; a labels-only
  clip has none and the rule says nothing);
- timers: continuous (one event's time in the measure; gaps shorter than
  interruption_s join events without counting) and cumulative (time in the
  measure within a trailing window, cleared by reset_after_s outside it, and
  after each crossing).

Frame k covers [k / fps, (k + 1) / fps): an event's time is its frame count
over fps, and a threshold is reached at the end of the frame that brings the
count to it. Entries (docs/compliance.md, Ground truth):

- required: the response is due; `from_s` when the threshold is reached (the
  warning is justified from then), `due_s` when threshold + tolerance is
  (a compliant system has responded by then), `until_s` the event's end;
- permitted: it may come (between threshold and threshold + tolerance, past
  max_s, outside the speeds the rule covers, KSS at the permitted level);
- forbidden: it must not (shorter events where the rule says so, alert KSS);
- conditional: the inform while a condition may make monitoring impossible,
  due `due_s` after it starts; required only if the system cannot work. Where
  the frames were ray-cast, it says in how many of them the eyes were in fact
  hidden or unlit (`unmonitored_share`);
- the unmonitored measure: a run of frames in which the camera cannot monitor
  the eyes requires the inform when it lasts `due_s` (from its start, due
  `due_s` later), and permits it while a shorter one lasts;
- a response that nothing in the clip requires, permits or makes conditional
  is forbidden over the whole clip (rule: its rules joined by '+'), so a
  no-false-alarm clip says so outright.

Required entries that overlap a conditional inform, or a required one of the
unmonitored measure, accept the inform instead (`alternative`).
"""

from math import ceil
from typing import Any, Mapping

import numpy as np

from ..behaviour.clips import ROAD_ZONE, runs
from ..labels.monitorable import reason_counts

EPS = 1e-9


def measure_flags(rule: Mapping[str, Any], per_frame: Mapping[str, Any], conditions: list[list[str]]) -> np.ndarray:
    """The rule's per-frame flag."""
    m = rule["measure"]
    closed = np.asarray(per_frame["eyes_closed_p80"], bool)
    if m == "off_road":
        return ~closed & np.array([z != ROAD_ZONE or p for z, p in zip(per_frame["gaze_zone"], per_frame["phone_use"])])
    if m == "area_3":
        return ~closed & (np.asarray(per_frame["addw_area"]) == 3)
    if m == "eyes_closed":
        return closed
    if m == "condition":
        return np.array([bool(set(c) & set(rule["conditions"])) for c in conditions])
    if m == "unmonitored":
        return np.array([bool(r) for r in per_frame["unmonitored"]], bool)
    raise ValueError(f"measure {m!r} has no per-frame flag")


def band(rule: Mapping[str, Any], speed_kmh: float) -> Mapping[str, Any] | None:
    """The first of the rule's speed bands that holds this speed, None if none does."""
    for b in rule["thresholds"]:
        if (speed_kmh >= b.get("min_kmh", -np.inf) and speed_kmh <= b.get("max_kmh", np.inf)
                and speed_kmh > b.get("over_kmh", -np.inf)):
            return b
    return None


def band_of_range(rule: Mapping[str, Any], lo: float, hi: float) -> Mapping[str, Any] | None:
    """The band holding every speed in [lo, hi] (None: the range lies outside all of them);
    ValueError when the range straddles a band's edge."""
    at_lo, at_hi = band(rule, lo), band(rule, hi)
    edges = [b[k] for b in rule["thresholds"] for k in ("min_kmh", "max_kmh", "over_kmh") if k in b]
    if at_lo is not at_hi or any(lo < e < hi for e in edges):
        raise ValueError(f"speeds {lo}-{hi} km/h straddle the rule's speed bands")
    return at_lo


def frames_for(seconds: float, fps: int) -> int:
    """Frames needed for `seconds` of time in the measure."""
    return int(ceil(seconds * fps - EPS))


def continuous_events(flags: np.ndarray, fps: int, interruption_s: float) -> list[list[tuple[int, int]]]:
    """Events as lists of runs [a, b) of flagged frames; runs whose gap is shorter
    than interruption_s belong to one event."""
    events: list[list[tuple[int, int]]] = []
    for a, b in runs(flags):
        if events and (a - events[-1][-1][1]) / fps < interruption_s - EPS:
            events[-1].append((a, b))
        else:
            events.append([(a, b)])
    return events


def frame_at_count(event: list[tuple[int, int]], count: int) -> int:
    """The frame of `event` at which its flagged-frame count reaches `count` (1-based)."""
    for a, b in event:
        if count <= b - a:
            return a + count - 1
        count -= b - a
    raise ValueError("count beyond the event")


def entry(rule_name: str, rule: Mapping[str, Any], status: str, start: float, end: float, measured: float,
          why: str, **times) -> dict[str, Any]:
    return {"response": rule["response"], "status": status, "rule": rule_name, **times,
            "event": {"start_s": start, "end_s": end, "measured_s": measured}, "why": why, "cite": dict(rule["cite"])}


def tolerance(rule: Mapping[str, Any], shown: set[str]) -> tuple[float, str]:
    nn = rule.get("non_nominal")
    if nn and shown & set(nn["conditions"]):
        return nn["tolerance_s"], f" ({', '.join(sorted(shown & set(nn['conditions'])))}: non-nominal)"
    return rule.get("tolerance_s", 0.0), ""


def continuous_entries(name: str, rule: Mapping[str, Any], flags: np.ndarray, speed: np.ndarray,
                       conditions: list[list[str]], fps: int) -> list[dict[str, Any]]:
    out = []
    what = rule["measure"].replace("_", " ")
    for ev in continuous_events(flags, fps, rule.get("interruption_s", 0.0)):
        a, b = ev[0][0], ev[-1][1]
        count = sum(y - x for x, y in ev)
        start, end, measured = a / fps, b / fps, count / fps
        at = band(rule, speed[a])
        head = f"{what} {measured:.2f} s from {start:.2f} s at {speed[a]:.0f} km/h"
        if at is None:
            out.append(entry(name, rule, "permitted", start, end, measured,
                             f"{head}: outside the speeds the rule covers", from_s=start, until_s=end))
            continue
        thr = at["threshold_s"]
        tol, nn = tolerance(rule, {c for k in range(a, b) for c in conditions[k]})
        n_thr, n_req = frames_for(thr, fps), frames_for(thr + tol, fps)
        if "max_s" in rule and measured > rule["max_s"] + EPS:
            out.append(entry(name, rule, "permitted", start, end, measured,
                             f"{head}: longer than {rule['max_s']} s, another rule's event",
                             from_s=(frame_at_count(ev, n_thr) + 1) / fps, until_s=end))
        elif count >= n_req:
            out.append(entry(name, rule, "required", start, end, measured,
                             f"{head} reaches the {thr} s threshold + {tol} s tolerance{nn}",
                             from_s=(frame_at_count(ev, n_thr) + 1) / fps,
                             due_s=(frame_at_count(ev, n_req) + 1) / fps, until_s=end))
        elif count >= n_thr:
            out.append(entry(name, rule, "permitted", start, end, measured,
                             f"{head} reaches the {thr} s threshold, not threshold + {tol} s tolerance{nn}",
                             from_s=(frame_at_count(ev, n_thr) + 1) / fps, until_s=end))
        else:
            out.append(entry(name, rule, rule["shorter"], start, end, measured,
                             f"{head}: shorter than the {thr} s threshold", from_s=start, until_s=end))
    return out


def cumulative_entries(name: str, rule: Mapping[str, Any], flags: np.ndarray, speed: np.ndarray,
                       fps: int) -> list[dict[str, Any]]:
    """Time in the measure within the trailing window since the last reset; an episode
    runs from its first flagged frame to a reset, a crossing or the clip's end. After
    a crossing the count starts again with the next run of flagged frames."""
    window, reset = frames_for(rule["window_s"], fps), frames_for(rule["reset_after_s"], fps)
    what = rule["measure"].replace("_", " ")
    clip_runs = runs(flags)
    out, counted, away, episode, resume = [], [], 0, None, 0

    def close(end: int, status: str, why: str, **times) -> None:
        start = episode / fps
        times = {"from_s": start, "until_s": end / fps, **times}
        out.append(entry(name, rule, status, start, end / fps, len(counted) / fps, why, **times))

    for k, f in enumerate(flags):
        if k < resume:
            continue
        if not f:
            away += 1
            if away == reset and episode is not None:
                close(k + 1 - reset, rule["shorter"],
                      f"{what} {len(counted) / fps:.2f} s within {rule['window_s']} s, then {rule['reset_after_s']} s "
                      f"away resets it below the threshold")
                counted, episode = [], None
            continue
        away = 0
        episode = k if episode is None else episode
        counted = [j for j in counted if j > k - window] + [k]
        at = band(rule, speed[episode])
        if at is not None and len(counted) == frames_for(at["threshold_s"] + rule.get("tolerance_s", 0.0), fps):
            from_k = counted[frames_for(at["threshold_s"], fps) - 1]
            resume = next(b for a, b in clip_runs if a <= k < b)
            close(k + 1, "required",
                  f"{what} {len(counted) / fps:.2f} s within {rule['window_s']} s at {speed[episode]:.0f} km/h "
                  f"reaches the {at['threshold_s']} s threshold",
                  from_s=(from_k + 1) / fps, due_s=(k + 1) / fps,
                  until_s=resume / fps)
            counted, episode, away = [], None, 0
    if episode is not None:
        inside = band(rule, speed[episode]) is not None
        close(clip_runs[-1][1], rule["shorter"] if inside else "permitted",
              f"{what} {len(counted) / fps:.2f} s within {rule['window_s']} s: below the threshold at the clip's end"
              if inside else f"{what}: outside the speeds the rule covers")
    return out


def condition_entries(name: str, rule: Mapping[str, Any], flags: np.ndarray, conditions: list[list[str]],
                      unmonitored: list[list[str]] | None, fps: int) -> list[dict[str, Any]]:
    """unmonitored: per frame, why the camera cannot monitor the eyes (None: not ray-cast)."""
    out = []
    for a, b in runs(flags):
        shown = sorted({c for k in range(a, b) for c in conditions[k]} & set(rule["conditions"]))
        why = f"{', '.join(shown)} from {a / fps:.2f} s: inform within {rule['due_s']} s if it stops the system from monitoring"
        extra = {}
        if unmonitored is None:
            why += "; labels only: no ray casts say whether it hides the eyes"
        else:
            hidden = sum(bool(r) for r in unmonitored[a:b])
            extra["unmonitored_share"] = hidden / (b - a)
            why += ("; the ray casts find no part hiding the eyes (lenses and the driver's own hair do not count) "
                    "and them lit in all its frames" if hidden == 0
                    else f"; the ray casts find the eyes hidden or unlit in {hidden} of its {b - a} frames")
        out.append(entry(name, rule, "conditional", a / fps, b / fps, (b - a) / fps, why,
                         from_s=a / fps, due_s=a / fps + rule["due_s"], until_s=b / fps, **extra))
    return out


def unmonitored_entries(name: str, rule: Mapping[str, Any], unmonitored: list[list[str]],
                        fps: int) -> list[dict[str, Any]]:
    """Runs of frames the camera cannot monitor: the inform is required of one that lasts
    due_s (due_s after its start), permitted during a shorter one."""
    out = []
    n_due = frames_for(rule["due_s"], fps)
    for a, b in runs([bool(r) for r in unmonitored]):
        head = (f"the camera cannot monitor the eyes for {(b - a) / fps:.2f} s from {a / fps:.2f} s "
                f"({', '.join(reason_counts(unmonitored[a:b]))})")
        if b - a >= n_due:
            out.append(entry(name, rule, "required", a / fps, b / fps, (b - a) / fps,
                             f"{head}: the {rule['due_s']} s allowance runs out", from_s=a / fps,
                             due_s=(a + n_due) / fps, until_s=b / fps))
        else:
            out.append(entry(name, rule, "permitted", a / fps, b / fps, (b - a) / fps,
                             f"{head}: shorter than the {rule['due_s']} s allowance", from_s=a / fps, until_s=b / fps))
    return out


def kss_entries(name: str, rule: Mapping[str, Any], kss: int, speed: np.ndarray, fps: int) -> list[dict[str, Any]]:
    end = len(speed) / fps
    at = band(rule, speed[0])
    head = f"KSS {kss} at {speed[0]:.0f} km/h"
    if at is None:
        status, why = "permitted", f"{head}: outside the speeds the rule covers"
    elif kss >= at["required_kss"]:
        status, why = "required", f"{head}: at or above KSS {at['required_kss']}"
    elif kss >= at["permitted_kss"]:
        status, why = "permitted", f"{head}: at KSS {at['permitted_kss']}, where a warning is allowed"
    else:
        status, why = "forbidden", f"{head}: below KSS {at['permitted_kss']}"
    times = {"from_s": 0.0, "due_s": end, "until_s": end} if status == "required" else {"from_s": 0.0, "until_s": end}
    return [entry(name, rule, status, 0.0, end, end, why, **times)]


def ground_truth(protocol: Mapping[str, Any], labels: Mapping[str, Any], addw_area: list[int] | None,
                 conditions: list[list[str]]) -> list[dict[str, Any]]:
    """Every rule's entries for a clip: `labels` is clip.json's labels, `addw_area` the
    per-frame ADDW area (protocols with areas), `conditions` the per-frame conditions."""
    fps = labels["fps"]
    per_frame = dict(labels["per_frame"], addw_area=addw_area)
    unmonitored = per_frame.get("unmonitored")
    speed = np.asarray(per_frame["speed_kmh"], float)
    out, not_cast = [], []
    for name, rule in protocol["rules"].items():
        if rule["measure"] == "kss":
            out += kss_entries(name, rule, labels["kss"], speed, fps)
            continue
        if rule["measure"] == "unmonitored":
            if unmonitored is None:
                not_cast.append(name)
            else:
                out += unmonitored_entries(name, rule, unmonitored, fps)
            continue
        flags = measure_flags(rule, per_frame, conditions)
        if rule["measure"] == "condition":
            out += condition_entries(name, rule, flags, conditions, unmonitored, fps)
        elif rule["timer"] == "cumulative":
            out += cumulative_entries(name, rule, flags, speed, fps)
        else:
            out += continuous_entries(name, rule, flags, speed, conditions, fps)
    end = labels["frame_count"] / fps
    for response in protocol["responses"]:
        names = [n for n, r in protocol["rules"].items() if r["response"] == response]
        if names and not any(e["response"] == response and e["status"] != "forbidden" for e in out):
            rule = protocol["rules"][names[0]]
            unknown = [n for n in names if n in not_cast]
            out.append(entry("+".join(names), dict(rule, response=response), "forbidden", 0.0, end, 0.0,
                             f"nothing in the clip reaches a threshold of {', '.join(names)}: {response} must not "
                             "come at any time" + (f" ({', '.join(unknown)}: labels only, not ray-cast)" if unknown else ""),
                             from_s=0.0, until_s=end))
    informs = [e for e in out if e["status"] == "conditional"
               or (e["status"] == "required" and protocol["rules"][e["rule"]]["measure"] == "unmonitored")]
    for e in out:
        overlap = [c for c in informs if c["from_s"] < e["until_s"] and e["from_s"] < c["until_s"]
                   and c["response"] != e["response"]]
        if e["status"] == "required" and overlap:
            first = min(overlap, key=lambda c: c["due_s"])
            e["alternative"] = {"response": first["response"], "due_s": first["due_s"]}
    return sorted(out, key=lambda e: (e["from_s"], e["rule"]))
