"""The written study: tables, figures and a README whose every number is computed from the runs."""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import analysis, chain, discrepancy, history, learning, plots, refocus, sensitivity, summary
from .judging import judged_runs


def _gbp(value: float) -> str:
    return f"-£{abs(value) / 1e6:.1f}m" if value < 0 else f"£{value / 1e6:.1f}m"


def _ranges_table(study) -> pd.DataFrame:
    resolved = study.resolved
    rows = []
    for rng in resolved.ranges.ranges:
        keys = resolved.keys(rng.name)
        rows.append({"range": rng.name, "apply": rng.apply, "distribution": rng.describe(),
                     "central": resolved.central(rng), "keys": len(keys), "first_keys": "; ".join(keys[:3]),
                     "scenarios": "; ".join(rng.scenarios) or "every scenario", "label": rng.label, "source": rng.source})
    return pd.DataFrame(rows)


def write(exp, study, outcome, psa, weight, implausible, matched, split, sens, timings, top: int) -> None:
    s = study.settings
    year = max(study.years)
    exp.table("draws", outcome.draws, "each draw's seed and value of every range (a multiplier, a shift, or the value)")
    exp.table("ranges", _ranges_table(study), "the ranges: how each is applied, its distribution, its keys and source")
    if not outcome.places.empty:
        exp.table("places", outcome.places,
                  "each draw's demand-led places, sized for it: every standard service's (and part's) load in the draw's "
                  "unconstrained run over the central draw's (factor), and the places that gives beside the central table's")
    exp.table("psa", psa[["draw", "scenario", "year", "metric", "value"]],
              "each draw's result (mean over its replications) by scenario and year; `<scenario> vs do_nothing` rows "
              "are paired differences, with net_saving_gbp = do-nothing cost minus the scenario's (the whole system's, "
              "system_cost_gbp, where the network has one; net_saving_modelled_gbp: the modelled settings' total_cost_gbp)")
    table = summary.summarise(psa, weight)
    exp.table("psa_summary", table, "mean, P10, P50 and P90 over the draws kept by history matching (weighted), leaving out "
              "draws that ran away (draws_ran_away; the ran_away rows give the share that did)")
    headline = summary.headline(psa, weight)
    if not headline.empty:
        exp.table("headline", headline, "net saving against do-nothing over the draws history matching kept "
                  "(draws_counted): P10/P50/P90 over those where neither run ran away (draws), and with the runs that "
                  "ran away at the value they reached (_with_ran_away); the probabilities of a saving, a loss and "
                  "running away (the system does not cope), over the same draws")
    plausible = _plausible_headline(study, psa, implausible)
    if not plausible.empty:
        exp.table("headline_plausible", plausible,
                  "net saving against do-nothing over the draws of every wave of the chain (this one included) whose "
                  "2017/18 baseline passed history matching, equally weighted, leaving out draws that ran away")
    central = outcome.central.groupby(["scenario", "year", "metric"])["value"].agg(["mean", "std", "count"]).reset_index()
    exp.table("central", central[central["metric"].isin(set(psa["metric"]) | set(implausible.columns))],
              f"the ordinary run at the central values (seed run.seed, {s.noise_replications} replications)")
    if not implausible.empty:
        baseline = judged_runs(study, outcome.replications)
        exp.table("baseline", baseline.groupby(["draw", "year", "metric"])["value"].mean().reset_index(),
                  "each draw's 2017/18 baseline (mean over its replications) of every calibration target: what history "
                  "matching judged")
        exp.table("history_matching", pd.concat([implausible, history.criteria(implausible)], axis=1)
                  .assign(weight=weight.reindex(implausible.index)).rename_axis("draw").reset_index(),
                  "implausibility of each draw's 2017/18 baseline against each calibration target, the largest and "
                  "second-largest over the targets (each judged against the cut-off), and the draw's weight")
        exp.table("discrepancy", pd.DataFrame(discrepancy.table(study.discrepancy, study.targets)),
                  f"the model discrepancy of each calibration target, stated before the runs "
                  f"({study.discrepancy['path']}), as a standard deviation in the target's unit, with its reason")
        exp.table("history_sensitivity", pd.DataFrame(matched["by_discrepancy"]),
                  f"draws within implausibility {matched['threshold']:g} with a model discrepancy (a share of each target) "
                  "and by the largest, second or third largest implausibility over the targets: reported, not used")
    if study.refocused is not None:
        exp.table("refocus", study.refocused["emulators"],
                  f"the emulator of each calibration target of each earlier wave behind the refocusing on "
                  f"{study.refocused['from']}: the ranges it works on, its cross-validated R², the share it rules out "
                  "of the candidate points the waves before it left, its check on held-out runs (misclassified: ruled "
                  "out by the emulator though the run is not implausible; variance_inflation: the widening of its variance that "
                  "keeps them, applied before it rules out) and, for the last wave, its variance over "
                  "the space left against the target's observation and discrepancy variance")
        exp.table("waves", per_wave(study, implausible, timings),
                  "each wave of the chain: draws, non-implausible draws (largest and second-largest implausibility at "
                  "most the cut-off), the share of the input space ruled out before it was drawn, its emulators' lowest "
                  "cross-validated R², held-out runs and misclassified ones (as fitted), the largest widening of an "
                  "emulator's variance that took those in, and the minutes it took")
    split = split[split["metric"].isin(set(psa["metric"]))]
    exp.table("variance", split, "share of each result's variance from the parameters rather than chance (method named)")
    indices = [x["indices"] for x in sens if not x["indices"].empty]
    if indices:
        exp.table("sensitivity", pd.concat(indices, ignore_index=True).rename(columns={"metric": "metric"}),
                  "sensitivity indices: metric (scenario, year, result), parameter (range), method, index "
                  "(S1, ST, mu_star, sigma), value and 95% interval")
    emulated = [x for x in sens if "check" in x]
    if emulated:
        exp.table("emulator", pd.DataFrame([x["check"] for x in emulated]),
                  "the emulator behind the Sobol indices: the draws it is fitted to (those that did not run away), its "
                  "cross-validated R² (5-fold), noise share and scale")
        exp.table("tornado", pd.concat([x["tornado"] for x in emulated], ignore_index=True),
                  "each range at its P10 and P90 with the others at their medians (emulator)")
        exp.table("switching_values", pd.concat([x["switching"] for x in emulated], ignore_index=True),
                  "for the leading ranges of each result, the value at which the result crosses zero (emulator)")
        exp.figure("emulator_check", plots.emulator_check([x["check"] | {"observed": x["observed"], "predicted": x["predicted"]}
                                                           for x in emulated]),
                   "Emulator check: each draw's result against the emulator's out-of-sample (5-fold) prediction.")
        for x in emulated:
            slug = x["check"]["result"].replace(" vs ", "_vs_").replace(": ", "_").replace(" ", "_").replace(".", "_")
            exp.figure(f"tornado_{slug}", plots.tornado(x["tornado"], x["check"]["result"], top),
                       f"Tornado: {x['check']['result']} with each range at its P10 and P90, the others at their medians "
                       "(read off the emulator).")
            if not x["sobol_withheld"]:
                exp.figure(f"sobol_{slug}", plots.sobol_bars(x["indices"], x["check"]["result"], top),
                           f"First-order and total Sobol indices of {x['check']['result']} (emulator; 95% bootstrap "
                           "intervals).")
    if s.design in ("lhs", "sobol"):
        scenarios = [x for x in table["scenario"].unique() if not learning.is_judged(x)]
        cost = summary.cost_metric(table["metric"])
        levels = [(sc, m) for sc in scenarios if " vs " not in sc for m in (cost, summary.BED_NEED)
                  if m in set(table["metric"])]
        if levels:
            exp.figure("distributions", plots.s_curves(psa[psa["year"] == year], weight, levels, f"Results in {year}"),
                       f"Distribution over the draws (S-curves, P10/P50/P90 dotted) of each headline result in {year}.")
        diffs = [(sc, m) for sc in scenarios if " vs " in sc for m in (summary.SAVING, summary.BED_NEED)
                 if m in set(table["metric"])]
        if diffs:
            exp.figure("differences", plots.s_curves(psa[psa["year"] == year], weight, diffs, "Paired difference from do-nothing"),
                       f"Distribution over the draws of each scenario's paired difference from do-nothing in {year} "
                       "(net saving: positive saves money).")
        if not headline.empty:
            exp.figure("probability_of_saving", plots.saving_probability(headline),
                       "Probability that each scenario costs less than do-nothing (share of the kept draws).")
        if len(study.years) > 1:
            for metric in (cost, summary.SAVING):
                exp.figure(f"fan_{metric}", plots.fan_chart(table, metric, scenarios),
                           f"{metric} by year: P50 with the P10-P90 band over the draws.")
    exp.runs["study"] = {"settings": recorded(s),
                         "ranges_file": str(study.ranges.path), "history_matching": matched,
                         "refocus": ({k: v for k, v in study.refocused.items() if k != "emulators"}
                                     if study.refocused is not None else None),
                         "runs": vars(outcome.stats), "timings": timings, "scenario_draws": outcome.scenario_draws,
                         "seconds_per_run": round(outcome.stats.job_seconds / max(1, outcome.stats.ran), 2)}
    timing = (f" {outcome.stats.jobs} runs ({outcome.stats.ran} run here, {outcome.stats.reused} from the job cache) in "
              f"{timings['total_seconds'] / 60:.1f} minutes: setup {timings['setup_seconds']:.0f} s, runs {timings['run_seconds']:.0f} s"
              + (f" (sizing each draw's places {timings['sizing_seconds']:.0f} s of them)" if timings.get("sizing_seconds") else "")
              + ", "
              f"analysis {timings['analysis_seconds']:.0f} s.")
    exp.finish(answer(study, outcome, headline, table, matched, split, sens, top, runaways(outcome), plausible) + timing,
               method=METHOD)


def recorded(settings) -> dict:
    """A study's settings as its manifest records them: paths and other objects as text."""
    return {k: (str(v) if v is not None and not isinstance(v, (int, float, list, str)) else v)
            for k, v in vars(settings).items()}


WHOSE = {summary.SYSTEM_COST: "whole system, system_cost_gbp", summary.MODELLED_COST: "modelled settings, total_cost_gbp"}
FEW_DRAWS = 20         # fewer draws than this: their P10 and P90 are not percentiles one can quote
METHOD = """Ranges (80% intervals or named distributions) on every uncertain input, by full Hydra key or by group
(`configs/uncertainty/default.yaml`, or `--ranges`); a Latin hypercube over them (seeded); each draw written into the
composed configuration of each scenario (probability tables renormalised) and run with its own seed, `run.seed + draw`,
shared by every scenario (common random numbers within a draw, independent chance between draws). Each draw's 2017/18
baseline is history matched against the calibration targets (implausibility counting the model's replication variance,
the target's tolerance and any discrepancy; kept at most 3). Sobol indices come from a Gaussian-process emulator fitted to
the draws (checked by 5-fold cross-validation), the tornado and switching values from the same emulator one range at a
time; the variance split is O'Hagan, Stevenson & Madan's (2007) estimator. Details: `sim/uncertainty/`."""


def per_wave(study, implausible: pd.DataFrame, timings: dict) -> pd.DataFrame:
    """The per-wave table of a refocused wave's chain, this wave last (:mod:`sim.uncertainty.chain`)."""
    chain_folders = study.refocused["chain"]
    here = chain.summarise(len(chain_folders) + 1, "(this wave)", implausible.reset_index(drop=True),
                           {k: v for k, v in study.refocused.items() if k != "emulators"}, study.refocused["emulators"],
                           timings.get("total_seconds", np.nan), study.settings.threshold,
                           timings.get("setup_seconds", np.nan))
    return pd.concat([chain.table(chain_folders, study.settings.threshold), pd.DataFrame([here])], ignore_index=True)


def runaways(outcome) -> list[str]:
    """Per scenario: how many draws ran away (a waiting list grew without levelling off), and where."""
    reps = outcome.replications[outcome.replications["metric"].str.startswith(summary.FLAG)
                                & ~outcome.replications["scenario"].map(learning.is_judged)]
    words = []
    for scenario, group in reps.groupby("scenario", sort=True):
        flagged = group.groupby(["draw", "metric"])["value"].mean() >= summary.RAN_AWAY_SHARE
        by_service = flagged[flagged].groupby("metric").size().sort_values(ascending=False)
        draws = flagged[flagged].index.get_level_values("draw").nunique()
        if draws:
            where = ", ".join(f"{m[len(summary.FLAG):]} {n}" for m, n in by_service.items())
            words.append(f"{scenario} {draws} of {group['draw'].nunique()} ({where})")
    return words


def _plausible_headline(study, psa: pd.DataFrame, implausible: pd.DataFrame) -> pd.DataFrame:
    """A refocused wave's headline over the plausible draws of its whole chain of waves (empty otherwise)."""
    if study.refocused is None or implausible.empty:
        return pd.DataFrame()
    earlier, passed, offset = refocus.plausible_draws(study.refocused["chain"], study.settings.threshold)
    mine = (implausible.max(axis=1) <= study.settings.threshold).astype(float).rename(lambda d: d + offset)
    pooled = pd.concat([earlier, psa.assign(draw=psa["draw"] + offset)], ignore_index=True)
    found = summary.headline(pooled, pd.concat([passed, mine]))
    return found.assign(waves=len(study.refocused["chain"]) + 1, plausible_draws=int(passed.sum() + mine.sum()))


def _by_discrepancy(matched: dict) -> str:
    """How many draws other history-matching choices would keep (history_sensitivity.csv), in words."""
    table = pd.DataFrame(matched.get("by_discrepancy") or [])
    if table.empty:
        return ""
    kept = table.pivot(index="discrepancy", columns="criterion", values="kept")
    allowed = [d for d in kept.index if d > 0]
    if not allowed:
        return ""
    shares = ", ".join(f"{d:.0%}" for d in allowed)
    second = kept["second_largest"] if "second_largest" in kept else None
    return (f" Other history-matching choices (history_sensitivity.csv; reported, not used: no discrepancy was chosen "
            f"after seeing which draws it keeps): with a model discrepancy of {shares} of each target added to its "
            f"uncertainty, {', '.join(str(kept.loc[d, 'largest']) for d in allowed)} draws would pass"
            + (f"; judged by the second-largest implausibility instead of the largest, {second.iloc[0]} with no "
               f"discrepancy and {second.loc[allowed[-1]]} with {allowed[-1]:.0%}." if second is not None else "."))


def answer(study, outcome, headline, table, matched, split, sens, top, ran=(), plausible=None) -> str:
    parts = []
    if study.refocused is not None:
        r = study.refocused
        waves = (f"its {r['draws_fitted']} draws" if r["waves"] == 1 else
                 f"the {r['draws_fitted']} draws of its {r['waves']} waves ({', '.join(r['chain'])}), each wave's to its own")
        parts.append(f"A refocusing wave on {r['from']}: emulators of its {r['targets']} calibration targets, fitted to "
                     f"{waves}, rule out {1 - r['share_not_ruled_out']:.1%} of {r['candidates']:,} "
                     f"candidate points of the stated ranges; the {matched['draws']} draws here are drawn from the "
                     f"{r['share_not_ruled_out']:.1%} left. Their ranges are not independent, so no Sobol indices are "
                     "computed on them: which assumptions matter is the earlier wave's answer.")
    if matched["mode"] == "none":
        parts.append(f"{matched['draws']} draws, all kept (no history matching).")
    else:
        worst = ", ".join(f"{k} ({v})" for k, v in list(matched.get("rejected_by", {}).items())[:4])
        learned = sorted({name.split("@")[1] for name in study.targets if "@" in name})
        judged = "2017/18 baseline" + (f" and runs of the hindcast's learning years ({', '.join(learned)})" if learned else "")
        parts.append(f"History matching: {matched['plausible']} of {matched['draws']} draws have a {judged} within "
                     f"implausibility {matched['threshold']:g} of every target"
                     + (f" (the worst-fitting target of the others: {worst})" if worst else "")
                     + (f"; {matched['plausible_second']} are within it on their second-largest implausibility"
                        if "plausible_second" in matched else "")
                     + (f", with the model discrepancy stated in {matched['discrepancy_file']} (discrepancy.csv)"
                        if matched.get("discrepancy_file") else "") + "; "
                     + ("the summaries use every draw, equally weighted (--history-match report), so they show the spread "
                        "of the stated ranges, wider than the calibration allows." if matched["mode"] == "report"
                        else f"the summaries use the {matched['kept']} draws kept ({matched['mode']}).")
                     + _by_discrepancy(matched)
                     + (" Run a refocusing wave (--refocus on this folder) to draw where the baseline can still be "
                        "reproduced." if matched["plausible"] < matched["draws"] / 4 and study.refocused is None else ""))
    if study.settings.judge_first:
        parts.append(f"Judged first (--judge-first): each draw's history-matching runs came first, and only the "
                     f"{outcome.scenario_draws} draws kept had their places sized and their scenarios run; psa.csv and "
                     "places.csv hold theirs alone, and the variance split is over them.")
    if not outcome.places.empty:
        grown = outcome.places.groupby(["draw", "scenario"])["factor"].max()
        parts.append(f"Each draw's demand-led places are sized for that draw (places.csv): every standard service's places "
                     f"scaled by the draw's own unconstrained load over the central one (the largest factor of a draw "
                     f"P10 {grown.quantile(0.1):.2f}, P50 {grown.median():.2f}, P90 {grown.quantile(0.9):.2f}), so no "
                     "draw waits for places the policy would have opened.")
    if ran:
        parts.append(f"Draws that ran away (a waiting list grew without levelling off, so waits and costs grow with the "
                     f"run's length and are not estimates): {'; '.join(ran)}. They stay in the results as an outcome, "
                     "the system not coping with the places it has (probability_ran_away in headline.csv); the "
                     "percentiles are given without them and, in headline.csv, with them at the value they reached.")
    if study.settings.design in ("morris", "saltelli"):
        parts.append("These draws are a screening design (Morris trajectories on a grid of each range's 80% interval, or "
                     "Saltelli's design), not a sample of the ranges: the spreads and shares here and in psa_summary.csv "
                     "describe the design's points, not percentiles or probabilities to quote.")
    for r in headline.itertuples():
        with_ran = (f" With the {r.draws_ran_away} that ran away at the value they reached: P10 "
                    f"{_gbp(r.net_saving_p10_with_ran_away_gbp)}, P50 {_gbp(r.net_saving_p50_with_ran_away_gbp)}, P90 "
                    f"{_gbp(r.net_saving_p90_with_ran_away_gbp)}." if r.draws_ran_away else "")
        parts.append(f"{r.comparison}, {r.year}: net saving ({WHOSE[r.cost]}) over the {r.draws} of "
                     f"{r.draws_counted} {'non-implausible ' if matched['mode'] == 'reject' else ''}draws where neither "
                     f"run ran away: P10 {_gbp(r.net_saving_p10_gbp)}, P50 {_gbp(r.net_saving_p50_gbp)}, "
                     f"P90 {_gbp(r.net_saving_p90_gbp)}.{with_ran} Probability of a saving {r.probability_saving:.0%}, "
                     f"of a loss {r.probability_loss:.0%}, of running away {r.probability_ran_away:.0%}."
                     + (f" Only {r.draws} draws: their P10 and P90 are the spread of a handful, not percentiles to quote."
                        if r.draws < FEW_DRAWS else ""))
    for r in (plausible if plausible is not None else pd.DataFrame()).itertuples():
        parts.append(f"Over the draws of all {r.waves} waves whose 2017/18 baseline passed history matching "
                     f"({r.plausible_draws}, of which {r.draws} where neither run ran away; headline_plausible.csv), "
                     f"{r.comparison}, {r.year}: net saving P10 {_gbp(r.net_saving_p10_gbp)}, P50 "
                     f"{_gbp(r.net_saving_p50_gbp)}, P90 {_gbp(r.net_saving_p90_gbp)}; probability of a saving "
                     f"{r.probability_saving:.0%}, of a loss {r.probability_loss:.0%}, of running away "
                     f"{r.probability_ran_away:.0%}." + (f" Only {r.draws} draws: a range, not percentiles to quote."
                                                       if r.draws < FEW_DRAWS else ""))
    for x in sens:
        ranked = x["indices"]
        check = f" (emulator cross-validated R² {x['check']['cv_r2']:.2f})" if "check" in x else ""
        if x.get("sobol_withheld"):
            parts.append(f"The emulator of {x['result']} does not reproduce the runs well enough out of sample "
                         f"(cross-validated R² {x['check']['cv_r2']:.2f} < {analysis.RELIABLE_R2}) for Sobol indices, so "
                         "none are given; its tornado and switching values below are rough.")
            if ranked.empty:
                parts.append(f"Drivers of {x['result']}: not ranked here; rank them by direct screening of the model "
                             "(python -m sim.uncertainty --method morris --draws 10 ..., then --screening on its folder).")
                continue
            index, label = "mu_star", "a ranking by direct Morris screening of the model (mu_star, not a share of variance)"
        else:
            index = "ST" if "ST" in set(ranked["index"]) else "mu_star"
            label = f"{index}{check}"
        leading, chance = ranked[ranked["index"] == index], None
        if index == "mu_star":
            leading, chance = sensitivity.above_chance(ranked)
        leading = leading.sort_values("value", ascending=False).head(top)
        # mu_star is in the result's units (pounds for a cost); Sobol indices are shares
        shown = (_gbp if x["result"].endswith("_gbp") else "{:.4g}".format) if index == "mu_star" else "{:.2f}".format
        listed = ", ".join(f"{r.parameter} {shown(r.value)} [{shown(r.ci_low)}, {shown(r.ci_high)}]"
                           for r in leading.itertuples())
        if chance is not None:
            label += (f"; on the same scale a change of seed alone gives {shown(chance)} (each trajectory's step of "
                      "chance), and only ranges whose 95% interval stands above that are listed")
        parts.append(f"Drivers of {x['result']} by {label}: {listed or 'none stands above chance'}.")
        if "switching" in x and not x["switching"].empty:
            words = []
            for r in x["switching"].itertuples():
                if r.within_range:
                    words.append(f"{r.parameter} at {r.switching_value:.4g} (its P{r.switching_percentile:.0f})")
                else:
                    words.append(f"{r.parameter}: none within its range (result {r.result_at_low_end:,.0f} to "
                                 f"{r.result_at_high_end:,.0f})")
            parts.append(f"Switching values (result = 0): {'; '.join(words)}.")
    shares = split[split["metric"] == summary.SAVING] if not split.empty else split
    for r in shares.itertuples():
        if np.isfinite(r.share_parameter):
            parts.append(f"{r.share_parameter:.0%} of the variance of {r.scenario} {r.metric} comes from the parameters, "
                         f"the rest from chance ({r.method}).")
    return " ".join(parts)
