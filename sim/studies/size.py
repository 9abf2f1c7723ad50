"""Size the demand-led places: ``carepath size [--place walsall] [--scenario NAME ...] [--check]``.

Writes the table the ``demand_led`` capacity policy reads, ``configs/capacity_policy/demand_led.csv``
(one row per place, scenario, year, service and site or locality; rows of other places and scenarios
are kept), and ``results/size_demand_led/``: the unconstrained loads and the sizes, and with
``--check`` the sized places run under ``capacity_policy=demand_led`` beside the base year's standard.
Re-run it after a recalibration or a change to a scenario's levers (a run refuses a table sized for
other levers).  How the places are sized: :mod:`sim.place.sizing`.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from ..inputs.config import load
from ..inputs.overrides import groups
from ..jobs.experiment import Experiment
from ..place import sizing

TABLE = "configs/capacity_policy/demand_led.csv"
#: every scenario of configs/scenario/ (baseline is sized with do_nothing: neither has levers)
SCENARIOS = [s for s in groups()["scenario"] if s != "baseline"]


def options(argv=None):
    parser = argparse.ArgumentParser(prog="carepath size", description=__doc__.splitlines()[0])
    parser.add_argument("--place", default="walsall", help="the place to size (default walsall)")
    parser.add_argument("--scenario", nargs="+", default=SCENARIOS, help="scenarios to size (default: every one)")
    parser.add_argument("--start-year", type=int, default=2017, help="the base year, whose standard is held (default 2017)")
    parser.add_argument("--end-year", type=int, default=2027, help="the last year sized (default 2027)")
    parser.add_argument("--replications", type=int, default=3, help="replications of each generous run (default 3)")
    parser.add_argument("--check", action="store_true", help="also run the sized places and compare each year's standard")
    parser.add_argument("--check-replications", type=int, default=2, help="replications of each check run (default 2)")
    parser.add_argument("--table", default=TABLE, help=f"the table to write (default {TABLE})")
    parser.add_argument("--out", type=Path, default=None, help="results folder (default results/size_demand_led)")
    parser.add_argument("--quick", action="store_true", help="two years, short runs: to check the command works")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = options(argv)
    end = args.start_year + 1 if args.quick else args.end_year
    span = [f"place={args.place}", f"run.year={args.start_year}", f"run.end_year={end}"]
    if args.quick:
        generous_run = ["run.replications=1", "run.warmup_days=10"]
        check_run = ["run.replications=1", "run.warmup_days=10"]
    else:
        generous_run = sizing.settings(args.replications)      # its horizon: the span replaces it (sim.inputs.years)
        check_run = [f"run.replications={args.check_replications}"]
    exp = Experiment("size_demand_led", out_dir=args.out,
                     question=f"How many places does each service of {args.place} need each year from {args.start_year}/"
                              f"{(args.start_year + 1) % 100:02d} to {end}/{(end + 1) % 100:02d} to hold its base-year "
                              "standard against demand, under each scenario?")
    services = sizing.standard_services([f"place={args.place}"])
    unsized = ["capacity_policy=demand_led", "capacity_policy.table=null"]

    def unconstrained(scenario: str):
        cfg = load([*span, f"scenario={scenario}"])
        overrides = [*span, f"scenario={scenario}", *unsized, *generous_run, *sizing.generous(cfg, services)]
        return cfg, sizing.loads(exp.run(f"generous_{scenario}", overrides).summary, cfg, services)

    base_cfg, base_loads = unconstrained(sizing.BASELINE)
    rows = sizing.size(base_cfg, base_loads, base_loads, services, sizing.SAME_DEMAND[sizing.BASELINE])
    for scenario in (s for s in args.scenario if s not in sizing.SAME_DEMAND[sizing.BASELINE]):
        cfg, scenario_loads = unconstrained(scenario)
        rows += sizing.size(cfg, scenario_loads, base_loads, services, [scenario])
    sizing.write_table(args.table, rows)
    exp.writes.append(args.table)
    table = pd.DataFrame(rows)
    exp.table("sizes", table, f"places per service, part and year (also written to {args.table}): base places x load / "
                              "base load, less the scheme's own places")
    sized = sorted((s for s in args.scenario if s != "baseline"), key=lambda s: s != sizing.BASELINE)   # do nothing first
    checks = []
    if args.check:
        for scenario in sized:
            res = exp.run(f"demand_led_{scenario}", [*span, f"scenario={scenario}", "capacity_policy=demand_led",
                                                      f"capacity_policy.table={args.table}", *check_run])
            first = res.summary[res.summary["year"] == args.start_year]
            checks.append(sizing.check(res.summary, first, services).assign(scenario=scenario))
        exp.table("check", pd.concat(checks, ignore_index=True),
                  "each year's standard under the sized places beside the base year's (change = year minus base)")
    exp.finish(answer(table, checks, args, end))
    return 0


def answer(table: pd.DataFrame, checks: list, args, end: int) -> str:
    """The places added by the last year under do-nothing, and what the check found."""
    last = table[(table["scenario"] == sizing.BASELINE) & (table["year"] == end)]
    added = last.groupby("service")[["base_places", "places"]].sum()
    listed = "; ".join(f"{s} {int(r.base_places)} -> {int(r.places)}" for s, r in added.iterrows() if r.places != r.base_places)
    text = (f"Doing nothing, holding each service at its {args.start_year}/{(args.start_year + 1) % 100:02d} occupancy "
            f"takes by {end}/{(end + 1) % 100:02d}: {listed or 'no change'} (before steps and the closure lag, which the "
            f"capacity policy applies). Table: {args.table}.")
    if checks and checks[0]["scenario"].iloc[0] == sizing.BASELINE:
        check = checks[0].set_index(["year", "metric"])
        parts = []
        for metric in ("ae_4h_pct", "acute_occupancy_mean", "acute_delayed_bed_days"):
            if (args.start_year, metric) in check.index and (end, metric) in check.index:
                base, now = check.loc[(args.start_year, metric), "mean"], check.loc[(end, metric), "mean"]
                flag = " (unstable: not an estimate)" if bool(check.loc[(end, metric)].get("unstable", False)) else ""
                parts.append(f"{metric} {base:,.1f} -> {now:,.1f}{flag}")
        text += " Checked by simulation under capacity_policy=demand_led (do nothing): " + "; ".join(parts) + "."
    return text


if __name__ == "__main__":
    raise SystemExit(main())
