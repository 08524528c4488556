"""The compliance parts of the report: the protocol matrix as coverage heat maps
(per scenario family: cases x conditions, thin and empty cells flagged, cells
the generator cannot make hatched) and what a clip's timeline draws against its
rule (the rule's timer, its threshold and tolerance, the ground truth)."""

from pathlib import Path
from typing import Any, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from ..dataset.figures import heatmap
from . import rules
from .matrix import Cell, all_cells
from .protocol import Protocol

BLINK_S = 0.2     # entries of shorter events (blinks) are left off the timelines


def cells_of(definition: Mapping[str, Any]) -> tuple[Cell, ...]:
    return all_cells(Protocol(definition["name"], Path(definition["name"]), definition))


def matrix_coverage(definition: Mapping[str, Any], clips: Sequence[Mapping[str, Any]], per_cell: int):
    """One heat map per scenario family; returns (figure, flagged cells)."""
    made: dict[str, int] = {}
    for c in clips:
        made[c["compliance"]["cell"]["id"]] = made.get(c["compliance"]["cell"]["id"], 0) + 1
    families = list(definition["scenarios"])
    cells = cells_of(definition)
    heights = []
    layout = []
    for family in families:
        mine = [c for c in cells if c.family == family]
        rows = list(dict.fromkeys(" / ".join(p for p in (c.case_label, c.duration, c.speed) if p) for c in mine))
        cols = list(dict.fromkeys("+".join(c.conditions) or "-" for c in mine))
        layout.append((family, mine, rows, cols))
        heights.append(1.0 + 0.16 * len(rows))
    fig, axes = plt.subplots(len(families), 1, figsize=(13, sum(heights) + 1), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    flagged = 0
    for ax, (family, mine, rows, cols) in zip(axes[:, 0], layout):
        counts = np.zeros((len(rows), len(cols)))
        missing = np.zeros(counts.shape, bool)
        for c in mine:
            i = rows.index(" / ".join(p for p in (c.case_label, c.duration, c.speed) if p))
            j = cols.index("+".join(c.conditions) or "-")
            counts[i, j] = made.get(c.id, 0)
            missing[i, j] = c.unsupported is not None
        flagged += heatmap(ax, counts, rows, cols, f"{family}: clips per cell (required {per_cell})",
                           minimum=per_cell, missing=missing)
    fig.tight_layout()
    return fig, flagged


def timeline_layers(definition: Mapping[str, Any], clip: Mapping[str, Any]) -> dict[str, Any]:
    """The clip's rule timer (time in the measure of the current event, or within the
    window since the last reset), its threshold lines and the entries worth drawing."""
    comp = clip["compliance"]
    family = comp["cell"]["family"]
    name = definition["scenarios"][family].get("rule")
    rule = definition["rules"].get(name) if name else None
    fps = clip["fps"]
    n = clip["frame_count"]
    timer = np.zeros(n)
    measure = "none"
    if rule is not None and rule["measure"] not in ("kss",):
        measure = rule["measure"]
        per_frame = dict(clip["per_frame"], addw_area=comp["per_frame"].get("addw_area"))
        flags = rules.measure_flags(rule, per_frame, comp["per_frame"]["conditions"])
        if rule["measure"] != "condition" and rule["timer"] == "cumulative":
            window, reset = rules.frames_for(rule["window_s"], fps), rules.frames_for(rule["reset_after_s"], fps)
            hits, away = [], 0
            for k, f in enumerate(flags):
                away = 0 if f else away + 1
                hits = [] if away >= reset else [j for j in hits if j > k - window] + ([k] if f else [])
                timer[k] = len(hits) / fps
        else:
            for event in rules.continuous_events(flags, fps, rule.get("interruption_s", 0.0)):
                count = 0
                for a, b in event:
                    timer[a:b] = (count + np.arange(1, b - a + 1)) / fps
                    count += b - a
    scenario = comp["scenario"]
    thresholds = []
    if scenario.get("threshold_s") is not None:
        thresholds.append(("threshold", scenario["threshold_s"]))
        if scenario.get("tolerance_s"):
            thresholds.append(("+ tolerance", scenario["threshold_s"] + scenario["tolerance_s"]))
    response = rule["response"] if rule else None
    whole = lambda e: e["status"] == "forbidden" and e["event"]["measured_s"] == 0.0   # forbidden all clip long
    entries = [e for e in comp["ground_truth"]
               if e["status"] in ("required", "conditional") or (e["rule"] == name and e["event"]["measured_s"] >= BLINK_S)
               or (whole(e) and response in (None, e["response"]))]
    return {"measure": measure, "timer_s": timer, "thresholds": thresholds, "entries": entries}


def timeline_title(clip: Mapping[str, Any]) -> str:
    comp = clip["compliance"]
    wanted = [f"{e['response']} {e['status']} from {e['from_s']:.2f} s" + (f", due {e['due_s']:.2f} s" if "due_s" in e else "")
              for e in comp["ground_truth"] if e["status"] in ("required", "conditional")]
    return f"clip {clip['clip']}: {comp['cell']['id']} - " + ("; ".join(wanted) if wanted else "no response required")
