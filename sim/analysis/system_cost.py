"""The whole-system cost of one replication: the modelled settings and the envelope's other lines.

The envelope (:mod:`sim.inputs.envelope`, compiled for the run's year into ``network.envelope``) is
a set of budget lines, each made of bottom-up parts (the model's cost of some settings,
``cost_<setting>_gbp``) and top-down parts (an amount projected by demography and the scenario's
activity changes).  :class:`SystemCost` reports, per replication and in the same prices as the
modelled costs:

* ``system_cost_gbp``, its split by payer ``system_cost_nhs_gbp`` and ``system_cost_council_gbp``
  (they add up to it), and by kind ``system_cost_bottom_up_gbp`` and ``system_cost_top_down_gbp``;
* each line ``system_cost.<line>_gbp`` with its ``.bottom_up_gbp`` (the modelled activity the line pays
  for) and ``.top_down_gbp``, and each part ``system_cost.<line>.<part>_gbp`` (a bottom-up part: the
  model's whole cost of its settings, whichever line pays for it);
* each line's ``system_cost.<line>.paid_across_lines_gbp``: the modelled activity it pays for that a
  part of another line costs (positive), less that of its own parts another line pays for (negative),
  and what each top-down part hands over, ``system_cost.<line>.<part>_handed_over_gbp``;
* each pooled budget ``pooled.<budget>_gbp`` (the lines it pools, added up).

A top-down part that hands activity over to a bottom-up part (``costed_bottom_up``: planned
admissions' overnight stays, costed with the model's beds; Walsall's bed-based intermediate care,
costed with the intermediate care part and paid from the Better Care Fund in another line) gives up
that activity's cost in each replication (never below nothing), and its line, which pays for the
activity, counts that cost among its bottom-up pounds in place of the line whose part costs it: each
pound is counted once, in the line that pays it.  Places the line paid for are handed over up to the
activity it paid for in the base year (``up_to``, grown with the line): places a scenario or a capacity
policy adds beyond them are new spending.

A top-down part's activity change (outpatients -29%) is activity paid per unit: it is added to
``activity_priced[_<payer>]_gbp``, and the part of it not saved in the short run (one minus the
activity's ``costs.marginal_share``) to ``fixed_in_short_run[_<payer>]_gbp``, beside the modelled
activity :class:`sim.analysis.metrics.MetricSet` puts there; :mod:`sim.analysis.savings` values
avoided activity at marginal cost from them.

Every modelled setting belongs to one line; a setting no line names is reported in a line of its
own, ``unassigned``, with no budget, so nothing the model costs is left out.  The existing
``cost_commissioner_<commissioner>_gbp`` keep their meaning: the modelled settings only.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

UNASSIGNED = "unassigned"
PAYERS = ("nhs", "council")


class SystemCost:
    """A network's envelope, applied to each replication's metrics."""

    def __init__(self, network: Mapping[str, Any], price_factor: float):
        envelope = network.get("envelope") or {}
        self.lines = dict(envelope.get("lines") or {})
        self.pooled = dict(envelope.get("pooled") or {})
        self.price_factor = price_factor
        named = {s for line in self.lines.values() for part in line["parts"].values() for s in part.get("modelled") or []}
        lines = [line for line in network.get("cost_lines") or [] if isinstance(line, Mapping)]
        self.settings = {str(line["setting"]): str(line["commissioner"]) for line in lines}
        unnamed = sorted(set(self.settings) - named)
        if self.lines and unnamed:
            payer = {self.settings[s] for s in unnamed}
            self.lines[UNASSIGNED] = {"label": "modelled settings no budget line names", "budget_gbp": 0.0,
                                      "payer": payer.pop() if len(payer) == 1 else "nhs",
                                      "parts": {s: {"label": s, "modelled": [s]} for s in unnamed}}

    def evaluate(self, out: dict) -> None:
        """Add the system cost metrics of one replication to ``out`` (nothing without an envelope)."""
        if not self.lines:
            return
        totals = {"nhs": 0.0, "council": 0.0}
        bottom_up = top_down = 0.0
        across = self._paid_across_lines(out)
        for name, line in self.lines.items():
            line_bottom, line_top = across[name], 0.0
            for part_name, part in line["parts"].items():
                if part.get("modelled") is not None:
                    value = sum(out.get(f"cost_{s}_gbp", 0.0) for s in part["modelled"])
                    line_bottom += value
                    bottom_up += value
                else:
                    value = self._top_down(part, out)
                    line_top += value
                    self._activity(part, line["payer"], out)
                out[f"system_cost.{name}.{part_name}_gbp"] = value
            out[f"system_cost.{name}.bottom_up_gbp"] = line_bottom
            out[f"system_cost.{name}.top_down_gbp"] = line_top
            out[f"system_cost.{name}.paid_across_lines_gbp"] = across[name]
            out[f"system_cost.{name}_gbp"] = line_bottom + line_top
            totals[line["payer"]] += line_bottom + line_top
            top_down += line_top
        out["system_cost_gbp"] = bottom_up + top_down
        out["system_cost_nhs_gbp"] = totals["nhs"]
        out["system_cost_council_gbp"] = totals["council"]
        out["system_cost_bottom_up_gbp"] = bottom_up
        out["system_cost_top_down_gbp"] = top_down
        for name, budget in self.pooled.items():
            out[f"pooled.{name}_gbp"] = sum(out[f"system_cost.{line}_gbp"] for line in budget["lines"])

    def _paid_across_lines(self, out: dict) -> dict[str, float]:
        """Each line's modelled cost handed over from another line: what its top-down parts pay for parts of
        other lines, less what other lines pay for its own parts (the same line's hand-overs net to nothing).
        Each hand-over is also reported, as ``system_cost.<line>.<part>_handed_over_gbp``."""
        across = dict.fromkeys(self.lines, 0.0)
        for name, line in self.lines.items():
            for part_name, part in line["parts"].items():
                handed = part.get("costed_bottom_up")
                if part.get("modelled") is None and handed:
                    gbp = self._handed(handed, out)
                    out[f"system_cost.{name}.{part_name}_handed_over_gbp"] = gbp
                    across[name] += gbp
                    across[handed["line"]] -= gbp
        return across

    def _handed(self, handed: Mapping[str, Any], out: Mapping[str, float]) -> float:
        """The modelled cost a top-down part hands over in one replication, in the report prices: its activity,
        no more than the line paid for (``up_to``, grown with the line), at the unit costs."""
        activity = out.get(handed["metric"], 0.0)
        if handed.get("up_to") is not None:
            activity = min(activity, handed["up_to"])
        return activity * handed["gbp_each"] * self.price_factor

    def _activity(self, part: Mapping[str, Any], payer: str, out: dict) -> None:
        """Add a top-down part's activity change to the activity paid per unit, and its short-run fixed part."""
        change = self._change(part, out)
        if not change:
            return
        fixed = (1.0 - part.get("marginal_share", 1.0)) * change
        for suffix in ("", f"_{payer}"):
            out[f"activity_priced{suffix}_gbp"] = out.get(f"activity_priced{suffix}_gbp", 0.0) + change
            out[f"fixed_in_short_run{suffix}_gbp"] = out.get(f"fixed_in_short_run{suffix}_gbp", 0.0) + fixed

    def _change(self, part: Mapping[str, Any], out: Mapping[str, float]) -> float:
        """The scenario's change of a top-down part, less any of a rise the model already costs bottom-up."""
        change = part["change_gbp"] * self.price_factor
        if change > 0 and part["includes_modelled"]:
            modelled = sum(out.get(f"cost_{s}_gbp", 0.0) for s in part["includes_modelled"])
            change = max(0.0, change - modelled)
        return change

    def _top_down(self, part: Mapping[str, Any], out: Mapping[str, float]) -> float:
        """A top-down part in the report prices: its projected amount plus the scenario's change, less any of
        a rise the model already costs bottom-up (``includes_modelled``) and less the activity it hands over
        to a bottom-up part (``costed_bottom_up``)."""
        amount = part["amount_gbp"] * self.price_factor + self._change(part, out)
        handed = part.get("costed_bottom_up")
        if handed:
            amount -= self._handed(handed, out)
        return max(0.0, amount)
