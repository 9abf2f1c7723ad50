"""Ranges against a composed configuration: which keys each moves, and a draw applied as overrides.

A configuration is composed once per scenario (as ``python -m sim scenario=... [overrides]`` would),
kept *unresolved*, so a draw of ``place.demand.ae_walk_in.age_85_plus`` reaches every stream that
interpolates it.  :func:`resolve` matches every range to the numeric keys of that configuration and
refuses, naming the range and the key: a key or pattern that matches nothing in any chosen scenario
(except lever keys that exist only in scenarios not being run), a ``set`` range over keys with
different central values, and a ``set`` range whose interval excludes the key's central value.

:func:`apply` writes one draw into a copy of the configuration.  Routing and other probability tables
(a mapping of two or more numbers in [0, 1] that sum to 1) stay tables: after the draw is written, every
entry of a row it touched is divided by the row's sum, so the row sums to 1 again and a multiplier on
one share moves it smoothly (a share ``s`` times ``m`` becomes ``m s / (m s + 1 - s)``) without ever
leaving [0, 1].  A draw that puts a probability outside [0, 1] (a ``set`` range beyond its support) or
turns a positive input negative is refused, naming the draw and the key.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass

from ..common.checks import is_real
from ..common.errors import ConfigError, ConfigErrors
from ..inputs import interpolation
from .ranges import Range, RangeSet, pattern

TOLERANCE = 1e-6


def leaves(data, prefix: str = "") -> dict[str, float]:
    """Every numeric leaf of a (plain, unresolved) configuration by its full key; list items numbered."""
    items = data.items() if isinstance(data, Mapping) else enumerate(data) if isinstance(data, list) else ()
    out: dict[str, float] = {}
    for key, value in items:
        where = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, (Mapping, list)):
            out.update(leaves(value, where))
        elif is_real(value):
            out[where] = value
    return out


def node(data, key: str):
    """The value at a full key of a plain configuration (list items by number)."""
    for part in key.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def _set(data, key: str, value) -> None:
    parent, _, last = key.rpartition(".")
    holder = node(data, parent) if parent else data
    holder[int(last) if isinstance(holder, list) else last] = value


def is_probability_table(mapping) -> bool:
    """Two or more numbers in [0, 1] that sum to 1: a routing row, prevalences, shares."""
    if not isinstance(mapping, Mapping) or len(mapping) < 2:
        return False
    values = list(mapping.values())
    return all(is_real(v) and 0 <= v <= 1 for v in values) and abs(sum(values) - 1) <= TOLERANCE


@dataclass
class Resolved:
    """The ranges matched to one configuration per scenario: ``matches[scenario][range name]`` lists
    the keys (with their central values) that range moves in that scenario's configuration."""

    ranges: RangeSet
    configs: dict[str, dict]                      # scenario label -> unresolved plain configuration
    matches: dict[str, dict[str, dict[str, float]]]

    def keys(self, name: str) -> list[str]:
        return sorted({k for per in self.matches.values() for k in per.get(name, {})})

    def central(self, rng: Range) -> float:
        """The draw that reproduces the configuration as composed."""
        if rng.apply != "set":
            return rng.central()
        values = {v for per in self.matches.values() for v in per.get(rng.name, {}).values()}
        return float(next(iter(values)))

    def distribution(self, rng: Range):
        return rng.distribution_for(self.central(rng))


def resolve(ranges: RangeSet, configs: Mapping[str, dict], lever_keys: set[str] = frozenset()) -> Resolved:
    """Match every range to each configuration's numeric keys; every problem reported together.

    ``lever_keys``: keys of scenario files not being run (from the parameter register), so a lever
    range that only those scenarios use is kept, not refused."""
    numeric = {label: leaves(cfg) for label, cfg in configs.items()}
    matches: dict[str, dict[str, dict[str, float]]] = {label: {} for label in configs}
    errors = []
    for rng in ranges.ranges:
        where = f"ranges.{rng.name}"
        for key in rng.keys:
            regex = pattern(key)
            found = False
            for label, values in numeric.items():
                if rng.scenarios and _scenario(configs[label]) not in rng.scenarios:
                    continue
                hits = {k: v for k, v in values.items() if regex.match(k)}
                if hits:
                    found = True
                    matches[label].setdefault(rng.name, {}).update(hits)
            if not found and not (key.startswith("scenario.") and any(regex.match(k) for k in lever_keys)):
                shown = ", ".join(configs)
                errors.append(ConfigError(f"{where}.keys", key, f"a key of the composed configuration ({shown}): "
                                          "no parameter has this key (renamed or removed?)"))
        if rng.apply == "set":
            centrals = {v for per in matches.values() for v in per.get(rng.name, {}).values()}
            if len(centrals) > 1:
                errors.append(ConfigError(f"{where}.apply", "set", "multiply or add: the keys it names have different "
                                          f"central values {sorted(centrals)}"))
            elif centrals:
                try:
                    rng.check_central(float(next(iter(centrals))), f"{where}.interval" if rng.interval else f"{where}.distribution")
                except ConfigError as error:
                    errors.append(error)
    if errors:
        raise ConfigErrors(errors)
    return Resolved(ranges, dict(configs), matches)


def _scenario(cfg: Mapping) -> str:
    """The name of a configuration's scenario."""
    scenario = cfg.get("scenario") if isinstance(cfg, Mapping) else None
    return str(scenario.get("name", "")) if isinstance(scenario, Mapping) else ""


def apply(resolved: Resolved, label: str, values: Mapping[str, float], draw: int | str = "") -> tuple[dict, dict[str, float]]:
    """The configuration of scenario ``label`` with the draw ``values`` (range name -> drawn value)
    written in, probability tables renormalised; and every key changed, with its new value."""
    base = resolved.configs[label]
    cfg = copy.deepcopy(base)
    changed: dict[str, float] = {}
    absolute: set[str] = set()          # keys a ``set`` range gives a value (a probability must be one already)
    by_name = {r.name: r for r in resolved.ranges.ranges}
    for name, keys in resolved.matches[label].items():
        rng, value = by_name[name], float(values[name])
        for key, central in keys.items():
            if rng.apply == "odds" and not 0 <= central <= 1:
                raise ConfigError(f"ranges.{name}.apply", "odds", f"multiply: {key} is {central:g}, not a fraction")
            new = {"set": value, "multiply": central * value, "add": central + value,
                   "odds": value * central / (1 - central + value * central) if central < 1 else 1.0}[rng.apply]
            if rng.apply != "add" and central > 0 > new:        # a growth rate may change sign; a stay may not
                raise ConfigError(f"draw {draw}: {key}", new, f"a non-negative value (range {name}; central {central:g})")
            changed[key] = new
            if rng.apply == "set":
                absolute.add(key)
    for key, new in changed.items():
        _set(cfg, key, new)
    errors = []
    for table in sorted({k.rpartition(".")[0] for k in changed}):
        if not table or not is_probability_table(node(base, table)):
            continue
        try:
            changed.update(_renormalise(cfg, table, {k for k in changed if k.rpartition(".")[0] == table}, absolute, draw))
        except ConfigError as error:
            errors.append(error)
    if errors:
        raise ConfigErrors(errors)
    return cfg, changed


def _renormalise(cfg: dict, table: str, drawn: set[str], absolute: set[str], draw) -> dict[str, float]:
    """Make the table at ``table`` sum to 1 again by dividing every entry by the row's sum."""
    row = node(cfg, table)
    for k in sorted(drawn & absolute):
        value = row[k.rpartition(".")[2]]
        if not 0 <= value <= 1:
            raise ConfigError(f"draw {draw}: {k}", value, "a probability in [0, 1] (it is an entry of a probability table)")
    total = sum(row.values())
    if total <= 0:
        raise ConfigError(f"draw {draw}: {table}", dict(row), "a probability table with a positive sum")
    out = {}
    for leaf in row:
        row[leaf] = row[leaf] / total
        out[f"{table}.{leaf}"] = row[leaf]
    return out


def to_config(cfg: dict) -> dict:
    """A plain unresolved configuration resolved (interpolations filled in), as the runner takes it."""
    return interpolation.resolve(cfg)


def overrides(changed: Mapping[str, float]) -> list[str]:
    """The draw as Hydra command-line overrides (``key=value``), to reproduce it with ``python -m sim``."""
    return [f"{key}={value!r}" for key, value in sorted(changed.items())]
