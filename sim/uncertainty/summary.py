"""From the runs to the numbers a board reads: per-draw results, paired differences, P10/P50/P90.

``psa.csv`` holds one row per draw, scenario, year and metric: the draw's mean over its replications.
A scenario compared with ``do_nothing`` adds rows under the scenario name ``<scenario> vs do_nothing``:
the paired difference, replication by replication on common random numbers, then averaged over the
draw's replications, and ``net_saving_gbp`` = do-nothing cost minus the scenario's cost (positive: it
saves money).  The cost is the whole system's (``system_cost_gbp``: the modelled settings plus the
place's other spending, as the ten-year projection reports it) where the network has one, otherwise
the modelled settings' (``total_cost_gbp``); with a whole-system cost, ``net_saving_modelled_gbp``
is the saving on the modelled settings alone.  Summaries weight each draw by its history-matching
weight (:mod:`sim.uncertainty.history`).

**Draws that run away.**  A draw's assumptions can overload a service the scenario's places were not
sized for, so that its waiting list grows without levelling off (``unstable_<service>``,
:func:`sim.analysis.output_analysis.unstable_flags`).  That draw's waits, bed need and costs grow with
the length of the run: they are not estimates.  ``ran_away`` (1 where any list ran away in the run;
for a comparison, in either run) is kept for every draw.  A draw that ran away is not dropped: it is
an outcome, "the system does not cope", with its probability (``probability_ran_away`` in the
headline, beside the probabilities of a saving and of a loss, the three over the same draws).  The
percentiles are given both ways: over the draws that did not run away (the emulators, too, are fitted
to those only, a runaway's value being no estimate), and with the runaways at the value they reached
(``..._with_ran_away_gbp``).  Under the demand-led policy each draw's places are sized for that draw
(:mod:`sim.uncertainty.places`), so a draw runs away only where the policy's own places cannot cope.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

REFERENCE = "do_nothing"
SAVING = "net_saving_gbp"
MODELLED_SAVING = "net_saving_modelled_gbp"
SYSTEM_COST, MODELLED_COST = "system_cost_gbp", "total_cost_gbp"
COSTS = (SYSTEM_COST, MODELLED_COST)
BED_NEED = "acute_bed_need"
RUNAWAY = "ran_away"
FLAG = "unstable_"
RAN_AWAY_SHARE = 0.5         # a draw ran away when a list ran away in at least this share of its replications
#: beds in use plus patients waiting for one (boarding in A&E, waiting on the day): the beds demand asked for
BED_NEED_PARTS = ("acute.occupancy_mean", "acute.queue_mean")


def with_bed_need(replications: pd.DataFrame) -> pd.DataFrame:
    """Add ``acute_bed_need`` (mean beds in use plus mean patients waiting for a bed) to each replication."""
    parts = replications[replications["metric"].isin(BED_NEED_PARTS)]
    if parts["metric"].nunique() < len(BED_NEED_PARTS):
        return replications
    keys = [c for c in replications.columns if c not in ("metric", "value")]
    need = parts.groupby(keys, sort=False)["value"].sum().reset_index().assign(metric=BED_NEED)
    return pd.concat([replications, need[replications.columns]], ignore_index=True)


def with_runaway(replications: pd.DataFrame) -> pd.DataFrame:
    """Add ``ran_away`` (1 where any service's waiting list ran away) to each replication."""
    flags = replications[replications["metric"].str.startswith(FLAG)]
    if flags.empty:
        return replications
    keys = [c for c in replications.columns if c not in ("metric", "value")]
    ran = flags.groupby(keys, sort=False)["value"].max().reset_index().assign(metric=RUNAWAY)
    return pd.concat([replications, ran[replications.columns]], ignore_index=True)


def stable(psa: pd.DataFrame) -> pd.Series:
    """Per ``(draw, scenario, year)``: True unless the draw ran away in at least half its replications."""
    ran = psa[psa["metric"] == RUNAWAY].set_index(["draw", "scenario", "year"])["value"]
    return ran < RAN_AWAY_SHARE


def steady_rows(frame: pd.DataFrame, steady: pd.Series) -> np.ndarray:
    """For each row of ``frame`` (``draw, scenario, year`` columns): whether its draw did not run away."""
    keys = pd.MultiIndex.from_frame(frame[["draw", "scenario", "year"]])
    return steady.reindex(keys).fillna(True).to_numpy(bool)


def _kept(group: pd.DataFrame, weights: pd.Series, steady: pd.Series) -> np.ndarray:
    """The weights of a (scenario, year) group's draws, zero where the draw ran away."""
    return weights.reindex(group["draw"]).fillna(0.0).to_numpy() * steady_rows(group, steady)


def cost_metric(metrics) -> str:
    """The cost a saving is taken on: the whole system's where ``metrics`` has it, else the modelled settings'."""
    return SYSTEM_COST if SYSTEM_COST in set(metrics) else MODELLED_COST


def comparison_label(scenario: str, reference: str = REFERENCE) -> str:
    return f"{scenario} vs {reference}"


def draw_means(replications: pd.DataFrame) -> pd.DataFrame:
    """``draw, scenario, year, metric, value``: each draw's mean over its replications."""
    return (replications.groupby(["draw", "scenario", "year", "metric"], sort=True)["value"].mean()
            .reset_index())


def paired_differences(replications: pd.DataFrame, reference: str = REFERENCE) -> pd.DataFrame:
    """Each scenario minus ``reference``, replication by replication, with the net saving added."""
    keys = ["draw", "year", "replication", "metric"]
    base = replications[replications["scenario"] == reference].set_index(keys)["value"]
    cost = cost_metric(replications["metric"].unique())
    savings = {SAVING: cost, **({MODELLED_SAVING: MODELLED_COST} if cost != MODELLED_COST else {})}
    frames = []
    for scenario in [s for s in replications["scenario"].unique() if s != reference]:
        other = replications[replications["scenario"] == scenario].set_index(keys)["value"]
        diff = (other - base).dropna()
        ran = diff.index.get_level_values("metric") == RUNAWAY          # a comparison runs away with either run
        diff[ran] = np.maximum(other.reindex(diff.index[ran]).to_numpy(), base.reindex(diff.index[ran]).to_numpy())
        diff = diff.reset_index()
        saved = [diff[diff["metric"] == of].assign(metric=name, value=lambda d: -d["value"]) for name, of in savings.items()]
        frames.append(pd.concat([diff, *saved]).assign(scenario=comparison_label(scenario, reference)))
    return pd.concat(frames, ignore_index=True) if frames else replications.iloc[:0]


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, probabilities) -> np.ndarray:
    """Quantiles of a weighted sample (the weighted empirical distribution, interpolated at midpoints)."""
    values, weights = np.asarray(values, float), np.asarray(weights, float)
    keep = weights > 0
    values, weights = values[keep], weights[keep]
    if len(values) == 0:
        return np.full(len(probabilities), np.nan)
    order = np.argsort(values)
    values, weights = values[order], weights[order]
    cumulative = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return np.interp(probabilities, cumulative, values)


def summarise(psa: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    """``scenario, year, metric, mean, p10, p50, p90, draws``, each draw weighted."""
    rows, steady = [], stable(psa)
    for (scenario, year, metric), group in psa.groupby(["scenario", "year", "metric"], sort=False):
        every = weights.reindex(group["draw"]).fillna(0.0).to_numpy()
        w = every if metric == RUNAWAY else _kept(group, weights, steady)     # the share that ran away: over all
        v = group["value"].to_numpy()
        if w.sum() <= 0:
            continue
        p10, p50, p90 = weighted_quantiles(v, w, [0.1, 0.5, 0.9])
        rows.append({"scenario": scenario, "year": year, "metric": metric, "mean": float(np.average(v, weights=w)),
                     "p10": p10, "p50": p50, "p90": p90, "draws": int((w > 0).sum()),
                     "draws_ran_away": int(((every > 0) & (w == 0)).sum())})
    return pd.DataFrame(rows, columns=["scenario", "year", "metric", "mean", "p10", "p50", "p90", "draws", "draws_ran_away"])


def headline(psa: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    """For each scenario compared with do-nothing and year, over the draws history matching kept
    (``draws_counted``, each weighted): the net saving's P10/P50/P90 over those where neither run ran
    away (``draws``), and again with the runs that ran away at the value they reached
    (``..._with_ran_away_gbp``); and the probabilities of the three outcomes, which sum to 1 less any
    draw that exactly breaks even: a saving, a loss (``net_saving_gbp`` < 0), and running away (the
    system does not cope with the places it has)."""
    rows, steady = [], stable(psa)
    cost = cost_metric(psa["metric"].unique())
    savings = psa[psa["metric"] == SAVING]
    for (scenario, year), group in savings.groupby(["scenario", "year"], sort=True):
        every = weights.reindex(group["draw"]).fillna(0.0).to_numpy()
        w = _kept(group, weights, steady)
        v = group["value"].to_numpy()
        if every.sum() <= 0:
            continue
        ran = (every > 0) & (w == 0)
        p10, p50, p90 = weighted_quantiles(v, w, [0.1, 0.5, 0.9]) if w.sum() > 0 else [np.nan] * 3
        a10, a50, a90 = weighted_quantiles(v, every, [0.1, 0.5, 0.9])
        total = every.sum()
        rows.append({"comparison": scenario, "year": year, "cost": cost, "net_saving_p10_gbp": p10, "net_saving_p50_gbp": p50,
                     "net_saving_p90_gbp": p90,
                     "net_saving_mean_gbp": float(np.average(v, weights=w)) if w.sum() > 0 else np.nan,
                     "net_saving_p10_with_ran_away_gbp": a10, "net_saving_p50_with_ran_away_gbp": a50,
                     "net_saving_p90_with_ran_away_gbp": a90,
                     "probability_saving": float(w[v > 0].sum() / total), "probability_loss": float(w[v < 0].sum() / total),
                     "probability_ran_away": float(every[ran].sum() / total), "draws": int((w > 0).sum()),
                     "draws_ran_away": int(ran.sum()), "draws_counted": int((every > 0).sum())})
    return pd.DataFrame(rows)
