"""Hydra callbacks: work done once a whole multirun has finished."""
from __future__ import annotations

from pathlib import Path

from hydra.experimental.callback import Callback

from ..analysis.comparison import DEFAULT_BASELINE, write_comparison


class ScenarioComparison(Callback):
    """After a multirun, write ``comparison.csv`` (paired differences against ``baseline``) to the sweep directory."""

    def __init__(self, baseline: str = DEFAULT_BASELINE):
        self.baseline = baseline

    def on_multirun_end(self, config, **kwargs) -> None:
        path = write_comparison(Path(config.hydra.sweep.dir), self.baseline)
        if path is not None:
            print(f"scenario comparison: {path}")
