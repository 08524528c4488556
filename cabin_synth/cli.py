"""Command line: cabin-synth generate | merge | validate | describe | export | presets.

User mistakes end with one clear message and exit code 2, never a traceback.
"""

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from .engines.stop import Interrupted
from .errors import UserError
from .render import RENDERERS


def _nonnegative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def _positive(text: str) -> int:
    value = _nonnegative(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def cmd_generate(args) -> int:
    from . import presets
    from .dataset.shards import WHOLE, Shard
    from .pipeline import generate, generate_clips

    preset = presets.load(args.preset)
    if args.renderer:
        # Recorded in dataset.json's preset (and its digest): the pixels depend on it.
        preset = replace(preset, data=dict(preset.data, render=dict(preset.data.get("render", {}), renderer=args.renderer)))
    if (args.frames is None) == (args.clips is None):
        raise UserError("give either --frames (frame presets) or --clips (clip presets)")
    if preset.is_clips != (args.clips is not None):
        kind = "a clip preset: use --clips N" if preset.is_clips else "a frame preset (no clip section): use --frames N"
        raise UserError(f"preset '{preset.name}' is {kind}")
    shard = Shard.parse(args.shard) if args.shard else WHOLE
    if args.clips is not None:
        if shard != WHOLE or args.workers > 1 or args.engine != "local":
            raise UserError("--shard, --workers and --engine apply to frame presets (--frames) for now")
        summary = generate_clips(preset, args.clips, args.seed, Path(args.out), render=not args.labels_only,
                                 progress=not args.quiet)
        print(f"wrote {summary['clips'] - summary['skipped']} clips ({summary['skipped']} already there, "
              f"{summary['frames']} frames) of preset '{preset.name}' seed {args.seed} to {summary['out']} "
              f"in {summary['seconds']:.1f} s")
        print(f"check it with: cabin-synth validate {summary['out']}")
        return 0
    if args.labels_only:
        raise UserError("--labels-only is for clip presets (--clips)")
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
    from .dataset.validate import validate_dataset

    from tqdm import tqdm

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
    else:
        from .export.xgaze import export_xgaze
        summary = export_xgaze(dataset, Path(args.out), args.image, force=args.force)
    hidden = f"; {summary['left_out']} left out: the camera does not show the face" if summary.get("left_out") else ""
    print(f"exported {summary['images']} frames of {args.dir} as {args.format} ({args.image} images) "
          f"to {summary['out']}{hidden}")
    return 0


def cmd_describe(args) -> int:
    from . import presets
    from .presets import design

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


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cabin-synth", description="Synthetic in-cabin driver-monitoring data.")
    sub = p.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="generate a dataset from a preset")
    g.add_argument("--preset", default="default", help="shipped preset name or path to a preset file")
    g.add_argument("--frames", type=_nonnegative, help="number of frames (frame presets)")
    g.add_argument("--clips", type=_nonnegative, help="number of clips (clip presets: drowsiness_clips, distraction_clips)")
    g.add_argument("--labels-only", action="store_true", help="clips: write clip.json labels without rendering frames")
    g.add_argument("--seed", type=_nonnegative, default=0)
    g.add_argument("--out", required=True, help="output folder (new, empty, or a previous run of the same preset and seed to resume)")
    g.add_argument("--renderer", choices=RENDERERS,
                   help="gl: the embedded rasteriser; cycles: Blender Cycles, path traced (pip install "
                        "'cabin-synth[cycles]'); default: the preset's render.renderer, else gl")
    g.add_argument("--shard", metavar="i/N",
                   help="make only shard i of N (the frames whose index is i modulo N, i counted from 0); "
                        "shards may share --out; then run `cabin-synth merge`")
    g.add_argument("--workers", type=_positive, default=1,
                   help="processes on this machine (local engine) or Ray workers (ray engine); default 1")
    g.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="local: this machine; ray: a Ray cluster (RAY_ADDRESS, else a local one; "
                        "pip install 'cabin-synth[ray]'); --out must be reachable by every node")
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.set_defaults(run=cmd_generate)
    m = sub.add_parser("merge", help="build manifest.json of a sharded run from its shards' parts")
    m.add_argument("dir", help="the --out folder the shards wrote into")
    m.add_argument("--quiet", action="store_true", help="no progress bar")
    m.set_defaults(run=cmd_merge)
    v = sub.add_parser("validate", help="check a dataset folder against schemas/ and its file hashes")
    v.add_argument("dir")
    v.add_argument("--quiet", action="store_true", help="no progress bar")
    v.set_defaults(run=cmd_validate)
    e = sub.add_parser("export", help="convert a dataset to COCO keypoints JSON or ETH-XGaze-style normalised crops")
    e.add_argument("dir", help="dataset folder written by generate")
    e.add_argument("--format", choices=("coco", "xgaze"), required=True)
    e.add_argument("--out", required=True, help="coco: the JSON file to write; xgaze: a new or empty folder")
    e.add_argument("--force", action="store_true",
                   help="coco: overwrite an existing --out file; xgaze: replace an earlier xgaze export in --out")
    e.add_argument("--image", choices=("rgb", "nir"), default="rgb", help="which image the entries refer to (default rgb)")
    e.set_defaults(run=cmd_export)
    d = sub.add_parser("describe", help="print a preset's resolved design and the count per cell")
    d.add_argument("preset", help="shipped preset name or path to a preset file")
    d.add_argument("--frames", type=_nonnegative, default=1000, help="number of frames (clips for a clip preset)")
    d.add_argument("--seed", type=_nonnegative, default=0)
    d.set_defaults(run=cmd_describe)
    s = sub.add_parser("presets", help="list the shipped presets")
    s.set_defaults(run=cmd_presets)
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
