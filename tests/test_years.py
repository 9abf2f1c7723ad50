"""Continuous multi-year runs (run.end_year): one replication across financial years, results by year."""
from __future__ import annotations

import copy
import math

import pytest

from sim.common.errors import ConfigError
from sim.engine.model import Model
from sim.engine.revision import YearRevision
from sim.inputs import years
from sim.inputs.config import load
from sim.inputs.prepare import prepare
from sim.jobs import runner

from .conftest import PLACE, make_cfg


def _growing(growth: float, **run):
    """A one-ward network whose demand grows by ``growth`` a year (trend growth of its only stream)."""
    services = {"ward": {"capacity": 30, "los": {"dist": "exponential", "mean": 2.0}, "next": "home"}}
    cfg = make_cfg(services, {"s": {"rate_per_1000": dict.fromkeys(PLACE["population"]["age_shares"], 300.0), "to": "ward"}},
                   horizon=100, warmup=20, replications=2)
    cfg["place"]["trend_growth"] = {"s": growth}
    cfg["run"].update(run)
    return cfg


def test_the_horizon_follows_the_span():
    cfg = _growing(0.1, year=2017, end_year=2019)
    assert years.with_horizon(cfg)["run"]["horizon_days"] == 20 + 365 + 365 + 366   # 2019/20 has 29 February
    assert years.years(cfg["run"]) == [2017, 2018, 2019]
    assert [day for day, _, _ in years.later_years(cfg)] == [20 + 365, 20 + 365 + 365]
    single = _growing(0.1, year=2017)
    assert years.with_horizon(single) == single and years.years(single["run"]) == [2017]


def test_results_come_by_year_and_demand_grows_year_by_year():
    results = runner.run(_growing(0.3, year=2017, end_year=2019, n_jobs=1), progress=False)
    assert list(results.replications.columns) == ["scenario", "year", "replication", "metric", "value"]
    assert list(results.summary.columns[:3]) == ["scenario", "year", "metric"]
    arrivals = results.summary[results.summary["metric"] == "ward.arrivals"].set_index("year")["mean"]
    ratios = arrivals[2018] / arrivals[2017], arrivals[2019] / (arrivals[2018] * 366 / 365)
    assert ratios == pytest.approx((1.3, 1.3), rel=0.08)
    assert set(results.flows["year"]) == {2017, 2018, 2019}
    assert results.balanced


def test_the_first_year_of_a_continuous_run_is_the_single_year_run():
    """Up to the first 1 April the two runs are the same simulation: every first-year metric is equal."""
    multi = runner.run(_growing(0.2, year=2017, end_year=2018, n_jobs=1, replications=1), progress=False)
    single = runner.run(_growing(0.2, year=2017, n_jobs=1, replications=1, horizon_days=385), progress=False)
    first = multi.replications[multi.replications["year"] == 2017].set_index("metric")["value"]
    alone = single.replications.set_index("metric")["value"]
    assert set(alone.index) <= set(first.index)
    assert all(first[m] == alone[m] or (math.isnan(first[m]) and math.isnan(alone[m])) for m in alone.index)


def test_backlogs_carry_over_from_one_year_to_the_next():
    """A queue at 31 March is still there on 1 April: the second year starts with it, not empty."""
    services = {"ward": {"capacity": 2, "los": {"dist": "fixed", "value": 1.0}, "next": "home"}}
    cfg = make_cfg(services, {"s": {"rate_per_day": 2.5, "to": "ward"}}, horizon=100, warmup=0, replications=1)
    cfg["run"].update(year=2017, end_year=2018, n_jobs=1)
    results = runner.run(cfg, progress=False)
    ends = results.summary[results.summary["metric"] == "ward.queued_end"].set_index("year")["mean"]
    means = results.summary[results.summary["metric"] == "ward.queue_mean"].set_index("year")["mean"]
    assert ends[2017] > 50 and means[2018] > ends[2017]      # the list grows on from where it was


def test_capacity_and_levers_change_on_1_april():
    cfg = load(["scenario=uk_comparator", "run.year=2023", "run.end_year=2024", "run.warmup_days=5",
                "run.replications=1", "run.n_jobs=1"])
    results = runner.run(cfg, progress=False)
    places = results.summary[results.summary["metric"] == "gp_extended.capacity_mean"].set_index("year")["mean"]
    expected = {year: prepare(load(["scenario=uk_comparator", f"run.year={year}"]))["network"]["services"]["gp_extended"]
                for year in (2023, 2024)}
    assert places[2024] > places[2023] > 0                    # the scheme's places ramp up year by year
    assert expected[2024]["capacity"] > expected[2023]["capacity"]


def test_a_year_whose_network_differs_is_refused():
    cfg = prepare(_growing(0.1))
    model = Model(cfg, 0)
    other = copy.deepcopy(cfg["network"])
    other["services"]["annex"] = copy.deepcopy(other["services"]["ward"])
    with pytest.raises(ConfigError) as info:
        YearRevision(other, model.context, lambda stream: 1.0, model.network)
    assert info.value.key == "network.services"


@pytest.mark.parametrize("end_year, fragment", [(2016, "from run.year=2017"), (2041, "to 2040"), ("2020", "null")])
def test_a_bad_end_year_is_a_clear_error(end_year, fragment):
    cfg = _growing(0.1, year=2017, end_year=end_year)
    with pytest.raises(ConfigError) as info:
        runner.check(cfg)
    assert info.value.key == "run.end_year" and fragment in str(info.value)


def test_unstable_services_mark_their_metrics_year_by_year():
    services = {"clinic": {"capacity": 50, "los": {"dist": "fixed", "value": 0.1}, "next": "ward"},
                "ward": {"capacity": 2, "los": {"dist": "fixed", "value": 1.0}, "next": "home"}}
    cfg = make_cfg(services, {"s": {"rate_per_day": 2.5, "to": "clinic"}}, horizon=100, warmup=0, replications=2,
                   metrics={"ward_wait": {"service": "ward", "stat": "wait_mean"},
                            "clinic_visits": {"service": "clinic", "stat": "arrivals"}})
    cfg["run"].update(year=2017, end_year=2018, n_jobs=1)
    summary = runner.run(cfg, progress=False).summary.set_index(["year", "metric"])
    assert summary.loc[(2017, "unstable_ward"), "mean"] == 1.0
    assert summary.loc[(2017, "ward.wait_mean"), "unstable"] and summary.loc[(2018, "ward_wait"), "unstable"]
    assert not summary.loc[(2017, "clinic.arrivals"), "unstable"] and not summary.loc[(2018, "clinic_visits"), "unstable"]
