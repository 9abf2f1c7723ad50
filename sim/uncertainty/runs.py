"""Running draws: every (draw, scenario, year) is an ordinary job, cached, run in parallel.

Each job is the configuration ``python -m sim`` would run with the draw's overrides, so it goes
through :func:`sim.jobs.runner.run` and the job cache (:mod:`sim.jobs.cache`, ``run.cache_dir``):
a job whose resolved configuration and seed match a finished one is read back instead of run, so
an interrupted study resumes where it stopped and a re-run with more draws runs only the new ones.
``run.force=true`` recomputes.  Jobs run side by side, one core each (joblib; or Ray through
joblib's Ray backend, ``--backend ray``, which uses a Ray cluster when ``RAY_ADDRESS`` is set), with a
progress bar.

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


def run_one(config: dict) -> tuple[pd.DataFrame, bool, float]:
    """Run (or read back from the cache) one job: its replications table, whether it ran, seconds."""
    started = time.perf_counter()
    run = config["run"]
    store = cache.folder(run, cache.key(config))
    if not run.get("force", False) and cache.complete(store, KEPT):
        return pd.read_csv(store / "replications.csv"), False, time.perf_counter() - started
    try:
        results = runner.run(config, progress=False)
    except ConfigError as error:        # carried back from a worker process as text (it does not pickle)
        raise RuntimeError(f"draw seed {run['seed']}, scenario {config.get('scenario', {}).get('name')}: {error}") from None
    scratch = Path(tempfile.mkdtemp(prefix="carepath-draw-"))
    try:
        write_csv(results.replications, scratch / "replications.csv")
        write_json(outputs.manifest(results, command="python -m sim.uncertainty"), scratch / "manifest.json")
        if run.get("force", False) and store.exists():
            shutil.rmtree(store, ignore_errors=True)
        cache.save(scratch, store)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return results.replications, True, time.perf_counter() - started


@dataclass
class RunStats:
    jobs: int = 0
    ran: int = 0
    reused: int = 0
    seconds: float = 0.0            # wall-clock seconds for all the jobs
    job_seconds: float = 0.0        # sum of the seconds of the jobs that ran


def run_jobs(jobs: list[Job], n_jobs: int = 1, backend: str = "joblib", progress: bool = True,
             stats: RunStats | None = None) -> pd.DataFrame:
    """Every job's replications: ``draw, scenario, year, replication, metric, value`` (a ``year``
    column written by the model itself wins over the job's ``run.year``)."""
    stats = stats if stats is not None else RunStats()
    started = time.perf_counter()
    tasks = (delayed(run_one)(job.config) for job in jobs)
    if backend == "ray":
        from ray.util.joblib import register_ray
        register_ray()
    with parallel_config(backend="ray" if backend == "ray" else "loky", n_jobs=max(1, n_jobs)):
        parallel = n_jobs > 1 or backend == "ray"
        results = Parallel(return_as="generator")(tasks) if parallel else (run_one(job.config) for job in jobs)
        if progress:
            from tqdm.auto import tqdm
            results = tqdm(results, total=len(jobs), desc="draws x scenarios", unit="run")
        frames = []
        for job, (table, ran, seconds) in zip(jobs, results):
            stats.ran += ran
            stats.reused += not ran
            stats.job_seconds += seconds if ran else 0.0
            table = table.drop(columns=["scenario"], errors="ignore")
            if "year" not in table.columns:
                table.insert(0, "year", job.year)
            frames.append(table.assign(draw=job.draw, scenario=job.scenario))
    stats.jobs += len(jobs)
    stats.seconds += time.perf_counter() - started
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return frame[["draw", "scenario", "year", "replication", "metric", "value"]]
