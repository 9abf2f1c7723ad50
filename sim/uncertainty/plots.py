"""Figures of a study, in the carepath style (:mod:`sim.analysis.figures`), each saved with a caption.

* :func:`s_curves` -- the distribution of each headline result over the draws (an ECDF "S-curve",
  P10, P50 and P90 marked), one panel per result;
* :func:`saving_probability` -- the probability that each scenario saves money against do-nothing;
* :func:`tornado` -- each range from its P10 to its P90, the others at their medians;
* :func:`sobol_bars` -- first-order and total Sobol indices with their 95% intervals;
* :func:`fan_chart` -- P10-P90 and P50 of a result by year, for projections;
* :func:`emulator_check` -- the emulator's out-of-sample predictions against the runs.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..analysis.figures import apply_style
from .summary import weighted_quantiles


def s_curves(psa: pd.DataFrame, weights: pd.Series, results: list[tuple[str, str]], title: str):
    """ECDF of each (scenario, metric) over the draws (weighted), one panel per metric."""
    apply_style()
    metrics = list(dict.fromkeys(m for _, m in results))
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.8), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for scenario in [s for s, m in results if m == metric]:
            pick = psa[(psa["scenario"] == scenario) & (psa["metric"] == metric)]
            w = weights.reindex(pick["draw"]).fillna(0.0).to_numpy()
            order = np.argsort(pick["value"].to_numpy())
            v, w = pick["value"].to_numpy()[order], w[order]
            if w.sum() <= 0:
                continue
            ax.step(v, np.cumsum(w) / w.sum(), where="post", label=scenario)
            for q in weighted_quantiles(v, w, [0.1, 0.5, 0.9]):
                ax.axvline(q, lw=0.6, ls=":", color=ax.lines[-1].get_color())
        ax.axhline(0.5, color="grey", lw=0.5)
        ax.set_xlabel(metric)
        ax.set_ylabel("share of draws at or below")
        ax.legend(fontsize=8)
    fig.suptitle(title)
    return fig


def saving_probability(headline: pd.DataFrame):
    apply_style()
    fig, ax = plt.subplots(figsize=(6, 0.5 * len(headline) + 1.5))
    labels = [f"{r.comparison} ({r.year})" for r in headline.itertuples()]
    ax.barh(labels, headline["probability_saving"])
    for y, p in enumerate(headline["probability_saving"]):
        ax.text(min(p + 0.02, 0.9), y, f"{p:.0%}", va="center")
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability that the scenario costs less than do-nothing")
    return fig


def tornado(table: pd.DataFrame, result: str, top: int = 15):
    apply_style()
    rows = table.head(top).iloc[::-1]
    centre = float(rows["result_at_median"].iloc[0]) if len(rows) else 0.0
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(rows) + 1.5))
    for y, r in enumerate(rows.itertuples()):
        ax.barh(y, r.result_at_p10 - centre, left=centre, color="#0173b2", label="range at P10" if y == 0 else None)
        ax.barh(y, r.result_at_p90 - centre, left=centre, color="#de8f05", label="range at P90" if y == 0 else None)
    ax.set_yticks(range(len(rows)), rows["parameter"])
    ax.axvline(centre, color="black", lw=0.8)
    ax.ticklabel_format(axis="x", style="plain", useOffset=False)
    ax.set_xlabel(result)
    ax.legend(fontsize=8)
    return fig


def sobol_bars(indices: pd.DataFrame, result: str, top: int = 10):
    apply_style()
    totals = indices[indices["index"] == "ST"].sort_values("value", ascending=False).head(top)
    names = list(totals["parameter"])[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(names) + 1.5))
    y = np.arange(len(names))
    for offset, index in ((-0.18, "S1"), (0.18, "ST")):
        rows = indices[indices["index"] == index].set_index("parameter").reindex(names)
        err = [rows["value"] - rows["ci_low"], rows["ci_high"] - rows["value"]]
        ax.barh(y + offset, rows["value"], height=0.34, xerr=err, capsize=2, label=index)
    ax.set_yticks(y, names)
    ax.set_xlabel(f"Sobol index of {result} (95% interval)")
    ax.legend(fontsize=8)
    return fig


def fan_chart(summary: pd.DataFrame, metric: str, scenarios: list[str]):
    apply_style()
    fig, ax = plt.subplots(figsize=(7, 4))
    for scenario in scenarios:
        rows = summary[(summary["scenario"] == scenario) & (summary["metric"] == metric)].sort_values("year")
        if rows.empty:
            continue
        line = ax.plot(rows["year"], rows["p50"], marker="o", label=scenario)[0]
        ax.fill_between(rows["year"], rows["p10"], rows["p90"], alpha=0.2, color=line.get_color())
    ax.set_xlabel("financial year")
    ax.set_ylabel(metric)
    ax.legend(fontsize=8)
    return fig


def emulator_check(checks: list[dict]):
    apply_style()
    fig, axes = plt.subplots(1, len(checks), figsize=(4 * len(checks), 4), squeeze=False)
    for ax, check in zip(axes[0], checks):
        ax.scatter(check["observed"], check["predicted"], s=8)
        lo, hi = np.min(check["observed"]), np.max(check["observed"])
        ax.plot([lo, hi], [lo, hi], color="black", lw=0.8)
        ax.set_title(f"{check['result']}\ncross-validated R² {check['cv_r2']:.2f}", fontsize=9)
        ax.set_xlabel("model (draw)")
        ax.set_ylabel("emulator, out of sample")
    return fig
