"""Run replications (in parallel with joblib) and gather their results as tables.

``check(cfg)`` takes a resolved configuration (a plain dict: ``place``, ``network``, ``capacity``,
``scenario``, ``costs``, ``run``), checks it and prepares it (:func:`sim.inputs.prepare.prepare`, each
year of a multi-year run) once, returning a :class:`Prepared` job with each year's metric set;
``run(job)`` runs that job without preparing it again (``run(cfg)`` checks and prepares ``cfg`` itself,
once) and returns :class:`Results`.  The metric sets travel with each replication's task to the worker
processes (they pickle), so no worker builds one.  Each replication is independent and seeded only by
``(run.seed, replication, process name)`` (see :mod:`sim.engine.randomness`), so results are identical
for any ``run.n_jobs``.
"""
from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
from joblib import Parallel, delayed

from ..analysis import monthly as monthly_measures
from ..analysis import output_analysis
from ..analysis.labels import Labels
from ..analysis.metrics import MetricSet
from ..analysis.statistics import summarise
from ..common import progress as terminal
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


@dataclass(frozen=True)
class Prepared:
    """A job checked and prepared once: what :func:`run` runs without preparing it again.

    Preparation reads nothing of ``run`` but the year, so the prepared configurations serve whatever
    warm-up and replications the run settles on (``auto`` ones included): each replication gets the
    run's own ``run`` section in place of theirs."""

    config: dict                  # the configuration as composed (what the cache key and the check read)
    built: dict                   # the first year's prepared configuration (sim.inputs.prepare.prepare)
    later: tuple                  # (day, year, prepared configuration) for each later year of a multi-year run
    metric_sets: tuple            # one MetricSet per year, the first year's first: built once, sent to every replication
    scenario: str
    automatic: bool               # run.warmup_days or run.replications is auto: chosen when it runs

    def with_run(self, **settings) -> Prepared:
        """The same job with run settings that preparation does not read (``n_jobs``, ``force``, ``cache_dir``)."""
        bad = set(settings) - RUN_ONLY
        if bad:
            raise ValueError(f"run settings the preparation reads cannot change on a prepared job: {sorted(bad)}")
        if "n_jobs" in settings:
            resolve_jobs(settings["n_jobs"], 1)
        run = {**self.config["run"], **settings}
        return replace(self, config={**self.config, "run": run}, built={**self.built, "run": {**self.built["run"], **settings}})


#: run settings a prepared job may change: they decide where and how it runs, not what
RUN_ONLY = {"n_jobs", "force", "cache_dir"}


def check(cfg: Mapping[str, Any]) -> Prepared:
    """Check and prepare ``cfg`` once without running, so bad input fails before any work starts: the
    model and every later year's revision are built once.  :func:`run` takes what this returns."""
    job = _prepared(cfg)
    _verify(job)
    return job


def _prepared(cfg: Mapping[str, Any]) -> Prepared:
    """``cfg`` validated and prepared: each year's configuration and metric set, built once."""
    schema.validate(cfg)                       # every problem of shape and range, reported together
    run = cfg["run"]
    warmup, reps = run["warmup_days"], run["replications"]
    options = output_analysis.settings(run)
    resolve_jobs(run.get("n_jobs", 1), options["max_replications"] if reps == AUTO else reps)
    if warmup == AUTO and years.is_multi_year(run):
        raise ConfigError("run.warmup_days", warmup, "a number of days in a multi-year run (run.end_year): "
                                                     "the warm-up decides the day each later year starts")
    horizon = years.with_horizon(cfg)
    built = prepare(horizon)
    first = MetricSet(built["network"], built.get("costs"))      # the first year's metrics fail before later years'
    later = tuple(years.later_years(horizon))
    metric_sets = (first, *(MetricSet(p["network"], p.get("costs")) for _, _, p in later))
    scenario = str((cfg.get("scenario") or {}).get("name", "baseline"))
    return Prepared(dict(cfg), built, later, metric_sets, scenario, AUTO in (warmup, reps))


def _verify(job: Prepared) -> None:
    """Build the first replication's model and fit every later year to it (an automatic warm-up or
    replications stand in as no warm-up and one batch)."""
    run = job.built["run"]
    options = output_analysis.settings(run)
    stand_in = {**run, "warmup_days": 0 if run["warmup_days"] == AUTO else run["warmup_days"],
                "replications": options["replication_batch"] if run["replications"] == AUTO else run["replications"]}
    model = Model({**job.built, "run": stand_in}, 0)
    for _, _, prepared in job.later:             # every year's settings must build and fit the network
        YearRevision(prepared["network"], model.context, lambda stream: 1.0, model.network)


def run_replication(cfg: Mapping[str, Any], replication: int, later_years=(), metric_sets=None) -> dict:
    """One replication: its metrics (by year in a multi-year run), daily series, flows and ledger.
    ``metric_sets``: one per year (:attr:`Prepared.metric_sets`); built here when not given."""
    started = time.perf_counter()
    raw = Model(cfg, replication, later_years).run()
    configs = [cfg] + [later for _, _, later in later_years]
    if metric_sets is None:
        metric_sets = [MetricSet(c["network"], c.get("costs")) for c in configs]
    periods = raw.get("years") or [{"year": int(cfg["run"]["year"]), **raw}]
    metrics, flows = {}, {}
    previous = None
    by_year = {}
    for period, metric_set in zip(periods, metric_sets):
        by_year[period["year"]] = metric_set
        values = metric_set.evaluate({**raw, **period})
        flags, previous = output_analysis.unstable_flags(
            raw["daily"], period["first_day"], period["last_day"], previous, raw["waits_without_limit"],
            output_analysis.gave_up_shares(period["services"], raw["gives_up"]))
        values.update(flags)
        metrics[period["year"]] = values
        flows.update({(period["year"], origin, group): n for group, members in raw["groups"].items()
                      for m in members for origin, n in period["services"][m]["by_origin"].items()})
    return {"replication": replication, "multi_year": "years" in raw, "metrics": metrics, "groups": raw["groups"],
            "daily": raw["daily"], "monthly": monthly_measures.evaluate(raw, by_year),
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
    monthly: pd.DataFrame | None = None  # headline measures by calendar month (sim.analysis.monthly)

    @property
    def balanced(self) -> bool:
        return all(ledger["balanced"] and ledger["little_balanced"] for ledger in self.ledgers)

    def conservation(self) -> dict:
        """Per-service arrived / left / present at the end, for every replication."""
        return {"balanced": self.balanced,
                "replications": [{"replication": i, **ledger} for i, ledger in enumerate(self.ledgers)]}


def run(job: Prepared | Mapping[str, Any], progress: bool | Callable[[int, int], object] = True, keep=None) -> Results:
    """Run the replications of a job and tabulate them: ``job`` is what :func:`check` returned (run
    without preparing it again) or a configuration (checked and prepared here, once).  ``progress`` is a
    progress bar (true), none (false) or a function called with (replications finished, replications in
    the batch) after each.

    ``run.warmup_days: auto`` and ``run.replications: auto`` choose the warm-up and the number of
    replications first (see :mod:`sim.analysis.output_analysis`); ``Results.analysis`` says what was chosen.
    Either runs on the configurations prepared once: preparation reads only the year of ``run``.
    ``keep`` (a :class:`sim.jobs.cache.Partial`, or None): each finished replication is kept there, and one
    kept before is read back instead of run, so an interrupted job resumes."""
    if not isinstance(job, Prepared):
        job = _prepared(job)
        run_cfg = job.config["run"]
        workers = resolve_jobs(run_cfg.get("n_jobs", 1), 1 if job.automatic else run_cfg["replications"])
        if job.automatic or job.later or workers > 1:
            _verify(job)     # otherwise the first replication builds this very model here, failing as early
    cfg = years.with_horizon(job.config)
    run_cfg = dict(cfg["run"])
    scenario, built, metric_sets = job.scenario, job.built, job.metric_sets
    analysis: dict = {}
    if run_cfg["warmup_days"] == AUTO:
        pilot_reps = output_analysis.settings(run_cfg)["pilot_replications"]
        pilot_run = {**run_cfg, "warmup_days": 0}
        pilot = _replicate({**built, "run": pilot_run}, range(pilot_reps), scenario, progress, (), metric_sets,
                           _Kept(keep, "pilot"))
        warmup, per_service = output_analysis.choose_warmup(tabulate({**cfg, "run": pilot_run}, scenario, pilot).daily)
        analysis["warmup"] = {"method": "MSER-5 on daily occupancy, longest over services",
                              "pilot_replications": pilot_reps, "warmup_days": warmup,
                              "results_days": float(run_cfg["horizon_days"]) - warmup, "per_service": per_service}
        run_cfg["warmup_days"] = warmup
    cfg, built = {**cfg, "run": run_cfg}, {**built, "run": run_cfg}
    later = [(day, year, {**prepared, "run": {**run_cfg, "year": year}}) for day, year, prepared in job.later]
    if run_cfg["replications"] == AUTO:
        outputs, analysis["replications"] = output_analysis.replicate_until_precise(
            lambda reps: _replicate(built, reps, scenario, progress, later, metric_sets, _Kept(keep, "rep")), run_cfg,
            lambda outs: replication_table(scenario, outs))
        run_cfg["replications"] = len(outputs)
    else:
        outputs = _replicate(built, range(int(run_cfg["replications"])), scenario, progress, later, metric_sets,
                             _Kept(keep, "rep"))
    results = tabulate(cfg, scenario, outputs, resolve_jobs(run_cfg.get("n_jobs", 1), len(outputs)), built["network"])
    results.analysis = analysis
    return results


@dataclass(frozen=True)
class _Kept:
    """Where a batch of replications is kept as each finishes (``partial``: a Partial, or None), under ``tag``."""

    partial: Any
    tag: str

    def load(self, replication: int):
        return None if self.partial is None else self.partial.load(self.tag, replication)

    def saving(self, outputs):
        for output in outputs:
            if self.partial is not None:
                self.partial.save(self.tag, output)
            yield output


def _replicate(built, replications: range, scenario: str, progress: bool, later_years, metric_sets,
               kept: _Kept = _Kept(None, "rep")) -> list:
    """Run the given replications of a prepared configuration (in parallel), in replication order; each
    task carries the year's metric sets (they pickle), so no worker builds them again.  Those ``kept``
    from an interrupted run are read back instead; each that finishes here is kept."""
    done = {r: output for r in replications if (output := kept.load(r)) is not None}
    todo = [r for r in replications if r not in done]
    n_jobs = resolve_jobs(built["run"].get("n_jobs", 1), max(1, len(todo)))
    tasks = (delayed(run_replication)(built, r, later_years, metric_sets) for r in todo)
    outputs = kept.saving(Parallel(n_jobs=n_jobs, return_as="generator")(tasks)) if todo else iter(())
    outputs = itertools.chain(done.values(), outputs)
    if callable(progress):
        outputs = _reporting(outputs, len(replications), progress)
    elif progress:
        what = "warm-up pilot" if kept.tag == "pilot" else "replications"
        outputs = terminal.bar(outputs, total=len(replications), desc=f"{scenario}: {what}", unit="rep")
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
    names = Labels(cfg)

    def bounds(metric: str) -> tuple[float, float]:
        return names.describe(metric).bounds

    summary = output_analysis.mark_unstable(summarise(replications, bounds), network or cfg["network"],
                                            results[0]["groups"] if results else {})
    return Results(scenario=scenario, config=dict(cfg), replications=replications, summary=summary,
                   events=pd.concat(logs, ignore_index=True) if logs else None,
                   daily=daily, flows=flows, ledgers=[r["ledger"] for r in results],
                   monthly=monthly_measures.table(scenario, results, bounds),
                   seconds=[r["seconds"] for r in results], n_jobs=n_jobs)
