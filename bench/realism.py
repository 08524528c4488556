"""Realism as an outsider judges it: face detectors and a 68-point landmark model
trained on real photographs, run on our RGB and NIR frames (issue 12).

    python bench/realism.py --preset default --seed 11 --frames 150 [--json out/realism.json]
    python bench/realism.py --dataset out/x [--json ...] [--overlays out/overlays]

Prints, per channel, each detector's detection rate on the lit, near-frontal,
unoccluded faces (bench/judges.py, docs/realism.md) and the landmark model's
median error against our labels (share of the outer-eye-corner distance),
overall and by region; writes the same, with every frame's figures, as JSON.
Detectors whose package is missing are skipped with a line naming it.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

import judges

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cabin_synth.errors import UserError  # noqa: E402


def shots_from_preset(preset_name: str, seed: int, frames: int):
    from cabin_synth import presets
    from cabin_synth.pipeline import FrameMaker

    preset = presets.load(preset_name)
    sensor = preset.section("sensor")
    maker = FrameMaker(preset, seed)
    source = {"preset": preset.name, "seed": seed, "frames": frames}

    def shots():
        for i in range(frames):
            frame = maker.make(i)
            yield judges.Shot(i, frame.labels, {"rgb": frame.images["rgb"],
                                                "nir": judges.nir_8bit(frame.images["nir"], sensor["nir"]["bit_depth"])})
    return source, sensor["nir"]["wavelength_nm"], shots()


def shots_from_dataset(root: str):
    from cabin_synth.dataset.reader import open_dataset

    ds = open_dataset(root)
    sensor = ds.info["sensor"]
    ident = ds.info["identity"]
    source = {"dataset": str(root), "preset": ident["preset"], "seed": ident["seed"], "frames": len(ds)}

    def shots():
        for record in ds.frames(kinds=("rgb", "nir")):
            yield judges.Shot(record.index, record.labels,
                              {"rgb": record.images["rgb"], "nir": judges.nir_8bit(record.images["nir"],
                                                                                   sensor["nir"]["bit_depth"])})
    return source, sensor["nir"]["wavelength_nm"], shots()


def judge(shots, wavelength_nm: int, detectors: dict, fit, overlays: Path | None) -> list[dict]:
    """Every frame's eligibility per channel, each detector's verdict on the
    fair ones and the landmark model's per-point errors there."""
    records = []
    for shot in shots:
        shown, covered = judges.inner_corners_shown(shot.labels)
        record = {"frame": shot.index, "facing_deg": judges.facing_angle_deg(shot.labels),
                  "inner_corners_visible": shown, "inner_corners_covered": covered}
        for channel in judges.CHANNELS:
            image = shot.images[channel]
            e = judges.eligibility(shot, channel, wavelength_nm)
            entry = {"lit": e.lit, "near_frontal": e.near_frontal, "unoccluded": e.unoccluded,
                     "face_level": judges.face_box_level(shot.labels, image)}
            if e.fair:
                boxes = {name: [b for b in find(image) if judges.holds_labelled_face(b, shot.labels)]
                         for name, find in detectors.items()}
                entry["found"] = {name: bool(b) for name, b in boxes.items()}
                # The shape predictor was trained on dlib's own detector boxes: the HOG box when
                # there is one, else the CNN's.
                box = next((b[0] for name in ("dlib_hog", "dlib_cnn") for b in [boxes.get(name)] if b), None)
                if box is not None:
                    points = fit(image, box)
                    entry["landmark_errors"] = judges.normalised_errors(points, shot.labels).tolist()
                    if overlays is not None:
                        draw_overlay(overlays / f"{shot.index:06d}.{channel}.png", image, shot.labels, points)
            record[channel] = entry
        records.append(record)
        print(f"\rframe {shot.index}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return records


def draw_overlay(path: Path, image: np.ndarray, labels: dict, points: np.ndarray) -> None:
    """The face crop at 3x: our labels in green (visible) or red (hidden), the model's points in magenta."""
    from PIL import Image, ImageDraw

    u0, v0, u1, v1 = labels["face_bbox_xyxy"]
    pad = 0.25 * (u1 - u0)
    box = [int(max(u0 - pad, 0)), int(max(v0 - pad, 0)), int(u1 + pad), int(v1 + pad)]
    scale = 3
    crop = Image.fromarray(judges.as_rgb(image)).crop(box)
    crop = crop.resize((crop.width * scale, crop.height * scale), Image.NEAREST)
    draw = ImageDraw.Draw(crop)
    at = lambda p: ((p[0] - box[0] + 0.5) * scale - 0.5, (p[1] - box[1] + 0.5) * scale - 0.5)
    for k, m in enumerate(labels["landmarks"][:68]):
        x, y = at(m["uv"])
        draw.ellipse([x - 2, y - 2, x + 2, y + 2], fill=(0, 255, 0) if m["visible"] else (255, 0, 0))
        px, py = at(points[k])
        draw.line([x, y, px, py], fill=(255, 255, 0))
        draw.rectangle([px - 1, py - 1, px + 1, py + 1], fill=(255, 0, 255))
    path.parent.mkdir(parents=True, exist_ok=True)
    crop.save(path)


def summary(records: list[dict], detectors: list[str]) -> dict:
    """Per channel: how many frames are fair and why not, each detector's rate and
    missed frames, the landmark model's median errors (median over frames of each
    frame's mean over the region's points). For the near-frontal faces: how many
    show both inner eye corners, of all and of those only the head could hide."""
    near = [r for r in records if r["facing_deg"] <= judges.NEAR_FRONTAL_MAX_DEG]
    bare = [r for r in near if not r["inner_corners_covered"]]
    corners = {"near_frontal": len(near), "both_visible": sum(r["inner_corners_visible"] for r in near),
               "not_covered": len(bare), "both_visible_not_covered": sum(r["inner_corners_visible"] for r in bare)}
    out = {}
    for channel in judges.CHANNELS:
        entries = [(r["frame"], r[channel]) for r in records]
        fair = [(i, e) for i, e in entries if "found" in e]
        rates = {}
        for name in detectors:
            hits = [e["found"][name] for _, e in fair]
            rates[name] = {"found": int(sum(hits)), "of": len(hits), "rate": float(np.mean(hits)) if hits else None,
                           "interval_95": wilson_interval(sum(hits), len(hits)),
                           "missed_frames": [i for i, e in fair if not e["found"][name]]}
        errors = np.array([e["landmark_errors"] for _, e in fair if "landmark_errors" in e]).reshape(-1, 68)
        regions = {name: float(np.median(errors[:, list(idx)].mean(axis=1))) if len(errors) else None
                   for name, idx in judges.REGIONS.items()}
        out[channel] = {
            "frames": len(entries),
            "not_lit": sum(not e["lit"] for _, e in entries),
            "not_near_frontal": sum(not e["near_frontal"] for _, e in entries),
            "occluded": sum(not e["unoccluded"] for _, e in entries),
            "fair": len(fair),
            "detectors": rates,
            "landmarks": {"frames": len(errors),
                          "median": float(np.median(errors.mean(axis=1))) if len(errors) else None,
                          "regions": regions},
        }
    return {"channels": out, "inner_eye_corners": corners}


def wilson_interval(k: int, n: int, z: float = 1.96) -> list[float] | None:
    """Wilson score interval of a rate k / n: with a few dozen fair frames one miss
    moves the rate by several percent, so the figure carries its uncertainty."""
    if n == 0:
        return None
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [float(centre - half), float(centre + half)]


def table(source: dict, result: dict) -> str:
    pct = lambda x: "  -  " if x is None else f"{100 * x:5.1f}"
    lines = [f"frames: {source}"]
    for channel, s in result["channels"].items():
        lines.append(f"{channel.upper()}: {s['fair']} of {s['frames']} frames fair (not lit {s['not_lit']}, "
                     f"not near-frontal {s['not_near_frontal']}, occluded {s['occluded']})")
        for name, d in s["detectors"].items():
            low, high = d["interval_95"] or (None, None)
            lines.append(f"  {name:20s} found {d['found']:3d} / {d['of']:3d} = {pct(d['rate'])} % "
                         f"(95 % interval {pct(low)}-{pct(high)})   missed {d['missed_frames']}")
        lm = s["landmarks"]
        regions = "  ".join(f"{k} {pct(v)}" for k, v in lm["regions"].items())
        lines.append(f"  landmarks (dlib 68) on {lm['frames']} frames: median {pct(lm['median'])} %   {regions}")
    c = result["inner_eye_corners"]
    lines.append(f"inner eye corners both visible: {c['both_visible']} / {c['near_frontal']} near-frontal frames; "
                 f"{c['both_visible_not_covered']} / {c['not_covered']} where only the head could cover them")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="default")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--dataset", help="judge the frames of a dataset folder instead of making frames")
    ap.add_argument("--json", default="out/realism.json", help="where to write the figures (default %(default)s)")
    ap.add_argument("--overlays", help="folder for face crops with our labels and the model's points")
    args = ap.parse_args()
    detectors = {}
    for name, make in judges.DETECTORS.items():
        try:
            detectors[name] = make()
        except judges.MissingJudge as exc:
            print(f"skipping {name}: {exc}", file=sys.stderr)
    try:
        fit = judges.landmark_model()
        source, wavelength, shots = (shots_from_dataset(args.dataset) if args.dataset
                                     else shots_from_preset(args.preset, args.seed, args.frames))
        records = judge(shots, wavelength, detectors, fit, Path(args.overlays) if args.overlays else None)
    except (UserError, judges.MissingJudge) as exc:
        sys.exit(f"error: {exc}")
    result = summary(records, list(detectors))
    print(table(source, result))
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"source": source, "definitions": judges.definitions(), **result,
                               "per_frame": records}, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
