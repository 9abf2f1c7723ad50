"""What every node of one replication shares: the clock, random numbers, the population."""
from __future__ import annotations

from dataclasses import dataclass

from .calendar import Calendar
from .caseload import CrisisRegistry
from .clock import Clock
from .patient import Patients
from .population import Population
from .randomness import RandomSources


@dataclass
class Context:
    """The shared state of one replication, handed to the network builder and the arrival streams.

    ``horizon`` is the run's length in days (warm-up included).
    """

    env: Clock
    random: RandomSources
    registry: CrisisRegistry
    patients: Patients
    population: Population
    calendar: Calendar
    horizon: float
