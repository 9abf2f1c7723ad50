"""The patient: the entity that moves through the pathway."""
from __future__ import annotations


class Patient:
    """One person's journey through the pathway.

    Attributes that routing tables and length-of-stay tables may key on
    (``by:`` in config) are strings: ``age_band``, ``locality``, ``site`` (the
    acute site they use, drawn from their area's catchment shares), ``place``
    (their home place, whose community, intermediate and social care they use;
    ``outside`` for people from outside the footprint), ``risk_tier``,
    ``care_home`` (``resident`` or ``community``),
    ``arrival_mode`` (set by the arrival stream, e.g. ``ambulance``) and
    ``pathway`` (the discharge pathway ``P0``-``P3`` once discharged from a
    service that labels it; ``none`` before) and ``month`` (``jan``... the month
    the patient's current episode began: their arrival, or their return); and,
    at a service that chooses the next destination as service starts
    (``route_on_start``), ``heading``: that destination's name.

    The remaining fields are bookkeeping for the service the patient is in.
    """

    __slots__ = (
        "admitted",
        "age_band",
        "arrival_mode",
        "balks",
        "care_home",
        "entered",
        "finished",
        "first_arrival",
        "heading",
        "id",
        "in_corridor",
        "joined",
        "last_discharge",
        "locality",
        "longer_stay",
        "month",
        "next_node",
        "origin",
        "pathway",
        "patience",
        "place",
        "registered",
        "renege_to",
        "risk_tier",
        "site",
    )

    def __init__(self, pid, age_band, locality, site, risk_tier, care_home, arrival_mode, origin, now, balks=False,
                 place=None, patience=None, renege_to=None):
        self.id = pid
        self.age_band = age_band
        self.locality = locality
        self.site = site
        self.place = site if place is None else place   # a place of one site: its services are the site's
        self.risk_tier = risk_tier
        self.care_home = care_home
        self.arrival_mode = arrival_mode
        self.pathway = "none"
        self.balks = balks          # leaves at once, instead of queueing, if no place is free
        self.patience = patience    # how long they will wait for their first place (a distribution), if limited
        self.renege_to = renege_to  # where they go when that patience runs out
        self.origin = origin        # the stream or service the patient last came from
        self.joined = now           # when the patient joined the service now being sought
        self.entered = now          # when the patient arrived at the service now occupied
        self.admitted = now         # when the patient took the place now held
        self.finished = now         # when the patient finished service (start of any blocking)
        self.last_discharge = -1e18  # when the patient last left a service that counts readmissions
        self.first_arrival = now    # when the current episode of care began
        self.month = None           # the month it began (set by the factory and on a return)
        self.next_node = None       # the next destination, when a service chooses it as service starts
        self.heading = None         # where the patient is going next (set where sojourns are judged by destination)
        self.in_corridor = False    # boarding in a corridor: finished, waiting to move on, without a place
        self.longer_stay = None     # (service, factor): their next stay there is longer (back sicker, sim.engine.sink)
        self.registered = 0.0       # the crisis reduction of the caseload the patient is on (sim.engine.caseload)

    def __repr__(self):
        return f"Patient({self.id}, {self.age_band}, {self.locality}, {self.risk_tier}, {self.arrival_mode})"


class Patients:
    """Makes the patients of one replication, numbered in the order they are created."""

    def __init__(self, env, site_of: dict[str, str], months: list[str] | None = None):
        self.env = env
        self.site_of = site_of        # locality -> the acute site its residents use, where there is one
        self.months = months or []    # the month of each day of the run
        self.created = 0

    def new(self, age_band, locality, risk_tier, care_home, arrival_mode, origin, balks=False, site=None,
            place=None) -> Patient:
        """A new patient arriving now; ``site`` defaults to their locality's one site, ``place`` to the site's."""
        self.created += 1
        patient = Patient(self.created, age_band, locality, self.site_of[locality] if site is None else site, risk_tier,
                          care_home, arrival_mode, origin, self.env.now, balks, place)   # positional: a keyword costs a dict a call
        patient.month = self.month_now()
        return patient

    def month_now(self) -> str | None:
        day = int(self.env.now)
        return self.months[day] if day < len(self.months) else None
