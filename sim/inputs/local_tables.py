"""A place's own tables in the pathway: local lengths of stay and discharge pathways.

A place built from its files (``python -m sim.place build``) may carry tables that replace entries
of the pathway's own, before the calibration factors scale them (so the place inherits the fitted
factors and differs only by its inputs)::

    local:
      - path: network.services.acute.los.values.default.values
        values:
          age_85_plus: {mean: 9.4, cv: 1.3}      # replaces the pathway's entry for this age band

Each entry's ``path`` must lead to a mapping in the configuration and each key of ``values`` must
already be there: a table replaces figures, it cannot invent new branches of the pathway.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ..common.checks import check_keys
from ..common.errors import ConfigError, did_you_mean


def apply(cfg: Mapping[str, Any]) -> dict:
    """The configuration with the place's local tables in place (a new dict when there are any)."""
    tables = (cfg.get("place") or {}).get("local")
    if not tables:
        return dict(cfg)
    if not isinstance(tables, list):
        raise ConfigError("place.local", tables, "a list of {path, values}")
    out = copy.deepcopy(dict(cfg))
    for i, table in enumerate(tables):
        where = f"place.local.{i}"
        check_keys(table, ("path", "values", "source"), where)
        node: Any = out
        for part in str(table.get("path", "")).split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise ConfigError(f"{where}.path", table.get("path"), "a path to a mapping of the configuration")
            node = node[part]
        values = table.get("values")
        if not isinstance(node, dict) or not isinstance(values, Mapping):
            raise ConfigError(f"{where}.values", values, "a mapping of entries that replace those at path")
        for key, value in values.items():
            if key not in node:
                raise ConfigError(f"{where}.values.{key}", value, f"a key already at {table['path']}"
                                  f"{did_you_mean(key, node)}")
            node[key] = copy.deepcopy(value)
    return out
