"""Size each place's services to its own modelled demand, at Walsall's places per unit of demand.

The other places have no published counts of A&E cubicles, intermediate care places or social care
packages, so each is run once with generous capacity and every service is sized to run about as
full as Walsall's calibrated 2017/18 services (the method: :mod:`sim.place.sizing`).  Services with
no places in 2017/18 (schemes not yet running) and the integrated teams (sized per locality, per
resident) are left as they are.  ``--write`` puts the sizes into ``configs/capacity/<place>.yaml``
(each line's comment kept).  The Black Country, built from its own data, is sized by
``python -m sim.place build data/places/black_country --name black_country``, with the same method.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from _common import options

from sim.common.files import atomic_write
from sim.common.paths import CONFIG_DIR
from sim.inputs.config import load
from sim.jobs.experiment import Experiment
from sim.place import sizing
from sim.place.sizing import flow

PLACES = ["wolverhampton", "dudley", "sandwell_west_birmingham", "wirral"]


def write(place: str, sizes: dict) -> None:
    path = CONFIG_DIR / "capacity" / f"{place}.yaml"
    text = path.read_text()
    for key, value in sizes.items():
        new = flow(value) if isinstance(value, dict) else str(value)
        text = re.sub(rf"^({key}:\s*)(\{{[^}}]*\}}|\d+)", lambda m, new=new: m.group(1) + new, text, count=1, flags=re.M)
    atomic_write(path, lambda tmp: Path(tmp).write_text(text))


def main():
    args = options(__doc__, {"--write": "write the sizes into configs/capacity/<place>.yaml"})
    exp = Experiment("size_places", out_dir=args.out,
                     question="How many places does each site need to run its services about as full as Walsall's?")
    sizer = sizing.Sizing(lambda label, overrides: exp.run(label, overrides).summary,
                          sizing.settings(args.replications or 3, args.quick))
    rows = []
    for place in PLACES:
        sizes, place_rows = sizer.size(place, [f"place={place}"], load([f"place={place}"])["capacity"])
        rows += place_rows
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
