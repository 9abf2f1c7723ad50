"""Judging a study's draws against history: each draw's implausibility from its judged runs.

History matching's weights for the draws follow from it (:mod:`sim.uncertainty.history` holds the measures; this
module reads a study's runs into them).

The judged runs are the 2017/18 calibration baseline's and, as ``<metric>@<year>``, the hindcast's learning
years' (:mod:`sim.uncertainty.learning`).  ``study`` is a :class:`sim.uncertainty.study.Study` and ``outcome``
what its :meth:`~sim.uncertainty.study.Study.run` returned.
"""
from __future__ import annotations

import pandas as pd

from . import history, learning
from .learning import CALIBRATION


def calibration_weights(study, outcome) -> tuple[pd.Series, pd.DataFrame, dict]:
    """History matching of every draw against the calibration targets."""
    s = study.settings
    draws = outcome.draws["draw"]
    if study.calibration is None:
        weight = pd.Series(1.0 / len(draws), index=draws.to_numpy())
        return weight, pd.DataFrame(index=draws.to_numpy()), history.report(pd.DataFrame(), weight, "none", s.threshold)
    implausible, means, noise = judged_implausibility(study, outcome.replications, outcome.central)
    targets = study.targets
    weight = history.weights(implausible, s.history_match, s.threshold)
    matched = history.report(implausible, weight, s.history_match, s.threshold)
    matched["discrepancy_file"] = study.discrepancy["path"]
    matched["by_discrepancy"] = history.kept_by_discrepancy(means, noise, s.replications, targets, s.threshold,
                                                            discrepancy_sds=study.discrepancy_sds).to_dict("records")
    return weight, implausible, matched


def judged_implausibility(study, replications: pd.DataFrame, central: pd.DataFrame):
    """Each draw's implausibility against every target, from its judged runs in ``replications`` and the model's
    replication variance (within draws, or the central runs' in ``central`` with one replication a draw), with the
    draws' means and that variance it was taken from."""
    s = study.settings
    base = judged_runs(study, replications)
    means = base.groupby(["draw", "metric"])["value"].mean().unstack("metric")
    within = base.groupby(["draw", "metric"])["value"].var(ddof=1).groupby("metric").mean() if s.replications > 1 else None
    noise = within if within is not None else judged_runs(study, central).groupby("metric")["value"].var(ddof=1)
    implausible = history.implausibility(means, noise, s.replications, study.targets, discrepancy_sds=study.discrepancy_sds)
    return implausible, means, noise


def judged_runs(study, replications: pd.DataFrame) -> pd.DataFrame:
    """The runs history matching judges, one metric per target: the 2017/18 baseline's target metrics and
    the learning years' as ``<metric>@<year>`` (:mod:`sim.uncertainty.learning`)."""
    base = replications[(replications["scenario"] == CALIBRATION) & replications["metric"].isin(list(study.targets))]
    return pd.concat([base, learning.named(replications, study.learning)], ignore_index=True)
