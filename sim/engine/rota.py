"""Rotas: places that follow the hour of the day and the day of the week.

A service's ``rota`` in config scales its places hour by hour::

    rota:
      hours: [0.5, 0.5, ..., 1.0]          # 24 factors, one per hour from midnight
      days: {mon: 1.0, ..., sun: 0.8}      # one factor per weekday (default 1)

so the service has ``round(capacity x hours[h] x days[d])`` places in hour ``h`` of weekday ``d``.
:class:`Rota` is the pattern; :class:`RotaSchedule` turns the patterns of every service into the
moments its capacity changes over the run and applies each change when it falls due (places are
never taken from a patient: see :meth:`sim.engine.service.Service.set_capacity`).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..common.checks import check_keys, shares
from ..common.errors import ConfigError
from .calendar import DAYS


class Rota:
    """An hourly pattern of places, checked from its config ``spec`` (``where`` names it in errors)."""

    def __init__(self, spec: Mapping[str, Any], where: str):
        check_keys(spec, {"hours", "days"}, where)
        hours = np.asarray(spec.get("hours", [1.0] * 24), dtype=float)
        if hours.shape != (24,) or (hours < 0).any() or not np.isfinite(hours).all():
            raise ConfigError(f"{where}.hours", spec.get("hours"), "24 non-negative factors, one per hour from midnight")
        self.hours = hours
        self.days = shares(spec.get("days") or dict.fromkeys(DAYS, 1.0), DAYS, f"{where}.days", total=None)

    def places(self, base: int, hour: np.ndarray, weekday: np.ndarray) -> np.ndarray:
        """Places in each hour, for a service of ``base`` places (``hour``, ``weekday`` per hour of the run)."""
        return np.rint(base * self.hours[hour] * self.days[weekday]).astype(int)


class RotaSchedule:
    """Every change of capacity over the run, in time order, applied as each falls due."""

    def __init__(self, env, calendar, horizon: float):
        self.env = env
        self.calendar = calendar
        self.hours = math.ceil(horizon * 24)
        self._clock_hours = None                             # (hour of day, weekday) of each hour, on first use
        self._changes: list[tuple[float, str, int]] = []     # (time, service name, places)
        self._services: dict = {}
        self._next = 0
        self._generation = 0       # a restart (a new year's places) makes the calls already scheduled stale

    def add(self, service, rota: Rota, base: int | None = None) -> None:
        """Put ``service`` on ``rota`` with ``base`` places (default: its capacity now): its places now,
        and every later change."""
        if self._clock_hours is None:
            self._clock_hours = self.calendar.hourly(self.hours)[:2]
        base = service.capacity if base is None else base
        places = rota.places(base, *self._clock_hours)
        now_hour = int(self.env.now * 24)
        self._services[service.name] = service
        service.base_capacity = base
        if now_hour == 0:
            service.capacity = int(places[0])
        else:                                   # a restart part-way through the run
            service.set_capacity(int(places[min(now_hour, len(places) - 1)]))
        moments = np.flatnonzero(np.diff(places[now_hour:])) + now_hour + 1
        self._changes.extend((k / 24.0, service.name, int(places[k])) for k in moments)

    def restart(self) -> None:
        """Forget the changes still to come (a new year's places will be added), before :meth:`add`."""
        self._changes = []
        self._services = {}
        self._generation += 1

    def start(self) -> None:
        """Schedule the next change (call once every service is on its rota)."""
        self._changes.sort()
        self._next = 0
        if self._changes:
            self.env.call_later(self._changes[0][0] - self.env.now, self._apply_due, self._generation)

    def _apply_due(self, generation) -> None:
        if generation != self._generation:
            return
        changes, i, now = self._changes, self._next, self.env.now
        while i < len(changes) and changes[i][0] <= now:
            self._services[changes[i][1]].set_capacity(changes[i][2])
            i += 1
        self._next = i
        if i < len(changes):
            self.env.call_later(changes[i][0] - now, self._apply_due, generation)
