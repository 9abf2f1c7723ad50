"""An optional per-patient event log (``run.event_log=true``), written as ``events.parquet``.

Statistics are streamed (:mod:`sim.engine.service`); nothing per patient is kept unless a planner asks for
it.  With the log on, the network is built of :class:`LoggedService` and :class:`LoggedSink` nodes, which
record every step of every patient as ``(replication, time, patient, node, event)`` with ``event`` one of:

* ``offered`` -- asked for a place (``node`` is the service);
* ``start`` -- took a place;
* ``finish`` -- finished service (a blocking service may hold them until the next place frees);
* ``leave`` -- gave up the place;
* ``renege`` -- left the waiting list, patience exhausted;
* ``exit`` -- reached a sink (home, death, ...).

The logging nodes are subclasses chosen when the network is built, so an ordinary run's nodes have no
test of whether to log and pay nothing for it.
"""
from __future__ import annotations

import pandas as pd

from .service import Service
from .sink import Sink

COLUMNS = ["replication", "time", "patient", "node", "event"]


class EventLog:
    """Collects the events the logging nodes of one replication record."""

    def __init__(self, env, replication: int):
        self.env = env
        self.replication = replication
        self.rows: list[tuple] = []

    def record(self, patient, node, event: str) -> None:
        self.rows.append((self.replication, self.env.now, patient.id, node.name, event))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=COLUMNS)


class LoggedService(Service):
    """A :class:`~sim.engine.service.Service` that records each step of each patient in ``log``."""

    __slots__ = ("log",)

    def __init__(self, log: EventLog, env, spec, registry=None):
        self.log = log
        super().__init__(env, spec, registry)

    def offer(self, patient, holder=None):
        self.log.record(patient, self, "offered")
        super().offer(patient, holder)

    def _admit(self, patient, holder):
        self.log.record(patient, self, "start")
        super()._admit(patient, holder)

    def _finish(self, patient):
        self.log.record(patient, self, "finish")
        super()._finish(patient)

    def depart(self, patient):
        self.log.record(patient, self, "leave")
        super().depart(patient)

    def _renege(self, entry):
        if entry.live:                                 # still waiting: this renege takes effect
            self.log.record(entry.patient, self, "renege")
        super()._renege(entry)


class LoggedSink(Sink):
    """A :class:`~sim.engine.sink.Sink` that records each patient reaching it in ``log``."""

    def __init__(self, log: EventLog, env, name, label=None):
        self.log = log
        super().__init__(env, name, label)

    def offer(self, patient, holder=None):
        self.log.record(patient, self, "exit")
        super().offer(patient, holder)
