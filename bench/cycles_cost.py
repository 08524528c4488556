"""Cycles' cost and the noise left after denoising, against the rasteriser.

    python bench/cycles_cost.py [--sizes 640x480 1600x1300] [--samples 4 16 64] [--reference 1024]
                           [--frame 0] [--threads 2]

For each image size: one frame of the default preset (its USD stage composed
once), rendered by the rasteriser (`distort.render` with GLRenderer) and by
Cycles (`distort.render` with CyclesRenderer: the geometry pass, the RGB and the
NIR render, each denoised) at each sample count; prints seconds per frame and
the peak resident memory. With --reference N it also renders the frame with N
samples and prints, per sample count, the PSNR of the denoised RGB and NIR
radiance against it (peak: the reference's 99.9th percentile; the same sampling
seed for all, so the reference is as noisy as N samples leave it). Wall-clock
figures: on a shared machine, run it when nothing else is; compare figures
only within one run.
"""

import argparse
import resource
import time

import numpy as np

from cabin_synth import presets
from cabin_synth.pipeline import FrameMaker
from cabin_synth.render import distort
from cabin_synth.render.cycles import CyclesRenderer, CyclesSettings


def sized(preset: presets.Preset, width: int, height: int) -> presets.Preset:
    data = dict(preset.data)
    data["sensor"] = dict(data["sensor"], width=width, height=height)
    return presets.Preset(preset.name, preset.path, data)


def psnr(image: np.ndarray, reference: np.ndarray) -> float:
    peak = float(np.percentile(reference, 99.9))
    mse = float(np.mean((np.minimum(image, peak) - np.minimum(reference, peak)) ** 2))
    return 10 * np.log10(peak ** 2 / mse) if mse > 0 else float("inf")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", default=["640x480", "1600x1300"])
    ap.add_argument("--samples", nargs="+", type=int, default=[4, 16, 64])
    ap.add_argument("--reference", type=int, default=0, help="samples of the reference render (0: none)")
    ap.add_argument("--frame", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    base = presets.load("default")
    for size in args.sizes:
        width, height = (int(v) for v in size.split("x"))
        maker = FrameMaker(sized(base, width, height), seed=0)
        frame = maker.make(args.frame)
        stage = maker.scene(frame.params)[0].stage
        t = time.perf_counter()
        distort.render(maker.renderer, frame.view)
        print(f"{size} rasteriser: {time.perf_counter() - t:.3f} s per frame")
        renders = {}
        for samples in sorted(set(args.samples + ([args.reference] if args.reference else []))):
            cycles = CyclesRenderer(CyclesSettings(samples=samples, threads=args.threads, device="cpu"))
            t = time.perf_counter()
            renders[samples] = distort.render(cycles, frame.view, stage, 1)
            seconds = time.perf_counter() - t
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{size} cycles {samples:5d} samples: {seconds:8.1f} s per frame, peak {peak_mb:.0f} MB")
        if args.reference:
            ref = renders[args.reference]
            for samples in args.samples:
                b = renders[samples]
                print(f"{size} {samples:5d} samples vs {args.reference}: PSNR RGB {psnr(b.rgb, ref.rgb):.1f} dB, "
                      f"NIR {psnr(b.nir, ref.nir):.1f} dB")


if __name__ == "__main__":
    main()
