"""Backtest: does the model, fitted to 2017/18 alone, predict the years either side?

    python -m sim.backtest                    # 2016/17 and 2018/19 (and 2017/18 for reference); results/backtest/
    python -m sim.backtest --replications 5 --out DIR

Each year is an ordinary single-year run (``run.year``) of the calibrated Walsall configuration with
2017/18 capacity: the population and each stream's trend move to that year, nothing is refitted.
The model's mean and 95% interval are set beside what Walsall Manor reported (the actuals pack,
``data/actuals/actuals.csv``, trust RBK): type-1 attendances, emergency admissions via A&E and 4-hour
performance, each judged against the forecast's tolerance (5%, 12%, 6 points;
``configs/calibration/walsall_backtest.yaml``).  The
years 2016/17 and 2018/19 are the test and are never used in fitting.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
import yaml

from ..common.errors import ConfigError
from ..common.paths import CONFIG_DIR
from ..inputs import actuals as pack
from ..jobs.experiment import Experiment

SPEC = CONFIG_DIR / "calibration" / "walsall_backtest.yaml"
TESTED = (2016, 2018)
#: the backtest's measures and the pack's type-1 series of Walsall Healthcare (trust RBK) they are held against
SERIES = {"ae_attendances": "ae_attendances", "ae_admissions": "ae_admissions", "ae_4h_pct": "ae_4h_pct"}
SITE = "RBK"
LABELS = {"ae_attendances": "type-1 A&E attendances", "ae_admissions": "emergency admissions via A&E",
          "ae_4h_pct": "type-1 4-hour performance (%)"}


def actuals(place: str, years) -> dict[int, dict[str, float]]:
    """Each year's reported figures from the actuals pack: ``{year: {measure: value}}``."""
    series = {metric: pack.yearly(place, SITE, measure, "type-1") for metric, measure in SERIES.items()}
    return {year: {metric: values[year] for metric, values in series.items()} for year in years}


def judge(summary: pd.DataFrame, year: int, actuals: dict, tolerances: dict) -> list[dict]:
    """One row per measure: model mean and interval, the actual figure, the error and whether it is within tolerance."""
    means = summary.set_index("metric")
    rows = []
    for metric, actual in actuals.items():
        row = means.loc[metric]
        mean, tolerance = float(row["mean"]), tolerances[metric]
        if "relative" in tolerance:
            error, limit = 100 * (mean / actual - 1), 100 * tolerance["relative"]
            unit = "%"
        else:
            error, limit = mean - actual, tolerance["points"]
            unit = " points"
        rows.append({"year": year, "financial_year": f"{year}/{(year + 1) % 100:02d}", "measure": metric,
                     "label": LABELS.get(metric, metric), "actual": actual, "model_mean": mean,
                     "model_ci_low": float(row["ci_low"]), "model_ci_high": float(row["ci_high"]),
                     "error": round(error, 2), "error_unit": unit.strip(), "tolerance": limit,
                     "within_tolerance": abs(error) <= limit, "tested": year in TESTED,
                     "unstable": bool(row.get("unstable", False))})
    return rows


def _change(table: pd.DataFrame, missed) -> str:
    """Why a figure is missed, in the terms a reader can check: the change from the fitted year that
    Walsall reported against the change the model's demography and trends give."""
    fitted = table[(table["measure"] == missed.measure) & ~table["tested"]].iloc[0]
    first, second = sorted([(missed.year, missed), (int(fitted["year"]), fitted)], key=lambda pair: pair[0])
    points = missed.error_unit == "points"
    def change(a, b):
        return b - a if points else 100 * (b / a - 1)
    unit = " points" if points else "%"
    reported = change(first[1].actual, second[1].actual)
    modelled = change(first[1].model_mean, second[1].model_mean)
    return (f"{missed.label}: Walsall reported {reported:+.1f}{unit} from {first[1].financial_year} to "
            f"{second[1].financial_year}, the model's demography and trends give {modelled:+.1f}{unit}; a step that size is "
            f"not in any trend the model holds, and no factor is fitted to the tested years.")


def _figure(table: pd.DataFrame):
    import matplotlib.pyplot as plt

    from ..analysis import figures
    figures.apply_style()
    measures = list(dict.fromkeys(table["measure"]))
    fig, axes = plt.subplots(1, len(measures), figsize=(4.2 * len(measures), 3.6))
    for ax, measure in zip(axes, measures):
        rows = table[table["measure"] == measure].sort_values("year")
        x = range(len(rows))
        ax.errorbar(x, rows["model_mean"], yerr=[rows["model_mean"] - rows["model_ci_low"],
                                                 rows["model_ci_high"] - rows["model_mean"]],
                    fmt="o", capsize=4, label="model (95% interval)")
        ax.scatter(x, rows["actual"], marker="x", s=60, color="black", zorder=3, label="Walsall Manor reported")
        ax.set_xticks(list(x), [f"{fy}{'' if t else ' (fitted)'}" for fy, t in zip(rows["financial_year"], rows["tested"])],
                      rotation=0)
        ax.set_title(LABELS.get(measure, measure))
    axes[0].legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="carepath backtest", description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20, help="replications a year (default 20)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default results/backtest)")
    parser.add_argument("overrides", nargs="*", help="extra overrides for every run (e.g. pressure=none)")
    args = parser.parse_args(argv)
    spec = yaml.safe_load(SPEC.read_text())
    reported = actuals(spec["place"], spec["years"])
    exp = Experiment("backtest", out_dir=args.out,
                     question="Fitted on 2017/18 alone, does the model predict Walsall Manor's A&E attendances, "
                              "admissions via A&E and 4-hour performance in 2016/17 and 2018/19?")
    rows = []
    try:
        for year in sorted(spec["years"]):
            results = exp.run(f"walsall_{year}", ["place=walsall", f"run.year={year}",
                                                  f"run.replications={args.replications}", *args.overrides])
            rows += judge(results.summary, year, reported[year], spec["tolerances"])
    except ConfigError as error:
        print(f"carepath: invalid configuration: {error}", file=sys.stderr)
        return 2
    table = pd.DataFrame(rows)
    exp.table("backtest", table, "model mean and 95% interval against the reported figure, the error and whether it is "
                                 "within the forecast's tolerance; 2017/18 is the calibration year, shown for reference")
    exp.figure("backtest", _figure(table), "Model mean and 95% interval (dots) against what Walsall Manor reported "
                                           "(crosses), by financial year. 2017/18 is the year the model was fitted to.")
    tested = table[table["tested"]]
    lines = [f"{r.label} {r.financial_year}: model {r.model_mean:,.1f} [{r.model_ci_low:,.1f}-{r.model_ci_high:,.1f}] "
             f"against {r.actual:,.1f} ({r.error:+.1f}{'%' if r.error_unit == '%' else ' points'}; "
             f"tolerance {r.tolerance:g}{'%' if r.error_unit == '%' else ' points'}: {'met' if r.within_tolerance else 'NOT met'})"
             for r in tested.itertuples()]
    met = int(tested["within_tolerance"].sum())
    answer = (f"{met} of {len(tested)} tested figures are within tolerance. " + "; ".join(lines) + ". "
              + " ".join(_change(table, r) for r in tested.itertuples() if not r.within_tolerance))
    exp.finish(answer, method=__doc__.split("\n\n", 2)[2])
    print(table[["financial_year", "measure", "actual", "model_mean", "model_ci_low", "model_ci_high", "error",
                 "within_tolerance"]].to_string(index=False))
    print(f"\n{answer}\nwritten to {exp.out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
