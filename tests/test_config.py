"""Loading configs through Hydra, overrides, and clear errors for bad input."""
from __future__ import annotations

import copy

import pytest

from sim.common.errors import ConfigError
from sim.inputs.config import load
from sim.inputs.prepare import prepare
from sim.jobs import runner

from .conftest import make_cfg


def test_default_config_has_every_group():
    cfg = load()
    assert set(cfg) == {"place", "network", "capacity", "scenario", "costs", "run", "pressure", "capacity_policy", "envelope"}
    assert cfg["place"]["name"] == "walsall"
    assert cfg["place"]["population"]["total"] == 281293
    assert {"horizon_days", "warmup_days", "replications", "seed", "n_jobs", "year"} <= set(cfg["run"])
    for key in ("acute_beds", "ae_cubicles", "ic_beds", "ic_home_slots"):
        assert isinstance(cfg["capacity"][key], int)


def test_capacity_override_reaches_the_service():
    cfg = load(["capacity.acute_beds=480"])
    assert cfg["network"]["services"]["acute"]["capacity"] == 480


def test_place_rates_reach_the_streams():
    cfg = load()
    assert cfg["network"]["streams"]["ae_walk_in"]["rate_per_1000"] == cfg["place"]["demand"]["ae_walk_in"]


def test_default_config_builds():
    """The default configuration checks, and the network it runs has the pathway's services, each standard
    service with places."""
    cfg = load()
    assert runner.check(cfg) is not None
    services = prepare(cfg)["network"]["services"]
    standard = {"ae", "acute", "ic_bed", "ic_home", "home_care", "care_home", "ihct", "social_assessment", "spa"}
    assert standard <= set(services)
    for name in standard:
        capacity = services[name]["capacity"]
        assert (sum(capacity.values()) if isinstance(capacity, dict) else capacity) > 0, name


def test_every_unit_cost_is_used_by_a_cost_line():
    cfg = prepare(load())          # with the responses to pressure, which bring their own cost lines
    used = {line["unit_cost"] for line in cfg["network"]["cost_lines"]}
    assert {k for k in cfg["costs"] if k.endswith("_gbp")} == used


def _expect(cfg, key_fragment):
    with pytest.raises(ConfigError) as info:
        runner.check(cfg)
    assert key_fragment in str(info.value)
    return str(info.value)


def test_routing_row_must_sum_to_one():
    cfg = load()
    cfg["network"]["services"]["spa"]["next"]["values"]["low"]["signposted"] = 0.5
    message = _expect(cfg, "network.services.spa.next.values.low")
    assert "sum" in message


def test_unknown_destination_suggests_the_closest():
    cfg = load()
    cfg["network"]["services"]["rapid_response"]["next"] = {"hmoe": 1.0}
    message = _expect(cfg, "network.services.rapid_response.next.hmoe")
    assert "did you mean 'home'" in message


def test_unknown_service_key_is_rejected():
    cfg = load()
    cfg["network"]["services"]["acute"]["capacty"] = 3
    message = _expect(cfg, "network.services.acute.capacty")
    assert "did you mean 'capacity'" in message


@pytest.mark.parametrize("value", [-5, 2.5, "many", True])
def test_capacity_must_be_a_non_negative_integer(value):
    cfg = load()
    cfg["network"]["services"]["acute"]["capacity"] = value
    _expect(cfg, "network.services.acute.capacity")


def test_missing_age_band_in_a_table():
    cfg = load()
    del cfg["network"]["services"]["acute"]["los"]["values"]["default"]["components"]["overnight"]["values"]["age_85_plus"]
    message = _expect(cfg, "network.services.acute.los.values.default.components.overnight.values")
    assert "age_85_plus" in message


def test_warmup_must_be_shorter_than_the_horizon():
    cfg = load(["run.warmup_days=500"])
    _expect(cfg, "run.warmup_days")


def test_replications_must_be_positive():
    cfg = load(["run.replications=0"])
    _expect(cfg, "run.replications")


def test_bad_distribution_name():
    cfg = load()
    cfg["network"]["services"]["spa"]["los"]["dist"] = "lognormall"
    _expect(cfg, "network.services.spa.los.dist")


def test_metric_naming_an_unknown_service():
    cfg = load()
    cfg["network"]["metrics"]["ae_attendances"]["service"] = "a_and_e"
    _expect(cfg, "network.metrics.ae_attendances.service")


def test_cost_line_naming_an_unknown_unit_cost():
    cfg = load()
    cfg["network"]["cost_lines"][0]["unit_cost"] = "ae_attendence_gbp"
    message = _expect(cfg, "network.cost_lines[0].unit_cost")
    assert "ae_attendance_gbp" in message


def test_initial_occupancy_above_capacity():
    services = {"w": {"capacity": 2, "los": {"dist": "fixed", "value": 1}, "next": "home",
                      "initial": {"occupancy": 5, "attributes_from": "in"}}}
    cfg = make_cfg(services, {"in": {"to": "w", "rate_per_day": 1}})
    _expect(cfg, "network.services.w.initial.occupancy")


def test_population_shares_must_sum_to_one():
    cfg = load()
    cfg["place"]["population"]["age_shares"]["age_0_17"] = 0.5
    _expect(cfg, "place.population.age_shares")


def test_profile_of_the_wrong_length():
    cfg = load()
    cfg["network"]["streams"]["utc"]["profile"] = copy.deepcopy(cfg["network"]["streams"]["utc"]["profile"])
    cfg["network"]["streams"]["utc"]["profile"]["hours"] = [1.0] * 23
    _expect(cfg, "network.streams.utc.profile.hours")
