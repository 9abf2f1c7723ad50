"""Shift-left levers: each effect changes the pathway data as described, only for its cohort."""
from __future__ import annotations

import copy

import pandas as pd
import pytest

from sim.common.errors import ConfigError
from sim.engine.model import Model
from sim.inputs import levers
from sim.inputs.config import load
from sim.inputs.prepare import prepare
from sim.jobs import runner

from .conftest import make_cfg


def network_cfg(scenario, year=2027, **kw):
    services = {
        "ae": {"capacity": 1000, "los": {"dist": "fixed", "value": 0.01}, "next": {"acute": 0.5, "home": 0.5}},
        "acute": {"capacity": 1000, "los": {"dist": "fixed", "value": 2.0}, "next": "home"},
        "gp": {"capacity": 1000, "los": {"dist": "fixed", "value": 0.01}, "next": "home"},
        "team": {"capacity": 10, "los": {"dist": "fixed", "value": 5.0}, "next": "home"},
    }
    streams = {
        "walk_in": {"to": "ae", "rate_per_day": 100.0, "crisis": True},
        "finding": {"to": "team", "rate_per_day": 0, "cohort": {"risk_tier": ["high"]}},
    }
    cfg = make_cfg(services, streams, horizon=60, warmup=0, replications=1, **kw)
    cfg["run"]["year"] = year
    cfg["scenario"] = {"name": "test", **scenario}
    return cfg


def lever(*effects, cohort=None, intensity=1.0):
    spec = {"intensity": intensity, "effects": list(effects)}
    if cohort is not None:
        spec["cohort"] = cohort
    return {"levers": {"scheme": spec}}


def arrivals(cfg, service):
    raw = Model(levers.apply(cfg), 0).run()
    return raw["services"][service]


def test_no_levers_leaves_the_config_unchanged():
    cfg = network_cfg({})
    assert levers.apply(cfg) == cfg


def test_divert_sends_a_share_of_arrivals_elsewhere():
    cfg = network_cfg(lever({"divert": {"stream": "walk_in", "to": "gp", "share": 0.3}}))
    gp, ae = arrivals(cfg, "gp")["arrived"], arrivals(cfg, "ae")["arrived"]
    assert gp / (gp + ae) == pytest.approx(0.3, abs=0.02)


def test_divert_applies_only_to_the_cohort():
    cohort = {"age_band": ["age_85_plus"]}
    cfg = network_cfg(lever({"divert": {"stream": "walk_in", "to": "gp", "share": 1.0}}, cohort=cohort))
    model = Model(levers.apply(cfg), 0)
    model.run()
    gp = model.services["gp"]
    ae = model.services["ae"]
    assert gp.arrived > 0 and ae.arrived > 0
    # everyone aged 85+ went to the GP, nobody else did: 85+ are 5% of the test population
    assert gp.arrived / (gp.arrived + ae.arrived) == pytest.approx(0.05, abs=0.01)


def test_shift_moves_probability_between_destinations():
    cfg = network_cfg(lever({"shift": {"service": "ae", "from": "acute", "to": "gp", "share": 0.4}}))
    spec = levers.apply(cfg)["network"]["services"]["ae"]["next"]
    assert spec == {"acute": pytest.approx(0.3), "home": 0.5, "gp": pytest.approx(0.2)}


def test_shift_with_cohort_builds_tables_with_a_default():
    cohort = {"risk_tier": ["high"]}
    cfg = network_cfg(lever({"shift": {"service": "ae", "from": "acute", "to": "gp", "share": 1.0}}, cohort=cohort))
    spec = levers.apply(cfg)["network"]["services"]["ae"]["next"]
    assert spec["by"] == "risk_tier"
    assert spec["values"]["high"] == {"acute": 0.0, "home": 0.5, "gp": 1 * 0.5}
    assert spec["values"]["default"] == {"acute": 0.5, "home": 0.5}
    runner.check(levers.apply(cfg))


def test_intensity_and_ramp_scale_the_effect():
    scenario = {"start_year": 2018, "full_year": 2027,
                **lever({"shift": {"service": "ae", "from": "acute", "to": "gp", "share": 1.0}}, intensity=0.5)}
    assert levers.ramp(scenario, 2017) == 0.0
    assert levers.ramp(scenario, 2018) == pytest.approx(0.1)
    assert levers.ramp(scenario, 2022) == pytest.approx(0.5)
    assert levers.ramp(scenario, 2030) == 1.0
    before = levers.apply(network_cfg(scenario, year=2017))["network"]["services"]["ae"]["next"]
    assert before == {"acute": 0.5, "home": 0.5}
    mid = levers.apply(network_cfg(scenario, year=2022))["network"]["services"]["ae"]["next"]
    assert mid["gp"] == pytest.approx(0.5 * 0.5 * 0.5)
    assert levers.intensities(network_cfg(scenario, year=2022)) == {"scheme": pytest.approx(0.25)}


def test_los_factor_scales_the_mean():
    cfg = network_cfg(lever({"los": {"service": "acute", "factor": 0.5}}))
    raw = Model(levers.apply(cfg), 0).run()["services"]["acute"]
    assert raw["sojourn_sum"] / raw["left"] == pytest.approx(1.0)


def test_capacity_add_and_factor():
    cfg = network_cfg(lever({"capacity": {"service": "team", "add": 5}}, intensity=0.4))
    assert levers.apply(cfg)["network"]["services"]["team"]["capacity"] == 12
    cfg = network_cfg(lever({"capacity": {"service": "team", "factor": 1.5}}))
    assert levers.apply(cfg)["network"]["services"]["team"]["capacity"] == 15


def test_crisis_reduction_reaches_the_service():
    cfg = network_cfg(lever({"crisis_reduction": {"service": "team", "value": 0.4}}, intensity=0.5))
    assert levers.apply(cfg)["network"]["services"]["team"]["crisis_reduction"] == pytest.approx(0.2)


def test_referrals_switch_on_a_proactive_stream_for_the_cohort():
    effect = {"referrals": {"stream": "finding", "rate_per_1000": {"age_65_74": 100, "age_75_84": 100, "age_85_plus": 100}}}
    cfg = network_cfg(lever(effect, cohort={"risk_tier": ["high"]}))
    model = Model(levers.apply(cfg), 0)
    model.run()
    team = model.services["team"]
    assert team.arrived > 0
    stream = model.network.arrivals["finding"]
    # only high-risk people aged 65+: 10% of the 30% of 10,000 residents aged 65+, 100 per 1,000 a year
    assert stream.rate_per_day * 365 == pytest.approx(0.1 * 0.3 * 10000 * 0.1)


def test_annual_cost_is_charged_pro_rata():
    cfg = network_cfg(lever({"annual_cost": {"gbp": 365000, "setting": "community", "commissioner": "nhs"}}))
    result = runner.run(levers.apply(cfg) | {"scenario": {"name": "x"}}, progress=False)
    means = result.summary.set_index("metric")["mean"]
    assert means["cost_community_gbp"] == pytest.approx(60 * 1000)


@pytest.mark.parametrize("effect, key", [
    ({"divert": {"stream": "walkin", "to": "gp", "share": 0.3}}, "effects[0].divert.stream"),
    ({"divert": {"stream": "walk_in", "to": "gp", "share": 1.3}}, "effects[0].divert.share"),
    ({"shift": {"service": "ae", "from": "acute", "to": "nowhere", "share": 0.3}}, "effects[0].shift.to"),
    ({"capacity": {"service": "team"}}, "effects[0].capacity"),
    ({"teleport": {"service": "team"}}, "effects[0]"),
    ({"los": {"service": "acute", "factor": -1}}, "effects[0].los.factor"),
    ({"divert": {"stream": "walk_in", "to": "gp", "share": 0.3, "cohort": {"age": ["x"]}}}, "effects[0].divert.cohort.age"),
])
def test_bad_levers_name_the_key(effect, key):
    with pytest.raises(ConfigError) as info:
        levers.apply(network_cfg(lever(effect)))
    assert key in info.value.key


def test_intensity_out_of_range():
    with pytest.raises(ConfigError) as info:
        levers.apply(network_cfg(lever({"capacity": {"service": "team", "add": 1}}, intensity=1.5)))
    assert info.value.key == "scenario.levers.scheme.intensity"


def test_capacity_preset_per_1000_residents():
    cfg = load(["scenario/capacity=beds_2_75"])
    built = levers.apply(cfg)
    assert built["network"]["services"]["acute"]["capacity"] == round(2.75 * 281293 / 1000)
    cfg = load(["scenario/capacity=ic_plus_50"])
    built = levers.apply(cfg)
    assert built["network"]["services"]["ic_bed"]["capacity"] == round(1.5 * cfg["capacity"]["ic_beds"])


@pytest.fixture(scope="module")
def do_nothing_2027():
    return prepare(load(["scenario=do_nothing", "run.year=2027"]))["network"]


@pytest.mark.parametrize("scenario", ["do_nothing", "uk_comparator", "international_comparator", "stp_place_based",
                                      "walsall_schemes_evidence"])
def test_scenario_presets_build(scenario, do_nothing_2027):
    """Each scenario checks, and its levers change the services and streams they name (and nothing else)
    from the do-nothing network of the same year: places only added, each continuous effect seen."""
    cfg = load([f"scenario={scenario}", "run.year=2027"])
    assert runner.check(cfg) is not None
    network = prepare(cfg)["network"]
    assert set(network["services"]) == set(do_nothing_2027["services"])
    assert set(network["streams"]) == set(do_nothing_2027["streams"])
    targets, continuous = set(), set()
    for lever in (cfg["scenario"].get("levers") or {}).values():
        for effect in lever.get("effects") or []:
            (kind, spec), = effect.items()
            target = spec.get("service") or spec.get("stream")
            targets |= {target} - {None}
            if kind in ("divert", "crisis_reduction", "los"):
                continuous.add(target)
    changed = {name for kind in ("services", "streams") for name, spec in network[kind].items()
               if spec != do_nothing_2027[kind][name]}
    assert continuous <= changed <= targets
    assert bool(changed) == (scenario != "do_nothing")
    for name, spec in network["services"].items():
        before = do_nothing_2027["services"][name].get("capacity")
        if before is not None:
            assert _places(spec["capacity"]) >= _places(before), name


def _places(capacity) -> int:
    return sum(capacity.values()) if isinstance(capacity, dict) else capacity


def test_levers_avert_crises_and_cost_community_capacity():
    """Fewer A&E attendances and crises, more community cost. Emergency admissions are not asserted: against places
    fixed at 2017/18, the diverted keep their need for a bed (sim.inputs.diversion) and are admitted directly,
    past the A&E's higher threshold for admission when beds are full, so the comparator may admit more."""
    short = ["run.horizon_days=90", "run.warmup_days=20", "run.replications=2", "run.n_jobs=1", "run.year=2027"]
    base = runner.run(load(short + ["scenario=do_nothing"]), progress=False).summary.set_index("metric")["mean"]
    shift = runner.run(load(short + ["scenario=uk_comparator"]), progress=False).summary.set_index("metric")["mean"]
    assert shift["ae_attendances"] < base["ae_attendances"]
    assert shift["crises_averted"] > base["crises_averted"]
    assert shift["cost_community_gbp"] > base["cost_community_gbp"]
    assert shift["gp_extended_attendances"] > 0 == base["gp_extended_attendances"]


@pytest.mark.slow       # a year of three scenarios, 3 replications each (about 50 s alone); the short check above runs by default
def test_uk_comparator_is_a_reproduction_not_a_prediction_in_2027():
    """A reproduction of the business case's assumed effects, not a prediction: the comparator's diversion shares
    were sized (experiments/size_comparators.py) until the model handed back its A&E -34% [@walsall-cabinet-2018,
    App. 1 §3.4 Figure 8], so this checks that the sizing still holds, not that the schemes would achieve it.
    Its emergency admissions -20% was reproduced only while diverted patients' needs vanished; now that they
    keep them (sim.inputs.diversion) the same levers leave admissions about where they were (+0.1% over 20
    replications, results/scheme_evidence), and the simulated settings cost more than the demand-led do-nothing's;
    checked here until the levers are re-sized. The international comparator diverts more."""
    from sim.analysis.statistics import paired_differences
    frames = [runner.run(load([f"scenario={s}", "run.year=2027", "run.replications=3", "capacity_policy=demand_led"]),
                         progress=False).replications for s in ("do_nothing", "uk_comparator", "international_comparator")]
    diff = paired_differences(pd.concat(frames), "do_nothing").set_index(["scenario", "metric"])
    uk = diff.loc["uk_comparator"]
    assert abs(uk.loc["ae_attendances", "relative_pct"] + 34) <= 3
    assert abs(uk.loc["nel_admissions", "relative_pct"]) <= 3
    assert uk.loc["system_cost_bottom_up_gbp", "difference"] > 0
    intl = diff.loc["international_comparator"]
    assert intl.loc["ae_attendances", "difference"] < uk.loc["ae_attendances", "difference"]


def test_only_the_effects_of_the_kinds_asked_for_are_applied():
    cfg = network_cfg(lever({"capacity": {"service": "acute", "add": 20}}, {"los": {"service": "acute", "factor": 0.5}}))
    every = levers.apply(cfg)["network"]["services"]["acute"]
    places_only = levers.apply(cfg, kinds=("capacity",))["network"]["services"]["acute"]
    assert every["capacity"] == places_only["capacity"] == 1020
    assert every["los"] != cfg["network"]["services"]["acute"]["los"]
    assert places_only["los"] == cfg["network"]["services"]["acute"]["los"]


def _rows_and_objects(spec) -> tuple[int, int]:
    """(cells holding a probability row, distinct row objects) of a routing spec."""
    cells, objects = 0, set()
    stack = [spec]
    while stack:
        node = stack.pop()
        if isinstance(node, dict) and "by" in node:
            stack.extend(node["values"].values())
        else:
            cells += 1
            objects.add(id(node))
    return cells, len(objects)


def test_cohort_tables_share_their_entries_and_leave_the_route_they_wrap_as_it_was():
    # each lever wraps the route in tables over its cohort: copied, the cells multiplied with every lever
    cohort = {"risk_tier": ["medium", "high"], "age_band": ["age_75_84", "age_85_plus"]}
    effects = [{"shift": {"service": "ae", "from": "acute", "to": "gp", "share": share}} for share in (0.5, 0.2)]
    cfg = network_cfg(lever(*effects, cohort=cohort))
    before = copy.deepcopy(cfg)
    spec = levers.apply(cfg)["network"]["services"]["ae"]["next"]
    assert cfg == before
    cells, objects = _rows_and_objects(spec)
    # cells: 2 ages x (2 tiers x 7 + 7) + 7, where the first lever's tables have 2 x 3 + 1; rows: as given,
    # shifted by the first lever, by the second, by both (one object each however many cells hold it)
    assert cells == 49 and objects == 4
    in_both = spec["values"]["age_85_plus"]["values"]["high"]
    assert in_both["values"]["age_85_plus"]["values"]["high"] == {"acute": pytest.approx(0.5 * 0.5 * 0.8), "home": 0.5,
                                                                   "gp": pytest.approx(0.25 + 0.25 * 0.2)}
    assert spec["values"]["default"]["values"]["default"] == {"acute": 0.5, "home": 0.5}   # outside both cohorts
    runner.check(levers.apply(cfg))


def test_the_uk_comparators_routing_holds_each_shared_table_once():
    # its levers wrap the same routes in cohort tables again and again: 22,000 cells, most of them shared
    network = prepare(load(["run.year=2027", "capacity_policy=demand_led", "capacity_policy.levers_checked=false",
                            "scenario=uk_comparator"]))["network"]
    routes = [s["next"] for s in network["services"].values() if "next" in s] + [s["to"] for s in network["streams"].values()]
    cells, objects = map(sum, zip(*map(_rows_and_objects, routes)))
    assert cells > 20_000 and objects < cells / 5           # 22,185 cells of 2,404 rows; copied, one row a cell
