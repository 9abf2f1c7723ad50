"""Size each place's services to its own modelled demand, at Walsall's places per unit of demand.

The other places have no published counts of A&E cubicles, intermediate care places or social care
packages, and their populations differ from Walsall's in age and size, so places per resident
leave some sites overloaded and others idle.  This experiment runs every place once with
generous capacity (three times Walsall's places per resident, so nothing queues and the demand
each service would carry is visible) and sizes each service as

    places = Walsall's places x (the site's unconstrained mean load / Walsall's unconstrained mean load)

so each site's services run about as full as Walsall's calibrated 2017/18 services (Walsall Manor, in
a place that includes it, keeps Walsall's places: the same people use it).  Services with
no places in 2017/18 (schemes not yet running) and the integrated teams (sized per locality, per
resident) are left as they are.  ``--write`` puts the sizes into ``configs/capacity/<place>.yaml``
(each line's comment kept).
"""
from __future__ import annotations

import re
from functools import cache

import pandas as pd
from _common import options, run_settings
from omegaconf import OmegaConf

from sim.common.paths import CONFIG_DIR
from sim.engine import demography
from sim.engine.population import Population
from sim.inputs.config import compose, load
from sim.jobs.experiment import Experiment

REFERENCE = "walsall"
PLACES = ["wolverhampton", "dudley", "sandwell_west_birmingham", "wirral", "black_country"]
GENEROUS = 3
LONG_WARMUP = 730


@cache
def _config(place: str) -> dict:
    """The place's resolved configuration, composed once (read it, do not change it)."""
    return load([f"place={place}"])


def sized_services(place: str) -> dict[str, str]:
    """{capacity key: service} for the site-partitioned services whose places come from the capacity group."""
    network = compose([f"place={place}"]).network.services
    out = {}
    for name, spec in network.items():
        raw = OmegaConf.to_container(spec, resolve=False)
        match = re.fullmatch(r"\$\{capacity\.(\w+)\}", str(raw.get("capacity")))
        if match and raw.get("partition", "site") == "site":
            out[match.group(1)] = str(name)
    return out


def site_people(place: str) -> dict[str, float]:
    """Residents served by each acute site of ``place`` in the modelled year."""
    cfg = _config(place)
    localities = list(cfg["place"]["localities"])
    population = Population(cfg["place"], demography.population_scale(cfg["place"], localities, cfg["run"]["year"]))
    people: dict[str, float] = {}
    for locality, residents in zip(population.localities, population.people.sum(axis=1)):
        site = population.site_of[locality]
        people[site] = people.get(site, 0.0) + float(residents)
    return people


def generous(place: str, services: dict[str, str]) -> list[str]:
    """Overrides giving every sized service ``GENEROUS`` times Walsall's places per resident, starting
    from Walsall's starting level per resident.  Neither depends on the place's current places, so
    re-running the sizing gives the same sizes."""
    cfg, reference = _config(place), _config(REFERENCE)
    per_resident = 1.0 / sum(site_people(REFERENCE).values())
    people = site_people(place)
    out = []
    for key, service in services.items():
        base = {site: reference["capacity"][key] * n * per_resident for site, n in people.items()}
        single = not isinstance(cfg["capacity"][key], dict)
        out.append(f"capacity.{key}={_flow({site: round(GENEROUS * b) for site, b in base.items()}, single)}")
        fraction = (cfg["network"]["services"][service].get("initial") or {}).get("occupancy_fraction")
        if fraction is not None:
            start = _flow({site: round(fraction * b) for site, b in base.items()}, single)
            out += [f"~network.services.{service}.initial.occupancy_fraction",
                    f"+network.services.{service}.initial.occupancy={start}"]
    return out


def _flow(values: dict, single: bool = False) -> str:
    """Places per site as written in YAML and in overrides: ``{a: 1, b: 2}``, or the one number."""
    if single:
        return str(next(iter(values.values())))
    return "{" + ", ".join(f"{k}: {v}" for k, v in values.items()) + "}"


def write(place: str, sizes: dict) -> None:
    path = CONFIG_DIR / "capacity" / f"{place}.yaml"
    text = path.read_text()
    for key, value in sizes.items():
        new = _flow(value) if isinstance(value, dict) else str(value)
        text = re.sub(rf"^({key}:\s*)(\{{[^}}]*\}}|\d+)", lambda m, new=new: m.group(1) + new, text, count=1, flags=re.M)
    path.write_text(text)


def main():
    args = options(__doc__, {"--write": "write the sizes into configs/capacity/<place>.yaml"})
    exp = Experiment("size_places", out_dir=args.out,
                     question="How many places does each site need to run its services about as full as Walsall's?")
    settings = run_settings(args, 3)
    if not args.quick:
        # Care home and home care stays last months: two years of warm-up let the inflow, not the
        # starting stock, set the load that is measured over the third year.
        settings += [f"run.warmup_days={LONG_WARMUP}", f"run.horizon_days={LONG_WARMUP + 365}"]
    services = sized_services(REFERENCE)
    reference_cfg = _config(REFERENCE)
    reference = reference_cfg["capacity"]
    reference_site = next(iter(reference_cfg["place"]["localities"].values()))["site"]
    keys = [key for key in services if reference[key] > 0]
    sized_here = {key: services[key] for key in keys}

    def unconstrained_load(place: str):
        """Each service instance's mean load with generous capacity (``<instance>.occupancy_mean``)."""
        overrides = [f"place={place}", *settings, *generous(place, sized_here)]
        return exp.run(place, overrides).summary.set_index("metric")["mean"]

    mean = unconstrained_load(REFERENCE)
    reference_load = {key: float(mean[f"{services[key]}.occupancy_mean"]) for key in keys}
    rows = []
    for place in PLACES:
        current = _config(place)["capacity"]
        mean = unconstrained_load(place)
        sizes = {}
        for key in keys:
            sites = current[key] if isinstance(current[key], dict) else {None: current[key]}
            sized = {}
            for site, places in sites.items():
                # A place with one site keeps the service's own name (see sim.engine.network).
                instance = services[key] if len(sites) == 1 else f"{services[key]}_{site}"
                demand = float(mean[f"{instance}.occupancy_mean"])
                # Walsall's own site in a larger place serves the same people: it keeps Walsall's places.
                sized[site] = (reference[key] if site == reference_site
                               else max(1, round(reference[key] * demand / reference_load[key])))
                rows.append({"place": place, "capacity": key, "site": site or "", "unconstrained_load": demand,
                             "walsall_load": reference_load[key], "walsall_places": reference[key],
                             "places_before": places, "places": sized[site]})
            sizes[key] = sized if isinstance(current[key], dict) else sized[None]
        if args.write:
            write(place, sizes)
    table = pd.DataFrame(rows)
    exp.table("sizes", table, "places per service and site: Walsall's places scaled by the site's unconstrained load")
    changed = table[table["places"] != table["places_before"]]
    largest = changed.assign(change=(changed["places"] / changed["places_before"] - 1).abs()).nlargest(5, "change")
    listed = "; ".join(f"{r.place} {r.capacity}{' ' + r.site if r.site else ''} {r.places_before} -> {r.places}"
                       for r in largest.itertuples())
    exp.finish(f"{len(changed)} of {len(table)} service places change" + (f"; largest changes: {listed}" if listed else "")
               + (" (written to configs/capacity/)" if args.write else " (not written: run with --write)"))


if __name__ == "__main__":
    main()
