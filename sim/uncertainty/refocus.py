"""A refocusing wave of history matching: the next draws from the part of the ranges not yet ruled out.

When the stated ranges are much wider than the calibration allows, few or none of a first wave's draws
reproduce the 2017/18 baseline (:mod:`sim.uncertainty.history`).  History matching then goes in waves
(Vernon, Goldstein & Bower 2010; Andrianakis et al. 2015): from the first wave's baselines an emulator
of each calibration target predicts it, with its own uncertainty, anywhere in the ranges; a point is
ruled out where some target's implausibility, with the emulator's variance added to the target's, is
above the threshold; and the next wave is drawn from the candidate points no target rules out -- the
prior restricted to the space not ruled out yet.  The share of candidates left says how much of the
stated ranges can reproduce the baseline at all.

Each target's emulator works on its *active* ranges (Vernon et al.): the few (at most ``ACTIVE``) a
cross-validated lasso regression of the target on every range keeps, with a Gaussian process on them
(:class:`sim.uncertainty.emulator.Emulator`) whose white-noise term carries both the model's
replication noise and what the other ranges do.  A Gaussian process over all the ranges would have
too few draws to learn from and would rule out almost nothing.  Each emulator's cross-validated R^2 is
reported with the share of candidates it rules out.

A refocused wave's draws are not independent across ranges (they avoid the ruled-out corners), so
Sobol indices, which assume independent inputs, are not computed on it: which assumptions matter is
the first wave's answer; the refocused wave answers how far the results move among the draws that
still reproduce the baseline.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from ..common.errors import ConfigError
from .apply import Resolved
from .emulator import Emulator, cross_validate
from .history import THRESHOLD, target_sd
from .sampling import EDGE, unit_design

ACTIVE = 8            # most ranges a target's emulator works on
CANDIDATES = 20000    # candidate points tried


def load_wave(folder: Path, resolved: Resolved) -> tuple[np.ndarray, pd.DataFrame]:
    """An earlier wave's design in the unit cube (from its ``draws.csv``, through each range's
    distribution) and its baselines (``baseline.csv``: draws x calibration targets)."""
    folder = Path(folder)
    names = [r.name for r in resolved.ranges.ranges]
    for table in ("draws.csv", "baseline.csv"):
        if not (folder / table).is_file():
            raise ConfigError("--refocus", str(folder), f"a folder written by python -m sim.uncertainty with history "
                                                        f"matching (it has no {table})")
    draws = pd.read_csv(folder / "draws.csv")
    if sorted(c for c in draws.columns if c not in ("draw", "seed")) != sorted(names):
        raise ConfigError("--refocus", str(folder), "a wave drawn over the same ranges as this study (its draws.csv "
                                                    "has other ranges)")
    unit = np.column_stack([resolved.distribution(r).cdf(draws[r.name].to_numpy(float)) for r in resolved.ranges.ranges])
    baseline = pd.read_csv(folder / "baseline.csv").pivot_table(index="draw", columns="metric", values="value")
    return np.clip(unit, EDGE, 1 - EDGE), baseline.reindex(draws["draw"])


def active_ranges(unit: np.ndarray, y: np.ndarray, most: int = ACTIVE, seed: int = 0) -> np.ndarray:
    """The ranges a cross-validated lasso of ``y`` on all of them keeps, largest effect first (at least one)."""
    from sklearn.linear_model import LassoCV
    z = (y - y.mean()) / y.std()
    effect = np.abs(LassoCV(cv=5, random_state=seed).fit(unit - 0.5, z).coef_)
    order = np.argsort(-effect, kind="stable")
    return order[:max(1, min(most, int((effect > 0).sum())))]


def _emulate(unit: np.ndarray, y: np.ndarray, pool: np.ndarray, seed: int):
    """One target's active ranges, cross-validated R^2, and mean and sd at every candidate, on its own scale
    (where its implausibility is measured); a target no range moves is the runs' value everywhere."""
    if np.ptp(y) == 0:
        return [], np.nan, np.full(len(pool), y[0]), np.zeros(len(pool))
    active = active_ranges(unit, y, seed=seed)
    r2 = cross_validate(unit[:, active], y, seed=seed, log=False)[0]
    emulator = Emulator(restarts=0, seed=seed, log=False).fit(unit[:, active], y)
    mean, sd = emulator.model.predict(pool[:, active] - 0.5, return_std=True)
    return active, r2, mean, sd


def refocus(unit: np.ndarray, baseline: pd.DataFrame, targets: dict, points: int, *, threshold: float = THRESHOLD,
            discrepancy: float = 0.0, candidates: int = CANDIDATES, seed: int = 0,
            names: list[str] | None = None, n_jobs: int = 1) -> tuple[np.ndarray, pd.DataFrame, dict]:
    """``points`` points of the unit cube not ruled out by any target's emulator (fewer if fewer are left).

    Returns the points, a table of the emulators (``target, active_ranges, cv_r2, share_ruled_out``) and
    a summary (candidates, the share not ruled out)."""
    names = names or [f"x{j}" for j in range(unit.shape[1])]
    pool = unit_design("lhs", unit.shape[1], candidates, seed + 1)
    fitted = [(metric, spec, baseline[metric].to_numpy(float)) for metric, spec in targets.items() if metric in baseline.columns]
    emulated = Parallel(n_jobs=n_jobs)(delayed(_emulate)(unit, y, pool, seed) for _, _, y in fitted)
    worst = np.zeros(candidates)
    rows = []
    for (metric, spec, _), (active, r2, mean, sd) in zip(fitted, emulated):
        gap = mean - float(spec["value"])
        if spec["kind"] == "stationary":
            gap = np.clip(gap, 0.0, None)        # only growth is a misfit
        implausible = np.abs(gap) / np.sqrt(sd ** 2 + target_sd(spec) ** 2 + (discrepancy * float(spec["value"])) ** 2)
        worst = np.maximum(worst, implausible)
        rows.append({"target": metric, "active_ranges": "; ".join(names[j] for j in active), "cv_r2": r2,
                     "share_ruled_out": float((implausible > threshold).mean())})
    left = np.flatnonzero(worst <= threshold)
    chosen = np.random.default_rng(seed).choice(left, size=min(points, len(left)), replace=False)
    info = {"candidates": candidates, "not_ruled_out": len(left), "share_not_ruled_out": len(left) / candidates,
            "draws_fitted": len(unit), "targets": len(rows)}
    return pool[np.sort(chosen)], pd.DataFrame(rows).sort_values("share_ruled_out", ascending=False), info
