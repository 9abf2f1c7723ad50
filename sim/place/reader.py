"""Read a place's files (:mod:`sim.place.template`) and check every row before anything is written.

:func:`read` returns a :class:`PlaceData`, or raises :class:`~sim.common.errors.ConfigErrors` with
every problem found, each naming the file, the row (the header is row 1) and the column::

    rates.csv row 7, column rate_per_1000: got '-3'; expected a non-negative number
"""
from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..common.errors import ConfigError, ConfigErrors, did_you_mean
from ..engine.demography import FIRST_YEAR, LAST_YEAR
from ..engine.population import AGE_BANDS
from .template import BY_NAME, DESTINATIONS

NAME = re.compile(r"[a-z][a-z0-9_]*")
SETTINGS = ("label", "base_year", "calibration", "site_calibration", "rates_from")
#: the files whose every row is a figure, so needs a source (of place.csv, the base year's row; the other
#: settings, areas and sites are names)
SOURCED = ("population.csv", "catchment.csv", "rates.csv", "capacity.csv", "projection.csv", "los.csv",
           "discharge.csv")
SOURCE = "the figure's source: a citation [@key, locator] or 'assumption: <reason>'"


@dataclass
class PlaceData:
    """A place's figures, checked, each with its source."""

    settings: dict = field(default_factory=dict)          # key -> (value, source)
    areas: dict = field(default_factory=dict)             # area -> {place, outside, label, source}
    sites: dict = field(default_factory=dict)             # site -> (label, source)
    population: dict = field(default_factory=dict)        # area -> age band -> (people, source)
    catchment: dict = field(default_factory=dict)         # area -> site -> (share, source)
    rates: dict = field(default_factory=dict)             # stream -> area ("" for every area) -> age -> (rate, source)
    capacity: dict = field(default_factory=dict)          # key -> part ("" for every one) -> (places, source)
    projection: dict = field(default_factory=dict)        # area -> age band -> (growth, source)
    los: dict = field(default_factory=dict)               # age band -> (mean, cv, source)
    discharge: dict = field(default_factory=dict)         # age band -> destination -> (share, source)

    def setting(self, key: str, default=None):
        return self.settings.get(key, (default, ""))[0]

    @property
    def footprint(self) -> list[str]:
        return [a for a, spec in self.areas.items() if not spec["outside"]]


class _Table:
    """The rows of one file, and the problems found in them."""

    def __init__(self, folder: Path, name: str, errors: list):
        self.spec, self.errors, self.name = BY_NAME[name], errors, name
        self.rows: list[tuple[int, dict]] = []
        path = folder / name
        if not path.is_file():
            if self.spec.required:
                errors.append(ConfigError(name, str(path), "a file (python -m sim.place init writes one)"))
            self.present = False
            return
        self.present = True
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = tuple(reader.fieldnames or ())
            if header != self.spec.header:
                errors.append(ConfigError(f"{name} row 1", ",".join(header), f"the columns {','.join(self.spec.header)}"))
                return
            for row_number, row in enumerate(reader, start=2):
                if None in row or any(v is None for v in row.values()):
                    errors.append(ConfigError(f"{name} row {row_number}", ",".join(str(v) for v in row.values()),
                                              f"{len(header)} values, one per column"))
                    continue
                if any(str(v).strip() for v in row.values()):
                    self.rows.append((row_number, {k: str(v).strip() for k, v in row.items()}))
                    if name in SOURCED:
                        self.sourced(row_number, self.rows[-1][1])

    def sourced(self, row: int, r: dict) -> None:
        """A problem when the row's figure has no source (an empty or blank ``source``)."""
        if not r["source"]:
            self.problem(row, "source", r["source"], SOURCE)

    def problem(self, row: int, column: str, value, allowed: str) -> None:
        self.errors.append(ConfigError(f"{self.name} row {row}, column {column}", value, allowed))

    def choice(self, row: int, column: str, value: str, known) -> bool:
        if value in known:
            return True
        self.problem(row, column, value, f"one of {', '.join(known)}{did_you_mean(value, known)}")
        return False

    def number(self, row: int, column: str, value: str, low=None, high=None, low_open=False, allowed="") -> float | None:
        try:
            x = float(value)
        except ValueError:
            x = math.nan
        ok = math.isfinite(x) and (low is None or (x > low if low_open else x >= low)) and (high is None or x <= high)
        if not ok:
            self.problem(row, column, value, allowed)
            return None
        return x

    def once(self, seen: set, key, row: int, column: str, what: str) -> bool:
        if key in seen:
            self.problem(row, column, ",".join(str(k) for k in key), f"each {what} once")
            return False
        seen.add(key)
        return True

    def complete(self, given: set, wanted: list, what: str) -> None:
        missing = [w for w in wanted if w not in given]
        if missing and self.rows is not None:
            shown = ", ".join(",".join(m) if isinstance(m, tuple) else str(m) for m in missing[:4])
            self.errors.append(ConfigError(self.name, f"{len(missing)} missing", f"a row for every {what} (missing: "
                                           f"{shown}{', ...' if len(missing) > 4 else ''})"))


def read(folder: Path, streams: list[str], capacity_parts: dict[str, str | None]) -> PlaceData:
    """The checked figures of the place in ``folder``.  ``streams``: the demand streams of the pathway;
    ``capacity_parts``: each capacity key and the attribute its service is partitioned by (or None)."""
    folder, errors, data = Path(folder), [], PlaceData()
    tables = {name: _Table(folder, name, errors) for name in BY_NAME}
    if any(e.key.endswith("row 1") or e.allowed.startswith("a file") for e in errors):
        raise ConfigErrors(errors)            # without the right files and columns nothing else can be read
    _settings(tables["place.csv"], data)
    _areas(tables["areas.csv"], tables["sites.csv"], data)
    _population(tables["population.csv"], data)
    _catchment(tables["catchment.csv"], data)
    _rates(tables["rates.csv"], data, streams)
    _capacity(tables["capacity.csv"], data, capacity_parts)
    _projection(tables["projection.csv"], data)
    _local(tables["los.csv"], tables["discharge.csv"], data)
    if errors:
        raise ConfigErrors(errors)
    return data


def _settings(t: _Table, data: PlaceData) -> None:
    for row, r in t.rows:
        if t.choice(row, "key", r["key"], SETTINGS) and t.once(set(data.settings), r["key"], row, "key", "key"):
            value = r["value"]
            if r["key"] == "base_year":
                t.sourced(row, r)
                year = t.number(row, "value", value, FIRST_YEAR, LAST_YEAR, allowed=f"a year from {FIRST_YEAR} to {LAST_YEAR}")
                value = None if year is None or year != int(year) else int(year)
            elif r["key"] != "label" and not NAME.fullmatch(value):
                t.problem(row, "value", value, "a config name (lower-case letters, digits and _)")
            data.settings[r["key"]] = (value, r["source"])
    for key in ("label", "base_year"):
        if key not in data.settings:
            t.errors.append(ConfigError("place.csv", key, f"a row for {key}"))


def _areas(t: _Table, s: _Table, data: PlaceData) -> None:
    for row, r in s.rows:
        if not NAME.fullmatch(r["site"]):
            s.problem(row, "site", r["site"], "a name of lower-case letters, digits and _")
        elif s.once(set(data.sites), r["site"], row, "site", "site"):
            data.sites[r["site"]] = (r["label"], r["source"])
    if not s.rows:
        s.errors.append(ConfigError("sites.csv", "no rows", "at least one site"))
    for row, r in t.rows:
        outside = r["outside"].lower()
        if not NAME.fullmatch(r["area"]):
            t.problem(row, "area", r["area"], "a name of lower-case letters, digits and _")
            continue
        if outside not in ("yes", "no", ""):
            t.problem(row, "outside", r["outside"], "yes, no or empty")
            continue
        if outside == "yes" and r["place"]:
            t.problem(row, "place", r["place"], "empty: an area outside the footprint has no home place")
        elif outside != "yes" and not (NAME.fullmatch(r["place"]) and r["place"] != "outside"):
            t.problem(row, "place", r["place"], "the area's home place (lower-case letters, digits and _; not 'outside')")
        elif t.once(set(data.areas), r["area"], row, "area", "area"):
            data.areas[r["area"]] = {"place": r["place"], "outside": outside == "yes", "label": r["label"],
                                     "source": r["source"]}
    if not data.footprint and not t.errors:
        t.errors.append(ConfigError("areas.csv", "no areas", "at least one area inside the footprint"))


def _population(t: _Table, data: PlaceData) -> None:
    seen: set = set()
    for row, r in t.rows:
        if t.choice(row, "area", r["area"], list(data.areas)) and t.choice(row, "age_band", r["age_band"], AGE_BANDS):
            people = t.number(row, "people", r["people"], 0.0, allowed="a non-negative number of people")
            if t.once(seen, (r["area"], r["age_band"]), row, "area", "area and age band") and people is not None:
                data.population.setdefault(r["area"], {})[r["age_band"]] = (people, r["source"])
    t.complete(seen, [(a, b) for a in data.areas for b in AGE_BANDS], "area and age band")


def _catchment(t: _Table, data: PlaceData) -> None:
    seen: set = set()
    for row, r in t.rows:
        if t.choice(row, "area", r["area"], list(data.areas)) and t.choice(row, "site", r["site"], list(data.sites)):
            share = t.number(row, "share", r["share"], 0.0, 1.0, allowed="a share in [0, 1]")
            if not t.once(seen, (r["area"], r["site"]), row, "site", "area and site") or share is None:
                continue
            shares = data.catchment.setdefault(r["area"], {})
            total = sum(v for v, _ in shares.values()) + share
            if total > 1.0 + 1e-9:       # the row that takes the area past 1
                t.problem(row, "share", r["share"], f"shares of area {r['area']} adding up to at most 1 "
                          f"(with this row they add up to {total:.6g})")
            shares[r["site"]] = (share, r["source"])
    if not t.present and len(data.sites) != 1:
        t.errors.append(ConfigError("catchment.csv", "missing", "a file: the place has more than one site"))
    needed = [a for a in data.areas if t.present or data.areas[a]["outside"]]
    t.complete({a for a, _ in seen}, needed, "area (its share of at least one site)")


def _rates(t: _Table, data: PlaceData, streams: list[str]) -> None:
    seen: set = set()
    for row, r in t.rows:
        if (r["area"] == "" or t.choice(row, "area", r["area"], list(data.areas))) \
                and t.choice(row, "stream", r["stream"], streams) and t.choice(row, "age_band", r["age_band"], AGE_BANDS):
            rate = t.number(row, "rate_per_1000", r["rate_per_1000"], 0.0, allowed="a non-negative number")
            if t.once(seen, (r["area"], r["stream"], r["age_band"]), row, "stream", "area, stream and age band") \
                    and rate is not None:
                data.rates.setdefault(r["stream"], {}).setdefault(r["area"], {})[r["age_band"]] = (rate, r["source"])
    given = {(a, s, b) for a, s, b in seen}
    covered = {(a, s, b) for a in data.footprint for s in streams for b in AGE_BANDS
               if (a, s, b) in given or ("", s, b) in given}
    t.complete(covered, [(a, s, b) for a in data.footprint for s in streams for b in AGE_BANDS],
               "area of the footprint, stream and age band (its own or an empty area's)")


def _capacity(t: _Table, data: PlaceData, parts_of: dict[str, str | None]) -> None:
    seen: set = set()
    for row, r in t.rows:
        if not t.choice(row, "capacity", r["capacity"], list(parts_of)):
            continue
        attribute = parts_of[r["capacity"]]
        parts = _parts(data, attribute)
        if r["part"] and not t.choice(row, "part", r["part"], parts):
            continue
        places = t.number(row, "places", r["places"], 0.0, allowed="a whole number of places")
        if places is not None and places != int(places):
            t.problem(row, "places", r["places"], "a whole number of places")
        elif places is not None and t.once(seen, (r["capacity"], r["part"]), row, "part", "capacity and part"):
            data.capacity.setdefault(r["capacity"], {})[r["part"]] = (int(places), r["source"])


def _parts(data: PlaceData, attribute: str | None) -> list[str]:
    """The instances of a service partitioned by ``attribute`` in the place of ``data``."""
    if attribute == "site":
        return list(data.sites)
    if attribute == "place":
        return list(dict.fromkeys(data.areas[a]["place"] for a in data.footprint))
    if attribute == "locality":
        return data.footprint
    return []


def _projection(t: _Table, data: PlaceData) -> None:
    seen: set = set()
    for row, r in t.rows:
        if t.choice(row, "area", r["area"], list(data.areas)) and t.choice(row, "age_band", r["age_band"], AGE_BANDS):
            growth = t.number(row, "growth_per_year", r["growth_per_year"], -0.5, 0.5, low_open=True,
                              allowed="growth a year between -0.5 and 0.5")
            if t.once(seen, (r["area"], r["age_band"]), row, "area", "area and age band") and growth is not None:
                data.projection.setdefault(r["area"], {})[r["age_band"]] = (growth, r["source"])
    if t.present:
        t.complete(seen, [(a, b) for a in data.areas for b in AGE_BANDS], "area and age band")


def _local(los: _Table, discharge: _Table, data: PlaceData) -> None:
    ages: set = set()
    for row, r in los.rows:
        if los.choice(row, "age_band", r["age_band"], AGE_BANDS) and los.once(ages, r["age_band"], row,
                                                                             "age_band", "age band"):
            mean = los.number(row, "mean_days", r["mean_days"], 0.0, low_open=True, allowed="a positive number of days")
            cv = los.number(row, "cv", r["cv"], 0.0, low_open=True, allowed="a positive number")
            if mean is not None and cv is not None:
                data.los[r["age_band"]] = (mean, cv, r["source"])
    if los.present:
        los.complete(ages, list(AGE_BANDS), "age band")
    seen: set = set()
    first: dict = {}
    for row, r in discharge.rows:
        if discharge.choice(row, "age_band", r["age_band"], AGE_BANDS) \
                and discharge.choice(row, "destination", r["destination"], DESTINATIONS):
            share = discharge.number(row, "share", r["share"], 0.0, 1.0, allowed="a share in [0, 1]")
            if discharge.once(seen, (r["age_band"], r["destination"]), row, "destination", "age band and destination") \
                    and share is not None:
                data.discharge.setdefault(r["age_band"], {})[r["destination"]] = (share, r["source"])
                first.setdefault(r["age_band"], row)
    for age, shares in data.discharge.items():
        total = sum(v for v, _ in shares.values())
        if abs(total - 1.0) > 1e-6:
            discharge.problem(first[age], "share", round(total, 6), f"shares of age band {age} adding up to 1")
    if discharge.present:
        discharge.complete({a for a, _ in seen}, list(AGE_BANDS), "age band")
