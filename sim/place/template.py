"""The files that describe a place: what each holds, column by column, and their checks.

A place is a folder of CSV files (``python -m sim.place init DIR`` writes them with an example and
a README).  Every file has a ``source`` column: the citation of each row's figure, in Pandoc syntax
(``[@key, locator]``, keys in ``docs/sources.md``), or ``assumption: <its reason>``.  The build
writes it beside the value in the configs, where the parameter register finds it.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..engine.population import AGE_BANDS

DESTINATIONS = ("home", "ic_home", "home_care", "ic_bed", "care_home", "death")


@dataclass(frozen=True)
class FileSpec:
    """One file of a place: its name, whether it must be there, what it holds and its columns."""

    name: str
    required: bool
    purpose: str
    columns: tuple[tuple[str, str], ...]        # (column, what it holds)

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.columns)


SOURCE = ("source", "the citation of this row's figure, [@key, locator], or 'assumption: <reason>'")
AGE = ("age_band", f"one of {', '.join(AGE_BANDS)}")

FILES = (
    FileSpec("place.csv", True, "The place as a whole: one row per setting.", (
        ("key", "label (the place's name in reports), base_year (the financial year the figures describe, "
                "2017 = 2017/18), calibration (the fitted factors it inherits, a file of configs/calibration/; "
                "default walsall_2017; none for none), site_calibration (each acute site's own fitted factors on top of it, a "
                "file of configs/calibration/ written by python -m sim.calibrate --place NAME --fit; default none) "
                "or rates_from (the rates file whose risk tiers, care-home "
                "shares and trend growth it takes; default walsall_2017)"),
        ("value", "the setting's value"), SOURCE)),
    FileSpec("areas.csv", True, "The areas whose people the place models: local authorities or localities, "
             "and areas outside the footprint whose people use its hospitals.", (
        ("area", "a name: lower-case letters, digits and _"),
        ("place", "the home place whose community, intermediate and social care its residents use (a name); "
                  "empty for an area outside the footprint"),
        ("outside", "yes for an area outside the footprint (its people come in to the sites, then leave); "
                    "no or empty otherwise"),
        ("label", "the area's name in reports"), SOURCE)),
    FileSpec("sites.csv", True, "The acute sites (A&E departments and acute beds) of the footprint.", (
        ("site", "a name: lower-case letters, digits and _"), ("label", "the site's name in reports"), SOURCE)),
    FileSpec("population.csv", True, "People in each area by age band in the base year.", (
        ("area", "an area of areas.csv"), AGE, ("people", "residents (a non-negative number)"), SOURCE)),
    FileSpec("catchment.csv", False, "The share of each area's A&E and acute demand at each site; what an area's "
             "shares leave over goes to hospitals outside the footprint and leaves the model. May be left out "
             "when there is one site: everyone uses it.", (
        ("area", "an area of areas.csv"), ("site", "a site of sites.csv"),
        ("share", "a share in [0, 1]; an area's shares add up to at most 1"), SOURCE)),
    FileSpec("rates.csv", True, "Arrivals a year per 1,000 people by stream and age band. A row with an empty "
             "area applies to every area of the footprint without its own row; an area outside the footprint "
             "arrives only in the streams it has rows for (its people's visits to the footprint's sites).", (
        ("area", "an area of areas.csv, or empty for every area of the footprint"),
        ("stream", "an arrival stream of the pathway (see the rows written by init)"), AGE,
        ("rate_per_1000", "arrivals a year per 1,000 people of the age band (a non-negative number)"), SOURCE)),
    FileSpec("capacity.csv", False, "Places in each service. A service left out is sized to the place's own "
             "demand, at Walsall's places per unit of demand (sim.place.sizing); one given is used as it is.", (
        ("capacity", "a key of the capacity group, such as acute_beds, ic_beds, home_care_packages"),
        ("part", "the site, home place or locality of a partitioned service, or empty for every one"),
        ("places", "places (a whole number)"), SOURCE)),
    FileSpec("projection.csv", False, "Population growth a year after the base year, by area and age band "
             "(subnational projections); without it the place runs only in its base year.", (
        ("area", "an area of areas.csv"), AGE,
        ("growth_per_year", "growth a year, such as 0.012 for +1.2% (between -0.5 and 0.5)"), SOURCE)),
    FileSpec("los.csv", False, "Local length of stay in an acute bed to medically fit, emergency admissions, "
             "by age band (lognormal); without it the pathway's own.", (
        AGE, ("mean_days", "mean days (positive)"), ("cv", "coefficient of variation (positive)"), SOURCE)),
    FileSpec("discharge.csv", False, "Local discharge pathways from an acute bed, emergency admissions of people "
             "living in the community, by age band; without it the pathway's own.", (
        AGE, ("destination", f"one of {', '.join(DESTINATIONS)} (P0 home, P1 ic_home or home_care, P2 ic_bed, "
                             "P3 care_home)"),
        ("share", "a share in [0, 1]; each age band's shares add up to 1"), SOURCE)),
)
BY_NAME = {spec.name: spec for spec in FILES}


def readme(name: str = "my_place") -> str:
    """The README written beside a place's files: each file, each column, and how to build and run it."""
    lines = [
        f"# {name}: a place for carepath", "",
        "These files describe one health and care system: its areas and their people, the acute sites they use,",
        "demand rates, and (optionally) places in each service, population growth and local lengths of stay and",
        "discharge pathways. Edit them in a spreadsheet, then check them and write the configs:", "",
        "```bash",
        f"python -m sim.place build DIR --name {name}                 # into configs/; then: python -m sim place={name}",
        f"python -m sim.place build DIR --name {name} --out CONFIGS   # elsewhere; then:",
        f"python -m sim \"hydra.searchpath=['file://CONFIGS']\" place={name}",
        "```", "",
        "A bad row is refused with its file, row (the header is row 1) and column, and nothing is written.",
        "A place whose configs exist (a shipped one, or one built before) is replaced only with --force.",
        "Every figure needs a source: a citation `[@key, locator]` whose key is in docs/sources.md, or",
        "`assumption: <reason>`.", "",
        "Hospital care follows the catchment: each area's A&E and acute demand is shared between the sites by",
        "catchment.csv, and the rest leaves the model (it uses hospitals outside the footprint). Community,",
        "intermediate and social care follow the home place (areas.csv `place`): a resident discharged from",
        "another place's hospital goes home to their own place's services. People of an area outside the",
        "footprint come in to its sites as their rates and shares say (only that part of their demand is",
        "generated) and, after hospital care, leave through the out_of_area sink.", "",
    ]
    for spec in FILES:
        lines += [f"## {spec.name} ({'required' if spec.required else 'optional'})", "", spec.purpose, "",
                  "| column | holds |", "|---|---|"]
        lines += [f"| `{column}` | {meaning} |" for column, meaning in spec.columns]
        lines.append("")
    return "\n".join(lines + walkthrough(name))


#: the published figures a place is calibrated to (not read by the build): ``data/places/<name>/published.csv``
PUBLISHED_COLUMNS = (
    ("site", "a site of sites.csv"), ("trust", "the trust that published the figure, with its organisation code"),
    ("place", "the home place the trust serves (a name)"),
    ("measure", "type1_attendances, ae_admissions (emergency admissions via type-1 A&E) or ae_4h_pct (type-1 "
                "four-hour performance), as NHS England's A&E sitrep counts them"),
    ("year", "the financial year (2017 = 2017/18): a row for each year the place may be calibrated to"),
    ("value", "the published figure"),
    ("kind", "volume (tolerance relative: 0.05 for 5%) or rate (tolerance in percentage points)"),
    ("tolerance", "how close the model must come; loosen it where the figure's scope differs from the model's"),
    SOURCE)


def walkthrough(name: str) -> list[str]:
    """The README's last part: from the built place to one calibrated to its own figures and tested on later years."""
    return [
        "## From your figures to a calibrated, tested place", "",
        "1. **Build and run** the place from these files, as above: with the files in `data/places/" + name + "/`,",
        f"   `python -m sim.place build data/places/{name} --name {name}`, then `python -m sim place={name}`. Its",
        "   processes (conversion from A&E to a bed, times in A&E, lengths of stay) are Walsall's fitted ones",
        "   (`calibration` in place.csv): a strict test of how far they transfer, not yet your place.",
        f"2. **Say what it must reproduce.** Put your trusts' published base-year figures in `data/places/{name}/"
        "published.csv`", "   (not read by the build), one row a figure:", "",
        "   | column | holds |", "   |---|---|",
        *[f"   | `{column}` | {meaning} |" for column, meaning in PUBLISHED_COLUMNS], "",
        "3. **Calibrate each site to its own figures.** Copy `configs/calibration/black_country_2017_sites.yaml` to",
        f"   `configs/calibration/{name}_<year>_sites.yaml`, set `place` and `year` and list your sites under each",
        "   parameter's `factors` (1.0 each); name the file in place.csv (`site_calibration`) and build again. Then",
        f"   `python -m sim.calibrate --place {name}` reports each site against its figures and",
        f"   `python -m sim.calibrate --place {name} --fit` fits each site's conversion to admission (to its share of",
        "   attendances admitted) and A&E process time (to its four-hour performance), writes the factors into the file",
        f"   and reports again (`results/calibration_{name}/`: `targets.csv` says, figure by figure, whether it is met).",
        "   A factor at its bound with its figure unmet (`at_bound`) means no process change within reason reaches",
        "   it: look at the inputs instead (rates, catchment shares, capacity). Attendances are not fitted: a site",
        "   whose attendances miss has its catchment or rates to check, and misses its admissions by as much.",
        "   Fitting takes a few runs of the whole place a round (one plus two for each parameter), four rounds at",
        "   most: minutes for one site, tens of minutes for four on two cores.",
        "4. **Test it on later years.** Fitting makes the base year no test; only later years count. Add your",
        "   trusts' later published figures to `data/actuals/actuals.csv` (place, trust code, measure, type,",
        "   period, value, source; `data/actuals/README.md`), pre-register what is compared and how closely",
        "   before any run in a file of your own (`configs/calibration/wirral_hindcast.yaml` for one site,",
        "   `black_country_hindcast.yaml` for several, each measure naming its trust), commit it, then run",
        f"   `carepath hindcast --preregistration configs/calibration/{name}_hindcast.yaml --out results/hindcast_{name}`:",
        "   the place run on from its base year, each year held against the published figure and the naive",
        "   forecasts. Learn from the first years after the base year; keep the latest back as a final test",
        "   (`--final-test`) and run it once, when nothing is left to change.", ""]
