"""Demand in a projection year: population growth by age band, and trend growth by stream.

A place config may carry::

    base_year: 2017
    projection:                           # annual population growth from base_year
      growth_per_year: {age_0_17: 0.0045, ..., age_85_plus: 0.026}
      # or by locality: {by_locality: {walsall: {age_0_17: ..}, wolverhampton: {..}}}
    trend_growth:                         # annual non-demographic growth of each stream's rate
      ae_walk_in: 0.015

``run.year`` may be any year from 2015 to 2040.  People in each locality and
age band are scaled by ``(1 + growth) ** (year - base_year)``, so every rate
per 1,000 residents produces more (or fewer) arrivals; each stream's rate is
further multiplied by ``(1 + trend) ** (year - base_year)``.  A place with no
projection runs only in its base year.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..common.checks import is_real, is_whole, number
from ..common.errors import ConfigError
from .population import AGE_BANDS

FIRST_YEAR, LAST_YEAR = 2015, 2040


def years_from_base(place: Mapping[str, Any], year: Any) -> int:
    """Years between the place's base year and ``run.year`` (checked)."""
    if not is_whole(year) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ConfigError("run.year", year, f"a financial year from {FIRST_YEAR} to {LAST_YEAR} (2017 = 2017/18)")
    base = place.get("base_year")
    if not is_whole(base):
        raise ConfigError("place.base_year", base, "the year the place's figures describe, e.g. 2017")
    if year != base and not place.get("projection"):
        raise ConfigError("run.year", year, f"{base}: place {place.get('name')!r} has no population projection "
                                            f"(place.projection) for other years")
    return year - base


def population_scale(place: Mapping[str, Any], localities, year: int) -> np.ndarray:
    """Multiplier of the base-year population in each (locality, age band) for ``year``."""
    years = years_from_base(place, year)
    scale = np.ones((len(localities), len(AGE_BANDS)))
    if years == 0:
        return scale
    growth = (place.get("projection") or {}).get("growth_per_year")
    where = "place.projection.growth_per_year"
    if not isinstance(growth, Mapping):
        raise ConfigError(where, growth, "annual growth by age band, or {by_locality: {locality: {age band: growth}}}")
    if "by_locality" in growth:
        table = growth["by_locality"]
        rows = []
        for locality in localities:
            if locality not in (table or {}):
                raise ConfigError(f"{where}.by_locality", sorted(table or {}), f"an entry for locality {locality!r}")
            rows.append(_rates(table[locality], f"{where}.by_locality.{locality}"))
        rates = np.array(rows)
    else:
        rates = np.tile(_rates(growth, where), (len(localities), 1))
    return (1.0 + rates) ** years


def _rates(spec, where) -> np.ndarray:
    """Annual growth for each age band (negative allowed), each in (-0.5, 0.5)."""
    if not isinstance(spec, Mapping) or set(spec) != set(AGE_BANDS) or not all(is_real(spec[a]) for a in AGE_BANDS):
        raise ConfigError(where, spec, f"annual growth for each of {list(AGE_BANDS)}")
    values = np.array([spec[a] for a in AGE_BANDS], dtype=float)
    if (values <= -0.5).any() or (values >= 0.5).any():
        raise ConfigError(where, spec, "annual growth rates between -0.5 and 0.5")
    return values


def trend_factor(place: Mapping[str, Any], stream: str, year: int) -> float:
    """Non-demographic growth multiplier of ``stream``'s rate in ``year``."""
    rate = number((place.get("trend_growth") or {}).get(stream, 0.0), f"place.trend_growth.{stream}",
                  low=-0.5, high=0.5, low_open=True, high_open=True,
                  allowed="an annual growth rate between -0.5 and 0.5")
    return (1.0 + rate) ** years_from_base(place, year)
