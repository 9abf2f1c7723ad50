"""Site calibration: each acute site's own fitted factors, on top of the place's calibration.

A place with several acute sites (``place=black_country``) inherits one calibration for the whole pathway
(``place.calibration``, Walsall's).  Its sites' own published figures differ from Walsall's (a smaller
share of attendances admitted, another four-hour performance), so a place may add
``place.site_calibration`` (a file of ``configs/calibration/``, fitted by
``python -m sim.calibrate --place <place>``): parameters like the place calibration's, with a factor per
site instead of one::

    ed_conversion:
      paths: [network.services.ae.next.values.walk_in]
      mode: probability        # as in sim.inputs.calibration
      key: acute
      balance: home
      bounds: [0.5, 1.5]
      target: ae_admissions    # the published measure it is fitted to
      factors: {manor: 1.0, new_cross: 0.71}

Each path's table becomes a table by site (``{by: site, values: {<site>: ..., default: ...}}``), and the
copy for a site is scaled by that site's factor; sites without a factor, and patients of no listed site,
keep the place's values.  A calibration names the ``network`` it was fitted to and applies only to that
network, as the place's does.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ..common.checks import number
from ..common.errors import ConfigError
from .calibration import adjust, parameters_for

SITE = "site"


def _parent(cfg: dict, path: str, where: str) -> tuple[dict, str]:
    node = cfg
    *parents, last = path.split(".")
    for part in parents:
        if not isinstance(node, dict) or part not in node:
            raise ConfigError(where, path, "a path to values in the configuration")
        node = node[part]
    if not isinstance(node, dict) or last not in node:
        raise ConfigError(where, path, "a path to values in the configuration")
    return node, last


def by_site(cfg: dict, path: str, sites, where: str) -> dict:
    """The table at ``path`` made a table by site (once), with a copy for each of ``sites`` and the
    original as the default: ``{site: its copy}``."""
    parent, last = _parent(cfg, path, where)
    node = parent[last]
    if not (isinstance(node, dict) and node.get("by") == SITE and "default" in node.get("values", {})):
        node = parent[last] = {"by": SITE, "values": {"default": node}}
    values = node["values"]
    for site in sites:
        values.setdefault(site, copy.deepcopy(values["default"]))
    return values


def apply(cfg: Mapping[str, Any]) -> dict:
    """The configuration with each site's calibration factors applied (a new dict)."""
    parameters = parameters_for(cfg, "site_calibration")
    if not parameters:
        return dict(cfg)
    out = copy.deepcopy(dict(cfg))
    for name, parameter in parameters.items():
        where = f"place.site_calibration.parameters.{name}"
        factors = parameter.get("factors") or {}
        if not isinstance(factors, Mapping):
            raise ConfigError(f"{where}.factors", factors, "a mapping from each site to its factor")
        moved = {}
        for site, factor in factors.items():
            number(factor, f"{where}.factors.{site}", low=0.0, low_open=True, allowed="a positive multiplier")
            if factor != 1.0:
                moved[str(site)] = float(factor)
        if not moved:   # every site keeps the place's values: its tables stay as they are
            continue
        for path in parameter.get("paths") or []:
            if parameter.get("optional") and not _exists(out, path):
                continue
            copies = by_site(out, path, moved, f"{where}.paths")
            for site, factor in moved.items():
                holder = {"node": copies[site]}
                adjust(holder, {**parameter, "paths": ["node"]}, factor, where, f"{where}.factors.{site}")
    return out


def _exists(cfg: Mapping[str, Any], path: str) -> bool:
    node = cfg
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True

