"""Responses to pressure: how a service under strain bends instead of breaking.

Real systems do not let a queue grow without limit.  When beds are full a trust opens escalation
beds, discharges a little earlier and raises the bar for admission; an emergency department cares
for patients in corridors.  Each response here reads a :class:`Pressure` gauge on a service and
scales its effect by the gauge's level, from 0 (no pressure) to 1 (full effect)::

    level = clamp((measure - low) / (high - low), 0, 1)

where ``measure`` is one of

``waiting``        patients on the waiting list (including those holding a place upstream);
``waiting_share``  the same per place of the service's base capacity (scale-free across sites);
``occupancy``      places in use / base capacity (escalation places excluded from the base).

A graded response (rather than a switch) gives the system an equilibrium: the further the queue
grows, the harder the responses push back, so an overloaded service settles at a worse level of
performance instead of a queue that grows for ever.

The responses, each configured on a service (``network.services.<name>``):

* :class:`Escalation` (``escalation``): extra places opened up to ``max_fraction`` of the base
  capacity, ``step`` at a time every ``check_hours``, and closed the same way as pressure eases
  (nobody is turned out of a closing place);
* :class:`LosUnderPressure` (``los_under_pressure``): stays starting under pressure are shortened
  by up to ``1 - factor`` (earlier discharge);
* :class:`Redirect` (``admission_threshold`` and the like): a share of the patients routed to a
  service under pressure go elsewhere instead (a higher threshold for admission).

Corridor care and giving up while holding a place elsewhere (spot purchase) are rules of the
service itself (:mod:`sim.engine.service`).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..common.checks import check_keys, number
from ..common.errors import ConfigError

MEASURES = ("waiting", "waiting_share", "occupancy")
GAUGE_KEYS = {"measure", "low", "high"}


class Pressure:
    """A gauge of pressure on one service instance, read on demand."""

    __slots__ = ("high", "low", "measure", "service", "span")

    def __init__(self, service, spec: Mapping[str, Any], where: str):
        measure = spec.get("measure", "waiting_share")
        if measure not in MEASURES:
            raise ConfigError(f"{where}.measure", measure, f"one of {', '.join(MEASURES)}")
        self.service = service
        self.measure = measure
        self.low = number(spec.get("low"), f"{where}.low", low=0.0)
        self.high = number(spec.get("high"), f"{where}.high", low=self.low, low_open=True,
                           allowed=f"a number > low ({self.low:g})")
        self.span = self.high - self.low

    def value(self) -> float:
        """The measure now."""
        service = self.service
        if self.measure == "waiting":
            return service.queued
        base = service.capacity - service.surge
        if base <= 0:
            return float("inf") if (service.queued or service.in_place) else 0.0
        if self.measure == "waiting_share":
            return service.queued / base
        return service.in_place / base

    def level(self) -> float:
        """0 below ``low``, 1 above ``high``, linear between."""
        x = (self.value() - self.low) / self.span
        return 0.0 if x <= 0.0 else 1.0 if x >= 1.0 else x


def gauge_spec(spec: Mapping[str, Any], allowed: set, where: str) -> Mapping[str, Any]:
    """A response's config checked for known keys (the gauge's and the response's own)."""
    return check_keys(spec, GAUGE_KEYS | allowed, where)


class Escalation:
    """Escalation places on one service instance, opened and closed with the pressure on it.

    Every ``check_hours`` the target is ``round(level x max places)``; the open places move towards it
    by at most ``step``.  Escalation place-days are counted by the service (``surge_days``).
    """

    KEYS = frozenset({"max_fraction", "step", "check_hours"})

    def __init__(self, env, service, spec: Mapping[str, Any], where: str):
        self.env = env
        self.service = service
        self.running = False
        self.revise(spec, service.capacity, where)

    def revise(self, spec: Mapping[str, Any], base: int, where: str) -> None:
        """(Re)read the settings, for a service of ``base`` places (a new year's, in a multi-year run)."""
        gauge_spec(spec, self.KEYS, where)
        self.pressure = Pressure(self.service, spec, where)
        fraction = number(spec.get("max_fraction"), f"{where}.max_fraction", low=0.0, high=1.0,
                          allowed="a fraction of the base capacity in [0, 1]")
        self.max_places = round(fraction * base)
        self.step = int(number(spec.get("step", 1), f"{where}.step", low=1.0, allowed="a whole number of places >= 1"))
        self.interval = number(spec.get("check_hours", 1), f"{where}.check_hours", low=0.0, low_open=True) / 24.0

    def start(self) -> None:
        if self.max_places > 0 and not self.running:
            self.running = True
            self.env.call_later(self.interval, self._check)

    def _check(self, _) -> None:
        service = self.service
        target = round(self.pressure.level() * self.max_places)
        if target != service.surge:
            move = max(-self.step, min(self.step, target - service.surge))
            service.set_surge(service.surge + move)
        self.env.call_later(self.interval, self._check)


class LosUnderPressure:
    """Shorter stays when a service is under pressure: a stay starting at pressure level ``x`` is
    multiplied by ``1 - (1 - factor) x`` (earlier discharge, the bar for staying raised)."""

    KEYS = frozenset({"factor"})

    def __init__(self, service, spec: Mapping[str, Any], where: str):
        gauge_spec(spec, self.KEYS, where)
        self.pressure = Pressure(service, spec, where)
        self.cut = 1.0 - number(spec.get("factor"), f"{where}.factor", low=0.0, high=1.0,
                                allowed="a multiplier of the stay in [0, 1]")

    def adjust(self, stay: float) -> float:
        """The stay to use; counts on the service how many were shortened and by how much."""
        level = self.pressure.level()
        if level <= 0.0:
            return stay
        shorter = stay * (1.0 - self.cut * level)
        service = self.pressure.service
        service.los_shortened += 1
        service.los_saved_sum += stay - shorter
        return shorter


class Redirect:
    """Wraps a router: a patient it sends to ``target`` goes to ``to`` instead, with probability
    ``share x level`` of the pressure on the target instance the patient would use."""

    KEYS = frozenset({"from", "to", "share"})

    def __init__(self, router, target, to, share: float, gauges: dict, source):
        self.router = router
        self.target = target          # the node patients are redirected away from (a service or partition)
        self.to = to
        self.share = share
        self.gauges = gauges          # instance name -> Pressure
        self.source = source
        self.destinations = router.destinations
        attribute = getattr(target, "attribute", None)
        self._gauge_of = (lambda patient: gauges[target.instances[getattr(patient, attribute)].name]) \
            if attribute is not None else (lambda patient: gauges[target.name])

    def choose(self, patient):
        destination = self.router.choose(patient)
        if destination is self.target:
            gauge = self._gauge_of(patient)
            level = gauge.level()
            if level > 0.0 and self.source.random() < self.share * level:
                gauge.service.redirected += 1     # counted by the service the patient was turned away from
                return self.to
        return destination
