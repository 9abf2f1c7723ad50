"""The headline figures of each acute site of a multi-site place (``place=black_country``).

A place with several acute sites partitions its site services by site (``partition: site``: ``ae``,
``acute``, ``sdec``, ``utc``), and ``summary.csv`` holds each part's statistics (``ae_manor.arrivals``)
and each named metric's figure at each part where the model counts it there (``nel_admissions.acute_manor``).
:func:`by_site` finds, for every headline figure read off one site service, the same figure at each site:
the named metric at the part where it exists, else the part's own statistic when the metric is that
statistic and nothing more (a metric with a filter, such as admissions excluding planned ones, is not
its service's plain statistic, and has no site figure unless the model counts it per part).  Figures of
several services, of the whole place's services, or of costs have no site figure and are left out.
Each site is named by its label in the place's ``sites.csv`` (``data/places/<place>/``) where it has one.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ..common.paths import ROOT
from . import labels, report

SITE = "site"
#: the keys of a metric's spec that say what it is, not which patients it counts
PLAIN = {"service", "stat", "label", "unit", "direction"}
COLUMNS = ["measure", "unit", "site", "mean", "95% interval", "metric"]


def site_figures(network: Mapping[str, Any], metrics: Iterable[str]) -> list[tuple[str, str, str]]:
    """``(headline metric, site, metric at that site)`` for every headline figure with site figures."""
    metrics = set(metrics)
    services = network.get("services") or {}
    specs = network.get("metrics") or {}
    found = []
    for metric in report.headline_metrics(network, metrics):
        spec = specs.get(metric) or {}
        service = spec.get("service")
        if not isinstance(service, str) or (services.get(service) or {}).get("partition") != SITE:
            continue
        parts = sorted({m.split(".", 1)[0] for m in metrics if m.startswith(f"{service}_") and "." in m} - set(services))
        for part in parts:
            at_site = f"{metric}.{part}"
            if at_site not in metrics and set(spec) <= PLAIN and f"{part}.{spec.get('stat')}" in metrics:
                at_site = f"{part}.{spec['stat']}"
            if at_site in metrics:
                found.append((metric, part[len(service) + 1:], at_site))
    return found


def site_labels(place: str) -> dict[str, str]:
    """site -> label, from ``data/places/<place>/sites.csv`` (none for a place without the file)."""
    path = ROOT / "data" / "places" / str(place) / "sites.csv"
    if not path.is_file():
        return {}
    table = pd.read_csv(path)
    return dict(zip(table["site"].astype(str), table["label"].astype(str))) if {"site", "label"} <= set(table.columns) else {}


def by_site(summary: pd.DataFrame, config: Mapping[str, Any], year: int | None = None) -> pd.DataFrame:
    """The headline figures by site: measure, unit, site (by its label), mean, 95% interval and the metric's
    machine name; empty for a place with one site.  ``year``: the financial year of a multi-year run to show
    (default: its last)."""
    if "year" in summary.columns:
        summary = summary[summary["year"] == (year if year is not None else summary["year"].max())]
    table = summary.set_index("metric")
    names = labels.Labels(config)
    named = site_labels((config.get("place") or {}).get("name", ""))
    rows = []
    for metric, site, at_site in site_figures(config["network"], table.index):
        r, described = table.loc[at_site], names.describe(metric)
        interval = "-" if math.isnan(r["ci_low"]) else f"{report.number(r['ci_low'])} to {report.number(r['ci_high'])}"
        rows.append((described.label, described.unit, named.get(site) or labels.words(site).capitalize(),
                     report.number(r["mean"]), interval, at_site))
    return pd.DataFrame(rows, columns=COLUMNS)
