"""The model as a whole: conservation of patients, reproducibility, common random numbers."""
from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from sim.common.errors import ConfigError
from sim.engine.model import Model
from sim.engine.partition import part_name
from sim.engine.population import Population
from sim.inputs.config import load
from sim.inputs.prepare import prepare
from sim.jobs import runner

from .conftest import make_cfg


def test_walsall_ledger_balances_for_every_service(walsall_short):
    for replication in range(3):
        raw = Model(prepare(walsall_short), replication).run()
        ledger = raw["ledger"]
        unbalanced = [name for name, row in ledger["services"].items() if not row["balanced"]]
        assert not unbalanced, unbalanced
        assert ledger["system"]["balanced"] and ledger["balanced"]
        system = ledger["system"]
        assert system["created"] + system["returned"] == system["exited"] + system["present_end"]
        assert system["created"] > 10_000


def test_every_walsall_service_with_places_is_used(walsall_short):
    cfg = prepare(walsall_short)
    raw = Model(cfg, 0).run()
    capacity = cfg["network"]["services"]
    idle = {name for name, s in raw["services"].items() if s["arrived"] == 0}
    # Spot purchase (places bought when local care is full, after weeks of waiting) may not be needed in 40 days.
    spot = {name for name, s in capacity.items() if s.get("capacity") is None and name.endswith("_spot")}
    # The shift-left schemes have no places in 2017/18: only they may be idle.
    assert idle - spot == {"gp_extended", "social_prescribing", "care_home_in_reach"}
    assert all(capacity[name]["capacity"] == 0 for name in idle - spot)


def test_a_shift_left_scenario_uses_every_service():
    cfg = load(["scenario=uk_comparator", "run.year=2027", "run.horizon_days=40", "run.warmup_days=10"])
    raw = Model(prepare(cfg), 0).run()
    idle = [name for name, s in raw["services"].items() if s["arrived"] == 0 and not name.endswith("_spot")]
    assert not idle, idle        # (spot purchase is for when local care is full, which 40 days may not reach)


def test_same_seed_same_result_and_seed_matters(walsall_short):
    a = runner.run(walsall_short, progress=False).replications
    b = runner.run(walsall_short, progress=False).replications
    pd.testing.assert_frame_equal(a, b)
    other = copy.deepcopy(walsall_short)
    other["run"]["seed"] = 99
    c = runner.run(other, progress=False).replications
    assert not a["value"].equals(c["value"])


def test_parallel_equals_serial(walsall_short):
    serial = runner.run(walsall_short, progress=False)
    cfg = copy.deepcopy(walsall_short)
    cfg["run"]["n_jobs"] = 2
    parallel = runner.run(cfg, progress=False)
    assert parallel.n_jobs == 2
    pd.testing.assert_frame_equal(serial.summary, parallel.summary)
    pd.testing.assert_frame_equal(serial.replications, parallel.replications)
    pd.testing.assert_frame_equal(serial.daily, parallel.daily)


def test_common_random_numbers_across_capacities(walsall_short):
    """Changing acute beds must not change the random numbers of unrelated processes."""
    low = copy.deepcopy(walsall_short)
    low["network"]["services"]["acute"]["capacity"] = 450
    base = runner.run(walsall_short, progress=False).summary.set_index("metric")["mean"]
    fewer = runner.run(low, progress=False).summary.set_index("metric")["mean"]
    assert base["utc_attendances"] == fewer["utc_attendances"]
    assert base["spa_referrals"] == fewer["spa_referrals"]
    assert base["acute_occupancy_mean"] != fewer["acute_occupancy_mean"]


def test_replications_are_independent_of_their_number():
    """Replication r gets the same streams whether 2 or 5 replications are run."""
    services = {"ward": {"capacity": 3, "los": {"dist": "exponential", "mean": 1.0}, "next": "home"}}
    streams = {"in": {"to": "ward", "rate_per_day": 2.0}}
    two = runner.run(make_cfg(services, streams, replications=2), progress=False).replications
    five = runner.run(make_cfg(services, streams, replications=5), progress=False).replications
    pd.testing.assert_frame_equal(two, five[five["replication"] < 2].reset_index(drop=True))


def test_crisis_arrivals_averted_for_people_on_a_caseload():
    """Everyone in the population on a caseload with reduction 1: every crisis arrival is averted."""
    cfg = make_cfg(
        services={
            "team": {"capacity": 10000, "los": {"dist": "fixed", "value": 1000}, "crisis_reduction": 1.0,
                     "next": "home", "initial": {"occupancy": 0, "attributes_from": "crisis"}},
            "ae": {"capacity": 100, "los": {"dist": "fixed", "value": 0.1}, "next": "home"},
        },
        streams={"crisis": {"to": "ae", "rate_per_day": 5.0, "crisis": True},
                 "other": {"to": "ae", "rate_per_day": 5.0}},
        metrics={"averted": {"stream": "crisis", "stat": "averted"},
                 "generated": {"stream": "crisis", "stat": "generated"},
                 "ae": {"service": "ae", "stat": "arrivals"}},
    )
    model = Model(cfg, 0)
    # Put every resident on the caseload: the registry then holds the whole population of each cell.
    for key, people in model.context.population.cell_people.items():
        model.context.registry.mass[key] = people
    raw = model.run()
    streams = raw["streams"]["crisis"]
    assert streams["generated"] > 300 and streams["averted"] == streams["generated"]
    assert raw["streams"]["other"]["averted"] == 0


def test_partial_caseload_thins_in_proportion():
    cfg = make_cfg(
        services={"ae": {"capacity": 1000, "los": {"dist": "fixed", "value": 0.01}, "next": "home"}},
        streams={"crisis": {"to": "ae", "rate_per_day": 50.0, "crisis": True}},
        horizon=200, warmup=0,
    )
    model = Model(cfg, 0)
    for key, people in model.context.population.cell_people.items():
        model.context.registry.mass[key] = 0.3 * people
    raw = model.run()
    s = raw["streams"]["crisis"]
    share = s["averted"] / s["generated"]
    assert share == pytest.approx(0.3, abs=0.02)


def test_warmup_excludes_early_activity():
    services = {"ward": {"capacity": 50, "los": {"dist": "fixed", "value": 1.0}, "next": "home"}}
    streams = {"in": {"to": "ward", "rate_per_day": 10.0}}
    raw = Model(make_cfg(services, streams, horizon=100, warmup=50), 0).run()
    arrivals = raw["services"]["ward"]["arrived"]
    assert 400 < arrivals < 600     # ~10/day over the 50 results days
    assert raw["services"]["ward"]["area_capacity"] == pytest.approx(50 * 50)


def test_daily_series_cover_the_horizon_and_integrate_to_place_days():
    services = {"ward": {"capacity": 5, "los": {"dist": "exponential", "mean": 2.0}, "next": "home"}}
    streams = {"in": {"to": "ward", "rate_per_day": 2.0}}
    raw = Model(make_cfg(services, streams, horizon=30.5, warmup=0), 0).run()
    occupancy, _queue, _blocked, _escalation, _corridor = raw["daily"]["ward"]
    assert len(occupancy) == 31
    assert sum(occupancy) == pytest.approx(raw["services"]["ward"]["area_place"])


def test_initial_occupancy_starts_services_part_full():
    services = {"home_care": {"capacity": 100, "los": {"dist": "lognormal", "mean": 200, "cv": 1.0},
                              "next": "home", "initial": {"occupancy": 90, "waiting": 5, "attributes_from": "in"}}}
    streams = {"in": {"to": "home_care", "rate_per_day": 0.45}}
    model = Model(make_cfg(services, streams, horizon=1, warmup=0), 0)
    ward = model.services["home_care"]
    assert ward.in_place == 90 and ward.waiting == 5
    raw = model.run()
    assert raw["ledger"]["balanced"]


def test_partitioned_service_routes_patients_to_their_own_locality():
    services = {"team": {"partition": "locality", "capacity": {"north": 2, "south": 3},
                         "los": {"dist": "exponential", "mean": 1}, "next": "home"}}
    streams = {"in": {"to": "team", "rate_per_day": 4.0}}
    cfg = make_cfg(services, streams, metrics={"caseload": {"service": "team", "stat": "occupancy_mean"}})
    result = runner.run(cfg, progress=False)
    means = result.summary.set_index("metric")["mean"]
    assert means["team_north.capacity_mean"] == 2 and means["team_south.capacity_mean"] == 3
    assert means["caseload"] == pytest.approx(means["team_north.occupancy_mean"] + means["team_south.occupancy_mean"])
    model = Model(cfg, 0)
    model.run()
    for locality in ("north", "south"):
        assert model.services[f"team_{locality}"].by_origin   # both localities got patients


def test_part_name_names_each_instance_as_the_network_does():
    """A partitioned service's instances are ``<service>_<part>``; with one part, the service's own name."""
    assert part_name("team", "north", 2) == "team_north" and part_name("team", "north", 1) == "team"
    services = {"team": {"partition": "locality", "capacity": {"north": 2, "south": 3},
                         "los": {"dist": "exponential", "mean": 1}, "next": "home"}}
    cfg = make_cfg(services, {"in": {"to": "team", "rate_per_day": 4.0}})
    model = Model(cfg, 0)
    parts = Population(cfg["place"]).parts("locality")
    assert parts == ["north", "south"]
    assert {part_name("team", p, len(parts)) for p in parts} <= set(model.services) and "team" not in model.services


@pytest.mark.parametrize("network", ["mmc", "erlang_loss", "tandem_blocking", "mt_g_inf"])
def test_textbook_networks_run_on_the_same_engine(network):
    cfg = load([f"network={network}", "run.horizon_days=30", "run.warmup_days=5", "run.replications=2", "run.n_jobs=1",
                "network.lam=3"])
    results = runner.run(cfg, progress=False)
    summary = results.summary.set_index("metric")
    first = "acute" if network == "tandem_blocking" else "ward"
    for stat in ("wait_mean", "p_wait", "p_loss", "occupancy_mean", "blocked_days_mean"):
        assert f"{first}.{stat}" in summary.index
    assert results.balanced


def test_rest_takes_what_the_other_destinations_leave():
    cfg = load(["network=tandem_blocking", "network.p_down=0.3", "run.horizon_days=200", "run.warmup_days=5",
                "run.replications=2", "run.n_jobs=1", "network.c2=50"])
    summary = runner.run(cfg, progress=False).summary.set_index("metric")["mean"]
    assert summary["step_down.arrivals"] / summary["acute.departures"] == pytest.approx(0.3, abs=0.05)
    cfg["network"]["services"]["acute"]["next"] = {"step_down": "rest", "discharged": "rest"}
    with pytest.raises(ConfigError) as info:
        runner.run(cfg, progress=False)
    assert info.value.key == "network.services.acute.next.discharged"


def test_unlimited_capacity_never_queues():
    cfg = load(["network=mt_g_inf", "network.lam=50", "run.horizon_days=20", "run.warmup_days=2",
                "run.replications=1", "run.n_jobs=1"])
    summary = runner.run(cfg, progress=False).summary.set_index("metric")["mean"]
    assert summary["ward.p_wait"] == 0 and summary["ward.occupancy_mean"] > 50
    assert np.isnan(summary["ward.occupancy_pct"])       # no capacity, so no percentage of it
