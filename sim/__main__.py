"""``python -m sim``: run the configured pathway (Hydra entry point); ``python -m sim --help`` says how."""
from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from .common.paths import CONFIG_DIR
from .jobs.cli import check_command_line, fail, objective_value, run_job


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def main(cfg: DictConfig) -> float | None:
    results = run_job(cfg, Path(HydraConfig.get().runtime.output_dir))
    return objective_value(cfg, results)   # for optimising sweepers (None otherwise)


if __name__ == "__main__":
    problems = check_command_line(sys.argv[1:])   # before Hydra composes or writes anything
    if problems:
        fail(problems)
    main()
