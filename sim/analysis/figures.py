"""Figures for board papers: one style, each saved with its caption.

Every function takes tidy DataFrames (as the model writes them), draws one
figure in the carepath style and returns the matplotlib figure; :func:`save`
writes it as a PNG with its caption beside it (``<name>.txt``).  Figures use
the colour-blind-safe palette and show 95% intervals wherever the data have
them.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

# No backend is forced: matplotlib picks a file-only one on a machine without a display, and a
# notebook's inline backend shows the figures where they are drawn.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ..common.errors import check_names
from ..common.files import atomic_write
from .statistics import bounded_interval

PALETTE = "colorblind"
DPI = 150


def apply_style() -> None:
    """The carepath style: white grid, colour-blind palette, readable labels."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE,
                  rc={"figure.dpi": 100, "savefig.dpi": DPI, "axes.titleweight": "bold",
                      "axes.titlesize": 12, "legend.frameon": False})


def save(fig, path: Path, caption: str) -> Path:
    """Write ``fig`` to ``path`` (PNG) and its caption to ``path`` with suffix .txt; close the figure."""
    path = Path(path)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", bbox_inches="tight"))
    atomic_write(path.with_suffix(".txt"), lambda tmp: Path(tmp).write_text(caption.strip() + "\n"))
    plt.close(fig)
    return path


def _bands(frame: pd.DataFrame, by: Sequence[str], value: str) -> pd.DataFrame:
    """Mean and 95% interval of ``value`` over replications, for each combination of ``by``: the daily
    measures (places in use, waiting lists) are never below zero, and neither are their bands."""
    rows = []
    for key, group in frame.groupby(list(by), sort=True):
        mean, low, high, n = bounded_interval(group[value].to_numpy(), (0.0, math.inf))
        key = key if isinstance(key, tuple) else (key,)
        rows.append((*key, mean, low, high, n))
    return pd.DataFrame(rows, columns=[*by, "mean", "ci_low", "ci_high", "n"])


def occupancy_over_time(daily: pd.DataFrame, services: Iterable[str], capacity: dict[str, float] | None = None,
                        measure: str = "occupancy_mean", title: str = "Daily occupancy", ylabel: str = "places in use",
                        names: Mapping[str, str] | None = None):
    """Daily mean occupancy of ``services`` over the results period, with 95% bands across replications; each
    service named in the legend by ``names`` (service -> words) where it has one."""
    services = [services] if isinstance(services, str) else list(services)
    check_names(services, daily["service"].unique(), "service")
    apply_style()
    data = daily[(daily["period"] == "results") & daily["service"].isin(services)].copy()
    data["date"] = pd.to_datetime(data["date"])
    bands = _bands(data, ["service", "date"], measure)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for colour, (service, group) in zip(sns.color_palette(PALETTE), bands.groupby("service", sort=False)):
        name = (names or {}).get(service, service)
        ax.plot(group["date"], group["mean"], color=colour, label=name, lw=1.4)
        ax.fill_between(group["date"], group["ci_low"], group["ci_high"], color=colour, alpha=0.25, lw=0)
        if capacity and service in capacity:
            ax.axhline(capacity[service], color=colour, ls="--", lw=1, label=f"{name}: places")
    ax.set(title=title, xlabel="", ylabel=ylabel)
    ax.legend(loc="lower left", ncol=2)
    fig.autofmt_xdate()
    return fig


def axis_label(metric: str, labels: Mapping[str, str] | None = None) -> str:
    """An axis's words for a metric: its label from ``labels`` (metric -> label and unit, e.g. from
    :func:`sim.analysis.labels.metric_table`), else the metric's machine name."""
    return (labels or {}).get(metric, metric)


def trajectories(summary: pd.DataFrame, metric: str, x: str = "year", hue: str = "scenario",
                 title: str | None = None, ylabel: str | None = None, scale: float = 1.0,
                 labels: Mapping[str, str] | None = None):
    """A metric's mean and 95% interval against ``x`` (e.g. year), one line per ``hue``; the axis says what the
    metric is from ``labels`` (metric -> label and unit) unless ``ylabel`` does."""
    check_names([metric], summary["metric"].unique(), "metric")
    apply_style()
    data = summary[summary["metric"] == metric].sort_values(x)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for colour, (name, group) in zip(sns.color_palette(PALETTE), data.groupby(hue, sort=False)):
        ax.plot(group[x], group["mean"] * scale, marker="o", ms=4, color=colour, label=name)
        ax.fill_between(group[x], group["ci_low"] * scale, group["ci_high"] * scale, color=colour, alpha=0.2, lw=0)
    ax.set(title=title or axis_label(metric, labels), xlabel=x, ylabel=ylabel or axis_label(metric, labels))
    ax.legend()
    return fig


def heatmap(frame: pd.DataFrame, x: str, y: str, value: str, title: str, fmt: str = ".0f", cmap: str = "mako_r",
            center: float | None = None, flagged: str | None = None):
    """A value over a two-way grid (e.g. acute beds by intermediate-care level).  ``flagged`` names a boolean
    column: those cells read "unstable" instead of a number (a figure from a waiting list that ran away is not an
    estimate)."""
    apply_style()
    table = frame.pivot_table(index=y, columns=x, values=value, aggfunc="mean").sort_index(ascending=False)
    labels = table.map(lambda v: format(v, fmt))
    if flagged is not None:
        marks = frame.pivot_table(index=y, columns=x, values=flagged, aggfunc="max").reindex_like(table)
        labels = labels.mask(marks.fillna(False).astype(bool), "unstable")
    fig, ax = plt.subplots(figsize=(7, 4.8))
    sns.heatmap(table, annot=labels.to_numpy(), fmt="", cmap="vlag" if center is not None else cmap, center=center, ax=ax,
                cbar_kws={"label": value})
    ax.set(title=title, xlabel=x, ylabel=y)
    return fig


def differences(comparison: pd.DataFrame, metrics: Sequence[str], title: str = "Difference from do nothing",
                relative: bool = True, labels: Mapping[str, str] | None = None):
    """Paired differences from the baseline scenario with 95% intervals (a forest plot), each metric named by
    its label in ``labels`` (metric -> words) where it has one."""
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    check_names(metrics, comparison["metric"].unique(), "metric")
    apply_style()
    data = comparison[comparison["metric"].isin(metrics)].copy()
    if relative:
        scale = 100.0 / (data["difference"] / (data["relative_pct"] / 100.0)).replace(0, np.nan)
        for column in ("difference", "ci_low", "ci_high"):
            data[column] = data[column] * scale
    order = [m for m in metrics if m in set(data["metric"])]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(order) * max(1, data["scenario"].nunique()) + 1.2))
    scenarios = list(dict.fromkeys(data["scenario"]))
    offsets = np.linspace(-0.2, 0.2, len(scenarios)) if len(scenarios) > 1 else [0.0]
    for colour, offset, scenario in zip(sns.color_palette(PALETTE), offsets, scenarios):
        part = data[data["scenario"] == scenario].set_index("metric").reindex(order)
        ypos = np.arange(len(order)) + offset
        ax.errorbar(part["difference"], ypos, xerr=[part["difference"] - part["ci_low"], part["ci_high"] - part["difference"]],
                    fmt="o", color=colour, capsize=3, label=scenario)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(range(len(order)), [axis_label(m, labels) for m in order])
    ax.invert_yaxis()
    ax.set(title=title, xlabel="% change (paired, 95% interval)" if relative else "difference (paired, 95% interval)")
    ax.legend(loc="best")
    return fig


def response_curves(frame: pd.DataFrame, x: str, metric: str, hue: str, title: str, ylabel: str,
                    linear_from: float | None = None):
    """Mean and 95% interval of ``metric`` against ``x`` per ``hue`` level; optionally the straight line a
    spreadsheet would draw from the first two points (``linear_from`` = the x of the second point)."""
    apply_style()
    fig, ax = plt.subplots(figsize=(8, 4.8))
    for colour, (name, group) in zip(sns.color_palette(PALETTE), frame.groupby(hue, sort=True)):
        group = group.sort_values(x)
        ax.plot(group[x], group["mean"], marker="o", ms=4, color=colour, label=f"{hue} {name}")
        ax.fill_between(group[x], group["ci_low"], group["ci_high"], color=colour, alpha=0.2, lw=0)
        if linear_from is not None and len(group) >= 2:
            first = group.iloc[0]
            second = group[group[x] == linear_from].iloc[0]
            slope = (second["mean"] - first["mean"]) / (second[x] - first[x])
            xs = group[x].to_numpy()
            ax.plot(xs, first["mean"] + slope * (xs - first[x]), ls=":", color=colour, lw=1.2)
    ax.set(title=title, xlabel=x, ylabel=ylabel)
    ax.legend(title="dotted: straight-line extrapolation" if linear_from is not None else None)
    return fig
