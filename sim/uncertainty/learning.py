"""The hindcast's learning years as history-matching targets: the trends judged by what happened next.

The 2017/18 calibration targets constrain the base year's inputs only, while a projection's saving
turns on the trends.  So each draw is also run in each learning year of the hindcast
(``configs/calibration/<place>_hindcast.yaml``, ``years.learning``: 2018/19 and 2019/20 for Walsall)
as the hindcast's unconditional run does (``scenario=baseline``, ``capacity_policy=fixed``: places as
in the base year), and every hindcast measure with a yearly figure in ``data/actuals/actuals.csv``
for that year is a target, named ``<metric>@<year>`` (``ae_attendances@2018``).  Its own uncertainty
and discrepancy are its kind's, as for a 2017/18 target (a count a volume; a share in points a
rate).  The hindcast's final-test years never join: they stay held back to judge the model.  Walsall
has yearly type-1 figures for 2018/19 only (the 2019/20 pack has none), so three targets join:
type-1 attendances, admissions via type-1 A&E and type-1 4-hour performance.
"""
from __future__ import annotations

from functools import cache

import pandas as pd
import yaml

from ..common.paths import CONFIG_DIR, ROOT

CALIBRATION = "calibration_baseline"  # the 2017/18 baseline's run
LABEL = "hindcast_learning"          # a learning year's run is scenario "hindcast_learning_<year>"
ACTUALS = ROOT / "data" / "actuals" / "actuals.csv"
#: the hindcast's error kinds as history-matching target kinds
KINDS = {"percent": "volume", "points": "rate"}


def label(year: int) -> str:
    return f"{LABEL}_{year}"


def is_judged(scenario: str) -> bool:
    """Whether a run label is one history matching judges rather than a scenario's result."""
    return scenario == CALIBRATION or scenario.startswith(LABEL)


def target_name(metric: str, year: int) -> str:
    return f"{metric}@{year}"


@cache
def _actuals() -> pd.DataFrame:
    return pd.read_csv(ACTUALS)


def targets(place: str) -> dict[int, dict[str, dict]]:
    """``{year: {metric: spec}}`` for each learning year of the place's hindcast with a yearly actual
    (empty when the place has no hindcast file)."""
    path = CONFIG_DIR / "calibration" / f"{place}_hindcast.yaml"
    if not path.is_file():
        return {}
    spec = yaml.safe_load(path.read_text())
    actuals = _actuals()
    out: dict[int, dict[str, dict]] = {}
    for year in spec["years"]["learning"]:
        period = f"{year}/{(year + 1) % 100:02d}"
        for metric, measure in spec["measures"].items():
            actual = measure["actual"]
            rows = actuals[(actuals["place"] == place) & (actuals["measure"] == actual["measure"])
                           & (actuals["type"] == actual["type"]) & (actuals["period"] == period)]
            if len(rows):
                out.setdefault(int(year), {})[metric] = {
                    "value": float(rows["value"].iloc[0]), "kind": KINDS[measure["error"]], "unit": measure["label"],
                    "source": str(rows["source"].iloc[0])}
    return out


def judged_targets(base: dict[str, dict], later: dict[int, dict[str, dict]]) -> dict[str, dict]:
    """The base year's targets and the learning years' (``<metric>@<year>``), as history matching judges them."""
    return {**base, **{target_name(metric, year): spec for year, wanted in later.items() for metric, spec in wanted.items()}}


def overrides(study: list[str], year: int) -> list[str]:
    """The learning year's run, as the hindcast's unconditional run: the study's overrides less its
    capacity policy (the fixed policy's places, as the hindcast judges its rule on)."""
    kept = [o for o in study if not o.lstrip("+~").split("=")[0].split(".")[0] == "capacity_policy"]
    return [*kept, "scenario=baseline", "capacity_policy=fixed", f"run.year={year}"]


def year_of(scenario: str) -> int | None:
    """The year of a learning year's run label (None for any other)."""
    return int(scenario.rsplit("_", 1)[1]) if scenario.startswith(LABEL) else None


def named(replications: pd.DataFrame, learning: dict[int, dict[str, dict]]) -> pd.DataFrame:
    """The learning years' runs of ``replications`` with each target metric named ``<metric>@<year>``
    (the other metrics dropped), as the 2017/18 baseline's are by their own names."""
    frames = []
    for year, wanted in learning.items():
        rows = replications[(replications["scenario"] == label(year)) & replications["metric"].isin(list(wanted))]
        frames.append(rows.assign(metric=rows["metric"] + f"@{year}"))
    return pd.concat(frames, ignore_index=True) if frames else replications.iloc[:0]
