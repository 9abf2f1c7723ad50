"""The actuals pack, ``data/actuals/actuals.csv``: what was published for the years around the base year.

One tidy table (place, site, measure, type, period, value, source; see ``data/actuals/README.md``).
:func:`yearly` gives one series by financial year, keyed by the year it starts in (2018 for 2018/19),
holding only the years the pack has a yearly row for: a gap stays a gap. :func:`quarterly` gives a series
published by quarter (KH03 beds) and :func:`mean_of_quarters` its mean over each year's quarters, for the
years that have at least the quarters asked for.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import pandas as pd

from ..common.paths import ROOT

PACK = ROOT / "data" / "actuals" / "actuals.csv"
YEAR = re.compile(r"^(\d{4})/(\d{2})$")
QUARTER = re.compile(r"^(\d{4})/(\d{2})-Q([1-4])$")


@functools.cache
def _table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"period": str, "value": str})


def table(path: Path = PACK) -> pd.DataFrame:
    """The whole pack (a copy)."""
    return _table(Path(path)).copy()


def financial_year(period: str) -> int | None:
    """2018 for ``2018/19``; None for a month or a quarter."""
    m = YEAR.match(str(period))
    return int(m[1]) if m else None


def yearly(place: str, site: str, measure: str, kind: str, path: Path = PACK) -> dict[int, int | float]:
    """``{financial year: value}`` of one series' yearly rows (``kind`` is the pack's ``type`` column); a
    whole count as written (``76190``) is an int, a figure with a decimal point (``70.0``) a float."""
    rows = _table(Path(path))
    chosen = rows[(rows["place"] == place) & (rows["site"] == site) & (rows["measure"] == measure) & (rows["type"] == kind)]
    out = {}
    for period, value in zip(chosen["period"], chosen["value"]):
        year = financial_year(period)
        if year is not None:
            out[year] = int(value) if value.lstrip("-").isdigit() else float(value)
    return dict(sorted(out.items()))


def quarterly(place: str, site: str, measure: str, kind: str, path: Path = PACK) -> dict[int, dict[int, float]]:
    """``{financial year: {quarter: value}}`` of one series' quarterly rows (``2018/19-Q4`` is 2018, quarter 4:
    January to March 2019)."""
    rows = _table(Path(path))
    chosen = rows[(rows["place"] == place) & (rows["site"] == site) & (rows["measure"] == measure) & (rows["type"] == kind)]
    out: dict[int, dict[int, float]] = {}
    for period, value in zip(chosen["period"], chosen["value"]):
        m = QUARTER.match(str(period))
        if m:
            out.setdefault(int(m[1]), {})[int(m[3])] = float(value)
    return {year: dict(sorted(quarters.items())) for year, quarters in sorted(out.items())}


def mean_of_quarters(place: str, site: str, measure: str, kind: str, minimum: int = 4,
                     path: Path = PACK) -> dict[int, float]:
    """``{financial year: mean of its quarters}`` for the years with at least ``minimum`` quarters published
    (4: a whole year; fewer only where a caller says why a part-year will do)."""
    return {year: sum(q.values()) / len(q) for year, q in quarterly(place, site, measure, kind, path).items()
            if len(q) >= minimum}
