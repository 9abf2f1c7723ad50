"""``carepath uncertainty``: probabilistic and global sensitivity analysis, from the command line.

    python -m sim.uncertainty --draws 256 --scenarios do_nothing,uk_comparator --out DIR run.year=2027
    python -m sim.uncertainty --draws 64 --ranges my_ranges.yaml --scenarios baseline --metrics ward.occupancy_mean \\
        --out DIR network=mmc
    python -m sim.uncertainty --method morris --draws 10 --out DIR run.year=2027     # 10 trajectories
    python -m sim.uncertainty --method sobol --draws 64 --ranges r.yaml --out DIR network=mmc   # direct Sobol
    python -m sim.uncertainty --refocus DIR --draws 128 --out DIR2 run.year=2027    # a second wave of history matching
    python -m sim.uncertainty --draws 1024 --backend ray --address HEAD:6379 --out DIR run.year=2027   # on a Ray cluster

Trailing ``key=value`` arguments are Hydra overrides, exactly as for ``python -m sim``.  Writes to
``DIR``: ``draws.csv``, ``psa.csv``, ``psa_summary.csv``, ``headline.csv``, ``history_matching.csv``
(with ``discrepancy.csv``, the stated model discrepancy, and for a refocused wave ``refocus.csv`` and
``waves.csv``), ``places.csv`` (each draw's demand-led places), ``variance.csv``, ``sensitivity.csv``
(with ``emulator.csv``, ``tornado.csv``, ``switching_values.csv`` for a PSA), figures with captions, a
README and a manifest.  ``python -m sim.uncertainty.waves`` chains waves until the stop rule;
``python -m sim.reproduce DIR --draws 8`` re-runs eight draws of a study and checks them exactly.
"""
from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

import pandas as pd

from ..common.errors import ConfigError, ConfigErrors
from ..jobs.experiment import Experiment
from ..jobs.runner import available_cores
from . import analysis, history, runs, summary, variance
from .judging import calibration_weights
from .study import Settings, Study, derive, psa_table

METHODS = {"psa": "lhs", "morris": "morris", "sobol": "saltelli"}
HEADLINE = ["system_cost_gbp", "total_cost_gbp", "acute_bed_need", "acute.occupancy_mean", "acute_delayed_bed_days", "ae_attendances",
            "ae_4h_pct", "nel_admissions", "cost_acute_gbp", "cost_community_gbp", "cost_intermediate_care_gbp",
            "cost_social_care_gbp", "ic_wait_days_mean", "social_care_wait_days_mean"]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="carepath uncertainty", description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--draws", type=int, default=64, help="parameter sets (PSA); Morris trajectories; Sobol base samples")
    p.add_argument("--scenarios", default=None, help="comma-separated scenarios, run with every draw (default: "
                   "do_nothing,uk_comparator, those of them whose levers fit the network)")
    p.add_argument("--years", default=None, help="comma-separated run years (projections, fan charts); default run.year")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--ranges", type=Path, default=None, help="ranges file replacing configs/uncertainty/default.yaml")
    p.add_argument("--method", choices=list(METHODS), default="psa",
                   help="psa: Latin hypercube (or --design sobol) + emulator Sobol; morris; sobol: Sobol on the model")
    p.add_argument("--design", choices=["lhs", "sobol"], default=None, help="PSA design (default lhs)")
    p.add_argument("--replications", type=int, default=1, help="replications of each draw (>= 2: ANOVA variance split)")
    p.add_argument("--noise-replications", type=int, default=10, help="replications of the central run")
    p.add_argument("--history-match", choices=list(history.MODES), default=None,
                   help="reject or down-weight draws whose 2017/18 baseline misses the calibration targets, or only "
                        "report them (default: reject where the place has targets for the network, otherwise none)")
    p.add_argument("--threshold", type=float, default=history.THRESHOLD, help="largest implausibility kept (reject)")
    p.add_argument("--refocus", type=Path, default=None,
                   help="an earlier wave's output folder: draw only where its emulators of the calibration targets do "
                        "not rule the baseline out (a refocusing wave of history matching)")
    p.add_argument("--discrepancy", type=Path, default=None, help="model discrepancy of each calibration target, stated "
                   "with its reason (default configs/uncertainty/discrepancy.yaml)")
    p.add_argument("--metrics", default=None, help="comma-separated metrics to keep (default: the headline set, or "
                   "the network's own headline, network.headline, for a network without the pathway's metrics)")
    p.add_argument("--seed", type=int, default=2017, help="seed of the design (runs use run.seed + draw)")
    p.add_argument("--n-jobs", default="auto", help="runs side by side (auto: every core)")
    p.add_argument("--backend", choices=list(runs.BACKENDS), default="joblib",
                   help="joblib (this machine) or ray (a local Ray instance, or the cluster at --address)")
    p.add_argument("--address", default=None, help="with --backend ray: the Ray cluster, HOST:6379 of the machine that "
                   "ran 'ray start --head' (default: RAY_ADDRESS, else a local instance of --n-jobs workers)")
    p.add_argument("--central-places", action="store_true",
                   help="under capacity_policy=demand_led, every draw on the central table's places (as studies did "
                        "before each draw's places were sized for it); default: each draw's places sized for that draw")
    p.add_argument("--no-learning-years", action="store_true",
                   help="history match on the 2017/18 targets alone (default: the hindcast's learning years join them)")
    p.add_argument("--judge-first", action="store_true",
                   help="with --history-match reject: run every draw's history-matching runs first and its scenarios "
                        "only if it is kept (a refocused wave's rejected draws then cost a fraction of a run whole; "
                        "psa.csv has the kept draws' results only)")
    p.add_argument("--screening", type=Path, default=None,
                   help="a --method morris study's folder: the drivers of a result whose emulator's cross-validated "
                        "R² is below 0.7 (its Sobol indices are then withheld)")
    p.add_argument("--top", type=int, default=10, help="leading ranges shown")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("overrides", nargs="*", help="Hydra overrides, as for python -m sim")
    return p


def settings_from(args) -> Settings:
    n_jobs = available_cores() if args.n_jobs == "auto" else int(args.n_jobs)
    mode = args.history_match
    if mode is None:
        mode = "reject" if not any(o.split("=")[0] in ("network", "place") for o in args.overrides) else "none"
    scenarios = [s for s in args.scenarios.split(",") if s] if args.scenarios is not None else None
    return Settings(draws=args.draws, scenarios=scenarios,
                    years=[int(y) for y in args.years.split(",")] if args.years else None, overrides=list(args.overrides),
                    ranges=args.ranges, design=args.design or METHODS[args.method] if args.method == "psa" else METHODS[args.method],
                    replications=args.replications, noise_replications=args.noise_replications, history_match=mode,
                    threshold=args.threshold, discrepancy=args.discrepancy, seed=args.seed, n_jobs=n_jobs,
                    backend=args.backend, address=args.address, progress=not args.no_progress, refocus=args.refocus,
                    size_places=not args.central_places, learning_years=not args.no_learning_years,
                    judge_first=args.judge_first)


def headline(network: dict) -> list[str]:
    """The metrics a study keeps unless told: :data:`HEADLINE` for a network with the pathway's metrics,
    otherwise the network's own headline (``network.headline``: a textbook queue's ``ward.*``)."""
    services = set(network.get("services") or {})
    known = set(network.get("metrics") or {})
    if any(m in known or m.split(".")[0] in services for m in HEADLINE):
        return HEADLINE
    return list(network.get("headline") or [])


def results_to_rank(psa: pd.DataFrame, scenarios: list[str], year, metrics: list[str]) -> list[tuple[str, str]]:
    """(scenario, metric) of the results whose sensitivity is analysed: each net saving, then the bed
    need (or the metrics asked for) of each scenario."""
    present = set(zip(psa["scenario"], psa["metric"]))
    out = [(s, summary.SAVING) for s in sorted({s for s, m in present if m == summary.SAVING})]
    wanted = [summary.BED_NEED] if any(m == summary.BED_NEED for _, m in present) else metrics
    return out + [(s, m) for s in scenarios for m in wanted if (s, m) in present]


def main(argv=None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.address and args.backend != "ray":
        p.error("--address is the Ray cluster's: use it with --backend ray")
    started = time.perf_counter()
    try:
        settings = settings_from(args)
        screened = analysis.screening(args.screening) if args.screening is not None else None
        study = Study(settings)
        outcome = study.run()
    except (ConfigErrors, ConfigError) as error:
        for e in getattr(error, "errors", [error]):
            print(f"carepath: invalid configuration: {e}", file=sys.stderr)
        return 2
    from .report import write
    analysis_started = time.perf_counter()
    metrics = args.metrics.split(",") if args.metrics else headline(study.network)
    psa, paired = psa_table(outcome, metrics)
    weight, implausible, matched = calibration_weights(study, outcome)
    year = max(study.years)
    ranked = results_to_rank(psa, settings.scenarios, year, metrics)
    command = " ".join(["python -m sim.uncertainty", *(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))])
    exp = Experiment("uncertainty", out_dir=args.out, command=command,
                     question=("How far do the results move with the assumptions, which assumptions matter, and at what "
                               "value of each would a scheme stop saving money?"))
    sens = []
    for scenario, metric in ranked:
        y = analysis.result_values(psa, scenario, year, metric, len(outcome.draws))
        if y is None:
            continue
        result = analysis.label(scenario, year, metric)
        if settings.design in ("morris", "saltelli"):
            sens.append({"result": result, "indices": analysis.direct(settings.design, study.design_names, outcome.unit, y, result,
                                                                       settings.trajectories_levels, settings.seed)})
        elif settings.refocus is None:                       # a refocused wave's ranges are not independent
            steady = ~analysis.ran_away(psa, scenario, year, len(outcome.draws))   # a runaway's result is not an estimate
            if steady.sum() >= 10:
                fitted = analysis.emulated(study.resolved, outcome.unit[steady], y[steady], result, seed=settings.seed,
                                           switching_top=3 if metric == summary.SAVING else None)
                fitted["check"]["draws_ran_away"] = int((~steady).sum())
                sens.append({"result": result, **analysis.gate(fitted, screened)})
    central = derive(outcome.central.assign(draw=-1), metrics) if settings.replications < 2 else None
    split = variance.table(paired[(paired["year"] == year) & summary.steady_rows(paired, summary.stable(psa))], central)
    timings = {**outcome.timings, "analysis_seconds": round(time.perf_counter() - analysis_started, 2),
               "total_seconds": round(time.perf_counter() - started, 2)}
    write(exp, study, outcome, psa, weight, implausible, matched, split, sens, timings, args.top)
    print(f"{outcome.stats.jobs} runs ({outcome.stats.ran} run, {outcome.stats.reused} from the cache); "
          f"history matching kept {matched['kept']} of {matched['draws']} draws; written to {args.out}")
    return 0

