"""Experiment 3: shift left x capacity -- delayed bed-days, 4-hour performance and net cost over a grid (2027/28)."""
from __future__ import annotations

import pandas as pd
from _common import options, run_settings

from sim.analysis import figures
from sim.analysis.statistics import paired_differences
from sim.jobs.experiment import Experiment

BEDS = ["beds_2_0", "beds_2_75", "beds_2_8"]            # acute beds per 1,000 residents [@black-country-stp-2016, p. 44]
IC = ["ic_minus_25", "current", "ic_plus_25", "ic_plus_50"]
YEAR = 2027


def main():
    args = options(__doc__)
    beds, ic = (BEDS[:2], IC[1:3]) if args.quick else (BEDS, IC)
    exp = Experiment("shift_left_capacity_grid", out_dir=args.out,
                     question=f"In {YEAR}/{YEAR - 1999}, how do delayed bed-days, A&E 4-hour performance and net cost "
                              "depend jointly on how far care shifts left (do nothing vs the UK comparator) and on acute "
                              "bed and intermediate-care capacity?")
    rows, reps = [], []
    for bed in beds:
        for level in ic:
            pair = []
            for scenario in ("do_nothing", "uk_comparator"):
                presets = bed if level == "current" else f"[{bed},{level}]"   # compose a bed and an IC preset
                res = exp.run(f"{scenario}_{bed}_{level}", [f"scenario={scenario}", f"scenario/capacity={presets}",
                                                            f"run.year={YEAR}", *run_settings(args, 5)])
                pair.append(res.replications)
                rows.append(res.summary.assign(beds=bed, ic=level))
            diff = paired_differences(pd.concat(pair), "do_nothing").assign(beds=bed, ic=level)
            reps.append(diff)
    summary = pd.concat(rows, ignore_index=True)
    summary["unstable"] = summary["unstable"].fillna(False).astype(bool)
    # A cell's net cost is not an estimate where either scenario's costs read a waiting list that ran away.
    cost_flag = summary[summary["metric"] == "total_cost_gbp"].groupby(["beds", "ic"])["unstable"].any().rename("unstable")
    diffs = pd.concat(reps, ignore_index=True).join(cost_flag, on=["beds", "ic"])
    metrics = ["acute_delayed_bed_days", "ae_4h_pct", "total_cost_gbp", "acute_occupancy_mean", "ae_12h_waits"]
    exp.table("grid", summary[summary["metric"].isin(metrics)], "mean and 95% interval for every cell of the grid")
    exp.table("net_saving", diffs[diffs["metric"] == "total_cost_gbp"],
              "UK comparator minus do nothing in total cost (negative = net saving), paired, per capacity cell")
    labels = {"beds_2_0": "2.0", "beds_2_75": "2.75", "beds_2_8": "2.8"}
    frame = summary.assign(**{"acute beds per 1,000": summary["beds"].map(labels), "intermediate care": summary["ic"]})
    for scenario in ("do_nothing", "uk_comparator"):
        part = frame[frame["scenario"] == scenario]
        exp.figure(f"delayed_bed_days_{scenario}", figures.heatmap(
            part[part["metric"] == "acute_delayed_bed_days"], "intermediate care", "acute beds per 1,000", "mean",
            f"Delayed bed-days, {scenario}, {YEAR}/{YEAR - 1999}", flagged="unstable"),
            f"Acute bed-days spent waiting for intermediate or social care ({scenario}, {YEAR}/{YEAR - 1999}, mean of "
            f"replications; 'unstable': a waiting list behind it ran away, not an estimate).")
        exp.figure(f"ae_4h_{scenario}", figures.heatmap(
            part[part["metric"] == "ae_4h_pct"], "intermediate care", "acute beds per 1,000", "mean",
            f"A&E 4-hour performance (%), {scenario}", fmt=".1f", cmap="rocket", flagged="unstable"),
            f"Share of type-1 A&E attendances within 4 hours of arrival ({scenario}, mean of replications; 'unstable': "
            f"not an estimate).")
    net = diffs[diffs["metric"] == "total_cost_gbp"].assign(
        **{"acute beds per 1,000": lambda d: d["beds"].map(labels), "intermediate care": lambda d: d["ic"],
           "difference_m": lambda d: d["difference"] / 1e6})
    exp.figure("net_cost", figures.heatmap(net, "intermediate care", "acute beds per 1,000", "difference_m",
                                           "Net cost of the UK comparator vs do nothing (£m)", fmt=".1f", center=0.0,
                                           flagged="unstable"),
               "UK comparator minus do nothing, total cost in £ million (negative: a net saving); paired by replication; "
               "'unstable': a waiting list in either run ran away, so the cell's cost is not an estimate.")
    exp.finish(_answer(net.set_index(["beds", "ic"]), labels))


def _answer(d: pd.DataFrame, labels: dict) -> str:
    """The range of the net cost over the cells whose figures are estimates, and which cells are not."""
    def where(cell) -> str:
        return f"{labels[cell[0]]} beds per 1,000 with intermediate care '{cell[1]}'"

    stable = d[~d["unstable"]]
    flagged = "; ".join(where(cell) for cell in d.index[d["unstable"]])
    caveat = (f" Not estimates, because a waiting list ran away in at least half the replications of either run "
              f"(`unstable` in net_saving.csv): {flagged}." if flagged else "")
    if stable.empty:
        return "In every cell of the grid a waiting list ran away, so no cell's net cost is an estimate." + caveat
    best, worst = stable["difference"].idxmin(), stable["difference"].idxmax()
    return (f"Across the cells whose figures are estimates the UK comparator changes total cost by between "
            f"{stable['difference_m'].min():+.1f} and {stable['difference_m'].max():+.1f} £m a year against doing nothing "
            f"at the same capacity: the largest net saving is at {where(best)}, the smallest at {where(worst)}." + caveat +
            " See the heatmaps for delayed bed-days and 4-hour performance.")


if __name__ == "__main__":
    main()
