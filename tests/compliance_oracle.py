"""An independent reading of a protocol's rules over a clip's per-frame labels.

Written apart from cabin_synth.compliance.rules and sharing none of its code: it
reads the protocol as plain YAML and the clip as plain JSON, and walks the
frames one at a time with a small state machine per rule, where the generator
works on runs of frames. Frame k lasts from k / fps to (k + 1) / fps; a timer
crosses a threshold at the end of the frame that brings its time to it.
Returns (rule, response, status, from_s, due_s or None) tuples, rounded, to be
compared with a clip's ground truth.
"""

import math

import yaml

TOL = 1e-9


def load_protocol(path) -> dict:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def in_band(b: dict, v: float) -> bool:
    if "min_kmh" in b and v < b["min_kmh"]:
        return False
    if "max_kmh" in b and v > b["max_kmh"]:
        return False
    return not ("over_kmh" in b and v <= b["over_kmh"])


def first_band(rule: dict, v: float):
    for b in rule["thresholds"]:
        if in_band(b, v):
            return b
    return None


def flag(rule: dict, clip: dict, k: int) -> bool:
    pf, cf = clip["per_frame"], clip["compliance"]["per_frame"]
    m = rule["measure"]
    if m == "off_road":  # gaze measures only count with the eyes open
        return not pf["eyes_closed_p80"][k] and (pf["gaze_zone"][k] != "road_ahead" or pf["phone_use"][k])
    if m == "area_3":
        return not pf["eyes_closed_p80"][k] and cf["addw_area"][k] == 3
    if m == "eyes_closed":
        return pf["eyes_closed_p80"][k]
    return any(c in rule["conditions"] for c in cf["conditions"][k])


def key(rule_name, rule, status, start, due=None):
    return (rule_name, rule["response"], status, round(start, 6), None if due is None else round(due, 6))


def continuous(name: str, rule: dict, clip: dict) -> list:
    fps = clip["fps"]
    n = clip["frame_count"]
    gap_max = rule.get("interruption_s", 0.0)
    out, ev, gap = [], None, 0

    def finish(ev):
        speed = clip["per_frame"]["speed_kmh"][ev["first"]]
        b = first_band(rule, speed)
        seconds = ev["count"] / fps
        if b is None:
            return key(name, rule, "permitted", ev["first"] / fps)
        tol = rule.get("tolerance_s", 0.0)
        nn = rule.get("non_nominal")
        shown = {c for k in range(ev["first"], ev["last"] + 1) for c in clip["compliance"]["per_frame"]["conditions"][k]}
        if nn and shown & set(nn["conditions"]):
            tol = nn["tolerance_s"]
        thr = b["threshold_s"]
        if "max_s" in rule and seconds > rule["max_s"] + TOL:
            return key(name, rule, "permitted", ev["times"][thr])
        if seconds >= thr + tol - TOL:
            return key(name, rule, "required", ev["times"][thr], ev["times"][thr + tol])
        if seconds >= thr - TOL:
            return key(name, rule, "permitted", ev["times"][thr])
        return key(name, rule, rule["shorter"], ev["first"] / fps)

    def marks(k):
        """Times in the measure whose crossing the event records: threshold, + either tolerance."""
        b = first_band(rule, clip["per_frame"]["speed_kmh"][k])
        if b is None:
            return []
        nn = rule.get("non_nominal") or {"tolerance_s": 0.0}
        return [b["threshold_s"] + extra for extra in (0.0, rule.get("tolerance_s", 0.0), nn["tolerance_s"])]

    for k in range(n):
        if flag(rule, clip, k):
            if ev is not None and gap > 0 and gap / fps >= gap_max - TOL:
                out.append(finish(ev))
                ev = None
            if ev is None:
                ev = {"first": k, "count": 0, "times": {}, "marks": marks(k)}
            ev["count"] += 1
            ev["last"] = k
            for m in ev["marks"]:
                if m not in ev["times"] and ev["count"] / fps >= m - TOL:
                    ev["times"][m] = (k + 1) / fps
            gap = 0
        else:
            gap += 1
    if ev is not None:
        out.append(finish(ev))
    return out


def cumulative(name: str, rule: dict, clip: dict) -> list:
    fps = clip["fps"]
    n = clip["frame_count"]
    out = []
    state = {"times": [], "start": None, "away": 0, "skip_run": False}
    flags = [flag(rule, clip, k) for k in range(n)]
    for k in range(n):
        t = k / fps
        if state["skip_run"]:
            if flags[k]:
                continue
            state["skip_run"] = False
        if not flags[k]:
            state["away"] += 1
            if state["start"] is not None and state["away"] / fps >= rule["reset_after_s"] - TOL:
                out.append(key(name, rule, rule["shorter"], state["start"]))
                state.update(times=[], start=None)
            continue
        state["away"] = 0
        if state["start"] is None:
            state["start"] = t
        state["times"] = [x for x in state["times"] if x > t - rule["window_s"] + TOL] + [t]
        b = first_band(rule, clip["per_frame"]["speed_kmh"][int(round(state["start"] * fps))])
        if b is None:
            continue
        total = len(state["times"]) / fps
        if total >= b["threshold_s"] + rule.get("tolerance_s", 0.0) - TOL:
            crossing = state["times"][int(math.ceil(b["threshold_s"] * fps - TOL)) - 1] + 1 / fps
            out.append(key(name, rule, "required", crossing, t + 1 / fps))
            state.update(times=[], start=None, skip_run=True, away=0)
    if state["start"] is not None:
        b = first_band(rule, clip["per_frame"]["speed_kmh"][int(round(state["start"] * fps))])
        out.append(key(name, rule, rule["shorter"] if b is not None else "permitted", state["start"]))
    return out


def unmonitored(name: str, rule: dict, clip: dict) -> list:
    """Runs of frames with a reason the camera cannot see the eyes: the inform is required
    once a run has lasted due_s (due then, justified from its first frame), permitted
    during a shorter one. Nothing without ray casts (labels only)."""
    reasons = clip["per_frame"].get("unmonitored")
    if reasons is None:
        return []
    fps = clip["fps"]
    out, first, due = [], None, None
    for k in range(clip["frame_count"] + 1):
        blind = k < clip["frame_count"] and len(reasons[k]) > 0
        if blind:
            first = k if first is None else first
            if due is None and (k + 1 - first) / fps >= rule["due_s"] - TOL:
                due = (k + 1) / fps
        elif first is not None:
            out.append(key(name, rule, "required", first / fps, due) if due is not None
                       else key(name, rule, "permitted", first / fps))
            first, due = None, None
    return out


def expected(protocol: dict, clip: dict) -> set:
    """Every rule's (rule, response, status, from_s, due_s) for the clip."""
    out = []
    fps, n = clip["fps"], clip["frame_count"]
    for name, rule in protocol["rules"].items():
        m = rule["measure"]
        if m == "kss":
            b = first_band(rule, clip["per_frame"]["speed_kmh"][0])
            kss = clip["kss"]
            if b is None:
                out.append(key(name, rule, "permitted", 0.0))
            elif kss >= b["required_kss"]:
                out.append(key(name, rule, "required", 0.0, n / fps))
            else:
                out.append(key(name, rule, "permitted" if kss >= b["permitted_kss"] else "forbidden", 0.0))
        elif m == "condition":
            inside = False
            for k in range(n):
                f = flag(rule, clip, k)
                if f and not inside:
                    out.append(key(name, rule, "conditional", k / fps, k / fps + rule["due_s"]))
                inside = f
        elif m == "unmonitored":
            out += unmonitored(name, rule, clip)
        elif rule["timer"] == "cumulative":
            out += cumulative(name, rule, clip)
        else:
            out += continuous(name, rule, clip)
    # a response nothing asks for, allows or makes conditional must not come at all
    for response in protocol["responses"]:
        names = [name for name, rule in protocol["rules"].items() if rule["response"] == response]
        if names and all(o[2] == "forbidden" for o in out if o[1] == response):
            out.append(("+".join(names), response, "forbidden", 0.0, None))
    return set(out)


def actual(clip: dict) -> set:
    return {(e["rule"], e["response"], e["status"], round(e["from_s"], 6),
             None if "due_s" not in e else round(e["due_s"], 6)) for e in clip["compliance"]["ground_truth"]}
