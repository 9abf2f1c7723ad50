"""Continuous multi-year runs: ``run.year`` to ``run.end_year`` in one replication.

``python -m sim run.year=2017 run.end_year=2027`` simulates 1 April 2017 to 31 March 2028 without a
break (after the warm-up), so queues, backlogs and patients in beds carry over from one financial
year to the next.  The horizon follows the span (``run.horizon_days`` is replaced by the warm-up
plus the days in the span), and each later year's configuration is prepared as a single-year run
of that year would be (population and trend growth to that year, the scenario's phasing,
calibration): :func:`later_years` gives them to the model, which applies each on its 1 April
(:mod:`sim.engine.revision`).  Outputs then give every metric per financial year (a ``year``
column).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

from .prepare import prepare


def is_multi_year(run: Mapping[str, Any]) -> bool:
    """True when the run spans more than one financial year."""
    end = run.get("end_year")
    return end is not None and end > run["year"]


def years(run: Mapping[str, Any]) -> list[int]:
    """The financial years the run reports (``[year]`` for a single-year run)."""
    return list(range(int(run["year"]), int(run["end_year"]) + 1)) if is_multi_year(run) else [int(run["year"])]


def year_start_day(run: Mapping[str, Any], year: int) -> int:
    """The simulation day of 1 April of ``year`` (day 0 is the start of the warm-up)."""
    return math.ceil(run["warmup_days"]) + (date(year, 4, 1) - date(int(run["year"]), 4, 1)).days


def with_horizon(cfg: Mapping[str, Any]) -> dict:
    """The configuration with a multi-year run's horizon: the warm-up and every day of the span."""
    run = cfg["run"]
    if not is_multi_year(run):
        return dict(cfg)
    return {**cfg, "run": {**run, "horizon_days": float(year_start_day(run, int(run["end_year"]) + 1))}}


def later_years(cfg: Mapping[str, Any]) -> list[tuple[int, int, dict]]:
    """``(day, year, prepared configuration)`` for each year after the first, in order."""
    run = cfg["run"]
    return [(year_start_day(run, year), year, prepare({**cfg, "run": {**run, "year": year}}))
            for year in years(run)[1:]]
