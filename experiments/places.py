"""Places from their own data: does the Black Country, built from its own catchments, demography and
Walsall's calibrated processes, give its four trusts' published 2017/18 A&E activity, and how much closer
do its sites come once each is calibrated to its own figures?

The transfer: no factor fitted to these trusts (``place.site_calibration=null``), so the Black Country
(``data/places/black_country``, built by ``python -m sim.place build``) differs from Walsall only by its
own inputs.  The calibrated sites: each site's own conversion to admission and A&E process time
(``configs/calibration/black_country_2017_sites.yaml``, ``python -m sim.calibrate --place black_country``).
Each site's modelled type-1 attendances and emergency admissions via A&E stand beside the trust's
published figure (``data/places/black_country/published.csv``), both ways, as do the same sites modelled
the old way, as the residents of one place each with no catchment (``place=wolverhampton`` and so on).
"""
from __future__ import annotations

import pandas as pd
from _common import options, run_settings

from sim.analysis.statistics import t_interval
from sim.common.paths import ROOT
from sim.engine.partition import part_name
from sim.engine.population import Population
from sim.jobs.experiment import Experiment

PUBLISHED = ROOT / "data" / "places" / "black_country" / "published.csv"
#: measure: (the service partitioned by site, its metric for a site's instance, the place's metric)
MEASURES = {"type1_attendances": ("ae", "{}.arrivals", "ae_attendances"),
            "ae_admissions": ("acute", "ae_admissions.{}", "ae_admissions")}
LABELS = {"type1_attendances": "type-1 A&E attendances", "ae_admissions": "emergency admissions via type-1 A&E"}


def per_replication(results, metrics: list[str]) -> pd.Series:
    """The sum of ``metrics`` in each replication, a year's worth (a shorter results period scaled up)."""
    run = results.config["run"]
    year = 365.0 / (float(run["horizon_days"]) - float(run["warmup_days"]))
    table = results.replications
    return table[table["metric"].isin(metrics)].groupby("replication")["value"].sum() * year


def interval(values: pd.Series) -> tuple[float, float, float]:
    mean, low, high, _ = t_interval(values.to_numpy())
    return mean, low, high


def main():
    args = options(__doc__)
    exp = Experiment("places", out_dir=args.out,
                     question="Built from its own catchments and demography, with Walsall's calibrated processes and "
                              "nothing fitted to them, how close does the Black Country come to its four trusts' "
                              "published 2017/18 A&E attendances and emergency admissions, and how close once each "
                              "site is calibrated to its own figures?")
    settings = run_settings(args, 5)
    published = pd.read_csv(PUBLISHED)
    published = published[(published["year"] == 2017) & published["measure"].isin(MEASURES)]
    black_country = exp.run("black_country_transfer", ["place=black_country", "place.site_calibration=null", *settings])
    calibrated = exp.run("black_country", ["place=black_country", *settings])
    alone = {place: exp.run(place, [f"place={place}", *settings]) for place in dict.fromkeys(published["place"])}
    rows = []
    n_sites = len(Population(black_country.config["place"]).parts("site"))
    for measure, (service, site_metric, place_metric) in MEASURES.items():
        figures = published[published["measure"] == measure]
        sites = [site_metric.format(part_name(service, s, n_sites)) for s in figures["site"]]
        for (_, row), metric in zip(figures.iterrows(), sites):
            rows.append(_row(measure, row["site"], row["trust"], row["value"], row["source"],
                             per_replication(black_country, [metric]), per_replication(calibrated, [metric]),
                             per_replication(alone[row["place"]], [place_metric])))
        total_alone = sum(per_replication(alone[p], [place_metric]) for p in figures["place"])
        rows.append(_row(measure, "total", "Black Country and West Birmingham (four trusts)", figures["value"].sum(),
                         "the four trusts' figures summed", per_replication(black_country, sites),
                         per_replication(calibrated, sites), total_alone))
    table = pd.DataFrame(rows)
    exp.table("sites", table, "each site's modelled 2017/18 activity beside its trust's published figure: with catchments "
              "and Walsall's processes (the transfer: modelled, error_pct), with catchments and each site's own "
              "calibration (calibrated, error_calibrated_pct), and as one place of residents (place=<place>); "
              "error = modelled / published - 1")
    exp.table("catchments", catchments(exp.runs["black_country_transfer"]["config"]["place"]),
              "people of each area and the share of its A&E and acute demand at each site (the rest leaves the footprint)")
    exp.finish(answer(table), method=(
        "Each area's A&E and acute demand is shared between the sites by catchment shares derived from OHID's trust "
        "catchments [@ohid-catchments-2022] and ONS populations [@ons-sape-2017; @ons-mye-2019]; people from ten local "
        "authorities outside the footprint come in; community, intermediate and social care follow the home place. "
        "The calibrated sites add each site's own conversion to admission (fitted to its share of type-1 attendances "
        "admitted) and A&E process time (fitted to its four-hour performance), python -m sim.calibrate --place "
        "black_country (results/calibration_black_country). "
        "Rates per person are Walsall's, those of the hospital streams re-expressed per person of Walsall Manor's "
        "catchment so that Walsall's calibrated volume is kept; capacities are Walsall's at Walsall and sized to demand "
        "elsewhere (sim.place.sizing). Published figures: NHS England's A&E sitrep, 2017-18 [@nhse-ae-sitrep-2017-18]. "
        "Total emergency admissions (all routes) by trust were not in a source we could reach, so only admissions via "
        "type-1 A&E are compared."))


def _row(measure, site, trust, value, source, modelled: pd.Series, calibrated: pd.Series, alone: pd.Series) -> dict:
    mean, low, high = interval(modelled)
    own, own_low, own_high = interval(calibrated)
    alone_mean, _, _ = interval(alone)
    return {"measure": measure, "site": site, "trust": trust, "published": int(value), "source": source,
            "modelled": round(mean), "ci_low": round(low), "ci_high": round(high),
            "error_pct": round(100 * (mean / value - 1), 1),
            "calibrated": round(own), "calibrated_ci_low": round(own_low), "calibrated_ci_high": round(own_high),
            "error_calibrated_pct": round(100 * (own / value - 1), 1),
            "modelled_one_place": round(alone_mean), "error_one_place_pct": round(100 * (alone_mean / value - 1), 1)}


def catchments(place: dict) -> pd.DataFrame:
    population = Population(place)
    catchment = population.catchment
    rows = []
    for i, area in enumerate(population.localities):
        row = {"area": area, "home_place": catchment.home_of[area], "people": round(population.people[i].sum())}
        row.update({site: catchment.shares[area].get(site, 0.0) for site in catchment.sites})
        row["outside_footprint"] = round(float(catchment.leaving[i]), 4)
        rows.append(row)
    return pd.DataFrame(rows)


def answer(table: pd.DataFrame) -> str:
    parts = []
    for measure in MEASURES:
        t = table[table["measure"] == measure].set_index("site")
        total = t.loc["total"]
        sites = "; ".join(f"{site} {r.modelled:,} vs {r.published:,} ({r.error_pct:+.1f}%)"
                          for site, r in t.drop(index="total").iterrows())
        label = LABELS[measure][0].upper() + LABELS[measure][1:]
        parts.append(f"{label}: the four sites {total.modelled:,} (95% interval {total.ci_low:,}-{total.ci_high:,}) "
                     f"against {total.published:,} published ({total.error_pct:+.1f}%; as four places of residents "
                     f"without catchments {total.modelled_one_place:,}, {total.error_one_place_pct:+.1f}%). By site: {sites}")
    worst = table[table["site"] != "total"].assign(size=lambda f: f["error_pct"].abs()).nlargest(1, "size").iloc[0]
    wide = table.pivot(index="site", columns="measure", values=["published", "modelled", "calibrated"])

    def share(column):
        return (100 * wide[(column, "ae_admissions")] / wide[(column, "type1_attendances")]).round(1)
    conversion, modelled, own = share("published"), share("modelled"), share("calibrated")
    admitted = "; ".join(f"{site} {conversion[site]}% published, {modelled[site]}% transferred, {own[site]}% calibrated"
                         for site in conversion.index if site != "total")
    sites = table[table["site"] != "total"]
    calibrated = "; ".join(f"{LABELS[m]} {', '.join(f'{r.site} {r.error_calibrated_pct:+.1f}%' for r in rows.itertuples())}"
                           for m, rows in sites.groupby("measure", sort=False))
    return (". ".join(parts) + f". The furthest is {worst['site']} ({LABELS[worst['measure']]}, "
            f"{worst['error_pct']:+.1f}%). Share of type-1 attendances admitted: {admitted}: transferred, the sites "
            "inherit Walsall's fitted conversion from A&E to a bed, and the trusts that admit fewer of their attendances "
            f"show it in their admissions. With each site calibrated to its own figures: {calibrated}; a site whose "
            "catchment brings too few attendances (conversion is fitted per attendance) misses its admissions by as much.")


if __name__ == "__main__":
    main()
