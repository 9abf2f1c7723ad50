"""monthly.csv: the headline measures by calendar month add up to the year's figures."""
from __future__ import annotations

import pandas as pd
import pytest

from sim.analysis import monthly
from sim.inputs.config import load
from sim.jobs import outputs, runner


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    """April, May and nine days of June 2017 after a five-day warm-up."""
    cfg = load(["place=walsall", "run.horizon_days=75", "run.warmup_days=5", "run.replications=2", "run.n_jobs=1"])
    results = runner.run(cfg, progress=False)
    out = tmp_path_factory.mktemp("run")
    outputs.write_all(results, out, command="test")
    return results, out


def test_every_run_writes_monthly_csv(short_run):
    _, out = short_run
    table = pd.read_csv(out / "monthly.csv")
    assert list(table.columns) == monthly.COLUMNS
    assert list(dict.fromkeys(table["month"])) == ["2017-04", "2017-05", "2017-06"]
    assert table.groupby("month")["days"].first().tolist() == [30.0, 31.0, 9.0]
    assert set(table["year"]) == {2017} and (table["replications"] == 2).all()
    assert {"ae_attendances", "ae_4h_pct", "ae_admissions", "acute.occupancy_mean", "acute_delayed_bed_days"} <= set(
        table["metric"])


def test_months_sum_to_the_year_for_counts_and_average_to_it_for_levels(short_run):
    results, _ = short_run
    table, year = results.monthly, results.summary.set_index("metric")["mean"]
    for metric in ("ae_attendances", "ae_admissions", "nel_admissions", "ae_12h_waits", "acute_delayed_bed_days"):
        assert table.loc[table["metric"] == metric, "mean"].sum() == pytest.approx(year[metric], rel=1e-12), metric
    for metric in ("acute.occupancy_mean", "ae.corridor_mean"):
        rows = table[table["metric"] == metric]
        weighted = (rows["mean"] * rows["days"]).sum() / rows["days"].sum()
        assert weighted == pytest.approx(year[metric], rel=1e-12), metric
    # every replication's months too, not only the means
    for r in (0, 1):
        rows = [row for row in runner.run_replication(runner.check(results.config).built, r)["monthly"]
                if row[3] == "ae_attendances"]
        assert sum(row[4] for row in rows) == results.replications.query(
            "replication == @r and metric == 'ae_attendances'")["value"].item()


def test_kinds_are_named():
    assert set(monthly.MONTHLY.values()) == {"count", "level", "rate"}
