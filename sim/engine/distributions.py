"""Distributions of durations (lengths of stay, treatment and triage times).

A distribution is written in config as a mapping::

    {dist: lognormal, mean: 5.5, cv: 1.2, unit: days}

``dist`` is one of:

==============  ===========================  ======================================
``dist``        parameters                   meaning
==============  ===========================  ======================================
exponential     ``mean``                     memoryless
lognormal       ``mean``, ``cv``             the usual length-of-stay shape
mean_cv         ``mean``, ``cv``             exponential when ``cv`` is exactly 1,
                                             lognormal otherwise (textbook networks)
gamma           ``mean``, ``cv``
uniform         ``low``, ``high``
fixed           ``value``                    deterministic
==============  ===========================  ======================================

``unit`` is ``minutes``, ``hours`` or ``days`` (default); the engine's clock runs
in days.  A distribution can depend on a patient attribute::

    {dist: lognormal, cv: 1.2, by: age_band,
     values: {age_0_17: {mean: 1.5}, age_85_plus: {mean: 9.5}, ...}}

Keys written beside ``by`` are defaults merged into every entry of ``values``;
entries may themselves use ``by``.  A ``default`` entry serves every value of
the attribute not listed.

Each distribution draws from its own :class:`~sim.engine.randomness.RandomSource`.
Every distribution can also draw a *residual* duration: the time still to go
for a patient found in service in steady state (the stationary excess
distribution, ``U × L*`` with ``L*`` length-biased).  The model uses it to
start services part-full instead of empty.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..common.checks import number
from ..common.errors import ConfigError
from .attributes import ATTRIBUTES, complete_table
from .randomness import RandomSource, lognormal_parameters

UNITS = {"minutes": 1.0 / 1440.0, "hours": 1.0 / 24.0, "days": 1.0}


class Distribution:
    """A duration in days; ``draw(patient)`` samples one."""

    mean_days: float

    def __init__(self, source: RandomSource):
        self.source = source

    def draw(self, patient) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    def residual(self, patient) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    def mean(self, patient=None) -> float:
        return self.mean_days


class Exponential(Distribution):
    def __init__(self, source, mean):
        super().__init__(source)
        self.mean_days = mean

    def draw(self, patient=None):
        return self.mean_days * self.source.exponential()

    def residual(self, patient=None):
        return self.draw(patient)


class Lognormal(Distribution):
    def __init__(self, source, mean, cv):
        super().__init__(source)
        self.mean_days = mean
        self.mu, self.sigma = lognormal_parameters(mean, cv)

    def draw(self, patient=None):
        return math.exp(self.mu + self.sigma * self.source.normal())

    def residual(self, patient=None):
        # The length-biased lognormal is lognormal(mu + sigma^2, sigma).
        biased = math.exp(self.mu + self.sigma * self.sigma + self.sigma * self.source.normal())
        return self.source.random() * biased


class Gamma(Distribution):
    def __init__(self, source, mean, cv):
        super().__init__(source)
        self.mean_days = mean
        self.shape = 1.0 / (cv * cv)
        self.scale = mean / self.shape

    def draw(self, patient=None):
        return float(self.source.generator.gamma(self.shape, self.scale))

    def residual(self, patient=None):
        biased = float(self.source.generator.gamma(self.shape + 1.0, self.scale))
        return self.source.random() * biased


class Uniform(Distribution):
    def __init__(self, source, low, high):
        super().__init__(source)
        self.low, self.high = low, high
        self.mean_days = 0.5 * (low + high)

    def draw(self, patient=None):
        return self.low + (self.high - self.low) * self.source.random()

    def residual(self, patient=None):
        # Length-biased uniform has density proportional to x on [low, high].
        u = self.source.random()
        biased = math.sqrt(self.low**2 + u * (self.high**2 - self.low**2))
        return self.source.random() * biased


class Fixed(Distribution):
    def __init__(self, source, value):
        super().__init__(source)
        self.mean_days = value

    def draw(self, patient=None):
        return self.mean_days

    def residual(self, patient=None):
        return self.source.random() * self.mean_days


class ByAttribute(Distribution):
    """A distribution chosen by a patient attribute (``by``)."""

    def __init__(self, source, attribute, table):
        super().__init__(source)
        self.attribute = attribute
        self.table = table
        self.mean_days = sum(d.mean() for d in table.values()) / len(table)

    def draw(self, patient):
        return self.table[getattr(patient, self.attribute)].draw(patient)

    def residual(self, patient):
        return self.table[getattr(patient, self.attribute)].residual(patient)

    def mean(self, patient=None):
        if patient is None:
            return self.mean_days
        return self.table[getattr(patient, self.attribute)].mean(patient)


def _parameter(spec, key, where, positive=True):
    """A distribution parameter: required, finite, and > 0 (``positive``) or >= 0."""
    if key not in spec:
        raise ConfigError(f"{where}.{key}", None, "a number is required")
    return number(spec[key], f"{where}.{key}", low=0.0, low_open=positive,
                  allowed="a number > 0" if positive else "a number >= 0")


def build(spec: Mapping[str, Any], source: RandomSource, where: str, labels: Mapping[str, list] | None = None) -> Distribution:
    """Build a distribution from its config ``spec``; ``where`` names it in errors.

    ``labels`` maps an attribute to its allowed values, so a table keyed by
    ``by`` can be checked for missing or unknown entries.
    """
    spec = dict(spec)
    if "by" in spec:
        attribute = spec.pop("by")
        if attribute not in ATTRIBUTES:
            raise ConfigError(f"{where}.by", attribute, f"one of {', '.join(ATTRIBUTES)}")
        values = spec.pop("values", None)
        if not isinstance(values, Mapping) or not values:
            raise ConfigError(f"{where}.values", values, f"a mapping from each {attribute} to a distribution")
        table = {}
        for k, v in values.items():
            if not isinstance(v, Mapping):
                raise ConfigError(f"{where}.values.{k}", v, "a distribution (a mapping)")
            table[str(k)] = build({**spec, **dict(v)}, source, f"{where}.values.{k}", labels)
        return ByAttribute(source, attribute, complete_table(table, attribute, (labels or {}).get(attribute), f"{where}.values"))

    kind = spec.get("dist")
    unit = spec.get("unit", "days")
    if unit not in UNITS:
        raise ConfigError(f"{where}.unit", unit, f"one of {', '.join(UNITS)}")
    scale = UNITS[unit]
    allowed = {"dist", "unit", "mean", "cv", "low", "high", "value"}
    extra = sorted(set(spec) - allowed)
    if extra:
        raise ConfigError(f"{where}.{extra[0]}", spec[extra[0]], f"a key among {sorted(allowed)}")
    if kind == "exponential":
        return Exponential(source, _parameter(spec, "mean", where) * scale)
    if kind in ("lognormal", "mean_cv", "gamma"):
        mean = _parameter(spec, "mean", where) * scale
        cv = _parameter(spec, "cv", where, positive=False)
        if cv == 0:
            return Fixed(source, mean)
        if kind == "mean_cv" and cv == 1.0:
            return Exponential(source, mean)
        return Gamma(source, mean, cv) if kind == "gamma" else Lognormal(source, mean, cv)
    if kind == "uniform":
        low = _parameter(spec, "low", where, positive=False)
        high = _parameter(spec, "high", where)
        if high <= low:
            raise ConfigError(f"{where}.high", high, f"a number > low ({low})")
        return Uniform(source, low * scale, high * scale)
    if kind == "fixed":
        return Fixed(source, _parameter(spec, "value", where, positive=False) * scale)
    raise ConfigError(f"{where}.dist", kind, "one of exponential, lognormal, mean_cv, gamma, uniform, fixed")
