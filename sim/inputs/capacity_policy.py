"""Capacity policies: the places each service has year by year (the ``capacity_policy`` config group).

A policy says how places change as demand changes, and it is the counterfactual a scheme is judged
against:

``fixed`` (``configs/capacity_policy/fixed.yaml``, the default)
    every service keeps its base-year places (the ``capacity`` group); demand beyond them waits.
``demand_led`` (``configs/capacity_policy/demand_led.yaml``)
    the standard services take the places of a committed table, sized once for each place, scenario
    and year so that each service holds its base-year standard (``python -m sim.size``).  The table
    is a CSV with one row per place, scenario, year, service and part (site or locality; empty for a
    service with one number of places)::

        place,scenario,year,capacity,service,part,base_places,base_load,load,scheme_places,places
        walsall,do_nothing,2027,acute_beds,acute,,533,489.1,561.2,0,611

``scale`` (``demand_led`` only) sizes the table's places for other inputs than the central ones, as the
uncertainty analysis does for each draw: ``{service: factor}`` or ``{service.part: factor}``, the
draw's unconstrained load over the central one, multiplies the need of every year's row, so the
places are ``max(0, round(base_places x load x factor / base_load - scheme_places))``, the sizing's
own rule (:mod:`sim.place.sizing`) with the draw's load.  A factor of 1 keeps the table's places.

Within :func:`sim.inputs.prepare.prepare` a policy is applied in this order, for the run's year:

1. the table's places replace the standard services' places (``demand_led`` only);
2. the scenario's levers rewrite the pathway, their ``capacity`` effects adding the scheme's own
   places on top (the sizing counts them towards the need, so they are not bought twice); a lever
   with ``policies: [fixed]`` applies only under that policy;
3. the policy's rules of change apply to every service whose places differ from the base year:
   ``steps`` (a service's places change only in whole steps: acute beds a ward at a time, a ward
   opened when any of it is needed and closed only when all of it is free) and
   ``closure_lag_years`` (places close that many years after they are no longer needed: the old
   service runs on while the new one starts, the double running); each step opened or closed since
   the year before adds its one-off cost (``open_gbp``, ``close_gbp``) as a cost line in the year;
4. the scenario's capacity presets (``scenario/capacity``), places a planner chose, apply last.

A policy names the pathway whose services its steps and table name (``network``); another network
(a textbook queue) runs with its places as configured, as it runs without Walsall's pressure responses.
The prepared network records, for every service with places, the places it has and its base-year
places (``network.places``), which :mod:`sim.analysis.metrics` reports as ``<service>.places``,
``<service>.base_places`` and ``<service>.places_added``, and from which the kinds of saving are
told apart (:mod:`sim.analysis.savings`).
"""
from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from ..common.checks import check_keys, count, entries, is_whole, number
from ..common.errors import ConfigError, did_you_mean
from ..common.paths import ROOT
from ..common.plain import copied
from ..engine.population import Population
from . import levers

KEYS = {"name", "label", "description", "source", "network", "table", "levers_checked", "steps", "closure_lag_years",
        "scale"}
STEP_KEYS = {"label", "places", "open_gbp", "close_gbp", "source"}
PLACES = ("capacity",)   # the kinds of lever effect that change a service's places
COLUMNS = ("place", "scenario", "year", "capacity", "service", "part", "base_places", "base_load", "load",
           "scheme_places", "places", "levers_digest")


def levers_digest(scenario: Mapping[str, Any]) -> str:
    """A short fingerprint of what a scenario does to demand (its levers, phasing and intensity): a table
    sized for one version of a scenario is refused for another."""
    spec = {"levers": scenario.get("levers") or {}, "start_year": scenario.get("start_year"),
            "full_year": scenario.get("full_year"), "intensity": scenario.get("intensity", 1.0)}
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:12]


def policy(cfg: Mapping[str, Any]) -> dict:
    """The checked ``capacity_policy`` group (the fixed policy without steps when the group is absent)."""
    spec = cfg.get("capacity_policy") or {"name": "fixed"}
    check_keys(spec, KEYS, "capacity_policy")
    lag = count(spec.get("closure_lag_years", 0), "capacity_policy.closure_lag_years",
                allowed="a whole number of years >= 0")
    checked = {}
    for name, step, where in entries(spec.get("steps") or {}, STEP_KEYS, "capacity_policy.steps",
                                     "a mapping of service names to {places, open_gbp, close_gbp}"):
        checked[name] = {"label": str(step.get("label", "step")),
                              "places": count(step.get("places"), f"{where}.places", minimum=1),
                              **{k: number(step.get(k, 0.0), f"{where}.{k}", low=0.0, allowed="a non-negative amount in pounds")
                                 for k in ("open_gbp", "close_gbp")}}
    checked_levers = spec.get("levers_checked", True)
    if not isinstance(checked_levers, bool):
        raise ConfigError("capacity_policy.levers_checked", checked_levers, "true or false")
    scale = spec.get("scale") or {}
    if not isinstance(scale, Mapping):
        raise ConfigError("capacity_policy.scale", scale, "a mapping of services (or service.part) to factors")
    factors = {str(name): number(factor, f"capacity_policy.scale.{name}", low=0.0, low_open=True,
                                 allowed="a number > 0: the load to size for over the table's load")
               for name, factor in scale.items()}
    return {"name": str(spec.get("name", "fixed")), "network": spec.get("network"), "table": spec.get("table"),
            "levers_checked": checked_levers,
            "steps": checked, "lag": lag, "scale": factors}


def apply(cfg: Mapping[str, Any]) -> dict:
    """The configuration with the policy's places, the scenario's levers and presets applied (a new dict)."""
    spec = policy(cfg)
    network = cfg.get("network") or {}
    if spec["network"] and network.get("name") != spec["network"]:
        return levers.apply(cfg)          # another pathway (a textbook queue): its places as configured
    services = network.get("services") or {}
    base = {str(name): copied(s.get("capacity")) for name, s in services.items() if _has_places(s)}
    if not all(_whole_places(places) for places in base.values()):
        return levers.apply(cfg)          # bad places: left as given for the schema check to name the key
    year = int(cfg["run"]["year"])
    out = _changed(cfg, spec, year)
    # earlier years count only for their places: their levers' other effects (routing, stays) are left out
    history = [_places(_changed(cfg, spec, year - k, kinds=PLACES), base) for k in range(1, spec["lag"] + 2)]
    current = _places(out, base)
    lagged = _with_lag(current, history[:spec["lag"]])
    before = _with_lag(history[0], history[1:])
    for name, places in lagged.items():
        out["network"]["services"][name]["capacity"] = places
    _add_step_costs(out["network"], spec["steps"], lagged, before)
    out = levers.apply_presets(out)
    parts = _parts(cfg)
    out["network"]["places"] = {
        name: {"places": _total(out["network"]["services"][name]["capacity"], services[name], parts),
               "base": _total(base[name], services[name], parts)}
        for name in base}
    return out


def _whole_places(capacity) -> bool:
    """A whole number of places, or a mapping of parts to whole numbers (or none)."""
    if isinstance(capacity, Mapping):
        return all(v is None or is_whole(v) for v in capacity.values())
    return is_whole(capacity)


def _has_places(service: Mapping[str, Any]) -> bool:
    capacity = service.get("capacity")
    return capacity is not None and not (isinstance(capacity, Mapping) and not capacity)


def _changed(cfg: Mapping[str, Any], spec: dict, year: int, kinds=None) -> dict:
    """The configuration of ``year`` with the table's places, the levers (only their effects of ``kinds``,
    if given) and the steps (not yet the lag)."""
    run = {**cfg["run"], "year": year}
    sized = _with_table(cfg, spec, year)
    changed = levers.apply({**sized, "run": run}, presets=False, kinds=kinds)
    changed["run"] = dict(cfg["run"])
    base = {str(name): s.get("capacity") for name, s in (cfg["network"].get("services") or {}).items()}
    for name, step in spec["steps"].items():
        if name not in base:
            raise ConfigError(f"capacity_policy.steps.{name}", name,
                              f"a service of the network{did_you_mean(name, base)}")
        service = changed["network"]["services"][name]
        service["capacity"] = _map_parts(service["capacity"], base[name], lambda new, old, s=step["places"]: _stepped(new, old, s))
    return changed


def _stepped(places: int, base: int, step: int) -> int:
    """``places`` with its change from ``base`` in whole steps: up to the next step, down to the last whole one
    (no limit, null, stays no limit; a service gaining or losing its limit takes the new places as they are)."""
    if places is None or base is None:
        return places
    return base - (base - places) // step * step      # the change rounded up: an opening up, a closing towards none


def _with_table(cfg: Mapping[str, Any], spec: dict, year: int) -> dict:
    """The configuration with the table's places for ``year`` (unchanged without a table, or before its first year)."""
    if not spec["table"]:
        return copied(dict(cfg))
    place = str(cfg["place"].get("name"))
    scenario = cfg.get("scenario") or {}
    name = str(scenario.get("name", "baseline"))
    rows = _table(str(spec["table"]))
    wanted = [r for r in rows if r["place"] == place and r["scenario"] == name]
    where = "capacity_policy.table"
    if not wanted:
        raise ConfigError(where, spec["table"], f"rows for place={place} scenario={name}: size them with "
                                                f"python -m sim.size --place {place} --scenario {name}")
    if spec["levers_checked"] and wanted[0]["levers_digest"] != levers_digest(scenario):
        raise ConfigError(where, spec["table"], f"places sized for scenario {name} as it is now (its levers changed "
                                                f"since it was sized): python -m sim.size --place {place} --scenario {name}")
    years = sorted({r["year"] for r in wanted})
    if year < years[0]:
        return copied(dict(cfg))
    if year > years[-1]:
        raise ConfigError("run.year", year, f"a year the table {spec['table']} sizes for place={place} scenario={name} "
                                            f"({years[0]}-{years[-1]}); extend it with python -m sim.size --end-year {year}")
    out = copied(dict(cfg))
    services = out["network"]["services"]
    for row in (r for r in wanted if r["year"] == year):
        service = row["service"]
        factor = spec["scale"].get(f"{service}.{row['part']}", spec["scale"].get(service, 1.0))
        if factor != 1.0:
            row = {**row, "places": scaled_places(row, factor)}
        if service not in services:
            raise ConfigError(where, service, f"a service of the network{did_you_mean(service, services)}")
        if row["part"]:
            current = services[service]["capacity"]
            table = dict(current) if isinstance(current, Mapping) else {}
            table[row["part"]] = row["places"]
            services[service]["capacity"] = table
        else:
            services[service]["capacity"] = row["places"]
    return out


def scaled_places(row: Mapping[str, Any], factor: float) -> int:
    """A table row's places sized for ``factor`` times its load (the sizing's rule, :mod:`sim.place.sizing`)."""
    base, base_load, load = int(row["base_places"]), float(row["base_load"]), float(row["load"])
    need = base * load * factor / base_load if base_load > 0 else base * factor
    return max(0, round(need - int(row["scheme_places"])))


@cache
def _read(path: Path, modified: float) -> tuple:
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise ConfigError("capacity_policy.table", str(path), f"a CSV with the columns {', '.join(COLUMNS)}")
        rows = []
        for line, row in enumerate(reader, start=2):
            try:
                rows.append({**row, "year": int(row["year"]), "places": int(row["places"])})
            except ValueError:
                raise ConfigError(f"capacity_policy.table ({path.name} line {line})", row,
                                  "a whole year and a whole number of places") from None
    return tuple(rows)


def _table(value: str) -> tuple:
    path = Path(value)
    path = path if path.is_absolute() else ROOT / path
    if not path.is_file():
        raise ConfigError("capacity_policy.table", value, "a CSV file that exists (written by python -m sim.size)")
    return _read(path, path.stat().st_mtime)


def _places(cfg: Mapping[str, Any], base: Mapping[str, Any]) -> dict:
    return {name: copied(cfg["network"]["services"][name]["capacity"]) for name in base}


def _with_lag(current: dict, earlier: list[dict]) -> dict:
    """Places with closures delayed: each part keeps the most it had in the lag years before."""
    out = {}
    for name, places in current.items():
        for previous in earlier:
            places = _map_parts(places, previous[name], lambda a, b: None if a is None or b is None else max(a, b))
        out[name] = places
    return out


def _map_parts(capacity, other, combine):
    """``combine(capacity, other)`` part by part, for a number of places or a mapping of parts."""
    if isinstance(capacity, Mapping) or isinstance(other, Mapping):
        keys = list(capacity) if isinstance(capacity, Mapping) else list(other)

        def part(value, key):
            return value.get(key) if isinstance(value, Mapping) else value
        return {k: combine(part(capacity, k), part(other, k)) for k in keys}
    return combine(capacity, other)


def _add_step_costs(network: dict, steps: Mapping[str, dict], now: Mapping[str, Any], before: Mapping[str, Any]) -> None:
    """A one-off cost line for each step opened or closed since the year before."""
    lines = network.setdefault("cost_lines", [])
    for name, step in steps.items():
        if name not in now or name not in before:
            continue                                      # no limit (null places): nothing opens or closes
        changes = _map_parts(now[name], before[name], lambda a, b: 0 if a is None or b is None else a - b)
        changes = list(changes.values()) if isinstance(changes, Mapping) else [changes]
        opened = sum(max(0, c) // step["places"] for c in changes)
        closed = sum(max(0, -c) // step["places"] for c in changes)
        setting = _setting_of(network, name)
        for kind, n in (("open", opened), ("close", closed)):
            if n and step[f"{kind}_gbp"]:
                lines.append({"one_off_gbp": n * step[f"{kind}_gbp"], "setting": setting["setting"],
                              "commissioner": setting["commissioner"], "capacity_change": f"{name}: {kind} {n} {step['label']}(s)"})


def _setting_of(network: Mapping[str, Any], service: str) -> dict:
    """The setting and commissioner of the cost line that charges ``service``'s places (or its activity)."""
    metrics = network.get("metrics") or {}
    for line in network.get("cost_lines") or []:
        spec = metrics.get(line.get("metric")) or {}
        served = spec.get("service")
        if served == service or (isinstance(served, list) and service in served):
            return {"setting": line["setting"], "commissioner": line["commissioner"]}
    raise ConfigError(f"capacity_policy.steps.{service}", service, "a service that a cost line of the network charges")


def _parts(cfg: Mapping[str, Any]) -> dict[str, int]:
    """How many parts a service partitioned by site, place or locality has (as the network builds them)."""
    population = Population(cfg["place"])
    return {attribute: len(population.parts(attribute)) for attribute in ("site", "place", "locality")}


def _total(capacity, service: Mapping[str, Any], parts: Mapping[str, int]) -> int:
    """All the places of a service, over its parts."""
    if isinstance(capacity, Mapping):
        return int(sum(v for v in capacity.values() if v is not None))
    partition = service.get("partition")
    return int(capacity) * (parts[partition] if partition in parts else 1) if is_whole(capacity) else 0
