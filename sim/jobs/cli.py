"""The command line: ``python -m sim [overrides]`` (a Hydra application).

Composes ``configs/config.yaml`` with the command-line overrides, runs the
replications, writes the outputs to Hydra's output directory and prints a
summary.  ``python -m sim -m key=a,b`` sweeps (Hydra multirun).
"""
from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path
from typing import Any

from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from ..analysis import report
from ..common.errors import ConfigError, ConfigErrors, OverloadError, did_you_mean
from ..common.paths import CONFIG_DIR
from ..inputs.config import to_plain
from . import cache, objective, outputs, runner

ALLOWED_TARGETS = {"sim.jobs.callbacks.ScenarioComparison"}   # the only objects a config may ask Hydra to build
GROUPS = ("place", "network", "capacity", "scenario", "scenario/capacity", "costs", "run", "experiment")


def fail(errors, out_dir: Path | None = None) -> None:
    """Report bad input, one line per problem, remove the job's (still empty) output folder, exit 2."""
    for error in errors:
        print(f"carepath: invalid configuration: {error}", file=sys.stderr)
    if out_dir is not None:
        _remove_unused(out_dir)
    sys.exit(2)


def _remove_unused(out_dir: Path) -> None:
    """Delete an output folder holding nothing but Hydra's own bookkeeping (nothing half-written stays)."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return
    if all(p.name in (".hydra",) or p.suffix == ".log" for p in out_dir.iterdir()):
        shutil.rmtree(out_dir, ignore_errors=True)
        parent = out_dir.parent
        if parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()


def check_command_line(argv: list[str]) -> list[str]:
    """Problems with the overrides themselves, found before Hydra composes anything: unknown config
    group options (with a suggestion) and any ``_target_`` outside the allow-list."""
    problems = []
    searched = [CONFIG_DIR, *_searchpath(argv)]
    for arg in argv:
        if arg.startswith("-") or "=" not in arg:
            continue
        key, _, value = arg.lstrip("+~").partition("=")
        if key.endswith("_target_") and value not in ALLOWED_TARGETS:
            problems.append(f"{key}: got {value!r}; expected one of {sorted(ALLOWED_TARGETS)} "
                            "(configs may not build arbitrary Python objects)")
            continue
        if key not in GROUPS or "(" in value:
            continue
        options = sorted({p.stem for folder in searched for p in (folder / key).glob("*.yaml")})
        for choice in value.strip("[]").split(","):
            choice = choice.strip()
            if choice and choice not in options:
                problems.append(f"{key}: got {choice!r}; expected one of {', '.join(options)}{did_you_mean(choice, options)}")
    return problems


def _searchpath(argv: list[str]) -> list[Path]:
    """The config folders a ``hydra.searchpath=[file://...]`` override adds (a place built elsewhere)."""
    folders = []
    for arg in argv:
        if arg.startswith("hydra.searchpath="):
            for entry in arg.split("=", 1)[1].strip("[]").split(","):
                entry = entry.strip().strip("'\"")
                if entry.startswith("file://"):
                    folders.append(Path(entry[len("file://"):]))
    return folders


def targets(data, path="") -> list[tuple[str, Any]]:
    """Every ``_target_`` in a configuration (key path, value)."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if key == "_target_":
                found.append((where, value))
            else:
                found += targets(value, where)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += targets(value, f"{path}.{i}")
    return found


def job_cores() -> int:
    """Cores this job may use for its replications: all of the machine's for a single run, the
    job's share when a launcher runs several jobs side by side (Ray: the CPUs Ray gave the job;
    joblib: the machine's cores divided by the launcher's parallel jobs), so sweeps never
    oversubscribe."""
    cores = runner.available_cores()
    try:
        from hydra.core.hydra_config import HydraConfig
        launcher = HydraConfig.get().launcher
    except (ImportError, ValueError):
        return cores
    target = str(launcher.get("_target_", ""))
    if "ray_launcher" in target:
        import ray
        if ray.is_initialized():
            assigned = ray.get_runtime_context().get_assigned_resources().get("CPU")
            if assigned:
                return max(1, int(assigned))
    if "joblib_launcher" in target:
        parallel = int(launcher.get("n_jobs", -1) or -1)
        parallel = cores if parallel < 0 else parallel
        return max(1, cores // max(1, parallel))
    return cores


def run_job(cfg: DictConfig, out_dir: Path, command: str | None = None):
    """Resolve, run and write one job; return its :class:`~sim.jobs.runner.Results`.

    A job whose resolved configuration and seed match a finished job in the cache (``run.cache_dir``)
    reuses its outputs instead of running again, unless ``run.force`` is true; so a re-run of an
    interrupted sweep recomputes only the jobs that did not finish."""
    try:
        data = to_plain(cfg)
        bad = [ConfigError(where, value, f"one of {sorted(ALLOWED_TARGETS)}")
               for where, value in targets(data) if value not in ALLOWED_TARGETS]
        if bad:
            raise ConfigErrors(bad)
        runner.check(data)
    except ConfigErrors as e:
        fail(e.errors, out_dir)
    except ConfigError as e:
        fail([e], out_dir)
    except OmegaConfBaseException as e:
        fail([str(e).splitlines()[0]], out_dir)
    if data["run"].get("n_jobs", "auto") in ("auto", None):
        data["run"]["n_jobs"] = job_cores()
    key = cache.key(data)
    run_cfg = data["run"]
    store = cache.folder(run_cfg, key)
    if not run_cfg.get("force", False) and cache.restore(store, out_dir):
        results = cache.load_results(out_dir, data)
        _print_summary(data, results)
        print(f"\nreused the finished job {key[:12]} (same configuration and seed; run.force=true recomputes)\n"
              f"outputs: {out_dir}")
        return results
    started = time.perf_counter()
    try:
        results = runner.run(data, progress=sys.stderr.isatty())
    except OverloadError as e:
        print(f"carepath: stopped: {e}", file=sys.stderr)
        _remove_unused(out_dir)
        sys.exit(3)
    elapsed = time.perf_counter() - started
    paths = outputs.write_all(results, out_dir, command, extra={"seconds_total": round(elapsed, 2), "config_hash": key})
    cache.save(out_dir, store)
    _print_summary(data, results)
    status = "balanced" if results.balanced else "NOT BALANCED (see manifest.json)"
    print(f"\nconservation of patients: {status}; {len(results.ledgers)} replications in {elapsed:.1f} s "
          f"on {results.n_jobs} worker(s)\noutputs: {paths['summary.csv'].parent}")
    return results


def _print_summary(data, results) -> None:
    print(report.table(results.summary, report.headline_metrics(data, results.summary)))
    for warning in report.overload_warnings(results.summary):
        print(f"WARNING: {warning}")


def objective_value(cfg: DictConfig, results) -> float | None:
    """The optimiser's objective for this job, when the config defines one (see sim.jobs.objective)."""
    spec = to_plain(cfg).get("objective")
    if not spec:
        return None
    objective.check(spec, results.summary["metric"])
    result = objective.value(spec, results.summary)
    print(f"objective: {result:,.0f}")
    return result
