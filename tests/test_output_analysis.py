"""Warm-up by MSER-5 and replications until a precision target."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis import output_analysis
from sim.common.errors import ConfigError
from sim.inputs.config import load
from sim.jobs import runner


def test_mser5_cuts_the_transient_and_leaves_a_stationary_series():
    rng = np.random.default_rng(1)
    days = np.arange(400)
    transient = 40 * np.exp(-days / 15.0)           # an empty-and-filling start, gone by ~day 60
    cut = output_analysis.mser(transient + rng.normal(0, 1, len(days)))
    assert 30 <= cut <= 100 and cut % 5 == 0
    assert output_analysis.mser(rng.normal(0, 1, 400)) <= 40
    assert output_analysis.mser(np.arange(400.0)) <= 200          # never more than half the run


def test_warmup_auto_reads_the_pilot_and_is_reported():
    cfg = load(["network=mmc", "network.lam=9.5", "network.c=10", "run.horizon_days=400", "run.warmup_days=auto",
                "run.replications=3", "run.n_jobs=1", "run.pilot_replications=4"])
    results = runner.run(cfg, progress=False)
    chosen = results.analysis["warmup"]
    assert 0 < chosen["warmup_days"] <= 200
    assert results.config["run"]["warmup_days"] == chosen["warmup_days"]
    assert chosen["results_days"] == 400 - chosen["warmup_days"]


def test_replications_auto_stops_at_the_precision_and_matches_a_fixed_run():
    base = ["network=mmc", "network.lam=7", "network.c=10", "run.horizon_days=300", "run.warmup_days=30", "run.n_jobs=1"]
    auto = runner.run(load(base + ["run.replications=auto", "run.precision=0.02", "run.replication_batch=3",
                                   "run.precision_metrics=[ward.occupancy_mean]"]), progress=False)
    report = auto.analysis["replications"]
    n = report["replications"]
    assert report["precision_reached"] and n % 3 == 0 and n >= 3
    assert report["relative_half_widths"]["ward.occupancy_mean"] <= 0.02
    fixed = runner.run(load(base + [f"run.replications={n}"]), progress=False)
    pd.testing.assert_frame_equal(auto.summary, fixed.summary)


def test_replications_auto_respects_the_cap():
    cfg = load(["network=mmc", "run.horizon_days=20", "run.warmup_days=2", "run.n_jobs=1", "run.replications=auto",
                "run.precision=0.0001", "run.replication_batch=2", "run.max_replications=4"])
    report = runner.run(cfg, progress=False).analysis["replications"]
    assert report["replications"] == 4 and not report["precision_reached"]


@pytest.mark.parametrize("override, key", [
    ("run.precision=2", "run.precision"),
    ("run.replication_batch=1", "run.replication_batch"),
    ("run.warmup_days=soon", "run.warmup_days"),
    ("run.replications=many", "run.replications"),
    ("run.precision_metrics=[nope]", "run.precision_metrics"),
])
def test_bad_output_analysis_settings_name_the_key(override, key):
    cfg = load(["network=mmc", "run.horizon_days=20", "run.warmup_days=2", "run.n_jobs=1", "run.replications=auto",
                override])
    with pytest.raises(ConfigError) as info:
        runner.run(cfg, progress=False)
    assert info.value.key == key
