"""Benchmark: how fast carepath runs, measured in one process so the ratios are comparable.

    python -m sim.bench --out DIR          # every measure; writes DIR/bench.csv and prints the table
    python -m sim.bench --quick --out DIR  # shorter runs, to check it works
    python -m sim.bench --psa --out DIR    # only: a 256-draw Walsall PSA of two scenarios (DIR/bench_psa.csv)
    python -m sim.bench --profile --out DIR  # only: where a patient's time goes (DIR/bench_profile.csv)

Measures (``measure, value, unit, target``):

* ``walsall_year_seconds`` -- one simulated year of the Walsall default, one replication, one core;
* ``black_country_year_seconds`` -- the same for the Black Country (1.4 million people);
* ``engine_vs_simpy_ratio`` -- carepath's patients per second on the ``mmc`` network over a minimal
  hand-written SimPy M/M/c (a process per patient and a ``simpy.Resource``) with the same
  parameters, timed in this process (above 1: carepath is faster);
* ``engine_vs_ciw_ratio`` -- the same against Ciw;
* ``engine_vs_heapq_ratio`` -- the same against a bare ``heapq`` event loop written for that one queue
  with Python's ``random`` (:func:`heapq_mmc`): the pure-Python limit, so 1 is out of reach;
* ``population_scaling_exponent`` -- slope of log(time) on log(population) from 0.25x to 4x the
  Walsall population, capacities scaled with it;
* ``parallel_speedup_2cores`` -- four replications on two workers against one;
* ``peak_rss_mb`` -- peak resident memory of a ten-year Black Country replication (a child process).

``--profile`` (not part of the default bench) writes ``bench_profile.csv`` instead: events per patient at
each node, the cost of each kind of event and its allocations, for the M/M/c case and a Walsall year
(:mod:`sim.studies.profile`).

``--psa`` (not part of the default bench) times ``python -m sim.uncertainty`` on the default ranges:
``--psa-draws`` draws (256) of the demand-led do-nothing and the UK comparator in 2027/28, one year and
one replication a draw (and the central run, 5 replications, as ``results/uncertainty``), on every core,
with a fresh job cache (``--cache-dir``, default a new temporary folder, so every run is timed), split
into setup (compose, check, draw), runs (of which the runs that size each draw's demand-led places,
:mod:`sim.uncertainty.places`) and analysis (the emulator's cross-validation, Sobol indices
and tornado of the net saving), with the mean seconds of one run (what an unshared machine's cores
would each give).

Every timing is the best of ``--repeats`` runs (the machines are shared; the best is the least
disturbed).  This is a benchmark, not a test: nothing here runs in the test suite except ``--quick``.
"""
from __future__ import annotations

import argparse
import heapq
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..common.checks import is_whole
from ..engine.model import Model
from ..inputs.config import load
from ..inputs.prepare import prepare
from ..jobs import runner

TARGETS = {"walsall_year_seconds": ("<=", 2.0), "black_country_year_seconds": ("<=", 10.0),
           "engine_vs_simpy_ratio": (">=", 2.0), "engine_vs_ciw_ratio": (">=", 3.0), "engine_vs_heapq_ratio": (">=", 0.35),
           "population_scaling_exponent": ("<=", 1.05), "parallel_speedup_2cores": (">=", 1.8),
           "peak_rss_mb": ("<=", 1024.0)}
MMC = {"lam": 9.0, "c": 10, "mean_los": 1.0}
#: the --psa timing's settings: results/uncertainty's (the demand-led do-nothing of 2027/28), so that study can
#: re-use the timed runs from the job cache and add only its history-matching baselines
PSA_OVERRIDES = ["run.year=2027", "capacity_policy=demand_led", "capacity_policy.levers_checked=false"]


def _best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def year_seconds(place: str, repeats: int, days: float = 365.0) -> float:
    """Wall seconds per simulated year: one replication, one core, no warm-up."""
    cfg = prepare(load([f"place={place}", f"run.horizon_days={days}", "run.warmup_days=0"]))
    return _best(lambda: Model(cfg, 0).run(), repeats) * 365.0 / days


def simpy_mmc(lam: float, c: int, mean_los: float, horizon: float, seed: int = 1) -> int:
    """A minimal SimPy M/M/c: one process per patient requesting a Resource.  Returns patients served."""
    import simpy
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    ward = simpy.Resource(env, capacity=c)
    served = [0]

    def patient():
        with ward.request() as request:
            yield request
            yield env.timeout(rng.exponential(mean_los))
        served[0] += 1

    def arrivals():
        while True:
            yield env.timeout(rng.exponential(1.0 / lam))
            env.process(patient())

    env.process(arrivals())
    env.run(until=horizon)
    return served[0]


def heapq_mmc(lam: float, c: int, mean_los: float, horizon: float, seed: int = 1) -> int:
    """The pure-Python limit: an M/M/c written for that one queue as a ``heapq`` of (time, kind) with
    Python's ``random``, keeping the waits of a first-come, first-served list.  Returns patients served."""
    from collections import deque
    draw = random.Random(seed).expovariate
    rate_out = 1.0 / mean_los
    events = [(draw(lam), True)]            # (time, is an arrival)
    waiting: deque[float] = deque()          # arrival times of the patients waiting
    free, served, wait_sum = c, 0, 0.0
    while events:
        now, arrival = heapq.heappop(events)
        if now > horizon:
            break
        if arrival:
            heapq.heappush(events, (now + draw(lam), True))
            if free:
                free -= 1
                heapq.heappush(events, (now + draw(rate_out), False))
            else:
                waiting.append(now)
        else:
            served += 1
            if waiting:
                wait_sum += now - waiting.popleft()
                heapq.heappush(events, (now + draw(rate_out), False))
            else:
                free += 1
    return served


def ciw_mmc(lam: float, c: int, mean_los: float, horizon: float, seed: int = 1) -> int:
    import ciw
    network = ciw.create_network(arrival_distributions=[ciw.dists.Exponential(rate=lam)],
                                 service_distributions=[ciw.dists.Exponential(rate=1.0 / mean_los)],
                                 number_of_servers=[c])
    ciw.seed(seed)
    q = ciw.Simulation(network)
    q.simulate_until_max_time(horizon)
    return len(q.get_all_records())


def engine_ratios(horizon: float, repeats: int) -> dict[str, float]:
    cfg = prepare(load(["network=mmc", f"network.lam={MMC['lam']}", f"network.c={MMC['c']}",
                               f"network.mean_los={MMC['mean_los']}", f"run.horizon_days={horizon}",
                               "run.warmup_days=0"]))
    served = {}

    def ours():
        raw = Model(cfg, 0).run()
        served["carepath"] = raw["services"]["ward"]["left"]

    def simpys():
        served["simpy"] = simpy_mmc(MMC["lam"], MMC["c"], MMC["mean_los"], horizon)

    def ciws():
        served["ciw"] = ciw_mmc(MMC["lam"], MMC["c"], MMC["mean_los"], horizon / 4)   # Ciw is slow; a quarter as long

    def bare():
        served["heapq"] = heapq_mmc(MMC["lam"], MMC["c"], MMC["mean_los"], horizon)

    seconds = {"carepath": _best(ours, repeats), "simpy": _best(simpys, repeats), "ciw": _best(ciws, repeats),
               "heapq": _best(bare, repeats)}
    rate = {name: served[name] / t for name, t in seconds.items()}
    return {"engine_vs_simpy_ratio": rate["carepath"] / rate["simpy"], "engine_vs_ciw_ratio": rate["carepath"] / rate["ciw"],
            "engine_vs_heapq_ratio": rate["carepath"] / rate["heapq"], "carepath_patients_per_second": rate["carepath"]}


def scaling_exponent(factors, days: float, repeats: int) -> tuple[float, dict]:
    """Slope of log(seconds) on log(population) for the Walsall default scaled by ``factors``."""
    base = load()
    total = base["place"]["population"]["total"]
    times = {}
    for f in factors:
        overrides = [f"place.population.total={total * f}", f"run.horizon_days={days}", "run.warmup_days=0"]
        overrides += [f"capacity.{k}={max(0, round(v * f))}" for k, v in base["capacity"].items()
                      if is_whole(v)]
        cfg = prepare(load(overrides))
        times[f] = _best(lambda cfg=cfg: Model(cfg, 0).run(), repeats)
    slope = float(np.polyfit(np.log(list(times)), np.log(list(times.values())), 1)[0])
    return slope, times


def parallel_speedup(replications: int, days: float, repeats: int) -> float:
    def run(n_jobs):
        runner.run(load([f"run.replications={replications}", f"run.n_jobs={n_jobs}", f"run.horizon_days={days}",
                         "run.warmup_days=0"]), progress=False)
    run(2)                          # start the worker pool once, so both timings find it warm
    return _best(lambda: run(1), repeats) / _best(lambda: run(2), repeats)


def peak_rss_mb(place: str, days: float) -> float:
    """Peak resident memory of one replication in a fresh child process (no queue cap: the worst case,
    queues that grow for the whole run included)."""
    code = ("import resource; from sim.inputs.config import load; from sim.inputs.prepare import prepare; "
            "from sim.engine.model import Model; "
            f"cfg = prepare(load(['place={place}', 'run.year=2017', 'run.horizon_days={days}', 'run.warmup_days=0', "
            "'run.max_queue=null'])); "
            "Model(cfg, 0).run(); print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024.0      # Linux reports kilobytes


def measure(quick: bool = False, repeats: int = 3, log=print) -> pd.DataFrame:
    days = 60.0 if quick else 365.0
    rows = []

    def add(measure_, value, unit):
        op, target = TARGETS.get(measure_, (None, None))
        met = None if op is None else (value <= target if op == "<=" else value >= target)
        rows.append({"measure": measure_, "value": round(float(value), 4), "unit": unit,
                     "target": f"{op} {target:g}" if op else "", "met": met})
        log(f"{measure_:32} {value:12.4g} {unit:22} {rows[-1]['target']}")

    add("walsall_year_seconds", year_seconds("walsall", repeats, days), "s / simulated year")
    add("black_country_year_seconds", year_seconds("black_country", repeats, days), "s / simulated year")
    ratios = engine_ratios(2000.0 if quick else 20000.0, repeats)
    add("engine_vs_simpy_ratio", ratios["engine_vs_simpy_ratio"], "x SimPy throughput")
    add("engine_vs_ciw_ratio", ratios["engine_vs_ciw_ratio"], "x Ciw throughput")
    add("engine_vs_heapq_ratio", ratios["engine_vs_heapq_ratio"], "x bare heapq loop")
    add("carepath_mmc_patients_per_second", ratios["carepath_patients_per_second"], "patients / s")
    slope, times = scaling_exponent([0.25, 0.5, 1.0, 2.0, 4.0], 30.0 if quick else 120.0, repeats)
    add("population_scaling_exponent", slope, "d log t / d log N")
    for f, t in times.items():
        add(f"population_{f:g}x_seconds", t, f"s / {30 if quick else 120} days")
    add("parallel_speedup_2cores", parallel_speedup(4, days, repeats), "x one worker")
    add("peak_rss_mb", peak_rss_mb("black_country", 120.0 if quick else 3650.0), "MB (ten-year Black Country)"
        if not quick else "MB (120-day Black Country)")
    return pd.DataFrame(rows)


def psa_timing(draws: int, cache_dir: Path | None, log=print) -> pd.DataFrame:
    """Seconds of a Walsall PSA: setup, runs and analysis (see the module docstring)."""
    import tempfile

    from ..uncertainty import analysis, study, summary
    cache_dir = cache_dir or Path(tempfile.mkdtemp(prefix="carepath-psa-cache-"))
    settings = study.Settings(draws=draws, scenarios=["do_nothing", "uk_comparator"], history_match="none",
                              overrides=[*PSA_OVERRIDES, f"run.cache_dir={cache_dir}"], noise_replications=5,
                              n_jobs=runner.available_cores(), progress=sys.stderr.isatty())
    started = time.perf_counter()
    psa_study = study.Study(settings)
    outcome = psa_study.run()
    analysing = time.perf_counter()
    psa, _ = study.psa_table(outcome, list(summary.COSTS))
    y = analysis.result_values(psa, "uk_comparator vs do_nothing", 2027, summary.SAVING, draws)
    if draws >= 10:                      # the emulator's 5-fold cross-validation needs a few draws a fold
        analysis.emulated(psa_study.resolved, outcome.unit, y, "net saving", seed=settings.seed)
    done = time.perf_counter()
    rows = [("psa_total_seconds", done - started, "s", "<= 900"),
            ("psa_setup_seconds", outcome.timings["setup_seconds"], "s (compose, check, draw)", ""),
            ("psa_runs_seconds", outcome.timings["run_seconds"], f"s ({outcome.stats.ran} runs)", ""),
            ("psa_sizing_seconds", outcome.timings.get("sizing_seconds", 0.0),
             "s (of the runs: each draw's unconstrained run, sizing its places)", ""),
            ("psa_analysis_seconds", done - analysing, "s (emulator, Sobol, tornado)", ""),
            ("psa_seconds_per_run", outcome.stats.job_seconds / max(1, outcome.stats.ran), "s (one run, one core)", ""),
            ("psa_cores", settings.n_jobs, "cores", "")]
    table = pd.DataFrame([{"measure": m, "value": round(float(v), 2), "unit": u, "target": t,
                           "met": (v <= 900) if t else None} for m, v, u, t in rows])
    for r in table.itertuples():
        log(f"{r.measure:32} {r.value:12.4g} {r.unit:28} {r.target}")
    return table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="carepath bench", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for bench.csv")
    parser.add_argument("--quick", action="store_true", help="short runs (checks the benchmark works)")
    parser.add_argument("--repeats", type=int, default=3, help="timings per measure; the best is kept")
    parser.add_argument("--psa", action="store_true", help="only time a Walsall PSA (python -m sim.uncertainty)")
    parser.add_argument("--psa-draws", type=int, default=256, help="draws of the --psa timing")
    parser.add_argument("--profile", action="store_true",
                        help="only profile the M/M/c case and a Walsall year: events, their costs and allocations")
    parser.add_argument("--cache-dir", type=Path, default=None, help="job cache of the --psa timing (default: a fresh one)")
    args = parser.parse_args(argv)
    if args.profile:
        from ..common.files import write_csv
        from .profile import profile
        table = profile(args.quick)
        args.out.mkdir(parents=True, exist_ok=True)
        write_csv(table, args.out / "bench_profile.csv")
        print(f"written to {args.out / 'bench_profile.csv'}")
        return 0
    if args.psa:
        from ..common.files import write_csv
        args.out.mkdir(parents=True, exist_ok=True)
        write_csv(psa_timing(args.psa_draws, args.cache_dir), args.out / "bench_psa.csv")
        print(f"written to {args.out / 'bench_psa.csv'}")
        return 0
    table = measure(args.quick, args.repeats)
    args.out.mkdir(parents=True, exist_ok=True)
    from ..common.files import write_csv
    write_csv(table, args.out / "bench.csv")
    print(f"\n{int(table['met'].fillna(True).sum())} of {len(table)} rows meet their target; written to {args.out / 'bench.csv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
