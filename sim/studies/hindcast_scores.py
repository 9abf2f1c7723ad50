"""The hindcast's arithmetic: naive forecasts, the anchored forecast, errors, and scores against the rule.

Everything here works on plain numbers and tables, so the rule written in a pre-registration
(``configs/calibration/walsall_hindcast*.yaml``) can be checked by hand:

* the naive forecasts: (a) the fitted year's actual carried forward (:func:`carried_forward`); (b) the
  least-squares line through the actuals of the trend years (:func:`linear_trend`);
* the anchored forecast (:func:`anchored`), where a pre-registration asks for it: the model's change from
  the fitted year laid on the fitted year's actual (a ratio for counts, a difference in points for
  percentages), so a base-year miss within the calibration's tolerance does not carry into every later year;
* errors in percent for counts and points for percentages (:func:`error`), their mean absolute error over
  the years of one role (:func:`scores`), and whether the model's 80% intervals cover about 80% of the
  outturns (:func:`coverage_range`).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from ..inputs import actuals as pack


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


def anchored(model: dict, actual: dict, fitted_year: int, unit: str) -> dict:
    """The model's change from ``fitted_year`` laid on that year's actual: ``actual x model / model(fitted)``
    for counts (``unit`` percent), ``actual + model - model(fitted)`` for percentages (points); empty when the
    fitted year has no actual or no model figure."""
    if fitted_year not in actual or fitted_year not in model:
        return {}
    base, start = actual[fitted_year], model[fitted_year]
    if unit == "percent":
        return {year: base * value / start for year, value in model.items()}
    return {year: base + value - start for year, value in model.items()}


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


def actual_series(spec: dict, measure: dict) -> dict:
    """The measure's actuals by financial year: the pack's yearly rows, or with ``yearly_from: quarters`` the
    mean of a year's four published quarters (a year with fewer has no actual). The measure's ``actual`` may
    name its own ``place`` and ``site`` (a trust of a multi-site place); else the pre-registration's."""
    where = measure["actual"]
    place, site = where.get("place", spec["place"]), where.get("site", spec["site"])
    if where.get("yearly_from") == "quarters":
        return pack.mean_of_quarters(place, site, where["measure"], where["type"], minimum=4)
    return pack.yearly(place, site, where["measure"], where["type"])


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
    """One row a year: the model's figures, the actual, the naive (and, if asked for, anchored) forecasts
    and every error."""
    actual = actual_series(spec, measure)
    years = [int(y) for y in figures["year"]]
    first, last = (int(y) for y in spec["trend_years"])
    fitted, unit = int(spec["fitted_year"]), measure["error"]
    forecasts = {"naive_carried": carried_forward(actual, fitted, years),
                 "naive_trend": linear_trend(actual, first, last, years)}
    if spec.get("anchored"):
        forecasts["model_anchored"] = anchored(dict(zip(years, figures["model_mean"])), actual, fitted, unit)
    role = roles(spec)
    rows = []
    for r in figures.itertuples():
        year, value = int(r.year), actual.get(int(r.year), math.nan)
        has = math.isfinite(value)
        row = {"mode": mode, "year": year, "financial_year": f"{year}/{(year + 1) % 100:02d}", "role": role.get(year, ""),
               "measure": metric, "label": measure["label"], "actual": value, "model_mean": r.model_mean,
               "model_p10": r.model_low, "model_p90": r.model_high,
               "covered": bool(r.model_low <= value <= r.model_high) if has else None,
               "model_error": error(r.model_mean, value, unit) if has else math.nan}
        for name, forecast in forecasts.items():
            row[name] = forecast.get(year, math.nan)
            row[f"{name}_error"] = error(forecast[year], value, unit) if has and year in forecast else math.nan
        row.update({"error_unit": unit, "tolerance": float(measure["tolerance"]),
                    "within_tolerance": bool(abs(row["model_error"]) <= float(measure["tolerance"])) if has else None,
                    "in_rule": bool(measure.get("in_rule", True)),
                    "unstable": bool(r.unstable), "note": "unstable: not an estimate" if r.unstable else ""})
        rows.append(row)
    return rows


SCORE_COLUMNS = ["mode", "scope", "measure", "error_unit", "years", "model_mae", "anchored_mae", "carried_mae", "trend_mae",
                 "unstable", "covered", "outturns", "beats_carried", "beats_trend", "beats_both", "anchored_beats_both",
                 "coverage_expected", "coverage_ok"]


def _beats(row: dict, model: str) -> tuple[bool, bool]:
    stable = not row["unstable"]
    return (bool(row[model] < row["carried_mae"]) and stable, bool(row[model] < row["trend_mae"]) and stable)


def scores(table: pd.DataFrame, spec: dict, role: str = "learning") -> pd.DataFrame:
    """Per mode and measure in the rule, and overall: each forecast's MAE over the years of ``role`` with a
    figure, whether the model (and the anchored forecast) beats both naive forecasts, and how many 80%
    intervals cover their outturns. A measure outside the rule (``in_rule: false``) is scored on its own,
    not in the overall row."""
    chosen = table[(table["role"] == role) & table["actual"].notna()]
    anchored_column = "model_anchored_error" in chosen.columns
    rows = []
    for mode, by_mode in chosen.groupby("mode", sort=False):
        per = []
        for metric, group in by_mode.groupby("measure", sort=False):
            per.append({"mode": mode, "scope": role, "measure": metric, "error_unit": group["error_unit"].iloc[0],
                        "years": len(group), "model_mae": mae(group["model_error"]),
                        "anchored_mae": mae(group["model_anchored_error"]) if anchored_column else math.nan,
                        "carried_mae": mae(group["naive_carried_error"]), "trend_mae": mae(group["naive_trend_error"]),
                        "unstable": bool(group["unstable"].any()), "covered": int(group["covered"].astype(bool).sum()),
                        "outturns": len(group),
                        "in_rule": bool(group["in_rule"].iloc[0]) if "in_rule" in group else True})
        ruled = [p for p in per if p["in_rule"]]
        overall = {"mode": mode, "scope": role, "measure": "overall", "error_unit": "mean of the measures' MAEs",
                   "years": max((p["years"] for p in ruled), default=0),
                   **{k: float(np.mean([p[k] for p in ruled])) if ruled else math.nan
                      for k in ("model_mae", "anchored_mae", "carried_mae", "trend_mae")},
                   "unstable": any(p["unstable"] for p in ruled), "covered": sum(p["covered"] for p in ruled),
                   "outturns": sum(p["outturns"] for p in ruled)}
        for row in [*per, overall]:
            row["beats_carried"], row["beats_trend"] = _beats(row, "model_mae")
            row["beats_both"] = row["beats_carried"] and row["beats_trend"]
            row["anchored_beats_both"] = all(_beats(row, "anchored_mae")) if anchored_column else False
            low, high = coverage_range(row["outturns"], float(spec["interval"]), float(spec["coverage_confidence"]))
            row["coverage_expected"] = f"{low}-{high}"
            row["coverage_ok"] = bool(low <= row["covered"] <= high)
            rows.append(row)
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)
