"""Seasonal routing compiled into tables by month (sim/inputs/seasonality.py)."""
from __future__ import annotations

import pytest

from sim.common.errors import ConfigError
from sim.inputs import seasonality
from sim.inputs.config import load
from sim.inputs.prepare import prepare

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def test_the_admitted_share_follows_the_months():
    routes = prepare(load(["run.replications=1"]))["network"]["services"]["ae"]["next"]
    assert routes["by"] == "month" and set(routes["values"]) == set(MONTHS)
    jan = routes["values"]["jan"]["values"]["walk_in"]["values"]["age_85_plus"]
    may = routes["values"]["may"]["values"]["walk_in"]["values"]["age_85_plus"]
    assert jan["acute"] / may["acute"] == pytest.approx(1.071 / 0.930)
    assert sum(jan.values()) == pytest.approx(1.0) and sum(may.values()) == pytest.approx(1.0)
    assert routes["values"]["jan"]["values"]["readmission"] == {"acute": 1.0}     # no balance: left as it is


def test_patients_are_routed_by_the_month_their_episode_began():
    from sim.jobs import runner

    from .conftest import make_cfg
    months = dict.fromkeys(MONTHS, 1.0) | {"jan": 1.8, "jul": 0.2}
    services = {"triage": {"capacity": None, "los": {"dist": "fixed", "value": 0.01}, "next": {"a": 0.5, "b": 0.5},
                           "seasonality": {"key": "a", "balance": "b", "months": months}},
                "a": {"capacity": None, "los": {"dist": "fixed", "value": 1.0}, "next": "home"},
                "b": {"capacity": None, "los": {"dist": "fixed", "value": 1.0}, "next": "home"}}
    metrics = {f"a_{m}": {"service": "a", "stat": "occupancy_mean", "months": [m]} for m in ("jan", "jul")}
    cfg = make_cfg(services, {"s": {"rate_per_day": 50.0, "to": "triage"}}, metrics=metrics, horizon=375, warmup=10,
                   replications=1)
    summary = runner.run(cfg, progress=False).summary.set_index("metric")["mean"]
    assert summary["a_jan"] == pytest.approx(50 * 0.9, rel=0.1) and summary["a_jul"] == pytest.approx(50 * 0.1, rel=0.25)


def test_a_bad_month_is_refused_with_its_key():
    cfg = load(["run.replications=1"])
    cfg["network"]["services"]["ae"]["seasonality"]["months"]["jann"] = 1.0
    with pytest.raises(ConfigError) as info:
        seasonality.apply(cfg)
    assert info.value.key == "network.services.ae.seasonality.months.jann"
