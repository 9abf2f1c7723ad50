"""A single number for an optimiser: a metric to minimise plus penalties for missed targets.

Configured by a top-level ``objective`` block (see
``configs/experiment/capacity_optimisation.yaml``)::

    objective:
      minimise: total_cost_gbp
      constraints:                       # on the mean over replications
        acute_occupancy_mean: {max: 92}
        ae_4h_pct: {min: 95}
      penalty_per_unit: 1.0e6            # added per unit of shortfall on any constraint

``python -m sim`` returns this value to Hydra, so a sweeper such as Optuna can
minimise it over capacities.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..common.checks import number
from ..common.errors import ConfigError


def check(spec: Mapping[str, Any] | None, metrics) -> None:
    """Validate the objective block against the metrics a run will produce."""
    if not spec:
        return
    known = set(metrics)
    target = spec.get("minimise")
    if target not in known:
        raise ConfigError("objective.minimise", target, "a metric of the run (e.g. total_cost_gbp)")
    for name, bound in (spec.get("constraints") or {}).items():
        if name not in known:
            raise ConfigError(f"objective.constraints.{name}", name, "a metric of the run")
        if not isinstance(bound, Mapping) or not set(bound) <= {"min", "max"} or not bound:
            raise ConfigError(f"objective.constraints.{name}", bound, "{min: x} and/or {max: y}")
    number(spec.get("penalty_per_unit", 0.0), "objective.penalty_per_unit", low=0.0, allowed="a non-negative number")


def shortfalls(spec: Mapping[str, Any], summary: pd.DataFrame) -> dict[str, float]:
    """How far each constrained metric's mean is outside its bound (0 when met)."""
    means = summary.set_index("metric")["mean"]
    out = {}
    for name, bound in (spec.get("constraints") or {}).items():
        value = float(means[name])
        gap = 0.0
        if "max" in bound:
            gap += max(0.0, value - float(bound["max"]))
        if "min" in bound:
            gap += max(0.0, float(bound["min"]) - value)
        out[name] = gap
    return out


def value(spec: Mapping[str, Any], summary: pd.DataFrame) -> float:
    """The objective: the mean of ``minimise`` plus the penalty for every unit of shortfall."""
    means = summary.set_index("metric")["mean"]
    total = float(means[spec["minimise"]])
    penalty = float(spec.get("penalty_per_unit", 0.0))
    total += penalty * sum(shortfalls(spec, summary).values())
    return total if math.isfinite(total) else float("inf")
