"""Demand: arrival streams as non-homogeneous Poisson processes.

A stream in the network config::

    ae_ambulance:
      to: ae                         # a destination or a routing spec (sim.engine.routing)
      arrival_mode: ambulance        # the patient's arrival_mode
      rate_per_1000: {age_0_17: 38, ...}   # annual rate per 1,000 residents by age band
      # or by area: {by_locality: {north: {age_0_17: 38, ...}, ...}}
      # or rate_per_day: 12.5        # an absolute rate, people drawn from the place's residents
      profile:                       # relative factors, each averaging 1
        hours: [24 numbers]
        days: {mon: 1.12, tue: 0.98, ...}
        months: {jan: 0.98, ...}
        sinusoid: {amplitude: 0.5, period_days: 7}   # 1 + a sin(2 pi t / period)
      crisis: true                   # thinned for people on a caseload (CrisisRegistry)
      balks: false                   # turned away, not queued, when no place is free
      patience: {dist: uniform, low: 0, high: 0.5}   # how long they wait for their first place ...
      renege_to: cancelled                            # ... and where they go if it runs out
      care_home_rate_ratio: 4.0      # care-home residents' rate relative to others of their age
      risk_rate_ratio: {low: .., medium: .., high: ..}   # default: place.risk.rate_ratio
      cohort: {age_band: [..], risk_tier: [high], care_home: [resident]}
                                     # arrivals only from this cohort; rate_per_1000 is then per 1,000
                                     # people of the age band who are in the cohort

The intensity is ``rate x hours[h] x days[d] x months[m] x (1 + a sin(2 pi t/P))``:
arrivals are generated a week at a time by thinning a homogeneous Poisson
process at the peak rate (exact for this intensity), vectorised in numpy;
the person behind each arrival (locality and age band in proportion to
population x rate, then risk tier and care-home residence) is drawn at the
same time.  Only the next arrival of each stream sits on the event queue.

Where a place has catchments (:mod:`sim.engine.catchment`), each arrival's acute site is drawn
from their area's shares with the stream's own random source (``site:<stream>``), so scenarios
keep common random numbers; their home place is their area's.  People of areas outside the
footprint arrive only in streams whose rates name their area (``by_locality``).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from heapq import heappush
from typing import Any

import numpy as np

from ..common.checks import number, shares
from ..common.errors import ConfigError
from .calendar import DAYS, MONTHS
from .clock import NORMAL
from .context import Context
from .patient import Patient
from .population import AGE_BANDS, CARE_HOME, RISK_TIERS, cohort

CHUNK_DAYS = 7.0


def _profile_vector(spec, keys, where):
    if spec is None:
        return np.ones(len(keys))
    if isinstance(spec, Mapping):
        values = shares(spec, keys, where, total=None)
    else:
        values = np.asarray(list(spec), dtype=float)
        if values.shape != (len(keys),) or not np.isfinite(values).all() or (values < 0).any():
            raise ConfigError(where, list(spec), f"{len(keys)} non-negative numbers")
    if values.mean() <= 0:
        raise ConfigError(where, values.tolist(), "factors with a positive mean")
    return values / values.mean()


class ArrivalStream:
    """One demand stream: generates arrivals and offers each patient to its first destination."""

    def __init__(self, context: Context, name: str, spec: Mapping[str, Any], trend: float = 1.0):
        where = f"network.streams.{name}"
        population, calendar = context.population, context.calendar
        self.env = context.env
        self.registry = context.registry
        self.patients = context.patients
        self.name = name
        self.arrival_mode = str(spec.get("arrival_mode", name))
        self.crisis = bool(spec.get("crisis", False))
        self.balks = bool(spec.get("balks", False))
        self.population = population
        self.rng = context.random.generator(f"arrivals:{name}")
        self.catchment = population.catchment
        self.home_of = population.home_of
        # the acute site of each arrival, where an area's people use more than one (sim.engine.catchment)
        self.site_rng = context.random.generator(f"site:{name}") if self.catchment.drawn else None
        self.avert_source = context.random[f"avert:{name}"]
        self.horizon = float(context.horizon)
        # Arrivals are generated up to `limit`: the horizon, or in a multi-year run the next 1 April,
        # where the stream pauses until the new year's rates arrive (revise).
        self.limit = self.horizon

        people = population.people                       # (L, A)
        members = cohort(spec.get("cohort"), f"{where}.cohort")
        in_risk = np.array([[t in members["risk_tier"] for t in RISK_TIERS]], dtype=float)       # (1, 3)
        in_age = np.array([a in members["age_band"] for a in AGE_BANDS], dtype=float)            # (A,)
        share = population.care_home_share
        residents, others = "resident" in members["care_home"], "community" in members["care_home"]
        # Share of each age band inside the cohort (risk tiers and residence taken as independent).
        cohort_share = in_age * (population.risk_prevalence * in_risk).sum(axis=1) * (share * residents + (1 - share) * others)
        people = people * cohort_share
        if "rate_per_1000" in spec and "rate_per_day" in spec:
            raise ConfigError(where, "rate_per_1000 and rate_per_day", "one of rate_per_1000 or rate_per_day")
        if "rate_per_1000" in spec:
            annual = _rates_per_1000(spec["rate_per_1000"], population, f"{where}.rate_per_1000")
            weights = people * annual * trend / 1000.0 / 365.0   # arrivals per day by cell
        elif "rate_per_day" in spec:
            lam = number(spec["rate_per_day"], f"{where}.rate_per_day", low=0.0,
                         allowed="a non-negative finite number of arrivals per day")
            people = people * population.resident[:, None]          # the place's own residents
            weights = people / people.sum() * float(lam) * trend if people.sum() > 0 else people * 0.0
        else:
            raise ConfigError(where, sorted(spec), "rate_per_1000 (by age band) or rate_per_day")
        weights = weights * population.catchment.generated[:, None]   # outside areas: only what comes in
        self.rate_per_day = float(weights.sum())
        if not math.isfinite(self.rate_per_day):
            raise ConfigError(where, self.rate_per_day, "a finite arrival rate")
        self.cell_p = (weights / self.rate_per_day).ravel() if self.rate_per_day > 0 else None

        ratio = spec.get("risk_rate_ratio")
        risk_ratio = population.risk_rate_ratio if ratio is None else shares(ratio, RISK_TIERS, f"{where}.risk_rate_ratio", total=None)
        tier_w = population.risk_prevalence * risk_ratio * in_risk  # (A, 3)
        totals = tier_w.sum(axis=1, keepdims=True)
        self.tier_cum = np.cumsum(np.divide(tier_w, totals, out=np.full_like(tier_w, 1 / 3), where=totals > 0), axis=1)
        self.tier_cum[:, -1] = np.inf  # rounding must never push a draw past the last tier
        ch_ratio = number(spec.get("care_home_rate_ratio", 1.0), f"{where}.care_home_rate_ratio", low=0.0,
                          allowed="a non-negative number")
        mixed = share * ch_ratio / np.maximum(share * ch_ratio + (1 - share), 1e-300)
        self.care_home_p = mixed if residents and others else np.full(len(AGE_BANDS), 1.0 if residents else 0.0)

        profile = spec.get("profile") or {}
        unknown = sorted(set(profile) - {"hours", "days", "months", "sinusoid"})
        if unknown:
            raise ConfigError(f"{where}.profile.{unknown[0]}", profile[unknown[0]], "one of hours, days, months, sinusoid")
        hours = _profile_vector(profile.get("hours"), range(24), f"{where}.profile.hours")
        days = _profile_vector(profile.get("days"), DAYS, f"{where}.profile.days")
        months = _profile_vector(profile.get("months"), MONTHS, f"{where}.profile.months")
        n_hours = math.ceil(self.horizon * 24) + 24
        h, d, m = calendar.hourly(n_hours)
        self.hourly = hours[h] * days[d] * months[m]
        sinusoid = profile.get("sinusoid")
        if sinusoid:
            self.amplitude = float(sinusoid.get("amplitude", 0.0))
            self.period = float(sinusoid.get("period_days", 1.0))
            if not 0 <= self.amplitude <= 1:
                raise ConfigError(f"{where}.profile.sinusoid.amplitude", self.amplitude, "a number in [0, 1]")
            if self.period <= 0:
                raise ConfigError(f"{where}.profile.sinusoid.period_days", self.period, "a number > 0")
        else:
            self.amplitude, self.period = 0.0, 1.0
        self.peak = float(self.hourly.max()) * (1.0 + self.amplitude)

        self._arrive_call = self._arrive    # bound once for the clock (see Service._finish_call)
        self.router = None      # wired by the network builder
        self.patience = None    # wired by the network builder (a distribution) with renege_to
        self.renege_to = None
        self.generated = 0      # arrivals generated (before thinning)
        self.averted = 0        # crisis arrivals averted by a caseload
        self._chunk_end = 0.0
        self._times: list = []
        self._people: list = []   # (locality, age band, risk tier, residence) of each arrival in the chunk
        self._sites: list | None = None   # the site of each, when drawn
        self._i = 0
        # Attribute names by index, so a chunk's arrivals are labelled in one vectorised step.
        self._locality_names = np.array(population.localities, dtype=object)
        self._age_names = np.array(AGE_BANDS, dtype=object)
        self._tier_names = np.array(RISK_TIERS, dtype=object)
        self._home_names = np.array(CARE_HOME, dtype=object)

    def intensity(self, t):
        """Arrivals per day at time(s) ``t`` (vectorised)."""
        t = np.asarray(t, dtype=float)
        factor = self.hourly[(t * 24).astype(int)]
        if self.amplitude:
            factor = factor * (1.0 + self.amplitude * np.sin(2 * np.pi * t / self.period))
        return self.rate_per_day * factor

    def _generate(self):
        """Generate the next chunk of arrivals (thinning at the peak rate)."""
        t0 = self._chunk_end
        t1 = min(t0 + CHUNK_DAYS, self.limit)
        self._chunk_end = t1
        rng = self.rng
        n = rng.poisson(self.rate_per_day * self.peak * (t1 - t0))
        times = np.sort(rng.uniform(t0, t1, n))
        keep = rng.random(n) * self.rate_per_day * self.peak < self.intensity(times)
        times = times[keep]
        self._times = times.tolist()
        cells = choose_cells(rng, self.cell_p, len(times))
        self._people = self._people_in(cells, rng)
        if self.site_rng is not None:
            self._sites = self.catchment.draw(cells // len(AGE_BANDS), self.site_rng)
        self._i = 0

    def _people_in(self, cells, rng) -> list[tuple]:
        """``(locality, age band, risk tier, residence)`` of a person drawn in each of ``cells``
        (locality x age band): risk tier and residence drawn for their age band."""
        ages = cells % len(AGE_BANDS)
        tiers = (rng.random(len(cells))[:, None] >= self.tier_cum[ages]).sum(axis=1)
        homes = (rng.random(len(cells)) < self.care_home_p[ages]).astype(int)
        return list(zip(self._locality_names[cells // len(AGE_BANDS)].tolist(), self._age_names[ages].tolist(),
                        self._tier_names[tiers].tolist(), self._home_names[homes].tolist()))

    def start(self):
        if self.rate_per_day > 0:
            self._schedule_next()

    def _schedule_next(self):
        while self._i >= len(self._times):
            if self._chunk_end >= self.limit:
                return          # the horizon, or a new year: revise() starts the stream again
            self._generate()
        env = self.env
        env.call_later(self._times[self._i] - env.now, self._arrive_call)

    def _arrive(self, _):
        i = self._i
        person = self._people[i]     # (locality, age band, risk tier, residence): the registry's key
        site = None if self._sites is None else self._sites[i]
        self._i = i = i + 1
        times, env = self._times, self.env
        now = env.now
        if i < len(times):           # the next arrival is in this chunk: env.call_later without a call
            # now + (time - now), not time: the sum call_later makes, so every result stays the same
            at = now + (times[i] - now)
            heappush(env.queue if at < env.near_end else env.later, (at, NORMAL, next(env.sequence), self._arrive_call, None))
        else:
            self._schedule_next()
        self.generated += 1
        if self.crisis:
            mass = self.registry.mass.get(person)
            if mass and self.avert_source.random() * self.population.cell_people[person] < mass:
                self.averted += 1
                return
        locality, age, risk, home = person
        # Patients.new without the call (the commonest way a patient is made): numbered, dated and placed
        patients = self.patients
        patients.created = number = patients.created + 1
        day, months = int(now), patients.months
        patient = Patient(number, age, locality, patients.site_of[locality] if site is None else site, risk, home,
                          self.arrival_mode, self.name, now, self.balks, self.home_of[locality], None, None,
                          months[day] if day < len(months) else None)
        if self.patience is not None:
            patient.patience, patient.renege_to = self.patience, self.renege_to
        self.router.choose(patient).offer(patient, None)

    def revise(self, new: ArrivalStream, limit: float) -> None:
        """Take a new year's rates, mix of people, profile and routing from ``new`` (built from that
        year's configuration on the same random sources) and generate arrivals again, up to ``limit``."""
        for attribute in ("arrival_mode", "crisis", "balks", "population", "catchment", "home_of", "rate_per_day",
                          "cell_p", "tier_cum", "care_home_p", "hourly", "amplitude", "period", "peak", "router", "patience", "renege_to"):
            setattr(self, attribute, getattr(new, attribute))
        self.limit = limit
        now = self.env.now
        if self._i >= len(self._times):          # paused at the boundary (or never started)
            self._chunk_end = max(self._chunk_end, now)
            if self.rate_per_day > 0:
                self._schedule_next()
            else:
                self._chunk_end = limit           # nothing to generate this year

    def seed_people(self, n: int, rng: np.random.Generator, attribute: str | None = None, part: str | None = None):
        """``n`` people ``(locality, age band, risk tier, residence, site)`` with this stream's mix of
        attributes, to seed at time zero the instance ``part`` of a service partitioned by ``attribute``
        (the whole service when ``None``): each area weighted by the share of its people the instance
        serves; at that site for a site's instance, otherwise at a site drawn from their area's shares."""
        p = self.cell_p.reshape(len(self.population.localities), len(AGE_BANDS))
        if attribute is not None:
            p = p * self.catchment.weight(attribute, part)[:, None]
        p = (p / p.sum()).ravel()
        cells = rng.choice(len(p), size=n, p=p)
        people = self._people_in(cells, rng)
        if attribute == "site":
            sites = [part] * n
        elif self.catchment.drawn:
            sites = self.catchment.draw(cells // len(AGE_BANDS), rng)
        else:
            sites = [self.catchment.site_of[person[0]] for person in people]
        return [(*person, site) for person, site in zip(people, sites)]


def choose_cells(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    """``n`` cells drawn with probabilities ``p``: ``rng.choice(len(p), size=n, p=p)`` as numpy computes it
    (the same draws, tests/test_demand.py), without its checks of ``p``, which are a stream's weights
    over their total.  The checks took three quarters of the time of a chunk's draw, and an M/M/c run
    draws a chunk every week for every nine patients."""
    cdf = p.cumsum()
    cdf /= cdf[-1]
    return cdf.searchsorted(rng.random(n), side="right")


def _rates_per_1000(spec, population, where) -> np.ndarray:
    """Annual arrivals per 1,000 people by (area, age band): one table by age band for every area of
    the footprint (areas outside it then have none), or ``{by_locality: {area: {age band: rate}}}``
    (every area of the footprint given; an area outside it left out has none)."""
    if not (isinstance(spec, Mapping) and "by_locality" in spec):
        return np.outer(population.resident, shares(spec, AGE_BANDS, where, total=None))
    table = spec["by_locality"]
    if len(spec) != 1 or not isinstance(table, Mapping):
        raise ConfigError(where, sorted(spec), "rates by age band, or only by_locality: {area: {age band: rate}}")
    unknown = [str(a) for a in table if str(a) not in population.localities]
    if unknown:
        raise ConfigError(f"{where}.by_locality.{unknown[0]}", table[unknown[0]],
                          f"rates for one of the localities {list(population.localities)}")
    rows = []
    for area, inside in zip(population.localities, population.resident):
        if area in table:
            rows.append(shares(table[area], AGE_BANDS, f"{where}.by_locality.{area}", total=None))
        elif inside:
            raise ConfigError(f"{where}.by_locality", sorted(table), f"rates for locality {area!r}")
        else:
            rows.append(np.zeros(len(AGE_BANDS)))
    return np.array(rows)
