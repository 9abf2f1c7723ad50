"""The hindcast's 80% intervals from the history-matched draws, and how often they cover what happened.

    python -m sim.uncertainty.coverage --study results/uncertainty --out results/hindcast

The hindcast's own intervals (:mod:`sim.studies.hindcast`) are the spread over replications of one set
of inputs: replication noise alone.  Here each interval is the spread over the study's
**non-implausible draws** (every wave of its chain, largest implausibility at most 3), each run once
with the draw's own seed, so it holds both what history matching leaves of the parameter uncertainty
and the replication noise.  Each draw is run in each final-test year of the pre-registration as the
hindcast's unconditional run is (``scenario=baseline``, ``capacity_policy=fixed``: the places of
2017/18; the study's learning years are run the same way, :mod:`sim.uncertainty.learning`).  Each
measure of the pre-registration (the rule's and the final test's own) gets, each final-test year, the
10th to 90th percentile over the draws, and whether it covers the published figure.  Only final-test
years are judged: the learning years are history-matching targets, so the draws were chosen to fit them.
A draw whose waiting list ran away keeps its value (the system did not cope in that world) and is
counted.  Writes ``coverage_from_draws.csv`` to ``--out``, the section of its README between :data:`BEGIN`
and :data:`END` (``carepath hindcast`` keeps that section when it rewrites the README), and the command, its
commit and the study under ``coverage_from_draws`` in its ``manifest.json``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from ..common.errors import ConfigError, ConfigErrors
from ..common.files import atomic_write, table_file, write_csv, write_json
from ..common.paths import CONFIG_DIR, ROOT
from ..jobs.outputs import git_commit
from ..jobs.runner import available_cores
from . import apply, learning, register, runs, summary, waves_report
from .history import THRESHOLD
from .study import Settings, Study, composed

PREREGISTRATION = CONFIG_DIR / "calibration" / "walsall_hindcast_v2.yaml"
TABLE = "coverage_from_draws.csv"
BEGIN, END = "<!-- coverage from the history-matched draws -->", "<!-- end of coverage from the draws -->"
FEW_DRAWS = 20                       # fewer draws than this: the interval is a handful's spread, said so
LABEL = "hindcast_final"             # a final-test year's run is scenario "hindcast_final_<year>"


def waves(study: Path) -> list[Path]:
    """The waves of a study: ``study/wave1``, ``wave2``... of a chain (``python -m sim.uncertainty.waves``),
    or ``study`` itself when it is one wave."""
    study = Path(study)
    found = waves_report.folders(study)
    if found:
        return found
    if table_file(study, "draws").is_file():
        return [study]
    raise ConfigError("--study", str(study), "a study folder written by python -m sim.uncertainty (draws.csv) or by "
                                             "python -m sim.uncertainty.waves (wave1, wave2, ...)")


def plausible(folders: list[Path], threshold: float = THRESHOLD) -> pd.DataFrame:
    """Every non-implausible draw of the waves: ``wave, draw, seed`` and each range's value."""
    frames = []
    for wave, folder in enumerate(folders, start=1):
        if not table_file(folder, "history_matching").is_file():
            raise ConfigError("--study", str(folder), "a wave with history matching (it has no history_matching.csv)")
        drawn = pd.read_csv(table_file(folder, "draws"))
        worst = pd.read_csv(table_file(folder, "history_matching")).set_index("draw")["max_implausibility"]
        kept = drawn[drawn["draw"].map(worst).le(threshold)]
        frames.append(kept.assign(wave=wave))
    out = pd.concat(frames, ignore_index=True)
    return out[["wave", *[c for c in out.columns if c != "wave"]]]


def settings_of(folder: Path) -> dict:
    """The settings a wave was run with, from its manifest."""
    manifest = Path(folder) / "manifest.json"
    if not manifest.is_file():
        raise ConfigError("--study", str(folder), "a wave with its manifest.json")
    return json.loads(manifest.read_text())["runs"]["study"]["settings"]


def measures(spec: dict) -> dict[str, dict]:
    """The measures judged: the rule's and the final test's own."""
    return {**spec["measures"], **(spec.get("final_test_measures") or {})}


def actual(place: str, measure: dict, year: int) -> float:
    """The published yearly figure of a measure (NaN if the pack has none)."""
    where = measure["actual"]
    rows = learning._actuals()
    rows = rows[(rows["place"] == place) & (rows["measure"] == where["measure"]) & (rows["type"] == where["type"])
                & (rows["period"] == f"{year}/{(year + 1) % 100:02d}")]
    return float(rows["value"].iloc[0]) if len(rows) else float("nan")


def intervals(values: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """Per measure and final-test year: the draws' 10th, 50th and 90th percentiles (the pre-registration's
    interval), the actual and whether the interval covers it.  ``values``: ``draw, year, metric, value``
    with ``ran_away`` rows beside the measures'."""
    tail = 50.0 * (1.0 - float(spec["interval"]))
    ran = values[values["metric"] == summary.RUNAWAY].set_index(["draw", "year"])["value"]
    rows = []
    for metric, measure in measures(spec).items():
        for year in map(int, spec["years"]["final_test"]):
            got = values[(values["metric"] == metric) & (values["year"] == year)]
            x = got["value"].to_numpy(dtype=float)
            low, mid, high = (np.percentile(x, [tail, 50.0, 100.0 - tail]) if len(x) else (np.nan,) * 3)
            outturn = actual(str(spec["place"]), measure, year)
            rows.append({"measure": metric, "label": measure["label"], "year": year,
                         "financial_year": f"{year}/{(year + 1) % 100:02d}", "actual": outturn, "draws": len(x),
                         "draws_ran_away": int(sum(ran.get((d, year), 0.0) >= summary.RAN_AWAY_SHARE
                                                   for d in got["draw"])),
                         "p10": low, "p50": mid, "p90": high,
                         "covered": bool(low <= outturn <= high) if np.isfinite(outturn) and len(x) else None})
    return pd.DataFrame(rows)


def expected(n: int, spec: dict) -> tuple[int, int]:
    """How many of ``n`` intervals should cover their outturns: the central ``coverage_confidence`` range
    of Binomial(n, interval), as the hindcast judges its own."""
    if n == 0:
        return 0, 0
    low, high = stats.binom.interval(float(spec["coverage_confidence"]), n, float(spec["interval"]))
    return int(low), int(high)


def section(table: pd.DataFrame, spec: dict, study: str, kept: int, drawn: int) -> str:
    """The README section: coverage per measure and overall, in words and a table."""
    judged = table[table["covered"].notna()]
    covered = int(judged["covered"].astype(bool).sum())
    low, high = expected(len(judged), spec)
    share = 100 * float(spec["interval"])
    lines = [BEGIN, "## Coverage of the 80% intervals from the history-matched draws", "",
             f"From `{study}`: {kept} non-implausible draws (of {drawn} over its waves), each run once, with its own "
             "seed, in each final-test year as the unconditional run is (`python -m sim.uncertainty.coverage`). The "
             f"interval is the 10th to 90th percentile over those draws: parameter uncertainty left by history matching "
             f"plus replication noise. Over the final-test years they cover **{covered} of {len(judged)}** outturns; "
             f"{share:.0f}% intervals should cover {low} to {high} of {len(judged)} (the central "
             f"{100 * float(spec['coverage_confidence']):.0f}% of Binomial({len(judged)}, {float(spec['interval']):g}))."
             + (f" With {kept} draws the 10th to 90th percentile is nearly their whole range: the intervals are a "
                "handful's spread, and they are narrow because history matching left so few worlds, not because "
                "the forecast is certain." if kept < FEW_DRAWS else ""),
             "", "| measure | year | actual | P10 | P50 | P90 | covered | draws (ran away) |", "|---|---|---|---|---|---|---|---|"]
    for r in table.itertuples():
        fmt = "{:,.1f}" if "pct" in r.measure else "{:,.0f}"
        lines.append(f"| {r.label} | {r.financial_year} | {fmt.format(r.actual)} | {fmt.format(r.p10)} | "
                     f"{fmt.format(r.p50)} | {fmt.format(r.p90)} | {'yes' if r.covered else 'no'} | "
                     f"{r.draws} ({r.draws_ran_away}) |")
    by = judged.groupby("label", sort=False)["covered"].agg(["sum", "count"])
    lines += ["", "Per measure: " + "; ".join(f"{label} {int(row['sum'])} of {int(row['count'])}"
                                             for label, row in by.iterrows()) + ".", END]
    return "\n".join(lines)


def with_section(readme: str, text: str) -> str:
    """``readme`` with its coverage section replaced by ``text`` (appended where it has none)."""
    if BEGIN in readme and END in readme:
        head, rest = readme.split(BEGIN, 1)
        return head + text + rest.split(END, 1)[1]
    return readme.rstrip("\n") + "\n\n" + text + "\n"


def kept_section(out_dir: Path) -> str:
    """The coverage section of a README in ``out_dir`` ("" if none): what ``carepath hindcast`` keeps."""
    readme = Path(out_dir) / "README.md"
    text = readme.read_text() if readme.is_file() else ""
    return BEGIN + text.split(BEGIN, 1)[1].split(END, 1)[0] + END if BEGIN in text and END in text else ""


def kept_record(out_dir: Path) -> dict:
    """``{"coverage_from_draws": ...}`` of the manifest in ``out_dir`` (empty if none): what ``carepath hindcast``
    keeps with the section."""
    manifest = Path(out_dir) / "manifest.json"
    found = json.loads(manifest.read_text()).get("coverage_from_draws") if manifest.is_file() else None
    return {"coverage_from_draws": found} if found else {}


def jobs(folder: Path, drawn: pd.DataFrame, spec: dict, extra: list[str]) -> list[runs.Job]:
    """One job per non-implausible draw and final-test year, the draw's values written as the study writes
    them, with its own seed."""
    given = settings_of(folder)
    keep = {k: given[k] for k in ("scenarios", "overrides", "ranges", "history_match", "learning_years") if k in given}
    keep["overrides"] = [*keep.get("overrides", []), *extra]
    study = Study(Settings(draws=len(drawn), **keep))
    years = [int(y) for y in spec["years"]["final_test"]]
    for year in years:
        study.base[f"{LABEL}_{year}"] = composed(learning.overrides(keep["overrides"], year))
    study.resolved = apply.resolve(study.ranges, study.base, register.scenario_keys())
    names = study.names
    out = []
    for index, row in enumerate(drawn.to_dict("records")):
        values = {n: row[n] for n in names}
        for year in years:
            out.append(study.job(index, f"{LABEL}_{year}", year, values, int(row["seed"]), 1))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="carepath uncertainty coverage", description=__doc__.splitlines()[0])
    p.add_argument("--study", type=Path, required=True, help="the study's folder (its waves, or one wave)")
    p.add_argument("--out", type=Path, default=ROOT / "results" / "hindcast", help="the hindcast's folder")
    p.add_argument("--preregistration", type=Path, default=PREREGISTRATION, help="the hindcast's pre-registration")
    p.add_argument("--threshold", type=float, default=THRESHOLD, help="largest implausibility kept (default 3)")
    p.add_argument("--draws", type=int, default=None, help="the first N non-implausible draws only (default: all)")
    p.add_argument("--n-jobs", default="auto", help="runs side by side (auto: every core)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("overrides", nargs="*", help="extra overrides for every run (for checks: run.horizon_days=60)")
    args = p.parse_args(argv)
    try:
        folders = waves(args.study)
        drawn = plausible(folders, args.threshold)
        if args.draws is not None:
            if args.draws < 1:
                raise ConfigError("--draws", str(args.draws), "a whole number >= 1")
            drawn = drawn.head(args.draws)
        if drawn.empty:
            raise ConfigError("--study", str(args.study), "a study with at least one non-implausible draw")
        spec = yaml.safe_load(Path(args.preregistration).read_text())
        todo = jobs(folders[-1], drawn, spec, args.overrides)
    except (ConfigErrors, ConfigError) as error:
        for e in getattr(error, "errors", [error]):
            print(f"carepath: invalid configuration: {e}", file=sys.stderr)
        return 2
    n_jobs = available_cores() if args.n_jobs == "auto" else int(args.n_jobs)
    reps = summary.with_runaway(runs.run_jobs(todo, n_jobs, progress=not args.no_progress))
    table = intervals(reps.groupby(["draw", "year", "metric"], as_index=False)["value"].mean(), spec)
    total = sum(len(pd.read_csv(table_file(f, "draws"))) for f in folders)
    try:
        study = Path(args.study).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        study = str(args.study)
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(table, args.out / TABLE)
    text = section(table, spec, study, len(drawn), total)
    readme = args.out / "README.md"
    before = readme.read_text() if readme.is_file() else ""
    atomic_write(readme, lambda tmp: Path(tmp).write_text(with_section(before, text)))
    manifest = args.out / "manifest.json"
    record = json.loads(manifest.read_text()) if manifest.is_file() else {}
    record["coverage_from_draws"] = {"command": " ".join(["python -m sim.uncertainty.coverage", *(argv or sys.argv[1:])]),
                                     "git": git_commit([args.out]), "study": study, "draws": len(drawn),
                                     "draws_over_waves": total}
    write_json(record, manifest)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
