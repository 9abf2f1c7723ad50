"""Reconcile the base year's whole-system cost with the budget lines: ``carepath reconcile [overrides]``.

Runs the place's base year (Walsall 2017/18 by default, the envelope's year) and sets its
``system_cost_gbp`` against the envelope's budget lines (Walsall: the business case's Table 3, £557.33m),
line by line: what the model costs bottom-up, what is carried top-down, and the residual, which
nothing is chosen to close (:mod:`sim.analysis.reconciliation`).  Writes ``results/reconciliation/``
(``lines.csv``, ``parts.csv``, README, manifest).  Exit code 0 when every line is within the
envelope's tolerance, 1 when one is not (the reconciliation can fail), 2 for bad input.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from ..analysis.reconciliation import parts, reconcile
from ..inputs.config import load
from ..inputs.prepare import prepare
from ..jobs.experiment import Experiment


def _m(x: float) -> str:
    return f"£{x / 1e6:,.1f}m"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="carepath reconcile", description=__doc__.splitlines()[0])
    parser.add_argument("overrides", nargs="*", help="overrides, as on the command line (place=wirral, run.replications=5...)")
    parser.add_argument("--out", type=Path, default=None, help="results folder (default results/reconciliation)")
    args = parser.parse_args(argv)
    overrides = ["run.replications=10", *args.overrides]
    cfg = load(overrides)
    if not cfg.get("envelope"):
        print(f"nothing to reconcile: place {cfg['place']['name']!r} has no envelope (configs/envelope/)")
        return 2
    year = int(cfg["envelope"]["base_year"])
    overrides = [f"run.year={year}", *overrides]
    envelope = prepare(load(overrides))["network"]["envelope"]
    exp = Experiment("reconciliation", out_dir=args.out,
                     question=f"Does the modelled {year}/{(year + 1) % 100:02d} whole-system cost of {cfg['envelope']['label']} "
                              "reconcile with its budget lines, line by line?")
    summary = exp.run("base_year", overrides).summary
    lines, detail = reconcile(summary, envelope), parts(summary, envelope)
    exp.table("lines", lines, "each budget line: the budget, bottom-up (modelled, mean and 95% interval), top-down, the "
                              "residual and whether it is within the envelope's tolerance")
    exp.table("parts", detail, "each part of each line; a bottom-up part beside the share of its line it is expected to be")
    total = lines[lines["line"] == "total"].iloc[0]
    failing = lines[(lines["line"] != "total") & ~lines["reconciles"]]
    text = (f"The modelled system costs {_m(total['system_gbp'])} against {_m(total['budget_gbp'])}: "
            f"{_m(total['bottom_up_gbp'])} bottom-up (the simulated settings; 95% interval {_m(total['bottom_up_ci_low'])} "
            f"to {_m(total['bottom_up_ci_high'])}) and {_m(total['top_down_gbp'])} top-down, a residual of "
            f"{_m(total['residual_gbp'])} ({total['residual_pct']:+.1f}%). By line (residual = budget - bottom-up - top-down): "
            + "; ".join(f"{r.label} {_m(r.residual_gbp)} ({r.residual_pct:+.1f}%)" for r in lines.itertuples()
                        if r.line != "total" and r.bottom_up_gbp)
            + f". Lines whose residual is beyond the {100 * envelope['tolerance']:.0f}% tolerance: "
            + (", ".join(failing["label"]) if len(failing) else "none") + ".")
    exp.finish(text)
    print(text)
    return 1 if len(failing) else 0


if __name__ == "__main__":
    raise SystemExit(main())
