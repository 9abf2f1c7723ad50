"""Ranges: which inputs are uncertain, by how much, and as what distribution.

A ranges file (the default is ``configs/uncertainty/default.yaml``) has two blocks::

    ranges:
      network.lam:                          # one parameter, named by its full Hydra key
        interval: [8.0, 10.0]               # an 80% interval: the 10th and 90th percentiles
        source: "assumption: ..."
      acute_los_by_age:                     # a group: one draw moves every key it names together
        keys: [network.services.acute.los.values.default.values.*.mean]
        apply: multiply                     # the draw multiplies each key's central value
        interval: [0.87, 1.15]
        source: "[@health-foundation-hes, length of stay 2019]"
      costs.ae_attendance_gbp:
        distribution: {name: triangular, low: 120, mode: 148, high: 180}
    unranged:                               # inputs deliberately without a range, each with its reason
      network.profiles.**: "relative profiles averaging 1: they move arrivals in time, not in number"

``keys`` are full keys or patterns: ``*`` stands for one key level (or part of one, ``age_*``), ``**``
for any number of levels; list items are numbered (``effects.0.divert.share``).  ``scenarios: [a, b]``
limits a range to those scenarios' configurations, so one key (a block every scheme scenario has,
such as ``scenario.top_down``) can be uncertain one way where the business case assumed it and
another where the evidence is read.  ``apply`` is ``set``
(the draw is the value; the default for a single key), ``multiply`` (the default for a group; central
value 1), ``odds`` (the draw multiplies the odds ``c / (1 - c)`` of a fraction ``c``, so a share stays
in (0, 1) however large the draw: ``m c / (1 - c + m c)``, close to ``m c`` for a small share; central
value 1) or ``add`` (central value 0).  An ``interval`` becomes a distribution by ``distribution:``
``lognormal`` (the default when the interval is positive; P10 and P90 matched on the log scale),
``normal`` (the default otherwise), ``logitnormal`` (a fraction, matched on the logit scale),
``uniform`` or ``triangular`` (the interval is then the two ends, the mode the central value).  A named
distribution gives its own parameters instead: ``normal {mean, sd}``, ``lognormal {median, sigma}``,
``beta {a, b, low=0, high=1}``, ``triangular {low, mode, high}``, ``uniform {low, high}``.

A range that excludes its central value is refused (an interval must contain it; a named
distribution must have it inside its central 99%), as is a range on a decision variable or a
calibrated factor (:data:`NOT_UNCERTAIN`).  ``[c, c]`` at the central value is a point: the input is
held at ``c``, which is how a study is collapsed to the ordinary run.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy import special, stats

from ..common.checks import is_real
from ..common.errors import ConfigError, ConfigErrors, did_you_mean
from ..common.paths import CONFIG_DIR

DEFAULT = CONFIG_DIR / "uncertainty" / "default.yaml"
Z80 = float(stats.norm.ppf(0.9))            # an 80% interval is mean +- 1.2816 sd
APPLY = ("set", "multiply", "odds", "add")
FROM_INTERVAL = ("lognormal", "normal", "logitnormal", "uniform", "triangular")
NAMED = {"normal": ("mean", "sd"), "lognormal": ("median", "sigma"), "beta": ("a", "b"),
         "triangular": ("low", "mode", "high"), "uniform": ("low", "high")}
RANGE_KEYS = {"keys", "apply", "interval", "distribution", "source", "label", "scenarios"}
#: inputs that are not uncertain, with the reason a range on them is refused
NOT_UNCERTAIN = {
    "run.**": "a run setting, not a parameter",
    "capacity.**": "a decision variable: places a planner chooses (compare options with a sweep, "
                   "python -m sim -m capacity.<service>=a,b)",
    "scenario.capacity.**": "a decision variable: a capacity preset",
    "scenario.intensity": "a decision variable: how much of every lever a planner chooses",
    "scenario.start_year": "a decision variable: when the schemes start",
    "scenario.full_year": "a decision variable: when the schemes reach full effect",
    "scenario.levers.*.intensity": "a decision variable: the size of a lever",
    "scenario.levers.*.effects.*.capacity.**": "a decision variable: places a scheme adds",
    "scenario.levers.*.effects.*.referrals.**": "a decision variable: how many people a scheme enrols",
    "place.calibration.**": "calibrated factors and their targets are not ranged directly: draws that no longer "
                            "fit the calibration targets are rejected by history matching (--history-match)",
}


def pattern(text: str) -> re.Pattern:
    """A key pattern as a regular expression: ``*`` one level (or part of one), ``**`` any levels."""
    parts = []
    for segment in str(text).split("."):
        if segment == "**":
            parts.append(r"[^.]+(?:\.[^.]+)*")
        else:
            parts.append(re.escape(segment).replace(r"\*", r"[^.]*"))
    return re.compile(r"\.".join(parts) + r"\Z")


def refusal(key: str) -> str | None:
    """Why ``key`` may not be uncertain (a decision variable, a calibrated factor), or None."""
    for text, reason in NOT_UNCERTAIN.items():
        if pattern(text).match(key):
            return reason
    return None


class Distribution:
    """A one-dimensional distribution sampled by its quantile function (so any design maps onto it)."""

    def __init__(self, name: str, frozen=None, transform=None, point: float | None = None, inverse=None):
        self.name, self.frozen, self.transform, self.point, self.inverse = name, frozen, transform, point, inverse

    def ppf(self, u) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        if self.point is not None:
            return np.full(u.shape, self.point)
        values = self.frozen.ppf(u)
        return self.transform(values) if self.transform else values

    def cdf(self, values) -> np.ndarray:
        """The quantile of each value (the inverse of :meth:`ppf`; a point's is 0.5)."""
        values = np.asarray(values, dtype=float)
        if self.point is not None:
            return np.full(values.shape, 0.5)
        return self.frozen.cdf(self.inverse(values) if self.transform else values)

    def quantiles(self, *probabilities: float) -> list[float]:
        return [float(v) for v in self.ppf(np.array(probabilities))]

    def describe(self) -> str:
        p10, p50, p90 = self.quantiles(0.1, 0.5, 0.9)
        return f"{self.name} P10 {p10:.4g}, P50 {p50:.4g}, P90 {p90:.4g}"


@dataclass(frozen=True)
class Range:
    """One uncertain input or group: the keys it moves, how, and the distribution of its draw."""

    name: str
    keys: tuple[str, ...]
    apply: str
    interval: tuple[float, float] | None
    distribution: str
    parameters: dict = field(default_factory=dict)
    source: str = ""
    label: str = ""
    scenarios: tuple[str, ...] = ()       # the scenarios whose configurations it moves (none listed: every one)

    @property
    def is_group(self) -> bool:
        return len(self.keys) > 1 or any("*" in k for k in self.keys)

    def central(self, value: float | None = None) -> float:
        """The draw that leaves the configuration as it is: 1 to multiply, 0 to add, the value to set."""
        return {"multiply": 1.0, "odds": 1.0, "add": 0.0}.get(self.apply, value)

    def distribution_for(self, central: float) -> Distribution:
        where = f"ranges.{self.name}"
        if self.interval is None:
            return _named(self.distribution, self.parameters, where)
        low, high = self.interval
        if low == high:
            return Distribution("point", point=low)
        name = self.distribution
        if name == "uniform":
            return Distribution(name, stats.uniform(low, high - low))
        if name == "triangular":
            return Distribution(name, stats.triang((central - low) / (high - low), low, high - low))
        if name == "normal":
            return Distribution(name, stats.norm((low + high) / 2, (high - low) / (2 * Z80)))
        if name == "lognormal":
            if low <= 0:
                raise ConfigError(f"{where}.interval", [low, high], "a positive interval for a lognormal distribution")
            mu, sigma = (math.log(low) + math.log(high)) / 2, (math.log(high) - math.log(low)) / (2 * Z80)
            return Distribution(name, stats.lognorm(sigma, scale=math.exp(mu)))
        if not 0 < low < high < 1:
            raise ConfigError(f"{where}.interval", [low, high], "an interval inside (0, 1) for a logitnormal distribution")
        mu, sigma = (special.logit(low) + special.logit(high)) / 2, (special.logit(high) - special.logit(low)) / (2 * Z80)
        return Distribution(name, stats.norm(mu, sigma), transform=special.expit, inverse=special.logit)

    def check_central(self, central: float, where: str) -> None:
        """Refuse a range that excludes its central value."""
        if self.interval is not None:
            low, high = self.interval
            ok = low <= central <= high
            allowed = f"an 80% interval containing the central value {central:g}"
        else:
            low, high = self.distribution_for(central).quantiles(0.005, 0.995)
            ok = low <= central <= high
            allowed = f"a distribution whose central 99% ({low:.4g} to {high:.4g}) contains the central value {central:g}"
        if not ok:
            raise ConfigError(where, list(self.interval) if self.interval else dict(self.parameters), allowed)

    def describe(self) -> str:
        what = {"multiply": "x", "odds": "odds x", "add": "+", "set": ""}[self.apply]
        if self.interval is not None:
            low, high = self.interval
            return f"{what}[{low:g}, {high:g}] (80%, {self.distribution})"
        return f"{what}{self.distribution}({', '.join(f'{k}={v:g}' for k, v in self.parameters.items())})"


def _named(name: str, params: Mapping[str, Any], where: str) -> Distribution:
    if name == "normal":
        return Distribution(name, stats.norm(params["mean"], params["sd"]))
    if name == "lognormal":
        return Distribution(name, stats.lognorm(params["sigma"], scale=params["median"]))
    if name == "beta":
        low, high = params.get("low", 0.0), params.get("high", 1.0)
        return Distribution(name, stats.beta(params["a"], params["b"], loc=low, scale=high - low))
    if name == "triangular":
        low, mode, high = params["low"], params["mode"], params["high"]
        return Distribution(name, stats.triang((mode - low) / (high - low), low, high - low))
    if name == "uniform":
        return Distribution(name, stats.uniform(params["low"], params["high"] - params["low"]))
    raise ConfigError(where, name, f"one of {', '.join(NAMED)}")


def _parse_distribution(name: str, spec: Mapping, where: str) -> tuple[str, dict]:
    dist = spec.get("distribution")
    if not isinstance(dist, Mapping):
        raise ConfigError(f"{where}.distribution", dist, "an interval, or a named distribution {name: ..., parameters}")
    kind = dist.get("name")
    if kind not in NAMED:
        raise ConfigError(f"{where}.distribution.name", kind, f"one of {', '.join(NAMED)}{did_you_mean(kind, NAMED)}")
    params = {k: v for k, v in dist.items() if k != "name"}
    required = NAMED[kind]
    allowed = set(required) | ({"low", "high"} if kind == "beta" else set())
    for k in [k for k in params if k not in allowed]:
        raise ConfigError(f"{where}.distribution.{k}", params[k], f"a parameter of {kind}: {', '.join(sorted(allowed))}")
    for k in required:
        if not is_real(params.get(k)):
            raise ConfigError(f"{where}.distribution.{k}", params.get(k), f"a number ({kind} needs {', '.join(required)})")
    positive = {"normal": ("sd",), "lognormal": ("median", "sigma"), "beta": ("a", "b")}.get(kind, ())
    for k in positive:
        if params[k] <= 0:
            raise ConfigError(f"{where}.distribution.{k}", params[k], "a number > 0")
    ends = {"triangular": ("low", "high"), "uniform": ("low", "high"), "beta": ("low", "high")}.get(kind)
    if ends and params.get(ends[0], 0.0) >= params.get(ends[1], 1.0):
        raise ConfigError(f"{where}.distribution", dict(dist), f"{ends[0]} < {ends[1]}")
    if kind == "triangular" and not params["low"] <= params["mode"] <= params["high"]:
        raise ConfigError(f"{where}.distribution.mode", params["mode"], "a mode between low and high")
    return kind, {k: float(v) for k, v in params.items()}


def parse_range(name: str, spec: Any, where: str) -> Range:
    """One entry of a ranges file, checked (its keys are checked against a configuration later)."""
    if not isinstance(spec, Mapping):
        raise ConfigError(where, spec, "a mapping with interval: [low, high] or distribution: {name: ...}")
    for k in [k for k in spec if k not in RANGE_KEYS]:
        raise ConfigError(f"{where}.{k}", spec[k], f"one of {', '.join(sorted(RANGE_KEYS))}{did_you_mean(k, RANGE_KEYS)}")
    keys = spec.get("keys", [name])
    if isinstance(keys, str):
        keys = [keys]
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) and k for k in keys):
        raise ConfigError(f"{where}.keys", keys, "a list of full keys or key patterns")
    for key in keys:
        if reason := refusal(key):
            raise ConfigError(f"{where}.keys", key, f"an uncertain input, not {reason}")
    scenarios = spec.get("scenarios", [])
    if not isinstance(scenarios, list) or not all(isinstance(x, str) and x for x in scenarios):
        raise ConfigError(f"{where}.scenarios", scenarios, "a list of scenario names (the range moves only their keys)")
    group = "keys" in spec or any("*" in k for k in keys)
    apply = spec.get("apply", "multiply" if group else "set")
    if apply not in APPLY:
        raise ConfigError(f"{where}.apply", apply, f"one of {', '.join(APPLY)}")
    interval = spec.get("interval")
    if interval is not None:
        if (not isinstance(interval, list) or len(interval) != 2 or not all(is_real(v) for v in interval)
                or interval[0] > interval[1]):
            raise ConfigError(f"{where}.interval", interval, "[low, high]: an 80% interval, low <= high")
        default = "lognormal" if interval[0] > 0 else "normal"
        distribution = spec.get("distribution", default)
        if distribution not in FROM_INTERVAL:
            raise ConfigError(f"{where}.distribution", distribution,
                              f"with an interval, one of {', '.join(FROM_INTERVAL)}{did_you_mean(distribution, FROM_INTERVAL)}")
        parsed = Range(name, tuple(keys), apply, (float(interval[0]), float(interval[1])), distribution,
                       source=str(spec.get("source", "")), label=str(spec.get("label", "")), scenarios=tuple(scenarios))
    elif "distribution" in spec:
        distribution, params = _parse_distribution(name, spec, where)
        parsed = Range(name, tuple(keys), apply, None, distribution, params, str(spec.get("source", "")),
                       str(spec.get("label", "")), tuple(scenarios))
    else:
        raise ConfigError(where, dict(spec), "interval: [low, high] or distribution: {name: ..., parameters}")
    if parsed.apply != "set":
        parsed.check_central(parsed.central(), f"{where}.interval" if interval is not None else f"{where}.distribution")
    parsed.distribution_for(parsed.central(1.0) if parsed.apply != "set" else
                            (interval[0] if interval is not None else 0.0))    # parameters fit their distribution
    return parsed


@dataclass
class RangeSet:
    """Every range of a ranges file, and the inputs it leaves unranged on purpose (with reasons)."""

    ranges: list[Range]
    unranged: dict[str, str]
    path: Path | None = None

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.ranges]

    def __len__(self) -> int:
        return len(self.ranges)

    def covering(self, key: str) -> list[Range]:
        """The ranges whose keys match ``key``."""
        return [r for r in self.ranges if any(pattern(k).match(key) for k in r.keys)]

    def reason_unranged(self, key: str) -> str | None:
        """Why ``key`` has no range: a decision variable, a calibrated factor, or a stated reason."""
        if reason := refusal(key):
            return reason
        return next((why for text, why in self.unranged.items() if pattern(text).match(key)), None)


def load(path: Path | str | None = None) -> RangeSet:
    """Read and check a ranges file (``None``: the default); every problem is reported together."""
    path = Path(path) if path is not None else DEFAULT
    if not path.is_file():
        raise ConfigError("--ranges", str(path), "a ranges file that exists (YAML; see configs/uncertainty/default.yaml)")
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, Mapping) or not isinstance(data.get("ranges"), Mapping) or not data["ranges"]:
        raise ConfigError(f"{path.name}: ranges", data.get("ranges") if isinstance(data, Mapping) else data,
                          "a mapping of range names (full keys or group names) to ranges")
    for k in [k for k in data if k not in ("ranges", "unranged")]:
        raise ConfigError(f"{path.name}: {k}", data[k], "ranges or unranged")
    ranges, errors = [], []
    for name, spec in data["ranges"].items():
        try:
            ranges.append(parse_range(str(name), spec, f"{path.name}: ranges.{name}"))
        except ConfigError as error:
            errors.append(error)
    unranged = data.get("unranged") or {}
    if not isinstance(unranged, Mapping) or not all(isinstance(v, str) and v.strip() for v in unranged.values()):
        errors.append(ConfigError(f"{path.name}: unranged", unranged, "a mapping of key patterns to the reason each has no range"))
        unranged = {}
    if errors:
        raise ConfigErrors(errors)
    return RangeSet(ranges, {str(k): str(v) for k, v in unranged.items()}, path)
