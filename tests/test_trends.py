"""Pathway trends: stays and the admitted share move year by year from the base year, and only then."""
from __future__ import annotations

import pytest

from sim.common.errors import ConfigError
from sim.inputs import calibration, pressure, trends
from sim.inputs.config import load
from sim.jobs import runner


def _before_trends(year: int, *extra: str) -> dict:
    return calibration.apply(pressure.apply(load([f"run.year={year}", *extra])))


def _overnight_mean(cfg, band="age_85_plus"):
    return cfg["network"]["services"]["acute"]["los"]["values"]["default"]["components"]["overnight"]["values"][band]["mean"]


def _admitted(cfg, mode="walk_in", band="age_75_84"):
    return cfg["network"]["services"]["ae"]["next"]["values"][mode]["values"][band]["acute"]


def test_the_base_year_is_left_exactly_as_it_was():
    cfg = _before_trends(2017)
    assert trends.apply(cfg) == cfg


@pytest.mark.parametrize("year", [2016, 2027])
def test_each_year_moves_stays_and_the_admitted_share_by_the_compounded_rate(year):
    cfg = _before_trends(year)
    spec = cfg["place"]["pathway_trends"]
    years = year - cfg["place"]["base_year"]
    moved = trends.apply(cfg)
    stay = (1 + spec["acute_overnight_stay"]["rate"]) ** years
    assert _overnight_mean(moved) == pytest.approx(_overnight_mean(cfg) * stay)
    share = (1 + spec["ae_admission_share"]["rate"]) ** years
    assert _admitted(moved) == pytest.approx(_admitted(cfg) * share)
    row = moved["network"]["services"]["ae"]["next"]["values"]["walk_in"]["values"]["age_75_84"]
    assert sum(row.values()) == pytest.approx(1.0)              # the rest goes home
    assert (_overnight_mean(moved) < _overnight_mean(cfg)) == (year > 2017)


def test_a_rate_out_of_range_is_refused_naming_the_key():
    cfg = load(["run.year=2027", "place.pathway_trends.acute_overnight_stay.rate=0.5"])
    with pytest.raises(ConfigError) as info:
        runner.check(cfg)
    assert info.value.key == "place.pathway_trends.acute_overnight_stay.rate"


def test_another_network_keeps_its_own_values():
    cfg = load(["network=mmc", "run.year=2027"])
    assert trends.apply(cfg) == cfg
