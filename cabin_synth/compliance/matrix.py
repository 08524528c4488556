"""A protocol's condition matrix: its cells, which clip tests which cell, and
the count per cell before anything is made.

A cell is one case of a scenario family at one duration variant and one speed
band, under one condition from each group the family crosses (Euro NCAP's long
distraction: 15 gaze locations x 2 durations x 13 noise variables). Cells whose
case or condition the generator cannot make are listed with the reason and not
made. Clips are dealt to the supported cells as a stratified design over them
(presets.design, its own stream): every block of as many clips as cells holds
each cell once, so per_cell x cells clips fill every cell exactly per_cell
times.
"""

import itertools
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping

from ..presets.design import Design, Factor
from .protocol import Protocol

DESIGN_STREAM = "compliance.cells"


@dataclass(frozen=True)
class Cell:
    family: str
    case_index: int
    case_label: str
    duration: str | None           # the duration variant (glance, series, closure events)
    speed: str | None              # the speed band's name (None: the protocol's speed_kmh)
    conditions: tuple[str, ...]    # one per crossed condition group, and the case's own
    unsupported: str | None = None

    @property
    def id(self) -> str:
        parts = [self.family, self.case_label, self.duration, self.speed, "+".join(self.conditions) or None]
        return "/".join(p for p in parts if p)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "family": self.family, "case": self.case_label, "duration": self.duration,
                "speed": self.speed, "conditions": list(self.conditions)}


def case_label(case: Mapping[str, Any]) -> str:
    """A case's name: its label, or its task, movement and target(s)."""
    if "label" in case:
        return case["label"]
    parts = [case.get("task"), case.get("movement"), case.get("target"), "+".join(case.get("targets", [])) or None,
             case.get("phone_position"), case.get("condition")]
    return ".".join(str(p) for p in parts if p) or "case"


def all_cells(protocol: Protocol) -> tuple[Cell, ...]:
    """Every cell of the matrix in file order, supported or not."""
    data = protocol.data
    out = []
    for family, sc in data["scenarios"].items():
        groups = [data["condition_groups"][g] for g in sc.get("cross", [])]
        for i, case in enumerate(sc["cases"]):
            own = (case["condition"],) if "condition" in case else ()
            for duration in sc.get("durations") or [None]:
                for speed in sc.get("speeds") or [None]:
                    for combo in itertools.product(*groups):
                        conditions = own + tuple(combo)
                        reason = case.get("unsupported") or next(
                            (data["conditions"][c]["unsupported"] for c in conditions
                             if data["conditions"][c].get("unsupported")), None)
                        out.append(Cell(family, i, case_label(case), duration, speed, conditions, reason))
    return tuple(out)


@lru_cache(maxsize=None)
def _cells(protocol: Protocol) -> tuple[Cell, ...]:
    return all_cells(protocol)


def supported(protocol: Protocol) -> tuple[Cell, ...]:
    return tuple(c for c in _cells(protocol) if c.unsupported is None)


def design(protocol: Protocol) -> Design:
    cells = supported(protocol)
    return Design("stratified", (Factor("compliance.cell", levels=tuple(range(len(cells)))),), stream=DESIGN_STREAM)


def cell_of(protocol: Protocol, seed: int, clip: int) -> Cell:
    """The cell clip `clip` of the set tests."""
    return supported(protocol)[design(protocol).cell(seed, clip)[0]]


def set_size(protocol: Protocol, per_cell: int) -> int:
    return per_cell * len(supported(protocol))


def describe(protocol: Protocol, per_cell: int, seed: int) -> list[str]:
    """Lines: the matrix by family, each cell's count for this set, and the cells not made."""
    cells = supported(protocol)
    n = set_size(protocol, per_cell)
    counts = design(protocol).counts(seed, n)
    lines = [f"protocol {protocol.name}: {protocol.data['title']}",
             f"{len(cells)} cells x {per_cell} clip(s) per cell = {n} clips (seed {seed}); base preset "
             f"{protocol.data['preset']}"]
    for family in protocol.data["scenarios"]:
        mine = [(k, c) for k, c in enumerate(cells) if c.family == family]
        missing = [c for c in _cells(protocol) if c.family == family and c.unsupported]
        lines.append(f"{family}: {len(mine)} cells" + (f", {len(missing)} not made" if missing else ""))
        lines += [f"  {c.id}: {counts[(k,)]}" for k, c in mine]
    skipped = [c for c in _cells(protocol) if c.unsupported]
    if skipped:
        lines.append(f"not made ({len(skipped)} cells; the generator cannot make them):")
        reasons: dict[str, list[str]] = {}
        for c in skipped:
            reasons.setdefault(c.unsupported, []).append(c.id)
        for reason, ids in reasons.items():
            lines.append(f"  {reason}: {len(ids)} cells, e.g. {ids[0]}")
    return lines
