"""Sinks: where a journey ends (home, death, signposting...), optionally with a later return."""
from __future__ import annotations


class Sink:
    """Where a journey ends (home, death, signposting...), optionally with a later return.

    ``returns`` sends a share of the patients leaving here back into the pathway
    after a delay (30-day readmissions): probability by attribute, delay
    distribution, destination and the ``arrival_mode`` they come back with.
    """

    def __init__(self, env, name, label=None):
        self.env = env
        self.name = name
        self.label = label or name
        self.count = 0
        self.returned = 0
        self.pending = 0
        self.by_origin: dict[str, int] = {}
        self.return_probability = None

    def configure_returns(self, probability, delay, destination, arrival_mode, source, month_now=None):
        self.return_probability = probability
        self.return_delay = delay
        self.return_to = destination
        self.return_mode = arrival_mode
        self.source = source          # random numbers for who returns
        self.month_now = month_now    # the month today, for a returning patient's new episode

    def offer(self, patient, holder=None):
        if holder is not None:
            holder.depart(patient)
        self.count += 1
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
        if self.month_now is not None:
            patient.month = self.month_now()
        self.return_to.offer(patient, None)

    def snapshot(self) -> dict:
        return {"count": self.count, "returned": self.returned, "pending": self.pending, "by_origin": dict(self.by_origin)}
