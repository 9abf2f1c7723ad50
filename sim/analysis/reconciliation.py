"""The base year's whole-system cost set against the budget lines, line by line, with the residual.

For each line of the envelope (:mod:`sim.inputs.envelope`) :func:`reconcile` reports the budget, the
part the model costs bottom-up (a mean over replications, with its 95% interval), the top-down parts,
and the residual ``budget - bottom-up - top-down``.  No factor is chosen to close it: the top-down
parts are sourced shares of a line or amounts per resident, fixed before the model runs, so a model
that costs a setting too high or too low shows it here, and a line fails when its residual is beyond
the envelope's tolerance.  :func:`parts` goes one level down: each bottom-up part against the share of
its line it is expected to be (the line's budget less its top-down parts, where a line has one
bottom-up part and no share for it).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd


def _stat(summary: pd.DataFrame, metric: str) -> tuple[float, float, float]:
    rows = summary.set_index("metric")
    if metric not in rows.index:
        return 0.0, 0.0, 0.0
    row = rows.loc[metric]
    low, high = row["ci_low"], row["ci_high"]
    return float(row["mean"]), float(row["mean"] if math.isnan(low) else low), float(row["mean"] if math.isnan(high) else high)


def reconcile(summary: pd.DataFrame, envelope: Mapping[str, Any]) -> pd.DataFrame:
    """One row per budget line and a total: ``line, label, payer, budget_gbp, bottom_up_gbp,
    bottom_up_ci_low, bottom_up_ci_high, top_down_gbp, system_gbp, residual_gbp, residual_pct, reconciles``."""
    tolerance = float(envelope["tolerance"])
    rows = []
    for name, line in envelope["lines"].items():
        bottom, low, high = _stat(summary, f"system_cost.{name}.bottom_up_gbp")
        top = _stat(summary, f"system_cost.{name}.top_down_gbp")[0]
        rows.append(_row(name, line["label"], line["payer"], line["budget_gbp"], bottom, low, high, top, tolerance))
    unassigned = _stat(summary, "system_cost.unassigned.bottom_up_gbp")
    if unassigned[0]:
        rows.append(_row("unassigned", "modelled settings no budget line names", "", 0.0, *unassigned, 0.0, tolerance))
    table = pd.DataFrame(rows)
    total = _row("total", "total", "", float(envelope["total_gbp"]), table["bottom_up_gbp"].sum(),
                 table["bottom_up_ci_low"].sum(), table["bottom_up_ci_high"].sum(), table["top_down_gbp"].sum(), tolerance)
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def _row(name, label, payer, budget, bottom, low, high, top, tolerance) -> dict:
    residual = budget - bottom - top
    pct = 100.0 * residual / budget if budget else math.nan
    return {"line": name, "label": label, "payer": payer, "budget_gbp": budget, "bottom_up_gbp": bottom,
            "bottom_up_ci_low": low, "bottom_up_ci_high": high, "top_down_gbp": top, "system_gbp": bottom + top,
            "residual_gbp": residual, "residual_pct": pct,
            "reconciles": bool(budget and abs(residual) <= tolerance * budget) or (not budget and not bottom)}


def parts(summary: pd.DataFrame, envelope: Mapping[str, Any]) -> pd.DataFrame:
    """One row per part: ``line, part, label, kind, gbp, expected_gbp, residual_gbp`` (expected and residual
    for bottom-up parts whose share of the line is known)."""
    rows = []
    for name, line in envelope["lines"].items():
        top_down = sum(p["base_gbp"] for p in line["parts"].values() if p.get("modelled") is None)
        modelled = [p for p in line["parts"].values() if p.get("modelled") is not None]
        for part_name, part in line["parts"].items():
            value = _stat(summary, f"system_cost.{name}.{part_name}_gbp")[0]
            if part.get("modelled") is None:
                rows.append({"line": name, "part": part_name, "label": part["label"], "kind": "top-down", "gbp": value,
                             "expected_gbp": math.nan, "residual_gbp": math.nan})
                continue
            share = part.get("expected_share")
            expected = (line["budget_gbp"] * share if share is not None
                        else line["budget_gbp"] - top_down if len(modelled) == 1 else math.nan)
            rows.append({"line": name, "part": part_name, "label": part["label"], "kind": "bottom-up", "gbp": value,
                         "expected_gbp": expected, "residual_gbp": expected - value})
    return pd.DataFrame(rows)
