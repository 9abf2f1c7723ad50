"""Service nodes: finite places, a waiting list, blocking after service, statistics.

Every setting in the pathway (A&E cubicles, acute beds, community beds,
reablement places, an integrated team's caseload, single-point-of-access
coordinators, home care packages, care-home places) is one :class:`Service`
configured from data.  The rules, in the order the engine applies them when a
patient is offered to a service:

1. **A free place and nobody waiting ahead**: the patient takes the place at
   once.  If they were holding a place upstream (see *blocking*), that place
   is released at the same instant.
2. **Coming from a blocking service** (one with ``blocking: true``, such as
   acute beds): the patient stays where they are, holding that upstream place
   (a delayed discharge, or A&E boarding), and joins this service's waiting
   list.  They take the first place that frees up in their turn.  This is
   blocking after service (Type I blocking in queueing terms).
3. **Balking patients** (``balks``, e.g. planned admissions that are
   cancelled when no bed is free) and **a full waiting list**
   (``queue_capacity`` reached; ``0`` means no waiting list, as in a loss
   system): the patient is turned away (*lost*) to the service's ``overflow``
   destination.
4. Otherwise the patient joins the waiting list without holding a place
   (waiting at home, in the waiting room).  With ``patience`` set, a patient
   still waiting when their patience runs out *reneges* to ``renege_to``.
   A patient may bring their own patience from their arrival stream (a
   planned admission waits hours, not days, for a bed); it applies to the
   first place they seek and overrides the service's.

The waiting list is served in order of ``priority`` (by the node the patient
came from; lower first) and then first come, first served.  Capacity may
follow an hourly ``rota``; when it falls below the places in use nobody is
turned out, but nobody new starts until a place is free.

When service ends the patient is routed (see :mod:`sim.engine.routing`).  A blocking
service keeps the patient in their place until the next service takes them;
a non-blocking service lets them go at once.

Scheduling puts calls on SimPy's event queue (:meth:`sim.engine.clock.Clock.call_later`)
rather than running one generator process per patient: the same semantics at
a fraction of the cost (``python -m sim.bench``, ``engine_vs_simpy_ratio``).

Statistics are streamed counters and time integrals (:mod:`sim.engine.tally`).
"""
from __future__ import annotations

import heapq
import math

from .caseload import CrisisRegistry
from .clock import NORMAL
from .spec import REVISABLE, ServiceSpec
from .tally import STATISTICS, UNLIMITED, Tally


class WaitingEntry:
    """A patient on a waiting list: who, the upstream service whose place they hold while they wait
    (None when waiting at home), and whether they are still waiting (an entry whose patient gave up
    stays in the heap, no longer ``live``, until it reaches the top)."""

    __slots__ = ("holder", "live", "patient")

    def __init__(self, patient, holder):
        self.patient = patient
        self.holder = holder
        self.live = True


class Service(Tally):
    """A pathway setting with ``spec.capacity`` places and a waiting list."""

    # Some eighty attributes, more than an instance dictionary shares keys for: slots make each a fixed place.
    __slots__ = (
        "env", "spec", "name", "group", "label", "unlimited", "capacity", "base_capacity", "blocking", "caseload",
        "los", "patience", "holding_patience", "priority", "default_priority", "queue_capacity", "crisis_reduction",
        "readmission_days", "pathway_labels", "corridor_places", "route_on_start", "registry", "sojourn_limits",
        "wait_limits", "_sojourn_days", "_wait_days", "_finish_call", "router", "overflow", "renege_to",
        "holding_renege_to", "los_pressure", "discharge", "waits_without_limit", "in_place", "blocked", "waiting",
        "queued", "surge", "corridor", "_boarders", "_queue", "_seq", *STATISTICS)   # STATISTICS: Tally's

    def __init__(self, env, spec: ServiceSpec, registry: CrisisRegistry | None = None):
        self.env = env
        self.spec = spec
        self.name = spec.name
        # The configured service this is one site's (or locality's) instance of: a patient leaving
        # here comes "from" it, so priorities and origin filters name services, not instances.
        self.group = spec.group or spec.name
        self.label = spec.label or spec.name
        # No capacity (None) is an infinite-server setting: everyone starts at once.
        self.unlimited = spec.capacity is None
        self.capacity = UNLIMITED if self.unlimited else int(spec.capacity)
        self.blocking = bool(spec.blocking)
        self.caseload = registry     # the crisis registry every caseload shares (None in hand-wired tests)
        self._apply(spec)            # stays, patience, priorities, caseload effects...: those a new year revises
        self.sojourn_limits = dict(spec.sojourn_limits or {})
        self.wait_limits = dict(spec.wait_limits or {})
        self._sojourn_days = tuple(self.sojourn_limits.values())
        self._wait_days = tuple(self.wait_limits.values())
        self._finish_call = self._finish   # for the clock, bound once: a method looked up uncalled is a new object each time
        # Wired by the network builder once every node exists.
        self.router = None
        self.overflow = None
        self.renege_to = None
        self.holding_renege_to = None
        # Someone joined the list with no patience: only then can it run away (with abandonment it is stable).
        self.waits_without_limit = False
        self.los_pressure = None     # a LosUnderPressure (sim.engine.pressure), if configured
        self.discharge = None        # a DischargeTimes (sim.engine.discharge), if configured
        # State.
        self.in_place = 0     # places occupied: in service or blocked
        self.blocked = 0      # finished, holding the place until the next service takes them
        self.waiting = 0      # on the waiting list without holding a place elsewhere
        self.queued = 0       # live entries on the waiting list (waiting + blocked elsewhere)
        self.surge = 0        # escalation places open on top of the base capacity
        self.corridor = 0     # patients boarding in the corridor: finished, waiting to move on, without a place
        self._boarders = {}   # blocked patients in the order they started blocking (when a corridor may open)
        self._queue, self._seq = [], 0   # heap of (priority, sequence, WaitingEntry); the last sequence
        self._start_statistics()

    # ------------------------------------------------------------------ flow
    def offer(self, patient, holder=None):
        """A patient asks for a place; ``holder`` is the service whose place they still hold."""
        self.offered += 1
        patient.joined = now = self.env.now
        free = self.in_place < self.capacity and not self.queued
        if not free:
            if holder is not None:
                self._enqueue(patient, holder)    # counted as an arrival when they take a place
                return
            if patient.balks or self.waiting >= self.queue_capacity:
                self.lost += 1
                self.overflow.offer(patient, None)
                return
        # The arrival, counted here rather than by a call (:meth:`_count_arrival`): the commonest path.
        self.arrived += 1
        origin, by_origin = patient.origin, self.by_origin
        by_origin[origin] = by_origin.get(origin, 0) + 1
        if self.readmission_days is not None and now - patient.last_discharge <= self.readmission_days:
            self.readmissions += 1
        if free:
            self._admit(patient, holder)
        else:
            self.waiting += 1
            self._tw_waiting += now
            entry = self._enqueue(patient, None)
            patience = patient.patience or self.patience
            delay = math.inf if patience is None else patience.draw(patient)
            self.waits_without_limit |= delay == math.inf
            if delay != math.inf:
                self.env.call_later(delay, self._renege, entry)
            if self.corridor_places is not None and self._boarders:
                self._open_corridor()

    def _enqueue(self, patient, holder):
        self._seq += 1
        entry = WaitingEntry(patient, holder)
        heapq.heappush(self._queue, (self.priority.get(patient.origin, self.default_priority), self._seq, entry))
        self.queued += 1
        if holder is not None:
            delay = math.inf if self.holding_patience is None else self.holding_patience.draw(patient)
            self.waits_without_limit |= delay == math.inf
            if delay != math.inf:
                self.env.call_later(delay, self._transfer, entry)
        return entry

    def _admit(self, patient, holder):
        """Give ``patient`` a place now (reserving it before releasing any upstream place)."""
        now = self.env.now
        self.in_place += 1
        self._tw_place += now
        if holder is not None:
            holder.depart(patient)
        patient.admitted = now
        self._admitted_sum += now
        patient.entered = joined = patient.joined
        patient.origin = self.group
        patient.patience = None
        wait = now - joined
        self.started += 1
        if wait > 0:
            self.waited += 1
            self.wait_sum += wait
        if self._wait_days:
            self._judge_wait(wait, patient.arrival_mode)
        if self.registry is not None:
            self.registry.add(patient, self.crisis_reduction)
        if self.route_on_start:
            self._decide(patient)
        stay = self.los.draw(patient)
        if patient.longer_stay is not None and patient.longer_stay[0] == self.group:
            stay *= patient.longer_stay[1]     # back sicker (a sink's returns): this stay only
            patient.longer_stay = None
        if self.los_pressure is not None:
            stay = self.los_pressure.adjust(stay)
        env, at = self.env, now + stay    # env.call_later(stay, self._finish_call, patient) without the call: every stay
        heapq.heappush(env.queue if at < env.near_end else env.later, (at, NORMAL, next(env.sequence), self._finish_call, patient))

    def _finish(self, patient):
        """Service is over (medically fit): choose where next, then leave, at once or at a discharge time."""
        self.finished += 1
        now = patient.finished = self.env.now
        destination = patient.next_node if self.route_on_start else self.router.choose(patient)
        if self.pathway_labels is not None:
            patient.pathway = self.pathway_labels.get(destination.name, patient.pathway)
        if self._sojourn_days:
            patient.heading = destination.name
        patient.next_node = destination   # for _release, at once or at the discharge time: no tuple to pack
        discharge = self.discharge
        if discharge is not None and destination.name not in discharge.exempt and now - patient.admitted >= discharge.short_stay:
            leave = discharge.time(now)
            before_noon, weekend = discharge.when(leave)
            self.discharged_timed += 1
            self.discharged_before_noon += before_noon
            self.discharged_weekend += weekend
            if leave > now:
                self.discharge_wait_sum += leave - now
                self.env.call_later(leave - now, self._release, patient)
                return
        if self.blocking:
            self._release(patient)
        else:                        # _release's other half, without the call: the commonest path
            self.depart(patient)
            destination.offer(patient, None)

    def _release(self, patient):
        """Hand the patient on to ``patient.next_node``: a blocking service keeps them in their place
        until the next takes them."""
        destination = patient.next_node
        if self.blocking:
            patient.finished = now = self.env.now
            self.blocked += 1
            self._tw_blocked += now
            if self.corridor_places is None:
                destination.offer(patient, self)
                return
            self._boarders[patient] = None
            destination.offer(patient, self)
            if self.waiting and patient in self._boarders:
                self._open_corridor()
        else:
            self.depart(patient)
            destination.offer(patient, None)

    def depart(self, patient):
        """``patient`` leaves their place here (called by the node that takes them)."""
        now = self.env.now
        self.left += 1
        if patient.in_corridor:
            patient.in_corridor = False
            self.corridor -= 1
            self._tw_corridor -= now
            if self.waiting and self._boarders:
                self._open_corridor()      # a corridor at its limit has room again
        else:
            self.in_place -= 1
            self._tw_place -= now
            # Tally._left_place without the call (every departure): place time, and a zero-day stay
            admitted, mode, left = patient.admitted, patient.arrival_mode, self.left_by_mode
            self.place_sum += now - admitted
            self._admitted_sum -= admitted
            left[mode] = left.get(mode, 0) + 1
            if int(now) == int(admitted):
                self.same_day += 1
                self.same_day_by_mode[mode] = self.same_day_by_mode.get(mode, 0) + 1
            if self.blocking:
                self.blocked -= 1
                self._tw_blocked -= now
                if self._boarders:
                    self._boarders.pop(patient, None)
        if self.blocking:
            delay = now - patient.finished
            if delay > 0:
                self.blocked_n += 1
                self.blocked_sum += delay
        sojourn = now - patient.entered
        self.sojourn_sum += sojourn
        if self._sojourn_days:
            self._judge_sojourn(sojourn, patient.heading)
        if self.readmission_days is not None:
            patient.last_discharge = now
        if patient.registered:
            self.caseload.remove(patient)
        if self.queued and self.in_place < self.capacity:
            self._pull()

    def _open_corridor(self):
        """Corridor care: while patients wait for a place held by a patient who is only waiting to move
        on, the longest-waiting such patient is cared for in the corridor and their place is freed."""
        while self.waiting and self._boarders and self.corridor < self.corridor_places and self.in_place <= self.capacity:
            patient = next(iter(self._boarders))
            del self._boarders[patient]
            now = self.env.now
            self.in_place -= 1
            self._tw_place -= now
            self.blocked -= 1
            self._tw_blocked -= now
            self._left_place(patient, now)
            patient.in_corridor = True
            self.corridor += 1
            self._tw_corridor += now
            self.corridor_moves += 1
            self._pull()

    def _pull(self):
        """Fill free places from the waiting list."""
        queue = self._queue
        while self.in_place < self.capacity and self.queued:
            entry = heapq.heappop(queue)[2]
            if not entry.live:
                continue  # reneged
            entry.live = False
            self.queued -= 1
            patient, holder = entry.patient, entry.holder
            if holder is None:
                self.waiting -= 1
                self._tw_waiting -= self.env.now
            else:
                self._count_arrival(patient)
            self._admit(patient, holder)

    def _renege(self, entry):
        if not entry.live:
            return
        entry.live = False
        self.queued -= 1
        self.waiting -= 1
        self._tw_waiting -= self.env.now
        self.reneged += 1
        destination = entry.patient.renege_to or self.renege_to
        if self._sojourn_days:
            self._judge_sojourn(self.env.now - entry.patient.joined, destination.name)
        destination.offer(entry.patient, None)

    def _transfer(self, entry):
        """A patient holding a place upstream gave up waiting: to ``holding_renege_to``, holding that place meanwhile."""
        if not entry.live:
            return
        entry.live = False
        self.queued -= 1
        self.transferred += 1
        self.holding_renege_to.offer(entry.patient, entry.holder)

    def revise(self, spec: ServiceSpec) -> None:
        """A new year's settings (a continuous multi-year run): stays, patience, priorities and caseload
        effects from now on; patients already here keep what they started with.  Capacity is set by
        :meth:`set_capacity` (or the rota)."""
        self._apply(spec)

    def _apply(self, spec: ServiceSpec) -> None:
        """Take the spec's :data:`~sim.engine.spec.REVISABLE` settings (as the engine holds them)."""
        self.spec = spec
        for name in REVISABLE:
            setattr(self, name, getattr(spec, name))
        self.priority = dict(spec.priority or {})
        self.queue_capacity = float("inf") if spec.queue_capacity is None else int(spec.queue_capacity)
        self.pathway_labels = spec.pathway_labels or None
        self.registry = self.caseload if spec.crisis_reduction else None   # when this service reduces crises

    def set_capacity(self, capacity):
        """Change the number of base places (a rota); escalation places stay; nobody is turned out."""
        capacity += self.surge
        self._tw_capacity += (capacity - self.capacity) * self.env.now
        self.capacity = capacity
        self._pull()

    def set_surge(self, places):
        """Open (or close) escalation places on top of the base capacity; nobody is turned out."""
        now, change = self.env.now, places - self.surge
        self._tw_surge += change * now
        self._tw_capacity += change * now
        self.surge, self.capacity = places, self.capacity + change
        self._pull()

    # -------------------------------------------------------- initial state
    def seed_patient(self, patient, waiting=False):
        """Place a patient here at time zero: in service with a residual stay, or waiting."""
        patient.origin = "initial"
        self._count_arrival(patient)
        now = self.env.now
        if waiting:
            self.waiting += 1
            self._tw_waiting += now
            self._enqueue(patient, None)
            return
        self.in_place += 1
        self._tw_place += now
        patient.admitted = now
        self._admitted_sum += now
        self.started += 1
        if self.registry is not None:
            self.registry.add(patient, self.crisis_reduction)
        patient.origin = self.group
        if self.route_on_start:
            self._decide(patient)
        self.env.call_later(self.los.residual(patient), self._finish_call, patient)

    def _decide(self, patient):
        """Choose the next destination as the patient starts (``route_on_start``): their stay may depend on it (``by: heading``)."""
        patient.next_node = destination = self.router.choose(patient)
        patient.heading = destination.name

