"""The network: the pathway's services, sinks and arrival streams, built from config and wired.

The whole pathway is data (``configs/network/*.yaml``)::

    services: {<name>: {capacity, los, next, blocking, rota, patience, priority, partition, ...}}
    sinks:    {<name>: {label, returns: {probability, delay, to, arrival_mode}}}
    streams:  {<name>: {to, rate_per_1000 | rate_per_day, profile, cohort, ...}}

:class:`NetworkBuilder` checks each entry (every problem names its full key) and turns it into
engine objects, in an order that lets every reference be resolved:

1. sinks, then services (a :class:`~sim.engine.spec.ServiceSpec` each; a service with
   ``partition: site``, ``place`` or ``locality`` becomes one instance per site, home place or
   locality of the footprint, behind a :class:`~sim.engine.partition.Partition` that sends anyone
   from ``outside`` to the ``out_of_area`` sink), then arrival streams with their routing;
2. each service's routing (``next``), ``overflow`` and ``renege_to``, now that every node exists;
   overflow chains are checked to end at a sink;
3. sinks' returns (30-day readmissions, re-attendances: :mod:`sim.engine.sink`);
4. the initial state (``initial``: places occupied and waiting lists at time zero);
5. rotas.

The result is a :class:`Network`: plain dictionaries of the nodes.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..common.checks import check_keys, count, fraction, is_whole, number
from ..common.errors import ConfigError, did_you_mean
from ..common.limits import MAX_PLACES, PLACES_TEXT
from . import distributions
from .calendar import MONTHS
from .context import Context
from .demand import ArrivalStream
from .discharge import DischargeTimes
from .event_log import EventLog, LoggedService, LoggedSink
from .partition import Partition, part_name
from .pressure import Escalation, LosUnderPressure, Pressure, Redirect
from .rota import Rota, RotaSchedule
from .routing import Router
from .service import Service
from .sink import Sink, wire_returns
from .spec import ServiceSpec

PATHWAYS = ("none", "P0", "P1", "P2", "P3")
BUILTIN_SINKS = ("diverted", "out_of_area")   # out_of_area: a site or home place outside the footprint
SERVICE_KEYS = {
    "label", "capacity", "rota", "queue_capacity", "blocking", "los", "next", "overflow", "patience",
    "renege_to", "priority", "partition", "crisis_reduction", "readmission_days", "pathway_labels",
    "sojourn_limits_hours", "wait_limits_hours", "initial", "setting",
    # responses to pressure (sim.engine.pressure), corridor care, giving up while holding a place, discharge times
    "escalation", "los_under_pressure", "redirect_under_pressure", "corridor", "holding_patience", "holding_renege_to",
    "discharge_times", "route_on_start",
}
STREAM_KEYS = {"to", "arrival_mode", "rate_per_1000", "rate_per_day", "profile", "crisis", "balks",
               "patience", "renege_to", "care_home_rate_ratio", "risk_rate_ratio", "cohort", "label"}
SINK_KEYS = {"label", "returns"}
INITIAL_KEYS = {"occupancy", "occupancy_fraction", "waiting", "attributes_from"}


@dataclass
class Network:
    """The built pathway: every node by name, ready to run."""

    nodes: dict[str, Any] = field(default_factory=dict)        # name -> service, partition or sink
    services: dict[str, Service] = field(default_factory=dict)  # every service instance
    sinks: dict[str, Sink] = field(default_factory=dict)
    arrivals: dict[str, ArrivalStream] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)  # configured service -> its instances
    part_of: dict[str, str] = field(default_factory=dict)       # instance -> its site or locality
    rotas: RotaSchedule | None = None
    escalations: list[Escalation] = field(default_factory=list)


def _limits(hours, where) -> dict[str, float]:
    """``{"4h": 4 / 24, ...}`` from a list of hours."""
    if hours is None:
        return {}
    if not isinstance(hours, (list, tuple)):
        raise ConfigError(where, hours, "a list of positive numbers of hours")
    for h in hours:
        number(h, where, low=0.0, low_open=True, allowed="a list of positive numbers of hours")
    return {f"{h:g}h": h / 24.0 for h in hours}


class NetworkBuilder:
    """Builds the :class:`Network` of one replication from ``config["network"]``.

    ``trend(stream)`` is the multiplier of a stream's rate in the run year (non-demographic growth).
    """

    def __init__(self, spec: Mapping[str, Any], context: Context, trend: Callable[[str], float]):
        self.context = context
        self.trend = trend
        self.streams_spec = spec.get("streams") or {}
        self.services_spec = spec.get("services") or {}
        self.sinks_spec = spec.get("sinks") or {}
        if not self.services_spec:
            raise ConfigError("network.services", self.services_spec, "at least one service")
        if not self.streams_spec:
            raise ConfigError("network.streams", self.streams_spec, "at least one arrival stream")
        self.labels = context.population.labels()
        self.labels["pathway"] = list(PATHWAYS)
        self.labels["month"] = list(MONTHS)
        self.labels["heading"] = sorted({*map(str, self.services_spec), *map(str, self.sinks_spec), *BUILTIN_SINKS})
        modes = {str((s or {}).get("arrival_mode", n)) for n, s in self.streams_spec.items()}
        modes |= {str(((s or {}).get("returns") or {}).get("arrival_mode", "readmission"))
                  for s in self.sinks_spec.values()}
        self.labels["arrival_mode"] = sorted(modes)
        self.network = Network()
        self.event_log: EventLog | None = None   # set by build: the nodes then log to it

    def build(self, event_log: EventLog | None = None) -> Network:
        """The wired network; with an ``event_log`` its services and sinks record to it from the start
        (:mod:`sim.engine.event_log`), the patients found in service at time zero included."""
        net = self.network
        self.event_log = event_log
        for name, spec in self.sinks_spec.items():
            check_keys(spec or {}, SINK_KEYS, f"network.sinks.{name}")
            net.sinks[name] = net.nodes[name] = self._sink(name, (spec or {}).get("label"))
        for name, spec in self.services_spec.items():
            self._add_service(str(name), spec)
        for name, spec in self.streams_spec.items():
            self._add_stream(name, spec)
        for name, spec in self.services_spec.items():
            self._wire_service(str(name), spec)
        _check_overflow_chains(self.services_spec)
        for name, spec in self.sinks_spec.items():
            self._wire_sink(name, spec or {})
        for name, spec in self.services_spec.items():
            self._seed_initial(str(name), spec)
        net.rotas = RotaSchedule(self.context.env, self.context.calendar, self.context.horizon)
        for name, spec in self.services_spec.items():
            if spec.get("rota"):
                rota = Rota(spec["rota"], f"network.services.{name}.rota")
                for instance in net.groups[str(name)]:
                    net.rotas.add(net.services[instance], rota)
        net.rotas.start()
        for escalation in net.escalations:
            escalation.start()
        return net

    # -------------------------------------------------------------- services
    def service_spec(self, name: str, spec: Mapping[str, Any]) -> ServiceSpec:
        """The checked :class:`ServiceSpec` of ``network.services.<name>`` (capacity left to the caller)."""
        where = f"network.services.{name}"
        if "los" not in spec:
            raise ConfigError(f"{where}.los", None, "a length-of-stay distribution")
        random = self.context.random
        los = distributions.build(spec["los"], random[f"los:{name}"], f"{where}.los", self.labels)
        patience = None
        if spec.get("patience") is not None:
            patience = distributions.build(spec["patience"], random[f"patience:{name}"], f"{where}.patience", self.labels)
        reduction = fraction(spec.get("crisis_reduction", 0.0) or 0.0, f"{where}.crisis_reduction")
        readmission = spec.get("readmission_days")
        if readmission is not None:
            number(readmission, f"{where}.readmission_days", low=0.0, low_open=True, allowed="a positive number of days")
        labels = spec.get("pathway_labels")
        for dest, label in (labels or {}).items():
            if label not in PATHWAYS:
                raise ConfigError(f"{where}.pathway_labels.{dest}", label, f"one of {PATHWAYS}")
        priority = spec.get("priority") or {}
        for origin, value in priority.items():
            if not is_whole(value):
                raise ConfigError(f"{where}.priority.{origin}", value, "an integer (lower is served first)")
        holding = None
        if spec.get("holding_patience") is not None:
            holding = distributions.build(spec["holding_patience"], random[f"holding_patience:{name}"],
                                          f"{where}.holding_patience", self.labels)
            if "holding_renege_to" not in spec:
                raise ConfigError(f"{where}.holding_renege_to", None, "where a patient who gives up waiting while holding a place goes")
        return ServiceSpec(
            name=name, capacity=None, los=los, label=spec.get("label"), blocking=bool(spec.get("blocking", False)),
            queue_capacity=count(spec.get("queue_capacity"), f"{where}.queue_capacity", allow_none=True),
            priority=priority, patience=patience, crisis_reduction=reduction, readmission_days=readmission,
            pathway_labels=labels, sojourn_limits=_limits(spec.get("sojourn_limits_hours"), f"{where}.sojourn_limits_hours"),
            wait_limits=_limits(spec.get("wait_limits_hours"), f"{where}.wait_limits_hours"),
            corridor_places=_corridor(spec, where), holding_patience=holding,
            route_on_start=bool(spec.get("route_on_start", False)))

    def _add_service(self, name: str, spec: Mapping[str, Any]) -> None:
        where = f"network.services.{name}"
        check_keys(spec, SERVICE_KEYS, where)
        net = self.network
        if name in net.nodes:
            raise ConfigError(where, name, "a name not already used by a sink or service")
        partition = spec.get("partition")
        if partition is not None and partition not in ("locality", "site", "place"):
            raise ConfigError(f"{where}.partition", partition, "site (acute care), place (home place) or locality")
        base = self.service_spec(name, spec)
        env, registry = self.context.env, self.context.registry
        instances = {}
        for part, (instance_name, places) in self.capacities(name, spec).items():
            instance_spec = replace(base, name=instance_name, capacity=places, group=None if part is None else name)
            instance = instances[part] = net.services[instance_name] = (
                Service(env, instance_spec, registry) if self.event_log is None
                else LoggedService(self.event_log, env, instance_spec, registry))
            if part is not None:
                net.part_of[instance_name] = part
            self._add_responses(instance, spec, where)
        net.groups[name] = [i.name for i in instances.values()]
        if partition is None:
            net.nodes[name] = instances[None]
            return
        outside = None
        if len(self.labels[partition]) > len(instances):   # someone's site, place or locality is outside the footprint
            outside = self.resolve("out_of_area", f"{where}.partition")
        net.nodes[name] = Partition(name, partition, instances, outside)

    def capacities(self, name: str, spec: Mapping[str, Any]) -> dict:
        """``{part: (instance name, places)}`` of a service: one instance (part None) unless partitioned
        by site or locality; places None for an unlimited service."""
        where = f"network.services.{name}"
        partition, capacity = spec.get("partition"), spec.get("capacity")
        if partition is None:
            if capacity is None and spec.get("rota"):
                raise ConfigError(f"{where}.rota", spec["rota"], "no rota on a service without a capacity (unlimited)")
            return {None: (name, count(capacity, f"{where}.capacity", maximum=MAX_PLACES, allow_none=True,
                                       allowed=f"a whole number of places, {PLACES_TEXT}, or null (no limit)"))}
        parts = self.context.population.parts(partition)
        if isinstance(capacity, Mapping):
            unknown = [k for k in capacity if k not in parts]
            if unknown:
                raise ConfigError(f"{where}.capacity.{unknown[0]}", capacity[unknown[0]], f"one of the {partition}s {parts}")
        out = {}
        for part in parts:
            places = capacity.get(part) if isinstance(capacity, Mapping) else capacity
            key = f"{where}.capacity" + (f".{part}" if isinstance(capacity, Mapping) else "")
            out[part] = (part_name(name, part, len(parts)), count(places, key, maximum=MAX_PLACES,
                                                                  allowed=f"a whole number of places, {PLACES_TEXT}"))
        return out

    def _add_responses(self, service: Service, spec: Mapping[str, Any], where: str) -> None:
        """A service instance's own responses to pressure, and its discharge times."""
        if spec.get("escalation"):
            if service.unlimited:
                raise ConfigError(f"{where}.escalation", spec["escalation"], "no escalation on a service without a capacity")
            self.network.escalations.append(Escalation(self.context.env, service, spec["escalation"], f"{where}.escalation"))
        if spec.get("los_under_pressure"):
            service.los_pressure = LosUnderPressure(service, spec["los_under_pressure"], f"{where}.los_under_pressure")
        if spec.get("discharge_times"):
            service.discharge = DischargeTimes(spec["discharge_times"], self.context.calendar, self.context.horizon,
                                               self.context.random[f"discharge:{service.group}"], f"{where}.discharge_times")

    # --------------------------------------------------------------- streams
    def _add_stream(self, name: str, spec: Mapping[str, Any]) -> None:
        self.network.arrivals[name] = self.stream(name, spec)

    def stream(self, name: str, spec: Mapping[str, Any]) -> ArrivalStream:
        """The arrival stream ``network.streams.<name>`` with its routing and patience."""
        where = f"network.streams.{name}"
        check_keys(spec, STREAM_KEYS, where)
        random = self.context.random
        stream = ArrivalStream(self.context, name, spec, trend=self.trend(name))
        if "to" not in spec:
            raise ConfigError(f"{where}.to", None, "the first destination (a service or routing spec)")
        stream.router = Router(spec["to"], random[f"route:{name}"], f"{where}.to", self.resolve, self.labels)
        if spec.get("patience") is not None:
            stream.patience = distributions.build(spec["patience"], random[f"patience:{name}"],
                                                  f"{where}.patience", self.labels)
            if "renege_to" not in spec:
                raise ConfigError(f"{where}.renege_to", None, "where patients go when their patience runs out")
            stream.renege_to = self.resolve(spec["renege_to"], f"{where}.renege_to")
        return stream

    def _sink(self, name: str, label: str | None = None) -> Sink:
        env = self.context.env
        return Sink(env, name, label) if self.event_log is None else LoggedSink(self.event_log, env, name, label)

    # ---------------------------------------------------------------- wiring
    def resolve(self, name, where):
        """The node called ``name`` (a service, partitioned service or sink)."""
        name = str(name)
        net = self.network
        node = net.nodes.get(name)
        if node is None and name in BUILTIN_SINKS:
            node = net.sinks[name] = net.nodes[name] = self._sink(name)
        if node is None:
            raise ConfigError(where, name, f"a service or sink{did_you_mean(name, list(net.nodes) + list(BUILTIN_SINKS))}")
        return node

    def _wire_service(self, name: str, spec: Mapping[str, Any]) -> None:
        where = f"network.services.{name}"
        if "next" not in spec:
            raise ConfigError(f"{where}.next", None, "where patients go after this service (a destination or routing spec)")
        router = Router(spec["next"], self.context.random[f"route:{name}"], f"{where}.next", self.resolve, self.labels)
        overflow = self.resolve(spec.get("overflow", "diverted"), f"{where}.overflow")
        renege_to = None
        if spec.get("patience") is not None:
            if "renege_to" not in spec:
                raise ConfigError(f"{where}.renege_to", None, "where patients go when their patience runs out")
            renege_to = self.resolve(spec["renege_to"], f"{where}.renege_to")
        if spec.get("redirect_under_pressure"):
            router = self._redirect(router, name, spec["redirect_under_pressure"], f"{where}.redirect_under_pressure")
        holding_renege_to = None
        if spec.get("holding_patience") is not None:
            holding_renege_to = self.resolve(spec["holding_renege_to"], f"{where}.holding_renege_to")
        for instance in self.network.groups[name]:
            service = self.network.services[instance]
            service.router, service.overflow, service.renege_to = router, overflow, renege_to
            service.holding_renege_to = holding_renege_to

    def _redirect(self, router, name: str, spec: Mapping[str, Any], where: str) -> Redirect:
        """``redirect_under_pressure: {from, to, share, measure, low, high}``: a share of the patients this
        service sends to ``from`` go to ``to`` instead, scaled by the pressure on ``from``."""
        check_keys(spec, Redirect.KEYS | {"measure", "low", "high"}, where)
        target = self.resolve(spec.get("from"), f"{where}.from")
        if target.name not in router.destinations:
            raise ConfigError(f"{where}.from", target.name, f"one of this service's destinations {router.destinations}")
        if target.name not in self.network.groups:
            raise ConfigError(f"{where}.from", target.name, "a service (pressure is read on services)")
        to = self.resolve(spec.get("to"), f"{where}.to")
        share = fraction(spec.get("share"), f"{where}.share", allowed="the largest share redirected, in [0, 1]")
        gauges = {i: Pressure(self.network.services[i], spec, where) for i in self.network.groups[target.name]}
        return Redirect(router, target, to, share, gauges, self.context.random[f"redirect:{name}"])

    def _wire_sink(self, name: str, spec: Mapping[str, Any]) -> None:
        if spec.get("returns"):
            wire_returns(self.network.sinks[name], spec["returns"], f"network.sinks.{name}.returns", self.context,
                         self.resolve, self.labels)

    # --------------------------------------------------------- initial state
    def _seed_initial(self, name: str, spec: Mapping[str, Any]) -> None:
        """Patients in service (with residual stays) and waiting at time zero."""
        initial = spec.get("initial")
        if not initial:
            return
        where = f"network.services.{name}.initial"
        check_keys(initial, INITIAL_KEYS, where)
        if "occupancy" in initial and "occupancy_fraction" in initial:
            raise ConfigError(where, sorted(initial), "occupancy (places) or occupancy_fraction (of capacity), not both")
        share = initial.get("occupancy_fraction")
        if share is not None:
            fraction(share, f"{where}.occupancy_fraction", allowed="a fraction of capacity in [0, 1]")
        net, population = self.network, self.context.population
        source = initial.get("attributes_from")
        if source not in net.arrivals:
            raise ConfigError(f"{where}.attributes_from", source, f"an arrival stream{did_you_mean(source, net.arrivals)}")
        stream = net.arrivals[source]
        rng = self.context.random.generator(f"initial:{name}")
        for instance in net.groups[name]:
            service = net.services[instance]
            part = net.part_of.get(instance)
            for key, waiting in (("occupancy", False), ("waiting", True)):
                value = initial.get(key, 0)
                if isinstance(value, Mapping):
                    value = value.get(part, 0)
                if key == "occupancy" and share is not None:
                    value = round(share * service.capacity)
                n = count(value, f"{where}.{key}")
                if not waiting and n > service.capacity:
                    raise ConfigError(f"{where}.{key}", n, f"at most the capacity ({service.capacity})")
                attribute = net.nodes[name].attribute if part is not None else None
                for locality, age, risk, home, site in stream.seed_people(n, rng, attribute, part):
                    patient = self.context.patients.new(age, locality, risk, home, stream.arrival_mode, "initial",
                                                        False, site, population.home_of[locality])
                    service.seed_patient(patient, waiting=waiting)


def _corridor(spec, where) -> float | None:
    """``corridor: {places: N}`` (``null``: no limit) on a blocking service; None when absent."""
    corridor = spec.get("corridor")
    if corridor is None:
        return None
    check_keys(corridor, {"places"}, f"{where}.corridor")
    if not spec.get("blocking"):
        raise ConfigError(f"{where}.corridor", corridor, "corridor care only on a blocking service (patients waiting to move on)")
    places = corridor.get("places")
    return math.inf if places is None else count(places, f"{where}.corridor.places")


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
