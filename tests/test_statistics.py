"""Confidence intervals and paired differences."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.analysis.labels import describe
from sim.analysis.statistics import bounded_interval, paired_differences, summarise, t_interval


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


BOUNDED_CASES = [
    # the two counts whose t-intervals went below zero, and an occupancy above 100%
    ([0.0, 0.0, 5328.0], (0.0, math.inf)),
    ([0.0, 0.16, 0.0], (0.0, math.inf)),
    ([99.0, 100.0, 91.0], (0.0, 100.0)),
    ([0.02, 0.0, 0.0, 0.01], (0.0, 1.0)),
    ([-3.0, -0.1, -2.5], (-math.inf, 0.0)),
]


@pytest.mark.parametrize("values, bounds", BOUNDED_CASES)
def test_bounded_interval_stays_within_the_metrics_bounds(values, bounds):
    mean, low, high, n = bounded_interval(values, bounds)
    _, t_low, t_high, _ = t_interval(values)
    assert t_low < bounds[0] or t_high > bounds[1]          # each case is one the t-interval gets wrong
    assert bounds[0] <= low < mean < high <= bounds[1]
    assert mean == pytest.approx(np.mean(values)) and n == len(values)


@settings(deadline=None)
@given(st.lists(st.floats(0.0, 100.0), min_size=2, max_size=30),
       st.sampled_from([(0.0, 100.0), (0.0, math.inf), (-math.inf, 100.0)]))
def test_no_bounded_interval_leaves_its_bounds(values, bounds):
    mean, low, high, _ = bounded_interval(values, bounds)
    assert bounds[0] <= low <= mean <= high <= bounds[1]


def test_a_narrow_interval_is_the_t_interval():
    # the usual case, a count far from zero: the same mean, and ends within a few hundredths of the width
    rng = np.random.default_rng(1)
    values = rng.normal(5000, 50, 10)
    mean, low, high, _ = bounded_interval(values, (0.0, math.inf))
    t_mean, t_low, t_high, _ = t_interval(values)
    assert mean == t_mean
    assert (low, high) == pytest.approx((t_low, t_high), abs=0.01 * (t_high - t_low))


def test_values_outside_the_bounds_or_unbounded_keep_the_t_interval():
    values = [-1.0, 2.0, 4.0]
    assert bounded_interval(values, (0.0, math.inf)) == t_interval(values)
    assert bounded_interval([1.0, 5.0, 9.0]) == t_interval([1.0, 5.0, 9.0])
    assert bounded_interval([0.0, 0.0, 0.0], (0.0, math.inf)) == (0.0, 0.0, 0.0, 3)


def test_summary_intervals_follow_each_metrics_kind():
    reps = pd.DataFrame({"scenario": "s", "replication": [0, 1, 2] * 2, "metric": ["ae_12h_waits"] * 3 + ["saving_gbp"] * 3,
                         "value": [0.0, 0.0, 5328.0, -50.0, 0.0, 60.0]})
    kinds = {"ae_12h_waits": (0.0, math.inf), "saving_gbp": (-math.inf, math.inf)}
    summary = summarise(reps, kinds.get).set_index("metric")
    assert summary.loc["ae_12h_waits", "ci_low"] > 0
    assert (summary.loc["saving_gbp", "ci_low"], summary.loc["saving_gbp", "ci_high"]) == pytest.approx(
        t_interval([-50.0, 0.0, 60.0])[1:3])


@pytest.mark.parametrize("metric, bounds", [
    ("ae.occupancy_pct", (0.0, 100.0)), ("ae.p_wait", (0.0, 1.0)), ("acute.wait_mean", (0.0, math.inf)),
    ("total_cost_gbp", (0.0, math.inf)), ("net_saving_gbp", (-math.inf, math.inf)),
    ("places_added.acute", (-math.inf, math.inf)), ("queue_growth_acute", (-math.inf, math.inf)),
    ("unstable_acute", (0.0, 1.0)), ("acute_delayed_bed_days", (0.0, math.inf)), ("nel_admissions", (0.0, math.inf)),
    ("made_up_thing", (-math.inf, math.inf))])
def test_a_metrics_bounds_come_from_its_kind(metric, bounds):
    network = yaml.safe_load((Path(__file__).parent.parent / "configs/network/integrated_care.yaml").read_text())
    assert describe(metric, network).bounds == bounds
