"""The command-line job: ``carepath run [overrides]`` (``python -m sim``), a Hydra application.

Composes ``configs/config.yaml`` with the command-line overrides, runs the
replications, writes the outputs to Hydra's output directory and prints a
summary.  ``python -m sim -m key=a,b`` sweeps (Hydra multirun).
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from ..analysis import report
from ..common import progress as terminal
from ..common.errors import ConfigError, ConfigErrors, OverloadError
from ..inputs.config import to_plain
from ..inputs.overrides import problems, target_problems, typed_keys
from . import cache, folders, objective, outputs, runner

folders.register()          # hydra.sweep.subdir names each job's folder by its overrides (configs/config.yaml)

#: Hydra's flags that print something instead of running (the overrides are checked when it runs)
PRINT_ONLY = {"--help", "-h", "--hydra-help", "--version", "--info", "-i", "--shell-completion", "-sc"}
#: flags that change which configuration Hydra composes, so the checks of configs/config.yaml do not apply
OTHER_CONFIG = {"--config-path", "-cp", "--config-name", "-cn", "--config-dir", "-cd", "--experimental-rerun"}


def problem_line(error) -> str:
    """How the command line words one problem with its input."""
    return f"carepath: invalid configuration: {error}"


def fail(errors, out_dir: Path | None = None) -> None:
    """Report bad input, one line per problem, remove the job's (still empty) output folder, exit 2."""
    for error in errors:
        print(problem_line(error), file=sys.stderr)
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


def write_problem(folder: Path | str, key: str) -> str | None:
    """Why this process cannot create files in ``folder`` (made as needed; ``key`` is the setting that names
    it), or None: a file is made and removed in the deepest folder on its path that exists, so a read-only
    folder fails here, before a run, not after its replications."""
    folder = Path(folder)
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{key}: cannot write to {folder}: {existing} is a file, not a folder"
    try:
        handle, name = tempfile.mkstemp(dir=existing, prefix=".carepath-write-check-")
        os.close(handle)
        os.unlink(name)
    except OSError as e:
        return f"{key}: cannot write to {folder}: {e.strerror or e}"
    return None


def folder_problems(argv: list[str]) -> list[str]:
    """Folders a command line names (or the defaults) that cannot be written: the output folder
    (``hydra.run.dir``; ``hydra.sweep.dir`` with ``-m``), before Hydra makes it.  Only the fixed start of a
    folder made from interpolations (``outputs/${now:...}``) is checked.  The job cache (``run.cache_dir``) is
    checked by :func:`run_job` once it knows the job is not there already (a finished job is only read)."""
    sweep = "-m" in argv or "--multirun" in argv
    wanted = {"hydra.sweep.dir" if sweep else "hydra.run.dir": "multirun" if sweep else "outputs"}
    for arg in argv:
        key, _, value = arg.lstrip("+").partition("=")
        if key in wanted and value.strip():
            wanted[key] = value.strip().strip("'\"")
    found = []
    for key, value in wanted.items():
        fixed = value.split("${")[0]
        folder = Path(fixed if fixed == value or fixed.endswith("/") else Path(fixed).parent)
        problem = write_problem(folder or Path("."), key)
        if problem:
            found.append(problem)
    return found


def check_command_line(argv: list[str]) -> list[ConfigError]:
    """Problems with the overrides on a command line (:func:`sim.inputs.overrides.problems`), found before
    Hydra composes anything; none when the command only prints (``--help``) or names another config."""
    flags = {arg.partition("=")[0] for arg in argv if arg.startswith("-")}
    if flags & (PRINT_ONLY | OTHER_CONFIG):
        return []
    return problems([arg for arg in argv if ("=" in arg or not arg.strip()) and not arg.startswith("-")])


def job_problems(cfg: DictConfig) -> tuple[dict | None, list]:
    """The composed ``cfg`` resolved, and every problem found by building it once without running
    (:func:`sim.jobs.runner.check`, the headline, ``_target_``), each named by the key the user sets
    (:func:`sim.inputs.overrides.typed_keys`): ``(data, [])``, or ``(None, problems)``.  With
    :func:`check_command_line` before composing, this is the whole check of a job, shared by the
    command line and the web app (:mod:`sim.app`), so both refuse the same input in the same words."""
    job, bad = checked_job(cfg)
    return (job.config if job is not None else None), bad


def checked_job(cfg: DictConfig) -> tuple[runner.Prepared | None, list]:
    """:func:`job_problems`, keeping the prepared job (:class:`sim.jobs.runner.Prepared`, whose ``config``
    is the resolved ``cfg``) for :func:`sim.jobs.runner.run`: ``(job, [])``, or ``(None, problems)``."""
    try:
        data = to_plain(cfg)
        bad = target_problems(data)
        if bad:
            raise ConfigErrors(bad)
        job = runner.check(data)
        report.check_headline(data["network"])
    except ConfigError as e:
        named = typed_keys(e, cfg)             # under the keys the user sets, not those they feed
        return None, getattr(named, "errors", [named])
    except OmegaConfBaseException as e:
        return None, [str(e).splitlines()[0]]
    return job, []


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


def run_job(cfg: DictConfig, out_dir: Path, command: str | None = None, progress=None,
            prepared: runner.Prepared | None = None):
    """Resolve, run and write one job; return its :class:`~sim.jobs.runner.Results`.  ``progress`` is
    :func:`sim.jobs.runner.run`'s (default: a progress bar when standard error is a terminal).

    A job whose resolved configuration and seed match a finished job in the cache (``run.cache_dir``)
    reuses its outputs instead of running again, unless ``run.force`` is true; so a re-run of an
    interrupted sweep recomputes only the jobs that did not finish.  The job is checked and prepared
    once (:func:`checked_job`); the run reuses what the check prepared.  ``prepared``: the job an earlier
    check of this same configuration prepared (the web app's), used when ``cfg`` resolves to its
    configuration (``run.n_jobs`` aside), so it is not prepared again.  Ctrl-C leaves no output folder."""
    try:
        return _run_job(cfg, out_dir, command, progress, prepared)
    except KeyboardInterrupt:              # before the replications (during them, interrupted() exits 130)
        _remove_unused(out_dir)
        raise


def _run_job(cfg: DictConfig, out_dir: Path, command: str | None, progress, prepared: runner.Prepared | None):
    job = prepared if prepared is not None and _same_job(prepared.config, cfg) else None
    if job is not None:
        job = job.with_run(n_jobs=to_plain(cfg)["run"].get("n_jobs", "auto"))
    else:
        job, bad = checked_job(cfg)
        if bad:
            fail(bad, out_dir)
    if job.config["run"].get("n_jobs", "auto") in ("auto", None):
        job = job.with_run(n_jobs=job_cores())
    data = job.config
    key = cache.key(data)
    run_cfg = data["run"]
    store = cache.folder(run_cfg, key)
    unwritable = write_problem(out_dir, "hydra.run.dir")
    if unwritable:
        fail([unwritable], out_dir)
    if not run_cfg.get("force", False) and cache.restore(store, out_dir):
        results = cache.load_results(out_dir, data)
        print(report.summary_text(data, results.summary, out_dir / "summary.csv"))
        print(f"\nreused the finished job {key[:12]} (same configuration and seed; run.force=true recomputes)\n"
              f"outputs: {out_dir}")
        return results
    unwritable = write_problem(store.parent, "run.cache_dir")      # a finished job is only read from it
    if unwritable:
        fail([unwritable], out_dir)
    partial = cache.Partial(store)
    if run_cfg.get("force", False):
        partial.clear()
    elif partial.count():
        print(f"carepath: resuming: {partial.count()} replication(s) an interrupted run finished are read back "
              f"from {partial.folder}", file=sys.stderr)
    started = time.perf_counter()
    try:
        results = runner.run(job, progress=terminal.wanted() if progress is None else progress, keep=partial)
    except OverloadError as e:
        print(f"carepath: stopped: {e}", file=sys.stderr)
        _remove_unused(out_dir)
        sys.exit(3)
    except KeyboardInterrupt:
        interrupted(run_cfg, partial, out_dir)
    elapsed = time.perf_counter() - started
    paths = outputs.write_all(results, out_dir, command, extra={"seconds_total": round(elapsed, 2), "config_hash": key})
    try:
        cache.save(out_dir, store)
        partial.clear()
    except OSError as e:                   # the outputs are written; only the copy a re-run would reuse is lost
        print(f"carepath: warning: the job is not kept in the cache: cannot write to {store.parent}: "
              f"{e.strerror or e}", file=sys.stderr)
    print(report.summary_text(data, results.summary, paths["summary.csv"]))
    status = "balanced" if results.balanced else "NOT BALANCED (see manifest.json)"
    print(f"\nconservation of patients: {status}; {len(results.ledgers)} replications in {elapsed:.1f} s "
          f"on {results.n_jobs} worker(s)\noutputs: {paths['summary.csv'].parent}")
    return results


def interrupted(run_cfg: dict, partial: cache.Partial, out_dir: Path) -> None:
    """Ctrl-C during the replications: say how far the job got, leave no output folder, exit 130 (the shell's
    code for an interrupt).  The replications that finished are kept (``partial``), so the same command
    resumes."""
    total = run_cfg["replications"]
    total = f"up to {run_cfg.get('max_replications', 100)}" if total == runner.AUTO else total
    finished = partial.count()
    resume = "run the same command to resume" if finished else "none is kept; run the same command to start again"
    print(f"carepath: interrupted: {finished} of {total} replications finished; {resume}", file=sys.stderr)
    _remove_unused(out_dir)
    sys.exit(130)


def _same_job(data: dict, cfg: DictConfig) -> bool:
    """Whether ``cfg`` resolves to the configuration ``data``, ``run.n_jobs`` aside (it decides only where
    the replications run)."""
    try:
        plain = to_plain(cfg)
    except OmegaConfBaseException:
        return False
    return _without_workers(plain) == _without_workers(data)


def _without_workers(data: dict) -> dict:
    return {**data, "run": {k: v for k, v in data["run"].items() if k != "n_jobs"}}


def objective_value(cfg: DictConfig, results) -> float | None:
    """The optimiser's objective for this job, when the config defines one (see sim.jobs.objective)."""
    spec = to_plain(cfg).get("objective")
    if not spec:
        return None
    objective.check(spec, results.summary["metric"])
    result = objective.value(spec, results.summary)
    print(f"objective: {result:,.0f}")
    return result
