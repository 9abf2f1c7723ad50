"""``python -m sim`` (or ``carepath run``): run the configured pathway, the Hydra job; ``--help`` says how."""
from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from .common.paths import CONFIG_DIR
from .common.quoting import quote_paths
from .jobs.cli import PRINT_ONLY, check_command_line, fail, folder_problems, objective_value, run_job


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def job(cfg: DictConfig) -> float | None:
    results = run_job(cfg, Path(HydraConfig.get().runtime.output_dir))
    return objective_value(cfg, results)   # for optimising sweepers (None otherwise)


def main(argv: list[str] | None = None) -> int:
    """Check the overrides in ``argv`` (default: the command line's), then hand them to Hydra."""
    argv = quote_paths(sys.argv[1:] if argv is None else argv)   # hydra.run.dir=/tmp/a b/Ünïcode works as typed
    problems = check_command_line(argv)   # before Hydra composes or writes anything
    if not problems and not set(argv) & (PRINT_ONLY | {"--cfg", "-c"}):    # a run writes; printing does not
        problems = folder_problems(argv)
    if problems:
        fail(problems)
    saved = sys.argv
    sys.argv = [saved[0], *argv]           # Hydra reads its overrides from sys.argv
    try:
        job()
    except KeyboardInterrupt:              # before the replications started (during them, run_job says more)
        print("carepath: interrupted before any replication finished; nothing was written", file=sys.stderr)
        return 130
    finally:
        sys.argv = saved
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
