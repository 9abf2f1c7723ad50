"""Verify the engine against queueing theory and an independent simulator.

    python -m sim.validate                 # every check, full length; writes results/validation/
    python -m sim.validate --quick         # shorter runs (what the test suite uses)

Each check runs a textbook network (``configs/network/{mmc,erlang_loss,tandem_blocking,mt_g_inf}``)
or the Walsall pathway on the same engine and code path as every pathway, and compares the model's
mean over replications with the theoretical (or Ciw's) value:

* **M/M/c** -- probability of waiting and mean wait against Erlang C; occupancy against lam / mu;
* **M/G/c/c** -- loss probability against Erlang B with lognormal stays (insensitivity);
* **Mt/G/inf** -- the mean, amplitude and peak lag of occupancy under sinusoidal arrivals against
  Eick, Massey and Whitt (1993);
* **tandem with blocking** -- waits, blocking and occupancy against Ciw (Type I blocking,
  ``queue_capacities=[inf, 0]``) with matched parameters and the same number of replications;
* **Little's law** -- for every Walsall service with stays short beside a year, occupancy against
  departures per day x mean time in a place (paired by replication, seasonal profiles removed so
  the year is in steady state); for every service, the exact finite-run identity (place-days equal
  the patients' days in a place) is checked in every run's ledger.

A check passes when the theoretical value lies inside the model's 99.9% t-interval (for Ciw and
Little, when the 99.9% interval of the difference contains zero).  The tolerance is therefore
the replications' own uncertainty, not a fixed percentage; 99.9% rather than 95% because some
thirty checks run together and a sound engine should fail none of them.  The table reports the
95% interval as well.
"""
from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..analysis import theory
from ..analysis.statistics import t_interval
from ..inputs.config import load
from ..jobs import runner

PASS_CONFIDENCE = 0.999


@dataclass(frozen=True)
class Scale:
    """Run lengths: ``replications`` and a multiplier on each check's horizon."""
    replications: int
    horizon: float


FULL = Scale(replications=20, horizon=1.0)
QUICK = Scale(replications=10, horizon=0.4)

MMC_SETS = [  # (lam per day, c, mean stay days, horizon days, warm-up days); utilisation 0.9-0.95 and 0.7
    (0.9, 1, 1.0, 20000, 1000),
    (4.6, 5, 1.0, 5000, 200),
    (14.0, 20, 1.0, 2000, 100),
    (47.5, 50, 1.0, 1500, 100),
]
ERLANG_B_SETS = [  # (lam, c, mean stay, cv of the lognormal stay, horizon, warm-up)
    (9.0, 10, 1.0, 2.0, 3000, 50),
    (5.0, 5, 1.0, 0.5, 3000, 50),
    (28.0, 30, 1.0, 1.5, 1500, 50),
]
MT_SETS = [  # (lam, mean stay, cv, amplitude, period days, horizon, warm-up)
    (20.0, 2.0, 1.0, 0.5, 7.0, 1428, 28),
    (20.0, 2.0, 1.5, 0.8, 7.0, 1428, 56),
]
TANDEM_SETS = [  # (lam, c, mean, cv, c2, mean2, cv2, p_down, horizon, warm-up)
    (4.0, 6, 1.0, 1.0, 3, 1.0, 1.0, 0.5, 2000, 100),
    (3.6, 6, 1.0, 1.0, 2, 2.0, 1.0, 0.25, 3000, 200),   # step-down offered 0.9 a place: heavy blocking
]


def _row(check, parameters, metric, values, reference, kind="theory"):
    mean, low, high, n = t_interval(values)
    _, low_pass, high_pass, _ = t_interval(values, PASS_CONFIDENCE)
    return {"check": check, "parameters": parameters, "metric": metric, "model_mean": mean,
            "ci95_low": low, "ci95_high": high, "reference": reference, "reference_kind": kind,
            "replications": n, "passes": bool(low_pass <= reference <= high_pass)}


def _run(network: str, settings: dict, horizon: float, warmup: float, scale: Scale, seed: int = 1):
    overrides = [f"network={network}", f"run.horizon_days={horizon * scale.horizon:g}",
                 f"run.warmup_days={warmup}", f"run.replications={scale.replications}", f"run.seed={seed}"]
    overrides += [f"network.{k}={v}" for k, v in settings.items()]
    return runner.run(load(overrides), progress=False)


def _values(results, metric):
    table = results.replications
    return table.loc[table["metric"] == metric, "value"].to_numpy(dtype=float)


def check_mmc(scale: Scale) -> list[dict]:
    rows = []
    for lam, c, mean_los, horizon, warmup in MMC_SETS:
        results = _run("mmc", {"lam": lam, "c": c, "mean_los": mean_los, "los_cv": 1.0}, horizon, warmup, scale)
        label = f"lam={lam:g} c={c} rho={lam * mean_los / c:.2f}"
        rows += [_row("M/M/c vs Erlang C", label, "ward.p_wait", _values(results, "ward.p_wait"),
                      theory.erlang_c(c, lam * mean_los)),
                 _row("M/M/c vs Erlang C", label, "ward.wait_mean", _values(results, "ward.wait_mean"),
                      theory.mmc_wait_mean(lam, c, mean_los)),
                 _row("M/M/c vs Erlang C", label, "ward.occupancy_mean", _values(results, "ward.occupancy_mean"),
                      lam * mean_los)]
    return rows


def check_erlang_b(scale: Scale) -> list[dict]:
    rows = []
    for lam, c, mean_los, cv, horizon, warmup in ERLANG_B_SETS:
        results = _run("erlang_loss", {"lam": lam, "c": c, "mean_los": mean_los, "los_cv": cv}, horizon, warmup, scale)
        load_ = lam * mean_los
        blocking = theory.erlang_b(c, load_)
        label = f"lam={lam:g} c={c} offered={load_ / c:.2f}/place lognormal cv={cv:g}"
        rows += [_row("M/G/c/c vs Erlang B", label, "ward.p_loss", _values(results, "ward.p_loss"), blocking),
                 _row("M/G/c/c vs Erlang B", label, "ward.occupancy_mean", _values(results, "ward.occupancy_mean"),
                      load_ * (1 - blocking))]
    return rows


def mt_profile(results, period: float, warmup: float) -> pd.DataFrame:
    """Daily occupancy folded over the period: replication, day of period, mean occupancy."""
    daily = results.daily
    daily = daily[(daily["service"] == "ward") & (daily["day"] >= warmup)]
    fold = daily.assign(day_of_period=(daily["day"] % period).astype(int))
    return fold.groupby(["replication", "day_of_period"], as_index=False)["occupancy_mean"].mean()


def check_mt_g_inf(scale: Scale, keep: dict | None = None) -> list[dict]:
    rows = []
    for lam, mean_los, cv, amplitude, period, horizon, warmup in MT_SETS:
        settings = {"lam": lam, "mean_los": mean_los, "los_cv": cv, "amplitude": amplitude, "period_days": period}
        results = _run("mt_g_inf", settings, horizon, warmup, scale)
        daily = results.daily
        daily = daily[(daily["service"] == "ward") & (daily["day"] >= warmup)]
        fits = np.array([theory.daily_sinusoid_fit(g["day"].to_numpy(), g["occupancy_mean"].to_numpy(), period)
                         for _, g in daily.groupby("replication")])
        shape = "exponential" if cv == 1.0 else f"lognormal cv={cv:g}"
        label = f"lam={lam:g} a={amplitude:g} period={period:g}d mean stay={mean_los:g}d {shape}"
        mean_curve = theory.infinite_server_mean([0.0], lam, 0.0, period, mean_los, cv)[0]
        peak = theory.infinite_server_mean([period / 4 + theory.infinite_server_peak_lag(period, mean_los, cv)],
                                           lam, amplitude, period, mean_los, cv)[0]
        rows += [_row("Mt/G/inf vs Eick-Massey-Whitt", label, "occupancy mean", fits[:, 0], mean_curve),
                 _row("Mt/G/inf vs Eick-Massey-Whitt", label, "occupancy amplitude", fits[:, 1], peak - mean_curve),
                 _row("Mt/G/inf vs Eick-Massey-Whitt", label, "peak lag after arrivals peak (days)", fits[:, 2],
                      theory.infinite_server_peak_lag(period, mean_los, cv))]
        if keep is not None:
            keep[label] = (mt_profile(results, period, warmup), settings)
    return rows


def _ciw_open(simulation, node: int, warmup: float, horizon: float) -> float:
    """Place-days within the results period of Ciw customers still in a place at the horizon
    (they have no record yet)."""
    starts = [i.service_start_date for i in simulation.nodes[node].all_individuals if i.service_start_date is not False]
    return float(sum(horizon - max(start, warmup) for start in starts))


def ciw_tandem(lam, c, mean_los, cv, c2, mean_los2, cv2, p_down, horizon, warmup, replications, seed=1):
    """The tandem with blocking in Ciw: per-replication acute wait, blocking, occupancies."""
    import ciw

    def stay(mean, coefficient):
        if coefficient == 1.0:
            return ciw.dists.Exponential(rate=1.0 / mean)
        sigma2 = math.log(1 + coefficient ** 2)
        return ciw.dists.Lognormal(mean=math.log(mean) - sigma2 / 2, sd=math.sqrt(sigma2))

    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=lam), None],
        service_distributions=[stay(mean_los, cv), stay(mean_los2, cv2)],
        routing=[[0.0, p_down], [0.0, 0.0]],
        number_of_servers=[c, c2],
        queue_capacities=[float("inf"), 0],
    )
    out = []
    for r in range(replications):
        ciw.seed(seed * 1000 + r)
        q = ciw.Simulation(network)
        q.simulate_until_max_time(horizon)
        records = pd.DataFrame(q.get_all_records())
        records = records[records["record_type"] == "service"]
        acute, down = records[records["node"] == 1], records[records["node"] == 2]
        started = acute[acute["service_start_date"] >= warmup]
        left = acute[acute["exit_date"] >= warmup]
        period = horizon - warmup

        def occupancy(frame, period=period):   # time in a place (service + blocked) within the results period
            begin = frame["service_start_date"].clip(lower=warmup)
            end = frame["exit_date"].clip(upper=horizon)
            return float((end - begin).clip(lower=0).sum()) / period
        out.append({"acute.wait_mean": float(started["waiting_time"].mean()),
                    "acute.blocked_days_mean": float(left["time_blocked"].mean()),
                    "acute.occupancy_mean": occupancy(acute) + _ciw_open(q, 1, warmup, horizon) / period,
                    "step_down.occupancy_mean": occupancy(down) + _ciw_open(q, 2, warmup, horizon) / period})
    return pd.DataFrame(out)


def check_tandem_vs_ciw(scale: Scale) -> list[dict]:
    rows = []
    for lam, c, mean_los, cv, c2, mean_los2, cv2, p_down, horizon, warmup in TANDEM_SETS:
        settings = {"lam": lam, "c": c, "mean_los": mean_los, "los_cv": cv, "c2": c2, "mean_los2": mean_los2,
                    "los_cv2": cv2, "p_down": p_down}
        results = _run("tandem_blocking", settings, horizon, warmup, scale)
        reference = ciw_tandem(lam, c, mean_los, cv, c2, mean_los2, cv2, p_down, horizon * scale.horizon, warmup,
                               scale.replications)
        label = f"lam={lam:g} c={c} c2={c2} mean2={mean_los2:g} p_down={p_down:g}"
        for metric in reference.columns:
            rows.append(_difference_row("tandem blocking vs Ciw", label, metric, _values(results, metric),
                                        reference[metric].to_numpy(), "Ciw"))
    return rows


def _difference_row(check, parameters, metric, model, reference, kind):
    """Model against another estimate with its own noise: a Welch interval for the difference."""
    row = _row(check, parameters, metric, model, float(np.mean(reference)), kind)
    difference, se, df = _welch(model, reference)
    quantile = stats.t.ppf(0.5 + PASS_CONFIDENCE / 2, df)
    row["reference_ci95_half_width"] = float(stats.t.ppf(0.975, len(reference) - 1) * np.std(reference, ddof=1)
                                             / math.sqrt(len(reference)))
    row["passes"] = bool(abs(difference) <= quantile * se)
    return row


def _welch(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1)) if se > 0 else 1.0
    return float(a.mean() - b.mean()), se, df


def check_little(scale: Scale, max_stay_fraction: float = 0.1) -> list[dict]:
    """Little's law for every Walsall service whose mean time in a place is short beside the results
    period (longer stays are not in steady state within one year; the exact identity covers them),
    with the seasonal profiles removed (see below)."""
    cfg = load([f"run.replications={scale.replications}"])
    # Little's law is a steady-state result, and the month-of-year profiles (of arrivals, and of the
    # share of A&E patients admitted) make a year that starts in April and ends in the winter peak
    # non-stationary; the check runs the pathway without them (the hour and day cycles repeat within
    # the year).  The exact identity below needs no such care.
    for stream in cfg["network"]["streams"].values():
        (stream.get("profile") or {}).pop("months", None)
    for service in cfg["network"]["services"].values():
        service.pop("seasonality", None)
    results = runner.run(cfg, progress=False)
    period = float(cfg["run"]["horizon_days"]) - float(cfg["run"]["warmup_days"])
    rows = []
    for name in sorted({m.rsplit(".", 1)[0] for m in results.replications["metric"] if m.endswith(".place_time_mean")}):
        occupancy = _values(results, f"{name}.occupancy_mean")
        stays = _values(results, f"{name}.place_time_mean")
        stay = float(np.nanmean(stays)) if np.isfinite(stays).any() else math.nan   # nan: nobody left
        if not np.isfinite(stay) or stay > max_stay_fraction * period or occupancy.mean() == 0:
            continue
        little = _values(results, f"{name}.departures_x_place_time")
        row = _row("Little's law, Walsall 2017/18 without seasons", name, f"{name}.occupancy_mean", occupancy, float(little.mean()),
                   "departures/day x mean time in place")
        _, low, high, _ = t_interval(occupancy - little, PASS_CONFIDENCE)
        row["passes"] = bool(low <= 0 <= high)
        rows.append(row)
    rows.append({"check": "Little's identity, whole run", "parameters": "every Walsall service",
                 "metric": "max |place-days - patients' days in a place|",
                 "model_mean": max(abs(v["little_gap"]) for ledger in results.ledgers for v in ledger["services"].values()),
                 "reference": 0.0, "reference_kind": "identity", "replications": scale.replications,
                 "passes": results.balanced})
    return rows


CHECKS = {"mmc": check_mmc, "erlang_b": check_erlang_b, "mt_g_inf": check_mt_g_inf,
          "tandem": check_tandem_vs_ciw, "little": check_little}


def figure(profiles: dict, table: pd.DataFrame):
    """Mt/G/inf occupancy over the period against m(t), and every check's model/theory ratio."""
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(profiles) + 1, figsize=(5 * (len(profiles) + 1), 4))
    for ax, (label, (profile, settings)) in zip(axes, profiles.items()):
        period = settings["period_days"]
        grid = np.linspace(0, period, 200)
        m = theory.infinite_server_mean(grid, settings["lam"], settings["amplitude"], period, settings["mean_los"],
                                        settings["los_cv"])
        ax.plot(grid, m, color="black", label="m(t), Eick-Massey-Whitt")
        day_mean = [float(theory.infinite_server_mean(np.linspace(d, d + 1, 49), settings["lam"], settings["amplitude"],
                                                      period, settings["mean_los"], settings["los_cv"]).mean())
                    for d in range(int(period))]
        ax.step(np.arange(int(period) + 1), day_mean + day_mean[-1:], where="post", color="grey", linestyle="--",
                label="m(t), daily mean")
        summary = profile.groupby("day_of_period")["occupancy_mean"].agg(["mean", "std", "count"])
        half = stats.t.ppf(0.975, summary["count"] - 1) * summary["std"] / np.sqrt(summary["count"])
        ax.errorbar(summary.index + 0.5, summary["mean"], yerr=half, fmt="o", color="tab:blue",
                    label="carepath daily mean, 95% CI")
        lam_t = settings["lam"] * (1 + settings["amplitude"] * np.sin(2 * np.pi * grid / period))
        ax.plot(grid, lam_t * settings["mean_los"], color="tab:orange", alpha=0.5, label="lam(t) x mean stay")
        ax.set_title(label, fontsize=8)
        ax.set_xlabel("day of period")
        ax.set_ylabel("patients in the ward")
        ax.legend(fontsize=7)
    ax = axes[-1]
    shown = table[table["reference"].abs() > 0].reset_index(drop=True)
    ratio = shown["model_mean"] / shown["reference"]
    err = np.vstack([ratio - shown["ci95_low"] / shown["reference"], shown["ci95_high"] / shown["reference"] - ratio]).clip(min=0)
    ax.errorbar(ratio, np.arange(len(shown)), xerr=err, fmt="o", color="tab:blue")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_yticks(np.arange(len(shown)))
    ax.set_yticklabels([f"{c.split(' vs')[0].split(',')[0]}: {m}" for c, m in zip(shown["check"], shown["metric"])], fontsize=5)
    ax.set_xlabel("model / reference (95% CI)")
    ax.set_title("every check", fontsize=9)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="carepath validate", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs (fewer replications, shorter horizons)")
    parser.add_argument("--only", nargs="*", choices=sorted(CHECKS), help="run only these checks")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default results/validation)")
    args = parser.parse_args(argv)
    from ..jobs.experiment import Experiment
    scale = QUICK if args.quick else FULL
    exp = Experiment("validation", out_dir=args.out,
                     question="Does the engine reproduce queueing theory (Erlang B and C, Little's law, the "
                              "infinite-server results) and an independent simulator (Ciw)?")
    profiles: dict = {}
    rows = []
    for name in args.only or CHECKS:
        rows += check_mt_g_inf(scale, profiles) if name == "mt_g_inf" else CHECKS[name](scale)
    table = pd.DataFrame(rows)
    exp.runs["scale"] = {"replications": scale.replications, "horizon_multiplier": scale.horizon}
    exp.table("checks", table, "each check: model mean and 95% interval against the theoretical or Ciw value; "
                               "passes = the reference lies in the model's 99.9% interval (or the difference's)")
    if profiles:
        exp.figure("validation", figure(profiles, table), "Left: Mt/G/inf occupancy by day of the period, model vs "
                   "Eick-Massey-Whitt. Right: every check as model / reference with the model's 95% interval.")
    failed = table.loc[~table["passes"], ["check", "parameters", "metric"]]
    answer = (f"{len(table) - len(failed)} of {len(table)} checks pass: the reference value lies inside the model's "
              f"99.9% interval" + ("." if failed.empty else "; failing: " + "; ".join(
                  f"{r.check} ({r.parameters}) {r.metric}" for r in failed.itertuples()) + "."))
    exp.finish(answer, method=__doc__.split("\n\n", 2)[2])
    pd.set_option("display.width", 220)
    print(table[["check", "parameters", "metric", "model_mean", "ci95_low", "ci95_high", "reference", "passes"]]
          .to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"\n{answer}\nWritten to {exp.out_dir}")
    return 1 if len(failed) else 0


if __name__ == "__main__":
    raise SystemExit(main())

