"""The hindcast's figure and words: the answer per measure and mode, every version's verdict, and the caveats.

:func:`figure` draws, per measure, the actuals, each mode's mean and 80% band and the naive forecasts;
:func:`answer` says per measure whether the model beats both naive forecasts on the years scored and plainly
where it loses, for the primary mode and then each other mode; :func:`verdicts` gives each pre-registration
version's verdict on its own rule, so a revised file never hides what an earlier one said.
"""
from __future__ import annotations

import pandas as pd

from ..inputs import actuals as pack


def figure(table: pd.DataFrame, reported: str = "reported"):
    """Per measure: the actuals (labelled ``reported``), the model's 80% band and mean in each mode, and the
    two naive forecasts."""
    import matplotlib.pyplot as plt

    from ..analysis import figures
    figures.apply_style()
    measures = list(dict.fromkeys(table["measure"]))
    fig, axes = plt.subplots(1, len(measures), figsize=(4.6 * len(measures), 3.8), squeeze=False)
    for ax, metric in zip(axes[0], measures):
        rows = table[table["measure"] == metric]
        for (mode, group), colour in zip(rows.groupby("mode", sort=False), ("C0", "C2", "C3", "C4")):
            group = group.sort_values("year")
            ax.fill_between(group["year"], group["model_p10"], group["model_p90"], alpha=0.2, color=colour)
            ax.plot(group["year"], group["model_mean"], color=colour, marker="o", ms=3, label=f"model, {mode} (80%)")
            unstable = group[group["unstable"]]
            ax.scatter(unstable["year"], unstable["model_mean"], marker="s", s=50, facecolors="none", color="red",
                       label="unstable: not an estimate" if len(unstable) else None, zorder=4)
        first = rows[rows["mode"] == rows["mode"].iloc[0]].sort_values("year")
        ax.plot(first["year"], first["naive_carried"], ls="--", color="grey", label="naive: 2017/18 carried forward")
        ax.plot(first["year"], first["naive_trend"], ls=":", color="black", label="naive: trend to 2017/18")
        ax.scatter(first["year"], first["actual"], marker="x", s=60, color="black", zorder=5, label=reported)
        for role, shade in (("learning", "gold"), ("final_test", "tab:red")):
            years = first[first["role"] == role]["year"]
            if len(years):
                ax.axvspan(years.min() - 0.5, years.max() + 0.5, color=shade, alpha=0.10, lw=0)
        ax.set_xticks(list(first["year"]), [f"{y % 100:02d}/{(y + 1) % 100:02d}" for y in first["year"]], fontsize=8)
        ax.set_title(first["label"].iloc[0], fontsize=10)
    axes[0][0].legend(loc="best", fontsize=6)
    fig.tight_layout()
    return fig


def _unit(unit: str) -> str:
    return "%" if unit == "percent" else " points"


def _verdict(r) -> str:
    if r.beats_both:
        return "beats both naive forecasts"
    return "LOSES to " + " and ".join(name for name, beat in (("the carried-forward forecast", r.beats_carried),
                                                                ("the trend forecast", r.beats_trend)) if not beat)


def _measure_lines(scored: pd.DataFrame, labels: dict, scope_words: str) -> list[str]:
    lines = []
    for r in scored.itertuples():
        if r.measure == "overall":
            continue
        unit = _unit(r.error_unit)
        if pd.isna(r.carried_mae) and pd.isna(r.trend_mae):
            lines.append(f"- **{labels.get(r.measure, r.measure)}** ({r.years} {scope_words} with a figure, beside the "
                         f"rule): model MAE {r.model_mae:.1f}{unit}; no naive forecast to set against it (no figure for "
                         f"the fitted year); its 80% interval covers {r.covered} of {r.outturns} outturn(s)."
                         + (" A figure is unstable: not an estimate." if r.unstable else ""))
            continue
        anchored = (f", anchored {r.anchored_mae:.1f}{unit}" if pd.notna(r.anchored_mae) else "")
        lines.append(f"- **{labels.get(r.measure, r.measure)}** ({r.years} {scope_words} with a figure): model MAE "
                     f"{r.model_mae:.1f}{unit}{anchored}, 2017/18 carried forward {r.carried_mae:.1f}{unit}, trend "
                     f"{r.trend_mae:.1f}{unit}: the model {_verdict(r)}; its 80% interval covers {r.covered} of "
                     f"{r.outturns} outturn(s)." + (" A figure is unstable: not an estimate." if r.unstable else ""))
    return lines


def _overall(o, mode_label: str) -> str:
    anchored = (f"; anchored {o.anchored_mae:.1f} (beats both: {'yes' if o.anchored_beats_both else 'no'})"
                if pd.notna(o.anchored_mae) else "")
    return (f"Overall, {mode_label} (mean of the measures' MAEs in the rule, percent and points alike): model "
            f"{o.model_mae:.1f}, carried forward {o.carried_mae:.1f}, trend {o.trend_mae:.1f}{anchored}: the model "
            f"{'beats both naive forecasts' if o.beats_both else 'does NOT beat both naive forecasts'}. Its 80% "
            f"intervals cover {o.covered} of {o.outturns} outturns (about 80% means {o.coverage_expected}): "
            f"{'met' if o.coverage_ok else 'NOT met'}.")


def answer(table: pd.DataFrame, scored: pd.DataFrame, spec: dict, modes: dict, scope: str = "learning") -> str:
    """The README's answer on the years of ``scope``: per measure, the model's, the anchored and the naive
    forecasts' errors and coverage for the primary mode, each other mode's overall line, and the misses."""
    labels = {**{m: v["label"] for m, v in spec["measures"].items()},
              **{m: v["label"] for m, v in (spec.get("reported_measures") or {}).items()},
              **{m: v["label"] for m, v in (spec.get("final_test_measures") or {}).items()}}
    primary = next(iter(modes))
    chosen = scored[scored["scope"] == scope]
    words = "learning year(s)" if scope == "learning" else "final-test year(s)"
    text = [f"On the {'learning' if scope == 'learning' else 'final-test'} years, {modes[primary]}:", ""]
    lines = _measure_lines(chosen[chosen["mode"] == primary], labels, words)
    text += [*(lines or [f"- no {words} have a reported figure: nothing to judge."]), ""]
    for mode, label in modes.items():
        overall = chosen[(chosen["mode"] == mode) & (chosen["measure"] == "overall")]
        if len(overall):
            text.append(_overall(overall.iloc[0], label))
    for mode, label in list(modes.items())[1:]:
        lines = _measure_lines(chosen[chosen["mode"] == mode], labels, words)
        if lines:
            text += ["", f"{label[0].upper()}{label[1:]}:", "", *lines]
    years = table[table["role"] == scope]
    misses = years[(years["mode"] == primary) & years["actual"].notna()]
    misses = misses[~misses["within_tolerance"].astype(bool)]
    if len(misses):
        text += ["", "Outside the pre-registered tolerance (" + modes[primary] + "): " + "; ".join(
            f"{r.label} {r.financial_year} {r.model_error:+.1f}{_unit(r.error_unit)} (tolerance {r.tolerance:g})"
            for r in misses.itertuples()) + "."]
    unstable = table[table["unstable"]]
    if len(unstable):
        text += ["", "Unstable (a waiting list ran away; not an estimate): " + "; ".join(
            f"{r.label} {r.financial_year} ({r.mode})" for r in unstable.itertuples()) + "."]
    return "\n".join(text)


def verdicts(records: list[dict]) -> list[str]:
    """One line per pre-registration version: its file, commit, sha256 and its verdict on its own rule."""
    out = []
    for r in records:
        out.append(f"- Version {r['version']}: `{r['file']}`, committed in {r['commit'][:10]}, sha256 "
                   f"`{r['sha256'][:16]}…`: {r['verdict']}")
    return out


#: what is particular to a place's hindcast, said beside the general caveats (the place's name as in ``place=``)
PLACE_CAVEATS = {
    "walsall": [
        "**The rule rests on one year.** The pack has no yearly type-1 figures for 2019/20 (nor 2020/21, 2021/22), "
        "so each measure's learning-year error is 2018/19's alone; its coverage is three outturns. The COVID-19 "
        "years are shown without actuals.",
        "**2018/19 attendances are not independent of the model.** The A&E attendance trend was set from Walsall's "
        "own 2016/17-2018/19 figures before the backtest existed (docs/results.md, backtest), so the model's "
        "2018/19 attendances have seen the outturn; the admissions and 4-hour figures have not.",
    ],
}


def caveats(spec: dict, modes: dict, replications: int) -> str:
    """The README's "Read with care": the place's own caveats (:data:`PLACE_CAVEATS`, and the
    pre-registration's ``caveats``), then those of every hindcast."""
    bullets = [*PLACE_CAVEATS.get(spec["place"], []), *(spec.get("caveats") or []),
               f"**{replications} replications** give the 80% interval as the 10th to 90th percentile of "
               f"{replications} values (interpolated): a rough interval of the model's own randomness only, narrower "
               "than the forecast's real uncertainty (inputs are not varied: `carepath uncertainty` does that).",
               "**The naive trend** runs through the type-1 yearly figures the pack holds before the fitted year "
               "(2016/17 and 2017/18); 2014/15 and 2015/16 have all-types attendances only, a different thing."]
    if "published" in modes:
        bullets.append("**The conditional mode conditions on beds only.** Its acute beds move with the trust's "
                       "published KH03 beds (`configs/capacity_policy/published.csv`); its demand is the model's own, "
                       "so it tests the flow from beds to waits given the model's demand, not the demand forecast. "
                       "The pack has no KH03 for 2017/18: the fitted year and 2018/19 keep the base beds.")
    return "\n".join(["## Read with care", "", *(f"- {b}" for b in bullets), ""])


def learning(table: pd.DataFrame, spec: dict, primary: str) -> str:
    """What the learning years say about the model's structure, worked from the actuals pack and the table:
    type-1 and other-type attendances and their sum, the share of type-1 attendances admitted, and the
    model's bed occupancy against KH03's, each year from the one before the fitted year to the last learning
    year with a figure."""
    place, site = spec["place"], spec["site"]
    type1 = pack.yearly(place, site, "ae_attendances", "type-1")
    other = pack.yearly(place, site, "ae_attendances", "other")
    admitted = pack.yearly(place, site, "ae_admissions", "type-1")
    fitted = int(spec["fitted_year"])
    years = [y for y in range(fitted - 1, max(int(y) for y in spec["years"]["learning"]) + 1)
             if y in type1 and y in admitted]
    if len(years) < 2:
        return ""
    rows = ["| year | type-1 | other types | sum | type-1 admitted |", "|---|---|---|---|---|"]
    rows += [f"| {y}/{(y + 1) % 100:02d} | {type1[y]:,} | " + (f"{other[y]:,} | {type1[y] + other[y]:,}" if y in other
                                                               else "not in the pack | ")
             + f" | {100 * admitted[y] / type1[y]:.1f}% |" for y in years]
    occupancy = table[(table["measure"] == "acute_occupancy_mean") & table["actual"].notna()
                      & (table["role"] == "learning")]
    beds = "; ".join(f"{r.mode} {r.financial_year}: model {r.model_mean:.1f}% against {r.actual:.1f}%"
                     for r in occupancy.itertuples())
    lesson = LESSONS.get(place, "")
    return "\n".join([
        "## What the learning years say", "",
        f"{spec.get('place_label', place.replace('_', ' ').title())}'s reported attendances (type-1, and the other "
        "types: its urgent treatment centre and the like) and the share of type-1 attendances admitted:", "", *rows, "",
        *([lesson.format(beds=beds or "no occupancy figures", primary=primary), ""] if lesson else
          ([f"The model's bed occupancy against the published: {beds}.", ""] if beds else []))])


#: what a place's learning years taught about the model's structure, written after its learning run and before
#: its final test (``{beds}``: the model's occupancy against KH03's; ``{primary}``: the rule's mode)
LESSONS = {
    "walsall": (
        "The sum of the two kinds barely moved while type-1 rose and the other types fell by about as much. That "
        "is what it looks like when minor cases once counted at the urgent treatment centre are seen, and counted, "
        "in the type-1 department (streaming at the front door), cases that are seldom admitted and seldom wait four "
        "hours. In the model the two are separate streams with their own trends, and each new type-1 patient "
        "brings the type-1 case mix, and the admitted share rises with the national trend: so the model's "
        "admissions rise with its attendances where Walsall's did not, and its 4-hour performance falls where "
        "Walsall's rose. The beds show the same thing from the other side: {beds}. "
        "Walsall held its occupancy near 89% with the beds it had, while the model's extra admissions fill them. "
        "What responds too much is the model's demand for beds, through admissions. The conditional mode cannot "
        "yet tell the flow from beds to waits apart from that: in 2018/19 it has the base-year beds too (the pack "
        "has no KH03 for 2017/18 to measure a change from), and 2019/20 has no type-1 figures. The mechanism this "
        "points to, a shift of minor cases between the department types carrying their own case mix, rests on one "
        "learning year and a shift that is a local streaming decision, which need not continue; it was not built "
        "before the final test, so the final test judges the model as it stood ({primary} mode's mechanisms "
        "frozen at the final test's commit)."),
}
