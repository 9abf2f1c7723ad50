"""Checks on a wave's emulators: held-out runs, and whether another wave would still learn anything.

**Held-out runs** (Andrianakis et al. 2015, "diagnostics").  Before an emulator of a calibration
target rules out any of the input space, a fifth of the wave's runs (at least two) are held out, the
emulator is fitted to the rest and each held-out run is judged twice: by its own result (the run's
implausibility, with its replication noise) and by the emulator's prediction (with the emulator's
variance).  A *misclassified* run is one the emulator would rule out (implausibility above the
cut-off) although the run itself is not implausible: the error that loses good inputs for ever.  The
count is reported for every target and wave, and an emulator that misclassifies any run has its variance
widened, by the least factor that keeps every one of them (``variance_inflation``), before it rules anything
out.  The other error (an implausible run the emulator keeps) only costs runs in the next wave, and is reported
beside it.  Only the wave's own runs are held out (the
region it judges); its emulators are fitted to the earlier waves' runs as well
(:mod:`sim.uncertainty.refocus`).  The emulator that refocuses is then fitted to every run.

**The stop rule** (Vernon, Goldstein & Bower 2010, §4).  Waves continue until either at least
:data:`ENOUGH` non-implausible draws exist over every wave, or, for every target, the emulator's
variance over the space not yet ruled out has fallen below the target's observation and discrepancy
variance: then a further wave's emulators cannot be more certain than the target itself, and no
further wave would rule out more on the model's account.
"""
from __future__ import annotations

import numpy as np

from .emulator import Emulator
from .history import THRESHOLD, gap, misfit, target_sd

HELD_OUT = 0.2          # share of a wave's runs held out to validate each emulator
ENOUGH = 100            # non-implausible draws over every wave that end the waves
#: the check of a target no range moves (or with too few runs to hold any out)
NOT_CHECKED = {"held_out": 0, "misclassified": 0, "kept_implausible": 0, "held_out_rmse_sd": float("nan"),
               "variance_inflation": 1.0}


def held_out(unit: np.ndarray, y: np.ndarray, spec: dict, *, noise_var: float = 0.0, discrepancy_sd: float = 0.0,
             threshold: float = THRESHOLD, seed: int = 0, also: tuple[np.ndarray, np.ndarray] | None = None) -> dict:
    """Fit an emulator of one target without a held-out share of the runs and judge those runs with it:
    ``held_out`` runs, ``misclassified`` (ruled out by the emulator, not by the run), ``kept_implausible``
    (implausible runs the emulator keeps) and ``held_out_rmse_sd`` (the held-out errors over the
    emulator's standard deviations, root mean square: about 1 for an emulator honest about its error), and
    ``variance_inflation``: the least factor on the emulator's variance at which it would misclassify none of them
    (1 when it misclassifies none).  ``also``: runs ``(unit, y)`` the emulator is fitted to as well, never held
    out (earlier waves' runs)."""
    n = len(y)
    count = max(2, round(HELD_OUT * n))
    if np.ptp(y) == 0 or n - count < 3:
        return dict(NOT_CHECKED)
    also_unit, also_y = (np.empty((0, unit.shape[1])), np.empty(0)) if also is None else map(np.asarray, also)
    order = np.random.default_rng(seed).permutation(n)
    test, train = order[:count], order[count:]
    emulator = Emulator(restarts=0, seed=seed, log=False).fit(np.vstack([unit[train], also_unit]),
                                                              np.concatenate([y[train], also_y]))
    mean, sd = emulator.model.predict(unit[test] - 0.5, return_std=True)
    by_run = misfit(y[test], spec, noise_var, discrepancy_sd=discrepancy_sd)
    by_emulator = misfit(mean, spec, sd ** 2, discrepancy_sd=discrepancy_sd)
    scaled = (y[test] - mean) / np.where(sd > 0, sd, np.nan)
    wrong = (by_emulator > threshold) & (by_run <= threshold)
    return {"held_out": int(count), "misclassified": int(wrong.sum()),
            "kept_implausible": int(((by_emulator <= threshold) & (by_run > threshold)).sum()),
            "held_out_rmse_sd": float(np.sqrt(np.nanmean(scaled ** 2))),
            "variance_inflation": inflation(mean[wrong], sd[wrong], spec, discrepancy_sd, threshold)}


def inflation(mean: np.ndarray, sd: np.ndarray, spec: dict, discrepancy_sd: float = 0.0,
              threshold: float = THRESHOLD) -> float:
    """The least factor on an emulator's variance at which its predictions ``mean`` (standard deviations ``sd``)
    of runs it misclassified are no longer ruled out: at least 1; infinite when it claimed no doubt at all about
    one (then it may rule nothing out)."""
    if not len(mean):
        return 1.0
    sd = np.asarray(sd, float)
    if np.any(sd <= 0):
        return float("inf")
    needed = (gap(np.asarray(mean, float), spec) / threshold) ** 2 - target_sd(spec) ** 2 - discrepancy_sd ** 2
    # a hair over the exact factor, so rounding cannot leave the worst run just above the cut-off
    return max(1.0, float(np.max(needed / sd ** 2)) * (1 + 1e-9))


def variance_below(emulator, active, points: np.ndarray, spec: dict, discrepancy_sd: float,
                   widening: float = 1.0) -> dict:
    """The emulator's mean variance over ``points`` (the space not ruled out; times ``widening``, its
    :func:`inflation`, as it rules out) against the target's observation plus discrepancy variance, and whether it has fallen below it."""
    floor = target_sd(spec) ** 2 + discrepancy_sd ** 2
    if emulator is None or not len(points):
        return {"emulator_variance": 0.0, "target_variance": floor, "variance_below_target": True}
    _, sd = emulator.model.predict(points[:, active] - 0.5, return_std=True)
    variance = float(np.mean(sd ** 2)) * widening
    return {"emulator_variance": variance, "target_variance": floor, "variance_below_target": bool(variance < floor)}


def stop_reason(non_implausible: int, variances_below: list[bool], enough: int = ENOUGH) -> str | None:
    """Why the waves may stop (None: run another): enough non-implausible draws, or every emulator's
    variance below its target's observation and discrepancy variance."""
    if non_implausible >= enough:
        return f"{non_implausible} non-implausible draws over the waves (at least {enough})"
    if variances_below and all(variances_below):
        return ("every target's emulator variance over the space left is below its observation and discrepancy "
                "variance: a further wave cannot rule out more")
    return None
