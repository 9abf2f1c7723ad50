"""Reconcile the base year's whole-system cost with the budget lines: ``carepath reconcile [overrides]``.

Runs the place's base year (Walsall 2017/18 by default, the envelope's year) and sets its
``system_cost_gbp`` against the envelope's budget lines (Walsall: the business case's Table 3, £557.33m),
line by line and part by part: what the model costs bottom-up, what is carried top-down (and what
each top-down part covers), and the residual, which nothing is chosen to close
(:mod:`sim.analysis.reconciliation`).  Writes ``results/reconciliation/`` (``lines.csv``, ``parts.csv``,
README, manifest).  Exit code 0 when every line is within the envelope's ``tolerance`` (or its
difference is explained by its parts) and every bottom-up part within its ``part_tolerance`` or explained
with evidence, its difference within the range that evidence accounts for; 1 when one is not (the
reconciliation can fail); 2 for bad input.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..analysis.reconciliation import failures, parts, reconcile
from ..common.errors import ConfigError
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
    try:                         # bad input: one line naming the key, exit 2, nothing written
        cfg = load(overrides)
        if not cfg.get("envelope"):
            print(f"nothing to reconcile: place {cfg['place']['name']!r} has no envelope (configs/envelope/)")
            return 2
        year = int(cfg["envelope"]["base_year"])
        overrides = [f"run.year={year}", *overrides]
        envelope = prepare(load(overrides))["network"]["envelope"]
    except ConfigError as error:
        print(f"carepath: invalid configuration: {error}", file=sys.stderr)
        return 2
    exp = Experiment("reconciliation", out_dir=args.out,
                     question=f"Does the modelled {year}/{(year + 1) % 100:02d} whole-system cost of {cfg['envelope']['label']} "
                              "reconcile with its budget lines, line by line and part by part?")
    summary = exp.run("base_year", overrides).summary
    lines, detail = reconcile(summary, envelope), parts(summary, envelope)
    exp.table("lines", lines, "each budget line: the budget, bottom-up (modelled, mean and 95% interval), top-down, the "
                              "residual and whether it is within the envelope's tolerance")
    exp.table("parts", detail, "each part of each line: a bottom-up part beside the share of its line it is expected to "
                               "be (with what top-down parts hand over to it), its difference, its status and evidence; "
                               "what each top-down part covers")
    bad_lines, bad_parts = failures(lines, detail)
    text = _answer(lines, detail, envelope, bad_lines, bad_parts)
    exp.finish(text, method=_covers(detail))
    print(text)
    return 1 if bad_lines or bad_parts else 0


def _answer(lines, detail, envelope, bad_lines, bad_parts) -> str:
    total = lines[lines["line"] == "total"].iloc[0]
    bottom = detail[detail["kind"] == "bottom-up"]
    modelled = bottom["gbp"].sum()
    expected = bottom["expected_gbp"].sum()
    text = (f"The modelled system costs {_m(total['system_gbp'])} against {_m(total['budget_gbp'])}: "
            f"{_m(total['bottom_up_gbp'])} bottom-up (the simulated settings; 95% interval {_m(total['bottom_up_ci_low'])} "
            f"to {_m(total['bottom_up_ci_high'])}) and {_m(total['top_down_gbp'])} top-down, a residual of "
            f"{_m(total['residual_gbp'])} ({total['residual_pct']:+.1f}%). By line (residual = budget - bottom-up - top-down): "
            + "; ".join(f"{r.label} {_m(r.residual_gbp)} ({r.residual_pct:+.1f}%)" for r in lines.itertuples()
                        if r.line != "total" and r.bottom_up_gbp)
            + f". Part by part, the simulated settings cost {_m(modelled)} against the {_m(expected)} their shares of the "
            "lines allow (with what top-down parts hand them): "
            + "; ".join(f"{r.label.split(' (')[0]} {_m(r.gbp)} against {_m(r.expected_gbp)} ({r.difference_pct:+.1f}%, {r.status})"
                        for r in bottom.itertuples() if r.expected_gbp or r.gbp)
            + f". Lines beyond the {100 * envelope['tolerance']:.0f}% tolerance that their parts do not explain: "
            + (", ".join(bad_lines) if bad_lines else "none")
            + f"; parts beyond the {100 * envelope['part_tolerance']:.0f}% part tolerance that no evidence explains: "
            + (", ".join(bad_parts) if bad_parts else "none") + ".")
    explained = bottom[bottom["status"] == "explained"]
    if len(explained):
        text += ("\n\n**Explained differences** (each part's difference, and the range its evidence accounts for).\n\n"
                 + "\n".join(f"- {r.label} ({r.difference_pct:+.1f}%; explained {r.explained_low_pct:+.0f}% to "
                             f"{r.explained_high_pct:+.0f}%): {r.evidence}" for r in explained.itertuples()))
    return text


def _covers(detail) -> str:
    top = detail[detail["kind"] == "top-down"]
    return ("Each top-down part is a sourced share of its line or an amount per resident, projected, never fitted; "
            "it covers only activity the model does not simulate, and hands over the modelled activity it pays for, "
            "so each pound is counted once, in the line that pays it:\n\n"
            + "\n".join(f"- {r.line}.{r.part}: {r.covers}" + (f" ({_m(-r.handed_over_gbp)} handed over)" if r.handed_over_gbp else "")
                        for r in top.itertuples()))


if __name__ == "__main__":
    raise SystemExit(main())
