"""Experiment 2: ten-year projection 2017/18 to 2027/28 -- what doing nothing costs, and what the UK and
international comparators save, against two counterfactuals: places fixed at 2017/18 (demand becomes queues)
and places that follow demand (demand becomes cost), each as one continuous run of the ten years."""
from __future__ import annotations

import pandas as pd
from _common import options, run_settings

from sim.analysis import figures
from sim.analysis.comparison import paired_comparison
from sim.analysis.reconciliation import reconcile
from sim.analysis.savings import net_present_value, optimism_adjusted, per_replication
from sim.analysis.statistics import t_interval
from sim.inputs import evidence
from sim.inputs.config import load
from sim.inputs.prepare import prepare
from sim.jobs.experiment import Experiment

SCENARIOS = ["do_nothing", "uk_comparator", "international_comparator"]
COMPARATORS = SCENARIOS[1:]
POLICIES = ["demand_led", "fixed"]
FIRST, LAST = 2017, 2027
# do-nothing whole-system spend 2017/18 -> 2027/28, cash [@walsall-cabinet-2018, App. 1 §3.4.1 "illustrative increase of 12.83%"]
DOCUMENT_GROWTH_PCT = 12.83
# the UK comparator's own do-nothing [@walsall-cabinet-2018, App. 1 §3.5 "an increase of 40% total cost"]
COMPARATOR_DO_NOTHING_PCT = 40.0
# stated reductions by 2027/28 [@walsall-cabinet-2018, App. 1 §3.5 "decrease the overall system cost by 8%" and
# "a reduction in total spend of 25%"]
DOCUMENT_SAVING_PCT = {"uk_comparator": -8.0, "international_comparator": -25.0}
KEEP = ["system_cost_gbp", "system_cost_nhs_gbp", "system_cost_council_gbp", "system_cost_bottom_up_gbp",
        "system_cost_top_down_gbp", "total_cost_gbp", "ae_attendances", "nel_admissions", "ae_4h_pct", "acute_occupancy_mean",
        "acute_bed_days", "acute_delayed_bed_days", "acute_escalation_bed_days", "ic_wait_days_mean",
        "social_care_wait_days_mean", "system_cost.acute_services_gbp", "scheme_cost_gbp", "capacity_change_cost_gbp",
        "ae_corridor_patients", "ae_left_without_being_seen", "acute_stays_shortened", "acute_admissions_turned_away",
        "elective_waiting_list_end", "care_home_spot_placements", "home_care_spot_packages", "ae_12h_waits",
        "ae_12h_waits_pct", "ambulance_handover_hours", "ambulance_handovers_over_1h", "ae_reattendances_7d",
        "acute_admissions_turned_away_returned"]
#: the services whose waiting lists must not run away in the fixed do-nothing (the elective list may: it is the backlog)
WATCHED = ("ae", "acute", "ic_bed", "ic_home", "social_assessment", "home_care", "care_home")
KINDS = ["net_saving_gbp", "cash_releasing_saving_gbp", "cost_avoidance_gbp", "cost_avoidance_capacity_gbp",
         "cost_avoidance_activity_gbp", "scheme_investment_gbp", "freed_capacity_not_released_gbp",
         "net_saving_average_gbp", "cost_avoidance_average_gbp", "provider_income_lost_gbp"]
#: the net saving's variants: (valuation of avoided activity, optimism bias) -> its column
VARIANTS = {("marginal", "unadjusted"): "net_saving_gbp", ("average", "unadjusted"): "net_saving_average_gbp",
            ("marginal", "adjusted"): "net_saving_optimism_adjusted_gbp",
            ("average", "adjusted"): "net_saving_average_optimism_adjusted_gbp"}
#: the one headline saving of each comparator: avoided activity at marginal cost, after optimism bias, against the
#: demand-led do-nothing, in real terms (2017/18 prices); every other variant is a row of savings_variants.csv
HEADLINE = {"valuation": "marginal", "optimism": "adjusted", "policy": "demand_led", "terms": "real"}


def label(scenario: str, policy: str) -> str:
    return f"{scenario}@{policy}"


def fy(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def main():
    args = options(__doc__)
    last = FIRST + 1 if args.quick else LAST
    exp = Experiment("ten_year_projection", out_dir=args.out,
                     question=f"What does doing nothing cost from {fy(FIRST)} to {fy(last)}, and what do the UK and international "
                              "comparators save? Against places fixed at 2017/18 and against places that follow demand, in the "
                              "whole system's cost (the business case's Table 3), in real terms and in cash, by kind of saving.")
    settings = [f"run.year={FIRST}", f"run.end_year={last}", *run_settings(args, 4)]
    summaries, replications = [], []
    for policy in POLICIES:
        for scenario in SCENARIOS:
            res = exp.run(label(scenario, policy), [f"scenario={scenario}", f"capacity_policy={policy}", *settings])
            summaries.append(res.summary.assign(scenario=label(scenario, policy), policy=policy))
            replications.append(res.replications.assign(scenario=label(scenario, policy)))
    summary, reps = pd.concat(summaries, ignore_index=True), pd.concat(replications, ignore_index=True)
    places = summary[summary["metric"].str.startswith(("places.", "places_added."))]
    exp.table("trajectories", summary[summary["metric"].isin(KEEP)],
              "mean and 95% interval by year, scenario and capacity policy (scenario@policy); unstable: not an estimate")
    exp.table("places", places[["scenario", "policy", "year", "metric", "mean"]],
              "places of every service and places added against 2017/18, by year, scenario and policy")
    comparison = compare(reps, summary)
    exp.table("comparison", comparison, "each comparator minus a do-nothing (same policy, and the other policy's), paired by "
                                        "replication and year: differences, then the kinds of saving (difference = amount saved)")
    costs = load([])["costs"]
    npv = present_values(reps, costs, last)
    exp.table("npv", npv, f"net present value {fy(FIRST + 1)}-{fy(last)} of each kind of saving, and of the net saving "
                          "unadjusted and after optimism bias, at marginal and average cost, discounted to "
                          f"{fy(FIRST)} at the Green Book rate (costs.discount_rate), under every counterfactual pairing")
    growth = cost_growth(reps, last)
    exp.table("growth", growth, f"do-nothing system cost growth {fy(FIRST)} to {fy(last)}, real (2017/18 prices) and cash "
                                "(costs.inflation_per_year), per policy, with 95% intervals")
    variants = saving_variants(reps, costs, last)
    exp.table("savings_variants", variants, f"each comparator's net saving in {fy(last)} and its net present value: avoided "
                                            "activity at marginal and at average cost, before and after optimism bias, "
                                            "against both do-nothings, in real and cash terms; `headline` marks the one "
                                            "quoted")
    exp.table("headline", headline_table(variants, growth),
              "each figure the answer sets beside a published one, with the terms of both (a test checks they match)")
    base = summary[(summary["scenario"] == label("do_nothing", "fixed")) & (summary["year"] == FIRST)]
    lines = reconcile(base, prepare(load([f"run.year={FIRST}"]))["network"]["envelope"])
    exp.table("reconciliation", lines, f"{fy(FIRST)} system cost against Table 3, line by line (python -m sim.reconcile for 10 "
                                       "replications)")
    plot(exp, summary, comparison, last)
    exp.finish(answer(summary, comparison, variants, growth, lines, last), method=METHOD)


def compare(reps: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """Each comparator against each do-nothing, with an ``unstable`` column (the metric is unstable in either run,
    the system cost for the kinds of saving)."""
    frames = []
    for baseline in (label("do_nothing", p) for p in POLICIES):
        chosen = reps[reps["scenario"].isin([baseline, *(label(c, p) for c in COMPARATORS for p in POLICIES)])]
        frames.append(paired_comparison(chosen, baseline))
    table = pd.concat(frames, ignore_index=True)
    flags = summary.set_index(["scenario", "year", "metric"])["unstable"]

    def unstable(row):
        if row.metric.startswith(PLACES_ONLY):
            return False
        metric = "system_cost_gbp" if row.metric.startswith(tuple(k[:-len("_gbp")] for k in KINDS)) else row.metric
        return any(bool(flags.get((s, row.year, metric), False)) for s in (row.scenario, row.baseline))
    table["unstable"] = [unstable(r) for r in table.itertuples()]
    return table


def benefit_cut(comparator: str, costs) -> float:
    """The optimism-bias cut of a comparator's benefits: ``costs.optimism_bias_benefits`` times the share of its
    levers' effects whose evidence (configs/evidence/schemes.yaml) is an assumption or includes no effect."""
    schemes = evidence.load()
    statuses = []
    for name, lever in (load([f"scenario={comparator}"])["scenario"].get("levers") or {}).items():
        scheme = schemes.get(evidence.scheme_of(name, lever, schemes) or "")
        for effect in lever.get("effects") or []:
            kind, spec = next(iter(effect.items()))
            for outcome in evidence.outcomes_of(kind, spec if isinstance(spec, dict) else {}):
                found = scheme.effects.get(outcome) if scheme else None
                statuses.append(found.status if found else "assumption")
    assumed = sum(s != "estimate" for s in statuses) / len(statuses) if statuses else 0.0
    return float(costs["optimism_bias_benefits"]) * assumed


def amounts_by_pairing(reps: pd.DataFrame, costs):
    """(scenario, baseline, comparator, amounts by year and replication) of every comparator against every do-nothing,
    with the optimism-adjusted net savings."""
    wide = reps.pivot_table(index=["year", "replication"], columns=["scenario", "metric"], values="value")
    cuts = {c: benefit_cut(c, costs) for c in COMPARATORS}
    for baseline in (label("do_nothing", p) for p in POLICIES):
        for comparator in COMPARATORS:
            for scenario in (label(comparator, p) for p in POLICIES):
                amounts = per_replication(wide[scenario], wide[baseline])
                amounts = optimism_adjusted(amounts, float(costs["optimism_bias_costs"]), cuts[comparator]).reset_index()
                yield scenario, baseline, comparator, amounts


def present_values(reps: pd.DataFrame, costs, last: int) -> pd.DataFrame:
    """NPV of the yearly kinds of saving of each comparator against each do-nothing, from the first scheme year."""
    rate = float(costs["discount_rate"])
    rows = []
    for scenario, baseline, _, amounts in amounts_by_pairing(reps, costs):
        amounts = amounts[amounts["year"] > FIRST]
        for kind in dict.fromkeys([*KINDS, *VARIANTS.values()]):
            mean, low, high, n = net_present_value(amounts.rename(columns={kind: "value"}), rate, FIRST)
            rows.append({"scenario": scenario, "baseline": baseline, "metric": kind, "years": f"{FIRST + 1}-{last}",
                         "discount_rate": rate, "npv_gbp": mean, "ci_low": low, "ci_high": high, "replications": n})
    return pd.DataFrame(rows)


def saving_variants(reps: pd.DataFrame, costs, last: int) -> pd.DataFrame:
    """Each comparator's net saving in the last year (% of its do-nothing's system cost) and its NPV, for every
    valuation, optimism adjustment, counterfactual pairing (each comparator under the do-nothing's own policy) and
    terms: cash multiplies each year's real amount by the year's price index, and its NPV discounts at the nominal
    rate, (1 + discount) (1 + inflation) - 1, so the NPV is the same in both terms."""
    inflation, rate = float(costs["inflation_per_year"]), float(costs["discount_rate"])
    base_cost = reps[(reps["metric"] == "system_cost_gbp") & (reps["year"] == last)]
    rows = []
    for scenario, baseline, comparator, amounts in amounts_by_pairing(reps, costs):
        policy = baseline.split("@")[1]
        if scenario != label(comparator, policy):
            continue
        cost = float(base_cost[base_cost["scenario"] == baseline]["value"].mean())
        later = amounts[amounts["year"] > FIRST]
        for (valuation, optimism), column in VARIANTS.items():
            for terms in ("real", "cash"):
                index = (1.0 + inflation) ** (later["year"] - FIRST) if terms == "cash" else 1.0
                nominal = (1.0 + rate) * (1.0 + inflation) - 1.0 if terms == "cash" else rate
                final = later[later["year"] == last][column] * (index[later["year"] == last] if terms == "cash" else 1.0)
                mean, low, high, n = t_interval(final.to_numpy())
                npv = net_present_value(later.assign(value=later[column] * index), nominal, FIRST)
                rows.append({"comparator": comparator, "scenario": scenario, "baseline": baseline, "policy": policy,
                             "valuation": valuation, "optimism": optimism, "terms": terms, "year": last,
                             "saving_gbp": mean, "ci_low": low, "ci_high": high,
                             "saving_pct": 100.0 * float(later[later["year"] == last][column].mean()) / cost,
                             "npv_gbp": npv[0], "npv_ci_low": npv[1], "npv_ci_high": npv[2], "replications": n,
                             "headline": (valuation, optimism, policy, terms) == tuple(HEADLINE.values())})
    return pd.DataFrame(rows)


def headline_table(variants: pd.DataFrame, growth: pd.DataFrame) -> pd.DataFrame:
    """The figures the answer sets beside published ones, each with its terms: the do-nothing's growth in cash beside
    the business case's cash growth, and each comparator's headline saving as a share of the same year's cost (a
    ratio of one year's costs, the same in real and cash terms) beside the business case's share."""
    cash = growth.set_index(["policy", "metric", "terms"]).loc[("demand_led", "system_cost_gbp", "cash")]
    rows = [{"figure": "do-nothing system cost growth 2017/18 to the last year, demand-led places", "model_pct": cash["growth_pct"],
             "model_terms": "cash", "published_pct": DOCUMENT_GROWTH_PCT, "published_terms": "cash",
             "published": "the business case's do-nothing, its 2017-2019 spending trend"},
]
    for row in variants[variants["headline"]].itertuples():
        rows.append({"figure": f"{row.comparator}: headline net saving, % of the {row.baseline} system cost in {row.year}",
                     "model_pct": -row.saving_pct, "model_terms": "same-year ratio",
                     "published_pct": DOCUMENT_SAVING_PCT[row.comparator], "published_terms": "same-year ratio",
                     "published": "the business case's stated reduction by 2027/28"})
    return pd.DataFrame(rows)


def cost_growth(reps: pd.DataFrame, last: int) -> pd.DataFrame:
    """Do-nothing system cost growth per replication, real and cash, with t-intervals."""
    inflation = load([])["costs"]["inflation_per_year"]
    cash = (1 + inflation) ** (last - FIRST)
    rows = []
    for policy in POLICIES:
        for metric in ("system_cost_gbp", "system_cost_nhs_gbp", "system_cost_council_gbp", "total_cost_gbp",
                       "system_cost_top_down_gbp"):
            chosen = reps[(reps["scenario"] == label("do_nothing", policy)) & (reps["metric"] == metric)]
            by_year = chosen.pivot_table(index="replication", columns="year", values="value")
            ratio = by_year[last] / by_year[FIRST]
            for terms, factor in (("real", 1.0), ("cash", cash)):
                mean, low, high, n = t_interval(100 * (ratio * factor - 1))
                rows.append({"policy": policy, "metric": metric, "terms": terms, "growth_pct": mean, "ci_low": low,
                             "ci_high": high, "replications": n, "inflation_per_year": inflation if terms == "cash" else 0.0})
    return pd.DataFrame(rows)


def plot(exp, summary, comparison, last):
    exp.figure("system_cost", figures.trajectories(summary, "system_cost_gbp", title="Whole-system cost by scenario and policy",
                                                   ylabel="£ million a year, 2017/18 prices", scale=1e-6),
               "Whole-system cost (modelled settings and the envelope's top-down lines), mean and 95% interval per year.")
    exp.figure("bed_days", figures.trajectories(summary, "acute_bed_days", title="Acute bed-days by scenario and policy",
                                                ylabel="bed-days a year"),
               "Acute bed-days (including delayed days), mean and 95% interval per year.")
    final = comparison[(comparison["year"] == last) & comparison["baseline"].eq(label("do_nothing", "demand_led"))]
    exp.figure("differences_final_year", figures.differences(
        final, ["system_cost_gbp", "total_cost_gbp", "ae_attendances", "nel_admissions", "acute_bed_days", "ae_4h_pct"],
        title=f"{fy(last)}: change from the demand-led do nothing"),
        f"Paired % change from the demand-led do-nothing in {fy(last)}, 95% intervals (common random numbers).")


NAMES = {"uk_comparator": "The UK comparator", "international_comparator": "The international comparator"}
#: kinds of saving counted in places alone (configured places at fixed unit costs): never unstable
PLACES_ONLY = ("cash_releasing_saving", "cost_avoidance_capacity")


def _m(x: float) -> str:
    return f"{'-' if x < 0 else ''}£{abs(x) / 1e6:,.1f}m"


def _ci(row, scale=1e-6, unit="m") -> str:
    return f"95% interval {row['ci_low'] * scale:,.1f} to {row['ci_high'] * scale:,.1f}{unit}"


class _Quote:
    """Figures for the answer, each checked for the unstable flag (never quoted as an estimate)."""

    def __init__(self, summary, comparison):
        self.summary = summary.set_index(["scenario", "year", "metric"])
        self.comparison = comparison.set_index(["scenario", "baseline", "year", "metric"])

    def level(self, scenario, year, metric, fmt="{:,.0f}"):
        row = self.summary.loc[(scenario, year, metric)]
        return "unstable (not an estimate)" if row["unstable"] else fmt.format(row["mean"])

    def change(self, scenario, baseline, year, metric):
        row = self.comparison.loc[(scenario, baseline, year, metric)]
        text = f"{row['relative_pct']:+.1f}%"
        return text + (" (unstable: not an estimate)" if row["unstable"] else "")

    def amount(self, scenario, baseline, year, metric):
        row = self.comparison.loc[(scenario, baseline, year, metric)]
        if row["unstable"]:
            return "unstable (not an estimate)"
        return f"{_m(row['difference'])} ({_ci(row)})"


def fixed_years(q, scenario, last) -> str:
    """The fixed do-nothing year by year: 4-hour performance and 12-hour waits, occupancy, what the responses to
    pressure carry and what comes back of them (re-attendances, ambulance handovers over an hour)."""
    rows = []
    for year in range(FIRST, last + 1):
        rows.append(f"{fy(year)}: 4-hour {q.level(scenario, year, 'ae_4h_pct', '{:.1f}%')}, 12 hours from arrival "
                    f"{q.level(scenario, year, 'ae_12h_waits')}, occupancy "
                    f"{q.level(scenario, year, 'acute_occupancy_mean', '{:.1f}%')}, escalation bed-days "
                    f"{q.level(scenario, year, 'acute_escalation_bed_days')}, corridor patients "
                    f"{q.level(scenario, year, 'ae_corridor_patients')}, left before being seen "
                    f"{q.level(scenario, year, 'ae_left_without_being_seen')}, re-attendances within 7 days "
                    f"{q.level(scenario, year, 'ae_reattendances_7d')}, ambulance handovers over an hour "
                    f"{q.level(scenario, year, 'ambulance_handovers_over_1h')}, elective waiting list "
                    f"{q.level(scenario, year, 'elective_waiting_list_end')}")
    return "; ".join(rows)


def runaway(summary, scenario) -> str:
    """Which watched services' waiting lists ran away (``unstable_<service>``: share of replications), by year."""
    flags = summary[(summary["scenario"] == scenario) & summary["metric"].isin([f"unstable_{s}" for s in WATCHED])
                    & (summary["mean"] > 0)]
    held = summary[(summary["scenario"] == scenario) & summary["metric"].str.startswith("held_by_giving_up_")
                   & (summary["mean"] >= 0.5)]
    held_text = "" if held.empty else (
        " Waiting lists held only by patients giving up (over 5% of those who joined gave up: their waits understate "
        "the need): " + "; ".join(f"{m.removeprefix('held_by_giving_up_')} {', '.join(fy(int(y)) for y in rows['year'])}"
                                  for m, rows in held.groupby("metric", sort=False)) + ".")
    if flags.empty:
        return ("No waiting list of A&E, acute beds, intermediate care or social care ran away in any year or replication "
                "(`unstable_<service>`)." + held_text)
    ran = "; ".join(f"{m.removeprefix('unstable_')} {fy(int(y))} {v:.0%}"
                    for m, y, v in zip(flags["metric"], flags["year"], flags["mean"]))
    return f"Waiting lists that ran away (share of replications): {ran}.{held_text}"


def answer(summary, comparison, variants, growth, lines, last) -> str:
    q = _Quote(summary, comparison)
    led, fixed = label("do_nothing", "demand_led"), label("do_nothing", "fixed")
    g = growth.set_index(["policy", "metric", "terms"])
    total = lines[lines["line"] == "total"].iloc[0]
    added = summary[(summary["scenario"] == led) & (summary["year"] == last) & summary["metric"].str.startswith("places_added.")]
    added = "; ".join(f"{m.split('.', 1)[1]} {v:+,.0f}" for m, v in zip(added["metric"], added["mean"]) if abs(v) >= 1)

    def grow(policy, terms, metric="system_cost_gbp"):
        row = g.loc[(policy, metric, terms)]
        return f"{row['growth_pct']:+.1f}% ({row['ci_low']:+.1f} to {row['ci_high']:+.1f})"
    text = [
        f"**{fy(FIRST)}.** The whole system costs {_m(total['system_gbp'])} in the model against Table 3's "
        f"{_m(total['budget_gbp'])}: {_m(total['bottom_up_gbp'])} bottom-up and {_m(total['top_down_gbp'])} top-down, a residual "
        f"of {_m(total['residual_gbp'])} ({total['residual_pct']:+.1f}%), shown line by line in `reconciliation.csv`.",
        f"**Doing nothing, places following demand.** To hold 2017/18's standard the services need by {fy(last)}: {added}. "
        f"A&E 4-hour performance {q.level(led, FIRST, 'ae_4h_pct', '{:.1f}%')} -> {q.level(led, last, 'ae_4h_pct', '{:.1f}%')}, "
        f"acute occupancy {q.level(led, FIRST, 'acute_occupancy_mean', '{:.1f}%')} -> "
        f"{q.level(led, last, 'acute_occupancy_mean', '{:.1f}%')}, emergency admissions "
        f"{q.level(led, FIRST, 'nel_admissions')} -> {q.level(led, last, 'nel_admissions')}. In cash (prices rising "
        f"{100 * growth['inflation_per_year'].max():.0f}% a year, an assumption) the system cost grows {grow('demand_led', 'cash')}, "
        f"against the business case's +{DOCUMENT_GROWTH_PCT}% in cash (its 2017-2019 spending trend, not a demand model, after "
        f"years of cuts). In real terms (2017/18 prices) it grows {grow('demand_led', 'real')}. The UK comparator's own "
        f"do-nothing, +{COMPARATOR_DO_NOTHING_PCT:.0f}% (acute activity +10%, adult social care +30%), is another system's "
        "figure whose terms the business case does not state, so it is not set beside these. The modelled settings alone grow "
        f"{grow('demand_led', 'real', 'total_cost_gbp')} in real terms, the top-down lines (grown by demography only) "
        f"{grow('demand_led', 'real', 'system_cost_top_down_gbp')}; the NHS's share {grow('demand_led', 'real', 'system_cost_nhs_gbp')}, "
        f"the council's {grow('demand_led', 'real', 'system_cost_council_gbp')}.",
        f"**Doing nothing, places fixed.** The system cost grows {grow('fixed', 'real')} in real terms: demand becomes queues "
        f"and the responses to pressure, not cost. By year, {fixed_years(q, fixed, last)}. {runaway(summary, fixed)}",
    ]
    for comparator in COMPARATORS:
        c_led, c_fixed = label(comparator, "demand_led"), label(comparator, "fixed")
        mine = variants[variants["comparator"] == comparator]
        head = mine[mine["headline"]].iloc[0]
        text.append(
            f"**{NAMES[comparator]}: the headline saving** (avoided activity at marginal cost, after optimism bias, "
            f"against the demand-led do-nothing, in 2017/18 prices) is {_m(head['saving_gbp'])} in {fy(last)} ({_ci(head)}), "
            f"{head['saving_pct']:.1f}% of that year's system cost (the business case: {-DOCUMENT_SAVING_PCT[comparator]:.0f}%, "
            f"a share of the same year's cost), and {_m(head['npv_gbp'])} net present value {fy(FIRST + 1)}-{fy(last)} at the "
            f"Green Book's 3.5%. Its other variants (`savings_variants.csv`: average cost, before optimism bias, against the "
            f"fixed do-nothing, in cash) run from {_m(mine['npv_gbp'].min())} to {_m(mine['npv_gbp'].max())} in net present "
            f"value; at average cost and unadjusted, against the demand-led do-nothing, {_m(_pick(mine, 'average', 'unadjusted'))}.")
        text.append(
            f"**{NAMES[comparator]}, {fy(last)}, against the demand-led do-nothing:** A&E attendances "
            f"{q.change(c_led, led, last, 'ae_attendances')}, emergency admissions {q.change(c_led, led, last, 'nel_admissions')}, "
            f"system cost at average cost {q.change(c_led, led, last, 'system_cost_gbp')}. Of the net saving at marginal cost, "
            f"before optimism bias, of {q.amount(c_led, led, last, 'net_saving_gbp')}: "
            f"cash-releasing {q.amount(c_led, led, last, 'cash_releasing_saving_gbp')}, cost avoidance "
            f"{q.amount(c_led, led, last, 'cost_avoidance_gbp')} (capacity {q.amount(c_led, led, last, 'cost_avoidance_capacity_gbp')}, "
            f"activity {q.amount(c_led, led, last, 'cost_avoidance_activity_gbp')}), less the schemes' investment "
            f"{q.amount(c_led, led, last, 'scheme_investment_gbp')}; NHS {q.amount(c_led, led, last, 'net_saving_nhs_gbp')}, council "
            f"{q.amount(c_led, led, last, 'net_saving_council_gbp')}; capacity freed but not released "
            f"{q.amount(c_led, led, last, 'freed_capacity_not_released_gbp')}; the providers' income lost with the activity "
            f"avoided (its average price) {q.amount(c_led, led, last, 'provider_income_lost_gbp')}. "
            f"Against the fixed do-nothing, with its own places fixed: system cost {q.change(c_fixed, fixed, last, 'system_cost_gbp')}, "
            f"emergency admissions {q.change(c_fixed, fixed, last, 'nel_admissions')}, cash-releasing "
            f"{q.amount(c_fixed, fixed, last, 'cash_releasing_saving_gbp')}; with its places following demand, against the fixed "
            f"do-nothing: system cost {q.change(c_led, fixed, last, 'system_cost_gbp')}.")
    return "\n\n".join(text)


def _pick(variants, valuation, optimism) -> float:
    """The real-terms NPV of one variant against the demand-led do-nothing."""
    row = variants[(variants["valuation"] == valuation) & (variants["optimism"] == optimism)
                   & (variants["policy"] == "demand_led") & (variants["terms"] == "real")]
    return float(row["npv_gbp"].iloc[0])


METHOD = """Six continuous runs of 2017/18 to 2027/28 (`run.year=2017 run.end_year=2027`): do nothing and the two
comparators, each under `capacity_policy=demand_led` (each standard service sized year by year to hold its 2017/18
occupancy: `configs/capacity_policy/demand_led.csv`, `python -m sim.size`; the comparators' own places on top) and
under `capacity_policy=fixed` (2017/18 places, the comparators' own places on top). Acute beds open and close a 28-bed
ward at a time, closures a year after the beds are free (the double running). The comparators' levers are sized
against unconstrained demand (`experiments/size_comparators.py`). The whole-system cost adds the
envelope's top-down lines (`configs/envelope/walsall.yaml`), grown by demography and the comparators' outpatient and GP
changes. Replications share random numbers across all six runs, so every comparison, the cross-policy ones included,
is paired. A figure from a service whose waiting list grew without levelling off is marked unstable and never quoted
as an estimate. Costs in 2017/18 prices; cash growth applies `costs.inflation_per_year`; net present values discount
at `costs.discount_rate`. Avoided activity is valued at marginal cost (`costs.marginal_share`), average cost the
labelled alternative; optimism bias uplifts the schemes' investment by `costs.optimism_bias_costs` (the Green Book's
outsourcing upper bound) and cuts the benefits resting on assumed effects (the evidence register's statuses) by
`costs.optimism_bias_benefits`. A model figure is set beside a published one only in the same terms (`headline.csv`)."""


if __name__ == "__main__":
    main()
