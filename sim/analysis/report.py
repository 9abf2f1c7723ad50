"""What a run prints: overload warnings, then the headline figures, then where the full table is.

A network names its headline in its config: ``headline: [ae_attendances, ae_4h_pct, ...]``, the dozen
figures a planner quotes (:func:`headline_metrics`; :func:`check_headline` makes sure each is a metric
the network reports).  :func:`summary_text` is the text printed after a run, :func:`differences_text`
the paired differences printed after a scenario sweep.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..common.errors import ConfigError, ConfigErrors, did_you_mean
from . import labels
from .output_analysis import GAVE_UP_PCT
from .service_statistics import SERVICE_STATISTICS

#: the statistics a service records when its config asks for them (``sojourn_limits_hours``, ``wait_limits_hours``)
LIMIT_STATISTIC = re.compile(r"over_\w+|within_\w+_pct|wait_within_\w+_pct")
CORE_STATISTICS = ("arrivals", "wait_mean", "p_wait", "p_loss", "occupancy_mean", "blocked_days_mean")


def number(x: float) -> str:
    """A figure as reports and the web page show it: thousands separated, three significant figures below ten."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:,.1f}"
    text = f"{x:,.3g}"
    if "e" in text:   # below 0.0001 "g" turns to an exponent, which a board paper should not show
        text = f"{x:,.{2 - math.floor(math.log10(abs(x)))}f}"
    return text


def _interval(low: float, high: float) -> str:
    return "" if math.isnan(low) else f"[{number(low)}, {number(high)}]"


def _year(year) -> str:
    return f"{int(year)}/{(int(year) + 1) % 100:02d}"


def table(summary: pd.DataFrame, metrics: list[str], config: Mapping[str, Any] | None = None) -> str:
    """Rows ``measure  unit  mean  [ci_low, ci_high]  metric`` for the chosen metrics, in order: each
    metric's label and unit (:mod:`sim.analysis.labels`, from ``config``, a run's configuration or its
    network) with its machine name beside it.  A multi-year run gives one row per year under each metric."""
    names = labels.Labels(config)
    rows = summary.set_index([c for c in ("metric", "year") if c in summary.columns]).sort_index()
    chosen = [m for m in metrics if m in rows.index.get_level_values(0)]
    described = {m: names.describe(m) for m in chosen}
    width = max([len("measure"), *(len(d.label) for d in described.values())])
    units = max([len("unit"), *(len(d.unit) for d in described.values())])
    years = "year" in summary.columns
    n = int(summary["replications"].max()) if len(summary) else 0
    lines = [f"{'measure':<{width}}  {'unit':<{units}}  " + (f"{'year':<7}  " if years else "")
             + f"{'mean':>14}  {f'95% interval ({n} replications)':<30}  metric"]
    for metric in chosen:
        d = described[metric]
        part = rows.loc[metric]
        part = part.sort_index() if years else part.to_frame().T
        for i, (key, r) in enumerate(part.iterrows()):
            head = f"{d.label if i == 0 else '':<{width}}  {d.unit if i == 0 else '':<{units}}  "
            lines.append((head + (f"{_year(key):<7}  " if years else "")
                          + f"{number(r['mean']):>14}  {_interval(r['ci_low'], r['ci_high']):<30}  {metric}").rstrip())
    return "\n".join(lines)


def reported_metrics(network: Mapping[str, Any]) -> set[str]:
    """The metrics a run of ``network`` reports by name (besides per-instance statistics of partitioned
    services and statistics of time limits): its named metrics, ``<service>.<statistic>``, and the costs
    of its cost lines."""
    names = set(network.get("metrics") or {})
    names |= {f"{service}.{stat}" for service in network.get("services") or {} for stat in SERVICE_STATISTICS}
    lines = [line for line in network.get("cost_lines") or [] if isinstance(line, Mapping)]
    if lines:
        names.add("total_cost_gbp")
    for line in lines:
        names |= {f"cost_{line.get('setting')}_gbp", f"cost_share_{line.get('setting')}_pct",
                  f"cost_commissioner_{line.get('commissioner')}_gbp", f"cost_share_commissioner_{line.get('commissioner')}_pct"}
    return names


def check_headline(network: Mapping[str, Any]) -> None:
    """Raise :class:`ConfigErrors` naming ``network.headline[i]`` for each headline entry the network does not report."""
    headline = network.get("headline") or []
    if not isinstance(headline, list):
        return                                   # its shape is the schema's to report (sim.inputs.schema)
    known = reported_metrics(network)
    services = set(network.get("services") or {})
    errors = []
    for i, name in enumerate(headline):
        service, _, stat = str(name).rpartition(".")
        if name in known or (service in services and LIMIT_STATISTIC.fullmatch(stat)):
            continue
        errors.append(ConfigError(f"network.headline[{i}]", name, f"a metric this network reports{did_you_mean(name, known)}: "
                                  "a name in network.metrics, <service>.<statistic> or a cost such as total_cost_gbp"))
    if errors:
        raise ConfigErrors(errors)


def headline_metrics(network: Mapping[str, Any], metrics: Iterable[str]) -> list[str]:
    """The metrics that head the summary: the network's ``headline`` list; for a network without one, its
    named metrics and costs, or failing those every service's core statistics (of those in ``metrics``)."""
    metrics = list(dict.fromkeys(metrics))
    if network.get("headline"):
        return list(network["headline"])
    named = list(network.get("metrics") or {})
    if named:
        costs = [m for m in metrics if (m.startswith("cost_") and not m.startswith("cost_share_")) or m == "total_cost_gbp"]
        return named + costs
    return [m for m in metrics if m.rsplit(".", 1)[-1] in CORE_STATISTICS]


def overload_warnings(summary: pd.DataFrame) -> list[str]:
    """One warning per service whose waiting list grew without bound in at least half the replications, then one
    per service held only by patients giving up (:func:`held_warnings`); a multi-year run's name their years."""
    flags = summary[summary["metric"].str.startswith("unstable_")]
    flags = flags[flags["mean"] >= 0.5]
    if "year" in flags.columns:        # a multi-year run: one warning per service, naming its years
        return [f"the waiting list for {metric[len('unstable_'):]} grew without levelling off in "
                f"{', '.join(str(y) for y in rows['year'])}: offered load exceeds capacity in those years, "
                f"so its waits "
                f"and the delays behind it depend on the run length (see the unstable column of summary.csv)"
                for metric, rows in flags.groupby("metric", sort=False)] + held_warnings(summary)
    return [f"the waiting list for {row.metric[len('unstable_'):]} grew without levelling off in "
            f"{100 * row.mean:.0f}% of replications: offered load exceeds capacity, so its waits and the delays "
            f"behind it depend on the run length (see unstable_* in summary.csv)"
            for row in flags.itertuples()] + held_warnings(summary)


def held_warnings(summary: pd.DataFrame) -> list[str]:
    """One warning per service whose waiting list was held only by patients giving up in at least half the
    replications (:mod:`sim.analysis.output_analysis`, the third overload state)."""
    flags = summary[summary["metric"].str.startswith("held_by_giving_up_")]
    flags = flags[flags["mean"] >= 0.5]
    prefix = len("held_by_giving_up_")
    tail = (f"over {GAVE_UP_PCT:g}% of its patients gave up waiting, so its waits look shorter than the need behind "
            "them (see the held_by_giving_up column of summary.csv)")
    if "year" in flags.columns:
        return [f"the waiting list for {metric[prefix:]} was held only by giving up in "
                f"{', '.join(str(y) for y in rows['year'])}: {tail}" for metric, rows in flags.groupby("metric", sort=False)]
    return [f"the waiting list for {row.metric[prefix:]} was held only by giving up in {100 * row.mean:.0f}% of "
            f"replications: {tail}" for row in flags.itertuples()]



def summary_text(config: Mapping[str, Any], summary: pd.DataFrame, table_path: Path | str) -> str:
    """Overload warnings first, then the headline figures with their 95% intervals, then where the full table is
    (``config``: the run's configuration, or its network group)."""
    network = (config.get("network") or {}) if "network" in config else config
    lines = [f"WARNING: {warning}" for warning in overload_warnings(summary)]
    lines += [""] if lines else []
    lines += [table(summary, headline_metrics(network, summary["metric"]), config),
              f"full table: {table_path} ({summary['metric'].nunique():,} metrics)"]
    return "\n".join(lines)


def judgement(difference: float, low: float, high: float, direction: str) -> str:
    """``better`` or ``worse`` by the metric's direction (nothing for a metric with none, or no change),
    noting when the 95% interval includes no change."""
    if direction not in ("higher", "lower") or not difference or math.isnan(difference):
        return ""
    word = "better" if (difference > 0) == (direction == "higher") else "worse"
    return word if math.isnan(low) or low > 0 or high < 0 else f"{word} (interval includes 0)"


def change(row: Mapping[str, Any], label: labels.Label) -> str:
    """A change as a planner reads it: a percentage's in points (``-2.4 points``), anything else's relative
    to the baseline (``+3.1%``)."""
    if label.percent:
        return "" if math.isnan(row["difference"]) else f"{row['difference']:+.1f} points"
    return "" if math.isnan(row["relative_pct"]) else f"{row['relative_pct']:+.1f}%"


def differences_text(comparison: pd.DataFrame, metrics: list[str], config: Mapping[str, Any] | None = None) -> str:
    """The paired differences of ``metrics`` (scenario minus baseline, 95% interval, the change: in points for
    a percentage, else relative; better or worse by the metric's direction), one block per scenario and
    combination of other swept settings, from a ``comparison.csv`` table; each metric by its label and unit
    (from ``config``, a run's configuration or its network) with its machine name beside it."""
    if comparison.empty:
        return ""
    names = labels.Labels(config)
    described = {m: names.describe(m) for m in metrics}
    if config is None and {"label", "unit", "direction"} <= set(comparison.columns):   # as write_comparison gives them
        given = comparison.drop_duplicates("metric").set_index("metric")
        described.update({m: labels.Label(str(given.loc[m, "label"]), str(given.loc[m, "unit"]), str(given.loc[m, "direction"]))
                          for m in metrics if m in given.index})
    fixed = ("scenario", "baseline", "metric", "difference", "ci_low", "ci_high", "relative_pct", "replications",
             "label", "unit", "direction")
    settings = [c for c in comparison.columns if c not in fixed and comparison[c].nunique(dropna=False) > 1]   # swept ones
    width = max((len(d.label) + len(d.unit) + 3 for d in described.values()), default=10)
    n = int(comparison["replications"].max())
    lines = [f"paired differences, scenario minus {comparison['baseline'].iloc[0]} "
             f"(95% interval over {n} replications with common random numbers; the change in points for a "
             f"percentage, else relative; better or worse by what the measure aims for)"]
    for key, block in comparison.groupby(["scenario", *settings], sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        where = ", ".join(f"{s}={v}" for s, v in zip(settings, key[1:]))
        lines.append(f"{key[0]}" + (f" ({where})" if where else ""))
        rows = block.set_index("metric")
        for metric in metrics:
            if metric in rows.index:
                r, d = rows.loc[metric], described[metric]
                name = f"{d.label} ({d.unit})" if d.unit else d.label
                signed = ("+" if r["difference"] > 0 else "") + number(r["difference"])
                mark = judgement(r["difference"], r["ci_low"], r["ci_high"], d.direction)
                lines.append(f"  {name:<{width}}  {signed:>14}  {_interval(r['ci_low'], r['ci_high']):<26}  "
                             f"{change(r, d):>13}  {mark:<30}  {metric}")
    return "\n".join(lines)
