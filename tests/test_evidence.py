"""The evidence register of the schemes' effects: every lever covered, every entry sound and cited."""
from __future__ import annotations

import pytest

from sim.inputs import evidence, levers, params
from sim.studies import params as register_page


@pytest.fixture(scope="module")
def schemes():
    return evidence.load()


@pytest.fixture(scope="module")
def scenarios():
    return evidence.scenarios()


def test_every_lever_of_every_scenario_maps_to_a_scheme_with_an_entry_for_each_outcome_it_moves(schemes, scenarios):
    seen = 0
    for where, scenario in scenarios.items():
        for name, lever in (scenario.get("levers") or {}).items():
            seen += 1
            scheme = evidence.scheme_of(name, lever, schemes)
            assert scheme in schemes, f"{where}: lever {name}"
            for effect in lever["effects"]:
                kind, spec = next(iter(effect.items()))
                for outcome in evidence.outcomes_of(kind, spec):
                    assert outcome in schemes[scheme].effects, f"{where}: {name} {kind} -> {outcome}"
    assert seen >= 20, "the scenarios' levers were not found"
    assert evidence.problems() == []


def test_every_scheme_type_the_scenarios_use_is_in_the_register(schemes):
    assert set(schemes) >= {"population_health_hub", "case_management", "urgent_community_response",
                            "same_day_emergency_care", "discharge_to_assess", "care_home_support",
                            "social_prescribing", "extended_primary_care"}


def test_every_entry_has_its_central_value_in_its_range_and_cites_the_bibliography(schemes):
    bib = params.bibliography()
    assert evidence.entry_problems(schemes) == []
    for scheme in schemes.values():
        assert scheme.levers and scheme.effects, scheme.name
        for e in scheme.effects.values():
            where = f"{scheme.name}.{e.outcome}"
            assert e.outcome in evidence.OUTCOMES and e.unit in evidence.UNITS, where
            assert e.low <= e.central <= e.high, where
            assert e.studies, where
            for study in e.studies:
                assert study.cites and all(key in bib for key, _ in study.cites), where
                assert study.stated and study.population and study.setting, where


def test_a_range_includes_no_effect_where_the_status_says_the_evidence_does(schemes):
    statuses = set()
    for scheme in schemes.values():
        for e in scheme.effects.values():
            statuses.add(e.status)
            where = f"{scheme.name}.{e.outcome}"
            if e.status in ("includes no effect", "assumption"):
                assert e.low <= evidence.NO_EFFECT <= e.high, where
            if e.status == "includes no effect":
                assert e.ci95[0] <= evidence.NO_EFFECT <= e.ci95[1], where
            if e.status == "estimate":
                assert not e.ci95[0] <= evidence.NO_EFFECT <= e.ci95[1], where
            if e.status == "assumption":
                assert e.basis.startswith("assumption"), where
    assert statuses == set(evidence.STATUSES)


def test_case_management_shows_no_effect_on_hospital_use(schemes):
    for outcome in ("emergency_admissions", "ae_attendances"):
        e = schemes["case_management"].effects[outcome]
        assert e.central == 0 and e.low < 0 < e.high
        assert e.studies[0].cites[0][0] == "stokes-2015"


def test_the_80_percent_range_is_derived_from_a_stated_95_percent_interval():
    low, high = evidence.range80(-0.29, -0.43, -0.11)
    ratio = 1.2815515655446004 / 1.959963984540054
    assert low == pytest.approx(-0.29 - 0.14 * ratio, abs=1e-4)
    assert high == pytest.approx(-0.29 + 0.18 * ratio, abs=1e-4)
    assert -0.43 < low < -0.29 < high < -0.11


def test_each_kind_of_effect_moves_its_outcome():
    assert evidence.outcomes_of("divert", {"stream": "ae_walk_in", "to": "spa"}) == ["ae_attendances"]
    assert evidence.outcomes_of("divert", {"stream": "ae_ambulance", "to": "spa", "avoided": 0.1}) == [
        "ae_attendances", "emergency_admissions"]
    assert evidence.outcomes_of("shift", {"service": "ae", "from": "acute", "to": "sdec"}) == ["emergency_admissions"]
    assert evidence.outcomes_of("shift", {"service": "spa", "from": "ae", "to": "rapid_response"}) == ["ae_attendances"]
    assert evidence.outcomes_of("los", {"service": "acute", "factor": 0.9}) == ["length_of_stay"]
    assert set(evidence.outcomes_of("crisis_reduction", {"service": "ihct"})) == {"ae_attendances", "emergency_admissions"}
    assert evidence.outcomes_of("capacity", {"service": "sdec", "add": 1}) == []
    assert evidence.outcomes_of("annual_cost", {"gbp": 1}) == []
    # an effect the register cannot place is named, so no entry covers it and the check fails
    assert evidence.outcomes_of("shift", {"service": "ae", "from": "utc", "to": "sdec"}) == ["shift from utc"]


def test_the_check_fails_on_a_made_up_lever_without_an_entry(schemes):
    made_up = {"levers": {"miracle_cure": {"effects": [{"shift": {"service": "ae", "from": "acute", "to": "home",
                                                                  "share": 0.9}}]}}}
    found = evidence.problems(schemes, {"configs/scenario/made_up.yaml": made_up})
    assert found and "miracle_cure has no scheme type" in found[0]
    # a lever of a known type with an effect on an outcome its type has no entry for
    care_home_los = {"levers": {"care_home_in_reach": {"effects": [{"los": {"service": "acute", "factor": 0.5}}]}}}
    found = evidence.lever_problems(care_home_los, schemes, "made_up")
    assert found == ["made_up: lever care_home_in_reach, effects[0] los moves length_of_stay, which scheme "
                     "care_home_support has no entry for in configs/evidence/schemes.yaml"]
    # a lever may name its type itself
    named = {"levers": {"anything": {"evidence": "discharge_to_assess",
                                     "effects": [{"los": {"service": "acute", "factor": 0.9}}]}}}
    assert evidence.lever_problems(named, schemes) == []
    assert "evidence" in levers.LEVER_KEYS


def test_carepath_params_check_fails_on_a_made_up_lever(monkeypatch, tmp_path, capsys):
    made_up = {"levers": {"miracle_cure": {"effects": [{"divert": {"stream": "ae_walk_in", "to": "home", "share": 1}}]}}}
    monkeypatch.setattr(evidence, "scenarios", lambda: {"configs/scenario/made_up.yaml": made_up})
    out = tmp_path / "parameters.md"
    out.write_text(register_page.markdown(params.register()))
    assert register_page.main(["--check", "--out", str(out)]) == 1
    assert "evidence: configs/scenario/made_up.yaml: lever miracle_cure" in capsys.readouterr().err


def test_a_faulty_entry_is_named(schemes):
    bad = evidence.Effect("x", "ae_attendances", "relative change", -0.2, -0.3, -0.1, "assumption", "assumption",
                          [evidence.Study("p", "s", '"q"', "[@no-such-study-2099, p. 1]",
                                          [("no-such-study-2099", "p. 1")])])
    found = evidence.entry_problems({"x": evidence.Scheme("x", "x", ["l"], {"ae_attendances": bad})})
    assert any("leaves out no effect" in f for f in found)
    assert any("@no-such-study-2099 is not in docs/sources.md" in f for f in found)
    bad.central = 0.5
    found = evidence.entry_problems({"x": evidence.Scheme("x", "x", ["l"], {"ae_attendances": bad})})
    assert any("outside its 80% range" in f for f in found)


def test_the_parameter_register_lists_every_entry(schemes):
    page = params.REGISTER.read_text()
    assert "## Scheme effects from evidence: configs/evidence/schemes.yaml" in page
    for scheme in schemes.values():
        for e in scheme.effects.values():
            assert f"| `{scheme.name}` | " in page and f"| {e.outcome} | {e.unit} |" in page


def test_a_stated_interval_that_includes_no_effect_widens_the_range_to_include_it(schemes):
    # RR 1.14 (0.97 to 1.34): the 80% range derived from it alone would leave out no effect
    e = schemes["urgent_community_response"].effects["readmissions"]
    assert e.status == "includes no effect" and e.ci95 == (-0.03, 0.34)
    assert evidence.range80(0.14, -0.03, 0.34)[0] > 0
    assert e.low == evidence.NO_EFFECT and e.high == evidence.range80(0.14, -0.03, 0.34)[1]
