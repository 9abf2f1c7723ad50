"""An optional per-patient event log (``run.event_log=true``), written as ``events.parquet``.

Statistics are streamed (:mod:`sim.engine.service`); nothing per patient is kept unless a planner asks for
it.  With the log on, the model wraps each service's and sink's entry points so every step of every
patient is recorded as ``(replication, time, patient, node, event)`` with ``event`` one of:

* ``offered`` -- asked for a place (``node`` is the service);
* ``start`` -- took a place;
* ``finish`` -- finished service (a blocking service may hold them until the next place frees);
* ``leave`` -- gave up the place;
* ``renege`` -- left the waiting list, patience exhausted;
* ``exit`` -- reached a sink (home, death, ...).

The wrapping happens only when the log is on, so an ordinary run pays nothing for it.
"""
from __future__ import annotations

import pandas as pd

COLUMNS = ["replication", "time", "patient", "node", "event"]


class EventLog:
    """Collects events from the services and sinks it is attached to."""

    def __init__(self, env, replication: int):
        self.env = env
        self.replication = replication
        self.rows: list[tuple] = []

    def _wrap(self, node, method: str, event: str, patient_of):
        original = getattr(node, method)
        rows, env, name, replication = self.rows, self.env, node.name, self.replication

        def logged(*args, **kwargs):
            rows.append((replication, env.now, patient_of(args).id, name, event))
            return original(*args, **kwargs)
        setattr(node, method, logged)

    def attach_service(self, service) -> None:
        first = lambda args: args[0]
        self._wrap(service, "offer", "offered", first)
        self._wrap(service, "_admit", "start", first)
        self._wrap(service, "depart", "leave", first)
        self._wrap(service, "_finish", "finish", first)
        service._finish_call = service._finish        # what the clock calls when a stay ends: the logged one
        original_renege = service._renege
        rows, env, name, replication = self.rows, self.env, service.name, self.replication

        def renege(entry):
            if entry.live:                                 # still waiting: this renege takes effect
                rows.append((replication, env.now, entry.patient.id, name, "renege"))
            return original_renege(entry)
        service._renege = renege

    def attach_sink(self, sink) -> None:
        self._wrap(sink, "offer", "exit", lambda args: args[0])

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=COLUMNS)
