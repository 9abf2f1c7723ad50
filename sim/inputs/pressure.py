"""Responses to pressure, compiled into the pathway: the ``pressure`` config group.

``configs/pressure/realistic.yaml`` (the default) says how each service of a network responds when
it is under strain: escalation beds, earlier discharge, a higher threshold for admission, corridor
care, patients who leave A&E before being seen, spot-purchased social care and electives cancelled
on the day that go back on the waiting list.  ``configs/pressure/none.yaml`` has no responses:
queues simply grow.  The group holds network data, merged into the network before calibration::

    network: integrated_care        # the pathway these responses name services of
    services:
      acute: {escalation: {...}, los_under_pressure: {...}}    # keys merged into the service
      care_home_spot: {capacity: null, los: ..., next: ...}     # a service the responses add
    sinks: {left_without_being_seen: {label: ...}}
    metrics: {acute_escalation_bed_days: {service: acute, stat: surge_days}}
    cost_lines: [{metric: acute_escalation_bed_days, unit_cost: escalation_bed_day_premium_gbp, ...}]

Each key of a service entry replaces the network's (so a response is read where it is written);
the engine's rules for each response are in :mod:`sim.engine.pressure` and :mod:`sim.engine.service`.
Another network (a textbook queue) runs without these responses, as it runs without Walsall's
calibration.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ..common.checks import check_keys
from ..common.errors import ConfigError

KEYS = {"name", "label", "description", "source", "network", "services", "sinks", "metrics", "cost_lines"}
NEW_SERVICE = {"los", "next"}     # an entry with these defines a service of its own


def apply(cfg: Mapping[str, Any]) -> dict:
    """The configuration with the pressure responses merged into its network (a new dict)."""
    spec = cfg.get("pressure") or {}
    check_keys(spec, KEYS, "pressure")
    if not any(spec.get(k) for k in ("services", "sinks", "metrics", "cost_lines")):
        return dict(cfg)
    network_name = (cfg.get("network") or {}).get("name")
    if spec.get("network") and network_name != spec["network"]:
        return dict(cfg)
    out = copy.deepcopy(dict(cfg))
    network = out["network"]
    _merge(network.setdefault("services", {}), spec.get("services") or {}, "pressure.services", new_entry=NEW_SERVICE)
    _merge(network.setdefault("sinks", {}), spec.get("sinks") or {}, "pressure.sinks", new_entry=set())
    metrics = network.setdefault("metrics", {})
    for name, metric in (spec.get("metrics") or {}).items():
        if name in metrics:
            raise ConfigError(f"pressure.metrics.{name}", metric, "a metric name the network does not already define")
        metrics[name] = copy.deepcopy(metric)
    lines = spec.get("cost_lines") or []
    if not isinstance(lines, list):
        raise ConfigError("pressure.cost_lines", lines, "a list of cost lines")
    network["cost_lines"] = list(network.get("cost_lines") or []) + copy.deepcopy(lines)
    return out


def _merge(nodes: dict, changes: Mapping, where: str, new_entry: set) -> None:
    if not isinstance(changes, Mapping):
        raise ConfigError(where, changes, "a mapping of names to their changes")
    for name, change in changes.items():
        if not isinstance(change, Mapping):
            raise ConfigError(f"{where}.{name}", change, "a mapping of keys")
        if name not in nodes and not new_entry <= set(change):
            raise ConfigError(f"{where}.{name}", name,
                              f"a name in the network ({', '.join(sorted(nodes))}), or a new one with {sorted(new_entry)}")
        nodes.setdefault(name, {}).update(copy.deepcopy(dict(change)))
