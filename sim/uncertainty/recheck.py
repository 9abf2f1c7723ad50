"""A committed study checked in minutes: a few of its draws re-run and compared exactly with its tables.

    python -m sim.reproduce results/uncertainty/wave1 --draws 8      # (carepath reproduce ... --draws 8) runs this
    python -m sim.uncertainty.recheck results/uncertainty/wave1 --draws 8

Re-running a PSA whole takes the better part of an hour on two cores.  Instead ``--draws N`` picks
``N`` draws spread evenly over the study's (the first, the last and between), rebuilds the study from
the command in its ``manifest.json`` (so later edits to ``configs/`` change what is checked: the check
is of this code and these configs against the committed numbers), writes each chosen draw's committed
values (``draws.csv``) and seed into its scenarios (a range added to the ranges file since is held
at its central value, and the check says so), sizes its places as the study did, runs it into a
fresh job cache (nothing is read back) and compares every number of its rows of ``psa.csv`` (and of
``baseline.csv``, with history matching) with the committed ones: **exact** (to 1e-9, relative) or
**mismatch**, naming the first values that differ.  It then says how long the whole study would take
here: the seconds each kind of run took in the check, times the runs the study has, over the cores.
The exit code is 0 only when every compared number is exact.
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..common.errors import ConfigError, ConfigErrors
from ..common.files import table_file
from . import learning, runs, sampling, summary
from .judging import judged_runs
from .study import CALIBRATION, Study, derive

RTOL = 1e-9
KEYS = ["draw", "scenario", "year", "metric"]


def chosen_draws(count: int, draws: int) -> list[int]:
    """``count`` draw numbers spread evenly over ``draws`` (every draw when there are no more)."""
    return sorted({int(x) for x in np.linspace(0, draws - 1, min(count, draws)).round()})


def _settings(folder: Path, manifest: dict, cache: Path):
    """The study's settings, rebuilt from its command, run into ``cache`` without a progress bar."""
    from .cli import parser, settings_from
    words = shlex.split(manifest["command"])
    args = parser().parse_args([*words[3:], "--no-progress"])       # after "python -m sim.uncertainty"
    settings = settings_from(args)
    recorded = manifest.get("runs", {}).get("study", {}).get("settings", {})
    settings.size_places = bool(recorded.get("size_places", False))  # studies before per-draw sizing: the central table
    settings.learning_years = bool(recorded.get("learning_years", False))   # ... or the learning years as targets
    settings.overrides = [*settings.overrides, f"run.cache_dir={cache}"]
    settings.refocus = None                                          # the draws are read back, not drawn again
    settings.backend, settings.address = "joblib", None              # this machine
    return settings, args


def compare(new: pd.DataFrame, old: pd.DataFrame) -> tuple[int, list[str]]:
    """How many committed numbers were compared, and those that differ (``draw scenario year metric``)."""
    merged = old.merge(new, on=[c for c in KEYS if c in old.columns], how="left", suffixes=("", "_new"))
    a, b = merged["value"].to_numpy(float), merged["value_new"].to_numpy(float)
    same = (np.isnan(a) & np.isnan(b)) | (np.abs(a - b) <= RTOL * (1 + np.abs(a)))
    bad = merged.loc[~same].apply(lambda r: f"draw {r['draw']} {r.get('scenario', CALIBRATION)} {r['year']} {r['metric']}: "
                                            f"{r['value']:.10g} then, {r['value_new']:.10g} now", axis=1).tolist()
    return len(merged), bad


def recheck(folder: Path, count: int, log=print) -> bool:
    """Re-run ``count`` draws of the study in ``folder`` and compare them with its tables."""
    manifest = json.loads((folder / "manifest.json").read_text())
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="carepath-recheck-") as cache:
        settings, args = _settings(folder, manifest, Path(cache))
        study = Study(settings)
        committed = pd.read_csv(table_file(folder, "draws"))
        picked = chosen_draws(count, len(committed))
        rows = committed.set_index("draw").loc[picked]
        study.seeds = {int(draw): int(seed) for draw, seed in rows["seed"].items()}   # as committed, whatever the design
        added = [name for name in study.names if name not in rows.columns]
        dropped = [name for name in rows.columns if name not in (*study.names, "seed")]
        if added or dropped:                       # the ranges file changed since the study was drawn
            log(f"the ranges differ from the study's: {len(added)} added since (held at their central values, as the "
                f"study had them: {', '.join(added[:4])}{', ...' if len(added) > 4 else ''}), {len(dropped)} no longer "
                f"ranged ({', '.join(dropped[:4])}{', ...' if len(dropped) > 4 else ''}); expect a mismatch")
        central = sampling.central_values(study.resolved)
        values = pd.DataFrame({name: rows[name] if name in rows.columns else central[name] for name in study.names},
                              index=rows.index)
        old = pd.read_csv(table_file(folder, "psa"))
        # a study that judged first ran the scenarios of the draws it kept only: the others are re-run as it ran them
        run_whole = values.index.isin(set(old["draw"])) if settings.judge_first else np.ones(len(values), bool)
        stats = runs.RunStats()
        scale, _ = study.size_places(values[run_whole], stats)
        sizing_runs, sizing_seconds = stats.ran, stats.job_seconds
        _, drawn = study.jobs(values[run_whole], scale)
        _, judged = study.jobs(values[~run_whole], labels=study.judged_labels())
        replications = runs.run_jobs(drawn + judged, settings.n_jobs, progress=False, stats=stats)
    from .cli import headline
    metrics = args.metrics.split(",") if args.metrics else headline(study.network)
    psa = summary.draw_means(derive(replications[~replications["scenario"].map(learning.is_judged)], metrics))
    checked, bad = compare(psa, old[old["draw"].isin(picked)])
    if table_file(folder, "baseline").is_file() and study.calibration is not None:
        base = judged_runs(study, replications).groupby(["draw", "year", "metric"])["value"].mean()
        baseline = pd.read_csv(table_file(folder, "baseline"))
        more, worse = compare(base.reset_index(), baseline[baseline["draw"].isin(picked)])
        checked, bad = checked + more, bad + worse
    ordinary = (stats.job_seconds - sizing_seconds) / max(1, stats.ran - sizing_runs)
    generous = sizing_seconds / max(1, sizing_runs)
    draws, labels, sized = len(committed), len(study.labels()), len(study.sized_labels())
    judged_labels = len(study.judged_labels())
    scenario_draws = old["draw"].nunique() if settings.judge_first else draws
    whole = ((draws * judged_labels + scenario_draws * (labels - judged_labels)) * ordinary
             + (scenario_draws + 1) * sized * generous
             + labels * settings.noise_replications * ordinary) / max(1, settings.n_jobs)
    verdict = "exact" if not bad else "mismatch"
    log(f"{folder}: draws {', '.join(map(str, picked))} of {draws} re-run ({stats.ran} runs in "
        f"{(time.perf_counter() - started) / 60:.1f} minutes on {settings.n_jobs} cores); {checked} committed numbers "
        f"compared: {verdict}" + (f" ({len(bad)} differ, e.g. {'; '.join(bad[:3])})" if bad else ""))
    log(f"the whole study would take about {whole / 60:.0f} minutes here on {settings.n_jobs} cores "
        + (f"({draws} draws x {labels} runs of {ordinary:.1f} s each" if scenario_draws == draws else
           f"({draws} draws x {judged_labels} judged runs and {scenario_draws} kept draws x {labels - judged_labels} "
           f"scenario runs, of {ordinary:.1f} s each")
        + (f", {scenario_draws + 1} x {sized} sizing runs of {generous:.1f} s" if sized else "")
        + f", the central runs; then the analysis): {manifest['command']}")
    return not bad


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="carepath reproduce --draws", description=__doc__.splitlines()[0])
    p.add_argument("folder", type=Path, help="a study's folder, written by python -m sim.uncertainty")
    p.add_argument("--draws", type=int, default=8, help="draws to re-run (spread evenly over the study's)")
    args = p.parse_args(argv)
    if args.draws < 1:
        print(f"carepath: invalid configuration: --draws = {args.draws}: expected a whole number >= 1", file=sys.stderr)
        return 2
    manifest = args.folder / "manifest.json"
    if not manifest.is_file() or json.loads(manifest.read_text()).get("experiment") != "uncertainty":
        print(f"carepath: invalid configuration: folder = {args.folder}: expected a folder written by python -m "
              "sim.uncertainty (its manifest.json)", file=sys.stderr)
        return 2
    try:
        return 0 if recheck(args.folder, args.draws) else 1
    except (ConfigErrors, ConfigError) as error:
        for e in getattr(error, "errors", [error]):
            print(f"carepath: invalid configuration: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
