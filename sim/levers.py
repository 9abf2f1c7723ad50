"""Shift-left levers: a scenario's schemes compiled into changes to the pathway data.

A scenario (``configs/scenario/*.yaml``) names levers; each lever has an
``intensity`` (0 = not implemented, 1 = the full effect described), a target
``cohort`` and a list of ``effects``.  Applying a scenario rewrites the
resolved configuration before the model is built, so the engine never knows
about levers: a lever is nothing but data the engine already understands.

Effects (every size is scaled by the lever's intensity in the run year):

``divert: {stream, to, share}``
    a ``share`` of the cohort's arrivals on ``stream`` go to ``to`` instead of
    the stream's usual first destination (A&E walk-ins seen in primary care,
    urgent demand redirected to the single point of access).
``shift: {service | stream, from, to, share}``
    at a decision point, a ``share`` of the cohort's patients who would have gone
    to ``from`` go to ``to`` (admission avoided through rapid response,
    same-day emergency care instead of a bed).
``los: {service, factor}``
    the cohort's length of stay in ``service`` is multiplied by ``factor``
    (discharge to assess: less time to medically fit).
``capacity: {service, add | factor}``
    more places: the community resource a scheme consumes.
``crisis_reduction: {service, value}``
    people on the service's caseload have their crisis rate reduced by
    ``value`` (case management, care-home in-reach).
``referrals: {stream, rate_per_1000 | rate_per_day}``
    switch on a proactive referral stream (case finding, social prescribing).
``annual_cost: {gbp, setting, commissioner}``
    a fixed running cost of the scheme (a hub, a programme team).

A scenario-wide ``intensity`` (default 1) scales every lever at once, for
sweeps over "how much shift-left".  Levers ramp in linearly from ``start_year`` (a first tenth of the effect when
there are ten years to go) to the full effect in ``full_year``; before
``start_year`` they have no effect, so one scenario serves every projection
year.  The scenario's ``capacity`` block sets places per 1,000 residents or
scales capacities (the capacity presets).

Shifting care left is never free here: diversions land on services with
finite places (that may fill, sending patients back to A&E), and the places
added are costed whether used or not.
"""
from __future__ import annotations

import copy
from typing import Any, Mapping

from .demand import _cohort
from .errors import ConfigError, did_you_mean
from .population import AGE_BANDS, Population

EFFECTS = ("divert", "shift", "los", "capacity", "crisis_reduction", "referrals", "annual_cost")
COHORT_ATTRIBUTES = ("age_band", "risk_tier", "care_home")
LEVER_KEYS = {"label", "description", "source", "intensity", "cohort", "effects", "resource"}
SCENARIO_KEYS = {"name", "description", "start_year", "full_year", "levers", "capacity", "source", "intensity"}


def ramp(scenario: Mapping[str, Any], year: int) -> float:
    """Share of the full effect reached in ``year`` (financial year ``year``/``year+1``)."""
    start, full = scenario.get("start_year"), scenario.get("full_year")
    if start is None or full is None:
        return 1.0
    if year < start:
        return 0.0
    if year >= full:
        return 1.0
    return (year - start + 1) / (full - start + 1)


def _number(value, where, low=None, high=None):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(where, value, "a number" + (f" in [{low}, {high}]" if low is not None else ""))
    if (low is not None and value < low) or (high is not None and value > high):
        raise ConfigError(where, value, f"a number in [{low}, {high}]" if high is not None else f"a number >= {low}")
    return float(value)


def _in_cohort_tables(spec, cohort, change, labels):
    """``spec`` with ``change`` applied for patients in ``cohort`` only.

    Wraps the spec in ``by:`` tables over the cohort attributes that are
    restricted (all values of an attribute means no restriction) and applies
    ``change`` to the copy that members of the cohort reach.
    """
    restricted = [a for a in COHORT_ATTRIBUTES if set(cohort[a]) != set(labels[a])]

    def build(i):
        if i == len(restricted):
            return change(copy.deepcopy(spec))
        attribute = restricted[i]
        return {"by": attribute, "values": {**{v: build(i + 1) for v in cohort[attribute]},
                                            "default": copy.deepcopy(spec)}}
    return build(0)


def _routing_leaves(spec, change):
    """Apply ``change`` to every probability table ({destination: p}) of a routing spec."""
    if isinstance(spec, str):
        return change({spec: 1.0})
    if "by" in spec:
        return {"by": spec["by"], "values": {k: _routing_leaves(v, change) for k, v in spec["values"].items()}}
    return change(dict(spec))


def _divert(table, to, share):
    out = {d: p * (1 - share) for d, p in table.items()}
    out[to] = out.get(to, 0.0) + share
    return out


def _shift(table, source, to, share):
    if source not in table:
        return table
    moved = table[source] * share
    out = dict(table)
    out[source] -= moved
    out[to] = out.get(to, 0.0) + moved
    return out


def _scale_los(spec, factor):
    if "by" in spec:
        out = {k: v for k, v in spec.items() if k != "values"}
        out["values"] = {k: _scale_los(v, factor) for k, v in spec["values"].items()}
        return out
    out = dict(spec)
    for key in ("mean", "value", "low", "high"):
        if key in out:
            out[key] = out[key] * factor
    return out


class _Target:
    """Resolves the service or stream an effect names, with helpful errors."""

    def __init__(self, network):
        self.services = network.get("services") or {}
        self.streams = network.get("streams") or {}

    def service(self, name, where):
        if name not in self.services:
            raise ConfigError(where, name, f"a service of the network{did_you_mean(name, self.services)}")
        return self.services[name]

    def stream(self, name, where):
        if name not in self.streams:
            raise ConfigError(where, name, f"an arrival stream of the network{did_you_mean(name, self.streams)}")
        return self.streams[name]


def apply(cfg: Mapping[str, Any]) -> dict:
    """The configuration with the scenario's levers and capacity presets applied (a new dict)."""
    scenario = cfg.get("scenario") or {}
    levers = scenario.get("levers") or {}
    capacity = scenario.get("capacity") or {}
    if not levers and not any(capacity.get(k) for k in ("per_1000", "scale")):
        return dict(cfg)
    out = copy.deepcopy(dict(cfg))
    for key in scenario:
        if key not in SCENARIO_KEYS:
            raise ConfigError(f"scenario.{key}", scenario[key], f"a known key{did_you_mean(key, SCENARIO_KEYS)}")
    network = out["network"]
    target = _Target(network)
    population = Population(out["place"])
    labels = population.labels()
    year = int(out["run"]["year"])
    progress = ramp(scenario, year) * _number(scenario.get("intensity", 1.0), "scenario.intensity", 0.0, 1.0)
    for name, lever in levers.items():
        where = f"scenario.levers.{name}"
        if not isinstance(lever, Mapping):
            raise ConfigError(where, lever, "a mapping with intensity, cohort and effects")
        for key in lever:
            if key not in LEVER_KEYS:
                raise ConfigError(f"{where}.{key}", lever[key], f"a known key{did_you_mean(key, LEVER_KEYS)}")
        intensity = _number(lever.get("intensity", 1.0), f"{where}.intensity", 0.0, 1.0) * progress
        effects = lever.get("effects") or []
        if not isinstance(effects, list) or not effects:
            raise ConfigError(f"{where}.effects", effects, f"a list of effects, each one of {list(EFFECTS)}")
        if intensity == 0:
            continue
        for i, effect in enumerate(effects):
            _apply_effect(out, network, target, population, labels, effect, lever.get("cohort"), intensity,
                          f"{where}.effects[{i}]", name)
    _apply_capacity_presets(network, target, population, capacity)
    return out


def intensities(cfg: Mapping[str, Any]) -> dict[str, float]:
    """Each lever's effective intensity in the run year (its intensity x the ramp)."""
    scenario = cfg.get("scenario") or {}
    progress = ramp(scenario, int(cfg["run"]["year"])) * float(scenario.get("intensity", 1.0))
    return {name: float((lever or {}).get("intensity", 1.0)) * progress
            for name, lever in (scenario.get("levers") or {}).items()}


def _apply_effect(cfg, network, target, population, labels, effect, lever_cohort, intensity, where, lever):
    if not isinstance(effect, Mapping) or len(effect) != 1 or next(iter(effect)) not in EFFECTS:
        raise ConfigError(where, effect, f"a mapping with exactly one of {list(EFFECTS)}")
    kind, spec = next(iter(effect.items()))
    where = f"{where}.{kind}"
    if not isinstance(spec, Mapping):
        raise ConfigError(where, spec, "a mapping")
    cohort = _cohort(spec.get("cohort", lever_cohort), f"{where}.cohort")

    if kind == "divert":
        stream = target.stream(spec.get("stream"), f"{where}.stream")
        share = _number(spec.get("share"), f"{where}.share", 0.0, 1.0) * intensity
        to = spec.get("to")
        if to not in network["services"] and to not in (network.get("sinks") or {}):
            raise ConfigError(f"{where}.to", to, f"a service or sink{did_you_mean(to, network['services'])}")
        stream["to"] = _in_cohort_tables(stream["to"], cohort,
                                         lambda s: _routing_leaves(s, lambda t: _divert(t, to, share)), labels)
    elif kind == "shift":
        if ("service" in spec) == ("stream" in spec):
            raise ConfigError(where, dict(spec), "exactly one of service or stream")
        holder = (target.service(spec["service"], f"{where}.service") if "service" in spec
                  else target.stream(spec["stream"], f"{where}.stream"))
        key = "next" if "service" in spec else "to"
        share = _number(spec.get("share"), f"{where}.share", 0.0, 1.0) * intensity
        source, to = spec.get("from"), spec.get("to")
        for end, value in (("from", source), ("to", to)):
            if value not in network["services"] and value not in (network.get("sinks") or {}):
                raise ConfigError(f"{where}.{end}", value, f"a service or sink{did_you_mean(value, network['services'])}")
        holder[key] = _in_cohort_tables(holder[key], cohort,
                                        lambda s: _routing_leaves(s, lambda t: _shift(t, source, to, share)), labels)
    elif kind == "los":
        service = target.service(spec.get("service"), f"{where}.service")
        factor = 1.0 + (_number(spec.get("factor"), f"{where}.factor", 0.0) - 1.0) * intensity
        service["los"] = _in_cohort_tables(service["los"], cohort, lambda s: _scale_los(s, factor), labels)
    elif kind == "capacity":
        service = target.service(spec.get("service"), f"{where}.service")
        if ("add" in spec) == ("factor" in spec):
            raise ConfigError(where, dict(spec), "exactly one of add (places) or factor")
        if "add" in spec:
            add = _number(spec["add"], f"{where}.add")
            service["capacity"] = _map_capacity(service["capacity"], lambda c: max(0, round(c + add * intensity)))
        else:
            factor = 1.0 + (_number(spec["factor"], f"{where}.factor", 0.0) - 1.0) * intensity
            service["capacity"] = _map_capacity(service["capacity"], lambda c: max(0, round(c * factor)))
    elif kind == "crisis_reduction":
        service = target.service(spec.get("service"), f"{where}.service")
        value = _number(spec.get("value"), f"{where}.value", 0.0, 1.0)
        base = float(service.get("crisis_reduction", 0.0) or 0.0)
        service["crisis_reduction"] = base + (value - base) * intensity
    elif kind == "referrals":
        stream = target.stream(spec.get("stream"), f"{where}.stream")
        for key in ("rate_per_1000", "rate_per_day"):
            stream.pop(key, None)
        if "rate_per_1000" in spec:
            rates = spec["rate_per_1000"]
            if not isinstance(rates, Mapping):
                raise ConfigError(f"{where}.rate_per_1000", rates, "annual rates per 1,000 by age band")
            stream["rate_per_1000"] = {a: _number(rates.get(a, 0.0), f"{where}.rate_per_1000.{a}", 0.0) * intensity
                                       for a in AGE_BANDS}
        elif "rate_per_day" in spec:
            stream["rate_per_day"] = _number(spec["rate_per_day"], f"{where}.rate_per_day", 0.0) * intensity
        else:
            raise ConfigError(where, dict(spec), "rate_per_1000 (by age band) or rate_per_day")
        if "cohort" in spec or lever_cohort is not None:
            stream["cohort"] = cohort
    elif kind == "annual_cost":
        gbp = _number(spec.get("gbp"), f"{where}.gbp", 0.0) * intensity
        for key in ("setting", "commissioner"):
            if not isinstance(spec.get(key), str):
                raise ConfigError(f"{where}.{key}", spec.get(key), "a name")
        network.setdefault("cost_lines", []).append(
            {"annual_gbp": gbp, "setting": spec["setting"], "commissioner": spec["commissioner"], "lever": lever})


def _map_capacity(capacity, change):
    if isinstance(capacity, Mapping):
        return {k: change(v) for k, v in capacity.items()}
    return change(capacity)


def _apply_capacity_presets(network, target, population, capacity):
    where = "scenario.capacity"
    for key in capacity:
        if key not in ("per_1000", "scale", "label", "source", "description"):
            raise ConfigError(f"{where}.{key}", capacity[key], "per_1000, scale, label, source or description")
    for name, rate in (capacity.get("per_1000") or {}).items():
        service = target.service(name, f"{where}.per_1000.{name}")
        places = _number(rate, f"{where}.per_1000.{name}", 0.0) * population.total / 1000.0
        if isinstance(service["capacity"], Mapping):
            # Partitioned: share the places by the population each site or locality serves.
            served = {}
            for locality, people in zip(population.localities, population.people.sum(axis=1)):
                part = locality if service.get("partition") == "locality" else population.site_of[locality]
                served[part] = served.get(part, 0.0) + people
            service["capacity"] = {k: round(places * served.get(k, 0.0) / population.total) for k in service["capacity"]}
        else:
            service["capacity"] = round(places)
    for name, factor in (capacity.get("scale") or {}).items():
        service = target.service(name, f"{where}.scale.{name}")
        f = _number(factor, f"{where}.scale.{name}", 0.0)
        service["capacity"] = _map_capacity(service["capacity"], lambda c: round(c * f))
