"""The README of a chain of waves: what a board reads from a study of several waves of history matching.

Written by ``python -m sim.uncertainty.waves`` when its waves are done (``--report`` writes it again from the
folders, running nothing).  Every number is read from the waves' own tables: the per-wave table
(``waves.csv``: draws, non-implausible, space ruled out, emulator diagnostics, minutes) and why the chain
stopped; the headline, the net saving of each scenario against do-nothing over the non-implausible draws of
every wave (the last wave's ``headline_plausible.csv``, or the only wave's ``headline.csv``) with the
probabilities of a saving, a loss and running away; and the drivers of each saving, from the first wave (the
only one whose ranges are independent): Sobol total indices where its emulator's cross-validated R² is at
least 0.7, otherwise a Morris ranking where a screening was given (the wave's own, or a ``--method morris``
study's folder, ``--screening DIR``), otherwise no ranking, said so.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..common.files import atomic_write, table_file
from . import analysis, chain, refocus, sensitivity, summary

TOP = 5                                   # leading drivers shown
FEW_DRAWS = 20                            # fewer draws than this: no P10 or P90, each draw's value instead
SCENARIO_WORDS = {
    "walsall_schemes_evidence": "Walsall's schemes, each effect from the evidence register (ranges that include no "
                                "effect where the evidence does)",
    "uk_comparator": "the UK comparator: the business case's assumed effects (a reproduction, not evidence)",
    "international_comparator": "the international comparator: the business case's assumed effects",
}


def folders(out: Path) -> list[Path]:
    """The waves of a chain in order: ``out/wave1``, ``out/wave2``, ..."""
    found = [p for p in Path(out).glob("wave*") if p.name[4:].isdigit() and table_file(p, "history_matching").is_file()]
    return sorted(found, key=lambda p: int(p.name[4:]))


def _gbp(value: float) -> str:
    return "n/a" if pd.isna(value) else f"-£{abs(value) / 1e6:.1f}m" if value < 0 else f"£{value / 1e6:.1f}m"


def _blank(value) -> bool:
    """A value the wave's files do not give (None from a missing column, NaN from an empty cell)."""
    return value is None or pd.isna(value)


def _count(value) -> str:
    return "" if _blank(value) else f"{int(value):,}"


def _factor(value) -> str:
    """A variance widening: blank for a wave refocused before emulators were widened, "none" when an emulator that
    misjudged a run it had no doubt about was let rule out nothing."""
    if _blank(value):
        return ""
    return "none (rules out nothing)" if np.isinf(value) else f"{value:.3g}"


def _command(folder: Path) -> str:
    manifest = folder / "manifest.json"
    return json.loads(manifest.read_text()).get("command", "") if manifest.is_file() else ""


def headline(waves: list[Path]) -> pd.DataFrame:
    """The net saving over the non-implausible draws of every wave."""
    last = waves[-1]
    if len(waves) > 1 and table_file(last, "headline_plausible").is_file():
        return pd.read_csv(table_file(last, "headline_plausible"))
    if not table_file(last, "headline").is_file():
        return pd.DataFrame()
    found = pd.read_csv(table_file(last, "headline"))
    return found.assign(waves=1, plausible_draws=found["draws_counted"])


def values(waves: list[Path], comparison: str) -> list[float]:
    """Each non-implausible draw's net saving of one comparison, over every wave (runaways left out), sorted."""
    psa, passed, _ = refocus.plausible_draws(waves)
    rows = psa[(psa["scenario"] == comparison) & (psa["metric"] == summary.SAVING)].set_index("draw")["value"]
    steady = summary.steady_rows(pd.DataFrame({"draw": rows.index, "scenario": comparison,
                                               "year": psa["year"].max()}), summary.stable(psa))
    kept = rows[passed.reindex(rows.index).fillna(0).gt(0).to_numpy() & np.asarray(steady, dtype=bool)]
    return sorted(kept.to_list())


def drivers(first: Path, top: int = TOP, screening: Path | None = None) -> list[str]:
    """A sentence on the drivers of each net saving, from the first wave; where its emulator cannot carry Sobol
    indices, from the Morris ranking of the wave's own screening or of ``screening`` (a ``--method morris``
    study's folder, run over the same ranges)."""
    fits = pd.read_csv(table_file(first, "emulator")) if table_file(first, "emulator").is_file() else pd.DataFrame()
    indices = (pd.read_csv(table_file(first, "sensitivity")) if table_file(first, "sensitivity").is_file()
               else pd.DataFrame(columns=["metric", "parameter", "method", "index", "value", "ci_low", "ci_high"]))
    screened = analysis.screening(screening) if screening is not None else None
    lines = []
    for fit in (fits[fits["result"].str.endswith(summary.SAVING)] if not fits.empty else fits).itertuples():
        rows = indices[indices["metric"] == fit.result]
        over = f"over wave 1's {fit.draws} draws that did not run away"
        screen = fit.cv_r2 < analysis.RELIABLE_R2          # no Sobol indices: a Morris ranking, in pounds, above chance
        if not screen:
            ranked = rows[(rows["method"] == "sobol_emulator") & (rows["index"] == "ST")]
            how = f"Sobol total indices from the emulator (cross-validated R² {fit.cv_r2:.2f})"
        else:
            ranked = rows[rows["method"] == "morris_direct"]
            if ranked.empty and screened is not None:
                ranked = screened[(screened["metric"] == fit.result) & (screened["index"] == "mu_star")]
                over = (f"over the stated ranges, not only the worlds history matching keeps ({screening}, "
                        f"{_command(Path(screening))})")
            how = (f"a ranking by direct Morris screening (mu_star, the mean absolute change in the saving for a step "
                   f"of a range across its 80% interval: not a share of variance; wave 1's emulator's "
                   f"cross-validated R² {fit.cv_r2:.2f} is below {analysis.RELIABLE_R2}, so no Sobol indices)")
        if ranked.empty:
            lines.append(f"- {fit.result}: not ranked. The emulator's cross-validated R² is {fit.cv_r2:.2f}, below "
                         f"{analysis.RELIABLE_R2}, so its Sobol indices are withheld, and no Morris screening was run.")
            continue
        shown = _gbp if screen else (lambda v: f"{v:.2f}")
        chance = None
        if screen:
            ranked, chance = sensitivity.above_chance(ranked)
        leading = ranked.sort_values("value", ascending=False).head(top)
        listed = ", ".join(f"{r.parameter} {shown(r.value)} [{shown(r.ci_low)}, {shown(r.ci_high)}]"
                           for r in leading.itertuples())
        floor = ("" if chance is None else
                 f" on the same scale a change of seed alone gives {shown(chance)} (each trajectory's step of chance), "
                 + (f"and {len(ranked)} of the ranges {'rise' if len(ranked) != 1 else 'rises'} above that (the low end "
                    "of their 95% interval), largest first" if len(ranked) else
                    "and no range's 95% interval stands above that, so the screening ranks nothing"))
        lines.append(f"- {fit.result}, by {how}, {over}:{floor}" + (f"{':' if floor else ''} {listed}." if listed else "."))
    return lines


def text(out: Path, screening: Path | None = None) -> str:
    """The chain's README."""
    waves = folders(out)
    table = chain.table(waves)
    reason = chain.stop(table)
    found = headline(waves)
    kept = int(table["non_implausible"].sum())
    lines = ["# Uncertainty: history-matched waves and the schemes' saving", "",
             "**Question.** How far does each scheme's 2027/28 saving against the demand-led do-nothing move with the "
             "assumptions, over the worlds that reproduce what Walsall's system did in 2017/18 and 2018/19?", "",
             "**Commands** (from the repository root), one a wave:", "", "```bash",
             *[_command(w) for w in waves], "```", "",
             f"**Waves.** {len(waves)} waves, {int(table['draws'].sum())} draws, {kept} non-implausible (largest "
             f"implausibility at most 3; {int(table['non_implausible_second'].sum())} by the second-largest). "
             + (f"Stopped: {reason}." if reason else
                "The stop rule (at least 100 non-implausible draws, or every emulator's variance below its target's "
                "observation and discrepancy variance) was not met when the chain ended (at the waves the command "
                "allowed, for the time a wave takes), so the headline below rests on fewer draws than the rule asks "
                "for."), "",
             "| wave | draws | non-implausible | by the second-largest | space ruled out before | lowest emulator R² | "
             "held out | misclassified | variance widened by | emulator variance below target | minutes (setting up) | "
             "runs run (from the cache) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in table.itertuples():
        lines.append(f"| {r.wave} | {r.draws} | {r.non_implausible} | {r.non_implausible_second} | "
                     f"{r.share_ruled_out_before:.1%} | {'' if pd.isna(r.lowest_cv_r2) else f'{r.lowest_cv_r2:.2f}'} | "
                     f"{'' if _blank(r.held_out) else int(r.held_out)} | "
                     f"{'' if _blank(r.misclassified) else int(r.misclassified)} | "
                     f"{_factor(r.largest_variance_inflation)} | "
                     f"{'' if _blank(r.variance_below_target) else r.variance_below_target} | "
                     f"{r.minutes}{'' if pd.isna(r.setup_minutes) else f' ({r.setup_minutes})'} | "
                     f"{_count(r.runs_run)} ({_count(r.runs_from_cache)}) |")
    refused = [f"wave {r.wave}: {int(r.points_refused)}" for r in table.itertuples()
               if not _blank(r.points_refused) and r.points_refused > 0]
    # waves refocused before the widening, by emulators that misclassified runs (blank factor)
    unwidened = [str(r.wave) for r in table.itertuples() if r.wave > 1 and _blank(r.largest_variance_inflation)
                 and not _blank(r.misclassified) and r.misclassified > 0]
    lines += ["", "Misclassified held-out runs are those the refocusing emulators, as fitted, would have ruled out though the "
              "run is not implausible; before ruling anything out, each such emulator's variance was widened by the "
              "least factor that keeps all of them (the largest factor of the wave's emulators is given; 1 when none "
              "misclassified a run). "
              + (f"{'Waves' if len(unwidened) > 1 else 'Wave'} {', '.join(unwidened)} "
                 f"{'were' if len(unwidened) > 1 else 'was'} refocused before this widening, by emulators as fitted, "
                 "so the runs those misclassified shaped the chain." if unwidened else
                 "So no misclassified run shaped the chain."),
              "", "Minutes are the wall-clock time of the command that wrote each wave (2 cores); a wave written again "
              "from the job cache took less than its runs did. Setting up (in brackets) is drawing the wave: fitting "
              "the refocusing emulators, each earlier wave's read back from the job cache when it holds them, and "
              "checking the points chosen."
              + (" Points chosen for a wave that the model refuses (values it cannot build, such as an escalation "
                 f"limit above the service's base places) were replaced by other points not ruled out: {'; '.join(refused)} "
                 "(the reasons are in each wave's manifest.json)." if refused else ""), "",
              "## Headline: the net saving over the non-implausible draws", "",
              "Whole-system net saving in 2027/28: the do-nothing's system cost less the scenario's, in 2017/18 prices "
              "(real terms), at average unit costs, before optimism bias, with each scenario's top-down activity "
              "changes (outpatients, GP attendances) in the cost, each scenario against the demand-led do-nothing on "
              "common random numbers, over the draws of every wave that passed history matching. The ten-year "
              "projection's headline values the same schemes otherwise (avoided activity at marginal cost, after "
              "optimism bias: `results/ten_year_projection`), so the two are not to be set side by side. Percentiles "
              "leave out draws where either run ran away; the probabilities count them as their own outcome, the "
              "system not coping.", "",
              f"With fewer than {FEW_DRAWS} draws a P10 or P90 would be the spread of a handful, not a percentile: "
              "each draw's saving is given instead, and the probabilities are shares of a handful.", "",
              "| scenario | draws (ran away) | P10 | P50 | P90 | each draw | P(saving) | P(loss) | P(ran away) | "
              "with runaways: P10, P50, P90 |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in found.itertuples():
        name = r.comparison.removesuffix(" vs do_nothing")
        few = r.draws < FEW_DRAWS
        each = ", ".join(_gbp(v) for v in values(waves, r.comparison)) if few and len(waves) > 1 else ""
        tails = (("too few draws",) * 2 if few else (_gbp(r.net_saving_p10_gbp), _gbp(r.net_saving_p90_gbp)))
        lines.append(f"| {SCENARIO_WORDS.get(name, name)} | {r.draws} of {r.plausible_draws} ({r.draws_ran_away}) | "
                     f"{tails[0]} | {_gbp(r.net_saving_p50_gbp)} | {tails[1]} | {each} | "
                     f"{r.probability_saving:.0%} | {r.probability_loss:.0%} | {r.probability_ran_away:.0%} | "
                     + ("too few draws |" if few else
                        f"{_gbp(r.net_saving_p10_with_ran_away_gbp)}, {_gbp(r.net_saving_p50_with_ran_away_gbp)}, "
                        f"{_gbp(r.net_saving_p90_with_ran_away_gbp)} |"))
    lines += ["", "## What drives each saving", "", *drivers(waves[0], screening=screening), "",
              "Each wave's own README has its tables, figures and the rest of its findings: "
              + ", ".join(f"[{w.name}]({w.name}/README.md)" for w in waves) + "."]
    return "\n".join(lines) + "\n"


def write(out: Path, screening: Path | None = None) -> Path:
    readme = Path(out) / "README.md"
    body = text(out, screening)
    atomic_write(readme, lambda tmp: Path(tmp).write_text(body))
    return readme
