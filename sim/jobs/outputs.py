"""Write a run's tables and manifest to its output directory.

Files (all written atomically: to a temporary name, then renamed, so an
interrupted run never leaves a truncated file that looks complete):

``summary.csv``       scenario, metric, mean, ci_low, ci_high, replications
``replications.csv``  scenario, replication, metric, value
``daily.csv``         daily mean occupancy, waiting list and blocked places per service and replication
``flows.csv``         patients arriving at each service from each origin, per replication
``monthly.csv``       headline measures by calendar month, mean and 95% interval (sim.analysis.monthly)
``metrics.csv``       metric, label, unit, direction: every metric of summary.csv in words (sim.analysis.labels)
``manifest.json``     resolved config, seed, package versions, the lock file's hash, git commit, command,
                      conservation ledger
"""
from __future__ import annotations

import hashlib
import platform
import shlex
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from ..analysis import labels
from ..common.files import atomic_write, write_csv, write_json
from ..common.paths import RESULTS, ROOT

PACKAGES = ("carepath", "simpy", "numpy", "scipy", "pandas", "hydra-core", "omegaconf", "joblib")
#: the exact versions of every dependency (``.ci/lock`` writes it; ``.ci/run`` installs from it)
LOCK = ROOT / "requirements.lock"


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def lock_file() -> dict[str, str] | None:
    """The lock file's name and sha256 (None without one, e.g. an installed package away from its repository)."""
    try:
        return {"file": LOCK.name, "sha256": hashlib.sha256(LOCK.read_bytes()).hexdigest()}
    except OSError:
        return None


def git_commit(outputs=()) -> dict[str, Any]:
    """The commit of the source tree ``sim`` was imported from, and whether it had local changes.

    Dirty means a change git can see -- a tracked file modified, or a new file not ignored -- anywhere
    but in ``results/`` and the folders in ``outputs``: a run rewriting its own committed results (or
    writing new ones) leaves the source it ran as clean as it found it.
    """
    root = ROOT
    excluded = [RESULTS, *(Path(p) for p in outputs)]
    pathspec = [f":(exclude){Path(p).resolve().relative_to(root).as_posix()}" for p in excluded
                if Path(p).resolve().is_relative_to(root) and Path(p).resolve() != root]
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=normal",
                                     "--", ".", *pathspec], capture_output=True, text=True, timeout=10,
                                    check=True).stdout.strip())
        return {"commit": commit, "dirty": dirty}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def manifest(results, command: str | None = None, extra: dict | None = None, out_dir: Path | None = None) -> dict:
    run = results.config["run"]
    return {
        "carepath": "carepath",
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": command if command is not None else " ".join([Path(sys.argv[0]).name, *map(shlex.quote, sys.argv[1:])]),
        "scenario": results.scenario,
        "seed": run["seed"],
        "replications": int(run["replications"]),
        "n_jobs": results.n_jobs,
        "horizon_days": run["horizon_days"],
        "warmup_days": run["warmup_days"],
        "results_days": float(run["horizon_days"]) - float(run["warmup_days"]),
        "git": git_commit([out_dir] if out_dir is not None else []),
        "packages": package_versions(),
        "lock": lock_file(),
        "seconds_per_replication": [round(s, 3) for s in results.seconds],
        "output_analysis": results.analysis,
        "conservation": results.conservation(),
        "config": results.config,
        **(extra or {}),
    }


def write_all(results, out_dir: Path, command: str | None = None, extra: dict | None = None) -> dict[str, Path]:
    """Write every output file of ``results`` to ``out_dir``; return their paths."""
    out_dir = Path(out_dir)
    paths = {name: out_dir / name for name in ("summary.csv", "replications.csv", "daily.csv", "flows.csv", "manifest.json")}
    write_csv(results.summary, paths["summary.csv"])
    write_csv(results.replications, paths["replications.csv"])
    write_csv(results.daily, paths["daily.csv"])
    write_csv(results.flows, paths["flows.csv"])
    paths["metrics.csv"] = out_dir / "metrics.csv"
    write_csv(labels.metric_table(results.config, results.summary["metric"]), paths["metrics.csv"])
    if results.monthly is not None:
        paths["monthly.csv"] = out_dir / "monthly.csv"
        write_csv(results.monthly, paths["monthly.csv"])
    if results.events is not None:
        paths["events.parquet"] = out_dir / "events.parquet"
        atomic_write(paths["events.parquet"], lambda tmp: results.events.to_parquet(tmp, index=False))
    write_json(manifest(results, command, extra, out_dir), paths["manifest.json"])   # last: its presence means complete
    return paths
