"""Sinks: where a journey ends (home, death, signposting...), optionally with a later return.

A sink's ``returns`` (``network.sinks.<name>.returns``) send a share of the patients leaving there
back into the pathway after a delay::

    returns: {probability, delay, to, arrival_mode, longer_stay: {at, factor}}

``probability`` may depend on patient attributes (``by:``), ``delay`` is a distribution, ``to`` the
node they come back to and ``arrival_mode`` the mode they come back with (default ``readmission``).
Thirty-day readmissions after discharge home are one use; the pressure valves are others: a patient
who left A&E before being seen re-attends, one turned away from admission comes back sicker.
``longer_stay`` says so: the returning patient's next stay at service ``at`` is ``factor`` times as
long as it would have been (a stay there after a later journey is not).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..common.checks import check_keys, number
from ..common.errors import ConfigError
from . import distributions
from .routing import AttributeTable

RETURN_KEYS = {"probability", "delay", "to", "arrival_mode", "longer_stay"}


class Sink:
    """Where a journey ends, counting who arrived from where and who came back (see the module docstring)."""

    def __init__(self, env, name, label=None):
        self.env = env
        self.name = name
        self.label = label or name
        self.count = 0
        self.returned = 0
        self.pending = 0
        self.by_origin: dict[str, int] = {}
        self.return_probability = None
        self.longer_stay = None

    def configure_returns(self, probability, delay, destination, arrival_mode, source, month_now=None, longer_stay=None):
        self.return_probability = probability
        self.return_delay = delay
        self.return_to = destination
        self.return_mode = arrival_mode
        self.source = source          # random numbers for who returns
        self.month_now = month_now    # the month today, for a returning patient's new episode
        self.longer_stay = longer_stay   # (service group, factor) of a returning patient's next stay, or None

    def offer(self, patient, holder=None):
        if holder is not None:
            holder.depart(patient)
        self.count += 1
        patient.longer_stay = None    # the journey is over: a longer stay still owed lapses
        origin, by_origin = patient.origin, self.by_origin
        by_origin[origin] = by_origin.get(origin, 0) + 1
        if self.return_probability is not None and self.source.random() < self.return_probability(patient):
            self.pending += 1
            self.env.call_later(self.return_delay.draw(patient), self._return, patient)

    def _return(self, patient):
        self.pending -= 1
        self.returned += 1
        patient.arrival_mode = self.return_mode
        patient.origin = self.name
        patient.first_arrival = self.env.now
        patient.longer_stay = self.longer_stay
        if self.month_now is not None:
            patient.month = self.month_now()
        self.return_to.offer(patient, None)

    def snapshot(self) -> dict:
        return {"count": self.count, "returned": self.returned, "pending": self.pending, "by_origin": dict(self.by_origin)}


def wire_returns(sink: Sink, returns: Mapping[str, Any], where: str, context, resolve, labels) -> None:
    """Check ``returns`` (the config at ``where``) and give ``sink`` its returns; ``resolve`` finds a node
    by name, ``labels`` are the values each patient attribute takes."""
    check_keys(returns, RETURN_KEYS, where)
    random = context.random
    probability = AttributeTable(returns.get("probability", 0.0), f"{where}.probability", labels)
    if "delay" not in returns:
        raise ConfigError(f"{where}.delay", None, "a distribution of the time until the return")
    delay = distributions.build(returns["delay"], random[f"return_delay:{sink.name}"], f"{where}.delay", labels)
    destination = resolve(returns.get("to"), f"{where}.to")
    longer = returns.get("longer_stay")
    if longer is not None:
        check_keys(longer, {"at", "factor"}, f"{where}.longer_stay")
        at = resolve(longer.get("at"), f"{where}.longer_stay.at")
        if isinstance(at, Sink):
            raise ConfigError(f"{where}.longer_stay.at", at.name, "a service (where the longer stay is)")
        factor = number(longer.get("factor"), f"{where}.longer_stay.factor", low=1.0, high=10.0,
                        allowed="a multiplier of the stay in [1, 10]")
        longer = (at.name, factor)
    sink.configure_returns(probability, delay, destination, str(returns.get("arrival_mode", "readmission")),
                           random[f"return:{sink.name}"], context.patients.month_now, longer)
