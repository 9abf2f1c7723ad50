"""Run carepath from Python (notebooks, scripts) with the command line's configs and overrides.

    from sim import api
    base = api.run("run.replications=5")
    more = api.run("run.replications=5", "capacity.ic_beds=80")
    more.compare(base)                       # paired differences with 95% intervals
    more.plot_occupancy(["acute", "ic_bed"])  # seaborn figure with interval bands

:func:`run` composes the same Hydra configuration as ``python -m sim <overrides>`` and runs it
through the same :func:`sim.jobs.runner.run`, so a result here is the result there, number for number.
Bad input raises :class:`~sim.common.errors.ConfigError` (:class:`~sim.common.errors.ConfigErrors` for
several problems) before anything runs, with the command line's message: a misspelt key names the closest
known key (``run.horizn_days=3``: did you mean 'horizon_days'?), and a bad value given through a key that
feeds others names the key you set (``network.lam``, not ``network.streams.arrivals.rate_per_day``).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from .analysis import figures, labels, pathway_diagram
from .analysis.comparison import paired_comparison
from .common import progress as terminal
from .common.errors import ConfigError, ConfigErrors, check_names
from .inputs.config import compose
from .inputs.overrides import as_list
from .jobs import runner
from .jobs.cli import checked_job


@dataclass
class Run:
    """One configuration's results: tables as pandas DataFrames, comparison and plots."""

    results: runner.Results
    overrides: tuple[str, ...]

    @property
    def config(self) -> dict:
        """The resolved configuration that ran."""
        return self.results.config

    @property
    def summary(self) -> pd.DataFrame:
        """``metric, mean, ci_low, ci_high, replications`` (95% intervals over replications, each within its metric's bounds)."""
        return self.results.summary

    @property
    def replications(self) -> pd.DataFrame:
        """``replication, metric, value``: one row per metric per replication."""
        return self.results.replications

    @property
    def daily(self) -> pd.DataFrame:
        """Daily time series per service and replication (occupancy, queue, blocked)."""
        return self.results.daily

    @property
    def flows(self) -> pd.DataFrame:
        return self.results.flows

    @property
    def years(self) -> list[int]:
        """The financial years reported (one unless the run was continuous over several, ``run.end_year``)."""
        if "year" in self.summary.columns:
            return sorted(self.summary["year"].unique().tolist())
        return [int(self.config["run"]["year"])]

    def metric(self, *names: str) -> pd.DataFrame:
        """Rows of the summary for the named metrics, in the order given (indexed by ``year, metric``
        in a multi-year run)."""
        columns = ["mean", "ci_low", "ci_high", "replications", "unstable"]
        names = tuple(as_list(names))
        check_names(names, self.summary["metric"], "metric")
        if "year" in self.summary.columns:
            table = self.summary[self.summary["metric"].isin(names)].set_index(["year", "metric"])
            return table[columns].sort_index(level="metric", key=lambda m: m.map(list(names).index), sort_remaining=True)
        table = self.summary.set_index("metric")
        return table.loc[list(names), columns]

    def compare(self, baseline: Run, metrics: Sequence[str] | None = None) -> pd.DataFrame:
        """This run minus ``baseline``, replication by replication (common random numbers): the
        difference, its 95% interval and the relative change, for every (or the named) metric, then
        the kinds of saving (``net_saving_gbp``, ``cash_releasing_saving_gbp``, ... where
        ``difference`` is the amount saved: :mod:`sim.analysis.savings`)."""
        mine = self.replications.assign(scenario="this")
        theirs = baseline.replications.assign(scenario="baseline")
        diff = paired_comparison(pd.concat([mine, theirs], ignore_index=True), "baseline")
        diff = diff.drop(columns=["scenario", "baseline"])
        if "year" in diff.columns:               # a multi-year run: each year paired with the same year
            if metrics is not None:
                metrics = as_list(metrics)
                check_names(metrics, diff["metric"], "metric")
                diff = diff[diff["metric"].isin(metrics)]
            return diff.set_index(["year", "metric"])
        diff = diff.set_index("metric")
        if metrics is None:
            return diff
        metrics = as_list(metrics)
        check_names(metrics, diff.index, "metric")
        return diff.loc[metrics]

    def plot_occupancy(self, services: Iterable[str], capacity: dict[str, float] | None = None):
        """Places in use each day (mean over replications, 95% band) for the given services, each with its
        places as a dashed line: the places this run had (``capacity`` draws others)."""
        services = list(services)
        if capacity is None:
            configured = self.config["network"].get("services") or {}
            capacity = {s: configured[s]["capacity"] for s in services
                        if isinstance((configured.get(s) or {}).get("capacity"), (int, float))}
        return figures.occupancy_over_time(self.daily, services, capacity)

    @property
    def labels(self) -> pd.DataFrame:
        """``metric, label, unit, direction`` for every metric of the summary: what each is in words, its unit,
        and whether higher or lower is better (``metrics.csv`` beside ``summary.csv``)."""
        return labels.metric_table(self.config, self.summary["metric"])

    def pathway_svg(self) -> str:
        """The pathway this run ran, as an SVG diagram (``IPython.display.SVG(run.pathway_svg())`` shows it in a
        notebook; ``carepath pathway`` draws it from the command line)."""
        return pathway_diagram.diagram(self.config["network"])

    def plot_compare(self, baseline: Run, metrics: Sequence[str], title: str = "Change from the baseline"):
        """Each metric's difference from ``baseline`` with its 95% interval, named by its label."""
        comparison = self.compare(baseline, metrics).reset_index().assign(scenario="this")
        names = labels.Labels(self.config)
        return figures.differences(comparison, list(metrics), title=title,
                                   labels={m: names.describe(m).label for m in as_list(metrics)})


def run(*overrides: str | Sequence[str], progress: bool | None = None) -> Run:
    """Run the configuration ``python -m sim *overrides`` would run, and return its results.  Overrides are
    strings, given separately (``run("run.replications=2", "run.seed=1")``) or as one list.  ``progress``:
    a progress bar with its estimated time to finish (true), none (false), or (None, the default) a bar
    when standard error is a terminal."""
    overrides = tuple(as_list(overrides))
    cfg = compose(overrides)
    job, bad = checked_job(cfg)          # the command line's and the web app's own check, in their words
    if bad:
        errors = [e if isinstance(e, ConfigError) else ConfigError("configuration", " ".join(overrides), f"one that resolves ({e})")
                  for e in bad]
        raise (errors[0] if len(errors) == 1 else ConfigErrors(errors))
    shown = terminal.wanted() if progress is None else progress
    return Run(runner.run(job, progress=shown), tuple(overrides))   # prepared once, by the check


def sweep(setting: str, values: Iterable, *overrides: str) -> pd.DataFrame:
    """Run once per value of ``setting`` (like ``-m setting=a,b,c``); the summaries stacked with a
    column named after the setting."""
    frames = []
    for value in values:
        result = run(*overrides, f"{setting}={value}")
        frames.append(result.summary.assign(**{setting: value}))
    return pd.concat(frames, ignore_index=True)


def scenarios(names: Sequence[str], *overrides: str, baseline: str = "do_nothing") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run each scenario with the same seeds; return (summaries, paired differences from ``baseline``, with the
    kinds of saving)."""
    runs = {name: run(f"scenario={name}", *overrides) for name in names}
    summaries = pd.concat([r.summary for r in runs.values()], ignore_index=True)
    replications = pd.concat([r.replications for r in runs.values()], ignore_index=True)
    return summaries, paired_comparison(replications, baseline)
