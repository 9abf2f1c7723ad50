"""Run replications (in parallel with joblib) and gather their results as tables.

``run(cfg)`` takes a resolved configuration (a plain dict: ``place``,
``network``, ``capacity``, ``scenario``, ``costs``, ``run``), checks it, prepares it
(:func:`sim.inputs.prepare.prepare`) and returns :class:`Results`.  Each replication is
independent and seeded only by ``(run.seed, replication, process name)`` (see
:mod:`sim.engine.randomness`), so results are identical for any ``run.n_jobs``.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from joblib import Parallel, delayed

from ..analysis import output_analysis
from ..analysis.metrics import MetricSet
from ..analysis.statistics import summarise
from ..common.checks import is_whole
from ..common.errors import ConfigError
from ..engine.model import DAILY, Model, simulation_start
from ..engine.revision import YearRevision
from ..inputs import schema, years
from ..inputs.prepare import prepare

AUTO = "auto"


def available_cores() -> int:
    """Cores this process may use (respects CPU affinity and cgroup-limited containers)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def resolve_jobs(n_jobs: Any, replications: int) -> int:
    """Worker processes for ``n_jobs`` (an integer >= 1 or ``auto``), never more than replications."""
    if n_jobs in (None, "auto"):
        n = available_cores()
    elif not is_whole(n_jobs) or n_jobs < 1:
        raise ConfigError("run.n_jobs", n_jobs, "an integer >= 1 or auto")
    else:
        n = n_jobs
    return max(1, min(n, replications))


def check(cfg: Mapping[str, Any]) -> MetricSet:
    """Build everything once without running, so bad input fails before any work starts."""
    return _checked(cfg)[0]


def _checked(cfg: Mapping[str, Any], running: bool = False) -> tuple[MetricSet, dict, list]:
    """:func:`check`, returning the prepared configuration and later years too (what a run with no ``auto``
    settings prepares).

    ``running``: for :func:`run`, which skips building the model here when its first replication builds
    the same model in this process straight away (one worker, one year, no ``auto``), failing just as early."""
    schema.validate(cfg)                       # every problem of shape and range, reported together
    run = cfg["run"]
    warmup, reps = run["warmup_days"], run["replications"]
    options = output_analysis.settings(run)
    workers = resolve_jobs(run.get("n_jobs", 1), options["max_replications"] if reps == AUTO else reps)
    automatic = AUTO in (warmup, reps)
    if automatic:
        cfg = {**cfg, "run": {**run, "warmup_days": 0 if warmup == AUTO else warmup,
                              "replications": options["replication_batch"] if reps == AUTO else reps}}
    cfg = years.with_horizon(cfg)
    built = prepare(cfg)
    metric_set = MetricSet(built["network"], built.get("costs"))
    later = list(years.later_years(cfg))
    if running and workers == 1 and not automatic and not later:
        return metric_set, built, later
    model = Model(built, 0)
    for _, _, prepared in later:                 # every year's settings must build and fit the network
        MetricSet(prepared["network"], prepared.get("costs"))
        YearRevision(prepared["network"], model.context, lambda stream: 1.0, model.network)
    return metric_set, built, later


def run_replication(cfg: Mapping[str, Any], replication: int, later_years=()) -> dict:
    """One replication: its metrics (by year in a multi-year run), daily series, flows and ledger."""
    started = time.perf_counter()
    raw = Model(cfg, replication, later_years).run()
    configs = [cfg] + [later for _, _, later in later_years]
    periods = raw.get("years") or [{"year": int(cfg["run"]["year"]), **raw}]
    metrics, flows = {}, {}
    previous = None
    for period, year_cfg in zip(periods, configs):
        values = MetricSet(year_cfg["network"], year_cfg.get("costs")).evaluate({**raw, **period})
        flags, previous = output_analysis.unstable_flags(raw["daily"], period["first_day"], period["last_day"], previous,
                                                         raw["waits_without_limit"])
        values.update(flags)
        metrics[period["year"]] = values
        flows.update({(period["year"], origin, group): n for group, members in raw["groups"].items()
                      for m in members for origin, n in period["services"][m]["by_origin"].items()})
    return {"replication": replication, "multi_year": "years" in raw, "metrics": metrics, "groups": raw["groups"],
            "daily": raw["daily"],
            "flows": flows, "events": raw["events"], "ledger": raw["ledger"], "seconds": time.perf_counter() - started}


@dataclass
class Results:
    """Everything one configuration's replications produced."""

    scenario: str
    config: dict
    replications: pd.DataFrame          # scenario, replication, metric, value
    summary: pd.DataFrame               # scenario, metric, mean, ci_low, ci_high, replications
    daily: pd.DataFrame                 # scenario, replication, day, date, service, and the daily means (DAILY)
    flows: pd.DataFrame                 # scenario, replication, origin, destination, patients
    ledgers: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    n_jobs: int = 1
    analysis: dict = field(default_factory=dict)   # warm-up and replications chosen automatically, if any
    events: pd.DataFrame | None = None   # per-patient event log, with run.event_log=true (sim.engine.event_log)

    @property
    def balanced(self) -> bool:
        return all(ledger["balanced"] and ledger["little_balanced"] for ledger in self.ledgers)

    def conservation(self) -> dict:
        """Per-service arrived / left / present at the end, for every replication."""
        return {"balanced": self.balanced,
                "replications": [{"replication": i, **ledger} for i, ledger in enumerate(self.ledgers)]}


def run(cfg: Mapping[str, Any], progress: bool | Callable[[int, int], object] = True) -> Results:
    """Run the replications of ``cfg`` and tabulate them; ``progress`` is a progress bar (true), none
    (false) or a function called with (replications finished, replications in the batch) after each.

    ``run.warmup_days: auto`` and ``run.replications: auto`` choose the warm-up and the number of
    replications first (see :mod:`sim.analysis.output_analysis`); ``Results.analysis`` says what was chosen."""
    _, checked, checked_later = _checked(cfg, running=True)
    cfg = years.with_horizon(cfg)
    run_cfg = dict(cfg["run"])
    scenario = str((cfg.get("scenario") or {}).get("name", "baseline"))
    # the check prepared this very configuration and its later years unless it stood in for an automatic
    # warm-up or replications (a warm-up moves each later year's first day)
    automatic = AUTO in (run_cfg["warmup_days"], run_cfg["replications"])
    built = prepare(cfg) if automatic else checked
    analysis: dict = {}
    if run_cfg["warmup_days"] == AUTO:
        pilot_reps = output_analysis.settings(run_cfg)["pilot_replications"]
        pilot_run = {**run_cfg, "warmup_days": 0}
        pilot = _replicate({**built, "run": pilot_run}, range(pilot_reps), scenario, False, ())
        warmup, per_service = output_analysis.choose_warmup(tabulate({**cfg, "run": pilot_run}, scenario, pilot).daily)
        analysis["warmup"] = {"method": "MSER-5 on daily occupancy, longest over services",
                              "pilot_replications": pilot_reps, "warmup_days": warmup,
                              "results_days": float(run_cfg["horizon_days"]) - warmup, "per_service": per_service}
        run_cfg["warmup_days"] = warmup
    cfg, built = {**cfg, "run": run_cfg}, {**built, "run": run_cfg}
    later = [(day, year, {**prepared, "run": {**run_cfg, "year": year}})
             for day, year, prepared in (years.later_years(cfg) if automatic else checked_later)]
    if run_cfg["replications"] == AUTO:
        outputs, analysis["replications"] = output_analysis.replicate_until_precise(
            lambda reps: _replicate(built, reps, scenario, progress, later), run_cfg,
            lambda outs: replication_table(scenario, outs))
        run_cfg["replications"] = len(outputs)
    else:
        outputs = _replicate(built, range(int(run_cfg["replications"])), scenario, progress, later)
    results = tabulate(cfg, scenario, outputs, resolve_jobs(run_cfg.get("n_jobs", 1), len(outputs)), built["network"])
    results.analysis = analysis
    return results


def _replicate(built, replications: range, scenario: str, progress: bool, later_years) -> list:
    """Run the given replications of a prepared configuration (in parallel), in replication order."""
    n_jobs = resolve_jobs(built["run"].get("n_jobs", 1), len(replications))
    tasks = (delayed(run_replication)(built, r, later_years) for r in replications)
    outputs = Parallel(n_jobs=n_jobs, return_as="generator")(tasks)
    if callable(progress):
        outputs = _reporting(outputs, len(replications), progress)
    elif progress:
        from tqdm.auto import tqdm
        outputs = tqdm(outputs, total=len(replications), desc=f"{scenario}: replications", unit="rep", leave=False)
    return sorted(outputs, key=lambda r: r["replication"])


def _reporting(outputs, total: int, progress: Callable[[int, int], object]):
    """``outputs`` as they finish, calling ``progress(finished, total)`` after each."""
    for done, output in enumerate(outputs, start=1):
        yield output
        progress(done, total)


def replication_table(scenario, results) -> pd.DataFrame:
    """``scenario, replication, metric, value``: one row per metric per replication (a multi-year run
    has a ``year`` column after ``scenario``)."""
    multi_year = any(r["multi_year"] for r in results)
    rows = [(scenario, year, r["replication"], metric, value) for r in results
            for year, values in r["metrics"].items() for metric, value in values.items()]
    table = pd.DataFrame(rows, columns=["scenario", "year", "replication", "metric", "value"])
    return table if multi_year else table.drop(columns="year")


def tabulate(cfg, scenario, results, n_jobs=1, network=None) -> Results:
    """The replications' outputs as tables; ``network`` is the prepared pathway (default: the composed one),
    whose metric definitions say which metrics read an unstable service."""
    replications = replication_table(scenario, results)
    warmup = float(cfg["run"]["warmup_days"])
    start = pd.Timestamp(simulation_start(int(cfg["run"]["year"]), warmup))
    frames = []
    for r in results:
        for service, series in r["daily"].items():
            frames.append(pd.DataFrame({
                "scenario": scenario, "replication": r["replication"], "day": range(len(series[0])),
                "service": service, **dict(zip(DAILY, series))}))
    daily = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if not daily.empty:
        daily.insert(3, "date", (start + pd.to_timedelta(daily["day"], unit="D")).dt.date)
        daily.insert(4, "period", ["warmup" if d < warmup else "results" for d in daily["day"]])
    flows = pd.DataFrame([(scenario, y, r["replication"], o, d, n) for r in results for (y, o, d), n in r["flows"].items()],
                         columns=["scenario", "year", "replication", "origin", "destination", "patients"])
    if "year" not in replications.columns:
        flows = flows.drop(columns="year")
    logs = [r["events"] for r in results if r.get("events") is not None]
    summary = output_analysis.mark_unstable(summarise(replications), network or cfg["network"],
                                            results[0]["groups"] if results else {})
    return Results(scenario=scenario, config=dict(cfg), replications=replications, summary=summary,
                   events=pd.concat(logs, ignore_index=True) if logs else None,
                   daily=daily, flows=flows, ledgers=[r["ledger"] for r in results],
                   seconds=[r["seconds"] for r in results], n_jobs=n_jobs)
