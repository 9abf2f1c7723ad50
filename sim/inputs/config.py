"""Load configurations from Python with the same configs and overrides as the command line.

``load(["capacity.acute_beds=500", "run.replications=3"])`` returns the
resolved configuration as plain Python data: exactly what
``python -m sim capacity.acute_beds=500 run.replications=3`` would run.
"""
from __future__ import annotations

from collections.abc import Iterable

from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from omegaconf import DictConfig, OmegaConf

from ..common.paths import CONFIG_DIR


def compose(overrides: Iterable[str] = ()) -> DictConfig:
    """The composed (unresolved) configuration for ``overrides``."""
    with initialize_config_dir(version_base="1.3", config_dir=str(CONFIG_DIR), job_name="carepath"):
        return hydra_compose(config_name="config", overrides=list(overrides))


def to_plain(cfg: DictConfig) -> dict:
    """A composed configuration fully resolved to plain dicts and lists, without Hydra's own settings."""
    data = OmegaConf.to_container(cfg, resolve=True)
    data.pop("hydra", None)
    return data


def load(overrides: Iterable[str] = ()) -> dict:
    """The resolved configuration for ``overrides``, as plain dicts and lists."""
    return to_plain(compose(overrides))
