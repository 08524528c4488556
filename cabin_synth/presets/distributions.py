"""Distributions as declared in presets, drawn with an explicitly passed rng.

A preset value is either a constant or a one-key mapping naming the
distribution; schemas/preset.schema.json fixes the grammar, this module draws.
`quantile` and `cdf` give the inverse and forward cumulative distribution of
the numeric kinds, which designs (stratified bins, Latin hypercube) and
correlated parameters (Gaussian copula) need to place a draw inside a stratum.
"""

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.stats import norm, truncnorm

NUMERIC = ("uniform", "loguniform", "normal", "truncnormal", "lognormal")


def _choices(arg) -> tuple[list, np.ndarray | None]:
    values, weights = (arg, None) if isinstance(arg, list) else (arg["values"], arg.get("weights"))
    return values, None if weights is None else np.asarray(weights, float) / np.sum(weights)


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
    if kind in ("truncnormal", "lognormal"):
        return quantile(spec, rng.uniform())
    if kind in ("choice", "asset"):
        values, p = _choices(arg)
        return values[int(rng.choice(len(values), p=p))]
    raise ValueError(f"unknown distribution '{kind}'")


def _lognormal_bounds(arg) -> tuple[float, float]:
    """CDF values of the optional truncation bounds of a log-normal."""
    lo = norm.cdf(np.log(arg["min"] / arg["median"]) / arg["sigma"]) if "min" in arg else 0.0
    hi = norm.cdf(np.log(arg["max"] / arg["median"]) / arg["sigma"]) if "max" in arg else 1.0
    return lo, hi


def quantile(spec: Any, u: float) -> Any:
    """The value at cumulative probability u in [0, 1) of a spec (inverse CDF)."""
    if not isinstance(spec, Mapping):
        return spec
    (kind, arg), = spec.items()
    u = float(np.clip(u, 1e-12, 1 - 1e-12))
    if kind == "uniform":
        return float(arg[0] + u * (arg[1] - arg[0]))
    if kind == "loguniform":
        return float(np.exp(np.log(arg[0]) + u * (np.log(arg[1]) - np.log(arg[0]))))
    if kind == "normal":
        return float(norm.ppf(u, arg["mean"], arg["std"]))
    if kind == "truncnormal":
        lo = (arg["min"] - arg["mean"]) / arg["std"]
        hi = (arg["max"] - arg["mean"]) / arg["std"]
        return float(truncnorm.ppf(u, lo, hi, loc=arg["mean"], scale=arg["std"]))
    if kind == "lognormal":
        lo, hi = _lognormal_bounds(arg)
        z = norm.ppf(lo + u * (hi - lo))
        return float(np.clip(arg["median"] * np.exp(arg["sigma"] * z), arg.get("min", 0.0), arg.get("max", np.inf)))
    if kind in ("choice", "asset"):
        values, p = _choices(arg)
        p = np.full(len(values), 1.0 / len(values)) if p is None else p
        return values[min(int(np.searchsorted(np.cumsum(p), u, side="right")), len(values) - 1)]
    raise ValueError(f"unknown distribution '{kind}'")


def cdf(spec: Any, x: float) -> float:
    """P(value <= x) of a numeric spec (constants: a step at the constant)."""
    if not isinstance(spec, Mapping):
        return float(x >= spec)
    (kind, arg), = spec.items()
    if kind == "uniform":
        return float(np.clip((x - arg[0]) / (arg[1] - arg[0]), 0.0, 1.0))
    if kind == "loguniform":
        if x <= arg[0]:
            return 0.0
        return float(np.clip(np.log(x / arg[0]) / np.log(arg[1] / arg[0]), 0.0, 1.0))
    if kind == "normal":
        return float(norm.cdf(x, arg["mean"], arg["std"]))
    if kind == "truncnormal":
        lo = (arg["min"] - arg["mean"]) / arg["std"]
        hi = (arg["max"] - arg["mean"]) / arg["std"]
        return float(truncnorm.cdf(x, lo, hi, loc=arg["mean"], scale=arg["std"]))
    if kind == "lognormal":
        if x <= 0:
            return 0.0
        lo, hi = _lognormal_bounds(arg)
        return float(np.clip((norm.cdf(np.log(x / arg["median"]) / arg["sigma"]) - lo) / (hi - lo), 0.0, 1.0))
    raise ValueError(f"'{kind}' has no cumulative distribution over numbers")


def levels(spec: Any) -> list:
    """The values a categorical spec can take, in declared order."""
    if not isinstance(spec, Mapping):
        return [spec]
    (kind, arg), = spec.items()
    if kind in ("choice", "asset"):
        return list(_choices(arg)[0])
    raise ValueError(f"'{kind}' is not categorical")


def support(spec: Any) -> tuple[float, float] | None:
    """The closed range a numeric spec can produce, or None when unbounded or categorical."""
    if not isinstance(spec, Mapping):
        return (spec, spec) if isinstance(spec, (int, float)) and not isinstance(spec, bool) else None
    (kind, arg), = spec.items()
    if kind in ("uniform", "loguniform"):
        return (arg[0], arg[1])
    if kind == "truncnormal":
        return (arg["min"], arg["max"])
    if kind == "lognormal":
        return (arg.get("min", 0.0), arg["max"]) if "max" in arg else None
    return None
