"""Experiment 2: ten-year projection 2017/18 to 2027/28 -- do nothing vs the UK and international comparators."""
from __future__ import annotations

import pandas as pd
from _common import options, run_settings

from sim.analysis import figures
from sim.analysis.statistics import paired_differences
from sim.jobs.experiment import Experiment

SCENARIOS = ["do_nothing", "uk_comparator", "international_comparator"]
DOCUMENT_GROWTH_PCT = 12.83   # do-nothing system spend 2017/18 -> 2027/28 [@walsall-cabinet-2018, App. 1 §3.4.1]


def main():
    args = options(__doc__)
    years = [2017, 2027] if args.quick else list(range(2017, 2028))
    exp = Experiment("ten_year_projection", out_dir=args.out,
                     question="From 2017/18 to 2027/28, how do cost and acute bed-days evolve if Walsall does nothing, "
                              "and if it achieves the UK or the international comparator's shift left? How does the "
                              "modelled do-nothing cost growth compare with the business case's +12.83%?")
    summaries, replications = [], []
    for year in years:
        for scenario in SCENARIOS:
            res = exp.run(f"{scenario}_{year}", [f"scenario={scenario}", f"run.year={year}", *run_settings(args, 10)])
            summaries.append(res.summary.assign(year=year))
            replications.append(res.replications.assign(year=year))
    summary = pd.concat(summaries, ignore_index=True)
    reps = pd.concat(replications, ignore_index=True)
    keep = ["total_cost_gbp", "acute_bed_days", "acute_delayed_bed_days", "acute_occupancy_mean", "ae_attendances",
            "nel_admissions", "ae_4h_pct", "cost_acute_gbp", "cost_community_gbp", "cost_intermediate_care_gbp",
            "cost_social_care_gbp", "cost_primary_care_gbp", "cost_prevention_gbp"]
    exp.table("trajectories", summary[summary["metric"].isin(keep)], "mean and 95% interval by year and scenario")
    diffs = pd.concat([paired_differences(g, "do_nothing").assign(year=y) for y, g in reps.groupby("year")], ignore_index=True)
    exp.table("comparison", diffs[diffs["metric"].isin(keep)], "each comparator minus do nothing, paired by replication, by year")
    exp.figure("cost", figures.trajectories(summary, "total_cost_gbp", title="Modelled cost by scenario",
                                            ylabel="£ million a year", scale=1e-6),
               "Total modelled cost of the represented settings, 2017/18 prices, mean and 95% interval per year.")
    exp.figure("bed_days", figures.trajectories(summary, "acute_bed_days", title="Acute bed-days by scenario",
                                                ylabel="bed-days a year"),
               "Acute bed-days (including delayed days), mean and 95% interval per year.")
    last = years[-1]
    exp.figure("differences_final_year", figures.differences(diffs[diffs["year"] == last], keep[:7],
                                                             title=f"{last}/{str(last + 1)[2:]}: change from do nothing"),
               f"Paired % change from do nothing in {last}/{last + 1 - 2000}, 95% intervals (common random numbers).")
    m = summary.set_index(["scenario", "year", "metric"])["mean"]
    growth = 100 * (m[("do_nothing", last, "total_cost_gbp")] / m[("do_nothing", years[0], "total_cost_gbp")] - 1)
    d = diffs[(diffs["year"] == last)].set_index(["scenario", "metric"])
    uk, intl = d.loc[("uk_comparator", "total_cost_gbp")], d.loc[("international_comparator", "total_cost_gbp")]
    first, fy = years[0], lambda y: f"{y}/{str(y + 1)[2:]}"

    def change(metric):
        return 100 * (m[("do_nothing", last, metric)] / m[("do_nothing", first, metric)] - 1)
    answer = (f"Doing nothing, the modelled cost rises {growth:+.1f}% from {fy(first)} to {fy(last)} against the business "
              f"case's +{DOCUMENT_GROWTH_PCT}%. Demand grows (A&E attendances {change('ae_attendances'):+.1f}%), but capacity "
              f"is held at its {fy(first)} level and most modelled cost is capacity (beds and places paid for whether used "
              f"or not), so emergency admissions change by only {change('nel_admissions'):+.1f}% and acute bed-days by "
              f"{change('acute_bed_days'):+.1f}%: the excess waits instead -- acute occupancy "
              f"{m[('do_nothing', last, 'acute_occupancy_mean')]:.1f}% and A&E 4-hour performance "
              f"{m[('do_nothing', last, 'ae_4h_pct')]:.1f}% in {fy(last)} (from {m[('do_nothing', first, 'ae_4h_pct')]:.1f}%). "
              f"The business case's figure is not a demand model: it extends the 2017-2019 spending trend (2.8% over two "
              f"years [@walsall-cabinet-2018, App. 1 §3.4.1]), which buys the capacity the model holds fixed. "
              f"In {fy(last)} the UK comparator "
              f"changes cost by {uk['relative_pct']:+.1f}% (95% interval {uk['ci_low'] / 1e6:+.1f} to {uk['ci_high'] / 1e6:+.1f} "
              f"£m) and the international comparator by {intl['relative_pct']:+.1f}% ({intl['ci_low'] / 1e6:+.1f} to "
              f"{intl['ci_high'] / 1e6:+.1f} £m) against doing nothing; acute bed-days change by "
              f"{d.loc[('uk_comparator', 'acute_bed_days'), 'relative_pct']:+.1f}% and "
              f"{d.loc[('international_comparator', 'acute_bed_days'), 'relative_pct']:+.1f}%.")
    exp.finish(answer)


if __name__ == "__main__":
    main()
