"""Confidence intervals over replications, and paired differences between scenarios."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

CONFIDENCE = 0.95


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


def keys(table: pd.DataFrame) -> list[str]:
    """The columns that identify a row besides replication and value: ``scenario`` (and ``year`` in a
    multi-year run), then ``metric``."""
    return [c for c in ("scenario", "year", "metric") if c in table.columns]


def summarise(replications: pd.DataFrame) -> pd.DataFrame:
    """Long summary ``scenario, [year,] metric, mean, ci_low, ci_high, replications`` from long replications."""
    by = keys(replications)
    if not replications.duplicated(by).any():
        # One replication: each mean is its value (NaN if not finite) with no interval, as t_interval
        # gives it, without a groupby over a thousand one-row groups (a tenth of a second a job in a PSA).
        values = replications["value"].to_numpy(dtype=float)
        finite = np.isfinite(values)
        return pd.DataFrame({**{k: replications[k].to_numpy() for k in by}, "mean": np.where(finite, values, math.nan),
                             "ci_low": math.nan, "ci_high": math.nan, "replications": finite.astype(int)})
    rows = []
    for key, group in replications.groupby(by, sort=False):
        mean, low, high, n = t_interval(group["value"].to_numpy())
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
