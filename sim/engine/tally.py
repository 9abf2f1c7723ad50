"""What a service counts: monotone counters, time integrals of its levels, and levels at a moment.

Statistics are streamed, never per-patient lists: counters and time integrals that only grow.  The
model snapshots them at the end of warm-up (and at each 1 April of a multi-year run) and reports
the difference, so warm-up needs no resetting and the whole-run totals remain for the conservation
ledger.  A time integral of a level (places in use, blocked, waiting, capacity, escalation places,
corridor patients) is kept as ``level x now - sum(t x change)``: each change adds one term for the
level that changed, so no other level needs touching.  :class:`Tally` is the part of
:class:`~sim.engine.service.Service` that keeps and reports them.
"""
from __future__ import annotations

import math

import numpy as np

COUNTERS = (
    "offered", "arrived", "lost", "reneged", "started", "finished", "left", "readmissions",
    "wait_sum", "waited", "blocked_sum", "blocked_n", "sojourn_sum", "place_sum", "same_day",
    # responses to pressure (sim.engine.pressure) and corridor care, transfers, discharge times
    "corridor_moves", "transferred", "redirected", "los_shortened", "los_saved_sum", "discharge_wait_sum",
    "discharged_timed", "discharged_before_noon", "discharged_weekend",
)
UNLIMITED = 2 ** 62   # places of an uncapacitated service: more than any run can fill
AREAS = ("area_place", "area_blocked", "area_waiting", "area_capacity", "area_surge", "area_corridor")
#: levels at the moment of a snapshot (not differenced over the results period)
LEVELS = ("queued_end", "waiting_end", "surge_end", "corridor_end")
#: every statistic a service keeps (its slots: sim.engine.service.Service): the counters, sum(t x change) of
#: each level, the admission times of the patients in a place now, and the counts by limit, destination,
#: arrival mode and origin
STATISTICS = (*COUNTERS, "_tw_place", "_tw_blocked", "_tw_waiting", "_tw_capacity", "_tw_surge", "_tw_corridor",
              "_admitted_sum", "sojourn_over", "sojourn_n", "sojourn_to", "wait_within", "wait_by_mode", "by_origin",
              "left_by_mode", "same_day_by_mode")


class Tally:
    """The statistics half of a service (mixed into :class:`~sim.engine.service.Service`)."""

    __slots__ = ()   # the attributes are the service's (Service.__slots__, STATISTICS among them)

    def _start_statistics(self):
        """Every statistic at zero (the service's ``sojourn_limits`` and ``wait_limits`` set)."""
        # sum(t x change) of each level, for its time integral (see module docstring).
        self._tw_place = self._tw_blocked = self._tw_waiting = self._tw_capacity = 0.0
        self._tw_surge = self._tw_corridor = 0.0
        self._admitted_sum = 0.0   # sum of the admission times of the patients in a place now
        # Monotone statistics (see COUNTERS).
        for counter in COUNTERS:
            setattr(self, counter, 0.0 if counter.endswith("_sum") else 0)
        self.sojourn_over = [0] * len(self.sojourn_limits)
        self.sojourn_n = 0    # sojourns judged against the limits: departures and patients who gave up waiting
        self.sojourn_to: dict[str, list] = {}   # per destination: [sojourns, over each limit...]
        self.wait_within = [0] * len(self.wait_limits)
        self.wait_by_mode: dict[str, list] = {}   # per arrival mode: [starts, wait_sum, within each wait limit...]
        self.by_origin: dict[str, int] = {}
        self.left_by_mode: dict[str, int] = {}       # patients who left a place, by arrival mode
        self.same_day_by_mode: dict[str, int] = {}   # ... of whom left on the day they took it

    def _count_arrival(self, patient):
        """An arrival: a patient who takes a place or joins the waiting list (not one turned away), by the
        node they came from, and whether they are back within ``readmission_days`` of leaving."""
        self.arrived += 1
        origin = patient.origin
        self.by_origin[origin] = self.by_origin.get(origin, 0) + 1
        if self.readmission_days is not None and self.env.now - patient.last_discharge <= self.readmission_days:
            self.readmissions += 1

    def _left_place(self, patient, now):
        """Place time of a patient giving up their place (leaving, or moved to the corridor), and whether
        they left on the calendar day they took it (day 0 starts at midnight): a zero-day stay."""
        admitted, mode, left = patient.admitted, patient.arrival_mode, self.left_by_mode
        self.place_sum += now - admitted
        self._admitted_sum -= admitted
        left[mode] = left.get(mode, 0) + 1
        if int(now) == int(admitted):
            self.same_day += 1
            self.same_day_by_mode[mode] = self.same_day_by_mode.get(mode, 0) + 1

    def _judge_sojourn(self, sojourn, heading):
        """Count a sojourn against the limits (4 hours in A&E...), in all and by where the patient went."""
        self.sojourn_n += 1
        counts = self.sojourn_to.get(heading)
        if counts is None:
            counts = self.sojourn_to[heading] = [0] * (1 + len(self._sojourn_days))
        counts[0] += 1
        for i, limit in enumerate(self._sojourn_days):
            if sojourn > limit:
                self.sojourn_over[i] += 1
                counts[i + 1] += 1

    def _judge_wait(self, wait, mode):
        """Count a wait for a place against the wait limits (2 hours for rapid response, an hour for an
        ambulance handover...), in all and by the patient's arrival mode, with its length."""
        counts = self.wait_by_mode.get(mode)
        if counts is None:
            counts = self.wait_by_mode[mode] = [0, 0.0] + [0] * len(self._wait_days)
        counts[0] += 1
        counts[1] += wait
        for i, limit in enumerate(self._wait_days):
            if wait <= limit:
                self.wait_within[i] += 1
                counts[i + 2] += 1

    def areas(self) -> tuple[float, ...]:
        """Time integrals so far of places in use, blocked places, waiting list, capacity, escalation
        places and corridor patients (in the order of ``AREAS``)."""
        place, blocked, waiting, surge, corridor = self.daily_areas()
        capacity = math.nan if self.unlimited else self.capacity * self.env.now - self._tw_capacity
        return place, blocked, waiting, round_area(capacity) if capacity else capacity, surge, corridor

    def daily_areas(self) -> tuple[float, ...]:
        """The time integrals the model records every day: places in use, blocked places, waiting list,
        escalation places and corridor patients (``AREAS`` but capacity)."""
        now = self.env.now
        place, blocked = self.in_place * now - self._tw_place, self.blocked * now - self._tw_blocked
        waiting, surge = self.waiting * now - self._tw_waiting, self.surge * now - self._tw_surge
        corridor = self.corridor * now - self._tw_corridor
        # Rounded to a millionth of a day: the sums cancel exactly in theory, not in floating point.  A zero
        # is left as it is (rounding keeps it): most services never block, escalate or open a corridor.
        # Rounding is most of the cost of a day's record.
        return (round_area(place) if place else place, round_area(blocked) if blocked else blocked,
                round_area(waiting) if waiting else waiting, round_area(surge) if surge else surge,
                round_area(corridor) if corridor else corridor)

    def snapshot(self) -> dict:
        """All monotone statistics now, time integrals included."""
        snap = {c: getattr(self, c) for c in COUNTERS}
        snap.update(zip(AREAS, self.areas()))
        snap["sojourn_n"] = self.sojourn_n
        if self.sojourn_to:
            labels = ["n"] + [f"over_{label}" for label in self.sojourn_limits]
            snap["sojourn_to"] = {f"{dest}|{label}": n for dest, counts in self.sojourn_to.items()
                                  for label, n in zip(labels, counts)}
        snap.update(zip(LEVELS, (self.queued, self.waiting, self.surge, self.corridor)))
        for label, n in zip(self.sojourn_limits, self.sojourn_over):
            snap[f"over_{label}"] = n
        for label, n in zip(self.wait_limits, self.wait_within):
            snap[f"wait_within_{label}"] = n
        if self.wait_by_mode:
            labels = ["started", "wait_sum"] + [f"wait_within_{label}" for label in self.wait_limits]
            snap["wait_by_mode"] = {f"{mode}|{label}": n for mode, counts in self.wait_by_mode.items()
                                    for label, n in zip(labels, counts)}
        snap["by_origin"] = dict(self.by_origin)
        snap["left_by_mode"] = dict(self.left_by_mode)
        snap["same_day_by_mode"] = dict(self.same_day_by_mode)
        return snap

    def little_gap(self) -> float:
        """Little's identity over the run so far: the time integral of places in use minus the sum,
        over every patient who has held a place, of the time they held it (to now for those still
        here).  Zero up to rounding when the level and the patients agree."""
        now = self.env.now
        held = self.place_sum + self.in_place * now - self._admitted_sum
        return self.areas()[0] - held

    def present(self) -> int:
        """Patients here now: in a place (serving or blocked), in the corridor or on the waiting list."""
        return self.in_place + self.corridor + self.waiting


def round_area(value: float) -> float:
    """``round(value, 6)``, the same to the last bit, without numpy's cost for a numpy float.

    A time integral is a numpy float once its level has changed at a time numpy computed (a rota's
    change times are), and ``round`` of a numpy float is numpy's rounding: scale by a million, round
    half to even, scale back, about ten microseconds a call through numpy's array machinery.  The same
    three steps on a Python float give the same bits (a zero keeps its sign, as numpy's does) in a tenth
    of the time, returned as the numpy float numpy would give; a Python float keeps Python's rounding.
    """
    if value.__class__ is float:
        return round(value, 6)
    scaled = float(value) * 1e6
    whole = round(scaled)       # half to even, as numpy's rint
    return np.float64(whole / 1e6 if whole else math.copysign(0.0, scaled))
