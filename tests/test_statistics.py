"""Confidence intervals and paired differences."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis.statistics import paired_differences, summarise, t_interval


def test_t_interval_matches_scipy():
    x = np.array([3.1, 2.7, 3.9, 3.3, 2.8])
    mean, low, high, n = t_interval(x)
    ref = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert (low, high) == pytest.approx(ref)
    assert mean == pytest.approx(x.mean()) and n == 5


def test_t_interval_edge_cases():
    assert math.isnan(t_interval([])[0])
    mean, low, _high, n = t_interval([2.0])
    assert mean == 2.0 and math.isnan(low) and n == 1
    assert t_interval([1.0, float("nan"), 3.0])[3] == 2


def test_summary_columns():
    reps = pd.DataFrame({"scenario": "s", "replication": [0, 1, 2], "metric": "m", "value": [1.0, 2.0, 3.0]})
    summary = summarise(reps)
    assert list(summary.columns) == ["scenario", "metric", "mean", "ci_low", "ci_high", "replications"]
    assert summary.loc[0, "mean"] == 2.0


def test_paired_differences_use_replication_pairs():
    rng = np.random.default_rng(0)
    common = rng.normal(100, 10, 20)
    reps = pd.concat([
        pd.DataFrame({"scenario": "base", "replication": range(20), "metric": "m", "value": common}),
        pd.DataFrame({"scenario": "new", "replication": range(20), "metric": "m", "value": common - 5 + rng.normal(0, 0.1, 20)}),
    ])
    diff = paired_differences(reps, "base").iloc[0]
    assert diff["difference"] == pytest.approx(-5, abs=0.1)
    assert diff["ci_high"] < 0 and diff["ci_high"] - diff["ci_low"] < 0.2   # pairing removes the common noise
    assert diff["relative_pct"] == pytest.approx(-5, abs=0.5)


def test_one_replication_summary_is_each_value_as_the_interval_gives_it():
    # one value per metric: the summary is t_interval's for each (a non-finite value has no mean)
    reps = pd.DataFrame({"scenario": "s", "year": 2027, "replication": 0, "metric": ["a", "b", "c", "d"],
                         "value": [1.5, math.inf, math.nan, -2.0]})
    summary = summarise(reps)
    assert list(summary.columns) == ["scenario", "year", "metric", "mean", "ci_low", "ci_high", "replications"]
    for row, value in zip(summary.itertuples(), reps["value"]):
        mean, low, high, n = t_interval([value])
        assert (row.mean == mean or (math.isnan(row.mean) and math.isnan(mean))) and row.replications == n
        assert math.isnan(row.ci_low) and math.isnan(row.ci_high) and math.isnan(low) and math.isnan(high)
    assert summary["replications"].tolist() == [1, 0, 0, 1]
