"""Queueing theory the engine is verified against (``tests/test_theory.py``, ``carepath validate``).

* :func:`erlang_b` -- loss probability of M/G/c/c (any length-of-stay shape: insensitivity);
* :func:`erlang_c` and :func:`mmc_wait_mean` -- probability of waiting and mean wait in M/M/c;
* :func:`infinite_server_mean` -- mean occupancy of Mt/G/inf under sinusoidal arrivals
  (Eick, Massey and Whitt 1993), closed form for exponential stays and by quadrature otherwise;
* :func:`infinite_server_peak_lag` -- how long after the arrivals peak the occupancy peaks.

Rates are per day, times in days.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import integrate, stats


def erlang_b(c: int, load: float) -> float:
    """Erlang B: probability that an arrival finds all ``c`` places busy, offered ``load`` = lam x mean stay."""
    b = 1.0
    for k in range(1, int(c) + 1):      # the stable recurrence B(k) = a B(k-1) / (k + a B(k-1))
        b = load * b / (k + load * b)
    return b


def erlang_c(c: int, load: float) -> float:
    """Erlang C: probability that an arrival waits in M/M/c (requires load < c)."""
    if load >= c:
        raise ValueError(f"unstable: load {load} >= {c} servers")
    b = erlang_b(c, load)
    return c * b / (c - load * (1.0 - b))


def mmc_wait_mean(lam: float, c: int, mean_los: float) -> float:
    """Mean wait for a place in M/M/c, days."""
    load = lam * mean_los
    return erlang_c(c, load) * mean_los / (c - load)


def _stay_survival(mean_los: float, los_cv: float):
    sigma2 = math.log(1.0 + los_cv ** 2)
    dist = stats.lognorm(s=math.sqrt(sigma2), scale=mean_los / math.sqrt(1.0 + los_cv ** 2))
    return dist.sf


def _survival_transforms(omega: float, mean_los: float, los_cv: float) -> tuple[float, float]:
    """(I_s, I_c): the sine and cosine transforms at ``omega`` of the stay's survival function,
    closed form for exponential stays (cv exactly 1) and by quadrature for lognormal ones."""
    if los_cv == 1.0:
        mu = 1.0 / mean_los
        return omega / (mu ** 2 + omega ** 2), mu / (mu ** 2 + omega ** 2)
    survival = _stay_survival(mean_los, los_cv)
    upper = mean_los * 200
    i_sin = integrate.quad(survival, 0, upper, weight="sin", wvar=omega, limit=400)[0]
    i_cos = integrate.quad(survival, 0, upper, weight="cos", wvar=omega, limit=400)[0]
    return i_sin, i_cos


def infinite_server_mean(t, lam: float, amplitude: float, period_days: float, mean_los: float,
                         los_cv: float = 1.0) -> np.ndarray:
    """Mean occupancy m(t) of Mt/G/inf with arrival rate lam (1 + amplitude sin(2 pi t / period)),
    started long ago.  m(t) = integral over u of lam(t - u) P(stay > u)
    = lam E[S] + lam a (sin(wt) I_c - cos(wt) I_s); for exponential stays
    lam / mu + lam a (mu sin wt - w cos wt) / (mu^2 + w^2)."""
    t = np.atleast_1d(np.asarray(t, dtype=float))
    omega = 2 * math.pi / period_days
    i_sin, i_cos = _survival_transforms(omega, mean_los, los_cv)
    return lam * mean_los + lam * amplitude * (np.sin(omega * t) * i_cos - np.cos(omega * t) * i_sin)


def infinite_server_peak_lag(period_days: float, mean_los: float, los_cv: float = 1.0) -> float:
    """Days from the peak of the arrival rate to the peak of mean occupancy in Mt/G/inf:
    sin(wt) I_c - cos(wt) I_s = R sin(wt - phi) with phi = atan2(I_s, I_c)."""
    omega = 2 * math.pi / period_days
    i_sin, i_cos = _survival_transforms(omega, mean_los, los_cv)
    return math.atan2(i_sin, i_cos) / omega


def daily_sinusoid_fit(days: np.ndarray, values: np.ndarray, period_days: float) -> tuple[float, float, float]:
    """Fit daily means ``values`` (day ``d`` averages [d, d+1)) to m + R sin(w t - phi).

    Returns (mean, amplitude R, lag phi / w in days).  A day's mean of a sinusoid is the sinusoid at
    mid-day shrunk by sin(w/2) / (w/2), so the phase is unbiased and the amplitude is restored."""
    omega = 2 * math.pi / period_days
    mid = np.asarray(days, dtype=float) + 0.5
    design = np.column_stack([np.ones_like(mid), np.sin(omega * mid), np.cos(omega * mid)])
    (m, a, b), *_ = np.linalg.lstsq(design, np.asarray(values, dtype=float), rcond=None)
    shrink = math.sin(omega / 2) / (omega / 2)
    # a sin + b cos = R sin(wt - phi) with R cos(phi) = a, R sin(phi) = -b
    return float(m), float(math.hypot(a, b) / shrink), float(math.atan2(-b, a) / omega)
