"""Designs: which cell of a factor grid frame (or clip) i belongs to.

Coverage is guaranteed, not probable: the cell of index i is a pure function
of (design, seed, i), and every block of `cells` consecutive indices visits
every cell exactly once, so any N indices from 0 fill each cell N // cells or
N // cells + 1 times. What the cell fixes (a categorical level, a numeric bin,
a Latin-hypercube stratum) is placed by code; the draw inside a bin or stratum
still comes from the field's own stream.

Kinds (docs/presets.md):
- full_factorial: categorical factors, every combination, in lexicographic order.
- stratified: categorical factors and numeric factors cut into bins; each block
  of `cells` indices visits the cells in a shuffled order (stream "design.cells").
- latin_hypercube: numeric factors, `block` strata per factor; each block of
  `block` indices holds one value in every stratum of every factor, paired by
  one permutation per factor and block (stream "design.lhs.<field>").
"""

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import distributions
from .streams import stream


@dataclass(frozen=True)
class Factor:
    field: str                     # "section.field"
    levels: tuple | None = None    # categorical levels
    bins: tuple | None = None      # numeric bin edges (stratified)

    @property
    def size(self) -> int:
        return len(self.levels) if self.levels is not None else len(self.bins) - 1

    def describe_level(self, k: int) -> str:
        if self.levels is not None:
            return f"{self.levels[k]}"
        return f"[{self.bins[k]}, {self.bins[k + 1]}]"


@dataclass(frozen=True)
class Design:
    kind: str
    factors: tuple[Factor, ...]
    block: int = 0                 # latin_hypercube strata per factor
    stream: str = "design.cells"   # the stratified shuffle's stream: a second design needs its own

    @property
    def cells(self) -> tuple[tuple[int, ...], ...]:
        """Cells as tuples of per-factor level indices (latin_hypercube: none)."""
        if self.kind == "latin_hypercube":
            return ()
        return tuple(itertools.product(*(range(f.size) for f in self.factors)))

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(f.field for f in self.factors)

    def cell(self, seed: int, index: int) -> tuple[int, ...]:
        """Per-factor level (or stratum) index of frame/clip `index`."""
        if self.kind == "latin_hypercube":
            b, j = divmod(index, self.block)
            return tuple(int(stream(seed, b, f"design.lhs.{f.field}").permutation(self.block)[j]) for f in self.factors)
        cells = self.cells
        b, j = divmod(index, len(cells))
        if self.kind == "stratified":
            j = int(stream(seed, b, self.stream).permutation(len(cells))[j])
        return cells[j]

    def value(self, factor: Factor, k: int, spec: Any, rng: np.random.Generator) -> Any:
        """The factor's value in level/stratum k; the position inside a bin or stratum from `rng`."""
        if factor.levels is not None:
            return factor.levels[k]
        if factor.bins is not None:
            lo, hi = distributions.cdf(spec, factor.bins[k]), distributions.cdf(spec, factor.bins[k + 1])
        else:
            lo, hi = k / self.block, (k + 1) / self.block
        return distributions.quantile(spec, lo + rng.uniform() * (hi - lo))

    def counts(self, seed: int, n: int) -> dict[tuple[int, ...], int]:
        """How many of indices 0..n-1 fall in each cell (latin_hypercube: per factor stratum)."""
        if self.kind == "latin_hypercube":
            out: dict[tuple[int, ...], int] = {}
            for i in range(n):
                for f, k in zip(self.factors, self.cell(seed, i)):
                    out[(self.fields.index(f.field), k)] = out.get((self.fields.index(f.field), k), 0) + 1
            return out
        out = {c: 0 for c in self.cells}
        for i in range(n):
            out[self.cell(seed, i)] += 1
        return out


def parse(data: Mapping[str, Any] | None, sections: Mapping[str, Any]) -> tuple[Design | None, list[str]]:
    """The preset's `design` section as a Design, and the problems found (field named)."""
    if not data:
        return None, []
    kind = data["kind"]
    problems, factors = [], []
    for entry in data["factors"]:
        name = entry if isinstance(entry, str) else entry["field"]
        where = f"'design.factors' {name}"
        section, _, key = name.partition(".")
        spec = sections.get(section, {}).get(key) if isinstance(sections.get(section), Mapping) else None
        if spec is None:
            problems.append(f"{where}: no such randomizer field")
            continue
        categorical = not isinstance(spec, Mapping) or next(iter(spec)) in ("choice", "asset")
        bins = None if isinstance(entry, str) else entry.get("bins")
        if kind == "latin_hypercube":
            if categorical or bins is not None:
                problems.append(f"{where}: latin_hypercube needs a numeric distribution and no bins")
                continue
            factors.append(Factor(name))
        elif categorical:
            if bins is not None:
                problems.append(f"{where}: bins are for numeric fields; this one is categorical")
                continue
            factors.append(Factor(name, levels=tuple(distributions.levels(spec))))
        elif kind == "full_factorial" or bins is None:
            problems.append(f"{where}: a numeric field needs 'bins' (and kind stratified)")
        else:
            edges = list(bins)
            probs = [distributions.cdf(spec, e) for e in edges]
            span = distributions.support(spec) or (-np.inf, np.inf)
            if (any(b <= a for a, b in zip(edges, edges[1:])) or any(q <= p for p, q in zip(probs, probs[1:]))
                    or edges[0] < span[0] or edges[-1] > span[1]):
                problems.append(f"{where}: bins {edges} must increase, lie within the field's range "
                                f"{list(span)} and each hold some of its probability")
                continue
            factors.append(Factor(name, bins=tuple(edges)))
    if len(set(f.field for f in factors)) != len(factors):
        problems.append("'design.factors': a field is listed twice")
    block = int(data.get("block", 0))
    if kind == "latin_hypercube" and block < 2:
        problems.append("'design.block': latin_hypercube needs block >= 2 (strata per factor)")
    return (Design(kind, tuple(factors), block) if not problems else None), problems


def describe(design: Design | None, n: int, seed: int, unit: str = "frames") -> list[str]:
    """Lines describing the resolved design and the count per cell for n indices."""
    if design is None:
        return [f"design: none (every field drawn independently); {n} {unit}"]
    lines = [f"design: {design.kind} over {', '.join(design.fields)}"]
    for f in design.factors:
        what = (f"{f.size} levels: " + ", ".join(f.describe_level(k) for k in range(f.size))
                if f.levels is not None or f.bins is not None else f"{design.block} strata per block of {design.block}")
        lines.append(f"  {f.field}: {what}")
    counts = design.counts(seed, n)
    if design.kind == "latin_hypercube":
        full, rest = divmod(n, design.block)
        lines.append(f"{n} {unit}: {full} full block(s) of {design.block}"
                     + (f" and a partial block of {rest}" if rest else "")
                     + f"; every stratum holds {full} or {full + 1} {unit}")
        for i, f in enumerate(design.factors):
            got = [counts.get((i, k), 0) for k in range(design.block)]
            lines.append(f"  {f.field}: per-stratum counts min {min(got)} max {max(got)}")
        return lines
    cells = design.cells
    lines.append(f"{len(cells)} cells; {n} {unit} -> expected {n / len(cells):.2f} per cell "
                 f"({n // len(cells)} or {-(-n // len(cells))}); counts for seed {seed}:")
    for c in cells:
        label = ", ".join(f"{f.field}={f.describe_level(k)}" for f, k in zip(design.factors, c))
        lines.append(f"  {label}: {counts[c]}")
    return lines
