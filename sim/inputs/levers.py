"""Shift-left levers: a scenario's schemes compiled into changes to the pathway data.

A scenario (``configs/scenario/*.yaml``) names levers; each lever has an
``intensity`` (0 = not implemented, 1 = the full effect described), a target
``cohort`` and a list of ``effects``.  Applying a scenario rewrites the
resolved configuration before the model is built, so the engine never knows
about levers: a lever is nothing but data the engine already understands.

Effects (every size is scaled by the lever's intensity in the run year):

``divert: {stream, to, share, keeps, avoided}``
    a ``share`` of the cohort's arrivals on ``stream`` go to ``to`` instead of
    the stream's usual first destination (A&E walk-ins seen in primary care,
    urgent demand redirected to the single point of access); they keep their
    needs (:mod:`sim.inputs.diversion`): ``to`` sends them on to ``keeps``
    (default ``[acute]``) as often as the usual service would have, less the
    share ``avoided`` (the scheme's evidenced effect, default 0).
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

A lever's scheme type in the evidence register (``configs/evidence/schemes.yaml``, :mod:`sim.inputs.evidence`)
is the scheme that lists the lever's name, or the lever's own ``evidence: <scheme>``; it does not change the lever.

A lever with ``policies: [fixed]`` applies only under those capacity policies (the
``capacity_policy`` group): closing acute beds as bed-days fall is a lever when places are
otherwise fixed, and the sizing's own work when places follow demand (``demand_led``).

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

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from ..common.checks import check_keys, number
from ..common.errors import ConfigError, did_you_mean
from ..common.plain import copied
from ..engine.population import AGE_BANDS, Population, cohort
from .diversion import KEEPS, carry_needs, leaves

COHORT_ATTRIBUTES = ("age_band", "risk_tier", "care_home")
LEVER_KEYS = {"label", "description", "source", "intensity", "cohort", "effects", "resource", "policies", "evidence"}
SCENARIO_KEYS = {"name", "description", "start_year", "full_year", "levers", "capacity", "source", "intensity", "top_down"}


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


def _amount(value, where, low=None, high=None) -> float:
    """A lever's size: a number, within [low, high] where given."""
    if low is not None and high is not None:
        allowed = f"a number in [{low}, {high}]"
    else:
        allowed = f"a number >= {low}" if low is not None else "a number"
    return number(value, where, low=low, high=high, allowed=allowed)


def _in_cohort_tables(spec, members, change, labels):
    """``spec`` with ``change`` applied for patients in the cohort ``members`` only.

    Wraps the spec in ``by:`` tables over the cohort attributes that are
    restricted (all values of an attribute means no restriction) and applies
    ``change`` to what members of the cohort reach.  Nothing is copied: ``change``
    returns new tables and leaves its argument as it is (as every effect's does),
    so the entries share ``spec`` and one changed table.  A scenario's levers
    wrap a stream's tables once each, so copies would multiply: the UK
    comparator's routing came to some 28,000 nodes a run.
    """
    restricted = [a for a in COHORT_ATTRIBUTES if set(members[a]) != set(labels[a])]

    def build(i):
        if i == len(restricted):
            return change(spec)
        attribute = restricted[i]
        member = build(i + 1)
        return {"by": attribute, "values": {**dict.fromkeys(members[attribute], member), "default": spec}}
    return build(0)


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


def apply(cfg: Mapping[str, Any], presets: bool = True, kinds: Collection[str] | None = None) -> dict:
    """The configuration with the scenario's levers and (unless ``presets`` is false) its capacity
    presets applied (a new dict); ``kinds``: only the effects of these kinds (default: every kind)."""
    scenario = cfg.get("scenario") or {}
    levers = scenario.get("levers") or {}
    capacity = (scenario.get("capacity") or {}) if presets else {}
    if not levers and not any(capacity.get(k) for k in ("per_1000", "scale")):
        return dict(cfg)
    out = copied(dict(cfg))
    check_keys(scenario, SCENARIO_KEYS, "scenario")
    network = out["network"]
    target = _Target(network)
    population = Population(out["place"])
    labels = population.labels()
    year = int(out["run"]["year"])
    progress = ramp(scenario, year) * _amount(scenario.get("intensity", 1.0), "scenario.intensity", 0.0, 1.0)
    policy = str((cfg.get("capacity_policy") or {}).get("name", "fixed"))
    for name, lever in levers.items():
        where = f"scenario.levers.{name}"
        if not isinstance(lever, Mapping):
            raise ConfigError(where, lever, "a mapping with intensity, cohort and effects")
        check_keys(lever, LEVER_KEYS, where)
        if not _applies_under(lever, policy, f"{where}.policies"):
            continue
        intensity = _amount(lever.get("intensity", 1.0), f"{where}.intensity", 0.0, 1.0) * progress
        effects = lever.get("effects") or []
        if not isinstance(effects, list) or not effects:
            raise ConfigError(f"{where}.effects", effects, f"a list of effects, each one of {list(EFFECTS)}")
        if intensity == 0:
            continue
        for i, effect in enumerate(effects):
            _apply_effect(Lever(network, target, population, labels, name, lever.get("cohort"), intensity),
                          effect, f"{where}.effects[{i}]", kinds)
    _apply_capacity_presets(network, target, population, capacity)
    return out


def apply_presets(cfg: Mapping[str, Any]) -> dict:
    """The configuration with only the scenario's capacity presets applied (a new dict)."""
    scenario = cfg.get("scenario") or {}
    return apply({**cfg, "scenario": {**scenario, "levers": {}}})


def _applies_under(lever: Mapping, policy: str, where: str) -> bool:
    """Whether a lever applies under the capacity policy ``policy`` (every policy unless it names some)."""
    policies = lever.get("policies")
    if policies is None:
        return True
    if not isinstance(policies, list) or not all(isinstance(p, str) for p in policies):
        raise ConfigError(where, policies, "a list of capacity policy names, such as [fixed]")
    return policy in policies


def intensities(cfg: Mapping[str, Any]) -> dict[str, float]:
    """Each lever's effective intensity in the run year (its intensity x the ramp)."""
    scenario = cfg.get("scenario") or {}
    progress = ramp(scenario, int(cfg["run"]["year"])) * float(scenario.get("intensity", 1.0))
    return {name: float((lever or {}).get("intensity", 1.0)) * progress
            for name, lever in (scenario.get("levers") or {}).items()}


@dataclass
class Lever:
    """What an effect needs to rewrite the network: the network, its services and streams, the
    population, the lever's name, cohort and intensity in the run year."""

    network: dict
    target: _Target
    population: Population
    labels: dict
    name: str
    cohort: Any
    intensity: float


def _destination(network, value, where) -> None:
    if value not in network["services"] and value not in (network.get("sinks") or {}):
        raise ConfigError(where, value, f"a service or sink{did_you_mean(value, network['services'])}")


def _divert_effect(lever: Lever, spec, members, where):
    stream = lever.target.stream(spec.get("stream"), f"{where}.stream")
    share = _amount(spec.get("share"), f"{where}.share", 0.0, 1.0) * lever.intensity
    to = spec.get("to")
    _destination(lever.network, to, f"{where}.to")
    keeps = spec.get("keeps", list(KEEPS))
    if not isinstance(keeps, list):
        raise ConfigError(f"{where}.keeps", keeps, "a list of services or sinks the diverted patients still need")
    avoided = _amount(spec.get("avoided", 0.0), f"{where}.avoided", 0.0, 1.0) * lever.intensity
    carry_needs(lever.network, spec["stream"], to, keeps, avoided, where)
    stream["to"] = _in_cohort_tables(stream["to"], members,
                                     lambda s: leaves(s, lambda t: _divert(t, to, share)), lever.labels)


def _shift_effect(lever: Lever, spec, members, where):
    if ("service" in spec) == ("stream" in spec):
        raise ConfigError(where, dict(spec), "exactly one of service or stream")
    holder = (lever.target.service(spec["service"], f"{where}.service") if "service" in spec
              else lever.target.stream(spec["stream"], f"{where}.stream"))
    key = "next" if "service" in spec else "to"
    share = _amount(spec.get("share"), f"{where}.share", 0.0, 1.0) * lever.intensity
    source, to = spec.get("from"), spec.get("to")
    for end, value in (("from", source), ("to", to)):
        _destination(lever.network, value, f"{where}.{end}")
    holder[key] = _in_cohort_tables(holder[key], members,
                                    lambda s: leaves(s, lambda t: _shift(t, source, to, share)), lever.labels)


def _los_effect(lever: Lever, spec, members, where):
    service = lever.target.service(spec.get("service"), f"{where}.service")
    factor = 1.0 + (_amount(spec.get("factor"), f"{where}.factor", 0.0) - 1.0) * lever.intensity
    service["los"] = _in_cohort_tables(service["los"], members, lambda s: _scale_los(s, factor), lever.labels)


def _capacity_effect(lever: Lever, spec, members, where):
    service = lever.target.service(spec.get("service"), f"{where}.service")
    if ("add" in spec) == ("factor" in spec):
        raise ConfigError(where, dict(spec), "exactly one of add (places) or factor")
    if "add" in spec:
        add = _amount(spec["add"], f"{where}.add")
        service["capacity"] = _map_capacity(service["capacity"], lambda c: max(0, round(c + add * lever.intensity)))
    else:
        factor = 1.0 + (_amount(spec["factor"], f"{where}.factor", 0.0) - 1.0) * lever.intensity
        service["capacity"] = _map_capacity(service["capacity"], lambda c: max(0, round(c * factor)))


def _crisis_reduction_effect(lever: Lever, spec, members, where):
    service = lever.target.service(spec.get("service"), f"{where}.service")
    value = _amount(spec.get("value"), f"{where}.value", 0.0, 1.0)
    base = float(service.get("crisis_reduction", 0.0) or 0.0)
    service["crisis_reduction"] = base + (value - base) * lever.intensity


def _referrals_effect(lever: Lever, spec, members, where):
    stream = lever.target.stream(spec.get("stream"), f"{where}.stream")
    for key in ("rate_per_1000", "rate_per_day"):
        stream.pop(key, None)
    if "rate_per_1000" in spec:
        rates = spec["rate_per_1000"]
        if not isinstance(rates, Mapping):
            raise ConfigError(f"{where}.rate_per_1000", rates, "annual rates per 1,000 by age band")
        stream["rate_per_1000"] = {a: _amount(rates.get(a, 0.0), f"{where}.rate_per_1000.{a}", 0.0) * lever.intensity
                                   for a in AGE_BANDS}
    elif "rate_per_day" in spec:
        stream["rate_per_day"] = _amount(spec["rate_per_day"], f"{where}.rate_per_day", 0.0) * lever.intensity
    else:
        raise ConfigError(where, dict(spec), "rate_per_1000 (by age band) or rate_per_day")
    if "cohort" in spec or lever.cohort is not None:
        stream["cohort"] = members


def _annual_cost_effect(lever: Lever, spec, members, where):
    gbp = _amount(spec.get("gbp"), f"{where}.gbp", 0.0) * lever.intensity
    for key in ("setting", "commissioner"):
        if not isinstance(spec.get(key), str):
            raise ConfigError(f"{where}.{key}", spec.get(key), "a name")
    lever.network.setdefault("cost_lines", []).append(
        {"annual_gbp": gbp, "setting": spec["setting"], "commissioner": spec["commissioner"], "lever": lever.name})


#: each kind of effect and the function that applies it: ``(lever, spec, cohort members, where)``
EFFECTS = {
    "divert": _divert_effect,
    "shift": _shift_effect,
    "los": _los_effect,
    "capacity": _capacity_effect,
    "crisis_reduction": _crisis_reduction_effect,
    "referrals": _referrals_effect,
    "annual_cost": _annual_cost_effect,
}


def _apply_effect(lever: Lever, effect, where, kinds: Collection[str] | None = None) -> None:
    if not isinstance(effect, Mapping) or len(effect) != 1 or next(iter(effect)) not in EFFECTS:
        raise ConfigError(where, effect, f"a mapping with exactly one of {list(EFFECTS)}")
    kind, spec = next(iter(effect.items()))
    if kinds is not None and kind not in kinds:
        return
    where = f"{where}.{kind}"
    if not isinstance(spec, Mapping):
        raise ConfigError(where, spec, "a mapping")
    EFFECTS[kind](lever, spec, cohort(spec.get("cohort", lever.cohort), f"{where}.cohort"), where)


def _map_capacity(capacity, change):
    if isinstance(capacity, Mapping):
        return {k: change(v) for k, v in capacity.items()}
    return change(capacity)


def _apply_capacity_presets(network, target, population, capacity):
    where = "scenario.capacity"
    check_keys(capacity, ("per_1000", "scale", "label", "source", "description"), where)
    for name, rate in (capacity.get("per_1000") or {}).items():
        service = target.service(name, f"{where}.per_1000.{name}")
        places = _amount(rate, f"{where}.per_1000.{name}", 0.0) * population.total / 1000.0
        if isinstance(service["capacity"], Mapping):
            # Partitioned: share the places by the people each site, place or locality serves.
            served = population.served(service.get("partition"))
            total = sum(served.values())
            service["capacity"] = {k: round(places * served.get(k, 0.0) / total) for k in service["capacity"]}
        else:
            service["capacity"] = round(places)
    for name, factor in (capacity.get("scale") or {}).items():
        service = target.service(name, f"{where}.scale.{name}")
        f = _amount(factor, f"{where}.scale.{name}", 0.0)
        service["capacity"] = _map_capacity(service["capacity"], lambda c, f=f: round(c * f))


#: the keys of an effect that name a service, stream or sink of the network
_NAMING = ("service", "stream", "to", "from")


def misfits(scenario: Mapping[str, Any] | None, network: Mapping[str, Any]) -> list[str]:
    """What the ``scenario``'s levers and capacity presets name that ``network`` does not have, one phrase
    each (``lever ambulatory_care: service 'sdec'``); none when the scenario fits (no levers fit every network)."""
    scenario = scenario or {}
    known = {*(network.get("services") or {}), *(network.get("streams") or {}), *(network.get("sinks") or {})}
    found = []
    for name, lever in (scenario.get("levers") or {}).items():
        effects = lever.get("effects") if isinstance(lever, Mapping) else None
        for effect in effects if isinstance(effects, list) else []:
            for spec in effect.values() if isinstance(effect, Mapping) else []:
                for key in _NAMING:
                    value = spec.get(key) if isinstance(spec, Mapping) else None
                    if isinstance(value, str) and value not in known:
                        found.append(f"lever {name}: {key if key in ('service', 'stream') else 'service'} {value!r}")
    capacity = scenario.get("capacity") or {}
    for kind in ("per_1000", "scale"):
        found += [f"capacity.{kind}: service {name!r}" for name in (capacity.get(kind) or {}) if name not in known]
    return list(dict.fromkeys(found))
