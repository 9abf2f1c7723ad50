"""Named metrics: ratios, sojourns by destination, same-day stays by arrival mode, months (sim/analysis/metrics.py)."""
from __future__ import annotations

import pytest

from sim.common.errors import ConfigError
from sim.jobs import runner

from .conftest import make_cfg


def _run(services, streams, metrics, **kw):
    cfg = make_cfg(services, streams, metrics=metrics, replications=1, **kw)
    return runner.run(cfg, progress=False).summary.set_index("metric")["mean"]


def test_sojourns_are_judged_by_where_patients_went_and_disposal_decides_the_stay():
    """With ``route_on_start`` the destination is chosen as service starts, so stays can depend on it:
    here everyone going to the ward stays 5 hours (all over 4 hours), everyone else 1 hour."""
    services = {
        "ae": {"capacity": None, "route_on_start": True, "sojourn_limits_hours": [4], "next": {"ward": 0.3, "home": 0.7},
               "los": {"dist": "fixed", "unit": "hours", "by": "heading", "values": {"ward": {"value": 5}, "default": {"value": 1}}}},
        "ward": {"capacity": None, "los": {"dist": "fixed", "value": 1.0}, "next": "home"},
    }
    metrics = {"admitted_4h": {"service": "ae", "stat": "within_4h_pct", "to": ["ward"]},
               "others_4h": {"service": "ae", "stat": "within_4h_pct", "exclude_to": ["ward"]},
               "all_4h": {"service": "ae", "stat": "within_4h_pct"},
               "ward_share": {"ratio": {"numerator": ["ward_arrivals"], "denominator": ["ae_arrivals"]}, "scale": 100},
               "ward_arrivals": {"service": "ward", "stat": "arrivals"},
               "ae_arrivals": {"service": "ae", "stat": "arrivals"}}
    s = _run(services, {"s": {"rate_per_day": 40.0, "to": "ae"}}, metrics, horizon=60, warmup=5)
    assert s["admitted_4h"] == 0.0 and s["others_4h"] == 100.0
    assert s["all_4h"] == pytest.approx(100 - s["ward_share"], abs=0.5)
    assert s["ward_share"] == pytest.approx(30, abs=3)


def test_same_day_stays_by_arrival_mode():
    services = {"ward": {"capacity": None, "next": "home",
                         "los": {"dist": "fixed", "by": "arrival_mode", "values": {"quick": {"value": 0.01}, "default": {"value": 3.0}}}}}
    streams = {"q": {"rate_per_day": 10.0, "to": "ward", "arrival_mode": "quick"},
               "slow": {"rate_per_day": 10.0, "to": "ward", "arrival_mode": "slow"}}
    metrics = {"quick_same_day": {"service": "ward", "stat": "same_day_pct", "arrival_modes": ["quick"]},
               "slow_same_day": {"service": "ward", "stat": "same_day_pct", "exclude_arrival_modes": ["quick"]}}
    s = _run(services, streams, metrics, horizon=40, warmup=5)
    assert s["quick_same_day"] > 95 and s["slow_same_day"] == 0.0
    assert 40 < s["ward.same_day_pct"] < 60


@pytest.mark.parametrize("metric, key", [
    ({"ratio": {"numerator": ["nope"], "denominator": ["a"]}}, "network.metrics.bad.ratio.numerator"),
    ({"ratio": {"numerator": ["a"]}}, "network.metrics.bad.ratio"),
    ({"service": "ward", "stat": "wait_mean", "to": ["home"]}, "network.metrics.bad.stat"),
    ({"service": "ward", "stat": "surge_mean", "months": ["jann"]}, "network.metrics.bad.months"),
])
def test_a_bad_metric_names_its_key(metric, key):
    services = {"ward": {"capacity": 2, "los": {"dist": "fixed", "value": 1.0}, "next": "home"}}
    cfg = make_cfg(services, {"s": {"rate_per_day": 1.0, "to": "ward"}},
                   metrics={"a": {"service": "ward", "stat": "arrivals"}, "bad": metric})
    with pytest.raises(ConfigError) as info:
        runner.check(cfg)
    assert info.value.key == key
