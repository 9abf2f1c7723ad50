"""History matching: keep the draws whose 2017/18 baseline still fits the calibration targets.

Each draw is also run as the calibration baseline (``scenario=baseline`` in the calibration year),
and for every target ``j`` of ``place.calibration.targets`` its implausibility is

    I_j = |model_j - target_j| / sqrt(var_model_j + var_target_j + var_discrepancy_j)

(Craig, Goldstein, Seheult & Smith 1997; Vernon, Goldstein & Bower 2010), where ``model_j`` is the
draw's mean over its replications and

* ``var_model_j`` is the variance of that mean from chance alone: the within-draw replication
  variance (pooled over draws when each draw has replications, otherwise from the replications of the
  central run) divided by the draw's replications -- delayed bed-days vary by about 2,200 between
  replications, so this term is what keeps a draw from being rejected for noise;
* ``var_target_j`` is the target's own uncertainty: its calibration tolerance taken as a 95% half-width,
  so the standard deviation is the tolerance / 1.96.  The tolerance is the one the calibration judges
  the target by (:func:`sim.inputs.calibration.tolerance`): the target's own where its source is loose
  (the P0 discharge share is a planning assumption, +-45 points; intermediate care waits are one 2015
  survey, +-50%), otherwise its kind's (5% of a volume, 3 points of a rate or occupancy, 10 patients of
  waiting-list growth).  A draw is then held to no tighter a standard than the calibrated model;
* ``var_discrepancy_j`` is the model discrepancy stated for the target before any wave is run
  (:mod:`sim.uncertainty.discrepancy`, ``configs/uncertainty/discrepancy.yaml``), squared.

A draw is non-implausible when its largest implausibility is at most the threshold (3, Pukelsheim's
three-sigma rule).  Its second-largest implausibility is reported beside it with the same cut-off
(Vernon, Goldstein & Bower 2010: with two dozen targets one may miss by chance), so both counts are
read side by side (:func:`criteria`).  How many would be kept with other relative discrepancies is
reported too (:func:`kept_by_discrepancy`), and not used: the discrepancy is not chosen after seeing
which draws it would keep.  ``weight`` instead down-weights each draw by ``exp(-sum_j I_j^2 / 2)``, a Gaussian likelihood
of the targets, normalised over the draws; ``report`` computes and reports the implausibilities but keeps
every draw with equal weight (for ranges so wide that too few draws are plausible to summarise); ``none``
does not run the baseline at all.  A stationary
target (waiting-list growth) counts only growth, as the calibration does.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..inputs.calibration import half_width

MODES = ("reject", "weight", "report", "none")
THRESHOLD = 3.0
DISCREPANCIES = (0.0, 0.05, 0.10, 0.20)                  # relative model discrepancies reported beside the run's
CRITERIA = ("largest", "second_largest", "third_largest")


def target_sd(spec: dict) -> float:
    """The standard deviation of a target's own uncertainty: its tolerance as a 95% half-width."""
    return half_width(spec) / 1.96


def gap(model, spec: dict):
    """How far ``model`` is from a target's value; a stationary target (waiting-list growth) counts only growth."""
    found = model - float(spec["value"])
    return np.clip(found, 0.0, None) if spec["kind"] == "stationary" else found


def misfit(model, spec: dict, variance, discrepancy: float = 0.0, discrepancy_sd: float = 0.0):
    """``|model - target| / sqrt(variance + var_target + var_discrepancy)`` for a target's ``spec``; ``model``
    and ``variance`` (of the model's value: its noise, or an emulator's) may be arrays.  The discrepancy
    is ``discrepancy_sd`` (in the target's unit) plus, for the sensitivity table, a relative
    ``discrepancy`` (a share of the target).  A stationary target (waiting-list growth) counts only
    growth: a list may shrink."""
    target = float(spec["value"])
    return np.abs(gap(model, spec)) / np.sqrt(variance + target_sd(spec) ** 2 + (discrepancy * target) ** 2 + discrepancy_sd ** 2)


def implausibility(means: pd.DataFrame, noise_var: pd.Series, replications: int, targets: dict,
                   discrepancy: float = 0.0, discrepancy_sds: dict | None = None) -> pd.DataFrame:
    """``I_j`` for every draw (rows) and target (columns).

    ``means``: each draw's mean of each target metric (draws x metrics); ``noise_var``: the
    replication-to-replication variance of each metric; ``discrepancy_sds``: each target's stated
    model discrepancy (:func:`sim.uncertainty.discrepancy.standard_deviations`)."""
    columns = {}
    for metric, spec in targets.items():
        if metric not in means.columns:
            continue
        noise = float(noise_var.get(metric, 0.0)) / max(1, replications)
        columns[metric] = misfit(means[metric], spec, noise, discrepancy, (discrepancy_sds or {}).get(metric, 0.0))
    return pd.DataFrame(columns, index=means.index)


def criteria(implausible: pd.DataFrame) -> pd.DataFrame:
    """Each draw's largest and second-largest implausibility over the targets (``max_implausibility``,
    ``second_implausibility``; the second is the largest where there is one target)."""
    ordered = -np.sort(-implausible.to_numpy(float), axis=1)
    second = ordered[:, 1] if ordered.shape[1] > 1 else ordered[:, 0]
    return pd.DataFrame({"max_implausibility": ordered[:, 0], "second_implausibility": second}, index=implausible.index)


def kept_by_discrepancy(means: pd.DataFrame, noise_var: pd.Series, replications: int, targets: dict,
                        threshold: float = THRESHOLD, discrepancies=DISCREPANCIES,
                        discrepancy_sds: dict | None = None) -> pd.DataFrame:
    """How many draws are within ``threshold`` by each criterion (the largest, second or third largest
    implausibility over the targets) with each relative model discrepancy added to the stated one
    (``discrepancy_sds``): ``discrepancy, criterion, kept, draws``."""
    rows = []
    for discrepancy in discrepancies:
        judged = implausibility(means, noise_var, replications, targets, discrepancy, discrepancy_sds)
        ordered = -np.sort(-judged.to_numpy(), axis=1)
        for rank, criterion in enumerate(CRITERIA[:ordered.shape[1]]):
            rows.append({"discrepancy": discrepancy, "criterion": criterion,
                         "kept": int((ordered[:, rank] <= threshold).sum()), "draws": len(ordered)})
    return pd.DataFrame(rows)


def weights(implausible: pd.DataFrame, mode: str = "reject", threshold: float = THRESHOLD) -> pd.Series:
    """Each draw's weight (summing to 1): kept draws equally (``reject``), by likelihood (``weight``)."""
    if mode not in MODES:
        raise ValueError(f"history matching {mode!r}: expected one of {', '.join(MODES)}")
    if mode in ("none", "report") or implausible.empty:
        raw = pd.Series(1.0, index=implausible.index)
    elif mode == "reject":
        raw = (implausible.max(axis=1) <= threshold).astype(float)
    else:
        log_like = -0.5 * (implausible ** 2).sum(axis=1)
        raw = np.exp(log_like - log_like.max())
    total = raw.sum()
    return raw / total if total > 0 else raw


def report(implausible: pd.DataFrame, weight: pd.Series, mode: str, threshold: float) -> dict:
    """How many draws history matching kept, and which targets rejected the others."""
    if implausible.empty:
        return {"mode": mode, "draws": len(weight), "kept": len(weight), "targets": []}
    worst = implausible.idxmax(axis=1)
    rejected = implausible.max(axis=1) > threshold
    second = criteria(implausible)["second_implausibility"] <= threshold
    kept = int((weight > 0).sum()) if mode == "reject" else len(weight)
    effective = float(1.0 / (weight ** 2).sum()) if weight.sum() > 0 else 0.0
    return {"mode": mode, "threshold": threshold, "draws": len(weight), "kept": kept,
            "plausible": int((~rejected).sum()), "plausible_second": int(second.sum()), "effective_draws": round(effective, 1),
            "targets": list(implausible.columns),
            "rejected_by": {k: int(v) for k, v in worst[rejected].value_counts().items()}}
