"""Places as published: a capacity-policy table of the general and acute beds a trust actually had, year by year.

The hindcast's conditional mode (``carepath hindcast``, ``capacity_policy=published``) holds the model's flow
dynamics against history with the beds that were open, not the places a planner in the base year would have
assumed. The beds come from the actuals pack (``data/actuals/actuals.csv``): KH03's general and acute beds
available overnight, the mean of each financial year's published quarters.

The model's acute beds are a winter count (533 at Walsall, ``configs/capacity/walsall.yaml``), more than KH03's
quarterly average (460 over 2018/19), because they include the assessment units and beds KH03 averages away.
So the published *change* is applied, bed for bed, to the model's base-year beds (assumption: a ward opened is
the same beds in either count):

    places(year) = base places + round(KH03 beds(year) - KH03 beds(reference year))

The reference year is the first year the pack has KH03 beds for (2018/19 at Walsall): 2017/18 is not in the
pack, so the fitted year and the reference year keep the base places (assumption: beds unchanged from 2017/18
to 2018/19, the only figure that makes no claim). A year with fewer than four quarters published takes the mean
of those it has (2021/22 at Walsall: three), said in the table's ``load`` column.

Regenerate the committed table after the pack changes (a test fails when it is stale)::

    python -m sim.inputs.published_places
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import yaml

from ..common.files import atomic_write
from ..common.paths import CONFIG_DIR, ROOT
from . import actuals
from .capacity_policy import COLUMNS

TABLE = CONFIG_DIR / "capacity_policy" / "published.csv"
#: what the table covers: the place, its trust, the capacity key and service, the years
SPEC = {"place": "walsall", "site": "RBK", "capacity": "acute_beds", "service": "acute", "scenario": "baseline",
        "years": range(2017, 2025)}
BEDS = {"measure": "ga_beds_available", "type": "general and acute"}


def rows(spec: dict = SPEC) -> list[dict]:
    """One row a year: the base places plus the published change in beds since the reference year."""
    base = int(yaml.safe_load((CONFIG_DIR / "capacity" / f"{spec['place']}.yaml").read_text())[spec["capacity"]])
    quarters = actuals.quarterly(spec["place"], spec["site"], BEDS["measure"], BEDS["type"])
    if not quarters:
        raise ValueError(f"the actuals pack has no {BEDS['measure']} for {spec['place']} {spec['site']}")
    reference = min(quarters)
    mean = actuals.mean_of_quarters(spec["place"], spec["site"], BEDS["measure"], BEDS["type"], minimum=1)
    out = []
    for year in spec["years"]:
        if year <= reference:
            places, note = base, f"base places: KH03 {reference}/{(reference + 1) % 100:02d} is the reference"
        elif year in mean:
            places = base + round(mean[year] - mean[reference])
            note = (f"KH03 {mean[year]:.1f} beds ({len(quarters[year])} quarters) vs {mean[reference]:.1f} in "
                    f"{reference}/{(reference + 1) % 100:02d}")
        else:
            raise ValueError(f"the actuals pack has no KH03 beds for {year}/{(year + 1) % 100:02d}: the table "
                             "cannot cover it (a gap stays a gap)")
        out.append({"place": spec["place"], "scenario": spec["scenario"], "year": year, "capacity": spec["capacity"],
                    "service": spec["service"], "part": "", "base_places": base, "base_load": "", "load": note,
                    "scheme_places": 0, "places": places, "levers_digest": "published"})
    return out


def text(table: list[dict]) -> str:
    """The table as the CSV the capacity policy reads."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    return buffer.getvalue()


def main() -> int:
    content = text(rows())
    atomic_write(TABLE, lambda tmp: Path(tmp).write_text(content))
    print(f"wrote {TABLE.relative_to(ROOT)}")
    print(content)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
