"""Distributions as declared in presets, drawn with an explicitly passed rng.

A preset value is either a constant or a one-key mapping naming the
distribution; schemas/preset.schema.json fixes the grammar, this module draws.
"""

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.stats import truncnorm


def draw(spec: Any, rng: np.random.Generator) -> Any:
    if not isinstance(spec, Mapping):
        return spec
    (kind, arg), = spec.items()
    if kind == "uniform":
        return float(rng.uniform(arg[0], arg[1]))
    if kind == "loguniform":
        return float(np.exp(rng.uniform(np.log(arg[0]), np.log(arg[1]))))
    if kind == "normal":
        return float(rng.normal(arg["mean"], arg["std"]))
    if kind == "truncnormal":
        lo = (arg["min"] - arg["mean"]) / arg["std"]
        hi = (arg["max"] - arg["mean"]) / arg["std"]
        return float(truncnorm.ppf(rng.uniform(), lo, hi, loc=arg["mean"], scale=arg["std"]))
    if kind == "choice":
        values, weights = (arg, None) if isinstance(arg, list) else (arg["values"], arg.get("weights"))
        p = None if weights is None else np.asarray(weights, float) / np.sum(weights)
        return values[int(rng.choice(len(values), p=p))]
    raise ValueError(f"unknown distribution '{kind}'")


def support(spec: Any) -> tuple[float, float] | None:
    """The closed range a numeric spec can produce, or None when unbounded or categorical."""
    if not isinstance(spec, Mapping):
        return (spec, spec) if isinstance(spec, (int, float)) and not isinstance(spec, bool) else None
    (kind, arg), = spec.items()
    if kind in ("uniform", "loguniform"):
        return (arg[0], arg[1])
    if kind == "truncnormal":
        return (arg["min"], arg["max"])
    return None
