"""Services' places sized to the simulation's own unconstrained demand, two ways.

Both run the model once with generous places (``GENEROUS`` times a base, so nothing queues and the
load each service would carry is visible: its mean occupancy, ``<instance>.occupancy_mean``) and size
each service, and each of its sites or localities (:func:`~sim.engine.partition.part_name`), as

    places = base places x unconstrained load / the base's unconstrained load

**A place at Walsall's standard** (:class:`Sizing`, for ``python -m sim.place build`` and
``experiments/size_places.py``).  Most places have no published counts of A&E cubicles, intermediate
care places or social care packages, and their populations differ from Walsall's in age and size, so
places per resident leave some sites overloaded and others idle.  The base is Walsall's places per
person served (a site's catchment, people from outside the footprint included; a home place's
residents), so each site's and place's services run about as full as Walsall's calibrated 2017/18
services.  Services with no places in 2017/18 (schemes not yet running) and the integrated teams
(sized per locality, per resident) are left alone.  ``runner`` is a function ``(label, overrides) ->
summary``: the command's own or an experiment's, which records its runs.

**The demand-led table** (``python -m sim.size``, :mod:`sim.studies.size`): places that hold each
service at its base-year standard as demand changes.  The New Hospital Programme's bed model sizes
beds as the bed-days expected at a target occupancy [@strategy-unit-nhp, model defaults]; this does
the same for every standard service of a place (each service whose places the ``capacity`` group sets
and which had places in the base year), with the target each service's own base-year occupancy:

1. one continuous run over the years (``run.year`` to ``run.end_year``) with generous places on every
   standard service gives each service's unconstrained mean load, year by year; services start at
   their base-year occupancy, not ``GENEROUS`` times it, and a long warm-up lets long stays settle;
2. places needed in year y = base-year places x load in y / base-year load: the fixed point of
   "occupancy as in the base year" (each service runs as full as it did, so its waits, its delays and
   the 4-hour performance they make stay near the base year's), where the base-year load is the
   do-nothing scenario's in the first year;
3. the scenario's own places (its levers' ``capacity`` effects in that year) count towards the need:
   the table holds the rest, ``max(0, need - scheme places)``, which the capacity policy puts back
   under the levers (:mod:`sim.inputs.capacity_policy`) and steps and lags as it does any change.

:func:`check` runs the sized places (under ``capacity_policy=demand_led``) and tabulates each
year's standard against the base year's: the sizing's test by simulation.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import OmegaConf

from ..common.files import atomic_write
from ..common.paths import ROOT
from ..engine import demography
from ..engine.partition import part_name
from ..engine.population import Population
from ..inputs import capacity_policy, levers
from ..inputs.config import compose, load

GENEROUS = 3
LONG_WARMUP = 730
#: a service's capacity as the ``capacity`` group sets it: ``${capacity.<key>}``
CAPACITY_KEY = re.compile(r"\$\{capacity\.(\w+)\}")
REFERENCE = ("place=walsall",)
SIZED_PARTITIONS = ("site", "place")
BASELINE = "do_nothing"
#: scenarios whose demand is the same (no levers): sized once, written under each name
SAME_DEMAND = {"do_nothing": ("do_nothing", "baseline")}
#: the standard a check compares with the base year (metrics of summary.csv)
STANDARD = ("ae_4h_pct", "acute_occupancy_mean", "acute_delayed_bed_days", "nel_admissions", "ae_attendances",
            "ic_wait_days_mean", "social_care_wait_days_mean", "acute_escalation_bed_days")


# ------------------------------------------------------------------ shared
def _capacity_keyed(overrides: Sequence[str]) -> list[tuple[str, str, str | None]]:
    """``(service, capacity key, partition)`` of every service whose places come from the capacity group."""
    out = []
    for name, spec in compose(list(overrides)).network.services.items():
        raw = OmegaConf.to_container(spec, resolve=False)
        match = CAPACITY_KEY.fullmatch(str(raw.get("capacity")))
        if match:
            out.append((str(name), match.group(1), raw.get("partition")))
    return out


def flow(values, single: bool = False) -> str:
    """Places as written in YAML and in overrides: ``{a: 1, b: 2}`` for a mapping by part (its first value
    alone if ``single``), or the one number."""
    if not isinstance(values, Mapping):
        return str(values)
    if single:
        return str(next(iter(values.values())))
    return "{" + ", ".join(f"{k}: {v}" for k, v in values.items()) + "}"


def _scaled(value, factor: float):
    """Places (one number or ``{part: places}``) times ``factor``, in whole places."""
    if isinstance(value, Mapping):
        return {k: round(factor * v) for k, v in value.items()}
    return round(factor * value)


def generous(cfg: Mapping[str, Any], services: Mapping[str, str], base: Mapping[str, Any] | None = None) -> list[str]:
    """Overrides giving every service of ``services`` (``{service: capacity key}``) ``GENEROUS`` times its base
    places, starting at its base occupancy (``initial.occupancy_fraction`` of the base places, not of
    ``GENEROUS`` times them).  ``base[key]``: places, one number or by part (default: ``cfg``'s own)."""
    out = []
    for service, key in services.items():
        value = cfg["capacity"][key] if base is None else base[key]
        out.append(f"capacity.{key}={flow(_scaled(value, GENEROUS))}")
        fraction = (cfg["network"]["services"][service].get("initial") or {}).get("occupancy_fraction")
        if fraction is not None:
            out += [f"~network.services.{service}.initial.occupancy_fraction",
                    f"+network.services.{service}.initial.occupancy={flow(_scaled(value, fraction))}"]
    return out


def settings(replications: int = 3, quick: bool = False) -> list[str]:
    """Run settings of the sizing runs: two years of warm-up (care home and home care stays last months,
    so the inflow, not the starting stock, sets the load measured over the third year)."""
    if quick:
        return ["run.horizon_days=45", "run.warmup_days=10", "run.replications=2"]
    return [f"run.replications={replications}", f"run.warmup_days={LONG_WARMUP}",
            f"run.horizon_days={LONG_WARMUP + 365}"]


# ------------------------------------------------------- a place at Walsall's standard
def capacity_services(overrides: Sequence[str]) -> dict[str, tuple[str, str | None]]:
    """``{capacity key: (service, partition)}`` for every service whose places come from the capacity group."""
    return {key: (service, partition) for service, key, partition in _capacity_keyed(overrides)}


def sized_services(overrides: Sequence[str]) -> dict[str, tuple[str, str]]:
    """``{capacity key: (service, partition)}`` for the services partitioned by site or home place:
    those :class:`Sizing` sizes."""
    return {key: found for key, found in capacity_services(overrides).items() if found[1] in SIZED_PARTITIONS}


def population(cfg: dict) -> Population:
    """The place's people in the modelled year."""
    place = cfg["place"]
    localities = list(place["localities"])
    return Population(place, demography.population_scale(place, localities, cfg["run"]["year"]))


def served(cfg: dict, partition: str) -> dict[str, float]:
    """People served by each site (its catchment) or home place (its residents) of ``cfg``'s place."""
    return population(cfg).served(partition)


def reference_places(cfg: dict, reference: dict, services: dict[str, tuple[str, str]],
                     single: dict[str, bool]) -> dict[str, Any]:
    """``{capacity key: places}`` of ``cfg``'s place at the reference's (Walsall's) places per person served,
    by part, or one number where ``single[key]``.  They do not depend on the place's current places, so
    re-running the sizing gives the same sizes."""
    out = {}
    for key, (_, partition) in services.items():
        per_person = 1.0 / sum(served(reference, partition).values())
        base = {part: reference["capacity"][key] * n * per_person for part, n in served(cfg, partition).items()}
        out[key] = next(iter(base.values())) if single[key] else base
    return out


class Sizing:
    """Sizes the services of places against the reference place (Walsall), whose load is measured once.

    ``runner(label, overrides)`` runs the model and returns its summary table (metric, mean, ...);
    ``run_settings`` are the overrides every sizing run gets; ``base`` the overrides that make the
    places findable (e.g. a ``hydra.searchpath``)."""

    def __init__(self, runner: Callable[[str, list[str]], pd.DataFrame], run_settings: Sequence[str],
                 base: Sequence[str] = ()):
        self.runner, self.run_settings, self.base = runner, list(run_settings), list(base)
        self.reference_cfg = load([*self.base, *REFERENCE])
        self.services = sized_services([*self.base, *REFERENCE])
        capacity = self.reference_cfg["capacity"]
        self.keys = [key for key in self.services if capacity[key] > 0]
        self.reference_load = None

    def _load(self, label: str, place_overrides: Sequence[str], cfg: dict, single: dict[str, bool]) -> pd.Series:
        services = {key: self.services[key] for key in self.keys}
        base = reference_places(cfg, self.reference_cfg, services, single)
        overrides = [*self.base, *place_overrides, *self.run_settings,
                     *generous(cfg, {service: key for key, (service, _) in services.items()}, base)]
        return self.runner(label, overrides).set_index("metric")["mean"]

    def measure_reference(self) -> dict[str, float]:
        """Walsall's unconstrained mean load of each sized service."""
        if self.reference_load is None:
            single = dict.fromkeys(self.keys, True)
            mean = self._load("walsall", list(REFERENCE), self.reference_cfg, single)
            self.reference_load = {key: float(mean[f"{self.services[key][0]}.occupancy_mean"]) for key in self.keys}
        return self.reference_load

    def size(self, label: str, place_overrides: Sequence[str], current: dict | None = None,
             keys: Sequence[str] | None = None) -> tuple[dict, list[dict]]:
        """Sizes ``{capacity key: places or {part: places}}`` of the place of ``place_overrides`` and one
        row per part for the sizing table.  ``current`` is the place's capacity group as it is (its form,
        one number or a mapping, is kept), ``keys`` the capacity keys to size (default: every sized key)."""
        reference_load = self.measure_reference()
        cfg = load([*self.base, *place_overrides])
        people = population(cfg)
        current = current if current is not None else {}
        keys = [k for k in (keys if keys is not None else self.keys) if k in self.keys]
        names = {key: people.parts(self.services[key][1]) for key in self.keys}
        single = {key: not isinstance(current.get(key), dict) and len(names[key]) == 1 for key in self.keys}
        mean = self._load(label, place_overrides, cfg, single)
        reference = self.reference_cfg["capacity"]
        sizes, rows = {}, []
        for key in keys:
            service = self.services[key][0]
            existing = current.get(key)
            sized = {}
            for part in names[key]:
                demand = float(mean[f"{part_name(service, part, len(names[key]))}.occupancy_mean"])
                sized[part] = max(1, round(reference[key] * demand / reference_load[key]))
                before = existing.get(part) if isinstance(existing, dict) else existing
                rows.append({"place": label, "capacity": key, "site": "" if single[key] else part,
                             "unconstrained_load": demand, "walsall_load": reference_load[key],
                             "walsall_places": reference[key], "places_before": before, "places": sized[part]})
            sizes[key] = next(iter(sized.values())) if single[key] else sized
        return sizes, rows


# ------------------------------------------------------------------ the demand-led table
def standard_services(overrides: Sequence[str] = ()) -> dict[str, str]:
    """``{service: capacity key}`` of the services whose places the ``capacity`` group sets and which had
    places in the base year."""
    capacity = load(list(overrides))["capacity"]
    return {service: key for service, key, _ in _capacity_keyed(overrides) if _total(capacity[key]) > 0}


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
