"""The resident population: people by locality and age band, with risk tiers and care-home residence.

Place config (``configs/place/*.yaml``) gives either an explicit table
``population.by_locality.<locality>.<age_band>`` or a total with age and
locality shares (``population.total``, ``population.age_shares``,
``population.locality_shares``); a CSV file of people by locality and age band
(``population.csv``) is read into the table by :mod:`sim.inputs.data_files` before the engine
sees it.  ``risk.prevalence`` gives the share of each
age band in each risk tier, ``risk.rate_ratio`` the relative crisis rate of
each tier, and ``care_home.share`` the share of each age band living in a
care home.  Demand streams give rates per 1,000 people by age band; these
tables decide which person in an age band an arrival is.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..common.checks import number, shares
from ..common.errors import ConfigError
from ..common.limits import MAX_POPULATION
from .catchment import Catchment

AGE_BANDS = ("age_0_17", "age_18_64", "age_65_74", "age_75_84", "age_85_plus")
RISK_TIERS = ("low", "medium", "high")
CARE_HOME = ("community", "resident")


def cohort(spec: Any, where: str) -> dict[str, list[str]]:
    """The people a stream or lever applies to: allowed values of ``age_band``, ``risk_tier`` and
    ``care_home`` (an attribute left out allows every value)."""
    allowed = {"age_band": AGE_BANDS, "risk_tier": RISK_TIERS, "care_home": CARE_HOME}
    spec = spec or {}
    if not isinstance(spec, Mapping):
        raise ConfigError(where, spec, f"a mapping with keys among {list(allowed)}")
    chosen_values = {}
    for key, values in allowed.items():
        chosen = spec.get(key, list(values))
        chosen = [chosen] if isinstance(chosen, str) else list(chosen)
        unknown = [v for v in chosen if v not in values]
        if unknown or not chosen:
            raise ConfigError(f"{where}.{key}", spec.get(key), f"a non-empty list of {list(values)}")
        chosen_values[key] = chosen
    extra = sorted(set(spec) - set(allowed))
    if extra:
        raise ConfigError(f"{where}.{extra[0]}", spec[extra[0]], f"one of {list(allowed)}")
    return chosen_values


class Population:
    """People by (locality, age band); the attributes arrivals are drawn from.

    Localities are the place's areas, each with its home place and its acute sites
    (:class:`~sim.engine.catchment.Catchment`); areas ``outside`` the footprint are counted in
    ``people`` (they come in to its sites) but not in ``total``, the place's residents."""

    def __init__(self, place: Mapping[str, Any], scale=None):
        """``scale``: optional multiplier of the people in each (locality, age band), e.g. for a projection year."""
        where = "place"
        self.catchment = Catchment(place.get("localities"), str(place.get("name", "site")), f"{where}.localities")
        self.localities = self.catchment.areas
        self.site_of = self.catchment.site_of      # areas whose every hospital visit is at one site
        self.home_of = self.catchment.home_of      # area -> home place (community, intermediate, social care)
        self.sites = self.catchment.sites
        self.places = self.catchment.places
        self.resident = np.array([a not in self.catchment.outside_areas for a in self.localities])
        pop = place.get("population") or {}
        if "csv" in pop:
            raise ConfigError(f"{where}.population.csv", pop["csv"],
                              "a table read by sim.inputs.prepare before the engine is built (by_locality)")
        if "by_locality" in pop:
            table = pop["by_locality"]
            rows = []
            for loc in self.localities:
                if loc not in table:
                    raise ConfigError(f"{where}.population.by_locality", sorted(table), f"an entry for locality {loc!r}")
                rows.append(shares(table[loc], AGE_BANDS, f"{where}.population.by_locality.{loc}", total=None))
            people = np.array(rows)
        else:
            total = number(pop.get("total"), f"{where}.population.total", low=0.0, low_open=True,
                           allowed="a positive number of residents")
            ages = shares(pop.get("age_shares"), AGE_BANDS, f"{where}.population.age_shares")
            locs = shares(pop.get("locality_shares"), self.localities, f"{where}.population.locality_shares")
            people = float(total) * np.outer(locs, ages)
        if scale is not None:
            people = people * scale
        if not people.sum() <= MAX_POPULATION:
            raise ConfigError(f"{where}.population", float(people.sum()), f"at most {MAX_POPULATION:,} residents "
                              "in all (the United Kingdom has about 68 million)")
        self.people = people  # shape (localities, age bands)

        risk = place.get("risk") or {}
        prevalence = risk.get("prevalence") or {}
        self.risk_prevalence = np.array([
            shares(prevalence.get(a), RISK_TIERS, f"{where}.risk.prevalence.{a}") for a in AGE_BANDS])
        self.risk_rate_ratio = shares(risk.get("rate_ratio"), RISK_TIERS, f"{where}.risk.rate_ratio", total=None)
        care = place.get("care_home") or {}
        self.care_home_share = shares(care.get("share"), AGE_BANDS, f"{where}.care_home.share", total=None)
        if (self.care_home_share > 1).any():
            raise ConfigError(f"{where}.care_home.share", dict(care.get("share")), "shares in [0, 1]")

        # People in each (locality, age band, risk tier, residence) cell; tier and residence independent.
        residence = {"community": 1.0 - self.care_home_share, "resident": self.care_home_share}
        self.cell_people = {
            (loc, age, tier, home): float(self.people[i, a] * self.risk_prevalence[a, t] * residence[home][a])
            for i, loc in enumerate(self.localities) for a, age in enumerate(AGE_BANDS)
            for t, tier in enumerate(RISK_TIERS) for home in CARE_HOME}

    @property
    def total(self) -> float:
        """The place's residents (areas outside the footprint not included)."""
        return float(self.people[self.resident].sum())

    def labels(self) -> dict[str, list]:
        """Allowed values of each patient attribute that depends on the population."""
        return {
            "age_band": list(AGE_BANDS), "locality": list(self.localities), "site": self.catchment.site_labels(),
            "place": self.catchment.place_labels(), "risk_tier": list(RISK_TIERS), "care_home": list(CARE_HOME),
        }

    def parts(self, attribute: str) -> list[str]:
        """The instances of a service partitioned by ``attribute`` (``site``, ``place`` or ``locality``):
        the footprint's own, never ``outside``."""
        if attribute == "site":
            return list(self.sites)
        if attribute == "place":
            return list(self.places)
        return [a for a, inside in zip(self.localities, self.resident) if inside]

    def served(self, attribute: str | None) -> dict[str, float]:
        """People served by each instance of a service partitioned by ``attribute``: a site's catchment
        (its share of every area's people, those coming in from outside included), a place's or a
        locality's residents; ``{None: residents}`` when the service is not partitioned."""
        if attribute is None:
            return {None: self.total}
        people = self.people.sum(axis=1)
        served = {}
        for part in self.parts(attribute):
            total = 0.0
            share = (self.catchment.table[:, self.sites.index(part)] if attribute == "site"
                     else self.catchment.weight(attribute, part))
            for residents, weight in zip(people, share):
                total += float(residents) * float(weight)      # in area order, as a planner would add them
            served[part] = total
        return served

