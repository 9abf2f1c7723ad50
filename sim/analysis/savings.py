"""Kinds of saving: a scheme's paired difference from its counterfactual, told apart as a finance director would.

A scheme that avoids activity saves little cash unless capacity is taken out: most of the cost of a
bed or a community place is paid whether it is used or not.  :func:`kinds_of_saving` splits each
scenario's saving against the baseline scenario (``do_nothing``), replication by replication (common
random numbers), into:

``net_saving_gbp``
    the whole-system cost of the baseline minus the scenario's (``system_cost_gbp``; the modelled
    ``total_cost_gbp`` for a place without an envelope);
``cash_releasing_saving_gbp``
    capacity actually removed against the base year: for each service charged per place, the fixed
    cost of the places the scenario has fewer than both the base year and the baseline, in whole steps
    (a ward at a time) and after the closure lag, as the capacity policy set them
    (:mod:`sim.inputs.capacity_policy`);
``cost_avoidance_gbp``
    the rest of the saving, once the scheme's investment is added back: growth the baseline would
    have bought and the scenario does not need.  ``cost_avoidance_capacity_gbp`` is the places the
    baseline added over the base year that the scenario does without; ``cost_avoidance_activity_gbp``
    everything else (activity-priced care, escalation, top-down lines; negative where the scenario
    buys more, such as GP attendances);
``scheme_investment_gbp``
    what the scenario spends that the baseline does not: places above the baseline's, the schemes'
    running costs and one-off costs of opening or closing steps beyond the baseline's;
``freed_capacity_not_released_gbp``
    the rest, which is not cash: occupied place-days the scenario frees and keeps open (valued at the
    fixed cost of a place-day); capacity a planner could release, or use for other patients.

Avoided activity is valued at marginal cost by default: an attendance that does not happen saves only
its marginal share of the average unit cost (``costs.marginal_share``; the rest, staff rostered to
expected demand, is paid all the same), so ``net_saving_gbp`` and ``cost_avoidance_gbp`` take the
short-run fixed part of the activity avoided (``fixed_in_short_run_gbp``) out of the average-cost
difference.  The labelled alternatives value it at average cost:

``net_saving_average_gbp``, ``cost_avoidance_average_gbp``
    the same kinds with avoided activity at its average unit cost (the whole-system cost difference);
``provider_income_lost_gbp``
    what providers paid per unit of activity lose in income: the activity avoided at its average price
    (the commissioner's cash saving on it), beside the system's saving, which is only its marginal cost.

So ``net_saving = cash_releasing + cost_avoidance - scheme_investment`` exactly, in every replication,
at marginal and at average cost.  :func:`optimism_adjusted` adds the net savings after the Green Book's optimism bias:
costs uplifted, benefits resting on assumed effects cut.
Each comes for the whole system and by payer (``_nhs``, ``_council``).  Rows have the columns of
:func:`sim.analysis.statistics.paired_differences`; ``difference`` is the amount (positive: money
saved) and ``relative_pct`` its percentage of the baseline's cost.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .statistics import keys, t_interval

PAYERS = ("nhs", "council")


def kinds_of_saving(replications: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Each scenario's kinds of saving against ``baseline``, with 95% t-intervals (empty without the
    place and cost metrics they need)."""
    by = [k for k in keys(replications) if k not in ("scenario", "metric")]
    if baseline not in set(replications["scenario"]) or not replications["metric"].str.startswith("fixed_cost.").any():
        return _empty(by)
    wide = replications.pivot_table(index=[*by, "replication"], columns=["scenario", "metric"], values="value")
    rows = []
    for scenario in dict.fromkeys(replications["scenario"]):
        if scenario == baseline:
            continue
        amounts = per_replication(wide[scenario], wide[baseline])
        costs = wide[baseline][_cost_metric(wide[baseline].columns, "")]
        groups = zip(amounts.groupby(level=by), costs.groupby(level=by)) if by else [(((), amounts), ((), costs))]
        for (key, group), (_, base_cost) in groups:
            key = key if isinstance(key, tuple) else (key,)
            base = float(np.nanmean(base_cost.to_numpy(dtype=float)))
            for kind in amounts.columns:
                mean, low, high, n = t_interval(group[kind].to_numpy())
                rows.append((scenario, baseline, *key, kind, mean, low, high,
                             100.0 * mean / base if base and math.isfinite(base) else math.nan, n))
    return pd.DataFrame(rows, columns=["scenario", "baseline", *by, "metric", "difference", "ci_low", "ci_high",
                                       "relative_pct", "replications"])


def per_replication(scenario: pd.DataFrame, baseline: pd.DataFrame) -> pd.DataFrame:
    """The kinds of saving of each replication (rows), whole system and by payer (columns), from two
    frames of metrics (columns) by replication (rows), paired by their index."""
    out = {}
    for payer in ("", *PAYERS):
        suffix = f"_{payer}" if payer else ""
        services = _fixed_services(scenario.columns, payer)
        cost = _cost_metric(scenario.columns, payer)
        if cost not in scenario.columns:
            continue                  # no cost of this payer in the network
        net_average = baseline[cost] - scenario[cost]
        fixed = f"fixed_in_short_run{suffix}_gbp"
        net = net_average - (baseline[fixed] - scenario[fixed]) if fixed in scenario.columns else net_average
        cash = avoided = added = freed = 0.0
        for key in services:
            s, d, b = scenario[f"{key}.places_gbp"], baseline[f"{key}.places_gbp"], scenario[f"{key}.base_gbp"]
            cash = cash + np.maximum(0.0, np.minimum(d, b) - s)
            avoided = avoided + np.maximum(0.0, d - np.maximum(s, b))
            added = added + np.maximum(0.0, s - d)
            used = baseline[f"{key}.used_gbp"] - scenario[f"{key}.used_gbp"]
            freed = freed + np.maximum(0.0, used - np.maximum(0.0, d - s))
        for name in ("scheme_cost", "capacity_change_cost"):
            metric = f"{name}_{payer}_gbp" if payer else f"{name}_gbp"
            if metric in scenario.columns:       # what the scenario spends beyond the baseline (steps it avoids are avoidance)
                added = added + np.maximum(0.0, scenario[metric] - baseline[metric])
        avoidance = net - cash + added
        out.update({f"net_saving{suffix}_gbp": net, f"cash_releasing_saving{suffix}_gbp": cash,
                    f"cost_avoidance{suffix}_gbp": avoidance, f"scheme_investment{suffix}_gbp": added,
                    f"freed_capacity_not_released{suffix}_gbp": freed, f"net_saving_average{suffix}_gbp": net_average,
                    f"cost_avoidance_average{suffix}_gbp": net_average - cash + added})
        priced = f"activity_priced{suffix}_gbp"
        if priced in scenario.columns:
            out[f"provider_income_lost{suffix}_gbp"] = baseline[priced] - scenario[priced]
        if not payer:
            out["cost_avoidance_capacity_gbp"] = avoided
            out["cost_avoidance_activity_gbp"] = avoidance - avoided
    return pd.DataFrame({k: pd.Series(v, index=scenario.index) if np.isscalar(v) else v for k, v in out.items()})


def optimism_adjusted(amounts: pd.DataFrame, cost_uplift: float, benefit_cut: float) -> pd.DataFrame:
    """``amounts`` (from :func:`per_replication`) with the net savings adjusted for optimism bias, at marginal and
    at average cost: ``net_saving_optimism_adjusted_gbp`` and ``net_saving_average_optimism_adjusted_gbp``.

    The schemes' investment is uplifted by ``cost_uplift`` (the Green Book's rate for the project type,
    ``costs.optimism_bias_costs``); the benefits (cash released and cost avoided) are cut by ``benefit_cut``,
    which a caller passes only for schemes whose effects are assumed, not evidenced (``costs.optimism_bias_benefits``
    or 0).  Freed capacity not released is not a benefit and is left alone."""
    out = amounts.copy()
    investment = out["scheme_investment_gbp"] * (1.0 + cost_uplift)
    for suffix in ("", "_average"):
        benefits = out["cash_releasing_saving_gbp"] + out[f"cost_avoidance{suffix}_gbp"]
        out[f"net_saving{suffix}_optimism_adjusted_gbp"] = benefits * (1.0 - benefit_cut) - investment
    return out


def net_present_value(amounts: pd.DataFrame, rate: float, base_year: int) -> tuple[float, float, float, int]:
    """(mean, low, high, n) over replications of the net present value of yearly amounts
    (columns ``year, replication, value``), each year discounted at ``rate`` to ``base_year``."""
    factor = (1.0 + rate) ** -(amounts["year"] - base_year)
    totals = (amounts["value"] * factor).groupby(amounts["replication"]).sum()
    return t_interval(totals.to_numpy())


def _fixed_services(columns, payer: str) -> list[str]:
    """``fixed_cost.<payer>.<service>`` of every service charged per place (of one payer, or all)."""
    found = {c.rsplit(".", 1)[0] for c in columns if str(c).startswith("fixed_cost.") and str(c).endswith(".places_gbp")}
    return sorted(k for k in found if not payer or k.split(".")[1] == payer)


def _cost_metric(columns, payer: str) -> str:
    """The cost a saving is measured on: the whole system's where the place has an envelope, else the modelled."""
    if "system_cost_gbp" in columns:
        return f"system_cost_{payer}_gbp" if payer else "system_cost_gbp"
    return f"cost_commissioner_{payer}_gbp" if payer else "total_cost_gbp"


def _empty(by: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=["scenario", "baseline", *by, "metric", "difference", "ci_low", "ci_high",
                                 "relative_pct", "replications"])
