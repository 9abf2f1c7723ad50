"""The base year's whole-system cost set against the budget lines, line by line, with the residual.

For each line of the envelope (:mod:`sim.inputs.envelope`) :func:`reconcile` reports the budget, the
part the model costs bottom-up (a mean over replications, with its 95% interval), the top-down parts,
and the residual ``budget - bottom-up - top-down``.  No factor is chosen to close it: the top-down
parts are sourced shares of a line or amounts per resident, fixed before the model runs, so a model
that costs a setting too high or too low shows it here, and a line fails when its residual is beyond
the envelope's tolerance.  :func:`parts` goes one level down: each bottom-up part against the share of
its line it is expected to be (the line's budget less its top-down parts, where a line has one
bottom-up part and no share for it), within the envelope's ``part_tolerance`` or explained with evidence
the envelope gives; :func:`failures` says which lines and parts fail.  Activity a top-down part hands
over to a bottom-up one (planned admissions' overnight stays) moves with its cost, so the expected
bottom-up part includes it and each pound is counted once.
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
    """One row per part: ``line, part, label, kind, gbp, expected_gbp, handed_over_gbp, residual_gbp,
    difference_pct, status, evidence, covers``.

    A bottom-up part is expected to be its share of the line plus what top-down parts hand over to it
    (``costed_bottom_up``), or, as a line's only bottom-up part without a share, the line less its top-down
    parts.  ``status`` is ``within tolerance`` (its difference from the expected within the envelope's
    ``part_tolerance``), ``explained`` (beyond it, with the evidence the envelope gives in ``evidence``),
    ``unexplained`` (beyond it without) or ``no expected share``; top-down parts are ``top-down`` and say what
    they ``cover``."""
    tolerance = float(envelope.get("part_tolerance", 0.15))
    rows = []
    for name, line in envelope["lines"].items():
        handed = _handed_over(summary, line)
        top_down = sum(p["base_gbp"] for p in line["parts"].values() if p.get("modelled") is None) - sum(handed.values())
        modelled = [p for p in line["parts"].values() if p.get("modelled") is not None]
        for part_name, part in line["parts"].items():
            value = _stat(summary, f"system_cost.{name}.{part_name}_gbp")[0]
            row = {"line": name, "part": part_name, "label": part["label"], "gbp": value}
            if part.get("modelled") is None:
                given = (part.get("costed_bottom_up") or {}).get("part")
                covers = part.get("covers", part["label"]) + (
                    f"; less the activity it hands to {given} (costed bottom-up)" if given else "")
                given_gbp = -handed[part_name] if part_name in handed else 0.0
                rows.append({**row, "kind": "top-down", "expected_gbp": math.nan, "handed_over_gbp": given_gbp,
                             "residual_gbp": math.nan, "difference_pct": math.nan, "status": "top-down", "evidence": "",
                             "covers": covers})
                continue
            share = part.get("expected_share")
            received = sum(v for p, v in handed.items() if line["parts"][p]["costed_bottom_up"]["part"] == part_name)
            expected = (line["budget_gbp"] * share + received if share is not None
                        else line["budget_gbp"] - top_down if len(modelled) == 1 else math.nan)
            pct = 100.0 * (value - expected) / expected if expected else math.nan
            rows.append({**row, "kind": "bottom-up", "expected_gbp": expected, "handed_over_gbp": received,
                         "residual_gbp": expected - value, "difference_pct": pct,
                         "status": _status(value, expected, tolerance, part.get("explained")),
                         "evidence": part.get("explained") or "", "covers": ""})
    return pd.DataFrame(rows)


def _handed_over(summary: pd.DataFrame, line: Mapping[str, Any]) -> dict[str, float]:
    """What each top-down part of a line hands over to a bottom-up part, in the base year (mean over replications)."""
    out = {}
    for name, part in line["parts"].items():
        spec = part.get("costed_bottom_up")
        if part.get("modelled") is None and spec:
            out[name] = _stat(summary, spec["metric"])[0] * spec["gbp_each"]
    return out


def _status(value: float, expected: float, tolerance: float, explained: str | None) -> str:
    if math.isnan(expected):
        return "no expected share"
    if abs(value - expected) <= tolerance * abs(expected) or (not expected and not value):
        return "within tolerance"
    return "explained" if explained else "unexplained"


def failures(lines: pd.DataFrame, detail: pd.DataFrame) -> tuple[list[str], list[str]]:
    """What fails the reconciliation: the labels of lines beyond the tolerance whose bottom-up parts are not all
    within tolerance or explained, and of bottom-up parts beyond the part tolerance with no evidence."""
    unexplained = detail[detail["status"] == "unexplained"]
    accounted = {line for line, group in detail[detail["kind"] == "bottom-up"].groupby("line")
                 if (group["status"] == "explained").any() and group["status"].isin(["explained", "within tolerance"]).all()}
    bad_lines = lines[(lines["line"] != "total") & ~lines["reconciles"] & ~lines["line"].isin(accounted)]
    return list(bad_lines["label"]), list(unexplained["label"])
