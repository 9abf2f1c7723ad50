"""Catchments: areas share their hospital demand between sites, and keep their home place's services."""
from __future__ import annotations

import numpy as np
import pytest

from sim.common.errors import ConfigError
from sim.engine.catchment import OUTSIDE, Catchment
from sim.inputs.config import load

SHORT = ["run.horizon_days=30", "run.warmup_days=5", "run.replications=2", "run.n_jobs=1"]


def test_a_place_without_a_catchment_draws_no_sites():
    """Every Walsall area uses one site: no patient's site is drawn, so no random source for sites exists
    and Walsall's results are what they were before catchments (tests/test_pressure.py checks a stored
    run of that time to the last bit)."""
    from sim.engine.model import Model
    from sim.inputs.prepare import prepare
    model = Model(prepare(load(["place=walsall", *SHORT])), 0)
    model.run()
    assert not model.network.arrivals["ae_walk_in"].catchment.drawn
    assert not any(name.startswith("site:") for name in model.context.random._sources)


def test_shares_leave_the_rest_outside_and_outside_areas_have_no_home_place():
    catchment = Catchment({"a": {"place": "p", "sites": {"x": 0.7, "y": 0.2}},
                           "b": {"site": "y"},
                           "c": {"outside": True, "sites": {"x": 0.25}}}, default_site="x")
    assert catchment.sites == ("x", "y") and catchment.places == ("p", "y")
    assert catchment.home_of == {"a": "p", "b": "y", "c": OUTSIDE}
    assert catchment.leaving.tolist() == pytest.approx([0.1, 0.0, 0.75])
    assert catchment.generated.tolist() == pytest.approx([1.0, 1.0, 0.25])     # of people from outside: what comes in
    assert catchment.site_labels() == ["x", "y", OUTSIDE] and catchment.place_labels() == ["p", "y", OUTSIDE]
    assert catchment.drawn and catchment.site_of == {"b": "y"}
    sites = catchment.draw(np.zeros(20_000, dtype=int), np.random.default_rng(1))
    assert sites.count("x") / 20_000 == pytest.approx(0.7, abs=0.015)
    assert sites.count(OUTSIDE) / 20_000 == pytest.approx(0.1, abs=0.01)


@pytest.mark.parametrize("spec, key", [
    ({"a": {"sites": {"x": 0.8, "y": 0.3}}}, "place.localities.a.sites"),
    ({"a": {"sites": {"x": 1.2}}}, "place.localities.a.sites.x"),
    ({"a": {"site": "x", "sites": {"x": 1.0}}}, "place.localities.a"),
    ({"a": {"site": "x", "catchment": 1}}, "place.localities.a.catchment"),
    ({"a": {"outside": True, "place": "p", "site": "x"}}, "place.localities.a.place"),
    ({"a": {"outside": True, "site": "x"}}, "place.localities"),
])
def test_bad_catchments_name_their_key(spec, key):
    with pytest.raises(ConfigError) as error:
        Catchment(spec, default_site="x")
    assert error.value.key == key


def _two_site_place(overrides=()):
    """Walsall's pathway for three areas: two of the place's own, sharing two sites, and one from outside."""
    cfg = load(["place=walsall", "run.horizon_days=40", "run.warmup_days=5", "run.replications=1", "run.n_jobs=1",
                *overrides])
    place = cfg["place"]
    walsall = place["population"]
    ages = walsall["age_shares"]
    place["localities"] = {"north": {"place": "home_a", "sites": {"manor": 0.7, "new_cross": 0.2}},
                           "south": {"place": "home_b", "sites": {"manor": 0.1, "new_cross": 0.85}},
                           "beyond": {"outside": True, "sites": {"new_cross": 0.4}}}
    place["population"] = {"by_locality": {area: {a: 100_000 * s for a, s in ages.items()}
                                           for area in place["localities"]}}
    for stream, spec in cfg["network"]["streams"].items():
        if "rate_per_1000" in spec:
            rates = spec["rate_per_1000"]
            by_area = {"north": rates, "south": rates}
            if stream in ("ae_walk_in", "ae_ambulance"):
                by_area["beyond"] = rates        # people from beyond come in to A&E only
            spec["rate_per_1000"] = {"by_locality": by_area}
    return cfg


def test_hospital_care_follows_the_site_and_community_care_the_home_place():
    from sim.engine.model import Model
    from sim.engine.service import Service
    from sim.inputs.prepare import prepare
    cfg = _two_site_place()
    model = Model(prepare(cfg), 0)
    population = model.context.population
    assert population.total == pytest.approx(200_000)            # residents: the areas outside not counted
    seen, wrong = {"site": set(), "place": set()}, []
    original = Service.offer

    def offer(self, patient, holder=None):
        part = model.network.part_of.get(self.name)
        attribute = getattr(model.network.nodes.get(self.spec.group or self.name), "attribute", None)
        if attribute in ("site", "place"):
            seen[attribute].add((getattr(patient, attribute), part))
            if getattr(patient, attribute) != part or patient.place != population.home_of[patient.locality]:
                wrong.append((self.name, patient.locality, patient.site, patient.place))
        return original(self, patient, holder)
    Service.offer = offer
    try:
        raw = model.run()
    finally:
        Service.offer = original
    assert not wrong, wrong[:5]
    assert raw["ledger"]["balanced"]
    assert {("manor", "manor"), ("new_cross", "new_cross")} <= seen["site"]
    assert {("home_a", "home_a"), ("home_b", "home_b")} <= seen["place"]
    out = raw["sinks"]["out_of_area"]
    assert out["count"] > 0 and set(out["by_origin"]) & {"ae_walk_in", "acute"}
    # people from beyond reach New Cross, never Manor, and never the place's community services
    assert raw["services"]["ae_new_cross"]["arrived"] > raw["services"]["ae_manor"]["arrived"]


def test_site_shares_hold_in_the_arrivals():
    """The A&E arrivals at each site are the areas' demand times their shares; of the area outside the
    footprint only its share that comes in is generated (0.4 of its demand, all to New Cross)."""
    from sim.engine.model import Model
    from sim.inputs.prepare import prepare
    model = Model(prepare(_two_site_place(["run.horizon_days=200"])), 0)
    raw = model.run()
    catchment = model.context.population.catchment
    assert catchment.given_generated[2].tolist() == pytest.approx([0.0, 1.0])
    expected = np.zeros(2)
    full = {}
    for name in ("ae_walk_in", "ae_ambulance"):
        stream = model.network.arrivals[name]
        generated = stream.rate_per_day * stream.cell_p.reshape(3, 5).sum(axis=1)      # north, south, beyond
        expected += generated @ catchment.given_generated
        full[name] = generated
    # generated: the place's residents in full, beyond's 0.4 (as if its people used the footprint alone x 0.4)
    walk_in = model.network.arrivals["ae_walk_in"]
    people = model.context.population.people.sum(axis=1)
    assert full["ae_walk_in"][2] / full["ae_walk_in"][0] == pytest.approx(0.4 * people[2] / people[0], rel=0.02)
    assert walk_in.rate_per_day > 0
    days = raw["period_days"]
    arrived = {s: sum(raw["services"][f"ae_{s}"]["by_origin"].get(o, 0) for o in ("ae_walk_in", "ae_ambulance"))
               for s in ("manor", "new_cross")}
    assert arrived["manor"] / days == pytest.approx(expected[0], rel=0.05)
    assert arrived["new_cross"] / days == pytest.approx(expected[1], rel=0.05)
