"""Each draw's demand-led places, sized for that draw: no draw runs away for want of places the policy opens.

Under ``capacity_policy=demand_led`` the standard services take places from a committed table, sized
for the central inputs (:mod:`sim.inputs.capacity_policy`, ``python -m sim.size``).  A draw with more
demand, or longer stays, than the central inputs would run on places sized for less: its waiting
lists grow without end and the draw "runs away", not because the policy could not cope but because
its places were sized for another world.  Such draws are not a random sample (they are the
high-demand ones), so leaving them out biases the saving.

So each draw's places are **scaled by its own unconstrained demand**.  Before its ordinary runs, every
draw is run once per scenario and year with generous places (:data:`GENEROUS` times the base year's
on every standard service, long-stay services starting at their base-year occupancy, a warm-up of
:data:`WARMUP_DAYS` as the sizing's own runs have), and so is the central draw the same way; each
service's (and site's or locality's) load in that run, over the central run's load, is the factor
``capacity_policy.scale`` applies to the table's need in every year of the table.  The draw's places
are then the sizing's rule with the draw's load, ``base places x load x factor / base load`` less the
scheme's own places, stepped and lagged by the policy as any change is.  The ratio is taken between
runs of one kind, so the table's longer sizing run and these one-year runs are not mixed.

A draw that still runs away on places sized for it does so because the policy's own standard cannot
cope with that world: it stays in the results as that outcome (:mod:`sim.uncertainty.summary`).  The
cost: every draw runs once more per scenario, with a longer warm-up (about 2.6 times an ordinary run).
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ..common.paths import ROOT
from ..engine.partition import part_name
from ..inputs.capacity_policy import policy

GENEROUS = 3               # times the base year's places: nothing waits, so the load is the demand's
WARMUP_DAYS = 730          # as the sizing's runs: long stays (care homes) settle from the inflow
UNCONSTRAINED = " (unconstrained)"   # the scenario label of a draw's generous run


def follows_table(cfg: Mapping) -> bool:
    """Whether a resolved configuration's places come from a demand-led table on its own network."""
    spec = policy(cfg)
    return (spec["name"] == "demand_led" and bool(spec["table"])
            and (not spec["network"] or spec["network"] == cfg["network"].get("name")))


def table_rows(cfg: Mapping, year: int) -> pd.DataFrame:
    """The table's rows for the configuration's place and scenario in ``year``."""
    path = Path(str(policy(cfg)["table"]))
    table = pd.read_csv(path if path.is_absolute() else ROOT / path, keep_default_na=False)
    scenario = str((cfg.get("scenario") or {}).get("name", "baseline"))
    return table[(table["place"] == str(cfg["place"]["name"])) & (table["scenario"] == scenario)
                 & (table["year"] == int(year))]


def _by_part(rows: pd.DataFrame, values) -> object:
    """One number for a service with one part, else ``{part: number}``."""
    values = [int(v) for v in values]
    return values[0] if len(rows) == 1 and not rows["part"].iloc[0] else dict(zip(rows["part"], values))


def unconstrained(cfg: dict, rows: pd.DataFrame) -> dict:
    """A resolved configuration with generous places on every service of ``rows`` and no table: the run
    that measures the draw's unconstrained load."""
    out = copy.deepcopy(cfg)
    out["capacity_policy"] = {**out["capacity_policy"], "table": None, "scale": {}}
    for service, part_rows in rows.groupby("service", sort=True):
        spec = out["network"]["services"][service]
        spec["capacity"] = _by_part(part_rows, GENEROUS * part_rows["base_places"])
        initial = dict(spec.get("initial") or {})
        if "occupancy_fraction" in initial:
            share = initial.pop("occupancy_fraction")
            initial["occupancy"] = _by_part(part_rows, (share * part_rows["base_places"]).round())
            spec["initial"] = initial
    measured = int(out["run"]["horizon_days"]) - int(out["run"]["warmup_days"])
    out["run"] = {**out["run"], "warmup_days": WARMUP_DAYS, "horizon_days": WARMUP_DAYS + measured}
    return out


def loads(replications: pd.DataFrame, rows: pd.DataFrame) -> dict[tuple[str, str], float]:
    """``{(service, part): mean load}`` of a generous run (its ``<instance>.occupancy_mean``)."""
    means = replications.groupby("metric")["value"].mean()
    out = {}
    for service, part_rows in rows.groupby("service", sort=True):
        for part in part_rows["part"]:
            instance = part_name(service, part, len(part_rows)) if part else service
            out[(service, part)] = float(means[f"{instance}.occupancy_mean"])
    return out


def factors(draw: Mapping[tuple, float], central: Mapping[tuple, float]) -> dict[str, float]:
    """``capacity_policy.scale``: each service's (``service.part``'s) load in the draw over the central load
    (1 where the central run carries none)."""
    return {(f"{service}.{part}" if part else service): (draw[(service, part)] / load if load > 0 else 1.0)
            for (service, part), load in central.items()}
