"""Parameter versus stochastic variance: how much of a result's spread the assumptions explain.

With ``N`` draws of ``n`` replications each, the one-way random-effects analysis of variance of
O'Hagan, Stevenson & Madan (Health Economics 2007, "Monte Carlo probabilistic sensitivity analysis
for patient level simulation models") separates the two:

    MS_between = n sum_i (ybar_i - ybar)^2 / (N - 1)
    MS_within  = sum_i sum_r (y_ir - ybar_i)^2 / (N (n - 1))
    var_parameter  = (MS_between - MS_within) / n       (truncated at 0)
    var_stochastic = MS_within

With one replication a draw, ``MS_within`` cannot be had from the draws; the replications of the run
at the central values give it instead (the law of total variance, ``var_parameter = var_total -
E[var_within]``, under the assumption that the replication variance at the centre holds at every
draw).  The share reported is ``var_parameter / (var_parameter + var_stochastic)``: the part of one
year's outcome that better knowledge of the inputs could remove.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def split(values: pd.DataFrame, noise_var: float | None = None) -> dict:
    """The split for one result; ``values`` has columns ``draw, replication, value``."""
    groups = values.groupby("draw")["value"]
    means, counts = groups.mean(), groups.count()
    n_draws, reps = len(means), int(counts.min()) if len(counts) else 0
    if n_draws < 2:
        return {"draws": n_draws, "replications": reps, "var_parameter": np.nan, "var_stochastic": np.nan,
                "share_parameter": np.nan, "method": ""}
    if reps >= 2:
        within = float(groups.var(ddof=1).mean())
        between = float(reps * means.var(ddof=1))
        var_parameter = max(0.0, (between - within) / reps)
        method = f"one-way ANOVA over {n_draws} draws x {reps} replications (O'Hagan, Stevenson & Madan 2007)"
    else:
        within = float(noise_var) if noise_var is not None else np.nan
        var_parameter = max(0.0, float(means.var(ddof=1)) - within)
        method = (f"law of total variance over {n_draws} draws, replication variance from the central run "
                  "(O'Hagan, Stevenson & Madan 2007, with n = 1)")
    total = var_parameter + within
    return {"draws": n_draws, "replications": reps, "var_parameter": var_parameter, "var_stochastic": within,
            "share_parameter": var_parameter / total if total > 0 else np.nan, "method": method}


def table(psa_replications: pd.DataFrame, noise: pd.DataFrame | None) -> pd.DataFrame:
    """The split for every scenario, year and metric.

    ``psa_replications``: ``draw, scenario, year, replication, metric, value``; ``noise``: the central
    run's replications (``scenario, year, replication, metric, value``), used when draws have one
    replication each."""
    rows = []
    for (scenario, year, metric), group in psa_replications.groupby(["scenario", "year", "metric"], sort=True):
        noise_var = None
        if noise is not None:
            pick = noise[(noise["scenario"] == scenario) & (noise["year"] == year) & (noise["metric"] == metric)]
            noise_var = float(pick["value"].var(ddof=1)) if len(pick) > 1 else None
        rows.append({"scenario": scenario, "year": year, "metric": metric, **split(group, noise_var)})
    return pd.DataFrame(rows)
