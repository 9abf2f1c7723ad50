"""Load configurations from Python with the same configs and overrides as the command line.

``load(["capacity.acute_beds=500", "run.replications=3"])`` returns the
resolved configuration as plain Python data: exactly what
``python -m sim capacity.acute_beds=500 run.replications=3`` would run.
Overrides Hydra cannot compose raise :class:`~sim.common.errors.ConfigErrors` in the
command line's words (:mod:`sim.inputs.overrides`): ``run.horizn_days=3`` names the key, the
closest known key and the keys known there.
"""
from __future__ import annotations

from collections.abc import Iterable

import yaml
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf

from ..common.errors import ConfigErrors
from .overrides import as_list, empty_problems, hydra_compose, problems


def compose(overrides: str | Iterable[str] = ()) -> DictConfig:
    """The composed (unresolved) configuration for ``overrides`` (a list of overrides, or one as a string)."""
    overrides = as_list(overrides)
    found = empty_problems(overrides)        # Hydra's own words for it are a parse error of '<EOF>'
    if found:
        raise ConfigErrors(found)
    try:
        return hydra_compose(overrides)
    except (HydraException, yaml.YAMLError, ValueError):   # ValueError: a number too long to read
        found = problems(overrides)        # what Hydra refused, in the project's words
        if found:
            raise ConfigErrors(found) from None
        raise


def to_plain(cfg: DictConfig) -> dict:
    """A composed configuration fully resolved to plain dicts and lists, without Hydra's own settings."""
    data = OmegaConf.to_container(cfg, resolve=True)
    data.pop("hydra", None)
    return data


def load(overrides: str | Iterable[str] = ()) -> dict:
    """The resolved configuration for ``overrides`` (a list of overrides, or one as a string), as plain dicts
    and lists."""
    return to_plain(compose(overrides))
