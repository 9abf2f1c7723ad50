"""Finished jobs, keyed by their configuration, so an interrupted sweep resumes where it stopped.

Each job's key is a SHA-256 of its resolved configuration (seed included) and the code version
(package version and git commit).  When a job finishes, its output files are copied to
``run.cache_dir/<key>/`` -- into a temporary folder first, renamed into place only when complete,
so a killed job never leaves a cache entry that looks finished.  A later job with the same key
copies them back instead of running (``run.force=true`` recomputes).
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .outputs import git_commit, package_versions

FILES = ("summary.csv", "replications.csv", "daily.csv", "flows.csv", "manifest.json")
OPTIONAL = ("events.parquet", "monthly.csv", "metrics.csv")   # run.event_log=true; by month, labels (older entries lack them)
DEFAULT_DIR = ".carepath-cache"


def key(data: Mapping[str, Any]) -> str:
    """The job's identity: its resolved configuration and the code that runs it."""
    run = {k: v for k, v in data["run"].items() if k not in ("force", "cache_dir", "n_jobs")}   # same results either way
    identity = {"config": {**data, "run": run}, "carepath": package_versions().get("carepath"),
                "commit": git_commit().get("commit")}
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()


def folder(run: Mapping[str, Any], job_key: str) -> Path:
    return Path(run.get("cache_dir") or DEFAULT_DIR) / job_key


def complete(store: Path, files=FILES) -> bool:
    """Whether ``store`` holds a finished job's ``files`` (by default every file a run writes)."""
    return all((Path(store) / name).is_file() for name in files)


def restore(store: Path, out_dir: Path) -> bool:
    """Copy a finished job's files into ``out_dir``; False if there is no finished job."""
    if not complete(store):
        return False
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in FILES + OPTIONAL:
        if (store / name).is_file():
            shutil.copy2(store / name, out_dir / name)
    return True


def save(out_dir: Path, store: Path) -> None:
    """Copy a job's finished files to the cache, atomically (a partial copy is never visible).  An entry
    with fewer files (a PSA draw keeps only what the study reads) is replaced by a job that has them all."""
    if store.exists() and (complete(store) or not complete(out_dir)):
        return
    store.parent.mkdir(parents=True, exist_ok=True)
    staging = store.parent / f".{store.name}.{os.getpid()}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    for name in FILES + OPTIONAL:
        if (Path(out_dir) / name).is_file():
            shutil.copy2(Path(out_dir) / name, staging / name)
    try:
        if store.exists():
            shutil.rmtree(store)
        os.replace(staging, store)
    except OSError:              # another job finished the same configuration first
        shutil.rmtree(staging, ignore_errors=True)


def load_results(out_dir: Path, data: Mapping[str, Any]):
    """The :class:`~sim.jobs.runner.Results` of a restored job, read back from its files."""
    from .runner import Results
    out_dir = Path(out_dir)
    manifest = json.loads((out_dir / "manifest.json").read_text())
    conservation = manifest.get("conservation", {})
    return Results(scenario=manifest.get("scenario", ""), config=dict(data),
                   replications=pd.read_csv(out_dir / "replications.csv"), summary=pd.read_csv(out_dir / "summary.csv"),
                   daily=pd.read_csv(out_dir / "daily.csv"), flows=pd.read_csv(out_dir / "flows.csv"),
                   ledgers=[{k: v for k, v in r.items() if k != "replication"} for r in conservation.get("replications", [])],
                   seconds=manifest.get("seconds_per_replication", []), n_jobs=manifest.get("n_jobs", 1),
                   analysis=manifest.get("output_analysis", {}),
                   monthly=pd.read_csv(out_dir / "monthly.csv") if (out_dir / "monthly.csv").is_file() else None)


class Partial:
    """The replications an unfinished job has finished, kept one file each beside the job's cache entry
    (``<key>.partial/``), so an interrupted job (Ctrl-C) run again reruns only the others.  Each replication
    is seeded only by its number, so one read back is the one that would run again, value for value.
    The files are pickles: a cache folder is trusted as the outputs folder is."""

    def __init__(self, store: Path):
        self.folder = Path(store).parent / f"{Path(store).name}.partial"

    def _path(self, tag: str, replication: int) -> Path:
        return self.folder / f"{tag}-{replication}.pkl"

    def load(self, tag: str, replication: int):
        """The output of a finished replication (``tag``: ``rep``, or ``pilot`` for a warm-up pilot), or None."""
        path = self._path(tag, replication)
        if not path.is_file():
            return None
        try:
            with open(path, "rb") as handle:
                return pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            return None                                     # unreadable: run it again

    def save(self, tag: str, output: Mapping[str, Any]) -> None:
        """Keep a finished replication's output (atomically: a half-written file is never read back)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._path(tag, int(output["replication"]))
        staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(staging, "wb") as handle:
            pickle.dump(output, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(staging, path)

    def count(self, tag: str = "rep") -> int:
        """How many replications of ``tag`` are kept."""
        return len(list(self.folder.glob(f"{tag}-*.pkl"))) if self.folder.is_dir() else 0

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
