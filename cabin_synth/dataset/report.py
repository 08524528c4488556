"""`cabin-synth report DIR`: one self-contained HTML page about any dataset
folder: what it is, a contact sheet of rendered frames with their labels drawn
on them, distributions of drivers, head pose and gaze, coverage heat maps with
thin cells flagged, and clip timelines. Compliance sets add the protocol's
matrix, the ground truth on the timelines, and the protocol's sources. Plots
are matplotlib PNGs embedded as data URIs; the page has no script and loads
nothing from outside itself.
"""

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UserError
from . import figures
from .reader import open_dataset
from .writer import atomic_write

CONTACT_TILES = 24
MAX_FRAME_LABELS = 3000      # frame datasets: labels read for the distributions, evenly spaced
POSE_STEP = 10               # clip datasets: every tenth frame's head pose and gaze
MAX_TIMELINES = 30

STYLE = """body{font-family:sans-serif;margin:24px;max-width:1400px;color:#222}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-top:12px}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}
img{max-width:100%}.note{color:#555;font-size:13px}"""


@dataclass
class Contents:
    info: dict[str, Any]
    clips: list[dict[str, Any]] = field(default_factory=list)
    drivers: list[dict[str, Any]] = field(default_factory=list)
    poses: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in (
        "head_yaw_deg", "head_pitch_deg", "head_roll_deg", "gaze_yaw_deg", "gaze_pitch_deg")})
    zones: list[str] = field(default_factory=list)


def _angles(direction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    d = np.asarray(direction, float).reshape(-1, 3)
    return np.degrees(np.arctan2(d[:, 1], d[:, 0])), np.degrees(np.arcsin(np.clip(-d[:, 2], -1, 1)))


def gather(folder: Path, dataset) -> Contents:
    """Drivers, head poses, gaze and zones of a clip dataset (every clip, every
    POSE_STEP-th frame) or a frame dataset (up to MAX_FRAME_LABELS frames)."""
    contents = Contents(dataset.info)
    for path in sorted(folder.glob("clips/*/clip.json")):
        try:
            clip = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise UserError(f"cannot read it ({exc})", file=str(path)) from None
        contents.clips.append(clip)
        contents.drivers.append(clip["driver"])
        pf = clip["per_frame"]
        euler = np.asarray(pf["head_euler_zyx_deg"])[::POSE_STEP]
        yaw, pitch = _angles(np.asarray(pf["gaze_direction_vehicle"])[::POSE_STEP])
        for name, values in zip(contents.poses, (euler[:, 0], euler[:, 1], euler[:, 2], yaw, pitch)):
            contents.poses[name] += values.tolist()
        contents.zones += pf["gaze_zone"][::POSE_STEP]
    if contents.clips:
        return contents
    positions = np.unique(np.linspace(0, len(dataset) - 1, min(len(dataset), MAX_FRAME_LABELS)).astype(int)) \
        if len(dataset) else []
    for position in positions:
        labels = dataset.labels(int(position))
        contents.drivers.append(labels["driver"])
        e = labels["head_pose"]["vehicle"]["euler_zyx_deg"]
        yaw, pitch = _angles(labels["gaze"]["combined"]["direction_vehicle"])
        for name, value in zip(contents.poses, (e["yaw"], e["pitch"], e["roll"], yaw[0], pitch[0])):
            contents.poses[name].append(float(value))
        contents.zones.append(labels["gaze"]["zone"])
    return contents


def section(title: str, body: str) -> str:
    return f"<h2>{html.escape(title)}</h2>\n{body}\n"


def image(uri: str, alt: str) -> str:
    return f'<img src="{uri}" alt="{html.escape(alt)}">'


def table(rows: list[list[Any]], head: list[str]) -> str:
    cells = "".join(f"<th>{html.escape(str(h))}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{cells}</tr>{body}</table>"


def overview(folder: Path, contents: Contents, rendered: int) -> str:
    identity = contents.info["identity"]
    rows = [["folder", folder], ["preset", identity["preset"]], ["seed", identity["seed"]],
            ["cabin-synth version", identity["cabin_synth_version"]], ["rendered frames", rendered]]
    if contents.clips:
        rows.append(["clips", len(contents.clips)])
    comp = contents.info.get("compliance")
    if comp:
        rows += [["protocol", f"{comp['protocol']}: {comp['definition']['title']}"], ["clips per cell", comp["per_cell"]]]
    return table(rows, ["", ""])


def contact(dataset) -> str:
    n = len(dataset)
    if n == 0:
        return '<p class="note">No rendered frames: a labels-only set has none to show.</p>'
    kind = "nir" if "nir" in dataset.labels(0)["files"] else "rgb"
    tiles = []
    for position in np.unique(np.linspace(0, n - 1, min(n, CONTACT_TILES)).astype(int)):
        labels = dataset.labels(int(position))
        clip = dataset.clip(int(position))
        where = f"clip {clip.clip} t={clip.time_s:.2f}s" if clip else f"frame {labels['frame']}"
        tiles.append((dataset.image(labels, kind), labels, where))
    note = (f'<p class="note">{kind.upper()} frames cropped round the face: landmarks (green; hidden: red x), '
            "pupils (yellow rings), the gaze ray (yellow), head axes (red +X out of the face, green +Y left, "
            "blue +Z up), visible corneal glints (cyan), and the gaze zone.</p>")
    return note + image(figures.png_data_uri(figures.contact_sheet(tiles)), "contact sheet")


def compliance_sections(contents: Contents) -> str:
    from ..compliance.figures import cells_of, matrix_coverage, timeline_layers, timeline_title

    comp = contents.info["compliance"]
    definition = comp["definition"]
    fig, flagged = matrix_coverage(definition, contents.clips, comp["per_cell"])
    missing = [c for c in cells_of(definition) if c.unsupported]
    out = section("Protocol matrix coverage",
                  f'<p class="note">Clips per cell of {html.escape(comp["protocol"])} against the {comp["per_cell"]} '
                  f"per cell asked for: {flagged} cell(s) thin or empty (red, '!'); {len(missing)} cell(s) the "
                  "generator cannot make (hatched, n/a; reasons below).</p>" + image(figures.png_data_uri(fig), "coverage"))
    reasons: dict[str, int] = {}
    for c in missing:
        reasons[c.unsupported] = reasons.get(c.unsupported, 0) + 1
    if reasons:
        out += table([[r, n] for r, n in reasons.items()], ["not made because", "cells"])
    picked, seen = [], set()
    for clip in contents.clips:
        key = (clip["compliance"]["cell"]["family"], clip["compliance"]["cell"]["duration"])
        if key not in seen and len(picked) < MAX_TIMELINES:
            seen.add(key)
            picked.append(clip)
    body = ('<p class="note">One clip per scenario family and duration: gaze zone, eye aperture, the rule\'s timer '
            "against its threshold (and tolerance), and the ground truth: required from its threshold to its due "
            "time (green, due line), permitted (grey), forbidden (red), conditional inform (orange).</p>")
    for clip in picked:
        body += f"<h3>{html.escape(timeline_title(clip))}</h3>" + image(
            figures.png_data_uri(figures.timeline(clip, timeline_layers(definition, clip)), dpi=90), "timeline")
    out += section("Clip timelines against the rules", body)
    tally: dict[tuple[str, str], int] = {}
    for clip in contents.clips:
        for e in clip["compliance"]["ground_truth"]:
            if e["status"] != "forbidden" or e["event"]["measured_s"] >= 0.2:
                key = (clip["compliance"]["cell"]["family"], e["status"])
                tally[key] = tally.get(key, 0) + 1
    fams = list(definition["scenarios"])
    rows = [[f] + [tally.get((f, s), 0) for s in ("required", "permitted", "forbidden", "conditional")] for f in fams]
    out += section("Ground truth by family", table(rows, ["family", "required", "permitted", "forbidden (0.2 s or more)",
                                                          "conditional"]))
    sources = [[k, s["read"], s["citation"], s.get("note", "")] for k, s in definition["sources"].items()]
    out += section("Sources", '<p class="note">secondary: read from a summary of the text, to be checked against '
                              "it before a compliance document relies on it.</p>" + table(sources, ["key", "read", "citation", "note"]))
    return out


def build(folder: Path) -> str:
    folder = Path(folder)
    dataset = open_dataset(folder)
    contents = gather(folder, dataset)
    if not contents.drivers:
        raise UserError(f"{folder} holds no frames or clips to report on")
    poses = {k: np.asarray(v, float) for k, v in contents.poses.items()}
    body = section("Dataset", overview(folder, contents, len(dataset)))
    body += section("Contact sheet", contact(dataset))
    body += section("Distributions", image(figures.png_data_uri(
        figures.distributions(contents.drivers, poses, contents.zones)), "distributions"))
    body += section("Driver coverage", '<p class="note">Drivers per cell; cells under half the mean of their map '
                                       "are flagged (red, '!').</p>" + image(
        figures.png_data_uri(figures.demographic_coverage(contents.drivers)), "driver coverage"))
    if "compliance" in contents.info:
        body += compliance_sections(contents)
    elif contents.clips:
        body += section("Clip timelines", "".join(
            f"<h3>clip {c['clip']}</h3>" + image(figures.png_data_uri(figures.timeline(c), dpi=90), "timeline")
            for c in contents.clips[:6]))
    title = f"cabin-synth report: {folder.name}"
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n"
            f"<body><h1>{html.escape(title)}</h1>\n{body}</body></html>\n")


def write(folder: Path, out: Path | None = None) -> Path:
    """Write the report (default DIR/report.html) and return its path."""
    out = Path(out) if out is not None else Path(folder) / "report.html"
    if out.is_dir():
        raise UserError(f"--out {out} is a folder; give the HTML file to write")
    page = build(folder)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, page.encode("utf-8"))
    return out
