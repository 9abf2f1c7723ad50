"""Experiment: what opens the acute escalation beds, patients waiting or beds filling?

Until this experiment the model opened winter escalation beds as patients waited for one (``waiting_share``).
Its 533 general and acute beds are one pool, and one pool that size at 89% occupancy almost never has anyone
waiting, where a hospital of 30-90-bed wards does (configs/calibration/walsall_2017.yaml).  So the
calibrated model opened under one escalation bed in winter against a target of 25, and a draw of the
uncertainty analysis met that target only by filling its beds to 97%: history matching found few draws
that meet both.  The model now opens them on occupancy, from 92% of the base beds, the occupancy at which
adult general and acute wards are planned full [@strategy-unit-nhp], every one open at ``high`` (fitted to
the winter escalation beds).  This experiment runs the 2017/18 baseline (and the 2018/19 learning year)
with the earlier gauge as it was calibrated, with the committed gauge, and with ``high`` from 0.96 to 1.08,
and judges each against the history-matching targets with the committed model discrepancy.

The calibration scales the gauge's ``high`` by its factor (``acute_escalation_trigger``), so the overrides
divide the wanted values by it.  No other factor differs between the arms.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from _common import options, run_settings

from sim.inputs.calibration import half_width
from sim.inputs.config import load
from sim.jobs.experiment import Experiment
from sim.uncertainty import discrepancy, history, learning

START = 0.92                       # [@strategy-unit-nhp]: adult G&A wards planned full at 92% occupancy
HIGHS = [0.96, 1.00, 1.04, 1.08]   # all escalation beds open at this share of the base beds occupied (explored)
GAUGE = "pressure.services.acute.escalation"
# The earlier gauge as calibrated (commit 1b1e43e): waiting list per base bed from 0.005 to 0.05, both scaled
# by the held factor 0.5855 then fitted to the winter escalation beds.
BEFORE = {"low": 0.005 * 0.5855, "high": 0.05 * 0.5855}
SHOWN = ["acute_occupancy_mean", "acute_escalation_beds_winter", "ae_4h_pct", "acute_delayed_bed_days",
         "elective_cancellations_pct", "nel_admissions"]


def arms(factor: float, highs: list[float]) -> dict[str, list[str]]:
    """Each arm's overrides: the committed gauge, the earlier one, then occupancy from :data:`START` to each
    of ``highs`` (``factor``: the calibration's, which scales ``high``)."""
    out = {f"occupancy {START:.2f}-{factor:.3f} (committed)": [],
           "waiting_share (before)": [f"{GAUGE}.measure=waiting_share", f"{GAUGE}.low={BEFORE['low']!r}",
                                      f"{GAUGE}.high={BEFORE['high'] / factor!r}"]}
    for high in highs:
        if abs(high - factor) > 1e-9:   # the committed arm already
            out[f"occupancy {START:.2f}-{high:.2f}"] = [f"{GAUGE}.high={high / factor!r}"]
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
    beds_half, occupancy_half = half_width(beds_target), half_width(occupancy_target)
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
    targets = learning.judged_targets(calibration["targets"], later)
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
    now, before = verdict.iloc[0], verdict.iloc[1]
    beds = shown.loc["acute_escalation_beds_winter"]
    occupancy = shown.loc["acute_occupancy_mean"]
    exp.figure("beds_and_occupancy", trade_off(occupancy, beds, targets),
               "Winter escalation beds open against mean acute occupancy, 2017/18, under each gauge (means of the "
               "replications); the box: the two calibration targets within their tolerances.")
    answer = (f"Opened as patients waited, the central model opened {beds[before['arm']]:.1f} winter escalation beds "
              f"(target 25) at {occupancy[before['arm']]:.1f}% occupancy (target 89%): largest implausibility "
              f"{before['max_implausibility']:.2f} ({before['worst_target']}), second "
              f"{before['second_implausibility']:.2f}, {int(before['targets_over_3'])} target(s) over 3. Opened as "
              f"the base beds fill from 92% ({now['arm']}), it opens {beds[now['arm']]:.1f} at "
              f"{occupancy[now['arm']]:.1f}%: largest implausibility {now['max_implausibility']:.2f} "
              f"({now['worst_target']}), second {now['second_implausibility']:.2f}, "
              f"{int(now['targets_over_3'])} over 3 ({int(now['replications'])} replications an arm; the other "
              f"arms in verdict.csv and targets.csv).")
    exp.finish(answer, method=__doc__)


if __name__ == "__main__":
    main()
