"""Headless RTX generation, with the arguments of `cabin-synth generate`.

    # Isaac Sim 5.1 (its python.sh starts Kit through SimulationApp):
    ./python.sh /path/to/cabin_synth/omni/headless.py --preset default --frames 100 --seed 0 --out /data/run0
    # any Kit 107 app with the extension on its path:
    kit --no-window --ext-folder /path/to/parent --enable cabin_synth \\
        --exec "/path/to/cabin_synth/omni/headless.py --preset default --frames 100 --seed 0 --out /data/run0"

Run it by path, not with -m: the package cabin_synth.omni imports omni.*, which
under python.sh exists only once SimulationApp has started (so nothing of it is
imported before). Frame presets only (--frames); --rt-subframes and
--radiance-scale set the RTX capture (docs/omniverse.md). Exit status as the
cabin-synth command's: 0, 2 for a user mistake (one line, no traceback).
Written against Isaac Sim 5.1 / omni.replicator.core 1.12.27; not executed by
the project (no Kit, no RTX GPU on its machines).
"""

import argparse
import sys
from pathlib import Path


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    from cabin_synth.cli import add_generate_arguments

    p = argparse.ArgumentParser(prog="headless.py", description="cabin-synth generate, rendered by RTX through "
                                                                "Omniverse Replicator")
    add_generate_arguments(p)
    p.add_argument("--rt-subframes", type=int, default=8,
                   help="RTX subframes rendered per capture step (rep.orchestrator.step_async rt_subframes)")
    p.add_argument("--radiance-scale", type=float, default=1.0,
                   help="factor from RTX's linear HdrColor to our radiance units (docs/omniverse.md)")
    return p.parse_args(argv)


async def run(args: argparse.Namespace) -> int:
    import omni.replicator.core as rep

    from cabin_synth.cli import generation_preset
    from cabin_synth.errors import UserError
    from cabin_synth.omni import writer
    from cabin_synth.omni.capture import capture

    try:
        preset = generation_preset(args)
        if preset.is_clips:
            raise UserError(f"preset '{preset.name}' is a clip preset; clips are not built on the RTX path")
        if writer.WRITER_NAME not in rep.WriterRegistry.get_writers():
            writer.register()
        summary = await capture(preset, args.frames, args.seed, Path(args.out), rt_subframes=args.rt_subframes,
                                radiance_scale=args.radiance_scale)
    except UserError as exc:
        print(f"cabin-synth: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {summary['frames'] - summary['skipped']} frames ({summary['skipped']} already there) of preset "
          f"'{preset.name}' seed {args.seed} to {summary['out']} (RTX)")
    return 0


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    inside_kit = "omni.kit.app" in sys.modules   # kit --exec: Kit is running; python.sh: not yet
    app = None
    if not inside_kit:
        from isaacsim import SimulationApp

        app = SimulationApp({"headless": True})
    import omni.kit.app
    import omni.kit.async_engine

    kit = omni.kit.app.get_app()
    kit.get_extension_manager().set_extension_enabled_immediate("omni.replicator.core", True)
    task = omni.kit.async_engine.run_coroutine(run(args))
    if inside_kit:
        # A failure other than a user mistake keeps its traceback in Kit's log and quits with 1.
        task.add_done_callback(lambda done: kit.post_quit(1 if done.exception() else done.result()))
        return
    while not task.done():
        kit.update()
    code = task.result()
    app.close()
    sys.exit(code)


if __name__ == "__main__":
    main()
