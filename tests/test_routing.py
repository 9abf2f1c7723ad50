"""sim.engine.routing: rows repeated across a table compile once and route as before; bad rows are still named."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.common.errors import ConfigError
from sim.engine.routing import Router

ROW = {"home": 0.7, "ic_bed": 0.2, "care_home": 0.1}


class Uniform:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def random(self):
        return float(self.rng.random())


def node(name, where):
    return SimpleNamespace(name=name)


def router(spec, seed=1):
    nodes = {}
    return Router(spec, Uniform(seed), "acute.next", lambda name, where: nodes.setdefault(name, node(name, where)), {})


def test_a_row_repeated_across_a_cohort_table_is_compiled_once_and_routes_as_its_own_row():
    # levers wrap a route in by-tables over cohorts, repeating the same rows: each is now one compiled object
    spec = {"by": "risk_tier", "values": {"low": dict(ROW), "medium": dict(ROW), "high": {"home": 0.5, "ic_bed": 0.5}}}
    table = router(spec)
    low, medium, high = (table._root.values[tier] for tier in ("low", "medium", "high"))
    assert low is medium and high is not low
    alone = router(dict(ROW))
    patient = SimpleNamespace(risk_tier="medium")
    chosen = [table.choose(patient).name for _ in range(4000)]
    expected = [alone.choose(patient).name for _ in range(4000)]
    assert chosen == expected                          # the same random numbers give the same destinations
    assert chosen.count("home") / 4000 == pytest.approx(0.7, abs=0.03)


def test_a_bad_row_is_named_where_it_first_appears_even_when_repeated():
    bad = {"home": 0.7, "ic_bed": 0.2}
    spec = {"by": "risk_tier", "values": {"low": dict(ROW), "medium": dict(bad), "high": dict(bad)}}
    with pytest.raises(ConfigError, match=r"acute\.next\.values\.medium.*summing to 1"):
        router(spec)


def test_a_table_several_entries_share_is_compiled_once_and_its_destinations_named_once():
    shared = {"by": "age_band", "values": {"age_85_plus": dict(ROW), "default": {"home": 1.0}}}
    spec = {"by": "risk_tier", "values": {"low": shared, "medium": shared, "high": {"home": 0.5, "ic_bed": 0.5}}}
    resolved = []
    table = Router(spec, Uniform(1), "acute.next",
                   lambda name, where: resolved.append(name) or SimpleNamespace(name=name), {})
    assert table._root.values["low"] is table._root.values["medium"]
    assert sorted(resolved) == ["care_home", "home", "home", "home", "ic_bed", "ic_bed"]   # 3 + 1 + 2 names
    assert table.destinations == ["care_home", "home", "ic_bed"]
    patient = SimpleNamespace(risk_tier="medium", age_band="age_85_plus")
    alone = router(dict(ROW))
    assert [table.choose(patient).name for _ in range(500)] == [alone.choose(patient).name for _ in range(500)]
