"""Overload is reported, and a runaway replication is stopped with a clear message."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.analysis import report
from sim.common.errors import OverloadError
from sim.inputs.config import load
from sim.jobs import runner

ROOT = Path(__file__).resolve().parent.parent
MMC = ["network=mmc", "run.horizon_days=200", "run.warmup_days=10", "run.replications=3", "run.n_jobs=1"]


def test_a_growing_queue_is_flagged_and_warned():
    overloaded = runner.run(load(MMC + ["network.lam=11", "network.c=10"]), progress=False).summary.set_index("metric")
    assert overloaded.loc["unstable_ward", "mean"] == 1.0
    # Offered 11 a day against 10 served: the list grows by about one a day, ~110 between the fifths' centres.
    assert 60 < overloaded.loc["queue_growth_ward", "mean"] < 160
    warnings = report.overload_warnings(overloaded.reset_index())
    assert len(warnings) == 1 and "ward" in warnings[0]


@pytest.mark.parametrize("lam", [5.0, 9.0])      # utilisation 0.5 and 0.9: busy but stable
def test_a_stable_queue_is_not_flagged(lam):
    summary = runner.run(load(MMC + [f"network.lam={lam}", "network.c=10"]), progress=False).summary.set_index("metric")
    assert summary.loc["unstable_ward", "mean"] == 0.0
    assert abs(summary.loc["queue_growth_ward", "mean"]) < 10


def test_queue_cap_stops_a_runaway_replication():
    with pytest.raises(OverloadError) as info:
        runner.run(load(MMC + ["network.lam=30", "network.c=1", "run.max_queue=500"]), progress=False)
    assert "network.services.ward" in str(info.value) and "run.max_queue=500" in str(info.value)


def test_time_cap_stops_a_runaway_replication():
    with pytest.raises(OverloadError) as info:
        runner.run(load(MMC + ["network.lam=3000", "network.c=1", "run.max_queue=null", "run.max_seconds=0.5",
                               "run.horizon_days=100000"]), progress=False)
    assert "run.max_seconds=0.5" in str(info.value)


def test_command_line_reports_the_cap_and_exits_3(tmp_path):
    result = subprocess.run([sys.executable, "-m", "sim", *MMC, "network.lam=30", "network.c=1", "run.max_queue=500",
                             f"hydra.run.dir={tmp_path / 'out'}", f"run.cache_dir={tmp_path / 'cache'}"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 3
    assert "carepath: stopped: network.services.ward" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "summary.csv").exists()
