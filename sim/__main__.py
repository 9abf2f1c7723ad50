"""``python -m sim``: run the configured pathway (Hydra entry point)."""
from __future__ import annotations

from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from .cli import objective_value, run_job

CONFIGS = str(Path(__file__).resolve().parent.parent / "configs")


@hydra.main(version_base="1.3", config_path=CONFIGS, config_name="config")
def main(cfg: DictConfig) -> float | None:
    results = run_job(cfg, Path(HydraConfig.get().runtime.output_dir))
    return objective_value(cfg, results)   # for optimising sweepers (None otherwise)


if __name__ == "__main__":
    main()
