"""What a service is, checked and ready to run: the engine's plain description of one setting.

:mod:`sim.engine.network` turns each ``network.services.<name>`` entry of the configuration into a
:class:`ServiceSpec` (distributions built, numbers checked and converted, limits in days), and a
:class:`~sim.engine.service.Service` is made from it.  A partitioned service gets one spec per site
or locality, differing only in ``name`` and ``capacity``.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .distributions import Distribution


@dataclass(frozen=True)
class ServiceSpec:
    """One service (or one site's instance of it).

    ``capacity`` is the number of places (None: unlimited, an infinite-server setting);
    ``queue_capacity`` the longest waiting list of patients not holding a place elsewhere (None: no
    limit; 0: a loss system); ``priority`` maps the service or stream a patient comes from to their
    priority on the waiting list (lower first; others get ``default_priority``); ``patience`` how
    long a patient waits before giving up (None: for ever).  ``crisis_reduction`` is the fraction by
    which a patient's crisis rate falls while here; ``readmission_days`` counts arrivals within that
    many days of leaving here as readmissions; ``pathway_labels`` maps a destination to the
    discharge pathway (``P0``-``P3``) a patient leaving for it takes.  ``sojourn_limits`` and
    ``wait_limits`` map a label to a time in days (``{"4h": 4 / 24}``): departures whose time here
    exceeded it, and starts whose wait was within it, are counted.  ``corridor_places`` lets a
    blocking service care for patients waiting to move on in a corridor (freeing their place for
    someone waiting) up to that many at once; ``holding_patience`` sends a patient who has waited
    that long here while holding a place upstream to the service's ``holding_renege_to``.  With
    ``route_on_start`` the next destination is chosen when service starts, so the length of stay
    may depend on it (``by: heading``).
    """

    name: str
    capacity: int | None
    los: Distribution
    group: str | None = None            # the configured service this is one site's instance of
    label: str | None = None
    blocking: bool = False
    queue_capacity: int | None = None
    priority: Mapping[str, int] = field(default_factory=dict)
    default_priority: int = 1
    patience: Distribution | None = None
    crisis_reduction: float = 0.0
    readmission_days: float | None = None
    pathway_labels: Mapping[str, str] | None = None
    sojourn_limits: Mapping[str, float] = field(default_factory=dict)
    wait_limits: Mapping[str, float] = field(default_factory=dict)
    corridor_places: float | None = None        # corridor care: None none, math.inf without limit
    holding_patience: Distribution | None = None   # how long a patient holding a place upstream waits here
    route_on_start: bool = False    # choose the next destination as service starts (stays may depend on it)


#: The fields of a :class:`ServiceSpec` a running service takes again from a new year's spec
#: (:meth:`sim.engine.service.Service.revise`); the others hold for the whole run (``capacity``
#: changes by ``set_capacity`` or the rota).
REVISABLE = ("los", "patience", "holding_patience", "priority", "default_priority", "queue_capacity",
             "crisis_reduction", "readmission_days", "pathway_labels", "corridor_places", "route_on_start")
