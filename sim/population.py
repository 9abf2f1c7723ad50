"""The resident population: people by locality and age band, with risk tiers and care-home residence.

Place config (``configs/place/*.yaml``) gives either an explicit table
``population.by_locality.<locality>.<age_band>`` or a total with age and
locality shares (``population.total``, ``population.age_shares``,
``population.locality_shares``), or a CSV file of people by locality and age band
(``population.csv``, see :mod:`sim.data_files`).  ``risk.prevalence`` gives the share of each
age band in each risk tier, ``risk.rate_ratio`` the relative crisis rate of
each tier, and ``care_home.share`` the share of each age band living in a
care home.  Demand streams give rates per 1,000 people by age band; these
tables decide which person in an age band an arrival is.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from .data_files import population_table
from .errors import ConfigError

AGE_BANDS = ("age_0_17", "age_18_64", "age_65_74", "age_75_84", "age_85_plus")
RISK_TIERS = ("low", "medium", "high")
CARE_HOME = ("community", "resident")


def _shares(spec, keys, where, total=1.0):
    if not isinstance(spec, Mapping):
        raise ConfigError(where, spec, f"a mapping with keys {list(keys)}")
    unknown = [k for k in spec if k not in keys]
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}", spec[unknown[0]], f"a key among {list(keys)}")
    missing = [k for k in keys if k not in spec]
    if missing:
        raise ConfigError(where, dict(spec), f"an entry for every key: missing {missing}")
    values = []
    for k in keys:
        v = spec[k]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) or v < 0:
            raise ConfigError(f"{where}.{k}", v, "a non-negative finite number")
        values.append(float(v))
    if total is not None and abs(sum(values) - total) > 1e-4:
        raise ConfigError(where, dict(spec), f"shares summing to {total} (they sum to {sum(values):.6g})")
    return np.array(values)


class Population:
    """People by (locality, age band); the attributes arrivals are drawn from."""

    def __init__(self, place: Mapping[str, Any], scale=None):
        """``scale``: optional multiplier of the people in each (locality, age band), e.g. for a projection year."""
        where = "place"
        localities = place.get("localities")
        if not isinstance(localities, Mapping) or not localities:
            raise ConfigError(f"{where}.localities", localities, "a mapping of locality name to {site: ...}")
        self.localities = tuple(str(k) for k in localities)
        self.site_of = {str(k): str((v or {}).get("site", place.get("name", "site"))) for k, v in localities.items()}
        self.sites = tuple(dict.fromkeys(self.site_of.values()))
        pop = place.get("population") or {}
        if "csv" in pop:
            people = population_table(pop["csv"], self.localities, AGE_BANDS, f"{where}.population.csv")
        elif "by_locality" in pop:
            table = pop["by_locality"]
            rows = []
            for loc in self.localities:
                if loc not in table:
                    raise ConfigError(f"{where}.population.by_locality", sorted(table), f"an entry for locality {loc!r}")
                rows.append(_shares(table[loc], AGE_BANDS, f"{where}.population.by_locality.{loc}", total=None))
            people = np.array(rows)
        else:
            total = pop.get("total")
            if isinstance(total, bool) or not isinstance(total, (int, float)) or total <= 0:
                raise ConfigError(f"{where}.population.total", total, "a positive number of residents")
            ages = _shares(pop.get("age_shares"), AGE_BANDS, f"{where}.population.age_shares")
            locs = _shares(pop.get("locality_shares"), self.localities, f"{where}.population.locality_shares")
            people = float(total) * np.outer(locs, ages)
        if scale is not None:
            people = people * scale
        self.people = people  # shape (localities, age bands)

        risk = place.get("risk") or {}
        prevalence = risk.get("prevalence") or {}
        self.risk_prevalence = np.array([
            _shares(prevalence.get(a), RISK_TIERS, f"{where}.risk.prevalence.{a}") for a in AGE_BANDS])
        self.risk_rate_ratio = _shares(risk.get("rate_ratio"), RISK_TIERS, f"{where}.risk.rate_ratio", total=None)
        care = place.get("care_home") or {}
        self.care_home_share = _shares(care.get("share"), AGE_BANDS, f"{where}.care_home.share", total=None)
        if (self.care_home_share > 1).any():
            raise ConfigError(f"{where}.care_home.share", dict(care.get("share")), "shares in [0, 1]")

        # People in each (locality, age band, risk tier, residence) cell; tier and residence independent.
        residence = {"community": 1.0 - self.care_home_share, "resident": self.care_home_share}
        self.cell_people = {
            (loc, age, tier, home): float(self.people[l, a] * self.risk_prevalence[a, t] * residence[home][a])
            for l, loc in enumerate(self.localities) for a, age in enumerate(AGE_BANDS)
            for t, tier in enumerate(RISK_TIERS) for home in CARE_HOME}

    @property
    def total(self) -> float:
        return float(self.people.sum())

    def labels(self) -> dict[str, list]:
        """Allowed values of each patient attribute that depends on the population."""
        return {
            "age_band": list(AGE_BANDS), "locality": list(self.localities), "site": list(self.sites),
            "risk_tier": list(RISK_TIERS), "care_home": list(CARE_HOME),
        }

