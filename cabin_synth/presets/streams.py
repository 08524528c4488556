"""Random streams: one independent generator per (seed, frame, randomizer name).

A stream's key uses crc32 of the randomizer's name, never Python's hash(), so
keys are stable across processes; adding or removing a randomizer never shifts
what the others draw, and frame i depends only on (seed, i).
"""

import zlib

import numpy as np


def name_key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def stream(seed: int, index: int, name: str) -> np.random.Generator:
    """The generator for randomizer `name` at frame (or clip) `index` of dataset `seed`."""
    if seed < 0 or index < 0:
        raise ValueError(f"seed and index must be non-negative, got seed={seed} index={index}")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, index, name_key(name)])))
