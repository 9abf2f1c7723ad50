"""The command line: ``python -m sim [overrides]`` (a Hydra application).

Composes ``configs/config.yaml`` with the command-line overrides, runs the
replications, writes the outputs to Hydra's output directory and prints a
summary.  ``python -m sim -m key=a,b`` sweeps (Hydra multirun).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from . import objective, outputs, report, runner
from .config import to_plain
from .errors import ConfigError, ConfigErrors


def fail(errors) -> None:
    """Report bad input, one line per problem, and exit with status 2."""
    for error in errors:
        print(f"carepath: invalid configuration: {error}", file=sys.stderr)
    sys.exit(2)


def run_job(cfg: DictConfig, out_dir: Path, command: str | None = None):
    """Resolve, run and write one job; return its :class:`~sim.runner.Results`."""
    try:
        data = to_plain(cfg)
        runner.check(data)
    except ConfigErrors as e:
        fail(e.errors)
    except ConfigError as e:
        fail([e])
    except OmegaConfBaseException as e:
        fail([str(e).splitlines()[0]])
    started = time.perf_counter()
    results = runner.run(data, progress=sys.stderr.isatty())
    elapsed = time.perf_counter() - started
    paths = outputs.write_all(results, out_dir, command, extra={"seconds_total": round(elapsed, 2)})
    print(report.table(results.summary, report.headline_metrics(data, results.summary)))
    status = "balanced" if results.balanced else "NOT BALANCED (see manifest.json)"
    print(f"\nconservation of patients: {status}; {len(results.ledgers)} replications in {elapsed:.1f} s "
          f"on {results.n_jobs} worker(s)\noutputs: {paths['summary.csv'].parent}")
    return results


def objective_value(cfg: DictConfig, results) -> float | None:
    """The optimiser's objective for this job, when the config defines one (see sim.objective)."""
    spec = to_plain(cfg).get("objective")
    if not spec:
        return None
    objective.check(spec, results.summary["metric"])
    result = objective.value(spec, results.summary)
    print(f"objective: {result:,.0f}")
    return result
