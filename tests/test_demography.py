"""Projection years: population growth by age band and trend growth by stream."""
from __future__ import annotations

import pytest

from sim.common.errors import ConfigError
from sim.engine import demography
from sim.engine.model import Model
from sim.inputs.config import load
from sim.inputs.prepare import prepare
from sim.jobs import runner


@pytest.mark.parametrize("year", [2014, 2041, "2027"])
def test_years_outside_the_supported_range(year):
    cfg = load()
    cfg["run"]["year"] = year
    with pytest.raises(ConfigError) as info:
        runner.check(cfg)
    assert info.value.key == "run.year" and "2015 to 2040" in info.value.allowed


def test_a_place_without_projection_runs_only_in_its_base_year():
    cfg = load(["run.year=2020"])
    del cfg["place"]["projection"]
    with pytest.raises(ConfigError) as info:
        runner.check(cfg)
    assert info.value.key == "run.year" and "no population projection" in info.value.allowed


def test_population_grows_by_age_band():
    place = load()["place"]
    scale = demography.population_scale(place, list(place["localities"]), 2027)
    growth = place["projection"]["growth_per_year"]
    assert scale[0, 4] == pytest.approx((1 + growth["age_85_plus"]) ** 10)
    assert scale[0, 0] == pytest.approx((1 + growth["age_0_17"]) ** 10)
    earlier = demography.population_scale(place, list(place["localities"]), 2015)
    assert earlier[0, 4] == pytest.approx((1 + growth["age_85_plus"]) ** -2)


def test_by_locality_projection():
    place = load(["place=black_country"])["place"]
    areas = list(place["localities"])
    scale = demography.population_scale(place, areas, 2027)
    assert scale.shape == (len(areas), 5)
    dudley, sandwell = areas.index("dudley"), areas.index("sandwell")
    # mid-2017 to mid-2019, carried forward: Dudley's oldest grow, Sandwell's fall [@ons-sape-2017; @ons-mye-2019]
    assert scale[sandwell, 4] < 1 < scale[dudley, 4]


def test_demand_grows_with_population_and_trend():
    base = Model(prepare(load()), 0).network.arrivals["ae_walk_in"].rate_per_day
    later = Model(prepare(load(["run.year=2027"])), 0).network.arrivals["ae_walk_in"].rate_per_day
    place = load()["place"]
    trend = (1 + place["trend_growth"]["ae_walk_in"]) ** 10
    assert later / base > trend          # trend growth and an ageing population on top
    assert later / base < trend * 1.15


def test_trend_growth_must_be_a_sensible_rate():
    cfg = load(["run.year=2027"])
    cfg["place"]["trend_growth"]["ae_walk_in"] = 2.0
    with pytest.raises(ConfigError) as info:
        runner.check(cfg)
    assert info.value.key == "place.trend_growth.ae_walk_in"
