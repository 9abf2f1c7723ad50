"""Experiment 1: the Walsall health and care system in 2017/18 as the model sees it."""
from __future__ import annotations

from _common import options, run_settings

from sim.analysis import figures
from sim.jobs.experiment import Experiment

HEADLINE = ["ae_attendances", "ae_admissions", "ae_4h_pct", "ae_12h_waits", "nel_admissions", "acute_bed_days",
            "acute_occupancy_mean", "acute_delayed_bed_days", "ic_bed_days", "ic_home_days", "ic_wait_days_mean",
            "spa_referrals", "rapid_response_2h_pct", "community_caseload_mean", "social_care_wait_days_mean",
            "readmissions_30d", "elective_cancellations", "deaths_in_hospital"]


def main():
    args = options(__doc__)
    exp = Experiment("baseline_2017", out_dir=args.out,
                     question="What does Walsall's health and care system look like in 2017/18 in the model: "
                              "activity, occupancy, waits, delayed discharges and cost, and how precise are the figures?")
    res = exp.run("baseline", run_settings(args, 20))
    s = res.summary
    costs = [m for m in s["metric"] if m.startswith("cost_") or m == "total_cost_gbp"]
    exp.table("headline", s[s["metric"].isin(HEADLINE)], "headline activity, performance and delay metrics (mean, 95% interval)")
    exp.table("costs", s[s["metric"].isin(costs)], "cost by setting and by commissioner, 2017/18 prices")
    services = s[s["metric"].str.contains(r"^[a-z_]+\.(?:occupancy_mean|occupancy_pct|wait_mean|p_wait|blocked_days_mean)$")]
    exp.table("services", services, "per-service occupancy, waits and blocking")
    cfg = exp.runs["baseline"]["config"]
    exp.figure("acute_occupancy", figures.occupancy_over_time(
        res.daily, ["acute"], {"acute": cfg["capacity"]["acute_beds"]}, title="Acute beds in use, Walsall 2017/18",
        ylabel="beds in use (daily mean)"),
        "Acute general and acute beds in use each day of 2017/18 (mean over replications, 95% band); dashed: beds.")
    exp.figure("intermediate_care", figures.occupancy_over_time(
        res.daily, ["ic_bed", "ic_home"], {"ic_bed": cfg["capacity"]["ic_beds"], "ic_home": cfg["capacity"]["ic_home_slots"]},
        title="Intermediate care places in use", ylabel="places in use (daily mean)"),
        "Intermediate care beds (P2) and home-based places (P1) in use each day (95% bands); dashed: places.")
    m = s.set_index("metric")
    answer = (f"In 2017/18 the model gives {m.loc['ae_attendances', 'mean']:,.0f} type-1 A&E attendances, "
              f"{m.loc['ae_4h_pct', 'mean']:.1f}% seen within 4 hours, {m.loc['nel_admissions', 'mean']:,.0f} emergency "
              f"admissions, acute beds {m.loc['acute_occupancy_mean', 'mean']:.1f}% occupied on average "
              f"(95% interval {m.loc['acute_occupancy_mean', 'ci_low']:.1f}-{m.loc['acute_occupancy_mean', 'ci_high']:.1f}%), "
              f"{m.loc['acute_delayed_bed_days', 'mean']:,.0f} delayed bed-days and a modelled cost of "
              f"£{m.loc['total_cost_gbp', 'mean'] / 1e6:,.1f}m over the settings it represents "
              f"({int(m.loc['total_cost_gbp', 'replications'])} replications).")
    exp.finish(answer)


if __name__ == "__main__":
    main()
