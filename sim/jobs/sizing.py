"""Places that hold each service at its base-year standard as demand changes: the demand-led table.

The New Hospital Programme's bed model sizes beds as the bed-days expected at a target occupancy
[@strategy-unit-nhp, model defaults]; this does the same for every standard service of a place (each
service whose places the ``capacity`` group sets and which had places in the base year), with the
target each service's own base-year occupancy, and with the demand measured by the simulation itself:

1. one continuous run over the years (``run.year`` to ``run.end_year``) with generous places (three
   times the base year's) on every standard service, so nothing queues, gives each service's
   unconstrained mean load in places, year by year (``<service>.occupancy_mean``); services start at
   their base-year occupancy, not three times it, and a long warm-up lets long stays settle;
2. each service (and each of its sites or localities) then needs

       places needed in year y = base-year places x load in y / base-year load

   the fixed point of "occupancy as in the base year" (each service runs as full as it did, so its
   waits, its delays and the 4-hour performance they make stay near the base year's), where the
   base-year load is the do-nothing scenario's in the first year;
3. the scenario's own places (its levers' ``capacity`` effects in that year) count towards the need:
   the table holds the rest, ``max(0, need - scheme places)``, which the capacity policy puts back
   under the levers (:mod:`sim.inputs.capacity_policy`) and steps and lags as it does any change.

:func:`check` runs the sized places (under ``capacity_policy=demand_led``) and tabulates each
year's standard against the base year's: the sizing's test by simulation.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import OmegaConf

from ..common.files import atomic_write
from ..common.paths import ROOT
from ..engine.partition import part_name
from ..engine.population import Population
from ..inputs import capacity_policy, levers
from ..inputs.config import compose, load

GENEROUS = 3
LONG_WARMUP = 730
BASELINE = "do_nothing"
#: scenarios whose demand is the same (no levers): sized once, written under each name
SAME_DEMAND = {"do_nothing": ("do_nothing", "baseline")}
#: the standard a check compares with the base year (metrics of summary.csv)
STANDARD = ("ae_4h_pct", "acute_occupancy_mean", "acute_delayed_bed_days", "nel_admissions", "ae_attendances",
            "ic_wait_days_mean", "social_care_wait_days_mean", "acute_escalation_bed_days")


def standard_services(overrides: Sequence[str] = ()) -> dict[str, str]:
    """``{service: capacity key}`` of the services whose places the ``capacity`` group sets and which had
    places in the base year."""
    composed = compose(list(overrides))
    cfg = load(list(overrides))
    out = {}
    for name, spec in composed.network.services.items():
        raw = OmegaConf.to_container(spec, resolve=False)
        match = re.fullmatch(r"\$\{capacity\.(\w+)\}", str(raw.get("capacity")))
        if match and _total(cfg["capacity"][match.group(1)]) > 0:
            out[str(name)] = match.group(1)
    return out


def parts(cfg: Mapping[str, Any], service: str) -> dict[str, str]:
    """``{part: instance}`` of a service: ``{"": service}`` for one instance, else one per site, place or locality."""
    partition = cfg["network"]["services"][service].get("partition")
    names = Population(cfg["place"]).parts(partition) if partition else []   # as the network names its instances
    if len(names) <= 1:
        return {"": service}
    return {part: part_name(service, part, len(names)) for part in names}


def base_places(cfg: Mapping[str, Any], key: str, part: str) -> int:
    value = cfg["capacity"][key]
    return int(value[part] if isinstance(value, Mapping) else value)


def generous(cfg: Mapping[str, Any], services: Mapping[str, str]) -> list[str]:
    """Overrides giving every standard service ``GENEROUS`` times its base places, starting at its
    base-year occupancy (not ``GENEROUS`` times it)."""
    out = []
    for service, key in services.items():
        value = cfg["capacity"][key]
        out.append(f"capacity.{key}={_flow(value, lambda v: GENEROUS * v)}")
        fraction = (cfg["network"]["services"][service].get("initial") or {}).get("occupancy_fraction")
        if fraction is not None:
            out += [f"~network.services.{service}.initial.occupancy_fraction",
                    f"+network.services.{service}.initial.occupancy={_flow(value, lambda v, f=fraction: round(f * v))}"]
    return out


def _flow(value, change) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {change(v)}" for k, v in value.items()) + "}"
    return str(change(value))


def _total(value) -> int:
    return int(sum(value.values())) if isinstance(value, Mapping) else int(value or 0)


def loads(summary: pd.DataFrame, cfg: Mapping[str, Any], services: Iterable[str]) -> dict[tuple, float]:
    """``{(year, service, part): unconstrained mean load in places}`` from a generous run's summary."""
    table = summary.set_index(["year", "metric"])["mean"] if "year" in summary.columns else None
    out = {}
    for service in services:
        for part, instance in parts(cfg, service).items():
            if table is None:
                rows = summary.set_index("metric")["mean"]
                out[(int(cfg["run"]["year"]), service, part)] = float(rows[f"{instance}.occupancy_mean"])
                continue
            for year in sorted(summary["year"].unique()):
                out[(int(year), service, part)] = float(table[(year, f"{instance}.occupancy_mean")])
    return out


def scheme_places(cfg: Mapping[str, Any], year: int, services: Mapping[str, str]) -> dict[tuple, int]:
    """``{(service, part): places}`` the scenario's levers add to each standard service in ``year`` under the
    demand-led policy (its levers' own resource)."""
    run = {**cfg["run"], "year": year}
    base = {**cfg, "run": run, "capacity_policy": {**(cfg.get("capacity_policy") or {}), "name": "demand_led"}}
    changed = levers.apply(base, presets=False)["network"]["services"]
    out = {}
    for service in services:
        for part in parts(cfg, service):
            before, after = (_part(s[service]["capacity"], part) for s in (cfg["network"]["services"], changed))
            out[(service, part)] = after - before
    return out


def _part(capacity, part: str) -> int:
    return int(capacity.get(part, 0) if isinstance(capacity, Mapping) else capacity)


def size(cfg: Mapping[str, Any], scenario_loads: Mapping[tuple, float], base_loads: Mapping[tuple, float],
         services: Mapping[str, str], names: Sequence[str]) -> list[dict]:
    """The table's rows for one scenario (written under each of ``names``)."""
    first = min(year for year, _, _ in base_loads)
    digest = capacity_policy.levers_digest(cfg.get("scenario") or {})
    rows = []
    for year in sorted({y for y, _, _ in scenario_loads}):
        scheme = scheme_places(cfg, year, services)
        for service, key in services.items():
            for part in parts(cfg, service):
                base, base_load = base_places(cfg, key, part), base_loads[(first, service, part)]
                load = scenario_loads[(year, service, part)]
                need = base * load / base_load if base_load > 0 else base
                places = max(0, round(need - scheme[(service, part)]))
                for name in names:
                    rows.append({"place": cfg["place"]["name"], "scenario": name, "year": year, "capacity": key,
                                 "service": service, "part": part, "base_places": base, "base_load": round(base_load, 3),
                                 "load": round(load, 3), "scheme_places": scheme[(service, part)], "places": places,
                                 "levers_digest": digest})
    return rows


def write_table(path: Path, rows: list[dict]) -> Path:
    """Write ``rows`` into the table at ``path``, replacing any rows of the same place and scenario."""
    path = Path(path) if Path(path).is_absolute() else ROOT / path
    replaced = {(r["place"], r["scenario"]) for r in rows}
    kept = []
    if path.is_file():
        with open(path, newline="") as handle:
            kept = [r for r in csv.DictReader(handle) if (r["place"], r["scenario"]) not in replaced]
    every = sorted(kept + rows, key=lambda r: (r["place"], r["scenario"], int(r["year"]), r["service"], r["part"]))

    def write(tmp):
        with open(tmp, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(capacity_policy.COLUMNS))
            writer.writeheader()
            writer.writerows(every)
    atomic_write(path, write)
    return path


def check(summary: pd.DataFrame, base: pd.DataFrame, services: Iterable[str]) -> pd.DataFrame:
    """Each year's standard (service occupancy and the headline measures) beside the base year's:
    ``year, metric, base, mean, ci_low, ci_high, change``."""
    metrics = [*STANDARD, *(f"{s}.occupancy_pct" for s in services)]
    first = base.set_index("metric")["mean"]
    rows = summary[summary["metric"].isin(metrics)].copy()
    rows["base"] = rows["metric"].map(first)
    rows["change"] = rows["mean"] - rows["base"]
    columns = ["year", "metric", "base", "mean", "ci_low", "ci_high", "change"] + (["unstable"] if "unstable" in rows else [])
    return rows[columns].sort_values(["metric", "year"]).reset_index(drop=True)
