"""Size the comparators' levers against unconstrained demand (the demand-led do-nothing).

The UK comparator of the business case reduces A&E attendances by 34% and general-medicine admissions by
20% by 2027/28 [@walsall-cabinet-2018, App. 1 §3.4 Figure 8].  Against a do-nothing whose places are
fixed at 2017/18, emergency admissions are capped by the beds, so levers sized there overshoot against
a do-nothing whose places follow demand.  This experiment sizes them against the latter: both scenarios
run in 2027/28 with generous places (three times the base year's, so nothing queues: the demand the
demand-led policy meets) and two groups of levers are scaled through their ``intensity``:

* the A&E diversion levers (the population management hub, extended primary care), to A&E -34%,
  through the shares they divert (so they may grow beyond their first sizes);
* the admission avoidance levers (case management, rapid response and step-up, same-day emergency
  care, discharge to assess, care-home in-reach, social prescribing), to emergency admissions -20%,
  through their intensity (their effects and the places they add, scaled together).

Each is found by the secant method on its own target (A&E first, since diversions also avoid
admissions), with common random numbers.  The international comparator (Clalit: hospital spend -20%,
total -25% [@walsall-cabinet-2018, App. 1 §3.4 Table 4]) has the same schemes taken further; it is
scaled by the same two factors, so it stays "more" than the UK comparator.  ``--write`` puts the
shares and intensities into ``configs/scenario/<scenario>.yaml`` (re-size the demand-led places after:
``python -m sim.size``); ``--start`` begins the search from given factors (e.g. a previous answer).
"""
from __future__ import annotations

import re

import pandas as pd
from _common import options, run_settings

from sim.analysis.statistics import paired_differences
from sim.common.paths import CONFIG_DIR
from sim.inputs.config import load
from sim.jobs.experiment import Experiment
from sim.place import sizing

YEAR = 2027
TARGETS = {"ae_attendances": -34.0, "nel_admissions": -20.0}
GROUPS = {
    "ae_attendances": ["population_management_hub", "extended_primary_care"],
    "nel_admissions": ["locality_case_management", "rapid_response_step_up", "ambulatory_care",
                       "community_beds_discharge_to_assess", "care_home_in_reach", "social_prescribing"],
}
FOLLOWERS = ["international_comparator"]
ITERATIONS = 4
TOLERANCE = 0.5      # percentage points


def main():
    args = options(__doc__, {"--write": "write the shares and intensities into configs/scenario/<scenario>.yaml"},
                   {"--start": {"nargs": 2, "type": float, "default": [1.0, 1.0], "metavar": ("AE", "ADMISSIONS"),
                                    "help": "the factors the search starts from (default 1 1: the levers as written)"}})
    exp = Experiment("size_comparators", out_dir=args.out,
                     question="Which lever intensities give the UK comparator its A&E -34% and emergency admissions "
                              "-20% in 2027/28 against unconstrained demand (the demand-led do-nothing)?")
    settings = run_settings(args, 3) + ([] if args.quick else [f"run.warmup_days={sizing.LONG_WARMUP}",
                                                                f"run.horizon_days={sizing.LONG_WARMUP + 365}"])
    cfg = load([f"run.year={YEAR}"])
    services = sizing.standard_services()
    common = [f"run.year={YEAR}", "capacity_policy=demand_led", "capacity_policy.table=null", *settings,
              *sizing.generous(cfg, services)]
    base = exp.run("do_nothing", ["scenario=do_nothing", *common]).replications
    trials = []

    def change(scenario, factors):
        overrides = [*diversions(scenario, factors["ae_attendances"]),
                     *(f"scenario.levers.{lever}.intensity={factors['nel_admissions']:.4f}" for lever in GROUPS["nel_admissions"])]
        label = f"{scenario}_" + "_".join(f"{factors[t]:.3f}" for t in GROUPS)
        reps = exp.run(label, [f"scenario={scenario}", *common, *overrides]).replications
        diff = paired_differences(pd.concat([base, reps], ignore_index=True), "do_nothing").set_index("metric")
        result = {t: float(diff.loc[t, "relative_pct"]) for t in TARGETS}
        trials.append({"scenario": scenario, **{f"intensity_{t}": factors[t] for t in GROUPS},
                       **{f"{t}_pct": result[t] for t in TARGETS}})
        return result

    factors = dict(zip(GROUPS, args.start))
    result = change("uk_comparator", factors)
    previous = dict.fromkeys(GROUPS, (0.0, 0.0))        # intensity 0: no change
    for _ in range(ITERATIONS):
        if all(abs(result[t] - TARGETS[t]) <= TOLERANCE for t in TARGETS):
            break
        for target in GROUPS:        # secant step on each target's own group
            (x0, y0), x1, y1 = previous[target], factors[target], result[target]
            previous[target] = (x1, y1)
            slope = (y1 - y0) / (x1 - x0) if x1 != x0 else y1 / x1
            cap = 1.0 if target == "nel_admissions" else 1.0 / max(max_share(s, target) for s in ("uk_comparator", *FOLLOWERS))
            factors[target] = min(cap, max(0.05, x1 + (TARGETS[target] - y1) / slope if slope else x1))
        result = change("uk_comparator", factors)
    for scenario in FOLLOWERS:
        change(scenario, factors)
    table = pd.DataFrame(trials)
    exp.table("trials", table, f"each trial's lever intensities and its paired % change from do nothing in {YEAR}/"
                               f"{(YEAR + 1) % 100:02d}, generous places (unconstrained demand)")
    if args.write:
        for scenario in ["uk_comparator", *FOLLOWERS]:
            write(scenario, factors)
    final = table[table["scenario"] == "uk_comparator"].iloc[-1]
    follower = table[table["scenario"] == FOLLOWERS[0]].iloc[-1]
    exp.finish(f"The A&E diversion levers' shares times {factors['ae_attendances']:.3f} and intensity "
               f"{factors['nel_admissions']:.3f} on the admission avoidance levers give the UK comparator A&E attendances "
               f"{final['ae_attendances_pct']:+.1f}% and emergency admissions {final['nel_admissions_pct']:+.1f}% against "
               f"unconstrained demand in {YEAR}/{(YEAR + 1) % 100:02d} (targets -34% and -20%); the international comparator, "
               f"scaled alike, {follower['ae_attendances_pct']:+.1f}% and {follower['nel_admissions_pct']:+.1f}%."
               + (" Written to configs/scenario/." if args.write else " Not written: run with --write."))


def shares(scenario: str) -> dict[str, list[tuple[int, float]]]:
    """``{lever: [(effect index, share)]}`` of the A&E diversion levers' ``divert`` effects, as written."""
    levers = load([f"scenario={scenario}"])["scenario"]["levers"]
    return {lever: [(i, e["divert"]["share"]) for i, e in enumerate(levers[lever]["effects"]) if "divert" in e]
            for lever in GROUPS["ae_attendances"]}


def max_share(scenario: str, target: str) -> float:
    return max(share for effects in shares(scenario).values() for _, share in effects)


def diversions(scenario: str, factor: float) -> list[str]:
    """Overrides scaling the A&E diversion levers' shares by ``factor``."""
    return [f"scenario.levers.{lever}.effects.{i}.divert.share={share * factor:.4f}"
            for lever, effects in shares(scenario).items() for i, share in effects]


def write(scenario: str, factors: dict) -> None:
    """Set the diversion shares and the admission avoidance levers' ``intensity`` in the scenario's YAML
    (comments kept)."""
    path = CONFIG_DIR / "scenario" / f"{scenario}.yaml"
    text = path.read_text()
    for lever, effects in shares(scenario).items():
        for share in dict.fromkeys(s for _, s in effects):
            block = re.compile(rf"(^  {lever}:\n(?:    .*\n)*?)(?=^  \w|\Z)", re.M)
            text = block.sub(lambda m, s=share: m.group(1).replace(f"share: {s:g}}}", f"share: {s * factors['ae_attendances']:.3f}}}"),
                             text, count=1)
    for lever in GROUPS["nel_admissions"]:
        text = re.sub(rf"(^  {lever}:\n(?:    .*\n)*?    intensity: )[0-9.]+", rf"\g<1>{factors['nel_admissions']:.3f}",
                      text, count=1, flags=re.M)
    path.write_text(text)


if __name__ == "__main__":
    main()
