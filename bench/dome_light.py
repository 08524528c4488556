"""What the dome/map lamp costs and adds on night frames.

    python bench/dome_light.py [--preset night_nir] [--frames 5] [--seed 5]

For each frame of the preset, renders its scene with the lamp off, a 60 lm
4000 K LED and an 80 lm 2750 K tungsten bulb, and prints the render time (best
of 3, `render.distort.render` alone), and the mean RGB luminance radiance and
NIR radiance of the driver's skin. Wall-clock figures: on a shared machine, run
it when nothing else is.
"""

import argparse
import dataclasses
import time

import numpy as np

from cabin_synth import presets
from cabin_synth.pipeline import FrameMaker
from cabin_synth.presets.sampler import sample_frame
from cabin_synth.render import distort

LAMPS = (("none", 0.0, 0.0), ("led", 60.0, 4000.0), ("incandescent", 80.0, 2750.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="night_nir")
    parser.add_argument("--frames", type=int, default=5)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    preset = presets.load(args.preset)
    maker = FrameMaker(preset, seed=args.seed)
    print("frame cabin  skin  lamp          render_ms  skin_luminance_cd_m2  skin_nir_w_m2_sr")
    for index in range(args.frames):
        params = sample_frame(preset, args.seed, index)
        for kind, flux, cct in LAMPS:
            lighting = dataclasses.replace(params.lighting, dome_light=kind, dome_light_flux_lm=flux, dome_light_cct_k=cct)
            frame = maker.make(index, params=dataclasses.replace(params, lighting=lighting))
            times = []
            for _ in range(3):
                start = time.perf_counter()
                distort.render(maker.renderer, frame.view)
                times.append(time.perf_counter() - start)
            skin = np.isin(frame.buffers.instance, [i.id for i in frame.view.instances if i.semantic == "skin"])
            luminance = frame.buffers.rgb[skin] @ np.array([0.2126, 0.7152, 0.0722])
            print(f"{index:5d} {params.cabin:9s} {params.identity.skin_type:2d}  {kind:12s} {min(times) * 1e3:9.1f}"
                  f"  {luminance.mean():20.4f}  {frame.buffers.nir[skin].mean():16.4f}")


if __name__ == "__main__":
    main()
