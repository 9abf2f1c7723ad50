"""Responses to pressure (sim/engine/pressure.py, sim/inputs/pressure.py) and the rules that go with them."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from sim.engine.model import Model
from sim.inputs import pressure
from sim.inputs.config import load
from sim.inputs.prepare import prepare
from sim.jobs import runner

from .conftest import make_cfg

DATA = Path(__file__).resolve().parent / "data"


def test_pressure_none_keeps_the_engine_exactly_as_it_was():
    """The Walsall configuration as it was before pressure responses existed (its calibration factors
    included) gives every metric it gave then, to the last bit."""
    stored = json.loads((DATA / "walsall_before_pressure.json").read_text())
    results = runner.run(stored["config"], progress=False)
    now = {f"{r.replication}|{r.metric}": r.value for r in results.replications.itertuples()}
    before = stored["metrics"]
    assert set(before) <= set(now)
    different = {k: (v, now[k]) for k, v in before.items() if not (v == now[k] or (math.isnan(v) and math.isnan(now[k])))}
    assert not different, f"{len(different)} of {len(before)} metrics changed, e.g. {list(different.items())[:5]}"


def test_pressure_none_adds_nothing_and_realistic_adds_the_responses():
    none = load(["pressure=none", "run.replications=1"])
    assert pressure.apply(none) == none
    realistic = prepare(load(["run.replications=1"]))["network"]
    assert {"escalation", "los_under_pressure"} <= set(realistic["services"]["acute"])
    assert {"corridor", "patience", "redirect_under_pressure", "priority"} <= set(realistic["services"]["ae"])
    assert realistic["sinks"]["cancelled"]["returns"]["to"] == "acute"
    assert "care_home_spot" in realistic["services"]


def test_responses_leave_other_networks_alone():
    cfg = load(["network=mmc", "run.replications=1"])
    assert pressure.apply(cfg) == cfg


def test_a_response_for_a_service_the_network_lacks_is_a_clear_error():
    cfg = load(["run.replications=1", "+pressure.services.acutee.corridor.places=3"])
    with pytest.raises(Exception) as info:
        pressure.apply(cfg)
    assert "pressure.services.acutee" in str(info.value)


def _ward(escalation=None, **extra):
    services = {"ward": {"capacity": 4, "los": {"dist": "fixed", "value": 2.0}, "next": "home", **extra}}
    if escalation:
        services["ward"]["escalation"] = escalation
    return services


def test_escalation_opens_places_under_pressure_and_closes_them_after():
    streams = {"burst": {"rate_per_day": 1.6, "to": "ward", "profile": {"sinusoid": {"amplitude": 1.0, "period_days": 40}}}}
    cfg = make_cfg(_ward({"measure": "waiting", "low": 1, "high": 5, "max_fraction": 0.5, "step": 1, "check_hours": 6}),
                   streams, horizon=120, warmup=0, replications=1)
    model = Model(prepare(cfg), 0)
    raw = model.run()
    ward = raw["services"]["ward"]
    assert ward["area_surge"] > 0                         # escalation places were open...
    assert model.services["ward"].surge <= 2              # ... never more than half the base of 4
    surge = raw["daily"]["ward"][3]
    assert max(surge) == pytest.approx(2.0, abs=0.01) and min(surge[10:]) == 0.0   # ... and closed in the trough


def test_escalation_places_are_capacity_and_counted_apart():
    streams = {"steady": {"rate_per_day": 6.0, "to": "ward"}}
    cfg = make_cfg(_ward({"measure": "waiting_share", "low": 0.0, "high": 0.25, "max_fraction": 0.5, "step": 2}),
                   streams, horizon=30, warmup=0, replications=1)
    raw = Model(prepare(cfg), 0).run()["services"]["ward"]
    assert raw["area_capacity"] == pytest.approx(4 * 30 + raw["area_surge"], rel=1e-9)


def test_corridor_care_frees_a_cubicle_held_by_a_patient_waiting_for_a_bed():
    services = {
        "ae": {"capacity": 1, "blocking": True, "corridor": {"places": None}, "los": {"dist": "fixed", "value": 0.1},
               "next": "ward"},
        "ward": {"capacity": 1, "los": {"dist": "fixed", "value": 10.0}, "next": "home"},
    }
    cfg = make_cfg(services, {"s": {"rate_per_day": 4.0, "to": "ae"}}, horizon=5, warmup=0, replications=1)
    model = Model(prepare(cfg), 0)
    raw = model.run()
    assert raw["services"]["ae"]["corridor_moves"] > 0
    assert raw["services"]["ae"]["area_corridor"] > 0
    ae = model.services["ae"]
    assert ae.blocked == 0 or ae.waiting == 0             # nobody waits for a cubicle a boarder could free
    assert raw["ledger"]["balanced"] and raw["ledger"]["little_balanced"]


def test_without_corridor_care_boarders_keep_the_cubicle():
    services = {
        "ae": {"capacity": 1, "blocking": True, "los": {"dist": "fixed", "value": 0.1}, "next": "ward"},
        "ward": {"capacity": 1, "los": {"dist": "fixed", "value": 10.0}, "next": "home"},
    }
    cfg = make_cfg(services, {"s": {"rate_per_day": 4.0, "to": "ae"}}, horizon=5, warmup=0, replications=1)
    raw = Model(prepare(cfg), 0).run()
    assert raw["services"]["ae"]["corridor_moves"] == 0 and raw["services"]["ae"]["area_corridor"] == 0


def test_a_raised_threshold_sends_patients_elsewhere_when_beds_are_full():
    services = {
        "ae": {"capacity": None, "los": {"dist": "fixed", "value": 0.05}, "next": "ward",
               "redirect_under_pressure": {"from": "ward", "to": "home", "share": 1.0, "measure": "waiting",
                                           "low": 0, "high": 1}},
        "ward": {"capacity": 2, "los": {"dist": "fixed", "value": 5.0}, "next": "home"},
    }
    cfg = make_cfg(services, {"s": {"rate_per_day": 3.0, "to": "ae"}}, horizon=30, warmup=0, replications=1)
    raw = Model(prepare(cfg), 0).run()["services"]
    assert raw["ward"]["redirected"] > 0
    assert raw["ward"]["queued_end"] <= 1                 # the queue cannot pass the level where everyone is turned away


def test_a_patient_holding_a_bed_is_placed_elsewhere_after_their_patience():
    services = {
        "acute": {"capacity": 5, "blocking": True, "los": {"dist": "fixed", "value": 1.0}, "next": "care_home"},
        "care_home": {"capacity": 1, "los": {"dist": "fixed", "value": 100.0}, "next": "home",
                      "holding_patience": {"dist": "fixed", "value": 3.0}, "holding_renege_to": "spot"},
        "spot": {"capacity": None, "los": {"dist": "fixed", "value": 100.0}, "next": "home"},
    }
    cfg = make_cfg(services, {"s": {"rate_per_day": 1.0, "to": "acute"}}, horizon=40, warmup=0, replications=1)
    raw = Model(prepare(cfg), 0).run()
    acute, care_home = raw["services"]["acute"], raw["services"]["care_home"]
    assert care_home["transferred"] > 0 and raw["services"]["spot"]["arrived"] == care_home["transferred"]
    assert acute["blocked_sum"] / acute["blocked_n"] <= 3.0 + 1e-9    # nobody waits in the bed beyond their patience
    assert raw["ledger"]["balanced"]
    assert raw["waits_without_limit"]["care_home"] is False       # every patient on its list gives up in time


def test_a_list_is_marked_as_one_that_can_run_away_only_where_someone_waits_until_served():
    services = {
        "acute": {"capacity": 50, "blocking": True, "los": {"dist": "fixed", "value": 1.0}, "next": "care_home"},
        "care_home": {"capacity": 1, "los": {"dist": "fixed", "value": 100.0}, "next": "home",
                      "patience": {"dist": "fixed", "value": 3.0}, "renege_to": "home"},
    }
    # Nobody waits for acute (50 beds, about 20 arrivals). Patience applies to patients waiting at home; those
    # holding an acute bed wait until served.
    cfg = make_cfg(services, {"s": {"rate_per_day": 1.0, "to": "acute"}}, horizon=20, warmup=0, replications=1)
    raw = Model(prepare(cfg), 0).run()
    assert raw["waits_without_limit"] == {"acute": False, "care_home": True}


def test_stays_starting_under_pressure_are_shorter():
    services = {"ward": {"capacity": 3, "los": {"dist": "fixed", "value": 2.0}, "next": "home",
                         "los_under_pressure": {"measure": "occupancy", "low": 0.5, "high": 1.0, "factor": 0.5}}}
    cfg = make_cfg(services, {"s": {"rate_per_day": 5.0, "to": "ward"}}, horizon=30, warmup=0, replications=1)
    raw = Model(prepare(cfg), 0).run()["services"]["ward"]
    assert raw["los_shortened"] > 0
    assert raw["place_sum"] < 2.0 * raw["left"]           # mean stay below the unpressured 2 days


def test_patients_who_never_give_up_and_those_who_do():
    services = {"ae": {"capacity": 1, "los": {"dist": "fixed", "value": 1.0}, "next": "home", "renege_to": "left",
                       "patience": {"by": "arrival_mode", "values": {"ambulance": {"dist": "none"},
                                                                     "default": {"dist": "fixed", "value": 0.2}}}}}
    streams = {"walk": {"rate_per_day": 3.0, "to": "ae", "arrival_mode": "walk_in"},
               "amb": {"rate_per_day": 3.0, "to": "ae", "arrival_mode": "ambulance"}}
    cfg = make_cfg(services, streams, sinks={"home": {}, "left": {}}, horizon=20, warmup=0, replications=1)
    raw = Model(prepare(cfg), 0).run()
    left = raw["sinks"]["left"]["by_origin"]
    assert left.get("walk", 0) > 0 and left.get("amb", 0) == 0


def test_cancelled_electives_come_back_from_the_waiting_list():
    """An elective cancelled on the day is rebooked: they return to acute (origin ``cancelled``), counted
    as an elective admission, not an emergency one.  2030's demand on 2017/18's beds, fewer of them, so that
    escalation beds run out and the beds are full."""
    cfg = load(["run.horizon_days=60", "run.warmup_days=5", "run.replications=1", "run.n_jobs=1", "run.year=2030",
                "scenario=do_nothing", "capacity.acute_beds=450"])
    results = runner.run(cfg, progress=False)
    summary = results.summary.set_index("metric")["mean"]
    returned = results.flows[(results.flows["origin"] == "cancelled") & (results.flows["destination"] == "acute")]
    assert summary["elective_cancellations"] > 0 and returned["patients"].sum() > 0
    by_origin = results.flows[results.flows["destination"] == "acute"].set_index("origin")["patients"]
    assert summary["elective_admissions"] == by_origin.get("elective", 0) + by_origin.get("cancelled", 0)


def _lwbs_network(returns):
    """A one-cubicle A&E whose walk-ins give up after about an hour, and a sink they may come back from."""
    services = {"ae": {"capacity": 1, "los": {"dist": "fixed", "value": 0.2}, "next": "home", "renege_to": "left",
                       "patience": {"by": "arrival_mode", "values": {"back": {"dist": "none"},
                                                                     "default": {"dist": "fixed", "value": 0.04}}}}}
    metrics = {"attendances": {"service": "ae", "stat": "arrivals"},
               "reattendances": {"sink": "left", "stat": "returned"},
               "first_attendances": {"stream": "walk", "stat": "generated"}}
    return make_cfg(services, {"walk": {"rate_per_day": 6.0, "to": "ae", "arrival_mode": "walk_in"}},
                    sinks={"home": {}, "left": {"returns": returns}}, metrics=metrics,
                    cost_lines=[{"metric": "attendances", "unit_cost": "ae_gbp", "setting": "ae", "commissioner": "nhs"}],
                    horizon=40, warmup=0, replications=1)


def test_a_patient_who_left_unseen_comes_back_once_and_costs_an_attendance():
    cfg = _lwbs_network({"probability": 1.0, "delay": {"dist": "fixed", "value": 1.0}, "to": "ae", "arrival_mode": "back"})
    cfg["costs"] = {"ae_gbp": 100.0}
    raw = Model(prepare(cfg), 0).run()
    left = raw["sinks"]["left"]
    assert left["returned"] > 0 and left["returned"] + left["pending"] == left["count"]   # each leaver once
    assert raw["ledger"]["balanced"]
    summary = runner.run(cfg, progress=False).summary.set_index("metric")["mean"]
    assert summary["attendances"] == summary["first_attendances"] + summary["reattendances"]
    assert summary["total_cost_gbp"] == pytest.approx(100.0 * summary["attendances"])


def test_a_patient_who_left_unseen_does_not_come_back_without_returns():
    cfg = _lwbs_network({"probability": 0.0, "delay": {"dist": "fixed", "value": 1.0}, "to": "ae", "arrival_mode": "back"})
    raw = Model(prepare(cfg), 0).run()
    assert raw["sinks"]["left"]["count"] > 0 and raw["sinks"]["left"]["returned"] == 0


def _corridor_network(places):
    """Ambulances, one a day, to a one-cubicle A&E whose patients all need the one ward bed, held three days."""
    services = {
        "ae": {"capacity": 1, "blocking": True, "corridor": {"places": places}, "wait_limits_hours": [1],
               "los": {"dist": "fixed", "value": 1, "unit": "minutes"}, "next": "ward"},
        "ward": {"capacity": 1, "los": {"dist": "fixed", "value": 3.0}, "next": "home"},
    }
    metrics = {"handover_hours": {"service": "ae", "stat": "wait_hours", "arrival_modes": ["ambulance"]},
               "handovers_over_1h": {"service": "ae", "stat": "wait_over_1h", "arrival_modes": ["ambulance"]},
               "walk_in_waits": {"service": "ae", "stat": "wait_hours", "exclude_arrival_modes": ["ambulance"]}}
    cfg = make_cfg(services, {"amb": {"rate_per_day": 1.0, "to": "ae", "arrival_mode": "ambulance"}}, metrics=metrics,
                   horizon=30, warmup=0, replications=1)
    return runner.run(cfg, progress=False)


def test_a_corridor_at_its_limit_makes_ambulances_wait_to_hand_over():
    results = _corridor_network(1)
    summary = results.summary.set_index("metric")["mean"]
    # One patient in the bed, one boarding in the corridor, one in the cubicle: the next waits outside until
    # the bed frees (a handover counted as it happens).
    assert summary["ae.corridor_moves"] >= 1
    assert summary["handover_hours"] > 24 and summary["handovers_over_1h"] >= 3
    assert summary["walk_in_waits"] == 0
    assert results.balanced


def test_without_a_corridor_limit_no_ambulance_waits_to_hand_over():
    summary = _corridor_network(None).summary.set_index("metric")["mean"]
    assert summary["ae.corridor_moves"] > 5
    assert summary["handover_hours"] == 0 and summary["handovers_over_1h"] == 0


def test_a_corridor_place_freed_takes_the_next_boarder():
    """When a corridor patient moves on, the corridor has room again: the next boarder moves out of the cubicle."""
    services = {
        "ae": {"capacity": 1, "blocking": True, "corridor": {"places": 1},
               "los": {"dist": "fixed", "value": 1, "unit": "minutes"}, "next": "ward"},
        "ward": {"capacity": 1, "los": {"dist": "fixed", "value": 2.0}, "next": "home"},
    }
    cfg = make_cfg(services, {"amb": {"rate_per_day": 3.0, "to": "ae", "arrival_mode": "ambulance"}},
                   horizon=30, warmup=0, replications=1)
    raw = Model(prepare(cfg), 0).run()
    assert raw["services"]["ae"]["corridor_moves"] > 2 and raw["ledger"]["balanced"]


def test_realistic_pressure_sends_the_turned_away_and_the_unseen_back():
    network = prepare(load(["run.replications=1"]))["network"]
    assert network["services"]["ae"]["redirect_under_pressure"]["to"] == "turned_away"
    back = network["sinks"]["turned_away"]["returns"]
    assert back["to"] == "ae" and back["longer_stay"]["at"] == "acute" and back["longer_stay"]["factor"] > 1
    assert network["sinks"]["left_without_being_seen"]["returns"]["to"] == "ae"
    assert network["services"]["ae"]["corridor"]["places"] is not None
