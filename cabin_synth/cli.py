"""Command line: cabin-synth generate | merge | validate | describe | export | import-replicator | presets |
compliance | score | report.

User mistakes end with one clear message and exit code 2, never a traceback.
"""

import argparse
import sys
from pathlib import Path

from .engines.stop import Interrupted
from .errors import UserError
from .render import RENDERERS

RAY_CAST_HELP = ("with --labels-only: stage every frame without rendering it and ray-cast what hides the eyes "
                 "(clip.json per_frame.unmonitored, monitoring, and the inform's ground truth); about a second a frame")


def _nonnegative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def generation_preset(args):
    """The preset `generate`'s arguments name, checked against --frames / --clips."""
    from . import presets

    preset = presets.with_overrides(presets.load(args.preset), renderer=args.renderer,
                                    image_format=args.image_format, quality=args.quality)
    if (args.frames is None) == (args.clips is None):
        raise UserError("give either --frames (frame presets) or --clips (clip presets)")
    if preset.is_clips != (args.clips is not None):
        kind = "a clip preset: use --clips N" if preset.is_clips else "a frame preset (no clip section): use --frames N"
        raise UserError(f"preset '{preset.name}' is {kind}")
    if args.labels_only and args.clips is None:
        raise UserError("--labels-only is for clip presets (--clips)")
    ray_cast_needs_labels_only(args)
    return preset


def ray_cast_needs_labels_only(args) -> None:
    if args.ray_cast and not args.labels_only:
        raise UserError("--ray-cast is for --labels-only clips (rendered clips are ray-cast anyway)")


def cmd_generate(args) -> int:
    from .dataset.shards import WHOLE, Shard
    from .pipeline import generate, generate_clips

    preset = generation_preset(args)
    shard = Shard.parse(args.shard) if args.shard else WHOLE
    if args.clips is not None:
        if shard != WHOLE or args.workers > 1 or args.engine != "local":
            raise UserError("--shard, --workers and --engine apply to frame presets (--frames) for now")
        summary = generate_clips(preset, args.clips, args.seed, Path(args.out), render=not args.labels_only,
                                 progress=not args.quiet, ray_cast=args.ray_cast)
        print(f"wrote {summary['clips'] - summary['skipped']} clips ({summary['skipped']} already there, "
              f"{summary['frames']} frames) of preset '{preset.name}' seed {args.seed} to {summary['out']} "
              f"in {summary['seconds']:.1f} s")
        print(f"check it with: cabin-synth validate {summary['out']}")
        return 0
    summary = generate(preset, args.frames, args.seed, Path(args.out), progress=not args.quiet, shard=shard,
                       workers=args.workers, engine=args.engine)
    stages = ", ".join(f"{k} {v:.1f}" for k, v in summary["ms_per_stage"].items())
    made = summary["frames"] - summary["skipped"]
    part = "" if shard == WHOLE else f" (shard {shard}: every {shard.count}th frame from {shard.index})"
    print(f"wrote {made} frames ({summary['skipped']} already there){part} of preset '{preset.name}' "
          f"seed {args.seed} to {summary['out']} in {summary['seconds']:.1f} s")
    if stages:
        print(f"ms per frame by stage: {stages}")
    if shard == WHOLE:
        print(f"check it with: cabin-synth validate {summary['out']}")
    else:
        print(f"when all {shard.count} shards have finished: cabin-synth merge {summary['out']}")
    return 0


def cmd_merge(args) -> int:
    from .pipeline import merge

    summary = merge(Path(args.dir), progress=not args.quiet)
    print(f"merged {summary['frames']} frames into {summary['out']}/manifest.json")
    print(f"check it with: cabin-synth validate {summary['out']}")
    return 0


def cmd_validate(args) -> int:
    from tqdm import tqdm

    from .dataset.validate import validate_dataset

    problems = validate_dataset(Path(args.dir), lambda items: tqdm(items, desc="validate", unit="file",
                                                                     disable=args.quiet))
    for line in problems:
        print(line)
    if problems:
        print(f"{len(problems)} problem(s) in {args.dir}", file=sys.stderr)
        return 1
    print(f"{args.dir}: valid")
    return 0


def cmd_presets(args) -> int:
    from . import presets

    for path in presets.available():
        try:
            preset = presets.load(str(path))
            print(f"{preset.name:20s} {preset.data['description']}")
        except UserError as exc:
            print(f"{path.stem:20s} (invalid: {exc})")
    return 0


def cmd_export(args) -> int:
    from .dataset.reader import open_dataset

    dataset = open_dataset(args.dir)
    if args.format == "coco":
        from .export.coco import export_coco
        summary = export_coco(dataset, Path(args.out), args.image, force=args.force)
    elif args.format == "replicator":
        from .export.replicator import export_replicator
        summary = export_replicator(dataset, Path(args.out), force=args.force)
        print(f"exported {summary['images']} frames of {args.dir} in Replicator BasicWriter's layout (rgb and nir) "
              f"to {summary['out']}")
        return 0
    else:
        from .export.xgaze import export_xgaze
        summary = export_xgaze(dataset, Path(args.out), args.image, force=args.force)
    hidden = f"; {summary['left_out']} left out: the camera does not show the face" if summary.get("left_out") else ""
    print(f"exported {summary['images']} frames of {args.dir} as {args.format} ({args.image} images) "
          f"to {summary['out']}{hidden}")
    return 0


def cmd_import_replicator(args) -> int:
    from .export.replicator import import_replicator

    summary = import_replicator(Path(args.dir), Path(args.out), progress=not args.quiet)
    print(f"imported {summary['frames'] - summary['skipped']} frames ({summary['skipped']} already there) of "
          f"{args.dir} to {summary['out']} in {summary['seconds']:.1f} s")
    print(f"check it with: cabin-synth validate {summary['out']}")
    return 0


def _positive(text: str) -> int:
    value = _nonnegative(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def cmd_compliance(args) -> int:
    from .compliance import protocol as protocols
    from .compliance.generate import generate_set

    ray_cast_needs_labels_only(args)
    protocol = protocols.load(args.protocol)
    summary = generate_set(protocol, args.per_cell, args.seed, Path(args.out), render=not args.labels_only,
                           progress=not args.quiet, ray_cast=args.ray_cast)
    made = summary["clips"] - summary["skipped"]
    print(f"wrote {made} clips ({summary['skipped']} already there, {summary['frames']} frames) of protocol "
          f"'{protocol.name}', {args.per_cell} per cell, seed {args.seed}, to {summary['out']} in "
          f"{summary['seconds']:.1f} s ({made / max(summary['seconds'], 1e-9):.2f} clips/s)")
    print(f"check it with: cabin-synth validate {summary['out']}; look at it with: cabin-synth report {summary['out']}")
    return 0


def cmd_score(args) -> int:
    from .compliance.score import report_lines, score

    for line in report_lines(score(Path(args.dir), Path(args.results))):
        print(line)
    return 0


def cmd_report(args) -> int:
    try:
        from .dataset.report import write
    except ModuleNotFoundError as exc:
        raise UserError(f"the report needs {exc.name}: pip install 'cabin-synth[report]'") from None

    path = write(Path(args.dir), Path(args.out) if args.out else None)
    print(f"wrote {path}")
    return 0


def cmd_describe(args) -> int:
    from . import presets
    from .presets import design

    if (args.preset is None) == (args.protocol is None):
        raise UserError("give either a preset or --protocol")
    if args.protocol is not None:
        from .compliance import matrix, protocol as protocols

        for line in matrix.describe(protocols.load(args.protocol), args.per_cell, args.seed):
            print(line)
        return 0
    preset = presets.load(args.preset)
    unit = "clips" if preset.is_clips else "frames"
    print(f"preset {preset.name}: {preset.data['description']}")
    if preset.is_clips:
        clip = preset.section("clip")
        print(f"clips of {clip['duration_s']} s at {clip['fps']} fps "
              f"({int(round(clip['duration_s'] * clip['fps']))} frames each)")
    for line in design.describe(preset.design, args.frames, args.seed, unit):
        print(line)
    return 0


def add_generate_arguments(g: argparse.ArgumentParser) -> None:
    """`generate`'s arguments; the headless RTX script (cabin_synth/omni/headless.py) takes them too."""
    g.add_argument("--preset", default="default", help="shipped preset name or path to a preset file")
    g.add_argument("--frames", type=_nonnegative, help="number of frames (frame presets)")
    g.add_argument("--clips", type=_nonnegative, help="number of clips (clip presets: drowsiness_clips, distraction_clips)")
    g.add_argument("--labels-only", action="store_true", help="clips: write clip.json labels without rendering frames")
    g.add_argument("--ray-cast", action="store_true", help=RAY_CAST_HELP)
    g.add_argument("--seed", type=_nonnegative, default=0)
    g.add_argument("--out", required=True, help="output folder (new, empty, or a previous run of the same preset and seed to resume)")
    g.add_argument("--renderer", choices=RENDERERS,
                   help="gl: the embedded rasteriser; cycles: Blender Cycles, path traced (pip install "
                        "'cabin-synth[cycles]'); default: the preset's render.renderer, else gl")
    g.add_argument("--image-format", choices=("png", "jpeg", "webp"),
                   help="store the RGB and NIR images as lossless png (default) or lossy jpeg/webp "
                        "(depth, seg and ids stay png; replaces the preset's output.image_format)")
    g.add_argument("--quality", type=int, help="jpeg/webp quality 1-100 (default 90; replaces output.quality)")
    g.add_argument("--quiet", action="store_true", help="no progress bar")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cabin-synth", description="Synthetic in-cabin driver-monitoring data.")
    sub = p.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="generate a dataset from a preset")
    add_generate_arguments(g)
    g.add_argument("--shard", metavar="i/N",
                   help="make only shard i of N (the frames whose index is i modulo N, i counted from 0); "
                        "shards may share --out; then run `cabin-synth merge`")
    g.add_argument("--workers", type=_positive, default=1,
                   help="processes on this machine (local engine) or Ray workers (ray engine); default 1")
    g.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="local: this machine; ray: a Ray cluster (RAY_ADDRESS, else a local one; "
                        "pip install 'cabin-synth[ray]'); --out must be reachable by every node")
    g.set_defaults(run=cmd_generate)
    m = sub.add_parser("merge", help="build manifest.json of a sharded run from its shards' parts")
    m.add_argument("dir", help="the --out folder the shards wrote into")
    m.add_argument("--quiet", action="store_true", help="no progress bar")
    m.set_defaults(run=cmd_merge)
    v = sub.add_parser("validate", help="check a dataset folder against schemas/ and its file hashes")
    v.add_argument("dir")
    v.add_argument("--quiet", action="store_true", help="no progress bar")
    v.set_defaults(run=cmd_validate)
    e = sub.add_parser("export", help="convert a dataset to COCO keypoints JSON, ETH-XGaze-style normalised crops, "
                                      "or Omniverse Replicator BasicWriter's layout")
    e.add_argument("dir", help="dataset folder written by generate")
    e.add_argument("--format", choices=("coco", "xgaze", "replicator"), required=True)
    e.add_argument("--out", required=True, help="coco: the JSON file to write; xgaze, replicator: a new or empty folder")
    e.add_argument("--force", action="store_true",
                   help="coco: overwrite an existing --out file; xgaze, replicator: replace an earlier export of "
                        "that format in --out")
    e.add_argument("--image", choices=("rgb", "nir"), default="rgb",
                   help="coco, xgaze: which image the entries refer to (default rgb); replicator writes both")
    e.set_defaults(run=cmd_export)
    r = sub.add_parser("import-replicator", help="make a dataset from a folder in Replicator BasicWriter's layout "
                                                 "with our per-frame parameters (cabin_synth.json)")
    r.add_argument("dir", help="the folder (written by export --format replicator, or by BasicWriter with the sidecar)")
    r.add_argument("--out", required=True, help="output folder (new, empty, or an earlier import of the same folder to resume)")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.set_defaults(run=cmd_import_replicator)
    d = sub.add_parser("describe", help="print a preset's resolved design, or a protocol's matrix, and the count per cell")
    d.add_argument("preset", nargs="?", help="shipped preset name or path to a preset file")
    d.add_argument("--protocol", help="instead of a preset: a compliance protocol (eu-addw, eu-ddaw, euro-ncap-2026 or a path)")
    d.add_argument("--per-cell", type=_positive, default=1, help="with --protocol: clips per cell (default 1)")
    d.add_argument("--frames", type=_nonnegative, default=1000, help="number of frames (clips for a clip preset)")
    d.add_argument("--seed", type=_nonnegative, default=0)
    d.set_defaults(run=cmd_describe)
    s = sub.add_parser("presets", help="list the shipped presets")
    s.set_defaults(run=cmd_presets)
    c = sub.add_parser("compliance", help="generate a protocol's test set: clips either side of its thresholds, "
                                          "with the response each requires (docs/compliance.md)")
    c.add_argument("--protocol", required=True, help="eu-addw, eu-ddaw, euro-ncap-2026, or a path to a protocol file")
    c.add_argument("--out", required=True, help="output folder (new, empty, or a previous run of the same set to resume)")
    c.add_argument("--per-cell", type=_positive, default=1, help="clips per cell of the protocol's matrix (default 1)")
    c.add_argument("--labels-only", action="store_true", help="write clip.json labels without rendering frames")
    c.add_argument("--ray-cast", action="store_true", help=RAY_CAST_HELP)
    c.add_argument("--seed", type=_nonnegative, default=0)
    c.add_argument("--quiet", action="store_true", help="no progress bar")
    c.set_defaults(run=cmd_compliance)
    r = sub.add_parser("score", help="score a DMS's warnings against a compliance set: hits, misses, false alarms, "
                                     "latency per cell, and points where the protocol gives them")
    r.add_argument("dir", help="a set written by cabin-synth compliance")
    r.add_argument("results", help="CSV: clip,response,time_s per warning, or clip,frame and 0/1 per response per frame")
    r.set_defaults(run=cmd_score)
    h = sub.add_parser("report", help="one self-contained HTML page about a dataset: contact sheet with labels, "
                                      "distributions, coverage, clip timelines (compliance sets: against the rules)")
    h.add_argument("dir", help="a dataset folder (any: frames, clips or a compliance set)")
    h.add_argument("--out", help="the HTML file to write (default DIR/report.html)")
    h.set_defaults(run=cmd_report)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except UserError as exc:
        print(f"cabin-synth: error: {exc}", file=sys.stderr)
        return 2
    except Interrupted as exc:
        print(f"cabin-synth: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("cabin-synth: interrupted; committed frames are kept, rerun the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
