"""Hydra callbacks: a sweep's progress while it runs, and the work done once a whole multirun has finished."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import OmegaConf

from ..analysis.comparison import DEFAULT_BASELINE, write_comparison
from ..analysis.report import differences_text, headline_metrics
from ..analysis.sweep import write_sweep
from ..common import progress as terminal

#: the whole-system cost and the kinds of saving, printed after the headline when the runs report them
SAVINGS = ["system_cost_gbp", "net_saving_gbp", "cash_releasing_saving_gbp", "cost_avoidance_gbp", "scheme_investment_gbp"]


def _network(config) -> dict:
    return OmegaConf.to_container(config.network, resolve=False) if "network" in config else {}


def sweep_size(overrides) -> int | None:
    """How many jobs a basic sweep of ``overrides`` (``hydra.overrides.task``) runs: the product of the
    lengths of its value lists; None when a sweeper draws them (a range, an interval, a glob)."""
    try:
        parsed = OverridesParser.create().parse_overrides([str(o) for o in overrides])
        sizes = [len(list(o.sweep_string_iterator())) if o.is_sweep_override() else 1 for o in parsed]
    except Exception:                      # an estimate only: the bar then counts without a total
        return None
    return math.prod(sizes)


class SweepTable(Callback):
    """A progress bar over a sweep's jobs on a terminal (with the time left), and after the multirun
    ``sweep.csv`` and ``sweep.png`` in the sweep directory (:func:`sim.analysis.sweep.write_sweep`)."""

    def __init__(self):
        self.bar = None

    def on_multirun_start(self, config, **kwargs) -> None:
        launcher = str(OmegaConf.select(config, "hydra.launcher._target_", default="BasicLauncher"))
        if terminal.wanted() and "BasicLauncher" in launcher:    # other launchers end their jobs in other processes
            basic = "BasicSweeper" in str(OmegaConf.select(config, "hydra.sweeper._target_", default="BasicSweeper"))
            total = sweep_size(config.hydra.overrides.task) if basic else None   # an optimiser: trials counted as they end
            self.bar = terminal.bar(total=total, desc="sweep", unit="job", leave=True)

    def on_job_end(self, config, job_return=None, **kwargs) -> None:
        if self.bar is not None:           # only in the process that started the sweep (the basic launcher)
            self.bar.update(1)

    def on_multirun_end(self, config, **kwargs) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        network = _network(config)
        paths = write_sweep(Path(config.hydra.sweep.dir), lambda metrics: headline_metrics(network, metrics))
        if paths:
            print(f"sweep table (every job, every metric): {paths['sweep.csv']}\n"
                  f"sweep figure (the headline figures): {paths['sweep.png']}")


class ScenarioComparison(Callback):
    """After a multirun, write ``comparison.csv`` (paired differences against ``baseline``, then the kinds of
    saving) to the sweep directory and print the differences of the network's headline metrics and the savings."""

    def __init__(self, baseline: str = DEFAULT_BASELINE):
        self.baseline = baseline

    def on_multirun_end(self, config, **kwargs) -> None:
        path = write_comparison(Path(config.hydra.sweep.dir), self.baseline)
        if path is not None:
            table = pd.read_csv(path)
            network = _network(config)
            money = [m for m in SAVINGS if m in set(table["metric"])]
            print(differences_text(table, headline_metrics(network, table["metric"]) + money))
            print(f"scenario comparison (every metric): {path}")
