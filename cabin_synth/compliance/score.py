"""Score a driver monitor's warnings against a compliance set's ground truth.

Results are a CSV, in one of two layouts (docs/compliance.md, Scoring):

- events: columns clip, response, time_s: one row per warning the system gave
  (its onset, seconds from the clip's first frame);
- frames: columns clip, frame, then one column per response with 0 or 1 for
  every frame the system ran on (frame = the frame's index in its clip); a
  warning is each 0 -> 1 step, at that frame's time.

Per clip and response, a required entry is a hit when a warning falls in
[from - early, due] (its latency: the warning's time minus from_s), informed
when instead its alternative (the inform) came by its due time, else a miss,
counted as late too when a warning came in (due, until + late]. A
warning that no required entry (from - early to until + late), permitted or
conditional entry of its response covers is a false alarm. Clip counts roll up
per cell, and, where the protocol gives points, to points per family: points x
hits / required warnings of the family's own rule.
"""

import csv
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
from scipy.stats import beta

from ..errors import UserError


@dataclass
class Tally:
    clips: int = 0
    required: int = 0
    hits: int = 0
    late: int = 0
    informed: int = 0
    misses: int = 0
    false_alarms: int = 0
    latencies: list[float] = field(default_factory=list)

    def add(self, other: "Tally") -> None:
        for name in ("clips", "required", "hits", "late", "informed", "misses", "false_alarms"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.latencies += other.latencies


def read_clips(folder: Path) -> list[dict[str, Any]]:
    """The compliance clips of a dataset folder (clip.json with ground truth), by clip index."""
    paths = sorted(Path(folder).glob("clips/*/clip.json"))
    clips = []
    for path in paths:
        try:
            document = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise UserError(f"cannot read it ({exc})", file=str(path)) from None
        if "compliance" not in document:
            raise UserError("not a compliance clip (no ground truth): score needs a set made by cabin-synth compliance",
                            file=str(path))
        clips.append(document)
    if not clips:
        raise UserError(f"{folder} holds no clips/*/clip.json: give a folder written by cabin-synth compliance")
    return clips


def read_results(path: Path, clips: Mapping[int, Mapping[str, Any]], responses: list[str]) -> dict[int, list]:
    """Warnings per clip as (response, time_s), from either CSV layout."""
    shown = str(path)
    try:
        rows = list(csv.DictReader(Path(path).read_text(encoding="utf-8").splitlines()))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UserError(f"cannot read the results ({exc})", file=shown) from None
    columns = set(rows[0]) if rows else set()
    if {"clip", "response", "time_s"} <= columns:
        layout = "events"
    elif {"clip", "frame"} <= columns and columns & set(responses):
        layout = "frames"
    else:
        raise UserError("expected columns clip,response,time_s (one row per warning) or clip,frame and one column "
                        f"per response ({', '.join(responses)}) with 0/1 per frame; got {', '.join(sorted(columns))}",
                        file=shown)
    out: dict[int, list] = defaultdict(list)
    previous: dict[tuple[int, str], int] = {}
    for line, row in enumerate(rows, start=2):
        try:
            clip = int(row["clip"])
            if clip not in clips:
                raise ValueError(f"clip {clip} is not in the set")
            if layout == "events":
                if row["response"] not in responses:
                    raise ValueError(f"response '{row['response']}' is none of {', '.join(responses)}")
                out[clip].append((row["response"], float(row["time_s"])))
                continue
            k = int(row["frame"])
            for response in columns & set(responses):
                on = int(row[response])
                if on not in (0, 1):
                    raise ValueError(f"{response} must be 0 or 1")
                if on and not previous.get((clip, response), 0):
                    out[clip].append((response, k / clips[clip]["fps"]))
                previous[(clip, response)] = on
        except (KeyError, TypeError, ValueError) as exc:
            raise UserError(f"line {line}: {exc}", file=shown) from None
    return {c: sorted(w, key=lambda x: x[1]) for c, w in out.items()}


def score_clip(truth: list[Mapping[str, Any]], warnings: list[tuple[str, float]], early: float,
               late: float) -> Tally:
    tally = Tally(clips=1)
    for e in (e for e in truth if e["status"] == "required"):
        times = [t for r, t in warnings if r == e["response"]]
        tally.required += 1
        hit = next((t for t in times if e["from_s"] - early <= t <= e["due_s"]), None)
        slow = next((t for t in times if e["due_s"] < t <= e["until_s"] + late), None)
        alt = e.get("alternative")
        if hit is not None:
            tally.hits += 1
            tally.latencies.append(hit - e["from_s"])
        elif alt and any(r == alt["response"] and t <= alt["due_s"] for r, t in warnings):
            tally.informed += 1
        else:
            tally.misses += 1
            tally.late += slow is not None
    for response, t in warnings:
        covered = any(e["response"] == response and (
            e["from_s"] - early <= t <= e["until_s"] + late if e["status"] == "required"
            else e["status"] in ("permitted", "conditional") and e["from_s"] <= t <= e["until_s"]) for e in truth)
        tally.false_alarms += not covered
    return tally


def sensitivity(hits: int, required: int) -> tuple[float, float]:
    """Share of required warnings hit and the lower end of its two-sided 90 % Clopper-Pearson interval."""
    if required == 0:
        return float("nan"), float("nan")
    lower = float(beta.ppf(0.05, hits, required - hits + 1)) if hits else 0.0
    return hits / required, lower


def score(folder: Path, results: Path) -> dict[str, Any]:
    """Tallies per cell and per family, points per family, and the validation figures
    of protocols that give them."""
    clips = {c["clip"]: c for c in read_clips(folder)}
    definition = json.loads((Path(folder) / "dataset.json").read_text())["compliance"]["definition"]
    responses = list(definition["responses"])
    warnings = read_results(results, clips, responses)
    early, late = definition["scoring"]["early_s"], definition["scoring"]["late_s"]
    cells: dict[str, Tally] = defaultdict(Tally)
    families: dict[str, Tally] = defaultdict(Tally)
    own: dict[str, Tally] = defaultdict(Tally)
    for index, clip in clips.items():
        truth = clip["compliance"]["ground_truth"]
        got = warnings.get(index, [])
        tally = score_clip(truth, got, early, late)
        cell = clip["compliance"]["cell"]
        cells[cell["id"]].add(tally)
        families[cell["family"]].add(tally)
        rule = definition["scenarios"][cell["family"]].get("rule")
        own[cell["family"]].add(score_clip([e for e in truth if e["rule"] == rule], got, early, late))
    out: dict[str, Any] = {"protocol": definition["name"], "cells": dict(cells), "families": dict(families)}
    if "points" in definition:
        out["points"] = {f: (p * own[f].hits / own[f].required if own[f].required else 0.0, p)
                         for f, p in definition["points"]["families"].items()}
    if "validation" in definition:
        total = Tally()
        for t in own.values():
            total.add(t)
        sens, lower = sensitivity(total.hits, total.required)
        v = definition["validation"]
        out["validation"] = {"sensitivity": sens, "ci90_lower": lower, "required": total.required,
                             "passes": bool(sens > v["min_sensitivity"] or lower > v["min_ci90_lower"])}
    return out


def row(name: str, t: Tally) -> str:
    lat = f"{np.median(t.latencies):6.2f}" if t.latencies else "     -"
    return (f"{name[:70]:70s} {t.clips:5d} {t.required:5d} {t.hits:5d} {t.late:5d} {t.informed:5d} {t.misses:5d} "
            f"{t.false_alarms:5d} {lat}")


def report_lines(result: Mapping[str, Any]) -> list[str]:
    head = f"{'cell':70s} {'clips':>5s} {'req':>5s} {'hit':>5s} {'late':>5s} {'inf':>5s} {'miss':>5s} {'FA':>5s} {'lat s':>6s}"
    lines = [f"protocol {result['protocol']}", head]
    lines += [row(name, t) for name, t in sorted(result["cells"].items())]
    lines += ["", f"{'family':70s}" + head[70:]]
    lines += [row(name, t) for name, t in result["families"].items()]
    total = Tally()
    for t in result["families"].values():
        total.add(t)
    lines.append(row("all", total))
    if "points" in result:
        got = sum(p for p, _ in result["points"].values())
        best = sum(m for _, m in result["points"].values())
        lines += ["", f"points (pro rata, assumption): {got:.2f} of {best:g}"]
        lines += [f"  {f}: {p:.2f} of {m:g}" for f, (p, m) in result["points"].items()]
    if "validation" in result:
        v = result["validation"]
        lines += ["", f"sensitivity {v['sensitivity']:.3f} over {v['required']} required warnings, lower end of its "
                      f"90 % interval {v['ci90_lower']:.3f}: {'passes' if v['passes'] else 'fails'} the validation floor"]
    return lines
