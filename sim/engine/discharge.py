"""Discharge times: patients are medically fit at any hour, but leave hospital in the day.

A service's ``discharge_times`` in config::

    discharge_times:
      hours: [0, 0, ..., 0.6, 1.0, 1.0, ..., 0]    # relative rate of discharge by hour from midnight
      days: {mon: 1, ..., sat: 0.6, sun: 0.55}     # relative rate by weekday
      rate_per_hour: 0.6                           # discharges per fit patient per hour at factor 1
      except_to: [death]                           # destinations that do not wait
      except_stays_under_hours: 12                 # short stays (assessment units) leave when fit

Stays shorter than ``except_stays_under_hours`` (assessment units discharge around the clock) and
patients going to an ``except_to`` destination leave when fit.  Otherwise a patient fit at time
``t`` leaves at the first event of a Poisson process with intensity
``rate_per_hour x hours[h] x days[d]``: overnight they wait for the morning, at weekends longer.
The wait is time in a place (occupancy and bed-days), not a delayed discharge.  The discharge
time is drawn exactly by inverting the cumulative intensity, tabulated hour by hour over the run.
"""
from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..common.checks import check_keys, number, shares
from ..common.errors import ConfigError
from .calendar import DAYS

KEYS = {"hours", "days", "rate_per_hour", "except_to", "except_stays_under_hours"}


class DischargeTimes:
    """When a patient fit at a given time is discharged."""

    def __init__(self, spec: Mapping[str, Any], calendar, horizon: float, source, where: str):
        check_keys(spec, KEYS, where)
        hours = np.asarray(spec.get("hours", [1.0] * 24), dtype=float)
        if hours.shape != (24,) or (hours < 0).any() or not np.isfinite(hours).all() or hours.max() <= 0:
            raise ConfigError(f"{where}.hours", spec.get("hours"), "24 non-negative factors, one per hour, not all 0")
        days = shares(spec.get("days") or dict.fromkeys(DAYS, 1.0), DAYS, f"{where}.days", total=None)
        if days.max() <= 0:
            raise ConfigError(f"{where}.days", spec.get("days"), "factors by weekday, not all 0")
        rate = number(spec.get("rate_per_hour"), f"{where}.rate_per_hour", low=0.0, low_open=True,
                      allowed="a positive number of discharges per fit patient per hour")
        self.exempt = frozenset(str(d) for d in (spec.get("except_to") or []))
        short = spec.get("except_stays_under_hours")
        self.short_stay = 0.0 if short is None else number(short, f"{where}.except_stays_under_hours", low=0.0) / 24.0
        self.source = source
        # Cumulative intensity at the start of each hour (per day units), with a week to spare.
        n = math.ceil(horizon * 24) + 24 * 7
        hour, weekday, _ = calendar.hourly(n)
        per_hour = rate * hours[hour] * days[weekday]            # expected discharges in each hour
        self._rates = per_hour.tolist()
        self._cumulative = np.concatenate([[0.0], np.cumsum(per_hour)]).tolist()
        self._weekend = (weekday >= 5).tolist()

    def _hazard(self, t: float) -> float:
        k = min(int(t * 24), len(self._rates) - 1)
        return self._cumulative[k] + self._rates[k] * (t * 24 - k)

    def when(self, t: float) -> tuple[bool, bool]:
        """(before noon, at a weekend) for a discharge at time ``t``."""
        k = min(int(t * 24), len(self._rates) - 1)
        return (t * 24) % 24 < 12, self._weekend[k]

    def time(self, fit: float) -> float:
        """The discharge time of a patient fit at ``fit`` (days)."""
        target = self._hazard(fit) + self.source.exponential()
        k = bisect_right(self._cumulative, target) - 1
        if k >= len(self._rates):
            return fit                 # beyond the table: no wait
        while self._rates[k] <= 0.0:   # landed in a closed hour by rounding: the next open one
            k += 1
            if k >= len(self._rates):
                return fit
        return max(fit, (k + (target - self._cumulative[k]) / self._rates[k]) / 24.0)
