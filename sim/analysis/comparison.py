"""Scenario comparisons: paired differences against a baseline scenario, from a multirun.

Each job of a multirun writes ``replications.csv``.  Jobs that differ only in
their scenario are paired replication by replication (they share seeds, so
common random numbers), and each scenario is reported as its difference from
the baseline scenario (``do_nothing`` unless told otherwise) with a 95%
t-interval: ``comparison.csv`` with columns ``scenario, baseline, metric,
difference, ci_low, ci_high, relative_pct, replications`` plus one column per
other swept setting (e.g. ``capacity.acute_beds``, or ``capacity_policy``: each
scenario is paired with the baseline run under the same policy), then each metric's ``label, unit,
direction`` (:mod:`sim.analysis.labels`).  The kinds of
saving follow as rows of their own (``net_saving_gbp``, ``cash_releasing_saving_gbp``,
``cost_avoidance_gbp``, ...: :mod:`sim.analysis.savings`), where ``difference`` is
the amount saved.

``python -m sim -m scenario=do_nothing,uk_comparator`` writes it to the sweep
directory when the sweep ends (:class:`sim.jobs.callbacks.ScenarioComparison`);
``python -m sim.compare <sweep dir>`` writes it for any finished sweep.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from ..common.files import write_csv
from . import labels
from .savings import kinds_of_saving
from .statistics import paired_differences

DEFAULT_BASELINE = "do_nothing"


def _job_settings(job: Path) -> dict[str, str]:
    """The job's command-line overrides other than the scenario choice."""
    overrides_file = job / ".hydra" / "overrides.yaml"
    overrides = yaml.safe_load(overrides_file.read_text()) if overrides_file.is_file() else []
    settings = {}
    for item in overrides or []:
        key, _, value = str(item).partition("=")
        if key.lstrip("+~") not in ("scenario", "scenario.name"):
            settings[key.lstrip("+~")] = value
    return settings


def paired_comparison(replications: pd.DataFrame, baseline: str = DEFAULT_BASELINE) -> pd.DataFrame:
    """Every metric's paired difference from ``baseline``, then the kinds of saving."""
    saving = kinds_of_saving(replications, baseline)
    parts = [paired_differences(replications, baseline)] + ([saving] if not saving.empty else [])
    return pd.concat(parts, ignore_index=True)


def compare(sweep_dir: Path, baseline: str = DEFAULT_BASELINE) -> pd.DataFrame:
    """Paired differences of every scenario against ``baseline`` within each group of otherwise equal jobs."""
    sweep_dir = Path(sweep_dir)
    groups: dict[tuple, list[pd.DataFrame]] = {}
    for reps_file in sorted(sweep_dir.glob("*/replications.csv")):
        settings = _job_settings(reps_file.parent)
        groups.setdefault(tuple(sorted(settings.items())), []).append(pd.read_csv(reps_file))
    frames = []
    for settings, parts in groups.items():
        replications = pd.concat(parts, ignore_index=True)
        if baseline not in set(replications["scenario"]) or replications["scenario"].nunique() < 2:
            continue
        diff = paired_comparison(replications, baseline)
        for key, value in settings:
            diff[key] = value
        frames.append(diff)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def with_labels(table: pd.DataFrame, sweep_dir: Path) -> pd.DataFrame:
    """``table`` with each metric's ``label, unit, direction`` from the jobs' ``metrics.csv`` (unchanged when
    no job wrote one); the kinds of saving, which no job reports, take theirs from :mod:`sim.analysis.labels`."""
    parts = [pd.read_csv(f, keep_default_na=False) for f in sorted(Path(sweep_dir).glob("*/metrics.csv"))]
    if not parts:
        return table
    known = pd.concat(parts, ignore_index=True).drop_duplicates("metric").set_index("metric")
    rows = [known.loc[m].tolist() if m in known.index else list(_describe(m)) for m in table["metric"]]
    return table.assign(**{c: [r[i] for r in rows] for i, c in enumerate(("label", "unit", "direction"))})


def _describe(metric: str) -> tuple[str, str, str]:
    found = labels.describe(metric)
    return found.label, found.unit, found.direction


def write_comparison(sweep_dir: Path, baseline: str = DEFAULT_BASELINE) -> Path | None:
    """Write ``comparison.csv`` into ``sweep_dir`` (with each metric's label, unit and direction where the jobs
    wrote ``metrics.csv``); None when there is nothing to compare."""
    table = compare(sweep_dir, baseline)
    if table.empty:
        return None
    table = with_labels(table, sweep_dir)
    path = Path(sweep_dir) / "comparison.csv"
    write_csv(table, path)
    return path
