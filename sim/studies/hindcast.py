"""Hindcast: the model fitted to 2017/18, run on year by year, held against what happened and two naive forecasts.

    carepath hindcast                          # results/hindcast/: the learning years and the COVID-19 years
    carepath hindcast --replications 5 --out DIR
    carepath hindcast --final-test             # adds 2022/23-2024/25: from a clean, committed tree only

What is compared, over which years, with which tolerances and against which naive forecasts was fixed
before any hindcast was run, in the pre-registration ``configs/calibration/walsall_hindcast.yaml``; the
command refuses that file if it is uncommitted or changed since its commit, and records the commit and
the file's sha256 in the manifest and the README. One continuous run from 1 April 2017 to 31 March 2025
(``run.year=2017 run.end_year=2024``) of the Walsall configuration fitted on 2017/18 alone, in two modes:
*unconditional*, ``capacity_policy=fixed`` (the places of 2017/18 held, as a planner in 2018 would have
run it; the rule is judged on it), and ``capacity_policy=demand_led``, a labelled variant. A conditional
mode (capacity set to what was published each year) is not run: the actuals pack holds beds for one
quarter only. Each measure, each year: the model's mean over replications and its 80% interval (the 10th
to 90th percentile over replications, linear interpolation between them), against Walsall Healthcare's
(trust RBK) yearly figure in ``data/actuals/actuals.csv`` and two naive forecasts: (a) the 2017/18 figure
carried forward; (b) the least-squares line through the pack's yearly figures of 2014/15-2017/18 (for the
type-1 measures: 2016/17 and 2017/18 only). Errors are percent for counts, points for percentages; the
mean absolute error (MAE) is over the learning years that have a figure. The final-test years are
simulated (the run is continuous) but withheld from every table, figure and README unless
``--final-test`` is given. A figure from a year whose waiting list ran away (``unstable``) is not an
estimate and counts as a loss for the model.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from ..common.errors import ConfigError
from ..common.files import atomic_write, write_json
from ..common.paths import CONFIG_DIR, ROOT
from ..inputs import actuals as pack
from ..jobs.experiment import Experiment

PREREGISTRATION = CONFIG_DIR / "calibration" / "walsall_hindcast.yaml"
#: capacity policy -> how the mode is labelled; the first is the one the rule is judged on
MODES = {"fixed": "unconditional (capacity_policy=fixed)", "demand_led": "variant (capacity_policy=demand_led)"}
PRIMARY = "fixed"


class Refused(Exception):
    """The hindcast will not run: its pre-registration or the working tree is not as the rules require."""


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as error:
        raise Refused(f"git could not be run: {error}") from error
    if done.returncode != 0:
        raise Refused(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def preregistration(path: Path = PREREGISTRATION) -> dict:
    """The pre-registration's last commit and sha256; :class:`Refused` if it is uncommitted or changed since."""
    path = Path(path).resolve()
    if not path.is_file():
        raise Refused(f"{path}: no pre-registration file")
    if _git(path.parent, "status", "--porcelain", "--", path.name):
        raise Refused(f"{path.name} is uncommitted or changed since its commit: commit it (before any hindcast is run)")
    commit = _git(path.parent, "log", "-1", "--format=%H", "--", path.name)
    if not commit:
        raise Refused(f"{path.name} has never been committed")
    relative = _git(path.parent, "ls-files", "--full-name", "--", path.name)
    return {"file": relative or path.name, "commit": commit, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def clean_commit(root: Path = ROOT) -> str:
    """The commit of a clean working tree (nothing changed, nothing untracked); :class:`Refused` otherwise."""
    if _git(root, "status", "--porcelain"):
        raise Refused("--final-test runs only from a clean working tree (commit or remove every change first)")
    return _git(root, "rev-parse", "HEAD")


# ------------------------------------------------------------------ the arithmetic
def carried_forward(actual: dict, fitted_year: int, years) -> dict:
    """Naive forecast (a): the fitted year's figure for every year."""
    return dict.fromkeys(years, actual[fitted_year]) if fitted_year in actual else {}


def linear_trend(actual: dict, first: int, last: int, years) -> dict:
    """Naive forecast (b): the least-squares line through the figures of ``first``-``last`` that exist,
    extrapolated to ``years``; empty with fewer than two."""
    points = {y: v for y, v in actual.items() if first <= y <= last}
    if len(points) < 2:
        return {}
    slope, intercept = np.polyfit(list(points), list(points.values()), 1)
    return {year: float(intercept + slope * year) for year in years}


def error(forecast: float, actual: float, unit: str) -> float:
    """Percent (100 x (forecast / actual - 1)) for counts, points (forecast - actual) for percentages;
    to 1e-9 (a trend through two points gives back its own years to rounding, not exactly)."""
    if unit == "percent":
        return round(100.0 * (forecast / actual - 1.0), 9)
    if unit == "points":
        return round(forecast - actual, 9)
    raise ValueError(f"error unit {unit!r}: percent or points")


def mae(errors) -> float:
    """Mean absolute error of the finite errors (NaN if none)."""
    x = np.asarray([e for e in errors if e is not None and math.isfinite(e)], dtype=float)
    return float(np.abs(x).mean()) if len(x) else math.nan


def coverage_range(n: int, probability: float, confidence: float) -> tuple[int, int]:
    """The central ``confidence`` range of a Binomial(n, probability) count: how many of n intervals
    should cover their outturns."""
    if n == 0:
        return 0, 0
    low, high = stats.binom.interval(confidence, n, probability)
    return int(low), int(high)


def roles(spec: dict) -> dict[int, str]:
    """Each year's role: fitted, learning, reported or final_test."""
    out = {int(spec["fitted_year"]): "fitted"}
    for role in ("learning", "reported", "final_test"):
        out.update({int(y): role for y in spec["years"][role]})
    return out


def withhold(frame: pd.DataFrame, spec: dict, final_test: bool) -> pd.DataFrame:
    """``frame`` without the final-test years (its ``year`` column) unless the final test is run."""
    if final_test or "year" not in frame.columns:
        return frame
    return frame[~frame["year"].isin([int(y) for y in spec["years"]["final_test"]])].reset_index(drop=True)


def model_figures(replications: pd.DataFrame, summary: pd.DataFrame, metric: str, interval: float) -> pd.DataFrame:
    """``year, model_mean, model_low, model_high, unstable`` of one metric: mean and the central ``interval``
    percentiles over replications, and the summary's unstable flag."""
    rows = replications[replications["metric"] == metric]
    tail = 50.0 * (1.0 - interval)
    out = rows.groupby("year")["value"].agg(
        model_mean="mean", model_low=lambda v: np.percentile(v, tail), model_high=lambda v: np.percentile(v, 100 - tail))
    flags = summary[summary["metric"] == metric].set_index("year")
    out["unstable"] = flags["unstable"].astype(bool) if "unstable" in flags else False
    return out.reset_index()


def compare(mode: str, figures: pd.DataFrame, metric: str, measure: dict, spec: dict) -> list[dict]:
    """One row a year: the model's figures, the actual, the naive forecasts and every error."""
    actual = pack.yearly(spec["place"], spec["site"], measure["actual"]["measure"], measure["actual"]["type"])
    years = [int(y) for y in figures["year"]]
    first, last = (int(y) for y in spec["trend_years"])
    naive = {"carried": carried_forward(actual, int(spec["fitted_year"]), years),
             "trend": linear_trend(actual, first, last, years)}
    role, unit = roles(spec), measure["error"]
    rows = []
    for r in figures.itertuples():
        year, value = int(r.year), actual.get(int(r.year), math.nan)
        has = math.isfinite(value)
        row = {"mode": mode, "year": year, "financial_year": f"{year}/{(year + 1) % 100:02d}", "role": role.get(year, ""),
               "measure": metric, "label": measure["label"], "actual": value, "model_mean": r.model_mean,
               "model_p10": r.model_low, "model_p90": r.model_high,
               "covered": bool(r.model_low <= value <= r.model_high) if has else None,
               "model_error": error(r.model_mean, value, unit) if has else math.nan}
        for name, forecast in naive.items():
            row[f"naive_{name}"] = forecast.get(year, math.nan)
            row[f"naive_{name}_error"] = error(forecast[year], value, unit) if has and year in forecast else math.nan
        row.update({"error_unit": unit, "tolerance": float(measure["tolerance"]),
                    "within_tolerance": bool(abs(row["model_error"]) <= float(measure["tolerance"])) if has else None,
                    "unstable": bool(r.unstable), "note": "unstable: not an estimate" if r.unstable else ""})
        rows.append(row)
    return rows


def scores(table: pd.DataFrame, spec: dict, role: str = "learning") -> pd.DataFrame:
    """Per mode and measure, and overall: each forecast's MAE over the years of ``role`` with a figure,
    whether the model beats both naive forecasts, and how many 80% intervals cover their outturns."""
    chosen = table[(table["role"] == role) & table["actual"].notna()]
    rows = []
    for mode, by_mode in chosen.groupby("mode", sort=False):
        per = []
        for metric, group in by_mode.groupby("measure", sort=False):
            model, carried, trend = (mae(group[c]) for c in ("model_error", "naive_carried_error", "naive_trend_error"))
            unstable = bool(group["unstable"].any())
            per.append({"mode": mode, "scope": role, "measure": metric, "error_unit": group["error_unit"].iloc[0],
                        "years": len(group), "model_mae": model, "carried_mae": carried, "trend_mae": trend,
                        "unstable": unstable, "covered": int(group["covered"].astype(bool).sum()),
                        "outturns": len(group)})
        overall = {"mode": mode, "scope": role, "measure": "overall", "error_unit": "mean of the measures' MAEs",
                   "years": max((p["years"] for p in per), default=0),
                   **{k: float(np.mean([p[k] for p in per])) for k in ("model_mae", "carried_mae", "trend_mae")},
                   "unstable": any(p["unstable"] for p in per), "covered": sum(p["covered"] for p in per),
                   "outturns": sum(p["outturns"] for p in per)}
        for row in [*per, overall]:
            row["beats_carried"] = bool(row["model_mae"] < row["carried_mae"]) and not row["unstable"]
            row["beats_trend"] = bool(row["model_mae"] < row["trend_mae"]) and not row["unstable"]
            row["beats_both"] = row["beats_carried"] and row["beats_trend"]
            low, high = coverage_range(row["outturns"], float(spec["interval"]), float(spec["coverage_confidence"]))
            row["coverage_expected"] = f"{low}-{high}"
            row["coverage_ok"] = bool(low <= row["covered"] <= high)
            rows.append(row)
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


SCORE_COLUMNS = ["mode", "scope", "measure", "error_unit", "years", "model_mae", "carried_mae", "trend_mae", "unstable",
                 "covered", "outturns", "beats_carried", "beats_trend", "beats_both", "coverage_expected", "coverage_ok"]


# ------------------------------------------------------------------ the figure and the words
def figure(table: pd.DataFrame):
    """Per measure: the actuals, the model's 80% band and mean in each mode, and the two naive forecasts."""
    import matplotlib.pyplot as plt

    from ..analysis import figures
    figures.apply_style()
    measures = list(dict.fromkeys(table["measure"]))
    fig, axes = plt.subplots(1, len(measures), figsize=(4.6 * len(measures), 3.8), squeeze=False)
    for ax, metric in zip(axes[0], measures):
        rows = table[table["measure"] == metric]
        for (mode, group), colour in zip(rows.groupby("mode", sort=False), ("C0", "C2")):
            group = group.sort_values("year")
            ax.fill_between(group["year"], group["model_p10"], group["model_p90"], alpha=0.25, color=colour)
            ax.plot(group["year"], group["model_mean"], color=colour, marker="o", ms=3, label=f"model, {mode} (80%)")
            unstable = group[group["unstable"]]
            ax.scatter(unstable["year"], unstable["model_mean"], marker="s", s=50, facecolors="none", color="red",
                       label="unstable: not an estimate" if len(unstable) else None, zorder=4)
        first = rows[rows["mode"] == rows["mode"].iloc[0]].sort_values("year")
        ax.plot(first["year"], first["naive_carried"], ls="--", color="grey", label="naive: 2017/18 carried forward")
        ax.plot(first["year"], first["naive_trend"], ls=":", color="black", label="naive: 2016/17-2017/18 trend")
        ax.scatter(first["year"], first["actual"], marker="x", s=60, color="black", zorder=5, label="Walsall (RBK) reported")
        learning = first[first["role"] == "learning"]["year"]
        if len(learning):
            ax.axvspan(learning.min() - 0.5, learning.max() + 0.5, color="gold", alpha=0.12, lw=0)
        ax.set_xticks(list(first["year"]), [f"{y % 100:02d}/{(y + 1) % 100:02d}" for y in first["year"]], fontsize=8)
        ax.set_title(first["label"].iloc[0], fontsize=10)
    axes[0][0].legend(loc="best", fontsize=6)
    fig.tight_layout()
    return fig


def _unit(unit: str) -> str:
    return "%" if unit == "percent" else " points"


def answer(table: pd.DataFrame, scored: pd.DataFrame, spec: dict) -> str:
    """The README's answer: per measure, the model's and the naive forecasts' errors and coverage, and
    where the model loses, said plainly."""
    primary = scored[scored["mode"] == PRIMARY]
    lines = []
    for r in primary.itertuples():
        if r.measure == "overall":
            continue
        unit = _unit(r.error_unit)
        verdict = "beats both naive forecasts" if r.beats_both else "LOSES to " + " and ".join(
            name for name, beat in (("the carried-forward forecast", r.beats_carried),
                                    ("the trend forecast", r.beats_trend)) if not beat)
        lines.append(f"- **{spec['measures'][r.measure]['label']}** ({r.years} learning year(s) with a figure): "
                     f"model MAE {r.model_mae:.1f}{unit}, 2017/18 carried forward {r.carried_mae:.1f}{unit}, trend "
                     f"{r.trend_mae:.1f}{unit}: the model {verdict}; its 80% interval covers {r.covered} of "
                     f"{r.outturns} outturn(s)." + (" A figure is unstable: not an estimate." if r.unstable else ""))
    overall = primary[primary["measure"] == "overall"]
    text = ["On the learning years (unconditional mode, capacity fixed at 2017/18):", "",
            *(lines or ["- no learning year has a reported figure: nothing to judge."]), ""]
    if len(overall):
        o = overall.iloc[0]
        text.append(f"Overall (mean of the measures' MAEs, percent and points alike): model {o.model_mae:.1f}, carried "
                    f"forward {o.carried_mae:.1f}, trend {o.trend_mae:.1f}: the model "
                    f"{'beats both naive forecasts' if o.beats_both else 'does NOT beat both naive forecasts'}. Its 80% "
                    f"intervals cover {o.covered} of {o.outturns} outturns (about 80% means {o.coverage_expected}): "
                    f"{'met' if o.coverage_ok else 'NOT met'}.")
    variant = scored[(scored["mode"] != PRIMARY) & (scored["measure"] == "overall")]
    for o in variant.itertuples():
        text.append(f"The {o.mode} variant: overall MAE {o.model_mae:.1f}, beats both: {'yes' if o.beats_both else 'no'}; "
                    f"covers {o.covered} of {o.outturns}.")
    misses = table[(table["mode"] == PRIMARY) & table["actual"].notna() & (table["role"] != "fitted")]
    misses = misses[~misses["within_tolerance"].astype(bool)]
    if len(misses):
        text += ["", "Outside the pre-registered tolerance: " + "; ".join(
            f"{r.label} {r.financial_year} {r.model_error:+.1f}{_unit(r.error_unit)} (tolerance {r.tolerance:g})"
            for r in misses.itertuples()) + "."]
    unstable = table[table["unstable"]]
    if len(unstable):
        text += ["", "Unstable (a waiting list ran away; not an estimate): " + "; ".join(
            f"{r.label} {r.financial_year} ({r.mode})" for r in unstable.itertuples()) + "."]
    return "\n".join(text)


CAVEATS = """## Read with care

- **The rule rests on one year.** The pack has no yearly type-1 figures for 2019/20 (nor 2020/21, 2021/22), so
  each measure's learning-year error is 2018/19's alone; its coverage is three outturns. The COVID-19 years are
  shown without actuals.
- **2018/19 attendances are not independent of the model.** The A&E attendance trend was set from Walsall's own
  2016/17-2018/19 figures before the backtest existed (docs/results.md, backtest), so the model's 2018/19
  attendances have seen the outturn; the admissions and 4-hour figures have not.
- **{replications} replications** give the 80% interval as the 10th to 90th percentile of {replications} values
  (interpolated): a rough interval of the model's own randomness only, narrower than the forecast's real
  uncertainty (inputs are not varied: `carepath uncertainty` does that).
- **The naive trend** runs through two years (2016/17 and 2017/18), the only type-1 yearly figures before the
  fitted year the pack holds; 2014/15 and 2015/16 have all-types attendances only, a different thing.
"""


def _replications(results) -> pd.DataFrame:
    frame = results.replications
    return frame if "year" in frame.columns else frame.assign(year=int(results.config["run"]["year"]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="carepath hindcast", description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=5, help="replications of each mode (default 5)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default results/hindcast)")
    parser.add_argument("--preregistration", type=Path, default=PREREGISTRATION, help=argparse.SUPPRESS)
    parser.add_argument("--end-year", type=int, default=None,
                        help="stop the run earlier (for checks: a shorter run is not the hindcast)")
    parser.add_argument("--mode", action="append", choices=list(MODES), dest="modes",
                        help="a capacity policy to run (repeat for more; default: all)")
    parser.add_argument("--final-test", action="store_true",
                        help="also report 2022/23-2024/25; only from a clean working tree, once the mechanisms are frozen")
    parser.add_argument("overrides", nargs="*", help="extra overrides for every run (e.g. run.warmup_days=30)")
    args = parser.parse_args(argv)
    args.modes = args.modes or list(MODES)
    try:
        registered = preregistration(args.preregistration)
        final_commit = clean_commit() if args.final_test else None
    except Refused as refusal:
        print(f"carepath hindcast: refused: {refusal}", file=sys.stderr)
        return 2
    spec = yaml.safe_load(Path(args.preregistration).read_text())
    measures = dict(spec["measures"], **((spec.get("final_test_measures") or {}) if args.final_test else {}))
    end_year = args.end_year or int(spec["end_year"])
    exp = Experiment("hindcast", out_dir=args.out,
                     question="Fitted on 2017/18 alone and run on year by year, does the model forecast Walsall's "
                              "type-1 attendances, 4-hour performance and admissions via A&E better than carrying "
                              "2017/18 forward or extending its trend, with honest 80% intervals?")
    rows = []
    try:
        for mode in args.modes:
            results = exp.run(f"walsall_{mode}", [f"place={spec['place']}", f"run.year={spec['fitted_year']}",
                                                  f"run.end_year={end_year}", f"capacity_policy={mode}",
                                                  f"run.replications={args.replications}", *args.overrides])
            summary = results.summary if "year" in results.summary.columns else results.summary.assign(
                year=int(spec["fitted_year"]))
            for metric, measure in measures.items():
                rows += compare(mode, model_figures(_replications(results), summary, metric, float(spec["interval"])),
                                metric, measure, spec)
    except ConfigError as problem:
        print(f"carepath: invalid configuration: {problem}", file=sys.stderr)
        return 2
    table = withhold(pd.DataFrame(rows), spec, args.final_test)
    exp.summaries = [withhold(s, spec, args.final_test) for s in exp.summaries]   # runs.csv withholds them too
    scored = scores(table, spec)
    if args.final_test:
        scored = pd.concat([scored, scores(table, spec, "final_test")], ignore_index=True)
    exp.table("hindcast", table, "each mode, year and measure: the model's mean and 80% interval (10th-90th percentile "
                                 "over replications), the actual, the naive forecasts and every error (percent for "
                                 "counts, points for percentages)" + ("" if args.final_test else
                                                                      "; final-test years withheld"))
    exp.table("scores", scored, "per mode and measure, and overall: MAE of the model and of each naive forecast over "
                                "the learning years, whether the model beats both, coverage of the 80% intervals")
    exp.figure("hindcast", figure(table), "Walsall (RBK) reported (crosses), the model's mean and 80% band in each "
               "capacity mode, and the naive forecasts (2017/18 carried forward, dashed; 2016/17-2017/18 trend, dotted); "
               "the learning years shaded." + ("" if args.final_test else " Final-test years (2022/23-2024/25) withheld."))
    said = answer(table, scored, spec)
    readme = exp.finish(said, method=__doc__.split("\n\n", 2)[2])
    withheld = [] if args.final_test else [int(y) for y in spec["years"]["final_test"]]
    record = {"preregistration": registered, "withheld_years": withheld,
              "final_test": {"run": True, "commit": final_commit} if args.final_test else {"run": False},
              "end_year": end_year, "modes": {m: MODES[m] for m in args.modes}}
    manifest = exp.out_dir / "manifest.json"
    write_json({**json.loads(manifest.read_text()), **record}, manifest)
    note = ["## Pre-registration", "", f"`{registered['file']}`, committed in {registered['commit']}, sha256 "
            f"`{registered['sha256']}`, before any hindcast was run; this command refuses it if it is uncommitted or "
            "changed since.", "", ("Final test run from the clean commit " + final_commit + "." if args.final_test else
                                    "Final-test years " + ", ".join(f"{y}/{(y + 1) % 100:02d}" for y in withheld)
                                    + " are simulated but withheld: `--final-test` is for when the mechanisms are "
                                    "frozen."), "", CAVEATS.format(replications=args.replications)]
    atomic_write(readme, lambda tmp: Path(tmp).write_text(readme.read_text() + "\n" + "\n".join(note)))
    print(table[["mode", "financial_year", "measure", "actual", "model_mean", "model_p10", "model_p90", "model_error",
                 "naive_carried_error", "naive_trend_error"]].to_string(index=False))
    print(f"\n{said}\nwritten to {exp.out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
