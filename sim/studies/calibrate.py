"""Calibrate the Walsall 2017/18 baseline: report model against targets, and fit the free rates.

    python -m sim.calibrate            # run the calibrated baseline, print and write the target table
    python -m sim.calibrate --fit      # refit the factors, write them to the calibration file, then report
    python -m sim.calibrate --fit --only acute_escalation_trigger   # refit one factor, the others as they are
    python -m sim.calibrate --place black_country [--fit]   # each acute site of a place (sim.studies.calibrate_sites)

Targets, spend lines and free parameters live in ``configs/calibration/walsall_2017.yaml``.
Results go to ``results/calibration/``: ``targets.csv`` (model mean, 95% interval, target,
difference, met), ``spend.csv`` (the business case's spend lines reconciled with the part
the model represents), a figure, a README and a manifest.

**Method.** The free rates (arrival rates, conversion to admission, lengths of stay, step-down
shares) are multipliers on sourced prior values.  They are fitted by least squares over a fast
surrogate: at the current factors the model is run once, and once more with each factor moved
5% up and down (all runs share random numbers, so the differences are not noise); that gives a
log-linear surrogate of every target in every factor, which ``scipy.optimize.least_squares``
solves as a damped Newton step (least squares on the misfits plus a small ridge on the move) within
the factors' bounds and a trust region.  The model is re-run at the optimum
and the cycle repeats until every target is met or the rounds run out.  Residuals are scaled by
each target's tolerance (5% for volumes, 3 percentage points for occupancy and performance).

**Stationarity.** A delay target can be matched by a waiting list that never stops growing, which
makes the delay depend on the run length.  Targets of kind ``stationary`` (``queue_growth_<service>``,
the mean waiting list over the last fifth of the year minus that over the first fifth) hold the
waiting lists behind delayed discharges (assessment, home care, care homes, intermediate care)
steady: they enter the least squares as extra residuals (growth beyond zero, in units of ten
patients) that no single factor owns, and the table reports them as met when the growth is at
most ten patients.

**Held factors.** A parameter marked ``held: true`` keeps its factor: the fit does not move it, and its
target is reported as a benchmark.  A factor is held when the model cannot reach its target without
distorting the rest (its reason is written beside it in the calibration file); moving it would drag the
other factors with it.  ``--only`` refits the named free factors alone, each to its own target, the
others kept where they are: for a change that touches one mechanism (a gauge read another way), where a
full refit would move every factor for the noise of one.
"""
from __future__ import annotations

import argparse
import copy
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.optimize import least_squares

from ..common.errors import ConfigError
from ..common.paths import CONFIG_DIR
from ..inputs.calibration import RIDGE, STEP, TOLERANCE, TRUST, tolerance, write_factor_lines
from ..inputs.config import load
from ..jobs import runner

CALIBRATION = CONFIG_DIR / "calibration" / "walsall_2017.yaml"


def _settings(args) -> list[str]:
    out = ["place=walsall", "run.year=2017"]
    if args.horizon_days:
        out += [f"run.horizon_days={args.horizon_days}", f"run.warmup_days={args.warmup_days}"]
    return out


def evaluate(cfg: dict, factors: dict[str, float], replications: int) -> tuple[pd.DataFrame, object]:
    """Run ``cfg`` with the given calibration factors; return its summary and results."""
    cfg = copy.deepcopy(cfg)
    for name, value in factors.items():
        cfg["place"]["calibration"]["parameters"][name]["factor"] = float(value)
    cfg["run"]["replications"] = replications
    results = runner.run(cfg, progress=False)
    return results.summary.set_index("metric"), results


def target_table(summary: pd.DataFrame, targets: dict, fitted: set | None = None) -> pd.DataFrame:
    """Model against every target; ``fitted`` names the targets a parameter is fitted to (the rest are
    benchmarks, reported but not fitted)."""
    rows = []
    for metric, spec in targets.items():
        row = summary.loc[metric]
        target, kind, tol = float(spec["value"]), spec["kind"], tolerance(spec)
        mean, low, high = float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])
        if kind == "stationary":   # the waiting list may shrink, and grow by at most the tolerance
            within_tolerance = mean - target <= tol
            difference = f"{mean - target:+.1f} patients"
            near_interval = low <= target + tol
        else:
            if kind == "volume":
                within_tolerance = abs(mean / target - 1) <= tol
                difference = f"{100 * (mean / target - 1):+.1f}%"
            else:
                within_tolerance = abs(mean - target) <= tol
                difference = f"{mean - target:+.1f} points"
            near_interval = (low * 0.95 <= target <= high * 1.05) if math.isfinite(low) else within_tolerance
        rows.append({"target": metric, "kind": kind, "fitted": fitted is None or metric in fitted, "tolerance": tol,
                     "unit": spec.get("unit", ""), "value": target, "model_mean": mean,
                     "model_ci_low": low, "model_ci_high": high, "difference": difference,
                     "within_tolerance": within_tolerance, "target_near_interval": near_interval,
                     "met": within_tolerance and near_interval, "source": spec["source"]})
    return pd.DataFrame(rows)


def spend_table(summary: pd.DataFrame, spend: dict) -> pd.DataFrame:
    rows = []
    for line, spec in spend.items():
        represented = float(spec["value"]) * float(spec["represented_share"])
        mean = sum(float(summary.loc[m, "mean"]) for m in spec["metrics"])
        low = sum(float(summary.loc[m, "ci_low"]) for m in spec["metrics"])
        high = sum(float(summary.loc[m, "ci_high"]) for m in spec["metrics"])
        rows.append({"spend_line": line, "business_case_gbp": float(spec["value"]),
                     "represented_share": float(spec["represented_share"]), "represented_gbp": represented,
                     "model_gbp": mean, "model_ci_low_gbp": low, "model_ci_high_gbp": high,
                     "difference": f"{100 * (mean / represented - 1):+.1f}%", "model_metrics": " + ".join(spec["metrics"]),
                     "source": spec["source"]})
    return pd.DataFrame(rows)


def _residuals(summary, targets, names) -> np.ndarray:
    """Misfit of each target divided by its tolerance: on a log scale, or for stationarity the
    waiting list's growth (only growth counts against the fit)."""
    out = []
    for metric in names:
        spec = targets[metric]
        if spec["kind"] == "stationary":
            out.append(max(float(summary.loc[metric, "mean"]) - float(spec["value"]), 0.0) / tolerance(spec))
            continue
        relative = tolerance(spec) if spec["kind"] == "volume" else tolerance(spec) / float(spec["value"])
        # On a log scale; a mean of zero (nobody left A&E unseen, say) counts as a hundredth of the target.
        mean, target = float(summary.loc[metric, "mean"]), float(spec["value"])
        out.append(math.log(max(mean, 0.01 * target) / target) / relative)
    return np.array(out)


def free_parameters(spec: dict, only: list[str] | None = None) -> list[str]:
    """The parameters the fit moves: all but those ``held`` (of ``only``, when given: each must be free)."""
    free = [name for name, parameter in spec["parameters"].items() if not parameter.get("held", False)]
    if only is None:
        return free
    for name in only:
        if name not in free:
            raise ConfigError("--only", name, f"a free calibration parameter: one of {', '.join(free)}")
    return [name for name in free if name in only]


def fitted_targets(spec: dict, only: list[str] | None = None) -> list[str]:
    """The targets the fit answers to: each free parameter's own, then the constraints no parameter owns
    (stationary waiting lists); with ``only``, those parameters' own targets alone.  The others are
    benchmarks."""
    fitted = [spec["parameters"][name]["target"] for name in free_parameters(spec, only)]
    if only is not None:
        return fitted
    return fitted + [t for t, v in spec["targets"].items() if v["kind"] == "stationary" and t not in fitted]


def fit(cfg: dict, spec: dict, replications: int, rounds: int, trust: float = TRUST, log=print,
        only: list[str] | None = None) -> dict[str, float]:
    """Fit the free factors (least squares over a log-linear surrogate rebuilt each round), or only those
    named; held factors, and free ones not named, keep their values."""
    params = spec["parameters"]
    names = free_parameters(spec, only)
    targets = spec["targets"]
    fitted = fitted_targets(spec, only)
    theta = np.log([float(params[p].get("factor", 1.0)) for p in names])
    lower = np.log([params[p]["bounds"][0] for p in names])
    upper = np.log([params[p]["bounds"][1] for p in names])
    best_theta, best_misfit = theta, math.inf
    for round_ in range(1, rounds + 1):
        centre, _ = evaluate(cfg, dict(zip(names, np.exp(theta))), replications)
        r0 = _residuals(centre, targets, fitted)
        log(f"round {round_}: misfit {np.round(r0, 2).tolist()} (in tolerances)")
        # Performance and delay targets sit near capacity thresholds, where the surrogate is least
        # linear and a step can overshoot: keep the best point seen, not the last one.
        if float(r0 @ r0) < best_misfit:
            best_theta, best_misfit = theta, float(r0 @ r0)
        if np.all(np.abs(r0) <= 1.0) or round_ == rounds:
            break
        jac = np.zeros((len(fitted), len(names)))
        for j in range(len(names)):
            up, down = theta.copy(), theta.copy()
            up[j] += STEP
            down[j] -= STEP
            r_up = _residuals(evaluate(cfg, dict(zip(names, np.exp(up))), replications)[0], targets, fitted)
            r_down = _residuals(evaluate(cfg, dict(zip(names, np.exp(down))), replications)[0], targets, fitted)
            jac[:, j] = (r_up - r_down) / (2 * STEP)
        lo = np.maximum(lower, theta - trust)
        hi = np.minimum(upper, theta + trust)
        # A damped Newton step on the surrogate: the targets' misfits plus a small ridge on the move,
        # which keeps the step sensible where the surrogate is nearly singular.
        def surrogate(x, r0=r0, jac=jac, theta=theta):
            return np.concatenate([r0 + jac @ (x - theta), RIDGE * (x - theta)])
        solution = least_squares(surrogate, theta, bounds=(lo, hi))
        theta = solution.x
        log(f"  factors {dict(zip(names, np.round(np.exp(theta), 4).tolist()))}")
    return dict(zip(names, np.exp(best_theta)))


def write_factors(factors: dict[str, float], path: Path = CALIBRATION) -> None:
    """Replace each parameter's ``factor:`` number in the calibration file, keeping its comment."""
    write_factor_lines(path, "factor", r"(factor:\s*)[-+0-9.eE]+", {n: f"{f:.4f}" for n, f in factors.items()})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="carepath calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("--fit", action="store_true", help="refit the factors and write them to the calibration file")
    parser.add_argument("--rounds", type=int, default=6, help="surrogate rounds when fitting (default 6)")
    parser.add_argument("--only", type=lambda text: text.split(","), default=None,
                        help="with --fit: refit only these free factors (comma-separated), each to its own target")
    parser.add_argument("--trust", type=float, default=TRUST, help=f"largest log change of a factor per round (default {TRUST})")
    parser.add_argument("--fit-replications", type=int, default=8, help="replications per run while fitting")
    parser.add_argument("--replications", type=int, default=20, help="replications for the reported table")
    parser.add_argument("--horizon-days", type=float, default=None, help="shorter runs (tests); default the run config's")
    parser.add_argument("--warmup-days", type=float, default=10, help="warm-up with --horizon-days")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default results/calibration)")
    parser.add_argument("--place", default="walsall",
                        help="walsall (default), or a place with several acute sites, each fitted to its own published "
                             "figures (results/calibration_<place>)")
    parser.add_argument("--base-year", type=int, default=None,
                        help="with --place: the financial year of the targets (default the site calibration file's)")
    args = parser.parse_args(argv)
    if args.place != "walsall":
        from .calibrate_sites import main as calibrate_sites
        return calibrate_sites(args)
    from ..jobs.experiment import Experiment
    spec = yaml.safe_load(CALIBRATION.read_text())
    try:
        if args.only is not None:
            free_parameters(spec, args.only)
        cfg = load(_settings(args))
        runner.check(cfg)
    except ConfigError as error:
        print(f"carepath: invalid configuration: {error}", file=sys.stderr)
        return 2
    exp = Experiment("calibration", out_dir=args.out,
                     question="Does the Walsall 2017/18 baseline reproduce the known activity, performance, occupancy, "
                              "delays and intermediate care figures, and how does its cost reconcile with the business "
                              "case's spend lines?")
    if args.fit:
        factors = fit(cfg, spec, args.fit_replications, args.rounds, args.trust, only=args.only)
        write_factors(factors)
        exp.runs["fit"] = {"factors": factors, "rounds": args.rounds, "trust": args.trust, "replications": args.fit_replications,
                           "only": args.only}
        cfg = load(_settings(args))
    summary_overrides = _settings(args) + [f"run.replications={args.replications}"]
    results = exp.run("baseline", summary_overrides)
    summary = results.summary.set_index("metric")
    table = target_table(summary, spec["targets"], set(fitted_targets(spec)))
    spend = spend_table(summary, spec["spend"])
    exp.table("targets", table, "each calibration target: model mean and 95% interval against the target, and whether it is met")
    exp.table("spend", spend, "business case spend lines 2017/18 [@walsall-cabinet-2018, App. 1 §3.3 Table 3] "
                              "against the modelled cost of the part represented")
    exp.table("factors", pd.DataFrame([{"parameter": k, "factor": v["factor"], "scales": ", ".join(v["paths"]),
                                        "fitted_to": v["target"], "held": bool(v.get("held", False))}
                                       for k, v in spec["parameters"].items()]),
              "fitted calibration factors and the prior values each multiplies")
    exp.figure("targets", _figure(table), "Model mean and 95% interval as a ratio to each calibration target; "
                                          "the band shows the tolerance (5% for volumes, 3 points for percentages). Right: "
                                          "growth of each waiting list behind delayed discharges over the year (tolerance 10 patients).")
    pd.set_option("display.width", 200)
    print(table[["target", "value", "model_mean", "model_ci_low", "model_ci_high", "difference", "met"]].to_string(index=False))
    print()
    print(spend[["spend_line", "represented_gbp", "model_gbp", "difference"]].to_string(index=False))
    own = table[table["fitted"]]
    unmet = own.loc[~own["met"], "target"].tolist()
    benchmarks = table[~table["fitted"]]
    answer = (f"{int(own['met'].sum())} of {len(own)} fitted targets are met "
              f"({', '.join(unmet) + ' not met' if unmet else 'all within tolerance and near the 95% interval'}); "
              f"{int(benchmarks['met'].sum())} of {len(benchmarks)} benchmarks (not fitted) are within their tolerance"
              + (f" ({', '.join(benchmarks.loc[~benchmarks['met'], 'target'])} not)" if (~benchmarks["met"]).any() else "")
              + ". "
              + " ".join(f"{r.spend_line.replace('_', ' ')}: model £{r.model_gbp / 1e6:.1f}m vs £{r.represented_gbp / 1e6:.1f}m "
                         f"represented ({r.difference})." for r in spend.itertuples()))
    exp.finish(answer, method=__doc__.split("**Method.**")[1].strip())
    print(f"\n{answer}\nwritten to {exp.out_dir}")
    return 0


def _figure(table: pd.DataFrame):
    """Left: each level target as model / target; right: each stationarity target's waiting-list growth."""
    import matplotlib.pyplot as plt

    from ..analysis import figures
    figures.apply_style()
    levels, steady = table[table["kind"] != "stationary"], table[table["kind"] == "stationary"]
    fig, (ax, ax_steady) = plt.subplots(1, 2, figsize=(12, 0.45 * len(levels) + 1.8),
                                        gridspec_kw={"width_ratios": [3, 2]})
    for axis, rows, scale, band, xlabel in (
            (ax, levels, levels["value"], (0.95, 1.05), "model mean / target (95% interval; band: 5%)"),
            (ax_steady, steady, 1.0, (-TOLERANCE["stationary"], TOLERANCE["stationary"]),
             "waiting-list growth over the year, patients (95% interval)")):
        centre = rows["model_mean"] / scale
        low, high = rows["model_ci_low"] / scale, rows["model_ci_high"] / scale
        y = np.arange(len(rows))
        axis.axvspan(*band, color="grey", alpha=0.15, lw=0)
        axis.errorbar(centre, y, xerr=[centre - low, high - centre], fmt="o", capsize=3)
        axis.axvline(1.0 if axis is ax else 0.0, color="black", lw=0.8)
        axis.set_yticks(y, rows["target"])
        axis.invert_yaxis()
        axis.set_xlabel(xlabel)
    ax.set_title("Walsall 2017/18: model / target")
    ax_steady.set_title("Waiting lists behind delayed discharges: steady?")
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    raise SystemExit(main())
