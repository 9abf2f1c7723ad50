"""Experiment: the shift-left schemes with the effects evaluations found, beside the business case's assumed effects.

The same schemes run in 2027/28 against the demand-led do-nothing (places that follow demand), once with each
effect at the evidence register's central value (``scenario=walsall_schemes_evidence``) and once as the UK
comparator (``scenario=uk_comparator``: levers sized to hand back the business case's A&E -34%, its assumed
effects).  Every change is paired replication by replication (common random numbers).  Costs are shown with and
without the business case's own activity changes in the envelope's top-down lines (outpatients -29%, GP
attendances +18%), which the model does not simulate: without them the change in the whole-system cost is the
change in its bottom-up part, since the top-down lines are otherwise the do-nothing's.
"""
from __future__ import annotations

import pandas as pd
from _common import options, run_settings

from sim.analysis.comparison import paired_comparison
from sim.jobs.experiment import Experiment

YEAR = 2027
BASELINE = "do_nothing"
SCENARIOS = {"walsall_schemes_evidence": "the evidence register's central values",
             "uk_comparator": "the business case's assumed effects"}
#: the figures reported, and whether the business case's top-down activity changes are in them
HEADLINE = [("ae_attendances", "A&E attendances", "not affected"),
            ("nel_admissions", "emergency admissions", "not affected"),
            ("acute_bed_days", "acute bed-days", "not affected"),
            ("system_cost_gbp", "whole-system cost", "with"),
            ("system_cost_bottom_up_gbp", "whole-system cost", "without"),
            ("system_cost_top_down_gbp", "top-down lines (the business case's activity changes)", "only")]


def main():
    args = options(__doc__)
    exp = Experiment("scheme_evidence", out_dir=args.out,
                     question="What do Walsall's shift-left schemes change in 2027/28 with the effects evaluations "
                              "found, beside the business case's assumed effects (the UK comparator), against the "
                              "demand-led do-nothing, with and without the business case's top-down activity changes?")
    settings = [f"run.year={YEAR}", "capacity_policy=demand_led", *run_settings(args, 20)]
    summaries, replications = [], []
    for scenario in [BASELINE, *SCENARIOS]:
        res = exp.run(scenario, [f"scenario={scenario}", *settings])
        summaries.append(res.summary)
        replications.append(res.replications)
    summary, reps = pd.concat(summaries, ignore_index=True), pd.concat(replications, ignore_index=True)
    comparison = paired_comparison(reps, BASELINE)
    table = headline(comparison, summary)
    exp.table("headline", table, "each scheme scenario minus the demand-led do-nothing in 2027/28, paired: A&E "
                                 "attendances, emergency admissions, acute bed-days and the whole-system cost with and "
                                 "without the business case's top-down activity changes; effects: what the scenario's "
                                 "lever sizes rest on; pct_of_system_cost: the difference as a % of the do-nothing's "
                                 "whole-system cost; unstable: a waiting list grew without levelling off (not an estimate)")
    exp.table("comparison", comparison, "every metric's paired difference from the do-nothing, then the kinds of saving "
                                        "(difference = amount saved; with the top-down changes)")
    exp.finish(answer(table), method=METHOD)


def headline(comparison: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """The headline rows of ``comparison`` with what they rest on and whether the top-down changes are in them."""
    flags = summary.set_index(["scenario", "metric"])["unstable"]
    base_cost = summary.set_index(["scenario", "metric"]).loc[(BASELINE, "system_cost_gbp"), "mean"]
    rows = []
    for scenario, effects in SCENARIOS.items():
        chosen = comparison[comparison["scenario"] == scenario].set_index("metric")
        for metric, what, top_down in HEADLINE:
            row = chosen.loc[metric]
            rows.append({"scenario": scenario, "effects": effects, "metric": metric, "label": what,
                         "top_down_changes": top_down, "difference": row["difference"], "ci_low": row["ci_low"],
                         "ci_high": row["ci_high"], "relative_pct": row["relative_pct"],
                         "pct_of_system_cost": 100.0 * row["difference"] / base_cost if metric.endswith("_gbp") else None,
                         "replications": int(row["replications"]),
                         "unstable": bool(flags.get((scenario, metric), False) or flags.get((BASELINE, metric), False))})
    return pd.DataFrame(rows)


def _m(x: float) -> str:
    return f"{'-' if x < 0 else ''}£{abs(x) / 1e6:,.1f}m"


def _figure(rows: pd.DataFrame, metric: str) -> str:
    row = rows.loc[metric]
    if row["unstable"]:
        return "unstable (not an estimate)"
    if metric.endswith("_gbp"):
        return (f"{_m(row['difference'])} ({row['pct_of_system_cost']:+.1f}% of the do-nothing's whole-system cost; "
                f"95% interval {_m(row['ci_low'])} to {_m(row['ci_high'])})")
    return f"{row['relative_pct']:+.1f}% ({row['difference']:+,.0f}; 95% interval {row['ci_low']:+,.0f} to {row['ci_high']:+,.0f})"


def answer(table: pd.DataFrame) -> str:
    text = []
    for scenario, effects in SCENARIOS.items():
        rows = table[table["scenario"] == scenario].set_index("metric")
        name = "The evidence-based scenario" if scenario == "walsall_schemes_evidence" else "The UK comparator"
        text.append(
            f"{name} (`scenario={scenario}`, {effects}), against the demand-led do-nothing in {YEAR}/{(YEAR + 1) % 100}: "
            f"A&E attendances {_figure(rows, 'ae_attendances')}, emergency admissions "
            f"{_figure(rows, 'nel_admissions')}, acute bed-days {_figure(rows, 'acute_bed_days')}; whole-system "
            f"cost {_figure(rows, 'system_cost_gbp')} with the business case's top-down activity changes, "
            f"{_figure(rows, 'system_cost_bottom_up_gbp')} without them.")
    text.append(
        "What rests on what: the evidence-based scenario's A&E, admission and bed-day changes, and its cost without the "
        "top-down changes, rest on the evidence register's central values (configs/evidence/schemes.yaml; most are "
        "assumptions whose 80% ranges include no effect) and on the schemes' places, which the business case does not "
        "give (the UK comparator's, assumptions). The UK comparator's changes rest on the business case's assumed "
        "effects (its A&E -34%, handed back). The difference between each cost with and without the top-down changes "
        "is the business case's own outpatient and GP activity changes, in both scenarios an assumption, never "
        "simulated. Diverted patients keep their need for a bed in both (sim/inputs/diversion.py).")
    return "\n\n".join(text)


METHOD = """Three runs of 2027/28 (`run.year=2027`), each 20 replications with the same seeds (common random
numbers): the do-nothing, the evidence-based scenario and the UK comparator, all under `capacity_policy=demand_led`
(each standard service sized to hold its 2017/18 occupancy against 2027/28 demand: `configs/capacity_policy/`; the
scenarios' own places on top). Paired differences with 95% t-intervals (sim.analysis.comparison). The whole-system
cost is the modelled settings plus the envelope's top-down lines (`configs/envelope/walsall.yaml`); without the
business case's activity changes those lines are the do-nothing's, so the change is that of the bottom-up part
(`system_cost_bottom_up_gbp`). Effects reach full size in 2027/28 in both scenarios. A figure from a service whose
waiting list grew without levelling off is marked unstable and never quoted as an estimate."""


if __name__ == "__main__":
    main()
