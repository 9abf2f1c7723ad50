"""The whole-system envelope: top-down lines projected by demography and scenario, the system cost by payer,
the base-year reconciliation that can fail, pooled budgets and prices."""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from sim.analysis.metrics import MetricSet
from sim.analysis.reconciliation import parts, reconcile
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


def test_the_reconcile_command_fails_when_a_line_is_out_of_tolerance(tmp_path):
    from sim import reconcile as command
    # a quarter of a year costs a quarter of the modelled settings: those lines cannot reconcile with a year's budget
    code = command.main(["run.replications=1", "run.horizon_days=100", "run.warmup_days=10", "run.n_jobs=1", "--out", str(tmp_path)])
    lines = pd.read_csv(tmp_path / "lines.csv").set_index("line")
    assert code == 1 and not lines.loc["acute_services", "reconciles"]
    assert lines.loc["total", "budget_gbp"] == TABLE_3_TOTAL
    assert lines.loc["mental_health", "residual_gbp"] == pytest.approx(0.0)     # carried top-down whole
    assert (tmp_path / "README.md").read_text().count("residual") >= 1
