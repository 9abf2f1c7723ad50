"""One replication: run the network built from config, watch it, and report its statistics.

:class:`Model` makes the replication's shared context (clock, random numbers, population,
calendar), has :mod:`sim.engine.network` build the pathway from the configuration, runs it to the
horizon, snapshots the streamed statistics at the end of warm-up so the results period is their
difference, records each day's levels, stops a runaway replication (``run.max_queue``,
``run.max_seconds``) and keeps the conservation ledger.  The behaviour of patients and services
lives in :mod:`sim.engine.service`, :mod:`sim.engine.demand` and :mod:`sim.engine.routing`.
"""
from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

import numpy as np

from ..common.errors import OverloadError
from . import demography
from .calendar import Calendar
from .caseload import CrisisRegistry
from .clock import Clock
from .context import Context
from .event_log import EventLog
from .network import NetworkBuilder
from .patient import Patients
from .population import Population
from .randomness import RandomSources
from .revision import YearRevision
from .tally import LEVELS

#: the daily series of every service: mean places in use, waiting list, blocked places, escalation places and
#: corridor patients over each day (day 0 starts at midnight of the start date)
DAILY = ("occupancy_mean", "queue_mean", "blocked_mean", "surge_mean", "corridor_mean")


def simulation_start(year: int, warmup_days: float) -> date:
    """Calendar date of day 0: the results period starts on 1 April of ``year``
    (financial year ``year``/``year+1``), preceded by the warm-up."""
    return date(year, 4, 1) - timedelta(days=math.ceil(warmup_days))


class Model:
    """One replication: ``Model(cfg, replication).run()`` returns its raw statistics.

    ``cfg`` is a prepared configuration (:func:`sim.inputs.prepare.prepare`); the built network is
    ``model.network`` and the shared state ``model.context``.  A continuous multi-year run also
    passes ``later_years``: ``(day, year, prepared configuration)`` for each later financial year,
    ``day`` being its 1 April; the network takes each year's settings on that day
    (:mod:`sim.engine.revision`) and the statistics are reported year by year.
    """

    def __init__(self, cfg: Mapping[str, Any], replication: int = 0, later_years=()):
        run = cfg["run"]
        self.replication = int(replication)
        self.horizon = float(run["horizon_days"])
        self.warmup = float(run["warmup_days"])
        self.period = self.horizon - self.warmup
        self.max_queue = run.get("max_queue")
        self.max_seconds = run.get("max_seconds")
        self.env = env = Clock()
        place, year = cfg["place"], run["year"]
        localities = list((place.get("localities") or {}).keys())
        population = Population(place, demography.population_scale(place, localities, year))
        self.start_date = simulation_start(int(year), self.warmup)
        calendar = Calendar(self.start_date)
        self.context = Context(env=env, random=RandomSources(int(run["seed"]), self.replication),
                               registry=CrisisRegistry(),
                               patients=Patients(env, population.site_of, calendar.months(math.ceil(self.horizon) + 1)),
                               population=population, calendar=calendar, horizon=self.horizon)
        self.event_log = EventLog(env, self.replication) if run.get("event_log") else None
        builder = NetworkBuilder(cfg["network"], self.context, lambda stream: demography.trend_factor(place, stream, year))
        self.network = builder.build(self.event_log)
        self.services = self.network.services     # every service instance, by name (read often)
        self.year = int(year)
        self.later_years = sorted(later_years, key=lambda item: item[0])
        if self.later_years:
            for stream in self.network.arrivals.values():
                stream.limit = self.later_years[0][0]

    def _new_year(self, index: int) -> None:
        """1 April: close the year's statistics, then give the network the new year's settings."""
        self._boundaries.append(self._snapshot())
        _, year, cfg = self.later_years[index]
        place = cfg["place"]
        localities = list((place.get("localities") or {}).keys())
        context = replace(self.context, population=Population(place, demography.population_scale(place, localities, year)))
        limit = self.later_years[index + 1][0] if index + 1 < len(self.later_years) else self.horizon
        YearRevision(cfg["network"], context, lambda stream: demography.trend_factor(place, stream, year),
                     self.network).revise(limit)

    # ------------------------------------------------------------------ run
    def _snapshot(self):
        net = self.network
        return {
            "services": {n: s.snapshot() for n, s in net.services.items()},
            "sinks": {n: s.snapshot() for n, s in net.sinks.items()},
            "streams": {n: {"generated": s.generated, "averted": s.averted} for n, s in net.arrivals.items()},
        }

    def _on_warmup(self, _):
        self._warm = self._snapshot()

    def _record_day(self):
        for name, service in self.services.items():
            place, blocked, waiting, surge, corridor = service.daily_areas()
            row = self._daily[name]
            row[0].append(place)
            row[1].append(waiting)
            row[2].append(blocked)
            row[3].append(surge)
            row[4].append(corridor)

    def _on_day(self, _):
        self.env.split()     # once the queue is long (sim.engine.clock); a day's record costs more than this check
        self._record_day()
        if self.env.now in self._month_days:
            self._month_marks.append((self.env.now, self._snapshot()))
        self._check_overload()
        following = self.env.now + 1.0
        if following < self.horizon:
            self.env.call_later(1.0, self._on_day)

    def _first_days_of_months(self) -> set[float]:
        """The days (midnight of a month's first day, in the results period) at which :meth:`_on_day` keeps
        the statistics so far (read only, so the run is the same with or without them); a 1 April of a
        multi-year run has its year's snapshot instead.  Found once, so a day costs a set lookup."""
        year_days = {day for day, _, _ in self.later_years}
        return {float(day) for day in range(math.floor(self.warmup) + 1, math.ceil(self.horizon))
                if self.warmup < day < self.horizon and day not in year_days
                and (self.start_date + timedelta(days=day)).day == 1}

    def _months(self, years: list[tuple[int, float, float, dict, dict]]) -> list[dict]:
        """The statistics of each calendar month of the results period (a first or last month may be
        part of one), within its financial year: ``years`` is (year, first day, last day, start, end snapshots)."""
        out = []
        for year, begin, stop, first, last in years:
            marks = [(begin, first), *((d, s) for d, s in self._month_marks if begin < d < stop), (stop, last)]
            for (a, start), (b, finish) in pairwise(marks):
                month = self.start_date + timedelta(days=int(a))
                out.append({"year": year, "month": f"{month.year}-{month.month:02d}", "period_days": b - a,
                            "first_day": a, "last_day": b, **_period(finish, start)})
        return out

    def _check_overload(self):
        """Stop a runaway replication (see ``run.max_queue`` and ``run.max_seconds``)."""
        if self.max_queue is not None:
            for name, service in self.services.items():
                if service.queued > self.max_queue:      # on the waiting list, or blocked upstream
                    raise OverloadError(
                        f"network.services.{name}: {service.queued} patients waiting on day "
                        f"{self.env.now:.0f} of replication {self.replication}, over run.max_queue={self.max_queue}: "
                        "offered load exceeds capacity (add capacity, reduce demand, or raise the cap)")
        if self.max_seconds is not None and time.perf_counter() - self._started > self.max_seconds:
            raise OverloadError(f"replication {self.replication} passed run.max_seconds={self.max_seconds} on day "
                                f"{self.env.now:.0f} of {self.horizon:g}: queues are probably growing without bound")

    def run(self, observe=None) -> dict:
        """Run to the horizon; return statistics for the results period and the ledger.  With ``observe``,
        each scheduled call is made through it (:meth:`sim.engine.clock.Clock.run_observed`: a profiler)."""
        self._started = time.perf_counter()
        for stream in self.network.arrivals.values():
            stream.start()
        self._warm = None
        self.env.call_later(self.warmup, self._on_warmup)
        self._daily = {name: tuple([] for _ in DAILY) for name in self.services}
        if self.horizon > 1.0:
            self.env.call_later(1.0, self._on_day)
        self._boundaries = []
        self._month_marks = []
        self._month_days = self._first_days_of_months()
        for index, (day, _, _) in enumerate(self.later_years):
            self.env.call_later(day, self._new_year, index)
        if observe is None:
            self.env.run(until=self.horizon)
        else:
            self.env.run_observed(self.horizon, observe)
        self._record_day()   # the last (possibly partial) day ends at the horizon
        end = self._snapshot()
        warm = self._warm if self._warm is not None else end
        net = self.network
        out = {
            "replication": self.replication,
            "period_days": self.period,
            "start_date": self.start_date,
            "warmup_days": self.warmup,
            "first_day": self.warmup,
            "last_day": self.horizon,
            "groups": net.groups,
            "daily": {n: tuple(np.diff(np.asarray(a), prepend=0.0) for a in rows) for n, rows in self._daily.items()},
            "waits_without_limit": {n: s.waits_without_limit for n, s in self.services.items()},
            "gives_up": [n for n, s in self.services.items() if s.renege_to is not None],   # patience configured
            "ledger": self.ledger(),
            "events": self.event_log.frame() if self.event_log is not None else None,
        }
        if not self.later_years:
            out["months"] = self._months([(self.year, self.warmup, self.horizon, warm, end)])
            return {**out, **_period(end, warm)}
        # A multi-year run: the statistics of each financial year, from 1 April to 31 March.
        starts = [self.warmup] + [day for day, _, _ in self.later_years]
        ends = starts[1:] + [self.horizon]
        marks = [warm, *self._boundaries, end]
        years = [self.year] + [year for _, year, _ in self.later_years]
        out["years"] = [{"year": year, "period_days": stop - begin, "first_day": begin, "last_day": stop,
                         **_period(marks[i + 1], marks[i])}
                        for i, (year, begin, stop) in enumerate(zip(years, starts, ends))]
        out["months"] = self._months([(year, begin, stop, marks[i], marks[i + 1])
                                                 for i, (year, begin, stop) in enumerate(zip(years, starts, ends))])
        return out

    def ledger(self) -> dict:
        """Conservation of patients, per service and for the whole system, over the whole run."""
        services = {}
        for name, s in self.services.items():
            present = s.present()
            services[name] = {
                "arrived": s.arrived, "left": s.left, "reneged": s.reneged, "lost": s.lost,
                "in_service_end": s.in_place - s.blocked, "blocked_end": s.blocked, "corridor_end": s.corridor,
                "waiting_end": s.waiting,
                "balanced": s.arrived == s.left + s.reneged + present,
                "little_gap": s.little_gap(),
            }
        sinks, created = self.network.sinks.values(), self.context.patients.created
        entered = created + sum(s.returned for s in sinks)
        exited = sum(s.count for s in sinks)
        present = sum(s.present() for s in self.services.values())
        system = {
            "created": created, "returned": sum(s.returned for s in sinks),
            "exited": exited, "present_end": present,
            "awaiting_return": sum(s.pending for s in sinks),
            "balanced": entered == exited + present,
        }
        return {"services": services, "system": system,
                "balanced": system["balanced"] and all(v["balanced"] for v in services.values()),
                # Little's identity (place-days = patients' days in a place) to a millionth of a day per event
                "little_balanced": all(abs(v["little_gap"]) <= 1e-6 * (1 + s.arrived)
                                       for v, s in zip(services.values(), self.services.values()))}


def _period(end: dict, start: dict) -> dict:
    """The statistics of a period: each node's counters at its end less those at its start."""
    return {kind: {n: _difference(end[kind][n], start[kind][n]) for n in end[kind]} for kind in ("services", "sinks", "streams")}


#: statistics that are levels at a moment (a waiting list now), reported as they are at the end, not differenced
LEVEL_KEYS = frozenset(LEVELS) | {"pending"}


def _difference(end: dict, start: dict) -> dict:
    out = {}
    for key, value in end.items():
        if key in LEVEL_KEYS:
            out[key] = value
        elif isinstance(value, dict):
            base = start.get(key, {})
            out[key] = {k: v - base.get(k, 0) for k, v in value.items()}
        else:
            out[key] = value - start.get(key, 0)
    return out
