"""Confidence intervals over replications, and paired differences between scenarios.

A metric's interval respects its bounds (:func:`bounded_interval`): a count, a length of stay or a
cost cannot be below zero, a percentage not outside 0 to 100.  The 95% interval for the mean of such a
metric is formed on the log scale (one bound) or the logit scale (two) and transformed back, with the
delta-method standard error: for a non-negative metric with mean m and standard error s, the interval
is m / f to m x f with f = exp(t s / m).  It is centred on the mean as the t-interval is (on the
transformed scale), nearly equal to it when the interval is narrow, and never crosses a bound however
few the replications.  A metric with a replication outside its bounds is not the kind its unit says,
and keeps the t-interval; so do paired differences, which may take either sign.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import special, stats

CONFIDENCE = 0.95
UNBOUNDED = (-math.inf, math.inf)


def t_interval(values, confidence: float = CONFIDENCE) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of the t-interval for the mean of ``values``; NaNs are ignored.

    With fewer than two values the interval is undefined (NaN bounds).
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan, n
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half, n


def bounded_interval(values, bounds: tuple[float, float] = UNBOUNDED,
                     confidence: float = CONFIDENCE) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of the interval for the mean of ``values`` that stays within ``bounds``
    ``(lowest, highest)``, either of which may be infinite: the delta-method interval on the log scale
    of the distance from the one finite bound, or on the logit scale of the position between two.

    The t-interval when both bounds are infinite, when a value lies outside them, or when the values
    differ by nothing (their interval is the mean alone); the mean is always the values' mean."""
    mean, low, high, n = t_interval(values, confidence)
    lowest, highest = bounds
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if not (math.isfinite(low) and high > low) or not (math.isfinite(lowest) or math.isfinite(highest)):
        return mean, low, high, n
    if (x < lowest).any() or (x > highest).any() or not lowest < mean < highest:
        return mean, low, high, n
    half = (high - low) / 2                  # t quantile x standard error of the mean
    if math.isfinite(lowest) and math.isfinite(highest):
        width = highest - lowest
        p = (mean - lowest) / width
        spread = half / width / (p * (1 - p))
        centre = math.log(p / (1 - p))
        return (mean, lowest + width * float(special.expit(centre - spread)),
                lowest + width * float(special.expit(centre + spread)), n)
    if math.isfinite(lowest):
        factor = math.exp(half / (mean - lowest))
        return mean, lowest + (mean - lowest) / factor, lowest + (mean - lowest) * factor, n
    factor = math.exp(half / (highest - mean))
    return mean, highest - (highest - mean) * factor, highest - (highest - mean) / factor, n


def keys(table: pd.DataFrame) -> list[str]:
    """The columns that identify a row besides replication and value: ``scenario`` (and ``year`` in a
    multi-year run), then ``metric``."""
    return [c for c in ("scenario", "year", "metric") if c in table.columns]


def summarise(replications: pd.DataFrame,
              bounds: Callable[[str], tuple[float, float]] | None = None) -> pd.DataFrame:
    """Long summary ``scenario, [year,] metric, mean, ci_low, ci_high, replications`` from long replications;
    ``bounds`` gives each metric's ``(lowest, highest)`` (:meth:`sim.analysis.labels.Label.bounds`), which its
    interval respects (:func:`bounded_interval`; unbounded when not given)."""
    by = keys(replications)
    if not replications.duplicated(by).any():
        # One replication: each mean is its value (NaN if not finite) with no interval, as t_interval
        # gives it, without a groupby over a thousand one-row groups (a tenth of a second a job in a PSA).
        values = replications["value"].to_numpy(dtype=float)
        finite = np.isfinite(values)
        return pd.DataFrame({**{k: replications[k].to_numpy() for k in by}, "mean": np.where(finite, values, math.nan),
                             "ci_low": math.nan, "ci_high": math.nan, "replications": finite.astype(int)})
    rows = []
    metric_at = by.index("metric")
    for key, group in replications.groupby(by, sort=False):
        limits = bounds(key[metric_at]) if bounds is not None else UNBOUNDED
        mean, low, high, n = bounded_interval(group["value"].to_numpy(), limits)
        rows.append((*key, mean, low, high, n))
    return pd.DataFrame(rows, columns=[*by, "mean", "ci_low", "ci_high", "replications"])


def paired_differences(replications: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Scenario minus ``baseline``, replication by replication (common random numbers), with t-intervals.

    Columns: ``scenario, baseline, [year,] metric, difference, ci_low, ci_high, relative_pct, replications``
    (``year`` when the replications have one: a multi-year run is paired year by year).
    """
    by = [k for k in keys(replications) if k != "scenario"]
    wide = replications.pivot_table(index=[*by, "replication"], columns="scenario", values="value")
    rows = []
    for scenario in wide.columns:
        if scenario == baseline:
            continue
        for key, group in wide.groupby(level=by if len(by) > 1 else by[0]):
            diff = (group[scenario] - group[baseline]).to_numpy()
            mean, low, high, n = t_interval(diff)
            base_values = group[baseline].to_numpy(dtype=float)
            base = float(base_values[np.isfinite(base_values)].mean()) if np.isfinite(base_values).any() else math.nan
            relative = 100.0 * mean / base if base and math.isfinite(base) else math.nan
            rows.append((scenario, baseline, *(key if isinstance(key, tuple) else (key,)), mean, low, high, relative, n))
    return pd.DataFrame(rows, columns=["scenario", "baseline", *by, "difference", "ci_low", "ci_high",
                                       "relative_pct", "replications"])
