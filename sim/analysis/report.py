"""The short summary table printed at the end of a run."""
from __future__ import annotations

import math

import pandas as pd


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:,.1f}"
    return f"{x:,.3g}"


def table(summary: pd.DataFrame, metrics: list[str]) -> str:
    """Rows ``metric  mean  [ci_low, ci_high]`` for the chosen metrics, in order (a multi-year run:
    each metric's mean in each year, :func:`by_year`)."""
    if "year" in summary.columns:
        return by_year(summary, metrics)
    rows = summary.set_index("metric")
    lines = []
    width = max((len(m) for m in metrics), default=10)
    n = int(summary["replications"].max()) if len(summary) else 0
    lines.append(f"{'metric':<{width}}  {'mean':>14}  95% interval ({n} replications)")
    for metric in metrics:
        if metric not in rows.index:
            continue
        r = rows.loc[metric]
        interval = "" if math.isnan(r["ci_low"]) else f"[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"
        lines.append(f"{metric:<{width}}  {_fmt(r['mean']):>14}  {interval}")
    return "\n".join(lines)


def by_year(summary: pd.DataFrame, metrics: list[str]) -> str:
    """One row per metric, one column per financial year: the mean over replications."""
    wide = summary.pivot_table(index="metric", columns="year", values="mean", sort=False)
    chosen = [m for m in metrics if m in wide.index]
    width = max((len(m) for m in chosen), default=10)
    years = list(wide.columns)
    n = int(summary["replications"].max()) if len(summary) else 0
    lines = [f"{'metric':<{width}}" + "".join(f"{f'{y}/{(y + 1) % 100:02d}':>11}" for y in years)
             + f"   (means of {n} replications; intervals in summary.csv)"]
    for metric in chosen:
        lines.append(f"{metric:<{width}}" + "".join(f"{_fmt(wide.loc[metric, y]):>11}" for y in years))
    return "\n".join(lines)


def headline_metrics(cfg, summary: pd.DataFrame) -> list[str]:
    """The network's named metrics and costs; for networks without any, every service's core statistics."""
    named = list((cfg["network"].get("metrics") or {}).keys())
    costs = [m for m in dict.fromkeys(summary["metric"])
             if (m.startswith("cost_") and not m.startswith("cost_share_")) or m == "total_cost_gbp"]
    if named:
        return named + costs
    core = ("arrivals", "wait_mean", "p_wait", "p_loss", "occupancy_mean", "blocked_days_mean")
    return [m for m in dict.fromkeys(summary["metric"]) if m.rsplit(".", 1)[-1] in core]


def overload_warnings(summary: pd.DataFrame) -> list[str]:
    """One warning per service whose waiting list grew without bound in at least half the replications."""
    flags = summary[summary["metric"].str.startswith("unstable_")]
    flags = flags[flags["mean"] >= 0.5]
    if "year" in flags.columns:        # a multi-year run: one warning per service, naming its years
        return [f"the waiting list for {metric[len('unstable_'):]} grew without levelling off in "
                f"{', '.join(str(y) for y in rows['year'])}: offered load exceeds capacity in those years, "
                f"so its waits "
                f"and the delays behind it depend on the run length (see the unstable column of summary.csv)"
                for metric, rows in flags.groupby("metric", sort=False)]
    return [f"the waiting list for {row.metric[len('unstable_'):]} grew without levelling off in "
            f"{100 * row.mean:.0f}% of replications: offered load exceeds capacity, so its waits and the delays "
            f"behind it depend on the run length (see unstable_* in summary.csv)"
            for row in flags.itertuples()]
