"""Designs: the points in the unit cube at which the model is run, and their values.

Every design is drawn in ``[0, 1]^k`` (one column per range) and mapped onto each range's
distribution by its quantile function, so the same design serves any mix of distributions and the
emulator and sensitivity indices work on the quantiles (Sobol indices are unchanged by a monotone
transform of an independent input).

* ``lhs`` -- a Latin hypercube (``scipy.stats.qmc.LatinHypercube``, optimised for low correlation
  between columns), the PSA default;
* ``sobol`` -- a scrambled Sobol sequence (``scipy.stats.qmc.Sobol``; a power of two is balanced);
* ``morris`` -- Morris trajectories (SALib), for elementary-effects screening, on a grid spanning each
  range's stated 80% interval (:data:`MORRIS_SPAN`);
* ``saltelli`` -- Saltelli's design for Sobol indices run directly on the model (SALib), ``N (k + 2)``
  points, practical only for cheap models.

All are seeded: the same seed gives the same design.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.stats import qmc

from .apply import Resolved

DESIGNS = ("lhs", "sobol", "morris", "saltelli")
EDGE = 1e-6          # quantiles 0 and 1 are infinite for unbounded distributions
#: The quantiles the Morris grid's first and last levels stand at: each range's 10th and 90th percentiles, the
#: ends of the 80% interval it is stated by.  SALib's grid runs from 0 to 1, and quantiles 0 and 1 of an unbounded
#: distribution are a millionth from its ends (EDGE): elementary effects there measure values no one stated (an
#: escalation limit of three times its central value), which the model may refuse outright.  The grid is mapped
#: linearly, so every range's steps shrink alike and the ranking by mu_star is the grid's.
MORRIS_SPAN = (0.1, 0.9)
#: The Morris design's last column, not a range: a change of the run's seed alone.  A trajectory's points share one
#: seed, so a range's elementary effect is its step and not two seeds' chance; but a step may still move the saving by
#: chance (the draw's places are sized from its own noisy run and open a ward at a time), so each trajectory ends with
#: its last point run again on another seed.  That step's mu_star is the change chance alone makes, the floor a range
#: must rise above to be ranked (the dummy-parameter threshold of Khorashadi Zadeh et al. 2017, with the seed as the dummy).
CHANCE = "chance (the seed alone)"


def problem(names: list[str]) -> dict:
    """The SALib problem of ``names`` on the unit cube."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def unit_design(design: str, k: int, n: int, seed: int, levels: int = 4, space_filling: bool = True) -> np.ndarray:
    """``n`` points (``lhs``, ``sobol``), ``n`` trajectories (``morris``) or ``n`` base samples
    (``saltelli``) in ``[0, 1]^k``.  A Latin hypercube is made space-filling (centred discrepancy,
    ``random-cd``) unless ``space_filling`` is false: worth it for a few hundred draws, not for the
    tens of thousands of candidate points a refocusing wave filters (minutes, for no gain there)."""
    if design == "lhs":
        optimise = "random-cd" if k > 1 and space_filling else None
        points = qmc.LatinHypercube(d=k, seed=seed, optimization=optimise).random(n)
    elif design == "sobol":
        with warnings.catch_warnings():          # a non-power of two is allowed, only less balanced
            warnings.simplefilter("ignore", UserWarning)
            points = qmc.Sobol(d=k, scramble=True, seed=seed).random(n)
    elif design == "morris":
        from SALib.sample import morris
        grid = morris.sample(problem([f"x{i}" for i in range(k)]), n, num_levels=levels, seed=seed)
        points = MORRIS_SPAN[0] + (MORRIS_SPAN[1] - MORRIS_SPAN[0]) * grid
    elif design == "saltelli":
        from SALib.sample import sobol
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            points = sobol.sample(problem([f"x{i}" for i in range(k)]), n, calc_second_order=False, seed=seed)
    else:
        raise ValueError(f"design {design!r}: expected one of {', '.join(DESIGNS)}")
    return np.clip(points, EDGE, 1 - EDGE)


def with_chance(unit: np.ndarray, k: int) -> np.ndarray:
    """A Morris design over ``k`` ranges (``k + 1`` points a trajectory) with :data:`CHANCE` as a last column: it
    stands at the span's low end along the trajectory, then steps to the high end at one more point, a copy of the
    trajectory's last (``k + 2`` points a trajectory, ``k + 1`` columns)."""
    trajectories = np.asarray(unit, dtype=float).reshape(-1, k + 1, k)
    low, high = MORRIS_SPAN
    steps = np.concatenate([trajectories, np.full(trajectories.shape[:2] + (1,), low)], axis=2)
    again = steps[:, -1:, :].copy()
    again[..., -1] = high
    return np.concatenate([steps, again], axis=1).reshape(-1, k + 1)


def values(resolved: Resolved, unit: np.ndarray) -> pd.DataFrame:
    """Each point's value of every range (a multiplier, a shift or the value itself), one column each."""
    columns = {}
    for j, rng in enumerate(resolved.ranges.ranges):
        columns[rng.name] = resolved.distribution(rng).ppf(unit[:, j])
    return pd.DataFrame(columns)


def central_values(resolved: Resolved) -> dict[str, float]:
    """The draw that reproduces the configuration as composed."""
    return {rng.name: resolved.central(rng) for rng in resolved.ranges.ranges}
