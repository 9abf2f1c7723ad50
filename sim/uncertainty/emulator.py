"""An emulator of the model fitted to the PSA runs, so Sobol indices need no further runs.

Sobol indices over dozens of ranges need ``N (k + 2)`` runs -- tens of thousands of simulated years,
hours on two cores.  Instead a Gaussian process (scikit-learn's ``GaussianProcessRegressor``) is
fitted to the draws already run, in the unit cube of the design: a linear trend (a dot-product kernel,
the linear mean function of Kennedy and O'Hagan's emulators) plus a constant times an anisotropic
squared-exponential kernel for the departures from it (one length scale per range, so a range the
result does not depend on gets a long one) plus a white-noise term that absorbs the model's
replication noise, on standardised outputs.  The linear trend matters: with dozens of ranges and a
hundred or so draws, the squared-exponential part alone cannot find the few ranges that move a result
and predicts no better than the mean (cross-validated R^2 about 0 for the Walsall PSA at 128 draws,
0.4-0.5 with the trend).  The emulator's mean then stands in for the model's expected result, and Saltelli's design
is evaluated on it (:func:`sobol_indices`).

**Scale.**  A result that is positive in every draw and skewed to the right, as a saving made of prices
times volumes is, is emulated on its logarithm when that is the less skewed of the two (Box & Cox's
reasoning, the choice made from the draws' skewness); predictions are returned on the result's own
scale.  The Walsall net saving's cross-validated R^2 on its 189 steady draws is 0.53 so, 0.49 without.

**Checks.** :func:`cross_validate` gives the k-fold cross-validated R^2 of the emulator (out of
sample: each fold predicted by an emulator fitted without it), reported beside every index; the
tests compare the emulator's indices with direct Sobol on cheap cases (the Ishigami function and the
``mmc`` network).  The intervals are SALib's bootstrap over the Saltelli sample on the emulator; they
do not include the emulator's own error, which the R^2 measures.  Because the white-noise term takes
the replication noise out, the indices are of the expected result, not of one noisy year (the
variance split, :mod:`sim.uncertainty.variance`, says how large the noise is).
"""
from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import skew
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, DotProduct, WhiteKernel
from sklearn.model_selection import KFold

from .sampling import EDGE, unit_design


def log_scale(y: np.ndarray) -> bool:
    """Whether to emulate ``y`` on its logarithm: all positive, and less skewed so."""
    y = np.asarray(y, float)
    return bool(np.all(y > 0) and abs(skew(np.log(y))) < abs(skew(y)))


class Emulator:
    """A Gaussian process of one result over the unit cube of the design."""

    def __init__(self, restarts: int = 2, seed: int = 0, log: bool | None = None):
        self.restarts, self.seed, self.log = restarts, seed, log
        self.model: GaussianProcessRegressor | None = None

    @property
    def scale(self) -> str:
        return "log" if self.log else "linear"

    def fit(self, unit: np.ndarray, y: np.ndarray) -> Emulator:
        unit, y = np.asarray(unit, float), np.asarray(y, float)
        self.log = log_scale(y) if self.log is None else self.log
        y = np.log(y) if self.log else y
        k = unit.shape[1]
        kernel = (ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.full(k, 0.5), (1e-2, 1e3))
                  + ConstantKernel(0.1, (1e-4, 1e2)) * DotProduct(1.0, "fixed")
                  + WhiteKernel(0.1, (1e-8, 1.0)))
        self.model = GaussianProcessRegressor(kernel, normalize_y=True, n_restarts_optimizer=self.restarts,
                                              random_state=self.seed)
        with warnings.catch_warnings():          # a length scale at its bound means "does not matter"
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.model.fit(unit - 0.5, y)
        return self

    def predict(self, unit: np.ndarray) -> np.ndarray:
        predicted = self.model.predict(np.asarray(unit, float) - 0.5)
        return np.exp(predicted) if self.log else predicted

    @property
    def noise_share(self) -> float:
        """The share of the standardised output's variance (1) the white-noise term takes."""
        return float(min(1.0, self.model.kernel_.get_params()["k2__noise_level"]))


def cross_validate(unit: np.ndarray, y: np.ndarray, folds: int = 5, seed: int = 0,
                   log: bool | None = None, also: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[float, np.ndarray]:
    """Cross-validated R^2 of the emulator (on the scale ``log`` says, chosen from ``y`` when None), and its
    out-of-sample prediction of each point.  ``also``: points ``(unit, y)`` in every fold's training set that
    are never predicted (an earlier wave's runs, when the R^2 asked for is over this wave's region)."""
    unit, y = np.asarray(unit, float), np.asarray(y, float)
    also_unit, also_y = (np.empty((0, unit.shape[1])), np.empty(0)) if also is None else map(np.asarray, also)
    predicted = np.empty_like(y)
    log = log_scale(y) if log is None else log               # one scale for every fold, the full emulator's
    for train, test in KFold(folds, shuffle=True, random_state=seed).split(unit):
        emulator = Emulator(restarts=0, seed=seed, log=log).fit(np.vstack([unit[train], also_unit]),
                                                                np.concatenate([y[train], also_y]))
        predicted[test] = emulator.predict(unit[test])
    residual = float(((y - predicted) ** 2).sum())
    total = float(((y - y.mean()) ** 2).sum())
    return (1.0 - residual / total if total > 0 else np.nan), predicted


def sobol_indices(emulator: Emulator, names: list[str], metric: str, n: int = 2048, seed: int = 0):
    """First-order and total Sobol indices of the emulator's mean (method ``sobol_emulator``)."""
    from .sensitivity import sobol
    points = unit_design("saltelli", len(names), n, seed)
    return sobol(names, emulator.predict(points), metric, method="sobol_emulator", seed=seed)


def one_at_a_time(emulator: Emulator, k: int, j: int, u: np.ndarray) -> np.ndarray:
    """The emulator along range ``j`` (its quantiles ``u``), every other range at its median."""
    points = np.full((len(u), k), 0.5)
    points[:, j] = np.clip(u, EDGE, 1 - EDGE)
    return emulator.predict(points)
