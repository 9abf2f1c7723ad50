"""What each metric is called in words, its unit, and whether more of it is better or worse.

A network's own metrics carry theirs in its config (``network.metrics``, and the metrics a pressure
config adds)::

    ae_4h_pct: {service: ae, stat: within_4h_pct, label: A&E patients within 4 hours, unit: "%", direction: higher}

The metrics the model generates for every service, cost line, place and budget line take theirs from
the tables below, with the service's own ``label`` put in (``acute.wait_mean`` -> "General and acute
beds: mean wait", days).  ``direction`` is ``higher`` (more is better), ``lower`` (less is better) or
``neither``.  A label's unit also says what values the metric can take (:attr:`Label.bounds`), which
its interval respects (:func:`sim.analysis.statistics.bounded_interval`).  :func:`describe` gives one
metric's :class:`Label`, :func:`metric_table` a table of them (``metrics.csv`` beside each run's
``summary.csv``), :func:`unlabelled` the metrics of a network whose config gives no label or unit of its
own.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .service_statistics import SERVICE_STATISTICS

DIRECTIONS = ("higher", "lower", "neither")
PERCENT = "%"
POUNDS = "£"
#: units of a figure that may take either sign (every other unit but money counts something: patients,
#: places, bed-days, admissions, days)
UNBOUNDED_UNITS = ("", "ratio")
#: units of a proportion or a share of replications: from 0 to 1
PROPORTIONS = ("proportion (0-1)", "share of replications (0-1)")

#: statistic of a service -> (words after the service's label, unit, direction)
STATISTICS = {
    "arrivals": ("arrivals", "patients", "neither"),
    "offered": ("patients offered a place", "patients", "neither"),
    "lost": ("patients turned away (no place, no queue)", "patients", "lower"),
    "reneged": ("patients who gave up waiting", "patients", "lower"),
    "started": ("patients who took a place", "patients", "neither"),
    "departures": ("patients who left", "patients", "neither"),
    "readmissions": ("readmissions", "patients", "lower"),
    "wait_mean": ("mean wait", "days", "lower"),
    "wait_hours": ("hours waited for a place", "hours", "lower"),
    "p_wait": ("share of patients who waited", "proportion (0-1)", "lower"),
    "p_loss": ("share of patients turned away", "proportion (0-1)", "lower"),
    "occupancy_mean": ("mean places in use", "places", "neither"),
    "occupancy_pct": ("occupancy", PERCENT, "neither"),
    "capacity_mean": ("mean places open", "places", "neither"),
    "queue_mean": ("mean waiting list", "patients", "lower"),
    "blocked_mean": ("mean patients ready to leave, waiting for the next service", "patients", "lower"),
    "place_days": ("place-days used", "place-days", "neither"),
    "capacity_days": ("place-days open", "place-days", "neither"),
    "blocked_days": ("delayed place-days (ready to leave)", "place-days", "lower"),
    "waiting_days": ("patient-days waiting", "patient-days", "lower"),
    "blocked_days_mean": ("mean delay ready to leave, per patient leaving", "days", "lower"),
    "p_blocked": ("share of patients delayed leaving", "proportion (0-1)", "lower"),
    "sojourn_mean": ("mean time from arrival to leaving", "days", "neither"),
    "place_time_mean": ("mean length of stay", "days", "neither"),
    "departures_x_place_time": ("departures per day x mean stay (Little's law)", "places", "neither"),
    "same_day": ("same-day stays", "patients", "neither"),
    "same_day_pct": ("same-day stays", PERCENT, "neither"),
    "surge_days": ("escalation place-days", "place-days", "lower"),
    "surge_mean": ("mean escalation places open", "places", "lower"),
    "corridor_days": ("corridor care patient-days", "patient-days", "lower"),
    "corridor_mean": ("mean patients in corridor care", "patients", "lower"),
    "corridor_moves": ("patients moved to corridor care", "patients", "lower"),
    "los_shortened": ("stays shortened under pressure", "patients", "neither"),
    "los_saved_days": ("days of stay saved by earlier discharge", "days", "neither"),
    "redirected": ("patients turned away by a raised threshold", "patients", "lower"),
    "transferred": ("patients transferred while waiting", "patients", "neither"),
    "discharge_wait_days": ("days waiting for discharge", "days", "lower"),
    "discharge_wait_mean": ("mean wait for discharge", "days", "lower"),
    "discharged_before_noon_pct": ("discharged before noon", PERCENT, "higher"),
    "discharged_weekend_pct": ("discharged at weekends", PERCENT, "higher"),
    "queued_end": ("waiting list at the end", "patients", "lower"),
    "waiting_end": ("patients waiting at the end", "patients", "lower"),
    "surge_end": ("escalation places open at the end", "places", "lower"),
}
#: statistics of a service's time limits, ``<h>`` being e.g. ``4h``
LIMITS = (
    (re.compile(r"over_(\w+)"), "in service over {0}", "patients", "lower"),
    (re.compile(r"within_(\w+)_pct"), "within {0} of arrival", PERCENT, "higher"),
    (re.compile(r"wait_within_(\w+)_pct"), "seen within {0}", PERCENT, "higher"),
    (re.compile(r"wait_over_(\w+)"), "waited over {0} for a place", "patients", "lower"),
)
#: the kinds of saving (sim.analysis.savings), each also by payer (``_nhs``, ``_council``)
SAVINGS = {
    "net_saving": ("net saving", "higher"),
    "cash_releasing_saving": ("cash-releasing saving", "higher"),
    "cost_avoidance": ("cost avoidance", "higher"),
    "cost_avoidance_capacity": ("cost avoidance: places not added", "higher"),
    "cost_avoidance_activity": ("cost avoidance: activity", "higher"),
    "scheme_investment": ("scheme investment", "neither"),
    "freed_capacity_not_released": ("freed capacity not released (not cash)", "neither"),
    "net_saving_average": ("net saving, avoided activity at average cost", "higher"),
    "net_saving_optimism_adjusted": ("net saving after optimism bias, avoided activity at marginal cost", "higher"),
    "net_saving_average_optimism_adjusted": ("net saving after optimism bias, avoided activity at average cost", "higher"),
    "cost_avoidance_average": ("cost avoidance, avoided activity at average cost", "higher"),
    "provider_income_lost": ("providers' income lost: avoided activity at its average price", "neither"),
    "activity_priced": ("activity paid per unit, at average prices", "neither"),
    "fixed_in_short_run": ("part of the activity paid per unit not saved in the short run (1 - marginal share)", "neither"),
}
PAYERS = {"nhs": "the NHS", "council": "the council"}
WORDS = {"ae": "A&E", "ic": "intermediate care", "gp": "GP", "sdec": "SDEC", "utc": "UTC", "spa": "SPA",
         "ihct": "IHCT", "nhs": "NHS", "nel": "non-elective", "pct": "%"}


@dataclass(frozen=True)
class Label:
    """A metric's name in words, its unit and its direction (``higher``, ``lower`` or ``neither``)."""

    label: str
    unit: str
    direction: str = "neither"
    signed: bool = False

    @property
    def percent(self) -> bool:
        """A percentage: its changes are differences in points, not relative changes."""
        return self.unit == PERCENT

    @property
    def bounds(self) -> tuple[float, float]:
        """``(lowest, highest)`` the metric can take, by its kind: 0 to 100 for a percentage, 0 to 1 for a
        proportion, at least 0 for a cost (money whose less is better) and for a count, level or time (any
        other unit: patients, places, bed-days, days); unbounded for a saving, a ratio, a metric with no
        unit, and a ``signed`` change (places added, a waiting list's growth)."""
        if self.signed:
            return -math.inf, math.inf
        if self.unit == PERCENT:
            return 0.0, 100.0
        if self.unit in PROPORTIONS:
            return 0.0, 1.0
        if self.unit == POUNDS:
            return (0.0, math.inf) if self.direction == "lower" else (-math.inf, math.inf)
        return (-math.inf, math.inf) if self.unit in UNBOUNDED_UNITS else (0.0, math.inf)


def words(name: str) -> str:
    """A machine name read out: ``care_home_spot`` -> "care home spot", ``ae`` -> "A&E"."""
    return " ".join(WORDS.get(w, w) for w in str(name).removesuffix("_pct").removesuffix("_gbp").split("_") if w)


class Labels:
    """Labels for every metric of one run, from its configuration (as composed, or as prepared: the
    pressure config's services and metrics and the envelope's lines are read where either has them), or
    from a network group alone."""

    def __init__(self, config: Mapping[str, Any] | None):
        config = config or {}
        network = config.get("network") or {} if "network" in config else config
        pressure = config.get("pressure") or {} if "network" in config else {}
        if pressure.get("network") and pressure["network"] != network.get("name"):
            pressure = {}                        # a pressure config written for another network is not applied
        services = {**(pressure.get("services") or {}), **(network.get("services") or {})}
        self.services = {s: (spec or {}).get("label") if isinstance(spec, Mapping) else None
                         for s, spec in services.items()}
        metrics = {**(pressure.get("metrics") or {}), **(network.get("metrics") or {})}
        self.metrics = {m: spec for m, spec in metrics.items() if isinstance(spec, Mapping)}
        envelope = network.get("envelope") or (config.get("envelope") if "network" in config else None) or {}
        self.lines = {n: line for n, line in (envelope.get("lines") or {}).items() if isinstance(line, Mapping)}
        self.pooled = dict(envelope.get("pooled") or {})

    def service(self, name: str) -> str:
        """A service's label, or a partition instance's (``ihct_north`` -> "<ihct's label>, north")."""
        if name in self.services:
            return self.services[name] or words(name).capitalize()
        group = max((s for s in self.services if name.startswith(f"{s}_")), key=len, default=None)
        if group is None:
            return words(name).capitalize()
        return f"{self.service(group)}, {words(name[len(group) + 1:])}"

    def describe(self, metric: str) -> Label:
        """``metric``'s label, unit and direction."""
        if metric in self.metrics:
            return self._named(metric, self.metrics[metric])
        found = self._generated(metric)
        if found is not None:
            return found
        return Label(words(metric).capitalize(), PERCENT if metric.endswith("_pct") else POUNDS if metric.endswith("_gbp") else "")

    def _named(self, name: str, spec: Mapping[str, Any]) -> Label:
        """A metric of ``network.metrics``: its config's label and unit, else ones read off what it counts."""
        derived = self._derived(name, spec)
        direction = spec.get("direction", derived.direction)
        return Label(str(spec.get("label") or derived.label), str(spec.get("unit") or derived.unit),
                     direction if direction in DIRECTIONS else "neither")

    def _derived(self, name: str, spec: Mapping[str, Any]) -> Label:
        if "ratio" in spec:
            return Label(words(name).capitalize(), PERCENT if float(spec.get("scale", 1.0)) == 100.0 else "ratio")
        if "service" in spec and isinstance(spec.get("stat"), str):
            found = self._statistic(spec["stat"])
            if found is not None:
                return Label(words(name).capitalize(), found.unit, found.direction)
        return Label(words(name).capitalize(), "patients" if "sink" in spec or "stream" in spec else "")

    def _statistic(self, stat: str) -> Label | None:
        if stat in STATISTICS:
            return Label(*STATISTICS[stat])
        for pattern, text, unit, direction in LIMITS:
            if match := pattern.fullmatch(stat):
                return Label(text.format(words(match.group(1)).replace(" ", "")), unit, direction)
        return None

    def _generated(self, metric: str) -> Label | None:
        money = POUNDS
        if metric == "total_cost_gbp":
            return Label("Modelled cost, all settings", money, "lower")
        if metric.startswith("system_cost"):
            return self._system(metric)
        if match := re.fullmatch(r"pooled\.(\w+)_gbp", metric):
            label = (self.pooled.get(match.group(1)) or {}).get("label") if isinstance(self.pooled.get(match.group(1)), Mapping) else None
            return Label(f"Pooled budget: {label or words(match.group(1))}", money, "lower")
        if match := re.fullmatch(r"(\w+?)(?:_(nhs|council))?_gbp", metric):
            if match.group(1) in SAVINGS:
                text, direction = SAVINGS[match.group(1)]
                return Label(text.capitalize() + (f", {PAYERS[match.group(2)]}" if match.group(2) else ""), money, direction)
        if match := re.fullmatch(r"cost_share_commissioner_(\w+)_pct", metric):
            return Label(f"Share of modelled cost paid by {PAYERS.get(match.group(1), words(match.group(1)))}", PERCENT)
        if match := re.fullmatch(r"cost_share_(\w+)_pct", metric):
            return Label(f"Share of modelled cost: {words(match.group(1))}", PERCENT)
        if match := re.fullmatch(r"cost_commissioner_(\w+)_gbp", metric):
            return Label(f"Modelled cost to {PAYERS.get(match.group(1), words(match.group(1)))}", money, "lower")
        if match := re.fullmatch(r"cost_(\w+)_gbp", metric):
            return Label(f"Modelled cost: {words(match.group(1))}", money, "lower")
        if match := re.fullmatch(r"(scheme_cost|capacity_change_cost)(?:_(nhs|council))?_gbp", metric):
            what = "Schemes' running costs" if match.group(1) == "scheme_cost" else "One-off costs of opening or closing places"
            return Label(what + (f", {PAYERS[match.group(2)]}" if match.group(2) else ""), money, "lower")
        if match := re.fullmatch(r"(places|base_places|places_added)\.(\w+)", metric):
            what = {"places": "places", "base_places": "base-year places", "places_added": "places added"}[match.group(1)]
            return Label(f"{self.service(match.group(2))}: {what}", "places", signed=match.group(1) == "places_added")
        if match := re.fullmatch(r"fixed_cost\.(\w+)\.(\w+)\.(places|base|used)_gbp", metric):
            what = {"places": "fixed cost of its places", "base": "fixed cost of its base-year places",
                    "used": "fixed cost of the places used"}[match.group(3)]
            return Label(f"{self.service(match.group(2))}: {what} ({PAYERS.get(match.group(1), match.group(1))})", money, "lower")
        if match := re.fullmatch(r"unstable_(\w+)", metric):
            return Label(f"{self.service(match.group(1))}: waiting list grew without levelling off",
                         "share of replications (0-1)", "lower")
        if match := re.fullmatch(r"held_by_giving_up_(\w+)", metric):
            return Label(f"{self.service(match.group(1))}: waiting list held only by patients giving up",
                         "share of replications (0-1)", "lower")
        if match := re.fullmatch(r"gave_up_pct_(\w+)", metric):
            return Label(f"{self.service(match.group(1))}: patients who gave up waiting, share of arrivals", PERCENT, "lower")
        if match := re.fullmatch(r"queue_growth_(\w+)", metric):
            return Label(f"{self.service(match.group(1))}: growth of the waiting list over the results period",
                         "patients", "lower", signed=True)
        head, _, tail = metric.rpartition(".")
        if head in self.metrics:                 # a named metric at one instance: ae_admissions.acute_manor
            named = self._named(head, self.metrics[head])
            return Label(f"{named.label}, {words(tail.split('_', 1)[-1])}", named.unit, named.direction)
        if head:                                 # <service>.<statistic>, a service this config names or not
            found = self._statistic(tail)
            if found is not None:
                return Label(f"{self.service(head)}: {found.label}", found.unit, found.direction)
        return None

    def _system(self, metric: str) -> Label | None:
        totals = {"system_cost_gbp": "Whole-system cost", "system_cost_nhs_gbp": "Whole-system cost, the NHS",
                  "system_cost_council_gbp": "Whole-system cost, the council",
                  "system_cost_bottom_up_gbp": "Whole-system cost: modelled (bottom-up)",
                  "system_cost_top_down_gbp": "Whole-system cost: projected (top-down)"}
        if metric in totals:
            return Label(totals[metric], POUNDS, "lower")
        match = re.fullmatch(r"system_cost\.(\w+?)(?:\.(\w+))?_gbp", metric)
        if not match:
            return None
        line = self.lines.get(match.group(1)) or {}
        name = line.get("label") or words(match.group(1))
        part = match.group(2)
        if part is None:
            return Label(f"Budget line: {name}", POUNDS, "lower")
        if part in ("bottom_up", "top_down"):
            return Label(f"Budget line: {name}, {'modelled' if part == 'bottom_up' else 'projected'}", POUNDS, "lower")
        if part == "paid_across_lines":     # + what it pays for another line's part, - what another line pays for its own
            return Label(f"Budget line: {name}, modelled cost paid across lines", POUNDS, "neither")
        if part.endswith("_handed_over"):   # a top-down part's modelled activity, costed bottom-up
            given = (line.get("parts") or {}).get(part.removesuffix("_handed_over"))
            given = given.get("label") if isinstance(given, Mapping) else None
            return Label(f"Budget line: {name}: {given or words(part.removesuffix('_handed_over'))}, handed over",
                         POUNDS, "neither")
        parts = line.get("parts") or {}
        part_label = (parts.get(part) or {}).get("label") if isinstance(parts.get(part), Mapping) else None
        return Label(f"Budget line: {name}: {part_label or words(part)}", POUNDS, "lower")


def describe(metric: str, config: Mapping[str, Any] | None = None) -> Label:
    """One metric's :class:`Label` in a run's configuration (or a network group)."""
    return Labels(config).describe(metric)


def metric_table(config: Mapping[str, Any] | None, metrics: Iterable[str]) -> pd.DataFrame:
    """``metric, label, unit, direction`` for each of ``metrics`` (in their order, once each)."""
    labels = Labels(config)
    described = {m: labels.describe(m) for m in dict.fromkeys(metrics)}
    rows = [(m, d.label, d.unit, d.direction) for m, d in described.items()]
    return pd.DataFrame(rows, columns=["metric", "label", "unit", "direction"])


def unlabelled(config: Mapping[str, Any] | None, metrics: Iterable[str]) -> list[str]:
    """The metrics among ``metrics`` with no label and unit of their own: a network metric whose config
    gives neither, or a generated one no family above knows."""
    labels = Labels(config)
    missing = []
    for metric in dict.fromkeys(metrics):
        if metric in labels.metrics:
            spec = labels.metrics[metric]
            if not spec.get("label") or not spec.get("unit") or spec.get("direction", "neither") not in DIRECTIONS:
                missing.append(metric)
        elif labels._generated(metric) is None:
            missing.append(metric)
    return missing


def missing_statistics() -> list[str]:
    """Statistics of :data:`sim.analysis.service_statistics.SERVICE_STATISTICS` with no entry in :data:`STATISTICS`."""
    return [s for s in SERVICE_STATISTICS if s not in STATISTICS]
