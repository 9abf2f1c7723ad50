"""One replication of the pathway: build the network from config, run it, collect statistics.

The whole pathway is data (``configs/network/*.yaml``): services, sinks,
arrival streams, routing, lengths of stay, metrics and cost lines.  This
module only turns that data into objects and wires them together; the
behaviour lives in :mod:`sim.service`, :mod:`sim.demand` and
:mod:`sim.routing`.
"""
from __future__ import annotations

import math
import time
from datetime import date, timedelta
from typing import Any, Mapping

import numpy as np

from . import demography, distributions
from .clock import Clock
from .demand import DAYS, ArrivalStream, Calendar
from .event_log import EventLog
from .errors import ConfigError, OverloadError, did_you_mean
from .patient import Patient
from .population import Population, _shares
from .randomness import Streams
from .routing import AttributeTable, Router
from .service import CrisisRegistry, Partition, Service, Sink

PATHWAYS = ("none", "P0", "P1", "P2", "P3")
BUILTIN_SINKS = ("diverted",)
SERVICE_KEYS = {
    "label", "capacity", "rota", "queue_capacity", "blocking", "los", "next", "overflow", "patience",
    "renege_to", "priority", "partition", "crisis_reduction", "readmission_days", "pathway_labels",
    "sojourn_limits_hours", "wait_limits_hours", "initial", "setting",
}
STREAM_KEYS = {"to", "arrival_mode", "rate_per_1000", "rate_per_day", "profile", "crisis", "balks",
               "patience", "renege_to", "care_home_rate_ratio", "risk_rate_ratio", "cohort", "label"}
SINK_KEYS = {"label", "returns"}


def _check_keys(spec, allowed, where):
    if not isinstance(spec, Mapping):
        raise ConfigError(where, spec, "a mapping")
    for key in spec:
        if key not in allowed:
            raise ConfigError(f"{where}.{key}", spec[key], f"a known key{did_you_mean(key, allowed)}: {sorted(allowed)}")


def _count(value, where, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != int(value):
        raise ConfigError(where, value, "a non-negative integer" + (" or null (no limit)" if allow_none else ""))
    return int(value)


def _limits(hours, where):
    if hours is None:
        return {}
    if not isinstance(hours, (list, tuple)) or any(isinstance(h, bool) or not isinstance(h, (int, float)) or h <= 0 for h in hours):
        raise ConfigError(where, hours, "a list of positive numbers of hours")
    return {f"{h:g}h": h / 24.0 for h in hours}


def simulation_start(year: int, warmup_days: float) -> date:
    """Calendar date of day 0: the results period starts on 1 April of ``year``
    (financial year ``year``/``year+1``), preceded by the warm-up."""
    return date(year, 4, 1) - timedelta(days=int(math.ceil(warmup_days)))


class Model:
    """One replication: ``Model(cfg, replication).run()`` returns its raw statistics."""

    def __init__(self, cfg: Mapping[str, Any], replication: int = 0):
        self.cfg = cfg
        run = cfg["run"]
        network = cfg["network"]
        self.replication = int(replication)
        self.seed = int(run["seed"])
        self.horizon = float(run["horizon_days"])
        self.warmup = float(run["warmup_days"])
        self.period = self.horizon - self.warmup
        self.max_queue = run.get("max_queue")
        self.max_seconds = run.get("max_seconds")
        self.env = Clock()
        self.streams = Streams(self.seed, self.replication)
        self.registry = CrisisRegistry()
        self.created = 0

        place = cfg["place"]
        self.year = run["year"]
        localities = list((place.get("localities") or {}).keys())
        self.population = Population(place, demography.population_scale(place, localities, self.year))
        self.start_date = simulation_start(int(self.year), self.warmup)
        self.calendar = Calendar(self.start_date)
        self.labels = self.population.labels()
        self.labels["pathway"] = list(PATHWAYS)

        streams_spec = network.get("streams") or {}
        services_spec = network.get("services") or {}
        sinks_spec = network.get("sinks") or {}
        if not services_spec:
            raise ConfigError("network.services", services_spec, "at least one service")
        if not streams_spec:
            raise ConfigError("network.streams", streams_spec, "at least one arrival stream")
        modes = {str((s or {}).get("arrival_mode", n)) for n, s in streams_spec.items()}
        modes |= {str(((s or {}).get("returns") or {}).get("arrival_mode", "readmission")) for s in sinks_spec.values()}
        self.labels["arrival_mode"] = sorted(modes)

        self.nodes: dict[str, Any] = {}
        self.services: dict[str, Service] = {}      # every service instance
        self.part_of: dict[str, str] = {}           # partition instance -> its locality or site
        self.groups: dict[str, list[str]] = {}      # configured name -> instance names
        self.sinks: dict[str, Sink] = {}
        for name, spec in sinks_spec.items():
            _check_keys(spec or {}, SINK_KEYS, f"network.sinks.{name}")
            self.sinks[name] = self.nodes[name] = Sink(self.env, name, (spec or {}).get("label"))
        for name, spec in services_spec.items():
            self._build_service(str(name), spec)

        self.arrivals: dict[str, ArrivalStream] = {}
        for name, spec in streams_spec.items():
            where = f"network.streams.{name}"
            _check_keys(spec, STREAM_KEYS, where)
            stream = ArrivalStream(self, name, spec, self.population, self.calendar, self.horizon,
                                   trend=demography.trend_factor(place, name, self.year))
            if "to" not in spec:
                raise ConfigError(f"{where}.to", None, "the first destination (a service or routing spec)")
            stream.router = Router(spec["to"], self.streams[f"route:{name}"], f"{where}.to", self._resolve, self.labels)
            if spec.get("patience") is not None:
                stream.patience = distributions.build(spec["patience"], self.streams[f"patience:{name}"],
                                                      f"{where}.patience", self.labels)
                if "renege_to" not in spec:
                    raise ConfigError(f"{where}.renege_to", None, "where patients go when their patience runs out")
                stream.renege_to = self._resolve(spec["renege_to"], f"{where}.renege_to")
            self.arrivals[name] = stream

        for name, spec in services_spec.items():
            self._wire_service(str(name), spec)
        _check_overflow_chains(services_spec)
        self.event_log = None
        if run.get("event_log"):
            self.event_log = EventLog(self.env, self.replication)
            for service in self.services.values():
                self.event_log.attach_service(service)
            for sink in self.sinks.values():
                self.event_log.attach_sink(sink)
        for name, spec in sinks_spec.items():
            self._wire_sink(name, spec or {})
        for name, spec in services_spec.items():
            self._seed_initial(str(name), spec)
        self._schedule_rotas(services_spec)

    # ---------------------------------------------------------------- build
    def _build_service(self, name, spec):
        where = f"network.services.{name}"
        _check_keys(spec, SERVICE_KEYS, where)
        if name in self.nodes:
            raise ConfigError(where, name, "a name not already used by a sink or service")
        partition = spec.get("partition")
        if partition is not None and partition not in ("locality", "site"):
            raise ConfigError(f"{where}.partition", partition, "locality or site")
        if "los" not in spec:
            raise ConfigError(f"{where}.los", None, "a length-of-stay distribution")
        los = distributions.build(spec["los"], self.streams[f"los:{name}"], f"{where}.los", self.labels)
        patience = None
        if spec.get("patience") is not None:
            patience = distributions.build(spec["patience"], self.streams[f"patience:{name}"], f"{where}.patience", self.labels)
        reduction = spec.get("crisis_reduction", 0.0) or 0.0
        if isinstance(reduction, bool) or not isinstance(reduction, (int, float)) or not 0 <= reduction <= 1:
            raise ConfigError(f"{where}.crisis_reduction", reduction, "a fraction in [0, 1]")
        readmission = spec.get("readmission_days")
        if readmission is not None and (isinstance(readmission, bool) or not isinstance(readmission, (int, float)) or readmission <= 0):
            raise ConfigError(f"{where}.readmission_days", readmission, "a positive number of days")
        labels = spec.get("pathway_labels")
        if labels is not None:
            for dest, label in labels.items():
                if label not in PATHWAYS:
                    raise ConfigError(f"{where}.pathway_labels.{dest}", label, f"one of {PATHWAYS}")
        priority = spec.get("priority") or {}
        for origin, value in priority.items():
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"{where}.priority.{origin}", value, "an integer (lower is served first)")
        common = dict(
            blocking=bool(spec.get("blocking", False)),
            queue_capacity=_count(spec.get("queue_capacity"), f"{where}.queue_capacity", allow_none=True),
            priority=priority, patience=patience, label=spec.get("label"), registry=self.registry,
            crisis_reduction=float(reduction), readmission_days=readmission, pathway_labels=labels,
            sojourn_limits=_limits(spec.get("sojourn_limits_hours"), f"{where}.sojourn_limits_hours"),
            wait_limits=_limits(spec.get("wait_limits_hours"), f"{where}.wait_limits_hours"),
        )
        capacity = spec.get("capacity")
        if partition is None:
            if capacity is None and spec.get("rota"):
                raise ConfigError(f"{where}.rota", spec["rota"], "no rota on a service without a capacity (unlimited)")
            service = Service(self.env, name, _count(capacity, f"{where}.capacity", allow_none=True), los, **common)
            self.services[name] = self.nodes[name] = service
            self.groups[name] = [name]
            return
        parts = self.labels[partition]
        if isinstance(capacity, Mapping):
            unknown = [k for k in capacity if k not in parts]
            if unknown:
                raise ConfigError(f"{where}.capacity.{unknown[0]}", capacity[unknown[0]], f"one of the {partition}s {parts}")
        instances = {}
        for part in parts:
            cap = capacity.get(part) if isinstance(capacity, Mapping) else capacity
            key = f"{where}.capacity" + (f".{part}" if isinstance(capacity, Mapping) else "")
            # A place with a single site or locality keeps the service's own name.
            instance = Service(self.env, name if len(parts) == 1 else f"{name}_{part}", _count(cap, key), los,
                               group=name, **common)
            instances[part] = self.services[instance.name] = instance
            self.part_of[instance.name] = part
        self.groups[name] = [i.name for i in instances.values()]
        self.nodes[name] = Partition(name, partition, instances)

    def _resolve(self, name, where):
        name = str(name)
        node = self.nodes.get(name)
        if node is None and name in BUILTIN_SINKS:
            node = self.sinks[name] = self.nodes[name] = Sink(self.env, name)
        if node is None:
            raise ConfigError(where, name, f"a service or sink{did_you_mean(name, list(self.nodes) + list(BUILTIN_SINKS))}")
        return node

    def _wire_service(self, name, spec):
        where = f"network.services.{name}"
        if "next" not in spec:
            raise ConfigError(f"{where}.next", None, "where patients go after this service (a destination or routing spec)")
        router = Router(spec["next"], self.streams[f"route:{name}"], f"{where}.next", self._resolve, self.labels)
        overflow = self._resolve(spec.get("overflow", "diverted"), f"{where}.overflow")
        renege_to = None
        if spec.get("patience") is not None:
            if "renege_to" not in spec:
                raise ConfigError(f"{where}.renege_to", None, "where patients go when their patience runs out")
            renege_to = self._resolve(spec["renege_to"], f"{where}.renege_to")
        for instance in self.groups[name]:
            service = self.services[instance]
            service.router, service.overflow, service.renege_to = router, overflow, renege_to

    def _wire_sink(self, name, spec):
        returns = spec.get("returns")
        if not returns:
            return
        where = f"network.sinks.{name}.returns"
        _check_keys(returns, {"probability", "delay", "to", "arrival_mode"}, where)
        probability = AttributeTable(returns.get("probability", 0.0), f"{where}.probability", self.labels)
        if "delay" not in returns:
            raise ConfigError(f"{where}.delay", None, "a distribution of the time until the return")
        delay = distributions.build(returns["delay"], self.streams[f"return_delay:{name}"], f"{where}.delay", self.labels)
        destination = self._resolve(returns.get("to"), f"{where}.to")
        self.sinks[name].configure_returns(probability, delay, destination, str(returns.get("arrival_mode", "readmission")),
                                           self.streams[f"return:{name}"])

    def _seed_initial(self, name, spec):
        initial = spec.get("initial")
        if not initial:
            return
        where = f"network.services.{name}.initial"
        _check_keys(initial, {"occupancy", "occupancy_fraction", "waiting", "attributes_from"}, where)
        if "occupancy" in initial and "occupancy_fraction" in initial:
            raise ConfigError(where, sorted(initial), "occupancy (places) or occupancy_fraction (of capacity), not both")
        fraction = initial.get("occupancy_fraction")
        if fraction is not None and (isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 <= fraction <= 1):
            raise ConfigError(f"{where}.occupancy_fraction", fraction, "a fraction of capacity in [0, 1]")
        source = initial.get("attributes_from")
        if source not in self.arrivals:
            raise ConfigError(f"{where}.attributes_from", source, f"an arrival stream{did_you_mean(source, self.arrivals)}")
        stream = self.arrivals[source]
        rng = self.streams.generator(f"initial:{name}")
        for instance in self.groups[name]:
            service = self.services[instance]
            part = self.part_of.get(instance)
            for key, waiting in (("occupancy", False), ("waiting", True)):
                value = initial.get(key, 0)
                if isinstance(value, Mapping):
                    value = value.get(part, 0)
                if key == "occupancy" and fraction is not None:
                    value = round(fraction * service.capacity)
                n = _count(value, f"{where}.{key}")
                if not waiting and n > service.capacity:
                    raise ConfigError(f"{where}.{key}", n, f"at most the capacity ({service.capacity})")
                localities = None
                if part is not None:
                    attribute = self.nodes[name].attribute
                    localities = [l for l in self.population.localities
                                  if (l if attribute == "locality" else self.population.site_of[l]) == part]
                people = stream.sample_people(n, rng, localities)
                for locality, age, risk, home in people:
                    patient = self.new_patient(age, locality, risk, home, stream.arrival_mode, "initial", False)
                    service.seed_patient(patient, waiting=waiting)

    def _schedule_rotas(self, services_spec):
        n_hours = int(math.ceil(self.horizon * 24))
        hour, weekday, _ = self.calendar.hourly(n_hours)
        changes = []
        for name, spec in services_spec.items():
            rota = spec.get("rota")
            if not rota:
                continue
            where = f"network.services.{name}.rota"
            _check_keys(rota, {"hours", "days"}, where)
            hours = np.asarray(rota.get("hours", [1.0] * 24), dtype=float)
            if hours.shape != (24,) or (hours < 0).any() or not np.isfinite(hours).all():
                raise ConfigError(f"{where}.hours", rota.get("hours"), "24 non-negative factors, one per hour from midnight")
            days = _shares(rota.get("days") or {d: 1.0 for d in DAYS}, DAYS, f"{where}.days", total=None)
            for instance in self.groups[str(name)]:
                service = self.services[instance]
                base = service.capacity
                caps = np.rint(base * hours[hour] * days[weekday]).astype(int)
                service.capacity = int(caps[0])
                service.base_capacity = base
                moments = np.flatnonzero(np.diff(caps)) + 1
                changes.extend((k / 24.0, instance, int(caps[k])) for k in moments)
        changes.sort()
        self._rota_changes = changes
        self._rota_i = 0
        if changes:
            self.env.call_later(changes[0][0], self._rota_tick)

    def _rota_tick(self, _):
        changes, i, now = self._rota_changes, self._rota_i, self.env._now
        while i < len(changes) and changes[i][0] <= now:
            self.services[changes[i][1]].set_capacity(changes[i][2])
            i += 1
        self._rota_i = i
        if i < len(changes):
            self.env.call_later(changes[i][0] - now, self._rota_tick)

    def new_patient(self, age, locality, risk, care_home, mode, origin, balks):
        self.created += 1
        return Patient(self.created, age, locality, self.population.site_of[locality], risk, care_home, mode,
                       origin, self.env._now, balks)

    # ------------------------------------------------------------------ run
    def _snapshot(self):
        return {
            "services": {n: s.snapshot() for n, s in self.services.items()},
            "sinks": {n: s.snapshot() for n, s in self.sinks.items()},
            "streams": {n: {"generated": s.generated, "averted": s.averted} for n, s in self.arrivals.items()},
        }

    def _on_warmup(self, _):
        self._warm = self._snapshot()

    def _record_day(self):
        for name, service in self.services.items():
            place, blocked, waiting, _ = service.areas()
            row = self._daily[name]
            row[0].append(place)
            row[1].append(waiting)
            row[2].append(blocked)

    def _on_day(self, _):
        self._record_day()
        self._check_overload()
        following = self.env._now + 1.0
        if following < self.horizon:
            self.env.call_later(1.0, self._on_day)

    def _check_overload(self):
        """Stop a runaway replication (see ``run.max_queue`` and ``run.max_seconds``)."""
        if self.max_queue is not None:
            for name, service in self.services.items():
                if service.queued > self.max_queue:      # on the waiting list, or blocked upstream
                    raise OverloadError(
                        f"network.services.{name}: {service.queued} patients waiting on day "
                        f"{self.env._now:.0f} of replication {self.replication}, over run.max_queue={self.max_queue}: "
                        "offered load exceeds capacity (add capacity, reduce demand, or raise the cap)")
        if self.max_seconds is not None and time.perf_counter() - self._started > self.max_seconds:
            raise OverloadError(f"replication {self.replication} passed run.max_seconds={self.max_seconds} on day "
                                f"{self.env._now:.0f} of {self.horizon:g}: queues are probably growing without bound")

    def run(self) -> dict:
        """Run to the horizon; return statistics for the results period and the ledger."""
        self._started = time.perf_counter()
        for stream in self.arrivals.values():
            stream.start()
        self._warm = None
        self.env.call_later(self.warmup, self._on_warmup)
        self._daily = {name: ([], [], []) for name in self.services}
        if self.horizon > 1.0:
            self.env.call_later(1.0, self._on_day)
        self.env.run(until=self.horizon)
        self._record_day()   # the last (possibly partial) day ends at the horizon
        end = self._snapshot()
        warm = self._warm if self._warm is not None else end
        return {
            "replication": self.replication,
            "period_days": self.period,
            "services": {n: _difference(end["services"][n], warm["services"][n]) for n in self.services},
            "sinks": {n: _difference(end["sinks"][n], warm["sinks"][n]) for n in self.sinks},
            "streams": {n: _difference(end["streams"][n], warm["streams"][n]) for n in self.arrivals},
            "groups": self.groups,
            "daily": {n: tuple(np.diff(np.asarray(a), prepend=0.0) for a in rows) for n, rows in self._daily.items()},
            "ledger": self.ledger(),
            "events": self.event_log.frame() if self.event_log is not None else None,
        }

    def ledger(self) -> dict:
        """Conservation of patients, per service and for the whole system, over the whole run."""
        services = {}
        for name, s in self.services.items():
            present = s.present()
            services[name] = {
                "arrived": s.arrived, "left": s.left, "reneged": s.reneged, "lost": s.lost,
                "in_service_end": s.in_place - s.blocked, "blocked_end": s.blocked, "waiting_end": s.waiting,
                "balanced": s.arrived == s.left + s.reneged + present,
                "little_gap": s.little_gap(),
            }
        entered = self.created + sum(s.returned for s in self.sinks.values())
        exited = sum(s.count for s in self.sinks.values())
        present = sum(s.present() for s in self.services.values())
        system = {
            "created": self.created, "returned": sum(s.returned for s in self.sinks.values()),
            "exited": exited, "present_end": present,
            "awaiting_return": sum(s.pending for s in self.sinks.values()),
            "balanced": entered == exited + present,
        }
        return {"services": services, "system": system,
                "balanced": system["balanced"] and all(v["balanced"] for v in services.values()),
                # Little's identity (place-days = patients' days in a place) to a millionth of a day per event
                "little_balanced": all(abs(v["little_gap"]) <= 1e-6 * (1 + s.arrived)
                                       for v, s in zip(services.values(), self.services.values()))}


def _check_overflow_chains(services_spec) -> None:
    """A patient turned away follows ``overflow`` at once, so every overflow chain must end at a
    sink or at a service that can hold them; a loop of full services would pass them round forever."""
    for name in services_spec:
        chain = [str(name)]
        following = str(services_spec[name].get("overflow", "diverted"))
        while following in services_spec:
            if following in chain:
                raise ConfigError(f"network.services.{chain[-1]}.overflow", following,
                                  f"an overflow chain that ends at a sink (this one loops: {' -> '.join(chain + [following])})")
            chain.append(following)
            following = str(services_spec[following].get("overflow", "diverted"))


def _difference(end: dict, start: dict) -> dict:
    out = {}
    for key, value in end.items():
        if isinstance(value, dict):
            base = start.get(key, {})
            out[key] = {k: v - base.get(k, 0) for k, v in value.items()}
        else:
            out[key] = value - start.get(key, 0)
    return out
