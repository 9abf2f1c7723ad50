"""Headline measures by calendar month: what ``monthly.csv`` holds.

The model keeps its streamed statistics at midnight of each month's first day in the results period
(:meth:`sim.engine.model.Model.run`, ``months``); each month is then evaluated by the metric set of its
financial year exactly as a year is, so a month's figure means what the year's does:

* **counts** (attendances, admissions, 12-hour waits from arrival, corridor moves, delayed bed-days,
  escalation bed-days) are totals over the month: the months of a year sum to the year's figure;
* **levels** (beds occupied, escalation beds, corridor patients) are means over the month's days: weighted
  by ``days``, the months average to the year's figure;
* **rates** (4-hour performance, occupancy as a share of beds, the mean wait for social care) are the
  month's own ratio; the year's is not the mean of the months'.

Not given by month, only by year (summary.csv): the ``unstable_<service>`` flags (a waiting list's growth
is judged over a whole year), costs and capacity accounts. Not measured by the model at all: 12-hour waits
from the decision to admit (the model counts 12 hours from arrival, ``ae_12h_waits``) and all-types 4-hour
performance (the model's A&E is the type-1 department). A measure the configured network does not define
(``pressure=none`` has no escalation beds) is left out.
"""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from .statistics import UNBOUNDED, bounded_interval

#: metric -> kind: the headline measures written by month, in this order (each one's label and unit
#: are the run's, sim.analysis.labels, written to metrics.csv)
MONTHLY = {
    "ae_attendances": "count",
    "ae_4h_pct": "rate",
    "ae_12h_waits": "count",
    "ae_admissions": "count",
    "nel_admissions": "count",
    "acute.occupancy_mean": "level",
    "acute_occupancy_mean": "rate",
    "acute_escalation_beds_mean": "level",
    "acute_escalation_bed_days": "count",
    "ae.corridor_mean": "level",
    "ae_corridor_patients": "count",
    "acute_delayed_bed_days": "count",
    "social_care_wait_days_mean": "rate",
}
COLUMNS = ["scenario", "year", "month", "days", "metric", "kind", "mean", "ci_low", "ci_high", "replications"]


def evaluate(raw: dict, metric_sets: dict) -> list[tuple]:
    """``(year, month, days, metric, value)`` for each month of one replication's raw statistics;
    ``metric_sets``: the MetricSet of each financial year."""
    rows = []
    for period in raw.get("months") or []:
        values = metric_sets[period["year"]].evaluate({**raw, **period})
        rows += [(period["year"], period["month"], period["period_days"], metric, values[metric])
                 for metric in MONTHLY if metric in values]
    return rows


def table(scenario: str, results: list[dict],
          bounds: Callable[[str], tuple[float, float]] | None = None) -> pd.DataFrame:
    """The replications' months as ``monthly.csv``: mean and 95% interval over replications (as in
    summary.csv: within each metric's ``bounds``, :func:`sim.analysis.statistics.bounded_interval`) of each
    headline measure in each month."""
    rows = [(r["replication"], *row) for r in results for row in r.get("monthly") or []]
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    long = pd.DataFrame(rows, columns=["replication", "year", "month", "days", "metric", "value"])
    out = []
    for (year, month, metric), group in long.groupby(["year", "month", "metric"], sort=False):
        mean, low, high, n = bounded_interval(group["value"].to_numpy(), bounds(metric) if bounds else UNBOUNDED)
        out.append((scenario, year, month, float(group["days"].iloc[0]), metric, MONTHLY[metric], mean, low, high, n))
    return pd.DataFrame(out, columns=COLUMNS)
