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

Any other sweep (``-m capacity.acute_beds=480,520,560``) is compared with a reference job instead
(:func:`compare_to_reference`: ``carepath compare <sweep dir> --reference capacity.acute_beds=520``, the
first job by default), paired the same way, with columns ``job, reference`` in place of ``scenario,
baseline``.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from ..common.errors import ConfigError, did_you_mean
from ..common.files import write_csv
from . import labels, sweep
from .savings import kinds_of_saving
from .statistics import paired_differences

DEFAULT_BASELINE = "do_nothing"


def _job_settings(job: Path) -> dict[str, str]:
    """The job's command-line overrides other than the scenario choice."""
    return {k: v for k, v in sweep.settings(job).items() if k not in ("scenario", "scenario.name")}


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


def _same(a, b) -> bool:
    """Whether two values of an override are the same (``520`` and ``520.0``, ``[a,b]`` and ``[a, b]``)."""
    try:
        return yaml.safe_load(str(a)) == yaml.safe_load(str(b))
    except yaml.YAMLError:
        return str(a) == str(b)


def reference_settings(found: list[sweep.Job], keys: list[str], reference: list[str] | str | None) -> dict[str, str]:
    """The settings that pick the reference job: ``key=value`` items (``capacity.acute_beds=520``), or a job's
    folder name (its swept settings), or (None) the first job's swept settings."""
    if reference is None or reference == []:
        return {k: found[0].settings.get(k, "") for k in keys}
    items = [reference] if isinstance(reference, str) else list(reference)
    for job in found:
        if items == [job.folder.name]:
            return {k: job.settings.get(k, "") for k in keys}
    chosen = {}
    for item in items:
        key, equals, value = item.partition("=")
        key = key.lstrip("+~")
        if not equals or key not in keys:
            known = sorted(set(keys))
            raise ConfigError("--reference", item, f"key=value of a swept setting ({', '.join(known) or 'none'})"
                                                   f"{did_you_mean(key, known) if equals else ''}, or a job's folder")
        chosen[key] = value
    if not any(all(_same(job.settings.get(k), v) for k, v in chosen.items()) for job in found):
        raise ConfigError("--reference", " ".join(items), "the settings of a job of the sweep")
    return chosen


def compare_to_reference(sweep_dir: Path, reference: list[str] | str | None = None) -> pd.DataFrame:
    """Every job of any sweep minus a reference job, paired replication by replication (the jobs share their
    seeds, so common random numbers), then the kinds of saving.  The reference settings
    (:func:`reference_settings`) fix some swept keys; each job is paired with the reference job that has
    those values and the job's own values of the other swept keys.  Columns: ``job, reference`` (each as
    ``key=value`` of the swept keys), one per swept key (the job's value), then ``[year,] metric, difference,
    ci_low, ci_high, relative_pct, replications``."""
    found = sweep.jobs(sweep_dir)
    keys = sweep.swept_keys(found)
    if len(found) < 2:
        return pd.DataFrame()
    chosen = reference_settings(found, keys, reference)
    frames = []
    for job in found:
        if all(_same(job.settings.get(k), v) for k, v in chosen.items()):
            continue                       # a reference itself
        wanted = {k: (chosen[k] if k in chosen else job.settings.get(k)) for k in keys}
        matches = [r for r in found if all(_same(r.settings.get(k), v) for k, v in wanted.items())]
        if not matches:
            continue
        label, base = job.label(keys), matches[0].label(keys)
        parts = [pd.read_csv(j.folder / "replications.csv").assign(scenario=name)
                 for j, name in ((job, label), (matches[0], base))]
        diff = paired_comparison(pd.concat(parts, ignore_index=True), base)
        diff = diff.rename(columns={"scenario": "job", "baseline": "reference"})
        for key in reversed(keys):
            diff.insert(2, key, job.settings.get(key, ""))
        frames.append(diff)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def write_comparison(sweep_dir: Path, baseline: str = DEFAULT_BASELINE, reference: list[str] | str | None = None,
                     any_sweep: bool = False) -> Path | None:
    """Write ``comparison.csv`` into ``sweep_dir`` (each metric with its label, unit and direction where the jobs
    wrote ``metrics.csv``); None when there is nothing to compare.  Scenarios against
    ``baseline`` (:func:`compare`), unless ``reference`` is given: then every job against the reference job
    (:func:`compare_to_reference`); ``any_sweep``: a sweep without scenarios to compare is compared with its
    first job."""
    table = compare(sweep_dir, baseline) if reference is None else pd.DataFrame()
    if table.empty and (reference is not None or any_sweep):
        table = compare_to_reference(sweep_dir, reference)
    if table.empty:
        return None
    table = with_labels(table, sweep_dir)
    path = Path(sweep_dir) / "comparison.csv"
    write_csv(table, path)
    return path
