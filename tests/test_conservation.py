"""Property test: for random valid pathways no patient is lost or duplicated and every count reconciles."""
from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.engine.model import Model
from sim.engine.sink import Sink

from .conftest import make_cfg


@st.composite
def pathways(draw):
    """A random network of 1-4 services: capacities (0 = none, or unlimited), waiting lists (none,
    limited, unlimited), blocking, balking, patience, returns, and routing that may loop back."""
    n = draw(st.integers(1, 4))
    names = [f"s{i}" for i in range(n)]
    sinks = ["home", "care"]
    services = {}
    for i, name in enumerate(names):
        targets = draw(st.lists(st.sampled_from(names + sinks), min_size=1, max_size=3, unique=True))
        weights = [draw(st.integers(1, 5)) for _ in targets]
        next_ = {t: w / sum(weights) for t, w in zip(targets, weights)}
        next_[targets[-1]] = "rest"
        spec = {
            "capacity": draw(st.one_of(st.none(), st.integers(0, 6))),
            "queue_capacity": draw(st.one_of(st.none(), st.integers(0, 3))),
            "blocking": draw(st.booleans()),
            "los": {"dist": draw(st.sampled_from(["exponential", "lognormal"])),
                    "mean": draw(st.floats(0.05, 3.0)), "cv": 1.5},
            "next": next_,
            "overflow": draw(st.sampled_from(sinks + names[i + 1:])),   # overflow chains end at a sink
        }
        if spec["los"]["dist"] == "exponential":
            del spec["los"]["cv"]
        if draw(st.booleans()):
            spec["patience"] = {"dist": "exponential", "mean": draw(st.floats(0.1, 5.0))}
            spec["renege_to"] = draw(st.sampled_from(sinks))
        services[name] = spec
    streams = {f"in{k}": {"rate_per_day": draw(st.floats(0.5, 20.0)), "to": draw(st.sampled_from(names)),
                          "balks": draw(st.booleans())}
               for k in range(draw(st.integers(1, 2)))}
    sink_specs = {"home": {"returns": {"probability": draw(st.floats(0.0, 0.3)),
                                       "delay": {"dist": "exponential", "mean": 2.0}, "to": names[0]}},
                  "care": {}}
    return make_cfg(services, streams, sinks=sink_specs, horizon=draw(st.floats(5.0, 40.0)), warmup=2.0,
                    seed=draw(st.integers(0, 10_000)))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pathways())
def test_no_patient_is_lost_or_duplicated(cfg):
    net: Counter = Counter()      # per patient id: times absorbed by a sink minus times returned from one
    offer, come_back = Sink.offer, Sink._return

    def absorbing(self, patient, holder=None):
        net[patient.id] += 1
        return offer(self, patient, holder)

    def returning(self, patient):
        net[patient.id] -= 1
        return come_back(self, patient)

    Sink.offer, Sink._return = absorbing, returning
    try:
        model = Model(cfg, 0)
        raw = model.run()
    finally:
        Sink.offer, Sink._return = offer, come_back
    ledger = raw["ledger"]
    assert ledger["balanced"], ledger
    assert ledger["little_balanced"], ledger
    present = 0
    for name, service in model.services.items():
        # every offer was admitted or put on the waiting list (arrived), lost, or still queues
        # while holding a place upstream
        assert service.offered == service.arrived + service.lost + (service.queued - service.waiting), name
        assert service.arrived == service.left + service.reneged + service.in_place + service.waiting, name
        assert 0 <= service.blocked <= service.in_place
        assert service.in_place <= service.capacity
        present += service.present()
    # No duplicates: nobody is absorbed twice without returning in between, and everyone created
    # is either absorbed (net once) or still in a service.
    assert set(net.values()) <= {0, 1}
    assert all(1 <= pid <= model.context.patients.created for pid in net)
    assert sum(net.values()) == model.context.patients.created - present


def test_an_overflow_loop_is_a_clear_error():
    import pytest

    from sim.common.errors import ConfigError
    services = {"a": {"capacity": 1, "queue_capacity": 0, "los": {"dist": "fixed", "value": 1.0}, "next": "home", "overflow": "b"},
                "b": {"capacity": 1, "queue_capacity": 0, "los": {"dist": "fixed", "value": 1.0}, "next": "home", "overflow": "a"}}
    with pytest.raises(ConfigError) as info:
        Model(make_cfg(services, {"in": {"rate_per_day": 5.0, "to": "a"}}), 0)
    assert info.value.key == "network.services.b.overflow" and "a -> b -> a" in str(info.value)
