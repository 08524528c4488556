"""Conditional and correlated parameters, declared as data in the preset.

conditional: a field's distribution chosen by the value of another field (or of
  a derived driver measure such as driver.stature_m). Cases are tried in order;
  a case matches on `below` (numeric, exclusive), `equals` or `in`; the last
  case has no condition and is the default.
correlated: groups of numeric fields joined by a Gaussian copula. Each field
  still draws one standard normal from its own stream; the group's Cholesky
  factor mixes them, and each field maps its mixed normal through its own
  distribution's quantile function, so its marginal distribution is unchanged.

Both only change how a field's own stream is used: a field outside a group
or condition never sees them (stream independence, docs/presets.md).
"""

from collections.abc import Mapping
from typing import Any

import numpy as np

from . import distributions

# Values derived from the sampled driver (not preset fields) that a condition may read.
DERIVED = ("driver.stature_m",)
# What belongs to the driver as a person rather than to the moment, besides every driver.*
# field: with `subjects`, drawn once per subject (presets/sampler.py).
PERSON_FIELDS = ("body.build",)


def is_person_field(name: str) -> bool:
    return name.startswith("driver.") or name in PERSON_FIELDS


def case_spec(rule: Mapping[str, Any], given: Any) -> Any:
    """The distribution of the first case matching `given`."""
    for case in rule["cases"]:
        if "below" in case and not given < case["below"]:
            continue
        if "equals" in case and given != case["equals"]:
            continue
        if "in" in case and given not in case["in"]:
            continue
        return case["value"]
    raise AssertionError("presets.load guarantees a default case")


def correlation_factor(group: Mapping[str, Any]) -> np.ndarray:
    """Lower Cholesky factor of the group's correlation matrix (a number = every pair)."""
    n = len(group["fields"])
    r = group["correlation"]
    C = np.array(r, float) if isinstance(r, list) else np.full((n, n), float(r))
    np.fill_diagonal(C, 1.0)
    return np.linalg.cholesky(C)


def check(data: Mapping[str, Any], fields: set[str], design_fields: tuple[str, ...]) -> list[str]:
    """Problems in the `conditional` and `correlated` sections, each naming its field."""
    problems = []
    conditional = data.get("conditional") or {}
    for name, rule in conditional.items():
        where = f"'conditional.{name}'"
        if name not in fields:
            problems.append(f"{where}: no such randomizer field")
        if rule["given"] not in fields and rule["given"] not in DERIVED:
            problems.append(f"{where}.given: '{rule['given']}' is neither a randomizer field nor one of {list(DERIVED)}")
        if name in design_fields:
            problems.append(f"{where}: the field is a design factor; the design fixes it")
        if rule["given"] in DERIVED and name.startswith("driver."):
            problems.append(f"{where}: driver fields decide the driver, so they cannot depend on '{rule['given']}'")
        if set(rule["cases"][-1]) & {"below", "equals", "in"}:
            problems.append(f"{where}.cases: the last case must have no condition (it is the default)")
    for name in conditional:  # a chain of conditions must end
        seen, cur = {name}, conditional[name]["given"]
        while cur in conditional:
            if cur in seen:
                problems.append(f"'conditional.{name}': conditions form a cycle through '{cur}'")
                break
            seen.add(cur)
            cur = conditional[cur]["given"]
    grouped: set[str] = set()
    for g, group in enumerate(data.get("correlated") or []):
        where = f"'correlated[{g}]'"
        for name in group["fields"]:
            if name not in fields:
                problems.append(f"{where}: '{name}' is no randomizer field")
            elif name in design_fields:
                problems.append(f"{where}: '{name}' is a design factor; the design fixes it")
            elif name in grouped:
                problems.append(f"{where}: '{name}' is already in another correlated group")
            grouped.add(name)
        r = group["correlation"]
        n = len(group["fields"])
        if isinstance(r, list) and (np.shape(r) != (n, n) or not np.allclose(r, np.transpose(r))):
            problems.append(f"{where}.correlation: need a symmetric {n}x{n} matrix or one number")
            continue
        try:
            correlation_factor(group)
        except np.linalg.LinAlgError:
            problems.append(f"{where}.correlation: not positive definite")
    if data.get("subjects") is not None:
        problems += _subject_problems(conditional, data.get("correlated") or [], design_fields)
    return problems


def _subject_problems(conditional: Mapping[str, Any], correlated: list, design_fields: tuple[str, ...]) -> list[str]:
    """With `subjects` a person field is drawn once per subject, so nothing that varies
    per frame may decide it."""
    why = "with 'subjects' a subject keeps its person fields (driver.*, body.build) in every frame"
    problems = [f"'design.factors' {name}: {why}, so a design cannot vary it per frame; leave out "
                f"'subjects' or the factor" for name in design_fields if is_person_field(name)]
    problems += [f"'conditional.{name}': {why}, so it cannot depend on '{rule['given']}', which varies per frame"
                 for name, rule in conditional.items()
                 if is_person_field(name) and not is_person_field(rule["given"]) and rule["given"] not in DERIVED]
    problems += [f"'correlated[{g}]': {why}, so they cannot be correlated with per-frame fields "
                 f"({', '.join(f for f in group['fields'] if not is_person_field(f))})"
                 for g, group in enumerate(correlated)
                 if any(map(is_person_field, group["fields"])) and not all(map(is_person_field, group["fields"]))]
    return problems


def is_numeric(spec: Any) -> bool:
    return isinstance(spec, Mapping) and next(iter(spec)) in distributions.NUMERIC
