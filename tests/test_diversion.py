"""Diverted patients keep their needs: admissions per 100 diverted are what they would have had at A&E."""
from __future__ import annotations

import copy

import pytest

from sim.analysis.statistics import t_interval
from sim.common.errors import ConfigError
from sim.engine.model import Model
from sim.inputs import diversion, levers

from .test_levers import lever, network_cfg

#: the test pathway: A&E admits 40% (55% of people aged 85 and over); the SPA admits 2% of its own referrals
AE_NEXT = {"by": "age_band", "values": {"age_85_plus": {"acute": 0.55, "home": 0.45},
                                        "default": {"acute": 0.40, "home": "rest"}}}
SPA_NEXT = {"team": 0.30, "acute": 0.02, "ae": 0.03, "home": 0.65}


def pathway(**divert):
    cfg = network_cfg(lever({"divert": {"stream": "walk_in", "to": "spa", "share": 0.3, **divert}}))
    services = cfg["network"]["services"]
    services["ae"]["next"] = AE_NEXT
    services["spa"] = {"capacity": 1000, "los": {"dist": "fixed", "value": 0.01}, "next": SPA_NEXT}
    services["team"]["capacity"] = 1000
    cfg["run"]["event_log"] = True
    return cfg


def admitted_of(cfg, replication: int) -> tuple[set, set]:
    """(patients offered a place at the SPA, patients offered an acute bed) in one replication."""
    events = Model(cfg, replication).run()["events"]
    offered = events[events["event"] == "offered"]
    return set(offered.loc[offered["node"] == "spa", "patient"]), set(offered.loc[offered["node"] == "acute", "patient"])


def paired_admissions_per_100(replications=12, **divert):
    """Per replication, the diverted patients' admissions per 100 in the diverting run, less what the same patients
    (same arrivals, common random numbers) had at A&E in the run without the lever, scaled by 1 - avoided."""
    cfg = pathway(**divert)
    plain = {**cfg, "scenario": {"name": "do_nothing"}}
    kept = 1.0 - divert.get("avoided", 0.0)
    differences = []
    for replication in range(replications):
        diverted, admitted = admitted_of(levers.apply(cfg), replication)
        _, admitted_at_ae = admitted_of(plain, replication)
        assert len(diverted) > 1000
        differences.append(100.0 * (len(diverted & admitted) - kept * len(diverted & admitted_at_ae)) / len(diverted))
    return t_interval(differences)


@pytest.mark.parametrize("avoided", [0.0, 0.2])
def test_diverted_patients_are_admitted_as_at_ae_less_the_schemes_effect(avoided):
    mean, low, high, _ = paired_admissions_per_100(avoided=avoided)
    assert low <= 0.0 <= high
    assert abs(mean) < 1.5


def test_without_their_needs_the_diverted_are_admitted_far_less():
    """The paired test has the power to see needs vanish: with nothing kept, the SPA's own 2% is all they get."""
    high = paired_admissions_per_100(replications=4, keeps=[])[2]
    assert high < -30.0


def test_the_spa_routes_diverted_patients_by_their_a_e_needs():
    spa = levers.apply(pathway(avoided=0.2))["network"]["services"]["spa"]["next"]
    assert spa["values"]["default"] == SPA_NEXT
    diverted = spa["values"]["walk_in"]["values"]
    # 40% admitted at A&E, a fifth of them avoided; the rest shared as the SPA shares them, without A&E or acute
    assert diverted["default"] == pytest.approx({"acute": 0.32, "team": 0.68 * 0.30 / 0.95, "home": 0.68 * 0.65 / 0.95})
    assert diverted["age_85_plus"]["acute"] == pytest.approx(0.44)


def test_the_usual_first_service_is_the_likeliest():
    assert diversion.first_service("ae") == "ae"
    assert diversion.first_service({"by": "risk_tier", "values": {"low": {"ae": 0.6, "gp": 0.4}, "default": "ae"}}) == "ae"


@pytest.mark.parametrize("divert, key", [({"keeps": "acute"}, "keeps"), ({"keeps": ["bed"]}, "keeps"),
                                         ({"avoided": 1.5}, "avoided")])
def test_bad_diversion_keys_are_named(divert, key):
    with pytest.raises(ConfigError, match=key):
        levers.apply(pathway(**divert))


def test_leaves_changes_a_row_several_cells_share_once_and_leaves_the_spec_as_it_was():
    shared = {"ae": 0.5, "gp": 0.5}
    spec = {"by": "risk_tier", "values": {"low": shared, "medium": shared, "high": "gp"}}
    before = copy.deepcopy(spec)
    changed = []
    out = diversion.leaves(spec, lambda row: changed.append(row) or {d: p / 2 for d, p in row.items()})
    assert spec == before
    assert out == {"by": "risk_tier", "values": {"low": {"ae": 0.25, "gp": 0.25}, "medium": {"ae": 0.25, "gp": 0.25},
                                                 "high": {"gp": 0.5}}}
    assert out["values"]["low"] is out["values"]["medium"] and len(changed) == 2


def test_the_usual_first_service_counts_a_shared_row_in_every_cell_that_holds_it():
    # A&E's row is one object in three cells, the GP's two objects: by cells A&E sends 3 in 5, by objects 1 in 3
    to_ae = {"ae": 1.0}
    spec = {"by": "age_band", "values": {"age_0_17": to_ae, "age_18_64": to_ae, "age_65_74": to_ae,
                                         "age_75_84": {"gp": 1.0}, "age_85_plus": {"gp": 1.0}}}
    assert diversion.first_service(spec) == "ae"
