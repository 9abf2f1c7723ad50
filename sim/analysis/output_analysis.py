"""Output analysis: how long a warm-up, how many replications.

``run.warmup_days: auto`` -- MSER-5 (White 1997; White, Cobb and Spratt 2000) on the daily
occupancy of every service: a pilot of ``run.pilot_replications`` replications runs with no
warm-up; each service's daily series, averaged over the pilot, is cut into batches of five days,
and the warm-up is the number of leading batches whose removal minimises the squared standard
error of the remaining mean (searched over the first half of the run only, as the rule requires).
The longest warm-up over the services is used; the results period is the rest of the horizon.

**Overload.** ``unstable_<service>`` is 1 in a replication whose waiting list for the service grew
through the results period without levelling off: the mean over its last fifth is more than
twice the mean over its first fifth plus ten patients.  A stable queue fluctuates about a level;
one fed faster than it is served grows roughly linearly, which this catches within a year.  Later
years of a continuous run are judged against the same season a year before, and a list whose every
patient gives up in time (patience, spot purchase) is never flagged: it is stable at any load
(:func:`unstable_flags`).  Such a list has a third state instead, *held by giving up*
(``held_by_giving_up_<service>``): bounded only because patients give up waiting, when more than
``GAVE_UP_PCT`` percent of its arrivals in the year give up (``gave_up_pct_<service>``).  (A share
rising by more than 2 points a year for three years passes 6%, so needs no test of its own.)  Its
waits look short because the patients who would wait longest leave.
``queue_growth_<service>``, the difference of those two means, is a smooth measure of the same
thing (the calibration holds it near zero).  (The
printed summary warns when it holds in at least half the replications; ``run.max_queue`` and
``run.max_seconds`` stop a runaway replication outright.)

``run.replications: auto`` -- replications are added ``run.replication_batch`` at a time until the
95% half-width of every precision metric is within ``run.precision`` of its mean (default 5%),
up to ``run.max_replications``.  Precision metrics are ``run.precision_metrics`` or, by default,
every service's ``occupancy_mean`` of at least one place.  Replication ``r`` is seeded by ``r``
alone, so an automatic run gives exactly the result of a fixed run with the number it reports.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..common.checks import is_whole, number
from ..common.errors import ConfigError
from .statistics import t_interval

BATCH_DAYS = 5
DEFAULTS = {"pilot_replications": 5, "replication_batch": 5, "max_replications": 100, "precision": 0.05,
            "precision_metrics": None}


def settings(run: Mapping[str, Any]) -> dict:
    """The output-analysis settings of ``run``, checked."""
    out = {key: run.get(key, default) for key, default in DEFAULTS.items()}
    out["precision_metrics"] = out["precision_metrics"] or None
    for key in ("pilot_replications", "replication_batch", "max_replications"):
        if not is_whole(out[key]) or out[key] < 2:
            raise ConfigError(f"run.{key}", out[key], "an integer >= 2")
    number(out["precision"], "run.precision", low=0.0, high=1.0, low_open=True, high_open=True,
           allowed="a relative half-width in (0, 1), such as 0.05")
    metrics = out["precision_metrics"]
    if metrics is not None and (not isinstance(metrics, list) or not all(isinstance(m, str) for m in metrics)):
        raise ConfigError("run.precision_metrics", metrics, "a list of metric names, or null for every service's occupancy")
    return out


def mser(series, batch: int = BATCH_DAYS) -> int:
    """MSER-``batch`` truncation point, in observations, of one output series."""
    y = np.asarray(series, dtype=float)
    k = len(y) // batch
    if k < 4:
        return 0
    z = y[: k * batch].reshape(k, batch).mean(axis=1)
    best, best_d = math.inf, 0
    for d in range(k // 2 + 1):          # never truncate more than half the run
        rest = z[d:]
        statistic = float(((rest - rest.mean()) ** 2).sum()) / len(rest) ** 2
        if statistic < best:
            best, best_d = statistic, d
    return best_d * batch


def choose_warmup(daily: pd.DataFrame) -> tuple[float, dict[str, int]]:
    """Warm-up in days from a pilot's daily occupancy (``day, service, occupancy_mean``):
    the longest MSER-5 truncation over the services, with each service's own."""
    mean = daily.groupby(["service", "day"])["occupancy_mean"].mean()
    per_service = {}
    for service, series in mean.groupby(level="service"):
        values = series.to_numpy()
        if np.ptp(values) > 0:
            per_service[str(service)] = mser(values)
    return float(max(per_service.values(), default=0)), per_service


def precision_reached(replications: pd.DataFrame, metrics: list[str] | None, precision: float) -> tuple[bool, dict]:
    """Whether every precision metric's 95% half-width is within ``precision`` of its mean."""
    if metrics is None:
        occupancy = replications[replications["metric"].str.endswith(".occupancy_mean")]
        means = occupancy.groupby("metric")["value"].mean()
        metrics = sorted(means[means >= 1.0].index)
    unknown = sorted(set(metrics) - set(replications["metric"]))
    if unknown:
        raise ConfigError("run.precision_metrics", unknown[0], "a metric in summary.csv")
    widths = {}
    for metric in metrics:
        mean, low, high, _ = t_interval(replications.loc[replications["metric"] == metric, "value"])
        widths[metric] = (high - low) / 2 / abs(mean) if mean else math.inf
    return all(w <= precision for w in widths.values()), widths


def replicate_until_precise(run_batch: Callable[[range], list], run: Mapping[str, Any],
                            table: Callable[[list], pd.DataFrame]) -> tuple[list, dict]:
    """Run batches of replications until the precision target is met (or the cap); return the
    raw replications and a report of the half-widths reached.  ``table`` turns the raw
    replications into the long ``metric, value`` table the precision is judged on."""
    options = settings(run)
    outputs: list = []
    while True:
        start = len(outputs)
        size = min(options["replication_batch"], options["max_replications"] - start)
        outputs += run_batch(range(start, start + size))
        reached, widths = precision_reached(table(outputs), options["precision_metrics"],
                                            options["precision"])
        if reached or len(outputs) >= options["max_replications"]:
            worst = max(widths, key=widths.get) if widths else None
            return outputs, {"replications": len(outputs), "precision_target": options["precision"],
                             "precision_reached": reached, "relative_half_widths": widths,
                             "widest": worst}


#: Held by giving up: more than this percentage of a list's arrivals give up waiting in a year (assumption: a
#: valve that turns away one patient in twenty is doing the work capacity should; A&E's 3.3% who left before
#: being seen in May 2017 [@halifax-courier-lwbs-2019] sits below it)
GAVE_UP_PCT = 5.0


def gave_up_shares(services: Mapping[str, Mapping[str, Any]], names) -> dict[str, float]:
    """The percentage of each named service's arrivals in a period who gave up waiting (reneged), from the
    period's raw counters ``services``; ``names``: the services where patients can give up."""
    return {n: 100.0 * services[n]["reneged"] / services[n]["arrived"] for n in names if services[n]["arrived"]}


def unstable_flags(daily: Mapping[str, tuple], first_day: float, last_day: float | None = None,
                   previous: Mapping[str, Any] | None = None,
                   waits_without_limit: Mapping[str, bool] | None = None,
                   gave_up: Mapping[str, float] | None = None) -> tuple[dict[str, float], dict[str, dict]]:
    """Per service, ``queue_growth_<service>``: the mean waiting list over the last fifth of the results
    period (days ``first_day`` to ``last_day``) minus that over its first fifth (patients); and
    ``unstable_<service>``: 1.0 where the list grew without levelling off.  Returns these flags and the
    levels the next year of a continuous run is judged against (its ``previous``): per service, the
    list's mean over the period and over its last fifth, and whether it was flagged.

    Only a list on which some patient waits until served can do that (``waits_without_limit``, from the
    run; every service when not given): one whose every patient gives up in time is stable at any load.
    A single year, or the first year of a continuous run, is judged within itself: the last fifth's level
    is more than twice the first fifth's plus ten patients.  A later year of a continuous run is judged
    against the same season of the year before (``previous``, this function's ``period`` of that year),
    because a list that rises every winter and falls back by summer crosses the within-year test without
    any trend: it is unstable when its mean over the year, or over its last fifth, is more than half as
    high again, plus ten patients, as the year before, or when it was unstable the year before and is
    higher still on both counts (a list that keeps growing, however slowly).

    ``gave_up``, each service's share of arrivals who gave up (:func:`gave_up_shares`), adds
    ``gave_up_pct_<service>`` and ``held_by_giving_up_<service>`` (the third state, see the module
    docstring; never with ``unstable``)."""
    flags, levels = {}, {}
    start = math.ceil(first_day)
    stop = None if last_day is None else math.ceil(last_day)
    for service, (_, queue, *_) in daily.items():
        q = np.asarray(queue, dtype=float)[start:stop]
        fifth = len(q) // 5
        if fifth < 2:
            continue
        first, last, mean = q[:fifth].mean(), q[-fifth:].mean(), q.mean()
        flags[f"queue_growth_{service}"] = float(last - first)
        before = (previous or {}).get(service)
        if waits_without_limit is not None and not waits_without_limit.get(service, True):
            unstable = False
        elif before is None:
            unstable = last > 2 * first + 10
        else:
            unstable = (mean > 1.5 * before["mean"] + 10 or last > 1.5 * before["last"] + 10
                        or (before["unstable"] and mean > before["mean"] and last > before["last"]))
        flags[f"unstable_{service}"] = float(unstable)
        levels[service] = {"mean": mean, "last": last, "unstable": bool(unstable)}
        share = (gave_up or {}).get(service)
        if share is not None:
            flags[f"gave_up_pct_{service}"] = share
            flags[f"held_by_giving_up_{service}"] = float(not unstable and share > GAVE_UP_PCT)
    return flags, levels


def unstable_services(summary: pd.DataFrame, groups: Mapping[str, list[str]], flag: str = "unstable_") -> pd.DataFrame:
    """``[year,] service``: the services (instances and their groups) whose waiting list grew without
    levelling off in at least half the replications (or, with ``flag="held_by_giving_up_"``, was held
    only by patients giving up)."""
    flags = summary[summary["metric"].str.startswith(flag) & (summary["mean"] >= 0.5)]
    by = ["year"] if "year" in summary.columns else []
    rows = []
    for row in flags.itertuples():
        instance = row.metric[len(flag):]
        year = (row.year,) if by else ()
        rows.append((*year, instance))
        rows += [(*year, group) for group, members in groups.items() if instance in members and group != instance]
    return pd.DataFrame(rows, columns=[*by, "service"]).drop_duplicates()


#: metrics that add costs over every service (:mod:`sim.analysis.metrics`, ``capacity_accounts``, ``system_cost``)
COST_PREFIXES = ("cost_", "total_cost", "system_cost", "pooled.", "fixed_cost.", "scheme_cost", "capacity_change_cost")


def mark_unstable(summary: pd.DataFrame, network: Mapping[str, Any], groups: Mapping[str, list[str]]) -> pd.DataFrame:
    """``summary`` with an ``unstable`` column: true for a metric of a service whose waiting list grew
    without levelling off (its figure depends on the run length and is not an estimate), for a named
    metric or ratio that reads such a service, and for costs (they add every service up: ``COST_PREFIXES``);
    and a ``held_by_giving_up`` column: true for a metric of a service whose list was held only by patients
    giving up, or a named metric or ratio that reads one (its waits understate the need).  A multi-year run
    is judged year by year."""
    specs = network.get("metrics") or {}

    def services_of(metric, seen=()):
        if "." in metric and metric.split(".", 1)[0] in groups:
            return {metric.split(".", 1)[0]}
        spec = specs.get(metric) or {}
        if "service" in spec:
            return set([spec["service"]] if isinstance(spec["service"], str) else spec["service"])
        if "ratio" in spec:
            terms = [t.lstrip("-") for part in spec["ratio"].values() for t in ([part] if isinstance(part, str) else part)]
            return set().union(*(services_of(t, (*seen, metric)) for t in terms if t not in seen))
        return set()

    out = summary.copy()
    year_of = out["year"] if "year" in out.columns else pd.Series([None] * len(out), index=out.index)
    for column, flag, costs in (("unstable", "unstable_", COST_PREFIXES), ("held_by_giving_up", "held_by_giving_up_", ())):
        services = unstable_services(summary, groups, flag)
        flagged = {key: set(rows["service"])
                   for key, rows in (services.groupby("year") if "year" in services.columns else [(None, services)])}
        out[column] = [bool(flagged.get(year)) and (metric.startswith(costs) or bool(services_of(metric) & flagged[year]))
                       for metric, year in zip(out["metric"], year_of)]
    return out
