"""Data files a planner supplies instead of typing numbers into a config.

``place.population.csv: path/to/population.csv`` gives people by locality and age band, one row
each (relative paths are from the repository root)::

    locality,age_band,people
    north,age_0_17,16650
    north,age_18_64,41150
    ...

The file gets the same checks as config values, before anything runs: it must exist and be a CSV
with exactly those columns; every locality and age band must be a known one, each pair given once
and every pair present; ``people`` a non-negative finite number.  Every problem is reported at
once, each naming the file and line.  :func:`resolve` reads the files of a configuration into the
tables the engine takes, before anything is built.
"""
from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..common.errors import ConfigError, ConfigErrors, did_you_mean
from ..common.paths import ROOT
from ..engine.population import AGE_BANDS

POPULATION_COLUMNS = ("locality", "age_band", "people")


def population_table(path_value, localities: Sequence[str], age_bands: Sequence[str],
                     key: str = "place.population.csv") -> np.ndarray:
    """People by (locality, age band) from a CSV file, checked row by row."""
    path = Path(str(path_value))
    path = path if path.is_absolute() else ROOT / path
    if not path.is_file():
        raise ConfigError(key, str(path_value), "a CSV file that exists (columns locality, age_band, people)")
    errors: list[ConfigError] = []
    people = np.full((len(localities), len(age_bands)), np.nan)
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != POPULATION_COLUMNS:
            raise ConfigError(f"{key} ({path.name} line 1)", reader.fieldnames, f"the columns {', '.join(POPULATION_COLUMNS)}")
        for line, row in enumerate(reader, start=2):
            where = f"{key} ({path.name} line {line})"
            locality, band, value = row["locality"], row["age_band"], row["people"]
            if locality not in localities:
                errors.append(ConfigError(f"{where} locality", locality,
                                          f"one of {', '.join(localities)}{did_you_mean(locality, localities)}"))
                continue
            if band not in age_bands:
                errors.append(ConfigError(f"{where} age_band", band,
                                          f"one of {', '.join(age_bands)}{did_you_mean(band, age_bands)}"))
                continue
            try:
                number = float(value)
            except (TypeError, ValueError):
                number = math.nan
            if not math.isfinite(number) or number < 0:
                errors.append(ConfigError(f"{where} people", value, "a non-negative number of residents"))
                continue
            i, j = localities.index(locality), list(age_bands).index(band)
            if not np.isnan(people[i, j]):
                errors.append(ConfigError(f"{where}", f"{locality},{band}", "each locality and age band once"))
            people[i, j] = number
    missing = [f"{localities[i]},{age_bands[j]}" for i, j in zip(*np.where(np.isnan(people)))]
    if missing and not errors:
        errors.append(ConfigError(key, path.name, f"a row for every locality and age band (missing: {', '.join(missing[:5])}"
                                  + (", ..." if len(missing) > 5 else "") + ")"))
    if errors:
        raise ConfigErrors(errors)
    return people


def resolve(cfg: Mapping[str, Any]) -> dict:
    """The configuration with every data file read into the values it stands for (a new dict when
    there is a file): ``place.population.csv`` becomes ``place.population.by_locality``."""
    place = cfg.get("place") or {}
    population = place.get("population") or {}
    if "csv" not in population:
        return dict(cfg)
    localities = [str(k) for k in (place.get("localities") or {})]
    people = population_table(population["csv"], localities, AGE_BANDS)
    table = {loc: dict(zip(AGE_BANDS, (float(v) for v in row))) for loc, row in zip(localities, people)}
    return {**cfg, "place": {**place, "population": {"by_locality": table}}}
