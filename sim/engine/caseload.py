"""Who is on a caseload now, so crisis arrivals of people on it can be averted."""
from __future__ import annotations


class CrisisRegistry:
    """Who is on a caseload now, by (locality, age band, risk tier, care-home residence).

    A service with ``crisis_reduction: f`` registers the patients it holds;
    an arrival from a crisis stream in a cell of the population is averted
    with probability (sum of f over that cell's registered patients) / (people
    in the cell): exactly the thinning of the cell's Poisson process that
    lowers each registered person's crisis rate by the factor f.
    """

    def __init__(self):
        self.mass: dict[tuple, float] = {}

    def add(self, patient, reduction):
        """Register ``patient`` with their caseload's reduction (kept on the patient, so the same amount
        is removed when they leave even if the service's reduction has changed meanwhile)."""
        key = (patient.locality, patient.age_band, patient.risk_tier, patient.care_home)
        self.mass[key] = self.mass.get(key, 0.0) + reduction
        patient.registered = reduction

    def remove(self, patient):
        key = (patient.locality, patient.age_band, patient.risk_tier, patient.care_home)
        self.mass[key] -= patient.registered
        patient.registered = 0.0
