"""The whole-system envelope, projected to the run's year (the ``envelope`` config group), and prices.

A place may declare the budget lines its health and care system is paid from
(``configs/envelope/<place>.yaml``, chosen automatically by the place): for Walsall, the CCG's and the
council's spend by service in 2017/18 [@walsall-cabinet-2018, App. 1 §3.3 Table 3].  Each line is made
of parts; a part is either

*bottom-up* (``modelled: [settings]``): the model's own cost of those settings (``cost_<setting>_gbp``),
from activity and capacity, with an optional ``share`` of the line it is expected to be (a sourced
share, for the reconciliation of the base year: :mod:`sim.analysis.reconciliation`) and, where the
part is known to differ from that share by more than ``part_tolerance``, what ``explained`` it: the
range of the difference the evidence accounts for, in percent of the expected part, derived in the
evidence's own words, beyond which the reconciliation fails all the same::

    explained: {difference_pct: [29, 74], evidence: "... 1.52 times the share; +29% to +74% ..."}

or *top-down*: what the simulation does not represent, as a ``share`` of the line or ``per_head_gbp`` of
the base-year population, projected from the envelope's ``base_year`` by demography (``grows_with``:
``{stream: name}`` the stream's expected arrivals, its rates per 1,000 by age band applied to each
year's population; ``{age_bands: [...]}`` the residents in those bands; nothing: constant in real
terms) and by the scenario's change of the activity it names (``activity``), phased in as the
scenario's levers are.  A scenario states those changes in its ``top_down`` block::

    top_down:
      outpatients: {change: -0.29, source: ...}      # -29% by the scenario's full year

A part whose activity change includes something the model costs bottom-up (``includes_modelled:
[primary_care]``: extended GP access is part of "GP attendances +18%") carries only the rest of the
change, so nothing is counted twice (:mod:`sim.analysis.system_cost` does that per replication).
A top-down part that pays for activity the model simulates and costs bottom-up hands that activity
over (``costed_bottom_up``): it gives up ``metric x days_each x`` the named unit costs a replication,
and that cost is counted in this part's line, which pays for it, not in the line of the part that
costs it.  Planned admissions compete with emergencies for the model's beds, so
their overnight stays are costed with the beds (a part of the same line, named alone); Walsall paid for
its bed-based intermediate care through the Better Care Fund, which its Table 3 reports in another line
(a part of another line, ``line.part``)::

    costed_bottom_up: {metric: elective_admissions, days_each: 3.0, part: emergency_admitted,
                       unit_costs: [acute_bed_available_day_gbp, acute_bed_day_gbp]}
    costed_bottom_up: {metric: ic_bed_capacity_days, days_each: 1.0, unit_costs: [ic_bed_day_gbp],
                       part: intermediate_and_continuing_healthcare.intermediate_care, up_to: 32850}

Planned stays follow demand, and the line pays for them whatever their number.  Places are bought:
``up_to`` is the activity a year the line paid for in the base year, grown with the part as its
amount is, and what the model opens beyond it (places a scenario or a capacity policy adds) is new
spending, not taken out of the line.

Each top-down part says what it ``covers`` (listed by the reconciliation), so no activity is in both.
An envelope names the pathway its settings and streams belong to (``network``); another network (a
textbook queue) runs without it.  ``pooled`` names budgets made of several lines (Wirral's Pot A [@wirral-ich-fbc-2017, Section 4
"Contract Value"]), reported as such.

:func:`apply` compiles the envelope for the run's year into the prepared network
(``network.envelope``), where :mod:`sim.analysis.system_cost` turns it into ``system_cost_gbp``,
``system_cost_nhs_gbp``, ``system_cost_council_gbp`` and each line.  It also puts costs in the
year's prices when ``costs.cash`` is true (cash terms: each year in its own prices at
``costs.inflation_per_year``); otherwise every year is in ``costs.report_price_year`` prices (2017/18
by default: real terms).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..common.checks import check_keys, entries, fraction, number
from ..common.errors import ConfigError, did_you_mean
from ..engine import demography
from ..engine.population import AGE_BANDS, Population
from .levers import ramp

KEYS = {"name", "label", "description", "source", "network", "base_year", "total_gbp", "tolerance", "part_tolerance",
        "lines", "pooled"}
LINE_KEYS = {"label", "budget_gbp", "payer", "parts", "source"}
PART_KEYS = {"label", "modelled", "share", "per_head_gbp", "grows_with", "activity", "includes_modelled", "source",
             "explained", "covers", "costed_bottom_up"}
HANDOVER_KEYS = {"metric", "days_each", "unit_costs", "part", "up_to"}
EXPLAINED_KEYS = {"difference_pct", "evidence"}
PAYERS = ("nhs", "council")
TOP_DOWN_KEYS = {"change", "source", "label"}


def apply(cfg: Mapping[str, Any]) -> dict:
    """The configuration with the envelope compiled for the run's year, and costs in the year's prices when
    ``costs.cash`` is true (a new dict)."""
    out = dict(cfg)
    costs = cfg.get("costs") or {}
    if costs.get("cash"):
        out["costs"] = {**costs, "report_price_year": int(cfg["run"]["year"])}
    spec = cfg.get("envelope")
    if not spec or (spec.get("network") and spec["network"] != (cfg.get("network") or {}).get("name")):
        _top_down(cfg.get("scenario") or {})          # checked all the same; without an envelope nothing takes them
        return out
    out["network"] = {**cfg["network"], "envelope": compile_envelope(cfg)}
    return out


def compile_envelope(cfg: Mapping[str, Any]) -> dict:
    """The envelope's lines for the run's year: for each part, its settings (bottom-up) or its amount in
    the year before and after the scenario's change (top-down), in the envelope's prices."""
    spec = check_keys(cfg["envelope"], KEYS, "envelope")
    year = int(cfg["run"]["year"])
    base_year = int(number(spec.get("base_year"), "envelope.base_year", low=2000, high=2100,
                           allowed="the financial year of the budget lines, e.g. 2017"))
    scenario = cfg.get("scenario") or {}
    changes = _top_down(scenario)
    progress = ramp(scenario, year) * float(scenario.get("intensity", 1.0))
    index = _Drivers(cfg, base_year, year)
    lines = spec.get("lines") or {}
    if not isinstance(lines, Mapping) or not lines:
        raise ConfigError("envelope.lines", lines, "a mapping of budget lines, each {budget_gbp, payer, parts}")
    compiled, used = {}, set()
    marginal = (cfg.get("costs") or {}).get("marginal_share") or {}
    for name, line in lines.items():
        where = f"envelope.lines.{name}"
        check_keys(line, LINE_KEYS, where)
        budget = number(line.get("budget_gbp"), f"{where}.budget_gbp", low=0.0, allowed="the line's spend in pounds")
        payer = line.get("payer")
        if payer not in PAYERS:
            raise ConfigError(f"{where}.payer", payer, f"one of {', '.join(PAYERS)}")
        parts = line.get("parts") or {}
        if not isinstance(parts, Mapping) or not parts:
            raise ConfigError(f"{where}.parts", parts,
                              "a mapping of parts, each modelled (bottom-up) or a share or per_head_gbp (top-down)")
        compiled[str(name)] = {"label": str(line.get("label", name)), "budget_gbp": budget, "payer": payer,
                               "parts": {str(p): _part(part, f"{where}.parts.{p}", budget, index, changes, progress, used,
                                                       marginal) for p, part in parts.items()}}
    for name, line in lines.items():
        _hand_over(compiled, str(name), line["parts"], f"envelope.lines.{name}", cfg.get("costs") or {})
    unused = sorted(set(changes) - used)
    if unused:
        raise ConfigError(f"scenario.top_down.{unused[0]}", changes[unused[0]],
                          f"an activity a part of the envelope names ({', '.join(sorted(used)) or 'none'})")
    return {"name": str(spec.get("name", "")), "base_year": base_year, "lines": compiled,
            "pooled": _pooled(spec.get("pooled") or {}, compiled),
            "total_gbp": number(spec.get("total_gbp", sum(line["budget_gbp"] for line in compiled.values())),
                                "envelope.total_gbp", low=0.0, allowed="the envelope's total in pounds"),
            "tolerance": fraction(spec.get("tolerance", 0.1), "envelope.tolerance"),
            "part_tolerance": fraction(spec.get("part_tolerance", 0.15), "envelope.part_tolerance")}


def _top_down(scenario: Mapping[str, Any]) -> dict[str, float]:
    """The scenario's top-down activity changes at full effect ({activity: change})."""
    out = {}
    for name, spec, where in entries(scenario.get("top_down") or {}, TOP_DOWN_KEYS, "scenario.top_down",
                                     "a mapping of activities to {change, source}"):
        out[name] = number(spec.get("change"), f"{where}.change", low=-1.0, high=10.0,
                                allowed="a relative change at full effect, such as -0.29")
    return out


def _part(part, where, budget, index, changes, progress, used, marginal) -> dict:
    check_keys(part, PART_KEYS, where)
    label = str(part.get("label", where.rsplit(".", 1)[-1]))
    share = None if part.get("share") is None else fraction(part["share"], f"{where}.share", "a share of the line in [0, 1]")
    if part.get("modelled") is not None:
        settings = part["modelled"]
        if not isinstance(settings, list) or not settings or not all(isinstance(s, str) for s in settings):
            raise ConfigError(f"{where}.modelled", settings, "a list of the network's cost settings (cost_<setting>_gbp)")
        for key in ("per_head_gbp", "grows_with", "activity", "includes_modelled", "costed_bottom_up", "covers"):
            if key in part:
                raise ConfigError(f"{where}.{key}", part[key], "nothing on a modelled part (the model projects it)")
        return {"label": label, "modelled": list(settings), "expected_share": share,
                "explained": _explained(part.get("explained"), f"{where}.explained")}
    if "explained" in part:
        raise ConfigError(f"{where}.explained", part["explained"], "nothing on a top-down part (it is its share by construction)")
    if (share is None) == (part.get("per_head_gbp") is None):
        raise ConfigError(where, dict(part), "exactly one of share (of the line) or per_head_gbp (top-down), or modelled (bottom-up)")
    base = budget * share if share is not None else (
        number(part["per_head_gbp"], f"{where}.per_head_gbp", low=0.0, allowed="pounds a resident a year") * index.base_people)
    amount = base * index(part.get("grows_with"), f"{where}.grows_with")
    activity = part.get("activity")
    change = 0.0
    if activity is not None:
        used.add(str(activity))
        change = amount * changes.get(str(activity), 0.0) * progress
    includes = part.get("includes_modelled") or []
    if not isinstance(includes, list) or not all(isinstance(s, str) for s in includes):
        raise ConfigError(f"{where}.includes_modelled", includes, "a list of the network's cost settings")
    covers = part.get("covers", label)
    if not isinstance(covers, str) or not covers.strip():
        raise ConfigError(f"{where}.covers", covers, "a sentence naming the activity the part pays for")
    return {"label": label, "base_gbp": base, "amount_gbp": amount, "change_gbp": change, "includes_modelled": list(includes),
            "share": share, "covers": " ".join(covers.split()), "costed_bottom_up": None,
            "marginal_share": float(marginal.get(str(activity), 1.0)) if activity is not None else 1.0}


def _explained(spec, where: str) -> dict | None:
    """A bottom-up part's explanation: ``{difference_pct: (low, high), evidence}``, a range on one side of zero
    (the direction of the difference the evidence accounts for)."""
    if spec is None:
        return None
    check_keys(spec, EXPLAINED_KEYS, where)
    evidence = spec.get("evidence")
    if not isinstance(evidence, str) or not evidence.strip():
        raise ConfigError(f"{where}.evidence", evidence, "the evidence for the part's difference, deriving its range")
    bounds = spec.get("difference_pct")
    if not isinstance(bounds, list) or len(bounds) != 2:
        raise ConfigError(f"{where}.difference_pct", bounds, "[low, high]: the difference explained, in percent of the expected part")
    low, high = (number(b, f"{where}.difference_pct", low=-100.0, high=1000.0, allowed="a percentage") for b in bounds)
    if not low < high or low < 0 < high:
        raise ConfigError(f"{where}.difference_pct", bounds, "low below high, both on one side of zero (the direction explained)")
    return {"difference_pct": (low, high), "evidence": " ".join(evidence.split())}


def _hand_over(compiled: dict, line: str, parts: Mapping, where: str, costs: Mapping) -> None:
    """Give each top-down part of ``line`` that hands activity to a bottom-up part its ``costed_bottom_up``:
    ``{metric, gbp_each, line, part, up_to}`` (the receiving part and its line; the most activity handed over in
    the run's year, or None), ``gbp_each`` in the unit costs' prices (``days_each`` times their sum)."""
    for name, part in parts.items():
        spec = part.get("costed_bottom_up")
        if spec is None:
            continue
        at = f"{where}.parts.{name}.costed_bottom_up"
        check_keys(spec, HANDOVER_KEYS, at)
        target = str(spec.get("part"))
        to_line, to_part = target.split(".", 1) if "." in target else (line, target)
        if (compiled.get(to_line, {}).get("parts", {}).get(to_part) or {}).get("modelled") is None:
            modelled = [f"{n}.{p}" for n, c in compiled.items() for p, x in c["parts"].items() if x.get("modelled") is not None]
            raise ConfigError(f"{at}.part", spec.get("part"),
                              f"a modelled part of the same line, or line.part of another ({', '.join(modelled) or 'none'})")
        if not isinstance(spec.get("metric"), str):
            raise ConfigError(f"{at}.metric", spec.get("metric"), "the metric counting the activity handed over")
        days = number(spec.get("days_each"), f"{at}.days_each", low=0.0, high=365.0, allowed="days of each unit of the metric")
        names = spec.get("unit_costs")
        if not isinstance(names, list) or not names or any(n not in costs for n in names):
            raise ConfigError(f"{at}.unit_costs", names, "a list of unit costs of the costs group (prices_*.yaml) a day")
        giver = compiled[line]["parts"][str(name)]
        up_to = spec.get("up_to")
        if up_to is not None:
            growth = giver["amount_gbp"] / giver["base_gbp"] if giver["base_gbp"] else 1.0
            up_to = number(up_to, f"{at}.up_to", low=0.0, allowed="the activity a year the line paid for in the base year") * growth
        giver["costed_bottom_up"] = {"metric": spec["metric"], "line": to_line, "part": to_part, "up_to": up_to,
                                     "gbp_each": days * sum(float(costs[n]) for n in names)}


def _pooled(pooled: Mapping, lines: Mapping) -> dict:
    out = {}
    for name, spec, where in entries(pooled, {"label", "lines", "source"}, "envelope.pooled",
                                     "a mapping of pooled budgets, each {label, lines: [...]}"):
        members = spec.get("lines") or []
        for member in members:
            if member not in lines:
                raise ConfigError(f"{where}.lines", member, f"a line of the envelope{did_you_mean(member, lines)}")
        out[name] = {"label": str(spec.get("label", name)), "lines": [str(m) for m in members]}
    return out


class _Drivers:
    """Growth of a top-down part from the envelope's base year to the run's year, by demography only."""

    def __init__(self, cfg: Mapping[str, Any], base_year: int, year: int):
        place = cfg["place"]
        localities = list(place["localities"])
        self.streams = cfg["network"].get("streams") or {}

        def people(y):
            return Population(place, demography.population_scale(place, localities, y)).people.sum(axis=0)
        self.base, self.now = people(base_year), people(year)
        self.base_people = float(self.base.sum())

    def __call__(self, spec, where: str) -> float:
        if spec is None:
            return 1.0
        if not isinstance(spec, Mapping) or len(spec) != 1 or next(iter(spec)) not in ("stream", "age_bands"):
            raise ConfigError(where, spec, "{stream: name} or {age_bands: [...]} (or nothing: constant in real terms)")
        if "stream" in spec:
            name = spec["stream"]
            if name not in self.streams:
                raise ConfigError(f"{where}.stream", name, f"an arrival stream of the network{did_you_mean(name, self.streams)}")
            rates = self.streams[name].get("rate_per_1000")
            if not isinstance(rates, Mapping):
                raise ConfigError(f"{where}.stream", name, "a stream with rates per 1,000 by age band")
            weights = np.array([float(rates.get(a, 0.0)) for a in AGE_BANDS])
        else:
            bands = spec["age_bands"]
            if not isinstance(bands, list) or not bands or any(b not in AGE_BANDS for b in bands):
                raise ConfigError(f"{where}.age_bands", bands, f"a list among {', '.join(AGE_BANDS)}")
            weights = np.array([1.0 if a in bands else 0.0 for a in AGE_BANDS])
        base = float(weights @ self.base)
        return float(weights @ self.now) / base if base else 1.0
