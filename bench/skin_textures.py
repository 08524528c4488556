"""Cost of the skin's texture maps per identity (docs/driver.md, Skin).

    python bench/skin_textures.py [--identities 12] [--sizes 512 1024]

For each atlas size: the one-off atlas (per process), then per new identity the
time to paint the four maps (skin.skin_images), to encode and write them
(TextureFolder.save: PNG, sha256, atomic rename), and to decode them and build
their mip chains as the renderer's reader does, and the bytes on disk. Wall-clock
medians; on a shared machine, run it when nothing else is.
"""

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from cabin_synth.driver import sample_identity
from cabin_synth.render import textures as reader
from cabin_synth.scene import skin
from cabin_synth.scene.textures import TextureFolder


def bench(size: int, identities: int) -> None:
    start = time.perf_counter()
    skin.atlas(size)
    print(f"atlas {size}: made in {time.perf_counter() - start:.2f} s (once per process)")
    paint, save, load, nbytes = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        folder = TextureFolder(Path(tmp))
        for k in range(identities):
            ident = sample_identity(np.random.default_rng(k))
            t0 = time.perf_counter()
            images = skin.skin_images(ident, 940, size)
            t1 = time.perf_counter()
            paths = {name: folder.save(image) for name, image in images.items()}
            t2 = time.perf_counter()
            for name, path in paths.items():
                reader.load(str(path), images[name].colour_space, name)
            t3 = time.perf_counter()
            paint.append(t1 - t0)
            save.append(t2 - t1)
            load.append(t3 - t2)
            nbytes.append(sum(p.stat().st_size for p in paths.values()))
    ms = lambda v: f"{np.median(v) * 1e3:7.1f} ms"
    print(f"  per identity ({identities}): paint {ms(paint)}, encode+write {ms(save)}, decode+mips {ms(load)}; "
          f"{np.median(nbytes) / 1e6:.2f} MB on disk (median, {np.min(nbytes) / 1e6:.2f}-{np.max(nbytes) / 1e6:.2f})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--identities", type=int, default=12)
    ap.add_argument("--sizes", type=int, nargs="+", default=[512, 1024])
    args = ap.parse_args()
    for size in args.sizes:
        bench(size, args.identities)


if __name__ == "__main__":
    main()
