"""Hydra callbacks: work done once a whole multirun has finished."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from hydra.experimental.callback import Callback
from omegaconf import OmegaConf

from ..analysis.comparison import DEFAULT_BASELINE, write_comparison
from ..analysis.report import differences_text, headline_metrics

#: the whole-system cost and the kinds of saving, printed after the headline when the runs report them
SAVINGS = ["system_cost_gbp", "net_saving_gbp", "cash_releasing_saving_gbp", "cost_avoidance_gbp", "scheme_investment_gbp"]


class ScenarioComparison(Callback):
    """After a multirun, write ``comparison.csv`` (paired differences against ``baseline``, then the kinds of
    saving) to the sweep directory and print the differences of the network's headline metrics and the savings."""

    def __init__(self, baseline: str = DEFAULT_BASELINE):
        self.baseline = baseline

    def on_multirun_end(self, config, **kwargs) -> None:
        path = write_comparison(Path(config.hydra.sweep.dir), self.baseline)
        if path is not None:
            table = pd.read_csv(path)
            network = OmegaConf.to_container(config.network, resolve=False) if "network" in config else {}
            money = [m for m in SAVINGS if m in set(table["metric"])]
            print(differences_text(table, headline_metrics(network, table["metric"]) + money))
            print(f"scenario comparison (every metric): {path}")
