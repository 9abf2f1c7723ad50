"""The whole-system envelope: top-down lines projected by demography and scenario, the system cost by payer,
the base-year reconciliation that can fail, pooled budgets and prices."""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from sim.analysis.metrics import MetricSet
from sim.analysis.reconciliation import failures, parts, reconcile
from sim.analysis.system_cost import SystemCost
from sim.common.errors import ConfigError
from sim.engine import demography
from sim.engine.population import AGE_BANDS, Population
from sim.inputs import envelope
from sim.inputs.config import load
from sim.inputs.prepare import prepare

TABLE_3_TOTAL = 557330000


@pytest.fixture(scope="module")
def walsall():
    return load(["run.replications=1"])


def compiled(cfg, year=2017, scenario=None):
    cfg = {**cfg, "run": {**cfg["run"], "year": year}}
    if scenario is not None:
        cfg["scenario"] = scenario
    return envelope.compile_envelope(cfg)


def test_walsall_lines_are_table_3_and_add_up_to_its_total(walsall):
    env = compiled(walsall)
    assert sum(line["budget_gbp"] for line in env["lines"].values()) == TABLE_3_TOTAL == env["total_gbp"]
    nhs = sum(line["budget_gbp"] for line in env["lines"].values() if line["payer"] == "nhs")
    assert nhs == 428480000                                       # the CCG's TOTAL row
    for line in env["lines"].values():                            # a line's shares never exceed it
        assert sum(p.get("share") or p.get("expected_share") or 0.0 for p in line["parts"].values()) <= 1.0 + 1e-9


def test_top_down_parts_start_at_their_share_and_grow_by_demography(walsall):
    base, later = compiled(walsall), compiled(walsall, 2027)
    children = base["lines"]["childrens_services"]["parts"]["childrens_services"]
    assert children["amount_gbp"] == 62527000
    place = walsall["place"]
    people = {y: Population(place, demography.population_scale(place, list(place["localities"]), y)).people.sum(axis=0)
              for y in (2017, 2027)}
    growth = people[2027][0] / people[2017][0]
    assert later["lines"]["childrens_services"]["parts"]["childrens_services"]["amount_gbp"] == pytest.approx(62527000 * growth)
    assert later["lines"]["running_costs"]["parts"]["running_costs"]["amount_gbp"] == 5754000       # constant, real terms
    chc = base["lines"]["intermediate_and_continuing_healthcare"]["parts"]["continuing_healthcare"]
    assert chc["amount_gbp"] == pytest.approx(65.26 * place["population"]["total"])


def test_a_stream_driver_weights_each_age_band_by_the_streams_rates(walsall):
    rates = np.array([walsall["place"]["demand"]["elective"][a] for a in AGE_BANDS])
    place = walsall["place"]
    people = {y: Population(place, demography.population_scale(place, list(place["localities"]), y)).people.sum(axis=0)
              for y in (2017, 2027)}
    index = float(rates @ people[2027]) / float(rates @ people[2017])
    outpatients = compiled(walsall, 2027)["lines"]["acute_services"]["parts"]["outpatients"]
    assert outpatients["amount_gbp"] == pytest.approx(206388000 * 0.208 * index)


def test_a_scenarios_top_down_change_is_phased_in_with_its_levers():
    uk = load(["scenario=uk_comparator"])
    early, full = compiled(uk, 2018), compiled(uk, 2027)
    op = {y: e["lines"]["acute_services"]["parts"]["outpatients"] for y, e in ((2018, early), (2027, full))}
    assert op[2018]["change_gbp"] == pytest.approx(-0.29 * 0.1 * op[2018]["amount_gbp"])
    assert op[2027]["change_gbp"] == pytest.approx(-0.29 * op[2027]["amount_gbp"])
    assert compiled(uk, 2017)["lines"]["acute_services"]["parts"]["outpatients"]["change_gbp"] == 0.0


def test_a_top_down_activity_no_line_takes_is_refused(walsall):
    scenario = {**walsall["scenario"], "top_down": {"outpatient": {"change": -0.2}}}
    with pytest.raises(ConfigError, match=re.escape("scenario.top_down.outpatient")):
        compiled(walsall, scenario=scenario)
    with pytest.raises(ConfigError, match=re.escape("scenario.top_down.outpatient.change")):
        envelope.apply({**walsall, "envelope": None, "scenario": {"top_down": {"outpatient": {"change": "x"}}}})


def test_a_part_is_bottom_up_or_top_down_never_both(walsall):
    bad = {**walsall["envelope"], "lines": {"x": {"budget_gbp": 1.0, "payer": "nhs",
                                                  "parts": {"p": {"modelled": ["acute"], "grows_with": {"age_bands": ["age_0_17"]}}}}}}
    with pytest.raises(ConfigError, match=re.escape("envelope.lines.x.parts.p.grows_with")):
        compiled({**walsall, "envelope": bad})
    bad["lines"]["x"]["parts"]["p"] = {"share": 0.5, "per_head_gbp": 3.0}
    with pytest.raises(ConfigError, match="exactly one of share"):
        compiled({**walsall, "envelope": bad})


def _system(lines, pooled=None, settings=("acute", "social_care")):
    network = {"envelope": {"lines": lines, "pooled": pooled or {}},
               "cost_lines": [{"setting": s, "commissioner": "council" if s == "social_care" else "nhs"} for s in settings]}
    return SystemCost(network, 1.0)


def _top(amount, change=0.0, includes=()):
    return {"label": "t", "base_gbp": amount, "amount_gbp": amount, "change_gbp": change, "includes_modelled": list(includes)}


def test_the_system_cost_adds_bottom_up_and_top_down_and_splits_by_payer():
    lines = {"hospital": {"label": "h", "budget_gbp": 100.0, "payer": "nhs",
                          "parts": {"beds": {"label": "b", "modelled": ["acute"]}, "other": _top(40.0)}},
             "care": {"label": "c", "budget_gbp": 60.0, "payer": "council",
                      "parts": {"homes": {"label": "h", "modelled": ["social_care"]}, "other": _top(20.0, change=-5.0)}}}
    out = {"cost_acute_gbp": 55.0, "cost_social_care_gbp": 35.0}
    _system(lines, {"both": {"label": "b", "lines": ["hospital", "care"]}}).evaluate(out)
    assert out["system_cost_gbp"] == 55 + 40 + 35 + 15
    assert out["system_cost_nhs_gbp"] + out["system_cost_council_gbp"] == out["system_cost_gbp"]
    assert out["system_cost_bottom_up_gbp"] == 90 and out["system_cost_top_down_gbp"] == 55
    assert out["system_cost.care.other_gbp"] == 15
    assert out["pooled.both_gbp"] == out["system_cost_gbp"]


def test_a_setting_no_line_names_is_kept_in_an_unassigned_line():
    lines = {"hospital": {"label": "h", "budget_gbp": 100.0, "payer": "nhs", "parts": {"beds": {"label": "b", "modelled": ["acute"]}}}}
    out = {"cost_acute_gbp": 55.0, "cost_social_care_gbp": 35.0}
    _system(lines).evaluate(out)
    assert out["system_cost.unassigned.bottom_up_gbp"] == 35 and out["system_cost_gbp"] == 90


def test_a_rise_the_model_already_costs_bottom_up_is_not_counted_twice():
    lines = {"gp": {"label": "g", "budget_gbp": 100.0, "payer": "nhs",
                    "parts": {"extended": {"label": "e", "modelled": ["primary_care"]},
                              "practices": _top(100.0, change=18.0, includes=["primary_care"])}}}
    for modelled, expected in ((5.0, 113.0), (25.0, 100.0)):
        out = {"cost_primary_care_gbp": modelled}
        _system(lines, settings=("primary_care",)).evaluate(out)
        assert out["system_cost.gp.practices_gbp"] == expected
        assert out["system_cost_gbp"] == expected + modelled


def _summary(values: dict) -> pd.DataFrame:
    return pd.DataFrame([{"metric": k, "mean": v, "ci_low": v * 0.99, "ci_high": v * 1.01} for k, v in values.items()])


def test_the_reconciliation_shows_the_residual_and_fails_beyond_the_tolerance(walsall):
    env = compiled(walsall)
    values = {}
    for name, line in env["lines"].items():
        top = sum(p["amount_gbp"] for p in line["parts"].values() if p.get("modelled") is None)
        values[f"system_cost.{name}.top_down_gbp"] = top
        values[f"system_cost.{name}.bottom_up_gbp"] = line["budget_gbp"] - top      # exactly what is left
    lines = reconcile(_summary(values), env).set_index("line")
    assert lines["residual_gbp"].abs().max() < 1e-6 and lines["reconciles"].all()
    values["system_cost.acute_services.bottom_up_gbp"] *= 1.5                       # the model costs acute care too high
    lines = reconcile(_summary(values), env).set_index("line")
    assert not lines.loc["acute_services", "reconciles"] and lines.loc["mental_health", "reconciles"]
    assert lines.loc["acute_services", "residual_gbp"] == pytest.approx(-0.5 * values["system_cost.acute_services.bottom_up_gbp"] / 1.5)
    assert lines.loc["total", "budget_gbp"] == TABLE_3_TOTAL


def test_each_bottom_up_part_is_set_against_its_expected_share(walsall):
    env = compiled(walsall)
    detail = parts(_summary({"system_cost.acute_services.urgent_care_gbp": 10e6,
                             "system_cost.intermediate_and_continuing_healthcare.intermediate_care_gbp": 7e6}), env)
    detail = detail.set_index(["line", "part"])
    assert detail.loc[("acute_services", "urgent_care"), "expected_gbp"] == pytest.approx(0.044 * 206388000)
    chc = 65.26 * walsall["place"]["population"]["total"]
    residual = detail.loc[("intermediate_and_continuing_healthcare", "intermediate_care"), "residual_gbp"]
    assert residual == pytest.approx(24302000 - chc - 7e6)
    assert math.isnan(detail.loc[("mental_health", "mental_health"), "expected_gbp"])


def _one_line(part_status: dict[str, tuple[float, str | None]], line_within: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A line and its bottom-up parts: {part: (difference from expected, evidence)}."""
    env = {"part_tolerance": 0.15, "lines": {"acute": {"label": "Acute", "budget_gbp": 100.0, "payer": "nhs", "parts": {
        name: {"label": name, "modelled": [name], "expected_share": 0.5, "explained": evidence}
        for name, (_, evidence) in part_status.items()}}}}
    summary = _summary({f"system_cost.acute.{name}_gbp": 50.0 * (1 + diff) for name, (diff, _) in part_status.items()})
    lines = pd.DataFrame([{"line": "acute", "label": "Acute", "reconciles": line_within},
                          {"line": "total", "label": "total", "reconciles": True}])
    return lines, parts(summary, env)


def test_a_part_beyond_its_tolerance_fails_unless_its_evidence_explains_it():
    lines, detail = _one_line({"beds": (0.10, None), "a_and_e": (0.50, None)}, line_within=True)
    assert list(detail["status"]) == ["within tolerance", "unexplained"]
    assert failures(lines, detail) == ([], ["a_and_e"])
    lines, detail = _one_line({"beds": (0.10, None), "a_and_e": (0.50, "volumes are the trust's own")}, line_within=False)
    assert list(detail["status"]) == ["within tolerance", "explained"]
    assert failures(lines, detail) == ([], [])                     # the line's residual is its explained part's
    assert detail.loc[1, "evidence"] == "volumes are the trust's own"
    lines, detail = _one_line({"beds": (0.10, None), "a_and_e": (0.05, None)}, line_within=False)
    assert failures(lines, detail) == (["Acute"], [])             # within tolerance part by part, not as a line


def test_intermediate_care_beyond_its_line_is_the_bed_based_care_paid_through_the_better_care_fund(walsall):
    """The evidence for the intermediate care part holds in numbers: a year of the home-based places alone is
    within the part tolerance of what the line leaves after continuing healthcare, the bed-based places on top
    are not, and the explanation cites Walsall's own evidence that the beds were paid from another line."""
    env = compiled(walsall)
    line = env["lines"]["intermediate_and_continuing_healthcare"]
    expected = line["budget_gbp"] - line["parts"]["continuing_healthcare"]["amount_gbp"]
    costs, places = walsall["costs"], walsall["capacity"]
    home = costs["ic_home_day_gbp"] * places["ic_home_slots"] * 365
    beds = costs["ic_bed_day_gbp"] * places["ic_beds"] * 365
    assert abs(home - expected) <= env["part_tolerance"] * expected
    assert home + beds - expected > env["part_tolerance"] * expected
    assert "@walsall-hollybank-2018" in line["parts"]["intermediate_care"]["explained"]


def test_planned_stays_are_costed_once_with_the_beds_not_again_top_down(walsall):
    prepared = prepare(load(["run.replications=1", "run.year=2017"]))
    network = prepared["network"]
    planned = network["envelope"]["lines"]["acute_services"]["parts"]["planned_admitted"]
    costs = walsall["costs"]
    elective_los = network["services"]["acute"]["los"]["values"]["elective"]["mean"]
    assert planned["costed_bottom_up"]["part"] == "emergency_admitted"
    assert planned["costed_bottom_up"]["gbp_each"] == pytest.approx(
        elective_los * (costs["acute_bed_available_day_gbp"] + costs["acute_bed_day_gbp"]))
    system = SystemCost(network, 1.0)
    stays = 6000 * planned["costed_bottom_up"]["gbp_each"]
    without, with_planned = {"cost_acute_gbp": 60e6}, {"cost_acute_gbp": 60e6 + stays, "elective_admissions": 6000.0}
    system.evaluate(without)
    system.evaluate(with_planned)
    # the planned stays' pounds appear once: in the beds, bottom-up, and no longer in planned admitted care
    assert with_planned["system_cost_gbp"] == pytest.approx(without["system_cost_gbp"])
    assert with_planned["system_cost.acute_services.bottom_up_gbp"] - without["system_cost.acute_services.bottom_up_gbp"] \
        == pytest.approx(stays)
    assert without["system_cost.acute_services.planned_admitted_gbp"] == pytest.approx(planned["amount_gbp"])


def test_bottom_up_parts_and_top_down_parts_share_no_activity(walsall):
    """Each stream the model costs bottom-up that a top-down part also grows with is either handed over by
    that part or named as outside it: the planned stream's stays are the only admitted care in both."""
    prepared = prepare(load(["run.replications=1", "run.year=2017"]))
    network = prepared["network"]
    costed = {line["setting"] for line in network["cost_lines"]}
    lines = network["envelope"]["lines"]
    modelled = {s for line in lines.values() for p in line["parts"].values() for s in p.get("modelled") or []}
    assert costed <= modelled | {"unassigned"}
    spec = walsall["envelope"]["lines"]
    for name, line in spec.items():
        for part_name, part in line["parts"].items():
            stream = (part.get("grows_with") or {}).get("stream")
            if stream and network["streams"][stream]["to"] == "acute" and "admitted" in part_name:
                handed = lines[name]["parts"][part_name]["costed_bottom_up"]
                assert handed and handed["metric"] == "elective_admissions", part_name
    detail = parts(_summary({"elective_admissions": 6000.0}), network["envelope"])
    top = detail[detail["kind"] == "top-down"].set_index("part")
    assert top["covers"].str.len().gt(0).all()
    assert "hands to emergency_admitted" in top.loc["planned_admitted", "covers"]
    expected = detail.set_index("part").loc["emergency_admitted", "expected_gbp"]
    assert expected == pytest.approx(0.266 * 206388000 + 6000 * lines["acute_services"]["parts"]["planned_admitted"]
                                     ["costed_bottom_up"]["gbp_each"])


def test_an_explanation_or_a_hand_over_is_refused_where_it_cannot_apply(walsall):
    bad = {**walsall["envelope"], "lines": {"x": {"budget_gbp": 1.0, "payer": "nhs", "parts": {
        "beds": {"modelled": ["acute"]}, "rest": {"share": 0.5, "explained": "why"}}}}}
    with pytest.raises(ConfigError, match=re.escape("envelope.lines.x.parts.rest.explained")):
        compiled({**walsall, "envelope": bad})
    bad["lines"]["x"]["parts"]["rest"] = {"share": 0.5, "costed_bottom_up": {
        "metric": "elective_admissions", "days_each": 3, "unit_costs": ["acute_bed_day_gbp"], "part": "rest"}}
    with pytest.raises(ConfigError, match=re.escape("envelope.lines.x.parts.rest.costed_bottom_up.part")):
        compiled({**walsall, "envelope": bad})


def test_cash_prices_restate_each_year_at_the_inflation_setting(walsall):
    cfg = {**walsall, "run": {**walsall["run"], "year": 2027}, "costs": {**walsall["costs"], "cash": True}}
    prepared = envelope.apply(cfg)
    assert prepared["costs"]["report_price_year"] == 2027
    factor = MetricSet(prepared["network"], prepared["costs"]).price_factor
    assert factor == pytest.approx((1 + walsall["costs"]["inflation_per_year"]) ** 10)
    assert envelope.apply(walsall)["costs"]["report_price_year"] == 2017


def test_a_place_without_an_envelope_reports_no_system_cost():
    dudley = prepare(load(["place=dudley"]))
    assert "envelope" not in dudley["network"]
    out = {"cost_acute_gbp": 1.0}
    SystemCost(dudley["network"], 1.0).evaluate(out)
    assert out == {"cost_acute_gbp": 1.0}


def test_wirral_declares_pot_a_as_a_pooled_budget():
    env = prepare(load(["place=wirral"]))["network"]["envelope"]
    assert env["pooled"]["pot_a"]["lines"] == ["pot_a_ccg", "pot_a_council", "pot_a_public_health"]
    assert sum(env["lines"][line]["budget_gbp"] for line in env["pooled"]["pot_a"]["lines"]) == pytest.approx(519.7e6)
    assert env["total_gbp"] == pytest.approx(sum(line["budget_gbp"] for line in env["lines"].values()))


SHORT = ["run.replications=1", "run.horizon_days=100", "run.warmup_days=10", "run.n_jobs=1"]


def test_the_reconcile_command_fails_when_a_line_or_a_part_is_out_of_tolerance(tmp_path):
    from sim import reconcile as command
    # a quarter of a year costs a quarter of the modelled settings: those lines cannot reconcile with a year's budget
    code = command.main([*SHORT, "--out", str(tmp_path)])
    lines = pd.read_csv(tmp_path / "lines.csv").set_index("line")
    assert code == 1 and not lines.loc["acute_services", "reconciles"]
    assert lines.loc["total", "budget_gbp"] == TABLE_3_TOTAL
    assert lines.loc["mental_health", "residual_gbp"] == pytest.approx(0.0)     # carried top-down whole
    detail = pd.read_csv(tmp_path / "parts.csv").set_index(["line", "part"])
    assert detail.loc[("community_services", "modelled_teams"), "status"] == "unexplained"
    readme = (tmp_path / "README.md").read_text()
    assert "residual" in readme and "covers only activity the model does not simulate" in readme


def test_the_reconcile_command_fails_on_an_unexplained_part_though_every_line_is_within_tolerance(tmp_path, capsys):
    from sim import reconcile as command
    code = command.main([*SHORT, "envelope.tolerance=1.0", "--out", str(tmp_path)])
    lines = pd.read_csv(tmp_path / "lines.csv")
    detail = pd.read_csv(tmp_path / "parts.csv").set_index("part")
    assert lines["reconciles"].all() and detail.loc["modelled_teams", "status"] == "unexplained"
    assert code == 1 and "Lines beyond the 100% tolerance that their parts do not explain: none" in capsys.readouterr().out


def test_the_reconcile_command_refuses_a_part_tolerance_beyond_one_and_writes_nothing(tmp_path, capsys):
    from sim import reconcile as command
    assert command.main([*SHORT, "envelope.part_tolerance=2", "--out", str(tmp_path / "out")]) == 2
    assert "envelope.part_tolerance" in capsys.readouterr().err and not (tmp_path / "out").exists()


def test_the_reconcile_command_passes_when_every_line_and_part_is_within_tolerance(tmp_path):
    from sim import reconcile as command
    code = command.main([*SHORT, "envelope.tolerance=1.0", "envelope.part_tolerance=1.0", "--out", str(tmp_path)])
    detail = pd.read_csv(tmp_path / "parts.csv")
    assert code == 0 and not (detail["status"] == "unexplained").any()


def test_activity_paid_per_unit_carries_its_short_run_fixed_part_at_one_minus_its_marginal_share(walsall):
    from sim import api
    run = api.run("run.horizon_days=20", "run.warmup_days=5", "run.replications=1", "run.n_jobs=1", "scenario=uk_comparator",
                  "run.year=2027")
    out = run.replications.pivot_table(index="replication", columns="metric", values="value").iloc[0]
    costs = walsall["costs"]
    shares = costs["marginal_share"]
    activity = {"ae_attendances": "ae_attendance_gbp", "utc_attendances": "utc_attendance_gbp",
                "sdec_attendances": "sdec_attendance_gbp", "spa_referrals": "spa_referral_gbp",
                "social_assessments": "social_assessment_gbp"}
    priced = sum(out[m] * costs[u] for m, u in activity.items())
    fixed = sum(out[m] * costs[u] * (1 - shares[u]) for m, u in activity.items())
    outpatients = out["system_cost.acute_services.outpatients_gbp"]     # less than its projected amount: -29%
    change = prepare(load(["scenario=uk_comparator", "run.year=2027"]))["network"]["envelope"]["lines"]["acute_services"][
        "parts"]["outpatients"]["change_gbp"]
    gp_change = out["activity_priced_gbp"] - priced - change             # the GP attendances' rise, marginal share 1
    assert outpatients > 0 and change < 0 and gp_change >= 0
    assert out["fixed_in_short_run_gbp"] == pytest.approx(fixed + (1 - shares["outpatients"]) * change)
    assert out["fixed_in_short_run_nhs_gbp"] + out["fixed_in_short_run_council_gbp"] == pytest.approx(out["fixed_in_short_run_gbp"])
