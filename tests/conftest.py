"""Shared builders: a tiny population and hand-made networks for focused tests."""
from __future__ import annotations

import copy

import pytest

from sim.engine.clock import Clock
from sim.engine.distributions import Fixed
from sim.engine.randomness import RandomSources
from sim.engine.routing import Router
from sim.engine.service import Service
from sim.engine.sink import Sink
from sim.engine.spec import ServiceSpec
from sim.inputs.config import load

AGES = {"age_0_17": 0.2, "age_18_64": 0.5, "age_65_74": 0.15, "age_75_84": 0.1, "age_85_plus": 0.05}

PLACE = {
    "name": "test",
    "base_year": 2017,
    "projection": {"growth_per_year": dict.fromkeys(AGES, 0.0)},   # a flat population, so any year runs
    "localities": {"north": {"site": "one"}, "south": {"site": "one"}},
    "population": {"total": 10000, "age_shares": AGES, "locality_shares": {"north": 0.5, "south": 0.5}},
    "risk": {"prevalence": {a: {"low": 0.7, "medium": 0.2, "high": 0.1} for a in AGES},
             "rate_ratio": {"low": 0.5, "medium": 1.5, "high": 4.0}},
    "care_home": {"share": dict.fromkeys(AGES, 0.0)},
}


def make_cfg(services, streams, sinks=None, metrics=None, horizon=100.0, warmup=10.0, seed=1, replications=2, **extra):
    """A complete resolved config around a hand-made network."""
    return {
        "place": copy.deepcopy(PLACE),
        "network": {"name": "test", "services": services, "streams": streams, "sinks": sinks or {"home": {}},
                    "metrics": metrics or {}, **extra},
        "capacity": {}, "scenario": {"name": "test"}, "costs": {},
        "run": {"horizon_days": horizon, "warmup_days": warmup, "replications": replications, "seed": seed,
                "n_jobs": 1, "year": 2017},
    }


@pytest.fixture(scope="session")
def walsall_short():
    """The built-in Walsall configuration on a short horizon."""
    return load(["run.horizon_days=40", "run.warmup_days=10", "run.replications=2", "run.n_jobs=1"])


class Line:
    """A hand-wired line of services on the model's clock, for exact timing tests."""

    def __init__(self):
        self.env = Clock()
        self.random = RandomSources(0, 0)
        self.nodes = {"home": Sink(self.env, "home")}
        self.next_of = {}   # service name -> where its patients go next

    def service(self, name, capacity, los_days, next_="home", **kwargs):
        s = Service(self.env, ServiceSpec(name, capacity, Fixed(self.random[name], los_days), **kwargs))
        self.nodes[name] = s
        self.next_of[name] = next_
        return s

    def sink(self, name):
        self.nodes[name] = Sink(self.env, name)
        return self.nodes[name]

    def wire(self):
        for node in self.nodes.values():
            if isinstance(node, Service):
                node.router = Router(self.next_of[node.name], self.random[f"r:{node.name}"], node.name, lambda n, w: self.nodes[n], {})
                node.overflow = node.overflow or self.nodes.get("lost") or self.nodes["home"]
                node.renege_to = node.renege_to or self.nodes.get("reneged") or self.nodes["home"]
        return self

    def arrive(self, at, service, patient_factory, **attrs):
        """Offer a new patient to ``service`` at time ``at``."""
        def go(_):
            self.nodes[service].offer(patient_factory(self.env.now, **attrs), None)
        self.env.call_later(at, go)


@pytest.fixture
def line():
    return Line()


@pytest.fixture
def patient():
    from sim.engine.patient import Patient
    counter = {"n": 0}

    def make(now, balks=False, patience=None, renege_to=None, origin="stream"):
        counter["n"] += 1
        return Patient(counter["n"], "age_65_74", "north", "one", "low", "community", "walk_in", origin, now,
                       balks=balks, patience=patience, renege_to=renege_to)
    return make
