"""The base year's whole-system cost set against the budget lines, line by line, with the residual.

For each line of the envelope (:mod:`sim.inputs.envelope`) :func:`reconcile` reports the budget, the
part the model costs bottom-up (a mean over replications, with its 95% interval), the top-down parts,
and the residual ``budget - bottom-up - top-down``.  No factor is chosen to close it: the top-down
parts are sourced shares of a line or amounts per resident, fixed before the model runs, so a model
that costs a setting too high or too low shows it here, and a line fails when its residual is beyond
the envelope's tolerance.  :func:`parts` goes one level down: each bottom-up part against the share of
its line it is expected to be (the line's budget less its top-down parts, where a line has one
bottom-up part and no share for it), within the envelope's ``part_tolerance``, or explained by the
evidence the envelope gives within the range of difference that evidence accounts for;
:func:`failures` says which lines and parts fail.

Each pound is counted once, in the line that pays it.  Activity a top-down part hands over to a
bottom-up part (planned admissions' overnight stays, costed with the beds; Walsall's bed-based
intermediate care, paid from the Better Care Fund in another line) leaves the top-down part and is
expected of the bottom-up part; a line's bottom-up pounds are the modelled activity it pays for, so
what one line pays for another line's part is in the first (``paid_across_lines_gbp``), and each
top-down part says what it covers and what it handed over.
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
    bottom_up_ci_low, bottom_up_ci_high, top_down_gbp, system_gbp, residual_gbp, residual_pct, reconciles,
    paid_across_lines_gbp`` (of the bottom-up pounds, those paid for another line's part, or, negative, those
    of its own parts another line pays for)."""
    tolerance = float(envelope["tolerance"])
    rows = []
    for name, line in envelope["lines"].items():
        bottom, low, high = _stat(summary, f"system_cost.{name}.bottom_up_gbp")
        top = _stat(summary, f"system_cost.{name}.top_down_gbp")[0]
        rows.append({**_row(name, line["label"], line["payer"], line["budget_gbp"], bottom, low, high, top, tolerance),
                     "paid_across_lines_gbp": _stat(summary, f"system_cost.{name}.paid_across_lines_gbp")[0]})
    unassigned = _stat(summary, "system_cost.unassigned.bottom_up_gbp")
    if unassigned[0]:
        rows.append({**_row("unassigned", "modelled settings no budget line names", "", 0.0, *unassigned, 0.0, tolerance),
                     "paid_across_lines_gbp": 0.0})
    table = pd.DataFrame(rows)
    total = {**_row("total", "total", "", float(envelope["total_gbp"]), table["bottom_up_gbp"].sum(),
                    table["bottom_up_ci_low"].sum(), table["bottom_up_ci_high"].sum(), table["top_down_gbp"].sum(), tolerance),
             "paid_across_lines_gbp": table["paid_across_lines_gbp"].sum()}
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
    difference_pct, explained_low_pct, explained_high_pct, status, evidence, covers``.

    A bottom-up part is expected to be its share of the line, or, as a line's only bottom-up part without a
    share, the line less its top-down parts; plus what top-down parts of any line hand over to it
    (``costed_bottom_up``, ``handed_over_gbp``).  ``status`` is ``within tolerance`` (its difference from the
    expected within the envelope's ``part_tolerance``), ``explained`` (beyond it, within the range of difference
    the evidence the envelope gives accounts for), ``beyond its explanation`` (beyond it and outside that range),
    ``unexplained`` (beyond it without evidence) or ``no expected share``; top-down parts are ``top-down``, say
    what they ``cover`` and, as a negative ``handed_over_gbp``, what they hand over."""
    tolerance = float(envelope.get("part_tolerance", 0.15))
    handed = _handed_over(summary, envelope)
    rows = []
    for name, line in envelope["lines"].items():
        top_down = sum(p["base_gbp"] for p in line["parts"].values() if p.get("modelled") is None)
        modelled = [p for p in line["parts"].values() if p.get("modelled") is not None]
        for part_name, part in line["parts"].items():
            value = _stat(summary, f"system_cost.{name}.{part_name}_gbp")[0]
            row = {"line": name, "part": part_name, "label": part["label"], "gbp": value}
            if part.get("modelled") is None:
                rows.append({**row, "kind": "top-down", "expected_gbp": math.nan,
                             "handed_over_gbp": 0.0 - handed.get((name, part_name), (None, 0.0))[1],
                             "residual_gbp": math.nan, "difference_pct": math.nan, "explained_low_pct": math.nan,
                             "explained_high_pct": math.nan, "status": "top-down", "evidence": "",
                             "covers": _covers(name, part)})
                continue
            share = part.get("expected_share")
            received = sum(gbp for target, gbp in handed.values() if target == (name, part_name))
            expected = (line["budget_gbp"] * share if share is not None
                        else line["budget_gbp"] - top_down if len(modelled) == 1 else math.nan) + received
            pct = 100.0 * (value - expected) / expected if expected else math.nan
            explained = part.get("explained") or {}
            low, high = explained.get("difference_pct", (math.nan, math.nan))
            rows.append({**row, "kind": "bottom-up", "expected_gbp": expected, "handed_over_gbp": received,
                         "residual_gbp": expected - value, "difference_pct": pct, "explained_low_pct": low,
                         "explained_high_pct": high, "status": _status(value, expected, tolerance, explained),
                         "evidence": explained.get("evidence", ""), "covers": ""})
    return pd.DataFrame(rows)


def _covers(line: str, part: Mapping[str, Any]) -> str:
    """What a top-down part pays for, and the activity it hands to a bottom-up part, named as ``part`` in its own
    line and ``line.part`` in another."""
    given = part.get("costed_bottom_up")
    if not given:
        return part.get("covers", part["label"])
    target = given["part"] if given["line"] == line else f"{given['line']}.{given['part']}"
    return f"{part.get('covers', part['label'])}; less the activity it hands to {target} (costed bottom-up)"


def _handed_over(summary: pd.DataFrame, envelope: Mapping[str, Any]) -> dict[tuple[str, str], tuple[tuple[str, str], float]]:
    """What each top-down part hands over, in the base year (mean over replications of
    ``system_cost.<line>.<part>_handed_over_gbp``): ``{(line, part): ((receiving line, receiving part), pounds)}``."""
    out = {}
    for name, line in envelope["lines"].items():
        for part_name, part in line["parts"].items():
            spec = part.get("costed_bottom_up")
            if part.get("modelled") is None and spec:
                gbp = _stat(summary, f"system_cost.{name}.{part_name}_handed_over_gbp")[0]
                out[(name, part_name)] = ((spec["line"], spec["part"]), gbp)
    return out


def _status(value: float, expected: float, tolerance: float, explained: Mapping[str, Any]) -> str:
    if math.isnan(expected):
        return "no expected share"
    if abs(value - expected) <= tolerance * abs(expected) or (not expected and not value):
        return "within tolerance"
    if not explained:
        return "unexplained"
    low, high = explained["difference_pct"]
    return "explained" if expected and low <= 100.0 * (value - expected) / expected <= high else "beyond its explanation"


def failures(lines: pd.DataFrame, detail: pd.DataFrame) -> tuple[list[str], list[str]]:
    """What fails the reconciliation: the labels of lines beyond the tolerance whose bottom-up parts are not all
    within tolerance or explained, and of bottom-up parts beyond the part tolerance that no evidence explains
    (none given, or their difference outside the range their evidence accounts for)."""
    unexplained = detail[detail["status"].isin(["unexplained", "beyond its explanation"])]
    accounted = {line for line, group in detail[detail["kind"] == "bottom-up"].groupby("line")
                 if (group["status"] == "explained").any() and group["status"].isin(["explained", "within tolerance"]).all()}
    bad_lines = lines[(lines["line"] != "total") & ~lines["reconciles"] & ~lines["line"].isin(accounted)]
    return list(bad_lines["label"]), list(unexplained["label"])
