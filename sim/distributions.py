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

Every distribution can also draw a *residual* duration: the time still to go
for a patient found in service in steady state (the stationary excess
distribution, ``U × L*`` with ``L*`` length-biased).  The model uses it to
start services part-full instead of empty.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

from .attributes import ATTRIBUTES, complete_table
from .errors import ConfigError
from .randomness import Stream, lognormal_parameters

UNITS = {"minutes": 1.0 / 1440.0, "hours": 1.0 / 24.0, "days": 1.0}


class Distribution:
    """A duration in days; ``draw(patient)`` samples one."""

    mean_days: float

    def __init__(self, stream: Stream):
        self.stream = stream

    def draw(self, patient) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    def residual(self, patient) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    def mean(self, patient=None) -> float:
        return self.mean_days


class Exponential(Distribution):
    def __init__(self, stream, mean):
        super().__init__(stream)
        self.mean_days = mean

    def draw(self, patient=None):
        return self.mean_days * self.stream.exponential()

    def residual(self, patient=None):
        return self.draw(patient)


class Lognormal(Distribution):
    def __init__(self, stream, mean, cv):
        super().__init__(stream)
        self.mean_days = mean
        self.mu, self.sigma = lognormal_parameters(mean, cv)

    def draw(self, patient=None):
        return math.exp(self.mu + self.sigma * self.stream.normal())

    def residual(self, patient=None):
        # The length-biased lognormal is lognormal(mu + sigma^2, sigma).
        biased = math.exp(self.mu + self.sigma * self.sigma + self.sigma * self.stream.normal())
        return self.stream.random() * biased


class Gamma(Distribution):
    def __init__(self, stream, mean, cv):
        super().__init__(stream)
        self.mean_days = mean
        self.shape = 1.0 / (cv * cv)
        self.scale = mean / self.shape

    def draw(self, patient=None):
        return float(self.stream.generator.gamma(self.shape, self.scale))

    def residual(self, patient=None):
        biased = float(self.stream.generator.gamma(self.shape + 1.0, self.scale))
        return self.stream.random() * biased


class Uniform(Distribution):
    def __init__(self, stream, low, high):
        super().__init__(stream)
        self.low, self.high = low, high
        self.mean_days = 0.5 * (low + high)

    def draw(self, patient=None):
        return self.low + (self.high - self.low) * self.stream.random()

    def residual(self, patient=None):
        # Length-biased uniform has density proportional to x on [low, high].
        u = self.stream.random()
        biased = math.sqrt(self.low**2 + u * (self.high**2 - self.low**2))
        return self.stream.random() * biased


class Fixed(Distribution):
    def __init__(self, stream, value):
        super().__init__(stream)
        self.mean_days = value

    def draw(self, patient=None):
        return self.mean_days

    def residual(self, patient=None):
        return self.stream.random() * self.mean_days


class ByAttribute(Distribution):
    """A distribution chosen by a patient attribute (``by``)."""

    def __init__(self, stream, attribute, table):
        super().__init__(stream)
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


def _number(spec, key, where, positive=True, minimum=None):
    if key not in spec:
        raise ConfigError(f"{where}.{key}", None, "a number is required")
    value = spec[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{where}.{key}", value, "a finite number")
    if positive and value <= 0:
        raise ConfigError(f"{where}.{key}", value, "a number > 0")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{where}.{key}", value, f"a number >= {minimum}")
    return float(value)


def build(spec: Mapping[str, Any], stream: Stream, where: str, labels: Mapping[str, list] | None = None) -> Distribution:
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
            table[str(k)] = build({**spec, **dict(v)}, stream, f"{where}.values.{k}", labels)
        return ByAttribute(stream, attribute, complete_table(table, attribute, (labels or {}).get(attribute), f"{where}.values"))

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
        return Exponential(stream, _number(spec, "mean", where) * scale)
    if kind in ("lognormal", "mean_cv", "gamma"):
        mean = _number(spec, "mean", where) * scale
        cv = _number(spec, "cv", where, positive=False, minimum=0.0)
        if cv == 0:
            return Fixed(stream, mean)
        if kind == "mean_cv" and cv == 1.0:
            return Exponential(stream, mean)
        return Gamma(stream, mean, cv) if kind == "gamma" else Lognormal(stream, mean, cv)
    if kind == "uniform":
        low = _number(spec, "low", where, positive=False, minimum=0.0)
        high = _number(spec, "high", where)
        if high <= low:
            raise ConfigError(f"{where}.high", high, f"a number > low ({low})")
        return Uniform(stream, low * scale, high * scale)
    if kind == "fixed":
        return Fixed(stream, _number(spec, "value", where, positive=False, minimum=0.0) * scale)
    raise ConfigError(f"{where}.dist", kind, "one of exponential, lognormal, mean_cv, gamma, uniform, fixed")
