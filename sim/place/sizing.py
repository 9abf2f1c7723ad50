"""Size a place's services to its own modelled demand, at Walsall's places per unit of demand.

Most places have no published counts of A&E cubicles, intermediate care places or social care
packages, and their populations differ from Walsall's in age and size, so places per resident
leave some sites overloaded and others idle.  The place is run once with generous capacity (three
times Walsall's places per person served, so nothing queues and the demand each service would carry
is visible), and each service is sized as

    places = Walsall's places x (the instance's unconstrained mean load / Walsall's unconstrained mean load)

so each site's and place's services run about as full as Walsall's calibrated 2017/18 services.
Services with no places in 2017/18 (schemes not yet running) and the integrated teams (sized per
locality, per resident) are left alone.  A site's instance serves its catchment (people from
outside the footprint included); a home place's serves its residents.

Used by ``python -m sim.place build`` (for the capacities a place's files leave out) and by
``experiments/size_places.py``.  ``runner`` is a function ``(label, overrides) -> summary``: the
command's own or an experiment's, which records its runs.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import pandas as pd
from omegaconf import OmegaConf

from ..engine import demography
from ..engine.partition import part_name
from ..engine.population import Population
from ..inputs.config import compose, load

REFERENCE = ("place=walsall",)
GENEROUS = 3
LONG_WARMUP = 730
SIZED_PARTITIONS = ("site", "place")


def capacity_services(overrides: Sequence[str]) -> dict[str, tuple[str, str | None]]:
    """``{capacity key: (service, partition)}`` for every service whose places come from the capacity group."""
    network = compose(list(overrides)).network.services
    out = {}
    for name, spec in network.items():
        raw = OmegaConf.to_container(spec, resolve=False)
        match = re.fullmatch(r"\$\{capacity\.(\w+)\}", str(raw.get("capacity")))
        if match:
            out[match.group(1)] = (str(name), raw.get("partition"))
    return out


def sized_services(overrides: Sequence[str]) -> dict[str, tuple[str, str]]:
    """``{capacity key: (service, partition)}`` for the services partitioned by site or home place:
    those this module sizes."""
    return {key: found for key, found in capacity_services(overrides).items() if found[1] in SIZED_PARTITIONS}


def population(cfg: dict) -> Population:
    """The place's people in the modelled year."""
    place = cfg["place"]
    localities = list(place["localities"])
    return Population(place, demography.population_scale(place, localities, cfg["run"]["year"]))


def served(cfg: dict, partition: str) -> dict[str, float]:
    """People served by each site (its catchment) or home place (its residents) of ``cfg``'s place."""
    return population(cfg).served(partition)


def flow(values: dict, single: bool = False) -> str:
    """Places per part as written in YAML and in overrides: ``{a: 1, b: 2}``, or the one number."""
    if single:
        return str(next(iter(values.values())))
    return "{" + ", ".join(f"{k}: {v}" for k, v in values.items()) + "}"


def generous(cfg: dict, reference: dict, services: dict[str, tuple[str, str]], single: dict[str, bool]) -> list[str]:
    """Overrides giving every sized service ``GENEROUS`` times Walsall's places per person served,
    starting from Walsall's starting level per person.  Neither depends on the place's current places,
    so re-running the sizing gives the same sizes.  ``single[key]``: the capacity is one number."""
    out = []
    for key, (service, partition) in services.items():
        per_person = 1.0 / sum(served(reference, partition).values())
        base = {part: reference["capacity"][key] * n * per_person for part, n in served(cfg, partition).items()}
        out.append(f"capacity.{key}={flow({p: round(GENEROUS * b) for p, b in base.items()}, single[key])}")
        fraction = (cfg["network"]["services"][service].get("initial") or {}).get("occupancy_fraction")
        if fraction is not None:
            start = flow({p: round(fraction * b) for p, b in base.items()}, single[key])
            out += [f"~network.services.{service}.initial.occupancy_fraction",
                    f"+network.services.{service}.initial.occupancy={start}"]
    return out


def settings(replications: int = 3, quick: bool = False) -> list[str]:
    """Run settings of the sizing runs: two years of warm-up (care home and home care stays last months,
    so the inflow, not the starting stock, sets the load measured over the third year)."""
    if quick:
        return ["run.horizon_days=45", "run.warmup_days=10", "run.replications=2"]
    return [f"run.replications={replications}", f"run.warmup_days={LONG_WARMUP}",
            f"run.horizon_days={LONG_WARMUP + 365}"]


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
        overrides = [*self.base, *place_overrides, *self.run_settings,
                     *generous(cfg, self.reference_cfg, services, single)]
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
        parts = {key: people.parts(self.services[key][1]) for key in self.keys}
        single = {key: not isinstance(current.get(key), dict) and len(parts[key]) == 1 for key in self.keys}
        mean = self._load(label, place_overrides, cfg, single)
        reference = self.reference_cfg["capacity"]
        sizes, rows = {}, []
        for key in keys:
            service = self.services[key][0]
            existing = current.get(key)
            sized = {}
            for part in parts[key]:
                demand = float(mean[f"{part_name(service, part, len(parts[key]))}.occupancy_mean"])
                sized[part] = max(1, round(reference[key] * demand / reference_load[key]))
                before = existing.get(part) if isinstance(existing, dict) else existing
                rows.append({"place": label, "capacity": key, "site": "" if single[key] else part,
                             "unconstrained_load": demand, "walsall_load": reference_load[key],
                             "walsall_places": reference[key], "places_before": before, "places": sized[part]})
            sizes[key] = next(iter(sized.values())) if single[key] else sized
        return sizes, rows
