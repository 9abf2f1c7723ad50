"""Overload is reported, and a runaway replication is stopped with a clear message."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import output_analysis, report
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


def test_a_list_whose_patients_all_give_up_in_time_is_never_flagged():
    # Offered twice what it serves, but every patient gives up after about a day: an Erlang-A queue, stable at
    # any load, whose list settles near the arrival rate times the mean patience (about 10 of the 20 a day).
    patient = ["+network.services.ward.patience={dist: exponential, mean: 1}", "+network.services.ward.renege_to=discharged"]
    summary = runner.run(load(MMC + ["network.lam=20", "network.c=10"] + patient), progress=False).summary.set_index("metric")
    assert summary.loc["unstable_ward", "mean"] == 0.0
    assert 5 < summary.loc["ward.queue_mean", "mean"] < 20
    assert abs(summary.loc["queue_growth_ward", "mean"]) < 10


def test_a_list_held_only_by_patients_giving_up_is_flagged_and_warned():
    # The Erlang-A queue above: half the patients give up, so the list is held by giving up, not unstable.
    patient = ["+network.services.ward.patience={dist: exponential, mean: 1}", "+network.services.ward.renege_to=discharged"]
    summary = runner.run(load(MMC + ["network.lam=20", "network.c=10"] + patient), progress=False).summary
    flags = summary.set_index("metric")
    assert flags.loc["held_by_giving_up_ward", "mean"] == 1.0 and flags.loc["unstable_ward", "mean"] == 0.0
    assert 30 < flags.loc["gave_up_pct_ward", "mean"] < 70
    assert flags.loc["ward.wait_mean", "held_by_giving_up"] and not flags.loc["ward.wait_mean", "unstable"]
    warnings = report.overload_warnings(summary)
    assert len(warnings) == 1 and "ward" in warnings[0] and "giving up" in warnings[0]


def test_a_busy_list_few_give_up_from_is_not_held_by_giving_up():
    patient = ["+network.services.ward.patience={dist: exponential, mean: 10}", "+network.services.ward.renege_to=discharged"]
    flags = runner.run(load(MMC + ["network.lam=7", "network.c=10"] + patient), progress=False).summary.set_index("metric")
    assert flags.loc["gave_up_pct_ward", "mean"] < 5 and flags.loc["held_by_giving_up_ward", "mean"] == 0.0
    assert not flags["held_by_giving_up"].any()


def test_the_held_state_needs_over_five_percent_giving_up_and_yields_to_unstable():
    steady, runaway = np.full(365, 5.0), 0.2 * np.arange(365)
    for series, share, held in ((steady, 6.0, 1.0), (steady, 4.0, 0.0), (runaway, 30.0, 0.0)):
        flags, _ = output_analysis.unstable_flags({"list": (None, series)}, 0, 365, gave_up={"list": share})
        assert flags["held_by_giving_up_list"] == held and flags["gave_up_pct_list"] == share
    flags, _ = output_analysis.unstable_flags({"list": (None, steady)}, 0, 365)
    assert "held_by_giving_up_list" not in flags          # a list nobody can give up from has no such state


def _years(series, years=4):
    """``daily`` of one service and each year's (first, last) day for a series of ``years`` x 365 days."""
    return {"list": (None, np.asarray(series, dtype=float))}, [(365 * y, 365 * (y + 1)) for y in range(years)]


def _flags(series, years=4, waits_without_limit=None):
    daily, periods = _years(series, years)
    flags, previous = [], None
    for first, last in periods:
        values, previous = output_analysis.unstable_flags(daily, first, last, previous, waits_without_limit)
        flags.append(values["unstable_list"])
    return flags


def test_a_list_that_rises_every_winter_is_flagged_only_where_no_earlier_year_shows_the_season():
    # Near zero from April to October, up to 40 by March, back to zero by summer: no trend over the years.
    day = np.arange(4 * 365) % 365
    seasonal = np.where(day > 210, 40 * (day - 210) / 155, 0.0)
    assert _flags(seasonal) == [1.0, 0.0, 0.0, 0.0]     # the first year alone cannot tell a season from a trend


def test_a_list_fed_faster_than_it_is_served_is_flagged_every_year_it_grows():
    runaway = 0.2 * np.arange(6 * 365)                # 73 more patients a year: utilisation about 1.01
    assert _flags(runaway, years=6) == [1.0] * 6
    levelled = np.minimum(0.2 * np.arange(4 * 365), 80.0)   # grows for a year and a bit, then holds
    assert _flags(levelled) == [1.0, 1.0, 0.0, 0.0]


def test_a_runaway_list_is_not_flagged_when_every_patient_gives_up_in_time():
    runaway = 0.2 * np.arange(2 * 365)
    assert _flags(runaway, years=2, waits_without_limit={"list": False}) == [0.0, 0.0]
    assert _flags(runaway, years=2, waits_without_limit={"list": True}) == [1.0, 1.0]


def test_queue_cap_stops_a_runaway_replication():
    with pytest.raises(OverloadError) as info:
        runner.run(load(MMC + ["network.lam=30", "network.c=1", "run.max_queue=500"]), progress=False)
    assert "network.services.ward" in str(info.value) and "run.max_queue=500" in str(info.value)


def test_time_cap_stops_a_runaway_replication():
    with pytest.raises(OverloadError) as info:
        runner.run(load(MMC + ["network.lam=3000", "network.c=1", "run.max_queue=null", "run.max_seconds=0.5",
                               "run.horizon_days=14000"]), progress=False)   # within the 40-year limit
    assert "run.max_seconds=0.5" in str(info.value)


def test_command_line_reports_the_cap_and_exits_3(tmp_path):
    result = subprocess.run([sys.executable, "-m", "sim", *MMC, "network.lam=30", "network.c=1", "run.max_queue=500",
                             f"hydra.run.dir={tmp_path / 'out'}", f"run.cache_dir={tmp_path / 'cache'}"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 3
    assert "carepath: stopped: network.services.ward" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "summary.csv").exists()


def test_a_multi_year_summary_warns_of_held_lists_as_well_as_runaway_ones():
    summary = pd.DataFrame({"year": [2026, 2027, 2027, 2027],
                            "metric": ["unstable_acute", "unstable_acute", "held_by_giving_up_ae", "held_by_giving_up_ic_home"],
                            "mean": [1.0, 1.0, 1.0, 0.25]})
    warnings = report.overload_warnings(summary)
    assert len(warnings) == 2
    assert "acute grew without levelling off in 2026, 2027" in warnings[0]
    assert "ae was held only by giving up in 2027" in warnings[1]          # ic_home: in a quarter only, no warning
