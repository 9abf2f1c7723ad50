"""Calibrate each acute site of a place to its own base-year figures: report, and fit its own factors.

    python -m sim.calibrate --place black_country         # each site against its published figures
    python -m sim.calibrate --place black_country --fit   # refit each site's factors, write them, then report

A place inherits the Walsall calibration for its whole pathway; its acute sites' own process factors
(``place.site_calibration``, a file of ``configs/calibration/`` the place's config includes, applied by
:mod:`sim.inputs.site_calibration`; a place of one site has one set) are fitted to the rows of the base
year (the file's ``year``, or ``--base-year``) of ``data/places/<place>/published.csv`` (of the place the
file names in ``figures_of``, if any): each site's type-1 attendances, emergency admissions via type-1 A&E
and four-hour performance, with each row's ``kind`` and ``tolerance``.  The run is of the base year
(``run.year``): a later base year runs the 2017/18 model on to it (population and trends) and fits the
sites' factors there.  Results go to
``results/calibration_<place>/``: ``targets.csv`` (each site's model mean and 95% interval against each
published figure, and whether it is met), ``factors.csv``, a README and a manifest.

**Method.** As Walsall's (:mod:`sim.studies.calibrate`): the factors multiply the values the Walsall
calibration gives; they are fitted by least squares over a log-linear surrogate rebuilt each round
(finite differences 5% up and down on shared random numbers, a damped Newton step within each factor's
bounds and a trust region, the best point seen kept), each misfit in units of its tolerance.  The
sites are fitted side by side: a site's factors act only on its own patients, so each parameter is
moved at every site at once and each site's targets answer to its own factors alone (a Jacobian by
site), which makes a round 1 + 2 x (parameters) runs of the whole place, however many sites it has.
The conversion to admission is fitted to the share of the site's type-1 attendances admitted
(published admissions over published attendances), not to admissions alone: attendances come from the
catchment, which no process factor should make up for; a site whose attendances miss misses its
admissions by as much, and the table says so.  Attendances are a benchmark (the catchment's test, not
fitted).  A factor held at its bound with its target unmet is reported as unreachable, not forced.
"""
from __future__ import annotations

import copy
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.optimize import least_squares

from ..analysis.statistics import t_interval
from ..common.errors import ConfigError
from ..common.paths import CONFIG_DIR, ROOT
from ..engine.partition import part_name
from ..engine.population import Population
from ..inputs.calibration import RIDGE, STEP, TRUST, write_factor_lines
from ..jobs import runner
from ..place.template import PUBLISHED_COLUMNS

#: published measure -> (the service partitioned by site, its figure for a site's instance); volumes are a year's
SITE_METRICS = {"type1_attendances": ("ae", "{}.arrivals"), "ae_admissions": ("acute", "ae_admissions.{}"),
                "ae_4h_pct": ("ae", "{}.within_4h_pct"), "acute_occupancy_pct": ("acute", "{}.occupancy_pct")}
#: a place of one site has no instances: its figures are the place's
ONE_SITE = {"type1_attendances": "ae.arrivals", "ae_admissions": "ae_admissions", "ae_4h_pct": "ae.within_4h_pct",
            "acute_occupancy_pct": "acute.occupancy_pct"}
VOLUMES = {"type1_attendances", "ae_admissions"}
KINDS = {"volume", "rate"}
ADMITTED = "ae_admitted_pct"       # derived: admissions per 100 type-1 attendances, what ed_conversion answers to
LABELS = {"type1_attendances": "type-1 attendances", "ae_admissions": "emergency admissions via type-1 A&E",
          "ae_4h_pct": "type-1 four-hour performance", ADMITTED: "share of type-1 attendances admitted",
          "acute_occupancy_pct": "general and acute bed occupancy"}
COLUMNS = tuple(column for column, _ in PUBLISHED_COLUMNS)


def place_folder(place: str) -> Path:
    return ROOT / "data" / "places" / place


def published(place: str, year: int) -> pd.DataFrame:
    """The base year's rows of ``data/places/<place>/published.csv``, checked (kind, tolerance, a measure the model
    has); ``place`` is the site calibration file's ``figures_of`` where it names another place's figures."""
    path = place_folder(place) / "published.csv"
    if not path.is_file():
        raise ConfigError("--place", place, f"a place with published figures ({path.relative_to(ROOT)} not found)")
    table = pd.read_csv(path)
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise ConfigError(f"{path.name} columns", missing[0], f"the columns {', '.join(COLUMNS)}")
    rows = table[table["year"] == year]
    if rows.empty:
        raise ConfigError("base year", year, f"a year with rows in {path.name}: {sorted(set(table['year']))}")
    for i, row in rows.iterrows():
        where = f"{path.name} row {i + 2}"
        if row["measure"] not in SITE_METRICS:
            raise ConfigError(f"{where} measure", row["measure"], f"one of {', '.join(SITE_METRICS)}")
        if row["kind"] not in KINDS:
            raise ConfigError(f"{where} kind", row["kind"], "volume (tolerance relative) or rate (tolerance in points)")
        if not float(row["tolerance"]) > 0:
            raise ConfigError(f"{where} tolerance", row["tolerance"], "a positive number")
    return rows.reset_index(drop=True)


def site_calibration_file(place: str) -> Path:
    """The place's site calibration file: the ``/calibration/<file>@site_calibration`` of its config's defaults."""
    path = CONFIG_DIR / "place" / f"{place}.yaml"
    if not path.is_file():
        raise ConfigError("--place", place, "a place of configs/place/")
    for entry in (yaml.safe_load(path.read_text()) or {}).get("defaults", []):
        if isinstance(entry, str) and entry.startswith("/calibration/") and entry.endswith("@site_calibration"):
            return CONFIG_DIR / f"{entry[1:].partition('@')[0]}.yaml"
    raise ConfigError("--place", place, "a place whose config includes a site calibration "
                      "(/calibration/<file>@site_calibration in its defaults)")


class SiteFigures:
    """Each site's figures in one run: per replication, a year's volumes, and the derived share admitted."""

    def __init__(self, results, sites: list[str]):
        run = results.config["run"]
        self.year = 365.0 / (float(run["horizon_days"]) - float(run["warmup_days"]))
        self.table = results.replications.pivot_table(index="replication", columns="metric", values="value")
        self.n_sites = len(sites)

    def values(self, site: str, measure: str) -> np.ndarray:
        if measure == ADMITTED:
            return 100 * self.values(site, "ae_admissions") / self.values(site, "type1_attendances")
        service, pattern = SITE_METRICS[measure]
        metric = ONE_SITE[measure] if self.n_sites == 1 else pattern.format(part_name(service, site, self.n_sites))
        out = self.table[metric].to_numpy(dtype=float)
        return out * self.year if measure in VOLUMES else out

    def mean(self, site: str, measure: str) -> float:
        return float(np.nanmean(self.values(site, measure)))


def targets(rows: pd.DataFrame) -> pd.DataFrame:
    """The published rows plus each site's share admitted (admissions per 100 attendances, tolerance that of the
    admissions, relative)."""
    out = [rows]
    for site, figures in rows.groupby("site", sort=False):
        by = figures.set_index("measure")
        if {"ae_admissions", "type1_attendances"} <= set(by.index):
            admitted = by.loc["ae_admissions"]
            out.append(pd.DataFrame([{**admitted.to_dict(), "site": site, "measure": ADMITTED,
                                      "value": 100 * admitted["value"] / by.loc["type1_attendances", "value"],
                                      "kind": "volume",
                                      "source": "derived: admissions via type-1 A&E / type-1 attendances, both above"}]))
    return pd.concat(out, ignore_index=True)


def fitted_measure(spec: dict, name: str) -> str:
    """The measure a parameter's residual is read from: the share admitted for a conversion fitted to admissions."""
    target = spec["parameters"][name]["target"]
    return ADMITTED if target == "ae_admissions" else target


def residual(mean: float, target: pd.Series) -> float:
    """Misfit in tolerances on a log scale (relative tolerance for volumes, points over the value for rates)."""
    relative = float(target["tolerance"]) if target["kind"] == "volume" else float(target["tolerance"]) / float(target["value"])
    return math.log(max(mean, 0.01 * target["value"]) / target["value"]) / relative


def evaluate(cfg: dict, factors: dict, replications: int, sites: list[str]) -> SiteFigures:
    """Run ``cfg`` with ``factors`` ({parameter: {site: factor}}) as the place's site calibration."""
    cfg = copy.deepcopy(cfg)
    for name, by_site in factors.items():
        cfg["place"]["site_calibration"]["parameters"][name]["factors"] = {s: float(f) for s, f in by_site.items()}
    cfg["run"]["replications"] = replications
    return SiteFigures(runner.run(cfg, progress=False), sites)


def fit(cfg: dict, spec: dict, table: pd.DataFrame, sites: list[str], replications: int, rounds: int,
        trust: float = TRUST, log=print) -> dict:
    """Fit every site's factors side by side; returns {parameter: {site: factor}}."""
    names = list(spec["parameters"])
    measures = [fitted_measure(spec, n) for n in names]
    cells = [(s, n, m) for s in sites for n, m in zip(names, measures)
             if not table[(table["site"] == s) & (table["measure"] == m)].empty]
    goal = {(s, m): table[(table["site"] == s) & (table["measure"] == m)].iloc[0] for s, _, m in cells}
    params = spec["parameters"]
    theta = np.log([float(params[n]["factors"].get(s, 1.0)) for s, n, _ in cells])
    lower = np.log([params[n]["bounds"][0] for _, n, _ in cells])
    upper = np.log([params[n]["bounds"][1] for _, n, _ in cells])

    def as_factors(x):
        out = {n: dict(params[n]["factors"]) for n in names}
        for (s, n, _), value in zip(cells, np.exp(x)):
            out[n][s] = float(value)
        return out

    def misfits(x):
        """The misfits at ``x``, or None where its factors leave the model's own limits (a probability pushed
        past 1 by a conversion factor and the month's seasonality): a point the fit may not use."""
        try:
            figures = evaluate(cfg, as_factors(x), replications, sites)
        except ConfigError as limit:
            log(f"  factors {as_factors(x)} refused: {limit}")
            return None
        return np.array([residual(figures.mean(s, m), goal[(s, m)]) for s, _, m in cells])

    best, best_misfit = theta, math.inf
    for round_ in range(1, rounds + 1):
        r0 = misfits(theta)
        for _ in range(3):                       # back towards the best point until the model takes the factors
            if r0 is not None:
                break
            theta = (theta + best) / 2
            r0 = misfits(theta)
        if r0 is None:
            log(f"round {round_}: no usable point near the last step; the best point seen is kept")
            break
        log(f"round {round_}: misfit {np.round(r0, 2).tolist()} (in tolerances)")
        if float(r0 @ r0) < best_misfit:
            best, best_misfit = theta, float(r0 @ r0)
        if np.all(np.abs(r0) <= 1.0) or round_ == rounds:
            break
        jac = np.zeros((len(cells), len(cells)))
        for name in names:   # one parameter moved at every site at once: each site answers to its own
            moved = np.array([n == name for _, n, _ in cells])
            r_up, r_down = misfits(theta + STEP * moved), misfits(theta - STEP * moved)
            # a side the model refuses is replaced by the centre: a one-sided difference (none if both refuse)
            slope = (np.zeros(len(cells)) if r_up is None and r_down is None else
                     (r0 - r_down) / STEP if r_up is None else (r_up - r0) / STEP if r_down is None else
                     (r_up - r_down) / (2 * STEP))
            for j in np.flatnonzero(moved):
                same_site = np.array([s == cells[j][0] for s, _, _ in cells])
                jac[same_site, j] = slope[same_site]
        lo, hi = np.maximum(lower, theta - trust), np.minimum(upper, theta + trust)

        def surrogate(x, r0=r0, jac=jac, theta=theta):
            return np.concatenate([r0 + jac @ (x - theta), RIDGE * (x - theta)])
        theta = least_squares(surrogate, theta, bounds=(lo, hi)).x
        log(f"  factors {as_factors(theta)}")
    return as_factors(best)


def write_factors(factors: dict, path: Path) -> None:
    """Replace each parameter's ``factors:`` line in the site calibration file, keeping its comments."""
    flows = {name: "{" + ", ".join(f"{s}: {f:.4f}" for s, f in by_site.items()) + "}" for name, by_site in factors.items()}
    write_factor_lines(path, "factors", r"(factors:\s*)\{.*\}", flows)


def report(figures: SiteFigures, table: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """Each site's model mean and 95% interval against each target; fitted or a benchmark; met; a factor at its
    bound."""
    owner = {fitted_measure(spec, n): n for n in spec["parameters"]}
    rows = []
    for _, target in table.iterrows():
        values = figures.values(target["site"], target["measure"])
        mean, low, high, _ = t_interval(values)
        value, tol = float(target["value"]), float(target["tolerance"])
        within = abs(mean / value - 1) <= tol if target["kind"] == "volume" else abs(mean - value) <= tol
        name = owner.get(target["measure"])
        factor = float(spec["parameters"][name]["factors"].get(target["site"], 1.0)) if name else math.nan
        bounds = spec["parameters"][name]["bounds"] if name else (math.nan, math.nan)
        rows.append({"site": target["site"], "trust": target["trust"], "measure": target["measure"],
                     "fitted_by": name or "", "value": value, "kind": target["kind"], "tolerance": tol,
                     "model_mean": mean, "model_ci_low": low, "model_ci_high": high,
                     "difference": f"{100 * (mean / value - 1):+.1f}%" if target["kind"] == "volume"
                     else f"{mean - value:+.1f} points",
                     "met": bool(within), "factor": factor,
                     "at_bound": bool(name) and any(math.isclose(factor, b, rel_tol=1e-3) for b in bounds),
                     "source": target["source"]})
    return pd.DataFrame(rows)


def main(args) -> int:
    """``python -m sim.calibrate --place PLACE`` (the arguments of :func:`sim.studies.calibrate.main`)."""
    import sys

    from ..inputs.config import load
    from ..jobs.experiment import Experiment
    place = args.place
    try:
        path = site_calibration_file(place)
        spec = yaml.safe_load(path.read_text())
        year = int(args.base_year or spec["year"])
        settings = [f"place={place}", f"run.year={year}"]
        if args.horizon_days:
            settings += [f"run.horizon_days={args.horizon_days}", f"run.warmup_days={args.warmup_days}"]
        cfg = load(settings)
        runner.check(cfg)
        table = targets(published(spec.get("figures_of", place), year))
    except (ConfigError, FileNotFoundError) as error:
        print(f"carepath: invalid configuration: {error}", file=sys.stderr)
        return 2
    sites = Population(cfg["place"]).parts("site")
    exp = Experiment(f"calibration_{place}", out_dir=args.out,
                     question=f"Fitted to its own {year}/{str(year + 1)[2:]} figures, does each acute site of "
                              f"{cfg['place'].get('label', place)} reproduce its trust's published type-1 attendances, "
                              "emergency admissions via A&E and four-hour performance, and which misses remain?")
    if args.fit:
        started = time.perf_counter()
        factors = fit(cfg, spec, table, sites, args.fit_replications, args.rounds, args.trust)
        write_factors(factors, path)
        exp.runs["fit"] = {"factors": factors, "rounds": args.rounds, "trust": args.trust,
                           "replications": args.fit_replications, "seconds": round(time.perf_counter() - started, 1)}
        spec = yaml.safe_load(path.read_text())
    results = exp.run(place, settings + [f"run.replications={args.replications}"])
    result = report(SiteFigures(results, sites), table, spec)
    exp.table("targets", result, "each site's model mean and 95% interval against its trust's published figure; "
              "fitted_by: the site factor fitted to it (none: a benchmark)")
    exp.table("factors", pd.DataFrame([{"parameter": n, "site": s, "factor": f, "bounds": str(p["bounds"]),
                                        "scales": ", ".join(p["paths"]), "fitted_to": p["target"]}
                                       for n, p in spec["parameters"].items() for s, f in p["factors"].items()]),
              f"each site's fitted factors ({path.relative_to(ROOT)}), on top of the place's own calibration")
    pd.set_option("display.width", 200)
    print(result[["site", "measure", "value", "model_mean", "difference", "met", "factor", "at_bound"]].to_string(index=False))
    answer = summary(result)
    exp.finish(answer, method=__doc__.split("**Method.**")[1].strip())
    print(f"\n{answer}\nwritten to {exp.out_dir}")
    return 0


def summary(result: pd.DataFrame) -> str:
    """The README's answer: what is met, each figure by site, and why each miss is a miss."""
    fitted = result[result["fitted_by"] != ""]
    missed = fitted[~fitted["met"]]
    misses = "; ".join(f"{r.site} {LABELS[r.measure]} {r.difference}" + (" with its factor at a bound" if r.at_bound else "")
                       for r in missed.itertuples())
    parts = [f"{int(fitted['met'].sum())} of {len(fitted)} fitted site targets are met" + (f" ({misses} not)" if misses else "")]
    for measure in ("type1_attendances", "ae_admissions", "ae_4h_pct"):
        rows = result[result["measure"] == measure]
        value = "{:,.0f} vs {:,.0f}" if measure in VOLUMES else "{:.1f}% vs {:.1f}%"
        parts.append(f"{LABELS[measure][0].upper()}{LABELS[measure][1:]}: " + "; ".join(
            f"{r.site} {value.format(r.model_mean, r.value)} ({r.difference})" for r in rows.itertuples()))
    by = result.set_index(["site", "measure"])
    for site in dict.fromkeys(result["site"]):
        if (site, "ae_admissions") not in by.index or by.loc[(site, "ae_admissions"), "met"]:
            continue
        attendances, admitted = by.loc[(site, "type1_attendances")], by.loc[(site, ADMITTED)]
        parts.append(f"{site}'s admissions miss ({by.loc[(site, 'ae_admissions'), 'difference']}) "
                     + (f"as its attendances do ({attendances['difference']}): its share admitted is met, so the miss is "
                        "the catchment's or the rates', not a process to fit" if admitted["met"] else
                        f"with its share admitted unmet ({admitted['difference']}, conversion factor {admitted['factor']:.2f})"))
    return ". ".join(parts) + "."
