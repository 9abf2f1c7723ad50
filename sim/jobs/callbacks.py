"""Hydra callbacks: work done once a whole multirun has finished."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from hydra.experimental.callback import Callback
from omegaconf import OmegaConf

from ..analysis.comparison import DEFAULT_BASELINE, write_comparison
from ..analysis.report import differences_text, headline_metrics


class ScenarioComparison(Callback):
    """After a multirun, write ``comparison.csv`` (paired differences against ``baseline``) to the sweep
    directory and print the differences of the network's headline metrics."""

    def __init__(self, baseline: str = DEFAULT_BASELINE):
        self.baseline = baseline

    def on_multirun_end(self, config, **kwargs) -> None:
        path = write_comparison(Path(config.hydra.sweep.dir), self.baseline)
        if path is not None:
            table = pd.read_csv(path)
            network = OmegaConf.to_container(config.network, resolve=False) if "network" in config else {}
            print(differences_text(table, headline_metrics(network, table["metric"])))
            print(f"scenario comparison (every metric): {path}")
