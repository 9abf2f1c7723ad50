"""P10 and P90 for the headline: from the committed uncertainty study, only for a run it describes.

The study in ``results/uncertainty`` (``carepath uncertainty``; its manifest records the command) drew
every uncertain parameter from its range and ran each draw for some scenarios at one set of settings:
for Walsall, ``run.year=2027 capacity_policy=demand_led capacity_policy.levers_checked=false``, the
scenarios ``do_nothing`` and ``uk_comparator``.  Its P10 and P90 are the spread of a figure over those
draws, at those settings; beside a run of other settings they would describe another question.  So the
page shows them only for a run whose settings are the study's (the same overrides, leaving aside the
scenario, which must be one the study ran, and the replications, seed and cores, which change no
expected value), for the study's year; for any other run the columns are not shown at all.
"""
from __future__ import annotations

import json
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..common.paths import RESULTS

STUDY = RESULTS / "uncertainty"
#: overrides that change no expected value of a run, or that the study varies itself
ASIDE = ("scenario=", "run.replications=", "run.seed=", "run.n_jobs=", "hydra.")


@dataclass(frozen=True)
class Study:
    """A committed uncertainty study: where it is, its settings, scenarios and year, and its P10/P90 table."""

    folder: Path
    settings: frozenset[str]
    table: pd.DataFrame

    @property
    def scenarios(self) -> list[str]:
        """The scenarios the study ran (not its rows of differences between them, ``a vs b``)."""
        return sorted(s for s in set(self.table["scenario"].astype(str)) if " vs " not in s)

    def describe(self) -> str:
        """The study in words, for the note under the headline."""
        settings = " ".join(sorted(self.settings)) or "the defaults"
        return (f"P10 and P90: the uncertainty study in {self.folder.name}/ (psa_summary.csv), the spread of each figure "
                f"over the plausible ranges of the parameters, at its settings ({settings}; scenarios "
                f"{', '.join(self.scenarios)}).")


def settings_of(overrides: Iterable[str]) -> frozenset[str]:
    """The overrides that say which configuration runs (``+group=x`` as ``group=x``)."""
    return frozenset(o.lstrip("+") for o in overrides if "=" in o and not o.startswith(("-", *ASIDE)))


def load(folder: Path = STUDY) -> Study | None:
    """The study in ``folder``, or None when there is none (no ``psa_summary.csv`` or manifest)."""
    table_path, manifest_path = folder / "psa_summary.csv", folder / "manifest.json"
    if not table_path.is_file() or not manifest_path.is_file():
        return None
    command = json.loads(manifest_path.read_text()).get("command", "")
    table = pd.read_csv(table_path)
    table = table.rename(columns={c: c.lower() for c in table.columns})
    if not {"scenario", "metric", "p10", "p90"} <= set(table.columns):
        return None
    return Study(folder, settings_of(shlex.split(command)), table)


def for_run(overrides: Iterable[str], scenario: str, year: int, study: Study | None) -> pd.DataFrame | None:
    """``P10, P90`` by metric for a run of ``overrides`` (its scenario and financial year), or None when the
    study does not describe that run."""
    if study is None or settings_of(overrides) != study.settings or scenario not in study.scenarios:
        return None
    rows = study.table[study.table["scenario"] == scenario]
    if "year" in rows.columns:
        rows = rows[rows["year"].astype(int) == int(year)]
    if rows.empty:
        return None
    return rows.drop_duplicates("metric").set_index("metric")[["p10", "p90"]].rename(columns={"p10": "P10", "p90": "P90"})
