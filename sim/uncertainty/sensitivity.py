"""Global sensitivity: Morris screening and Sobol indices (SALib), on the model or on an emulator.

Both work in the unit cube of :mod:`sim.uncertainty.sampling`: the indices of a range do not depend
on the monotone map from its quantile to its value.

* :func:`morris` -- elementary effects over Morris trajectories (``mu_star``, the mean absolute
  effect, with its 95% bootstrap interval; ``sigma``, its spread, which flags interactions and
  non-linearity).  ``(k + 1) r`` runs for ``k`` ranges and ``r`` trajectories: a screen.  A study adds a
  step of :data:`~sim.uncertainty.sampling.CHANCE` to each trajectory, ``(k + 2) r`` runs, whose ``mu_star`` is
  the floor a range must rise above (:func:`above_chance`).
* :func:`sobol` -- first-order (``S1``) and total (``ST``) indices from Saltelli's design, with 95%
  bootstrap intervals (Saltelli et al. 2010 estimators, as SALib implements them).

:func:`ishigami` is the standard test function with known indices (Ishigami & Homma 1990), against
which the tests check this code.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .sampling import CHANCE, problem

COLUMNS = ["metric", "parameter", "method", "index", "value", "ci_low", "ci_high"]


def _rows(metric: str, names, method: str, indices: dict[str, tuple]) -> list[dict]:
    rows = []
    for index, (values, confs) in indices.items():
        for name, value, conf in zip(names, values, confs):
            conf = float(conf) if conf is not None and np.isfinite(conf) else np.nan
            rows.append({"metric": metric, "parameter": name, "method": method, "index": index,
                         "value": float(value), "ci_low": float(value) - conf, "ci_high": float(value) + conf})
    return rows


def morris(names: list[str], unit: np.ndarray, outputs: np.ndarray, metric: str, levels: int = 4,
           seed: int = 0) -> pd.DataFrame:
    """Morris elementary effects of ``outputs`` (one per row of the Morris design ``unit``)."""
    from SALib.analyze import morris as analyze
    result = analyze.analyze(problem(names), unit, np.asarray(outputs, dtype=float), num_levels=levels,
                             seed=seed, print_to_console=False)
    sigma = np.asarray(result["sigma"])
    return pd.DataFrame(_rows(metric, names, "morris", {"mu_star": (result["mu_star"], result["mu_star_conf"]),
                                                         "sigma": (sigma, [np.nan] * len(names))}), columns=COLUMNS)


def above_chance(ranked: pd.DataFrame) -> tuple[pd.DataFrame, float | None]:
    """The ``mu_star`` rows of a Morris table that rise above chance, largest first, and chance's own ``mu_star``
    (None when the design had no step of :data:`~sim.uncertainty.sampling.CHANCE`: then every range is kept).
    A range rises above chance when the lower end of its 95% interval is above chance's ``mu_star``: with a few
    trajectories a range whose interval reaches down to chance could have moved the result no more than a new
    seed does."""
    rows = ranked[ranked["index"] == "mu_star"]
    floor = rows.loc[rows["parameter"] == CHANCE, "value"]
    ranges = rows[rows["parameter"] != CHANCE].sort_values("value", ascending=False)
    if floor.empty:
        return ranges, None
    chance = float(floor.iloc[0])
    low = ranges["ci_low"].fillna(ranges["value"])
    return ranges[low > chance], chance


def sobol(names: list[str], outputs: np.ndarray, metric: str, method: str = "sobol", seed: int = 0) -> pd.DataFrame:
    """First-order and total Sobol indices of ``outputs`` (in the order of Saltelli's design)."""
    from SALib.analyze import sobol as analyze
    result = analyze.analyze(problem(names), np.asarray(outputs, dtype=float), calc_second_order=False,
                             seed=seed, print_to_console=False)
    return pd.DataFrame(_rows(metric, names, method, {"S1": (result["S1"], result["S1_conf"]),
                                                       "ST": (result["ST"], result["ST_conf"])}), columns=COLUMNS)


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami function on ``[-pi, pi]^3``."""
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> dict[str, np.ndarray]:
    """The exact first-order and total indices of the Ishigami function."""
    v1 = 0.5 * (1 + b * np.pi ** 4 / 5) ** 2
    v2 = a ** 2 / 8
    v13 = b ** 2 * np.pi ** 8 * (1 / 18 - 1 / 50)
    total = v1 + v2 + v13
    return {"S1": np.array([v1, v2, 0.0]) / total, "ST": np.array([v1 + v13, v2, v13]) / total}
