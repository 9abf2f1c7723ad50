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
none            (none)                       never: an infinite duration (a patient
                                             who never gives up waiting)
mixture         ``components``: a list of    a share ``weight`` of patients draws
                distributions, each with a   from each component (say a short
                ``weight``                   same-day stay and a longer one)
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

from ..common.checks import number, shares
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


class Never(Distribution):
    """An infinite duration: draws nothing from its source."""

    mean_days = math.inf

    def draw(self, patient=None):
        return math.inf

    def residual(self, patient=None):
        return math.inf


class Mixture(Distribution):
    """Each draw comes from one named component, chosen with the patient's row of ``weights``
    (a :class:`~sim.engine.routing.AttributeTable`-like lookup: fixed, or by patient attribute)."""

    def __init__(self, source, names, components, weights):
        super().__init__(source)
        self.names = names                      # component names, in order
        self.components = components            # name -> Distribution
        self._in_order = [components[name] for name in names]
        self.weights = weights                  # callable: patient -> tuple of cumulative weights (last inf)
        self.mean_days = sum(c.mean() for c in components.values()) / len(components)

    def _component(self, patient, u):
        for limit, component in zip(self.weights(patient), self._in_order):
            if u < limit:
                return component
        return self._in_order[-1]  # pragma: no cover - the last limit is infinite

    def draw(self, patient=None):
        return self._component(patient, self.source.random()).draw(patient)

    def residual(self, patient=None):
        # A patient found in service belongs to a component in proportion to its weight x mean stay.
        cumulative = self.weights(patient)
        shares = [hi - lo for lo, hi in zip((0.0, *cumulative[:-1]), (*cumulative[:-1], 1.0))]
        biased = [w * self.components[n].mean(patient) for w, n in zip(shares, self.names)]
        u, total = self.source.random() * sum(biased), 0.0
        for weight, name in zip(biased, self.names):
            total += weight
            if u < total:
                return self.components[name].residual(patient)
        return self.components[self.names[-1]].residual(patient)

    def mean(self, patient=None):
        if patient is None:
            return self.mean_days
        cumulative = self.weights(patient)
        shares = [hi - lo for lo, hi in zip((0.0, *cumulative[:-1]), (*cumulative[:-1], 1.0))]
        return sum(w * self.components[n].mean(patient) for w, n in zip(shares, self.names))


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
    if kind == "mixture":
        return _mixture(spec, source, where, labels)
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
    if kind == "none":
        return Never(source)
    raise ConfigError(f"{where}.dist", kind, "one of exponential, lognormal, mean_cv, gamma, uniform, fixed, none, mixture")


def _mixture(spec, source, where, labels) -> Mixture:
    """``{dist: mixture, components: {name: distribution, ...}, weights: {name: w, ...}}``; ``weights`` may
    be a table by patient attribute (``{by: age_band, values: {age_0_17: {name: w, ...}, ...}}``)."""
    extra = sorted(set(spec) - {"dist", "components", "weights", "unit"})
    if extra:
        raise ConfigError(f"{where}.{extra[0]}", spec[extra[0]], "components, weights or unit beside dist: mixture")
    components = spec.get("components")
    if not isinstance(components, Mapping) or len(components) < 2:
        raise ConfigError(f"{where}.components", components, "a mapping of at least two named distributions")
    names = [str(n) for n in components]
    shared = {"unit": spec["unit"]} if "unit" in spec else {}
    built = {}
    for name, component in components.items():
        if not isinstance(component, Mapping):
            raise ConfigError(f"{where}.components.{name}", component, "a distribution (a mapping)")
        built[str(name)] = build({**shared, **dict(component)}, source, f"{where}.components.{name}", labels)
    return Mixture(source, names, built, _weights(spec.get("weights"), names, f"{where}.weights", labels or {}))


def _weights(spec, names, where, labels):
    """A patient -> cumulative weights lookup from a weights row or a table of rows by attribute."""
    if isinstance(spec, Mapping) and "by" in spec:
        attribute = spec["by"]
        if attribute not in ATTRIBUTES:
            raise ConfigError(f"{where}.by", attribute, f"one of {', '.join(ATTRIBUTES)}")
        values = spec.get("values")
        if not isinstance(values, Mapping) or not values:
            raise ConfigError(f"{where}.values", values, f"a weights row for each {attribute}")
        table = {str(k): _weights(v, names, f"{where}.values.{k}", labels) for k, v in values.items()}
        table = complete_table(table, attribute, labels.get(attribute), f"{where}.values")
        return lambda patient: table[getattr(patient, attribute)](patient)
    row = shares(spec, names, where, total=1.0)
    cumulative = (*(float(x) for x in row.cumsum()[:-1]), math.inf)
    return lambda patient: cumulative
