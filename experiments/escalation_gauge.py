"""Experiment: what opens the acute escalation beds, patients waiting or beds filling?

The committed model opens winter escalation beds as patients wait for one (``waiting_share``).  Its 533
general and acute beds are one pool, and one pool that size at 89% occupancy almost never has anyone
waiting, where a hospital of 30-90-bed wards does (configs/calibration/walsall_2017.yaml).  So the
calibrated model opens about one escalation bed in winter against a target of 25, and a draw of the
uncertainty analysis meets that target only by filling its beds to 97%: history matching finds few
draws that meet both.  This experiment runs the 2017/18 baseline (and the 2018/19 learning year) with
the committed gauge and with escalation opening on occupancy from 92% of the base beds, the occupancy
at which adult general and acute wards are planned full [@strategy-unit-nhp], all open at ``high``;
and judges each against the history-matching targets with the committed model discrepancy.

The calibration scales the gauge's ``low`` and ``high`` by its held factor (``acute_escalation_trigger``),
so the overrides divide the wanted values by it.  Nothing else is refitted here: each arm is the
committed calibration with another gauge, which is what the figures say.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from _common import options, run_settings

from sim.inputs.calibration import tolerance
from sim.inputs.config import load
from sim.jobs.experiment import Experiment
from sim.uncertainty import discrepancy, history, learning

START = 0.92                       # [@strategy-unit-nhp]: adult G&A wards planned full at 92% occupancy
HIGHS = [0.96, 1.00, 1.04, 1.08]   # all escalation beds open at this share of the base beds occupied (explored)
GAUGE = "pressure.services.acute.escalation"
SHOWN = ["acute_occupancy_mean", "acute_escalation_beds_winter", "ae_4h_pct", "acute_delayed_bed_days",
         "elective_cancellations_pct", "nel_admissions"]


def arms(factor: float, highs: list[float]) -> dict[str, list[str]]:
    """Each arm's overrides: the committed gauge, then occupancy from :data:`START` to each of ``highs``."""
    out = {"waiting_share (committed)": []}
    for high in highs:
        out[f"occupancy {START:.2f}-{high:.2f}"] = [f"{GAUGE}.measure=occupancy", f"{GAUGE}.low={START / factor!r}",
                                                  f"{GAUGE}.high={high / factor!r}"]
    return out


def judged(exp: Experiment, label: str, overrides: list[str], settings: list[str], targets: dict,
           later: dict[int, dict]) -> pd.DataFrame:
    """The arm's base-year and learning-year runs: one row per replication and target metric."""
    base = exp.run(label, [*overrides, *settings]).replications
    frames = [base[base["metric"].isin(list(targets))]]
    for year, wanted in later.items():
        reps = exp.run(f"{label} {year}", learning.overrides([*overrides, *settings], year)).replications
        rows = reps[reps["metric"].isin(list(wanted))]
        frames.append(rows.assign(metric=rows["metric"].map(lambda m, y=year: learning.target_name(m, y))))
    return pd.concat(frames, ignore_index=True)


def trade_off(occupancy: pd.Series, beds: pd.Series, targets: dict):
    """Winter escalation beds against occupancy, an arm a point, with the targets' tolerance box."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    beds_target, occupancy_target = targets["acute_escalation_beds_winter"], targets["acute_occupancy_mean"]
    beds_half = tolerance(beds_target) * float(beds_target["value"])
    occupancy_half = tolerance(occupancy_target)
    ax.add_patch(plt.Rectangle((float(occupancy_target["value"]) - occupancy_half, float(beds_target["value"]) - beds_half),
                               2 * occupancy_half, 2 * beds_half, color="0.85", zorder=0))
    ax.scatter(occupancy[beds.index], beds, zorder=2)
    for arm in beds.index:
        ax.annotate(arm, (occupancy[arm], beds[arm]), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.set_xlabel("acute occupancy, mean (%)")
    ax.set_ylabel("escalation beds open, December to March mean")
    ax.set_title("What opens the escalation beds, Walsall 2017/18")
    return fig


def main():
    args = options(__doc__)
    exp = Experiment("escalation_gauge", out_dir=args.out,
                     question="Does opening acute escalation beds as beds fill (from 92% occupancy), instead of as "
                              "patients wait, let the 2017/18 model meet both its occupancy and its winter "
                              "escalation-bed targets, and how plausible is the central model then?")
    settings = run_settings(args, 10)
    committed = load([])
    calibration = committed["place"]["calibration"]
    factor = float(calibration["parameters"]["acute_escalation_trigger"]["factor"])
    later = learning.targets(str(committed["place"]["name"]))
    targets = {**calibration["targets"],
               **{learning.target_name(m, y): spec for y, wanted in later.items() for m, spec in wanted.items()}}
    sds = discrepancy.standard_deviations(discrepancy.load(), targets)
    rows, values = [], []
    for label, overrides in arms(factor, HIGHS[1:2] if args.quick else HIGHS).items():
        reps = judged(exp, label, overrides, settings, targets, later)
        means = reps.groupby("metric")["value"].mean().to_frame(label).T
        noise = reps.groupby("metric")["value"].var(ddof=1)
        n = int(reps.groupby("metric")["value"].size().min())
        implausible = history.implausibility(means, noise, n, targets, discrepancy_sds=sds)
        worst = history.criteria(implausible).iloc[0]
        rows.append({"arm": label, "max_implausibility": worst["max_implausibility"],
                     "second_implausibility": worst["second_implausibility"],
                     "sum_of_squares": float((implausible.iloc[0] ** 2).sum()),
                     "worst_target": implausible.iloc[0].idxmax(),
                     "targets_over_3": int((implausible.iloc[0] > history.THRESHOLD).sum()), "replications": n})
        values += [{"arm": label, "metric": m, "target": float(targets[m]["value"]), "model": float(means[m].iloc[0]),
                    "implausibility": float(implausible[m].iloc[0])} for m in implausible.columns]
    verdict = pd.DataFrame(rows)
    table = pd.DataFrame(values)
    exp.table("verdict", verdict, "each arm's largest and second-largest implausibility over the history-matching "
                                  "targets (2017/18 and the 2018/19 learning year), their sum of squares, the worst "
                                  "target, and how many exceed 3")
    exp.table("targets", table, "each target's value, the model's mean and its implausibility under each arm")
    shown = table[table["metric"].isin(SHOWN)].pivot(index="metric", columns="arm", values="model")
    now = verdict.iloc[0]
    # best: the lowest largest implausibility, then second, then the sum of squares over every target
    best = verdict.iloc[1:].sort_values(["max_implausibility", "second_implausibility", "sum_of_squares"]).iloc[0]
    beds = shown.loc["acute_escalation_beds_winter"]
    occupancy = shown.loc["acute_occupancy_mean"]
    exp.figure("beds_and_occupancy", trade_off(occupancy, beds, targets),
               "Winter escalation beds open against mean acute occupancy, 2017/18, under each gauge (means of the "
               "replications); the box: the two calibration targets within their tolerances.")
    answer = (f"With the committed gauge the central model opens {beds[now['arm']]:.1f} winter escalation beds (target "
              f"25) at {occupancy[now['arm']]:.1f}% occupancy (target 89%): largest implausibility "
              f"{now['max_implausibility']:.2f} ({now['worst_target']}), second "
              f"{now['second_implausibility']:.2f}. Opening them from 92% occupancy, {best['arm']} does best: "
              f"{beds[best['arm']]:.1f} beds at {occupancy[best['arm']]:.1f}%, largest implausibility "
              f"{best['max_implausibility']:.2f} ({best['worst_target']}), second {best['second_implausibility']:.2f}, "
              f"{int(best['targets_over_3'])} target(s) over 3, without refitting any other factor "
              f"({int(best['replications'])} replications an arm).")
    exp.finish(answer, method=__doc__)


if __name__ == "__main__":
    main()
