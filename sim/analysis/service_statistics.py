"""The statistics of one service, from the raw counters a replication recorded for it.

Each statistic in :data:`SERVICE_STATISTICS` is a counter, or a ratio of two counters, or a counter
per day of the results period (``PERIOD``); a service reports all of them as ``<service>.<statistic>``
(:mod:`sim.analysis.metrics`).  Families named by a service's limits are added: ``over_<h>h`` and
``within_<h>h_pct`` from its sojourn limits (4 hours in A&E), ``wait_within_<h>h_pct`` and
``wait_over_<h>h`` from its wait limits (an hour for an ambulance handover).  A named metric may
narrow some of them to the patients bound for given destinations (:func:`sojourns_by_destination`) or
of given arrival modes (:func:`statistics_by_mode`).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

PERIOD = "period"

#: statistics a metric may filter by the patients' arrival mode (and waits over a limit, ``wait_over_<h>h``)
MODE_FILTERABLE = ("same_day", "same_day_pct", "wait_hours")

#: statistic -> (numerator counter, denominator counter or PERIOD or None, scale)
SERVICE_STATISTICS = {
    "arrivals": ("arrived", None, 1.0),
    "offered": ("offered", None, 1.0),
    "lost": ("lost", None, 1.0),
    "reneged": ("reneged", None, 1.0),
    "started": ("started", None, 1.0),
    "departures": ("left", None, 1.0),
    "readmissions": ("readmissions", None, 1.0),
    "wait_mean": ("wait_sum", "started", 1.0),
    "wait_hours": ("wait_sum", None, 24.0),   # all waits for a place, in hours (an ambulance handover's)
    "p_wait": ("waited", "started", 1.0),
    "p_loss": ("lost", "offered", 1.0),
    "occupancy_mean": ("area_place", PERIOD, 1.0),
    "occupancy_pct": ("area_place", "area_capacity", 100.0),
    "capacity_mean": ("area_capacity", PERIOD, 1.0),
    "queue_mean": ("area_waiting", PERIOD, 1.0),
    "blocked_mean": ("area_blocked", PERIOD, 1.0),
    "place_days": ("area_place", None, 1.0),
    "capacity_days": ("area_capacity", None, 1.0),
    "blocked_days": ("area_blocked", None, 1.0),
    "waiting_days": ("area_waiting", None, 1.0),
    "blocked_days_mean": ("blocked_sum", "left", 1.0),
    "p_blocked": ("blocked_n", "left", 1.0),
    "sojourn_mean": ("sojourn_sum", "left", 1.0),
    "place_time_mean": ("place_sum", "left", 1.0),
    # Little's law, L = lambda W: departures per day x their mean time in a place, to set beside
    # occupancy_mean (equal in expectation in steady state; tests/test_theory.py checks it).
    "departures_x_place_time": ("place_sum", PERIOD, 1.0),
    # left on the calendar day they took their place (a zero-day stay), as a share of those who left a place
    "same_day": ("same_day", None, 1.0),
    "same_day_pct": ("same_day", "left", 100.0),
    # responses to pressure (sim.engine.pressure): escalation places, corridor care, earlier discharge,
    # patients turned away by a raised threshold, patients who gave up waiting while holding a place elsewhere
    "surge_days": ("area_surge", None, 1.0),
    "surge_mean": ("area_surge", PERIOD, 1.0),
    "corridor_days": ("area_corridor", None, 1.0),
    "corridor_mean": ("area_corridor", PERIOD, 1.0),
    "corridor_moves": ("corridor_moves", None, 1.0),
    "los_shortened": ("los_shortened", None, 1.0),
    "los_saved_days": ("los_saved_sum", None, 1.0),
    "redirected": ("redirected", None, 1.0),
    "transferred": ("transferred", None, 1.0),
    "discharge_wait_days": ("discharge_wait_sum", None, 1.0),
    "discharge_wait_mean": ("discharge_wait_sum", "discharged_timed", 1.0),
    "discharged_before_noon_pct": ("discharged_before_noon", "discharged_timed", 100.0),
    "discharged_weekend_pct": ("discharged_weekend", "discharged_timed", 100.0),
    # levels at the end of the results period
    "queued_end": ("queued_end", None, 1.0),
    "waiting_end": ("waiting_end", None, 1.0),
    "surge_end": ("surge_end", None, 1.0),
}
#: statistics judged against a service's sojourn limits, which a metric may filter by destination (``to``)
SOJOURN_FILTERABLE = ("over_", "within_")


def ratio(num: float, den: float | None, scale: float) -> float:
    if den is None:
        return num * scale
    return num / den * scale if den else math.nan


def service_statistics(raw: Mapping[str, float], period: float) -> dict[str, float]:
    """All statistics of one service (or a pooled group) from its raw counters."""
    out = {}
    for stat, (num, den, scale) in SERVICE_STATISTICS.items():
        out[stat] = ratio(raw[num], period if den == PERIOD else (raw[den] if den else None), scale)
    for key, value in raw.items():
        if key.startswith("over_"):                      # time in service over a limit
            label = key[len("over_"):]
            out[f"over_{label}"] = float(value)
            out[f"within_{label}_pct"] = ratio(raw["sojourn_n"] - value, raw["sojourn_n"], 100.0)
        elif key.startswith("wait_within_"):
            out[f"{key}_pct"] = ratio(value, raw["started"], 100.0)
            out[f"wait_over_{key[len('wait_within_'):]}"] = float(raw["started"] - value)
    return out


def sojourns_by_destination(raw: Mapping[str, Any], destinations, exclude: bool = False) -> dict[str, float]:
    """The sojourn statistics (``over_<h>``, ``within_<h>_pct``) of the patients who went to the given
    destinations (or, with ``exclude``, everywhere else), from a service's ``sojourn_to`` counts."""
    counts = raw.get("sojourn_to", {})
    chosen = {key.split("|")[0] for key in counts}
    chosen = chosen - set(destinations) if exclude else chosen & set(destinations)
    total = sum(counts.get(f"{d}|n", 0) for d in chosen)
    out = {}
    for key in raw:
        if key.startswith("over_"):
            label = key[len("over_"):]
            over = sum(counts.get(f"{d}|over_{label}", 0) for d in chosen)
            out[f"over_{label}"] = float(over)
            out[f"within_{label}_pct"] = ratio(total - over, total, 100.0)
    return out


def statistics_by_mode(raw: Mapping[str, Any], modes: set, exclude: bool) -> dict[str, float]:
    """The statistics of ``MODE_FILTERABLE`` and ``wait_over_<h>h`` of the patients of (or, with ``exclude``, not
    of) ``modes``: same-day stays from a service's ``left_by_mode`` and ``same_day_by_mode`` counts, waits for
    a place from its ``wait_by_mode`` counts (kept where the service has wait limits)."""
    chosen = [m for m in raw.get("left_by_mode", {}) if (m in modes) != exclude]
    left = sum(raw["left_by_mode"][m] for m in chosen)
    same = sum(raw.get("same_day_by_mode", {}).get(m, 0) for m in chosen)
    waits: dict[str, float] = {}
    for key, n in raw.get("wait_by_mode", {}).items():
        mode, label = key.split("|", 1)
        if (mode in modes) != exclude:
            waits[label] = waits.get(label, 0) + n
    out = {"same_day": float(same), "same_day_pct": ratio(same, left, 100.0), "wait_hours": 24.0 * waits.get("wait_sum", 0.0)}
    out.update({f"wait_over_{k[len('wait_within_'):]}": float(waits["started"] - n) for k, n in waits.items()
                if k.startswith("wait_within_")})
    return out

