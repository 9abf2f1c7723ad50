"""Running draws: every (draw, scenario, year) is an ordinary job, cached, run in parallel.

Each job is the configuration ``python -m sim`` would run with the draw's overrides, so it goes
through :func:`sim.jobs.runner.run` and the job cache (:mod:`sim.jobs.cache`, ``run.cache_dir``):
a job whose resolved configuration and seed match a finished one is read back instead of run, so
an interrupted study resumes where it stopped and a re-run with more draws runs only the new ones.
``run.force=true`` recomputes.  Jobs run side by side, one core each, with a progress bar: joblib on
this machine, or Ray (``--backend ray``: a local instance, or a cluster at ``--address`` or
``RAY_ADDRESS``, :mod:`sim.uncertainty.cluster`).  On Ray the jobs not in the cache are sent as tasks
that return the model's tables as they finish, and this machine writes them to its cache, so the
workers need no shared folder and a study stopped by a lost cluster resumes from there; a job whose
worker died is submitted again.  Either way the jobs are tabulated in their own order, not in the order
they finished, so the tables are the same, value for value.

**Random numbers.** Draw ``d`` runs with seed ``run.seed + d`` in every scenario and year.  Sharing
the seed across scenarios keeps common random numbers where they matter, in the paired difference
between scenarios of one draw.  Giving each draw its own seed keeps chance independent between
draws, which (i) lets the spread over draws average the model's noise instead of repeating one
realisation of it in every draw, and (ii) makes the one-way analysis of variance that separates
parameter from stochastic variance valid (:mod:`sim.uncertainty.variance`); one seed for every
draw would confound the two.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from joblib import Parallel, delayed, parallel_config

from ..common.errors import ConfigError
from ..common.files import write_csv, write_json
from ..jobs import cache, outputs, runner

BACKENDS = ("joblib", "ray")
#: what a draw keeps in the job cache: the replications the study reads, and the manifest that says what ran
#: (the day-by-day table a run writes besides is 0.7 MB a Walsall job, 0.4 GB for a 256-draw PSA of two scenarios)
KEPT = ("replications.csv", "manifest.json")


@dataclass
class Job:
    """One run of the model: a draw of a scenario in a year, as a resolved configuration."""

    draw: int
    scenario: str
    year: int
    config: dict


def job_seed(base_seed: int, draw: int) -> int:
    """The seed of draw ``draw``: its own, shared by every scenario and year of that draw."""
    return int(base_seed) + int(draw)


def cached(config: dict, key: str | None = None) -> pd.DataFrame | None:
    """A job's replications read back from the cache, or None when it has to run (or ``run.force``);
    ``key``: its cache key, when known."""
    run = config["run"]
    store = cache.folder(run, key or cache.key(config))
    if not run.get("force", False) and cache.complete(store, KEPT):
        return pd.read_csv(store / "replications.csv")
    return None


def compute(config: dict) -> tuple[pd.DataFrame, dict]:
    """Run one job: its replications table and its manifest."""
    run = config["run"]
    try:
        results = runner.run(config, progress=False)
    except ConfigError as error:        # carried back from a worker process as text (it does not pickle)
        raise RuntimeError(f"draw seed {run['seed']}, scenario {config.get('scenario', {}).get('name')}: {error}") from None
    return results.replications, outputs.manifest(results, command="python -m sim.uncertainty")


def keep(config: dict, replications: pd.DataFrame, manifest: dict, key: str | None = None) -> None:
    """Write a job that ran to the cache (what :data:`KEPT` names); ``key``: its cache key, when known."""
    run = config["run"]
    store = cache.folder(run, key or cache.key(config))
    scratch = Path(tempfile.mkdtemp(prefix="carepath-draw-"))
    try:
        write_csv(replications, scratch / "replications.csv")
        write_json(manifest, scratch / "manifest.json")
        if run.get("force", False) and store.exists():
            shutil.rmtree(store, ignore_errors=True)
        cache.save(scratch, store)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run_one(config: dict) -> tuple[pd.DataFrame, bool, float]:
    """Run (or read back from the cache) one job: its replications table, whether it ran, seconds."""
    started = time.perf_counter()
    table = cached(config)
    if table is not None:
        return table, False, time.perf_counter() - started
    replications, manifest = compute(config)
    keep(config, replications, manifest)
    return replications, True, time.perf_counter() - started


def remote_job(config: dict) -> tuple[pd.DataFrame, dict, float, str]:
    """One job run as a Ray task: its replications, manifest, seconds, and the cache key the worker's code gives."""
    started = time.perf_counter()
    replications, manifest = compute(config)
    return replications, manifest, time.perf_counter() - started, cache.key(config)


@dataclass
class RunStats:
    jobs: int = 0
    ran: int = 0
    reused: int = 0
    seconds: float = 0.0            # wall-clock seconds for all the jobs
    job_seconds: float = 0.0        # sum of the seconds of the jobs that ran


def _local(jobs: list[Job], n_jobs: int) -> Iterator[tuple[int, tuple[pd.DataFrame, bool, float]]]:
    """Each job's outcome on this machine, in order (joblib's processes for ``n_jobs`` > 1)."""
    if n_jobs <= 1:
        yield from enumerate(run_one(job.config) for job in jobs)
        return
    with parallel_config(backend="loky", n_jobs=n_jobs):
        yield from enumerate(Parallel(return_as="generator")(delayed(run_one)(job.config) for job in jobs))


def _ray(jobs: list[Job], n_jobs: int, address: str | None) -> Iterator[tuple[int, tuple[pd.DataFrame, bool, float]]]:
    """Each job's outcome on Ray, the cached ones first, the others as they finish; this machine caches them."""
    from . import cluster

    todo, keys = [], {}
    for index, job in enumerate(jobs):
        started = time.perf_counter()
        keys[index] = cache.key(job.config)
        table = cached(job.config, keys[index])
        if table is None:
            todo.append(index)
        else:
            yield index, (table, False, time.perf_counter() - started)
    if not todo:
        return
    with cluster.session():
        cluster.connect(address, n_jobs)
        for i, (replications, manifest, seconds, key) in cluster.stream(remote_job, [jobs[j].config for j in todo]):
            config = jobs[todo[i]].config
            if key != keys[todo[i]]:
                raise RuntimeError("a Ray worker runs other carepath code than this machine (another version or commit), "
                                   "so its results would be cached as this code's: install the same carepath on every "
                                   f"machine of the cluster (the worker has carepath "
                                   f"{manifest.get('packages', {}).get('carepath')}, commit {manifest.get('git', {}).get('commit')})")
            keep(config, replications, manifest, key)
            yield todo[i], (replications, True, seconds)


def run_jobs(jobs: list[Job], n_jobs: int = 1, backend: str = "joblib", progress: bool = True,
             stats: RunStats | None = None, address: str | None = None) -> pd.DataFrame:
    """Every job's replications: ``draw, scenario, year, replication, metric, value`` (a ``year``
    column written by the model itself wins over the job's ``run.year``), in the jobs' order whatever
    the order they finished in.  ``address``: the Ray cluster (``backend="ray"``; None: ``RAY_ADDRESS``
    or a local instance)."""
    stats = stats if stats is not None else RunStats()
    started = time.perf_counter()
    finished = _ray(jobs, max(1, n_jobs), address) if backend == "ray" else _local(jobs, max(1, n_jobs))
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(jobs), desc="draws x scenarios", unit="run")
    outcomes: dict[int, tuple[pd.DataFrame, bool, float]] = {}
    try:
        for index, (table, ran, seconds) in finished:
            outcomes[index] = (table, ran, seconds)
            stats.ran += ran
            stats.reused += not ran
            stats.job_seconds += seconds if ran else 0.0
            if bar is not None:
                bar.update()
    finally:
        finished.close()                                    # on Ray: cancel the tasks still running
        if bar is not None:
            bar.close()
    frames = []
    for index, job in enumerate(jobs):                      # the jobs' order, not the order they finished in
        table = outcomes[index][0].drop(columns=["scenario"], errors="ignore")
        if "year" not in table.columns:
            table.insert(0, "year", job.year)
        frames.append(table.assign(draw=job.draw, scenario=job.scenario))
    stats.jobs += len(jobs)
    stats.seconds += time.perf_counter() - started
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return frame[["draw", "scenario", "year", "replication", "metric", "value"]]
