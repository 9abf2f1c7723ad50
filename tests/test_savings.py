"""Kinds of saving: cash released, cost avoided, the scheme's investment and freed capacity, paired by replication."""
from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis.comparison import paired_comparison
from sim.analysis.savings import kinds_of_saving, net_present_value, per_replication

DAY = 242.0 * 365       # a staffed bed for a year


def replications(scenario, year, places, base, used, cost, council=0.0, scheme=0.0, reps=3):
    """Long replications of one scenario with one service charged per place (acute beds, NHS)."""
    rows = []
    for r in range(reps):
        noise = 1000.0 * r
        values = {"fixed_cost.nhs.acute.places_gbp": places * DAY, "fixed_cost.nhs.acute.base_gbp": base * DAY,
                  "fixed_cost.nhs.acute.used_gbp": used * DAY + noise, "system_cost_gbp": cost + noise + council,
                  "system_cost_nhs_gbp": cost + noise, "system_cost_council_gbp": council, "scheme_cost_gbp": scheme,
                  "scheme_cost_nhs_gbp": scheme, "scheme_cost_council_gbp": 0.0, "capacity_change_cost_gbp": 0.0,
                  "capacity_change_cost_nhs_gbp": 0.0, "capacity_change_cost_council_gbp": 0.0}
        rows += [(scenario, year, r, k, v) for k, v in values.items()]
    return pd.DataFrame(rows, columns=["scenario", "year", "replication", "metric", "value"])


def kinds(scheme, baseline):
    table = kinds_of_saving(pd.concat([scheme, baseline], ignore_index=True), "do_nothing")
    return table.set_index("metric")["difference"]


def test_beds_closed_below_the_base_year_release_cash():
    # places fixed at 533; the scheme closes two wards and spends less
    k = kinds(replications("scheme", 2027, 477, 533, 450, 100e6 - 56 * DAY),
              replications("do_nothing", 2027, 533, 533, 520, 100e6))
    assert k["cash_releasing_saving_gbp"] == pytest.approx(56 * DAY)
    assert k["cost_avoidance_capacity_gbp"] == 0
    assert k["net_saving_gbp"] == pytest.approx(56 * DAY)
    assert k["freed_capacity_not_released_gbp"] == pytest.approx((520 - 450 - 56) * DAY)


def test_growth_the_demand_led_do_nothing_buys_and_the_scheme_does_not_need_is_avoided():
    # the do-nothing grows to 611 beds; the scheme needs 561, above the base year's 533: no cash, avoidance
    k = kinds(replications("scheme", 2027, 561, 533, 530, 100e6 + 28 * DAY),
              replications("do_nothing", 2027, 611, 533, 580, 100e6 + 78 * DAY))
    assert k["cash_releasing_saving_gbp"] == 0
    assert k["cost_avoidance_capacity_gbp"] == pytest.approx(50 * DAY)
    assert k["cost_avoidance_gbp"] == pytest.approx(50 * DAY)
    assert k["cost_avoidance_activity_gbp"] == pytest.approx(0, abs=1e-6)


def test_a_schemes_own_places_and_running_costs_are_its_investment():
    k = kinds(replications("scheme", 2027, 543, 533, 520, 100e6 + 10 * DAY + 5e5, scheme=5e5),
              replications("do_nothing", 2027, 533, 533, 520, 100e6))
    assert k["scheme_investment_gbp"] == pytest.approx(10 * DAY + 5e5)
    assert k["net_saving_gbp"] == pytest.approx(-(10 * DAY + 5e5))
    assert k["cost_avoidance_gbp"] == pytest.approx(0, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.integers(300, 700), st.integers(300, 700), st.integers(300, 700), st.floats(-5e7, 5e7), st.floats(0, 2e6))
def test_net_saving_is_cash_released_plus_cost_avoided_less_investment_in_every_replication(s, d, b, other, scheme):
    scheme_reps = replications("scheme", 2027, s, b, s * 0.9, 1e8 + (s - d) * DAY + other + scheme, council=3e6, scheme=scheme)
    base_reps = replications("do_nothing", 2027, d, b, d * 0.95, 1e8, council=2e6)
    wide = pd.concat([scheme_reps, base_reps]).pivot_table(index=["year", "replication"], columns=["scenario", "metric"],
                                                           values="value")
    amounts = per_replication(wide["scheme"], wide["do_nothing"])
    identity = amounts["cash_releasing_saving_gbp"] + amounts["cost_avoidance_gbp"] - amounts["scheme_investment_gbp"]
    assert (identity - amounts["net_saving_gbp"]).abs().max() < 1e-3
    payers = amounts["net_saving_nhs_gbp"] + amounts["net_saving_council_gbp"]
    assert (payers - amounts["net_saving_gbp"]).abs().max() < 1e-3
    assert (amounts["cash_releasing_saving_gbp"] >= 0).all() and (amounts["freed_capacity_not_released_gbp"] >= 0).all()


def test_kinds_of_saving_are_rows_of_the_paired_comparison_by_year():
    reps = pd.concat([replications("do_nothing", y, 533, 533, 520, 1e8) for y in (2026, 2027)]
                     + [replications("scheme", y, 505, 533, 480, 1e8 - 28 * DAY) for y in (2026, 2027)], ignore_index=True)
    table = paired_comparison(reps, "do_nothing")
    rows = table[table["metric"] == "cash_releasing_saving_gbp"]
    assert list(rows["year"]) == [2026, 2027] and rows["difference"].tolist() == pytest.approx([28 * DAY] * 2)
    assert "system_cost_gbp" in set(table["metric"])                 # the ordinary differences come first


def test_no_kinds_without_the_accounts_they_need():
    plain = pd.DataFrame({"scenario": ["a", "b"], "replication": [0, 0], "metric": ["x", "x"], "value": [1.0, 2.0]})
    assert kinds_of_saving(plain, "a").empty
    assert set(paired_comparison(plain, "a")["metric"]) == {"x"}


def test_net_present_value_discounts_each_year_to_the_base_year():
    amounts = pd.DataFrame({"year": [2017, 2018, 2019] * 2, "replication": [0, 0, 0, 1, 1, 1],
                            "value": [0.0, 103.5, 107.1225, 0.0, 103.5, 107.1225]})
    mean, *_, n = net_present_value(amounts, 0.035, 2017)
    assert mean == pytest.approx(200.0) and n == 2


def _with_activity(frame, priced, fixed_share):
    """A scenario's replications with its activity paid per unit, all the NHS's."""
    rows = [(frame["scenario"].iloc[0], 2027, r, metric, value) for r in range(3) for metric, value in (
        ("activity_priced_gbp", priced), ("fixed_in_short_run_gbp", fixed_share * priced),
        ("activity_priced_nhs_gbp", priced), ("fixed_in_short_run_nhs_gbp", fixed_share * priced),
        ("activity_priced_council_gbp", 0.0), ("fixed_in_short_run_council_gbp", 0.0))]
    return pd.concat([frame, pd.DataFrame(rows, columns=frame.columns)], ignore_index=True)


def test_avoided_activity_saves_its_marginal_cost_and_costs_providers_its_average_price():
    # the scheme avoids £10m of attendances at average prices, of which 70% is paid all the same (marginal share 0.3)
    avoided, fixed_share = 10e6, 0.7
    scheme = _with_activity(replications("scheme", 2027, 533, 533, 520, 1e8 - avoided), 20e6, fixed_share)
    base = _with_activity(replications("do_nothing", 2027, 533, 533, 520, 1e8), 20e6 + avoided, fixed_share)
    k = kinds(scheme, base)
    assert k["net_saving_gbp"] == pytest.approx(0.3 * avoided)                  # the system saves the marginal cost
    assert k["net_saving_average_gbp"] == pytest.approx(avoided)                 # the labelled alternative
    assert k["provider_income_lost_gbp"] == pytest.approx(avoided)               # the hospital's income falls by the price
    assert k["cost_avoidance_gbp"] == pytest.approx(0.3 * avoided) and k["cost_avoidance_average_gbp"] == pytest.approx(avoided)
    assert k["cash_releasing_saving_gbp"] == 0
