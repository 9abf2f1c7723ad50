"""The ten-year projection's savings: one headline per comparator, every other variant in a table, and no model
figure set beside a published one in other terms (experiments/ten_year_projection.py, README.md, docs/, results/)."""
from __future__ import annotations

import importlib
import re

import pandas as pd
import pytest

from sim.common.paths import ROOT
from sim.inputs.config import load

#: published growth figures that are in cash (the business case's own projections)
PUBLISHED_CASH = ("12.83%",)
YEARS = (2017, 2018)


@pytest.fixture(scope="module")
def projection():
    import sys
    sys.path.insert(0, str(ROOT / "experiments"))
    try:
        yield importlib.import_module("ten_year_projection")
    finally:
        sys.path.remove(str(ROOT / "experiments"))


def _replications(projection) -> pd.DataFrame:
    """Two replications of two years of the six runs: each comparator avoids £4m of activity a year at average
    prices, 70% of it fixed in the short run, and spends £1m on its schemes."""
    rows = []
    for scenario in [projection.label(s, p) for s in projection.SCENARIOS for p in projection.POLICIES]:
        scheme = not scenario.startswith("do_nothing")
        for year in YEARS:
            for rep in range(2):
                cost = 500e6 + 10e6 * (year - 2017) + 1e5 * rep + (1e6 - 4e6 if scheme else 0.0)
                priced = 50e6 - (4e6 if scheme else 0.0)
                values = {"system_cost_gbp": cost, "system_cost_nhs_gbp": cost - 60e6, "system_cost_council_gbp": 60e6,
                          "system_cost_top_down_gbp": 400e6, "total_cost_gbp": cost - 400e6,
                          "scheme_cost_gbp": 1e6 if scheme else 0.0, "scheme_cost_nhs_gbp": 1e6 if scheme else 0.0,
                          "scheme_cost_council_gbp": 0.0, "activity_priced_gbp": priced, "activity_priced_nhs_gbp": priced,
                          "activity_priced_council_gbp": 0.0, "fixed_in_short_run_gbp": 0.7 * priced,
                          "fixed_in_short_run_nhs_gbp": 0.7 * priced, "fixed_in_short_run_council_gbp": 0.0}
                rows += [(scenario, year, rep, metric, value) for metric, value in values.items()]
    return pd.DataFrame(rows, columns=["scenario", "year", "replication", "metric", "value"])


@pytest.fixture(scope="module")
def variants(projection):
    return projection.saving_variants(_replications(projection), load([])["costs"], YEARS[-1])


def test_every_variant_is_a_row_and_each_comparator_has_one_headline(projection, variants):
    assert len(variants) == len(projection.COMPARATORS) * len(projection.POLICIES) * len(projection.VARIANTS) * 2
    heads = variants[variants["headline"]]
    assert sorted(heads["comparator"]) == sorted(projection.COMPARATORS)
    assert (heads[["valuation", "optimism", "policy", "terms"]] == ["marginal", "adjusted", "demand_led", "real"]).all().all()


def test_the_variants_value_activity_at_marginal_or_average_cost_before_or_after_optimism_bias(projection, variants):
    costs = load([])["costs"]
    real = variants[(variants["terms"] == "real") & (variants["policy"] == "demand_led")
                    & (variants["comparator"] == "uk_comparator")].set_index(["valuation", "optimism"])["saving_gbp"]
    assert real[("average", "unadjusted")] == pytest.approx(4e6 - 1e6)                 # average cost: the £4m avoided
    assert real[("marginal", "unadjusted")] == pytest.approx(0.3 * 4e6 - 1e6)          # only its marginal 30% saved
    cut = projection.benefit_cut("uk_comparator", costs)
    assert 0 < cut <= costs["optimism_bias_benefits"]                                   # its effects are mostly assumed
    assert real[("marginal", "adjusted")] == pytest.approx(0.3 * 4e6 * (1 - cut) - 1e6 * (1 + costs["optimism_bias_costs"]))


def test_cash_terms_restate_the_saving_in_the_years_prices_and_leave_its_present_value(variants):
    pair = variants.set_index(["comparator", "policy", "valuation", "optimism", "terms"])
    for key in {k[:4] for k in pair.index}:
        real, cash = pair.loc[(*key, "real")], pair.loc[(*key, "cash")]
        assert cash["saving_gbp"] == pytest.approx(real["saving_gbp"] * 1.03 ** (YEARS[-1] - YEARS[0]))
        assert cash["npv_gbp"] == pytest.approx(real["npv_gbp"])
        assert cash["saving_pct"] == pytest.approx(real["saving_pct"])                  # a ratio of one year's costs


def _headline_tables(projection, variants):
    growth = projection.cost_growth(_replications(projection), YEARS[-1])
    tables = [projection.headline_table(variants, growth)]
    committed = ROOT / "results" / "ten_year_projection" / "headline.csv"
    if committed.exists():                    # the experiment's own table, once it has been run with this code
        tables.append(pd.read_csv(committed))
    return tables


def test_a_headline_never_sets_a_real_figure_against_a_cash_one(projection, variants):
    for table in _headline_tables(projection, variants):
        assert len(table) >= 1 + len(projection.COMPARATORS)
        mismatched = table[table["model_terms"] != table["published_terms"]]
        assert mismatched.empty, mismatched["figure"].tolist()


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n\s*\n", text) if s.strip()]


def test_no_sentence_sets_a_real_terms_model_figure_beside_a_cash_published_one():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "results").glob("*/README.md"))]
    offending = []
    for page in pages:
        for sentence in _sentences(page.read_text()):
            if any(figure in sentence for figure in PUBLISHED_CASH) and re.search(r"\breal\b", sentence):
                offending.append(f"{page.relative_to(ROOT)}: {sentence[:160]}")
    assert offending == []
