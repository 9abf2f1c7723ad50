"""Hindcast: the model fitted to 2017/18, run on year by year, held against what happened and two naive forecasts.

    carepath hindcast                          # results/hindcast/: the learning years and the COVID-19 years
    carepath hindcast --replications 5 --out DIR
    carepath hindcast --final-test             # adds 2022/23-2024/25: from a clean, committed tree only

What is compared, over which years, with which tolerances and against which naive forecasts was fixed
before any hindcast was run, in the pre-registration (``configs/calibration/walsall_hindcast_v2.yaml``,
which revises ``walsall_hindcast.yaml`` and names it as its ``previous``); the command refuses a version
that is uncommitted or changed since its commit, records each version's commit and sha256 in the manifest,
and reports every version's verdict on its own rule. One continuous run from 1 April 2017 to 31 March 2025
(``run.year=2017 run.end_year=2024``) of the Walsall configuration fitted on 2017/18 alone, in the modes the
pre-registration names: *unconditional*, ``capacity_policy=fixed`` (the places of 2017/18 held, as a planner
in 2018 would have run it; the rule is judged on it); ``capacity_policy=demand_led``, a labelled variant;
and *conditional*, ``capacity_policy=published`` (acute beds moved as Walsall's published KH03 general and
acute beds moved, demand the model's own). Each measure, each year: the model's mean over replications and
its 80% interval (the 10th to 90th percentile over replications, linear interpolation between them),
against Walsall Healthcare's (trust RBK) figure in ``data/actuals/actuals.csv``, two naive forecasts, (a)
the 2017/18 figure carried forward and (b) the least-squares line through the pack's yearly figures of
2014/15-2017/18 (for the type-1 measures: 2016/17 and 2017/18 only), and the anchored forecast (the model's
change from 2017/18 laid on the 2017/18 actual). Errors are percent for counts, points for percentages; the
mean absolute error (MAE) is over the learning years that have a figure. Bed occupancy is reported beside
the rule. The final-test years are simulated (the run is continuous) but withheld from every table, figure
and README unless ``--final-test`` is given. A figure from a year whose waiting list ran away
(``unstable``) is not an estimate and counts as a loss for the model.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml

from ..common.errors import ConfigError
from ..common.files import atomic_write, write_json
from ..common.paths import CONFIG_DIR, ROOT
from ..jobs.experiment import Experiment
from ..uncertainty.coverage import kept_record, kept_section
from .hindcast_report import answer, caveats, figure, learning, verdicts
from .hindcast_scores import compare, model_figures, scores, withhold

PREREGISTRATION = CONFIG_DIR / "calibration" / "walsall_hindcast_v2.yaml"
#: a pre-registration without ``modes`` (version 1): capacity policy -> label, the first judged by the rule
MODES = {"fixed": "unconditional (capacity_policy=fixed)", "demand_led": "variant (capacity_policy=demand_led)"}


class Refused(Exception):
    """The hindcast will not run: its pre-registration or the working tree is not as the rules require."""


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as error:
        raise Refused(f"git could not be run: {error}") from error
    if done.returncode != 0:
        raise Refused(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def preregistration(path: Path = PREREGISTRATION) -> dict:
    """The pre-registration's last commit and sha256; :class:`Refused` if it is uncommitted or changed since."""
    path = Path(path).resolve()
    if not path.is_file():
        raise Refused(f"{path}: no pre-registration file")
    if _git(path.parent, "status", "--porcelain", "--", path.name):
        raise Refused(f"{path.name} is uncommitted or changed since its commit: commit it (before any hindcast is run)")
    commit = _git(path.parent, "log", "-1", "--format=%H", "--", path.name)
    if not commit:
        raise Refused(f"{path.name} has never been committed")
    relative = _git(path.parent, "ls-files", "--full-name", "--", path.name)
    return {"file": relative or path.name, "commit": commit, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def clean_commit(root: Path = ROOT) -> str:
    """The commit of a clean working tree (nothing changed, nothing untracked); :class:`Refused` otherwise."""
    if _git(root, "status", "--porcelain"):
        raise Refused("--final-test runs only from a clean working tree (commit or remove every change first)")
    return _git(root, "rev-parse", "HEAD")


def modes_of(spec: dict) -> dict[str, str]:
    """The pre-registration's modes (capacity policy -> label), the first judged by the rule."""
    return dict(spec.get("modes") or MODES)


def versions(path: Path) -> list[tuple[dict, dict]]:
    """Each pre-registration version from the first to ``path`` (following ``previous``), as
    ``(record, spec)``; :class:`Refused` if any is uncommitted or changed since its commit."""
    chain, seen = [], set()
    while path is not None:
        path = Path(path) if Path(path).is_absolute() else ROOT / path
        if path.resolve() in seen:
            raise Refused(f"{path.name}: its previous versions form a loop")
        seen.add(path.resolve())
        record = preregistration(path)
        spec = yaml.safe_load(path.read_text())
        chain.append(({**record, "version": int(spec.get("version", 1))}, spec))
        path = spec.get("previous")
    return chain[::-1]


def measures_of(spec: dict, final_test: bool) -> dict[str, dict]:
    """The measures compared: the rule's, those reported beside it, and with the final test its own extra
    measures; only the rule's count in the overall MAE (the others carry ``in_rule: false``)."""
    beside = {**(spec.get("reported_measures") or {}), **((spec.get("final_test_measures") or {}) if final_test else {})}
    return {**{m: {**v, "in_rule": True} for m, v in spec["measures"].items()},
            **{m: {**v, "in_rule": False} for m, v in beside.items()}}


def verdict(table: pd.DataFrame, spec: dict) -> str:
    """A version's verdict on its own rule: its primary mode and measures, the model's own figures."""
    primary = next(iter(modes_of(spec)))
    chosen = table[(table["mode"] == primary) & table["measure"].isin(list(spec["measures"]))]
    overall = scores(chosen.drop(columns=["model_anchored", "model_anchored_error"], errors="ignore"), spec)
    overall = overall[overall["measure"] == "overall"]
    if not len(overall):
        return "no learning year has a reported figure"
    o = overall.iloc[0]
    return (f"{primary}, overall model MAE {o.model_mae:.1f} against carried forward {o.carried_mae:.1f} and trend "
            f"{o.trend_mae:.1f}: {'beats both' if o.beats_both else 'does NOT beat both'}; coverage {o.covered} of "
            f"{o.outturns} ({'met' if o.coverage_ok else 'NOT met'})")


def _replications(results) -> pd.DataFrame:
    frame = results.replications
    return frame if "year" in frame.columns else frame.assign(year=int(results.config["run"]["year"]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="carepath hindcast", description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=5, help="replications of each mode (default 5)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default results/hindcast)")
    parser.add_argument("--preregistration", type=Path, default=PREREGISTRATION,
                        help="the pre-registration to hold the model to (default Walsall's, "
                             "configs/calibration/walsall_hindcast_v2.yaml; another place has its own file)")
    parser.add_argument("--end-year", type=int, default=None,
                        help="stop the run earlier (for checks: a shorter run is not the hindcast)")
    parser.add_argument("--mode", action="append", dest="modes",
                        help="a capacity policy the pre-registration names (repeat for more; default: all it names)")
    parser.add_argument("--final-test", action="store_true",
                        help="also report 2022/23-2024/25; only from a clean working tree, once the mechanisms are frozen")
    parser.add_argument("overrides", nargs="*", help="extra overrides for every run (e.g. run.warmup_days=30)")
    args = parser.parse_args(argv)
    try:
        chain = versions(args.preregistration)
        final_commit = clean_commit() if args.final_test else None
    except Refused as refusal:
        print(f"carepath hindcast: refused: {refusal}", file=sys.stderr)
        return 2
    registered, spec = chain[-1]
    named = modes_of(spec)
    unknown = [m for m in (args.modes or []) if m not in named]
    if unknown:
        parser.error(f"--mode {unknown[0]}: one of {', '.join(named)} (the modes the pre-registration names)")
    modes = {m: named[m] for m in named if not args.modes or m in args.modes}
    measures = measures_of(spec, args.final_test)
    end_year = args.end_year or int(spec["end_year"])
    name = spec.get("place_label", spec["place"].replace("_", " ").title())
    fitted = f"{spec['fitted_year']}/{(int(spec['fitted_year']) + 1) % 100:02d}"
    exp = Experiment("hindcast", out_dir=args.out,
                     question=f"Fitted on {fitted} alone and run on year by year, does the model forecast {name}'s "
                              "type-1 attendances, 4-hour performance and admissions via A&E better than carrying "
                              f"{fitted} forward or extending its trend, with honest 80% intervals?")
    kept, kept_manifest = kept_section(exp.out_dir), kept_record(exp.out_dir)   # the coverage from the draws: its own command
    rows = []
    try:
        for mode in modes:
            results = exp.run(f"{spec['place']}_{mode}", [f"place={spec['place']}", f"run.year={spec['fitted_year']}",
                                                  f"run.end_year={end_year}", f"capacity_policy={mode}",
                                                  f"run.replications={args.replications}", *args.overrides])
            summary = results.summary if "year" in results.summary.columns else results.summary.assign(
                year=int(spec["fitted_year"]))
            for metric, measure in measures.items():
                rows += compare(mode, model_figures(_replications(results), summary, metric, float(spec["interval"])),
                                metric, measure, spec)
    except ConfigError as problem:
        print(f"carepath: invalid configuration: {problem}", file=sys.stderr)
        return 2
    table = withhold(pd.DataFrame(rows), spec, args.final_test)
    exp.summaries = [withhold(s, spec, args.final_test) for s in exp.summaries]   # runs.csv withholds them too
    scored = scores(table, spec)
    if args.final_test:
        scored = pd.concat([scored, scores(table, spec, "final_test")], ignore_index=True)
    exp.table("hindcast", table, "each mode, year and measure: the model's mean and 80% interval (10th-90th percentile "
                                 "over replications), the actual, the naive and anchored forecasts and every error "
                                 "(percent for counts, points for percentages)" + ("" if args.final_test else
                                                                                   "; final-test years withheld"))
    exp.table("scores", scored, "per mode and measure, and overall (measures in the rule only): MAE of the model, of "
                                "the anchored forecast and of each naive forecast over the learning (and, with the final "
                                "test, final-test) years, whether each beats both naive forecasts, coverage of the 80% "
                                "intervals")
    reported = f"{name} ({spec['site']}) reported"
    exp.figure("hindcast", figure(table, reported), f"{reported} (crosses), the model's mean and 80% band in each "
               "capacity mode, and the naive forecasts (2017/18 carried forward, dashed; trend, dotted); the learning "
               "years shaded gold" + (", the final-test years red." if args.final_test else
                                      ". Final-test years (2022/23-2024/25) withheld."))
    said = answer(table, scored, spec, modes)
    if args.final_test:
        said += "\n\n" + answer(table, scored, spec, modes, scope="final_test")
    readme = exp.finish(said, method=__doc__.split("\n\n", 2)[2])
    withheld = [] if args.final_test else [int(y) for y in spec["years"]["final_test"]]
    records = [{**record, "verdict": verdict(table, version)} for record, version in chain]
    record = {**(kept_manifest if kept else {}), "preregistration": registered, "versions": records, "withheld_years": withheld,
              "final_test": {"run": True, "commit": final_commit} if args.final_test else {"run": False},
              "end_year": end_year, "modes": modes}
    manifest = exp.out_dir / "manifest.json"
    write_json({**json.loads(manifest.read_text()), **record}, manifest)
    note = ["## Pre-registration", "", f"`{registered['file']}` (version {registered['version']}), committed in "
            f"{registered['commit']}, sha256 `{registered['sha256']}`, before any of its results existed; this command "
            "refuses it, or any earlier version, if uncommitted or changed since. Each version's verdict on its own rule "
            "(the learning years):", "", *verdicts(records), "",
            ("Final test run once, from the clean commit " + final_commit + ", after the mechanisms were frozen."
             if args.final_test else "Final-test years " + ", ".join(f"{y}/{(y + 1) % 100:02d}" for y in withheld)
             + " are simulated but withheld: `--final-test` is for when the mechanisms are frozen."), "",
            learning(table, spec, next(iter(modes))), caveats(spec, modes, args.replications), *([kept] if kept else [])]
    atomic_write(readme, lambda tmp: Path(tmp).write_text(readme.read_text() + "\n" + "\n".join(note)))
    print(table[["mode", "financial_year", "measure", "actual", "model_mean", "model_p10", "model_p90", "model_error",
                 "naive_carried_error", "naive_trend_error"]].to_string(index=False))
    print(f"\n{said}\nwritten to {exp.out_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
