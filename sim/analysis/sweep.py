"""A finished sweep as one table and one figure: every job's summary against the values it was run with.

Each job of a multirun is a folder (named by its overrides: :mod:`sim.jobs.folders`) holding
``summary.csv`` and ``replications.csv``, with Hydra's record of its overrides in ``.hydra/``.
:func:`jobs` reads them in the order the sweep ran them; the *swept keys* are the overrides whose
values differ between jobs (every override, for a sweep of one job).  :func:`write_sweep` writes

* ``sweep.csv``: a column per swept key, then ``job`` (its folder), then a row per job and metric
  with ``mean, ci_low, ci_high, replications, unstable, held_by_giving_up`` (and ``year`` in a multi-year
  run), and
* ``sweep.png``: one panel per headline metric, its mean and 95% interval against the first swept
  key, a line for each value of the second (of the rest, together, when more are swept); options that
  are not numbers (scenarios) are points with interval bars, not lines.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import yaml

from ..common.files import write_csv
from . import figures


@dataclass(frozen=True)
class Job:
    """One job of a sweep: its folder, its number in the sweep, and its overrides (``key: value``, as typed)."""

    folder: Path
    number: int
    settings: dict

    def label(self, keys) -> str:
        """``key=value`` of the given keys, comma separated: how reports name the job."""
        return ",".join(f"{k}={self.settings.get(k, '')}" for k in keys) or self.folder.name


def settings(folder: Path) -> dict[str, str]:
    """A job's command-line overrides, ``key: value`` (a leading ``+`` or ``~`` dropped)."""
    overrides_file = Path(folder) / ".hydra" / "overrides.yaml"
    overrides = yaml.safe_load(overrides_file.read_text()) if overrides_file.is_file() else []
    found = {}
    for item in overrides or []:
        key, _, value = str(item).partition("=")
        found[key.lstrip("+~")] = value
    return found


def _number(folder: Path, position: int) -> int:
    """The job's number in the sweep (``hydra.job.num``), else its place among the folders."""
    record = folder / ".hydra" / "hydra.yaml"
    try:
        return int(yaml.safe_load(record.read_text())["hydra"]["job"]["num"])
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError):
        return position


def jobs(sweep_dir: Path) -> list[Job]:
    """The finished jobs of a sweep (folders holding ``replications.csv``), in the order the sweep ran them."""
    folders = sorted(p.parent for p in Path(sweep_dir).glob("*/replications.csv"))
    found = [Job(folder, _number(folder, i), settings(folder)) for i, folder in enumerate(folders)]
    return sorted(found, key=lambda job: (job.number, job.folder.name))


def swept_keys(found: list[Job]) -> list[str]:
    """The overrides whose values differ between jobs, in the order they are first given (all of them for one job)."""
    keys = list(dict.fromkeys(k for job in found for k in job.settings))
    if len(found) < 2:
        return keys
    return [k for k in keys if len({job.settings.get(k) for job in found}) > 1]


def sweep_table(found: list[Job], keys: list[str]) -> pd.DataFrame:
    """Every job's ``summary.csv`` stacked, with a column per swept key and the job's folder."""
    frames = []
    for job in found:
        summary = pd.read_csv(job.folder / "summary.csv")
        if "scenario" in keys:                 # the swept scenario says it; the summary's name would repeat it
            summary = summary.drop(columns="scenario")
        frames.append(summary.assign(**{k: job.settings.get(k, "") for k in keys}, job=job.folder.name))
    table = pd.concat(frames, ignore_index=True)
    return table[[*keys, "job", *[c for c in table.columns if c not in (*keys, "job")]]]


def _values(column: pd.Series) -> pd.Series:
    """Numbers where every value is one, else the values as text."""
    numbers = pd.to_numeric(column, errors="coerce")
    return numbers if numbers.notna().all() else column.astype(str)


def sweep_figure(table: pd.DataFrame, keys: list[str], metrics: list[str]):
    """One panel per metric: its mean and 95% interval against ``keys[0]``, a line per value of the rest."""
    figures.apply_style()
    metrics = [m for m in metrics if m in set(table["metric"])]
    if "year" in table.columns:                # a multi-year run: its last year
        table = table[table["year"] == table["year"].max()]
    x_key, rest = (keys[0], keys[1:]) if keys else ("job", [])
    columns = min(3, max(1, len(metrics)))
    rows = max(1, math.ceil(len(metrics) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(4.6 * columns, 3.4 * rows), squeeze=False)
    for ax in axes.flat[len(metrics):]:
        ax.set_visible(False)
    data = table.assign(_x=_values(table[x_key].astype(str)),
                        _line=table[rest].astype(str).agg(", ".join, axis=1) if rest else "")
    categorical = not pd.api.types.is_numeric_dtype(data["_x"])
    order = list(dict.fromkeys(data["_x"])) if categorical else sorted(set(data["_x"]))
    for ax, metric in zip(axes.flat, metrics):
        rows_of = data[data["metric"] == metric]
        lines = list(dict.fromkeys(rows_of["_line"]))
        for number, (line, part) in enumerate(rows_of.groupby("_line", sort=False)):
            label = f"{', '.join(rest)}={line}" if rest else None
            if categorical:                    # options, not a scale: a point and its interval each, side by side
                shift = 0.12 * (number - (len(lines) - 1) / 2)
                spans = [part["mean"] - part["ci_low"], part["ci_high"] - part["mean"]]
                ax.errorbar(part["_x"].map(order.index) + shift, part["mean"], yerr=spans, fmt="o", capsize=4,
                            label=label)
                continue
            part = part.sort_values("_x")
            drawn = ax.plot(part["_x"], part["mean"], marker="o", label=label)[0]
            ax.fill_between(part["_x"], part["ci_low"], part["ci_high"], color=drawn.get_color(), alpha=0.2)
        ax.set_title(metric)
        ax.set_xlabel(x_key)
        if categorical:
            ax.set_xticks(range(len(order)), [str(v) for v in order], rotation=20)
            ax.set_xlim(-0.5, len(order) - 0.5)
    if rest:
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), bbox_to_anchor=(0.5, -0.02))
    fig.suptitle(f"Headline figures against {x_key} (mean, 95% interval)")
    return fig


def write_sweep(sweep_dir: Path, headline) -> dict[str, Path]:
    """Write ``sweep.csv`` and ``sweep.png`` into ``sweep_dir``; ``headline`` chooses the figure's metrics from
    the metrics the jobs report (:func:`sim.analysis.report.headline_metrics`, given those names).  Nothing is
    written when no job finished."""
    found = jobs(sweep_dir)
    if not found:
        return {}
    keys = swept_keys(found)
    table = sweep_table(found, keys)
    paths = {"sweep.csv": Path(sweep_dir) / "sweep.csv", "sweep.png": Path(sweep_dir) / "sweep.png"}
    write_csv(table, paths["sweep.csv"])
    metrics = headline(list(dict.fromkeys(table["metric"])))
    caption = (f"Each headline metric's mean over replications and its 95% interval, for each job of the sweep "
               f"({len(found)} jobs), against {keys[0] if keys else 'the job'}"
               + (f"; a line for each value of {', '.join(keys[1:])}" if len(keys) > 1 else "") + ".")
    figures.save(sweep_figure(table, keys, metrics), paths["sweep.png"], caption)
    return paths
