"""Capacity policies: places fixed or sized to demand, changed in whole steps, closed after a lag."""
from __future__ import annotations

import csv
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.common.errors import ConfigError
from sim.inputs import capacity_policy
from sim.inputs.config import load
from sim.inputs.prepare import prepare
from sim.jobs import runner

from .test_levers import network_cfg

WARD = {"acute": {"label": "ward", "places": 28, "open_gbp": 600000.0, "close_gbp": 100000.0}}


def policy(name="fixed", table=None, lag=1, steps=WARD):
    return {"name": name, "table": table, "steps": steps, "closure_lag_years": lag}


def with_policy(cfg, spec):
    """A hand-made network with acute beds costed per staffed bed-day, under a policy."""
    cfg["capacity_policy"] = spec
    cfg["network"]["services"]["acute"]["capacity"] = 533
    cfg["network"]["metrics"] = {"beds": {"service": "acute", "stat": "capacity_days"}}
    cfg["network"]["cost_lines"] = [{"metric": "beds", "unit_cost": "bed_gbp", "setting": "acute", "commissioner": "nhs"}]
    cfg["costs"] = {"bed_gbp": 242}
    return cfg


def beds_lever(add, policies=None):
    lever = {"intensity": 1.0, "effects": [{"capacity": {"service": "acute", "add": add}}]}
    if policies:
        lever["policies"] = policies
    return {"start_year": 2018, "full_year": 2027, "levers": {"beds": lever}}


def acute(cfg, year):
    cfg = {**cfg, "run": {**cfg["run"], "year": year}}
    out = capacity_policy.apply(cfg)
    return out["network"]["services"]["acute"]["capacity"], out


@given(st.integers(0, 2000), st.integers(1, 2000), st.integers(1, 60))
def test_a_change_comes_in_whole_steps_that_cover_an_opening_and_never_close_a_needed_place(places, base, step):
    stepped = capacity_policy._stepped(places, base, step)
    assert (stepped - base) % step == 0
    assert stepped >= places                      # an opening covers the need; a closing keeps a part-used step
    assert stepped - places < step


def test_the_fixed_policy_keeps_the_base_places_without_levers():
    cfg = with_policy(network_cfg({}), policy())
    assert acute(cfg, 2027)[0] == 533
    assert acute(cfg, 2027)[1]["network"]["places"]["acute"] == {"places": 533, "base": 533}


def test_beds_close_a_ward_at_a_time_a_year_after_they_are_free():
    cfg = with_policy(network_cfg(beds_lever(-70)), policy(lag=1))
    # the lever ramps in from 2018 (-7 a year): -28 in 2021 frees one whole ward, which closes in 2022
    assert [acute(cfg, y)[0] for y in (2020, 2021, 2022, 2025, 2026, 2027)] == [533, 533, 505, 505, 477, 477]
    no_lag = with_policy(network_cfg(beds_lever(-70)), policy(lag=0))
    assert acute(no_lag, 2021)[0] == 505


def test_earlier_years_give_the_same_places_without_their_levers_other_effects():
    # the lag reads earlier years' places only, so it leaves their levers' routing and stays out
    scheme = beds_lever(-70)
    scheme["levers"]["beds"]["effects"].append({"los": {"service": "acute", "factor": 0.5}})
    cfg = with_policy(network_cfg(scheme), policy(lag=1))
    spec = capacity_policy.policy(cfg)
    for year in (2020, 2021, 2022, 2027):
        every = capacity_policy._changed(cfg, spec, year)["network"]["services"]["acute"]
        places = capacity_policy._changed(cfg, spec, year, kinds=capacity_policy.PLACES)["network"]["services"]["acute"]
        assert places["capacity"] == every["capacity"] and places["los"] != every["los"]


def test_a_ward_opens_whole_with_its_one_off_cost_in_that_year_only():
    cfg = with_policy(network_cfg(beds_lever(30)), policy())
    places, _ = acute(cfg, 2027)
    assert places == 533 + 56                     # +30 needs two wards
    opened = {y: [line for line in acute(cfg, y)[1]["network"]["cost_lines"] if "one_off_gbp" in line] for y in range(2018, 2028)}
    assert sum(line["one_off_gbp"] for lines in opened.values() for line in lines) == 2 * 600000.0
    assert all(line["setting"] == "acute" and line["commissioner"] == "nhs" for lines in opened.values() for line in lines)


def test_a_closing_costs_its_one_off_in_the_year_the_ward_closes():
    cfg = with_policy(network_cfg(beds_lever(-70)), policy(lag=1))
    closing = [line for line in acute(cfg, 2022)[1]["network"]["cost_lines"] if "one_off_gbp" in line]
    assert [line["one_off_gbp"] for line in closing] == [100000.0]
    assert not [line for line in acute(cfg, 2023)[1]["network"]["cost_lines"] if "one_off_gbp" in line]


def test_a_lever_for_the_fixed_policy_gives_way_to_the_demand_led_sizing(tmp_path):
    table = write_table(tmp_path, [("test", "test", 2027, "acute", "", 560)], digest_of=beds_lever(-70, ["fixed"]))
    fixed = with_policy(network_cfg(beds_lever(-70, ["fixed"])), policy())
    led = with_policy(network_cfg(beds_lever(-70, ["fixed"])), policy("demand_led", str(table)))
    assert acute(fixed, 2027)[0] == 477
    assert acute(led, 2027)[0] == 533 + 28        # the table's 560, in a whole ward


def write_table(tmp_path, rows, digest_of=None):
    path = tmp_path / "sized.csv"
    digest = capacity_policy.levers_digest({"name": "test", **(digest_of or {})})
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(capacity_policy.COLUMNS))
        writer.writeheader()
        for place, scenario, year, service, part, places in rows:
            writer.writerow({"place": place, "scenario": scenario, "year": year, "capacity": f"{service}_places",
                             "service": service, "part": part, "base_places": 0, "base_load": 0, "load": 0,
                             "scheme_places": 0, "places": places, "levers_digest": digest})
    return path


def test_the_demand_led_policy_reads_the_table_and_the_scheme_adds_its_own_places_on_top(tmp_path):
    table = write_table(tmp_path, [("test", "test", 2027, "team", "", 14), ("test", "test", 2027, "acute", "", 533)],
                        digest_of={"levers": {"team": {"intensity": 1.0, "effects": [{"capacity": {"service": "team", "add": 5}}]}}})
    cfg = with_policy(network_cfg({"levers": {"team": {"intensity": 1.0, "effects": [{"capacity": {"service": "team", "add": 5}}]}}}),
                      policy("demand_led", str(table)))
    out = capacity_policy.apply(cfg)
    assert out["network"]["services"]["team"]["capacity"] == 14 + 5
    assert out["network"]["places"]["team"] == {"places": 19, "base": 10}


def test_the_table_is_refused_for_another_scenario_a_changed_one_or_a_year_it_does_not_size(tmp_path):
    table = write_table(tmp_path, [("test", "test", 2027, "acute", "", 560)])
    cfg = with_policy(network_cfg({}), policy("demand_led", str(table)))
    with pytest.raises(ConfigError, match=re.escape("python -m sim.size --place test --scenario other")):
        capacity_policy.apply({**cfg, "scenario": {"name": "other"}})
    with pytest.raises(ConfigError, match="its levers changed"):
        capacity_policy.apply(with_policy(network_cfg(beds_lever(10)), policy("demand_led", str(table))))
    with pytest.raises(ConfigError, match=re.escape("run.year")):
        acute(cfg, 2030)
    assert acute(cfg, 2016)[0] == 533             # before the table's first year: the base places
    with pytest.raises(ConfigError, match="a CSV file that exists"):
        capacity_policy.apply(with_policy(network_cfg({}), policy("demand_led", str(tmp_path / "none.csv"))))


def test_a_bad_step_is_named_by_its_key():
    with pytest.raises(ConfigError, match=re.escape("capacity_policy.steps.acute.places")):
        capacity_policy.apply(with_policy(network_cfg({}), policy(steps={"acute": {"places": 0}})))
    with pytest.raises(ConfigError, match=re.escape("capacity_policy.steps.wards")):
        capacity_policy.apply(with_policy(network_cfg({}), policy(steps={"wards": {"places": 28}})))


def test_places_and_their_fixed_cost_are_reported_each_replication():
    cfg = with_policy(network_cfg(beds_lever(-70)), policy())
    results = runner.run(cfg, progress=False)
    mean = results.summary.set_index("metric")["mean"]
    assert mean["places.acute"] == 477 and mean["base_places.acute"] == 533 and mean["places_added.acute"] == -56
    assert mean["fixed_cost.nhs.acute.places_gbp"] == pytest.approx(242 * 477 * 60, rel=1e-9)
    assert mean["fixed_cost.nhs.acute.base_gbp"] == pytest.approx(242 * 533 * 60, rel=1e-9)


def test_walsall_runs_under_either_policy_from_the_command_line_configs():
    fixed = prepare(load(["scenario=uk_comparator", "run.year=2027"]))
    assert fixed["network"]["places"]["acute"] == {"places": 533, "base": 533}   # no ward closes against growing demand
    assert fixed["network"]["places"]["spa"]["places"] > fixed["network"]["places"]["spa"]["base"]   # the hub's coordinators
    assert load(["capacity_policy=demand_led"])["capacity_policy"]["table"] == "configs/capacity_policy/demand_led.csv"


def test_places_sized_for_other_levers_are_refused_unless_the_check_is_off():
    changed = ["scenario=uk_comparator", "capacity_policy=demand_led", "run.year=2027",
               "scenario.levers.extended_primary_care.effects.0.divert.share=0.5"]
    with pytest.raises(ConfigError) as info:
        prepare(load(changed))
    assert info.value.key == "capacity_policy.table" and "levers changed" in str(info.value)
    as_written = prepare(load(changed[:3]))["network"]["services"]["acute"]["capacity"]
    drawn = prepare(load([*changed, "capacity_policy.levers_checked=false"]))["network"]["services"]["acute"]["capacity"]
    assert drawn == as_written          # the places sized for the scenario as written
