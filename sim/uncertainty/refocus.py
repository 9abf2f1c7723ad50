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

A wave's emulators are fitted to its own runs *and every earlier wave's*.  A refocused wave's few dozen
runs span a narrow region, where the targets move little against the replication noise: fitted to them
alone, the committed study's emulators of the targets that rule out most predicted worse than their
mean (cross-validated R^2 over the fourth wave's own runs: A&E 4-hour share 0.07, acute occupancy
0.36, delayed bed-days -0.35); fitted with the earlier waves' runs too, 0.75, 0.69 and 0.51.  The R^2
and the held-out check are over the wave's own runs (the region it judges), the earlier runs in every
fold's training set.

A refocused wave's draws are not independent across ranges (they avoid the ruled-out corners), so
Sobol indices, which assume independent inputs, are not computed on it: which assumptions matter is
the first wave's answer; the refocused wave answers how far the results move among the draws that
still reproduce the baseline.

Waves chain.  A wave refocused on a refocused wave (``--refocus`` on its folder) keeps every earlier
wave's rule-outs: each earlier wave's emulators are fitted to that wave's own draws, and a candidate
is left only if the emulators of every wave leave it (Andrianakis et al. 2015), each later wave's
emulators judging only the candidates the earlier ones left -- the region its draws were taken from,
where they are the more accurate.  The chain is read from each folder's ``manifest.json``.
Candidates are drawn ``CANDIDATES`` at a time until the wave's draws are left or ``MAX_CANDIDATES``
have been tried.

So every wave fits every earlier wave's emulators again, on the same runs, and gets the same emulators:
the committed chain's sixth wave spent 421 of its 1,509 seconds there, its second 14.  With ``cache`` (a
folder; the study passes ``<run.cache_dir>/emulators``) each target's emulator and held-out check are
kept, keyed by everything they are fitted from (:func:`fit_key`: the runs, the target, the noise and
discrepancy, the seed, and the code and package versions, as the job cache keys a run), so a wave fits
only its predecessor's emulators and reads the rest back: the same emulators, so the same draws.
"""
from __future__ import annotations

import hashlib
import json
import pickle
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from ..common.errors import ConfigError
from ..common.files import atomic_write, table_file
from ..common.paths import ROOT
from ..jobs.outputs import git_commit, package_versions
from . import learning, validation
from .apply import Resolved
from .emulator import Emulator, cross_validate
from .history import THRESHOLD, misfit
from .sampling import EDGE, unit_design

ACTIVE = 8                 # most ranges a target's emulator works on
CANDIDATES = 20000         # candidate points tried at a time
MAX_CANDIDATES = 200000    # ... at most
VARIANCE_POINTS = 2000     # points of the space left at which the emulators' variance is averaged


def load_wave(folder: Path, resolved: Resolved) -> tuple[np.ndarray, pd.DataFrame]:
    """An earlier wave's design in the unit cube (from its ``draws.csv``, through each range's
    distribution) and its baselines (``baseline.csv``: draws x calibration targets)."""
    folder = Path(folder)
    names = [r.name for r in resolved.ranges.ranges]
    for table in ("draws.csv", "baseline.csv"):               # each may be compressed (.csv.gz) when large
        if not table_file(folder, table).is_file():
            raise ConfigError("--refocus", str(folder), f"a folder written by python -m sim.uncertainty with history "
                                                        f"matching (it has no {table})")
    draws = pd.read_csv(table_file(folder, "draws"))
    if sorted(c for c in draws.columns if c not in ("draw", "seed")) != sorted(names):
        raise ConfigError("--refocus", str(folder), "a wave drawn over the same ranges as this study (its draws.csv "
                                                    "has other ranges)")
    unit = np.column_stack([resolved.distribution(r).cdf(draws[r.name].to_numpy(float)) for r in resolved.ranges.ranges])
    baseline = pd.read_csv(table_file(folder, "baseline")).pivot_table(index="draw", columns="metric", values="value")
    return np.clip(unit, EDGE, 1 - EDGE), baseline.reindex(draws["draw"])


def active_ranges(unit: np.ndarray, y: np.ndarray, most: int = ACTIVE, seed: int = 0) -> np.ndarray:
    """The ranges a cross-validated lasso of ``y`` on all of them keeps, largest effect first (at least one)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LassoCV
    z = (y - y.mean()) / y.std()
    with warnings.catch_warnings():          # the weakest penalties of the path may not converge: they are not kept
        warnings.simplefilter("ignore", ConvergenceWarning)
        effect = np.abs(LassoCV(cv=5, random_state=seed).fit(unit - 0.5, z).coef_)
    order = np.argsort(-effect, kind="stable")
    return order[:max(1, min(most, int((effect > 0).sum())))]


def load_waves(folder: Path, resolved: Resolved) -> list[tuple[Path, np.ndarray, pd.DataFrame]]:
    """Every wave of the chain that ends at ``folder``, first wave first: (folder, design, baselines)."""
    chain, seen = [], set()
    folder = Path(folder)
    while folder is not None:
        if folder.resolve() in seen:
            raise ConfigError("--refocus", str(folder), "a chain of waves without a loop (a manifest.json names a wave "
                                                        "that names it back)")
        seen.add(folder.resolve())
        chain.append((folder, *load_wave(folder, resolved)))
        folder = _earlier(folder)
    return chain[::-1]


def _earlier(folder: Path) -> Path | None:
    """The wave ``folder`` was refocused on (its manifest's ``--refocus``), if any."""
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return None
    earlier = json.loads(manifest.read_text()).get("runs", {}).get("study", {}).get("settings", {}).get("refocus")
    if not earlier:
        return None
    for where in (Path(earlier), folder / earlier, ROOT / earlier):   # as given on its command line, from where it ran
        if table_file(where, "draws").is_file():
            return where
    raise ConfigError("--refocus", str(folder), f"a wave whose earlier wave ({earlier}, in its manifest.json) can be found")


def plausible_draws(folders: list, threshold: float = THRESHOLD) -> tuple[pd.DataFrame, pd.Series, int]:
    """The earlier waves' results (``psa.csv``) with whether each draw's 2017/18 baseline passed history
    matching (largest implausibility at most ``threshold``: 1, else 0), draws numbered on from wave to
    wave; and how many draws they had (where this wave's numbering starts)."""
    frames, passed, offset = [], [], 0
    for folder in map(Path, folders):
        for table in ("psa.csv", "history_matching.csv"):
            if not table_file(folder, table).is_file():
                raise ConfigError("--refocus", str(folder), f"a wave written by python -m sim.uncertainty with history "
                                                            f"matching (it has no {table})")
        worst = pd.read_csv(table_file(folder, "history_matching")).set_index("draw")["max_implausibility"]
        frames.append(pd.read_csv(table_file(folder, "psa")).assign(draw=lambda d, at=offset: d["draw"] + at))
        passed.append((worst <= threshold).astype(float).rename(lambda d, at=offset: d + at))
        offset += len(pd.read_csv(table_file(folder, "draws")))
    return pd.concat(frames, ignore_index=True), pd.concat(passed), offset


def wave_noise(folder: Path) -> pd.Series:
    """The replication variance of each target in a wave's central runs (``central.csv``: the 2017/18
    baseline's, and each learning year's as ``<metric>@<year>``),
    divided by the replications of its draws (its manifest's): the noise of one draw's baseline (empty
    without the table)."""
    folder = Path(folder)
    if not table_file(folder, "central").is_file():
        return pd.Series(dtype=float)
    manifest = folder / "manifest.json"
    settings = json.loads(manifest.read_text()).get("runs", {}).get("study", {}).get("settings", {}) if manifest.is_file() else {}
    replications = int(settings.get("replications") or 1)
    central = pd.read_csv(table_file(folder, "central"))
    judged = central[central["scenario"].map(learning.is_judged)]
    years = [learning.year_of(scenario) for scenario in judged["scenario"]]
    names = [metric if year is None else learning.target_name(metric, year) for metric, year in zip(judged["metric"], years)]
    return pd.Series(judged["std"].fillna(0.0).to_numpy() ** 2 / max(1, replications), index=names)


def code_identity() -> dict:
    """The code and packages that fit an emulator: the commit and versions the job cache keys a run by
    (:func:`sim.jobs.cache.key`)."""
    from sklearn import __version__ as sklearn_version  # the emulators' package, not one every run records
    return {"commit": git_commit().get("commit"), "packages": {**package_versions(), "scikit-learn": sklearn_version}}


def fit_key(unit: np.ndarray, y: np.ndarray, earlier: tuple[np.ndarray, np.ndarray], spec: dict, noise_var: float,
            discrepancy_sd: float, threshold: float, seed: int, code: dict) -> str:
    """The identity of one target's emulator and check: what :func:`_fit` is given, and ``code``
    (:func:`code_identity`)."""
    digest = hashlib.sha256()
    for array in (unit, y, *earlier):
        array = np.ascontiguousarray(array, dtype=float)
        digest.update(repr(array.shape).encode())
        digest.update(array.tobytes())
    settings = {"spec": spec, "noise_var": noise_var, "discrepancy_sd": discrepancy_sd, "threshold": threshold,
                "seed": seed, "code": code}
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _fit(unit: np.ndarray, y: np.ndarray, earlier: tuple[np.ndarray, np.ndarray], spec: dict, noise_var: float,
         discrepancy_sd: float, threshold: float, seed: int, cache: Path | None, code: dict, force: bool = False):
    """One target of one wave: its active ranges, cross-validated R^2, emulator (:func:`_emulate`) and held-out
    check (:func:`_validate`), read back from ``cache`` when fitted before (unless ``force``), else fitted and
    kept there."""
    store = None
    if cache is not None:
        store = Path(cache) / f"{fit_key(unit, y, earlier, spec, noise_var, discrepancy_sd, threshold, seed, code)}.pkl"
        if store.is_file() and not force:
            with open(store, "rb") as handle:
                return pickle.load(handle)
    active, r2, emulator = _emulate(unit, y, earlier, seed)
    fitted = (active, r2, emulator, _validate(unit, y, earlier, active, spec, noise_var, discrepancy_sd, threshold, seed))
    if store is not None:                        # written whole, then renamed: a half-written file is never read
        atomic_write(store, lambda scratch: Path(scratch).write_bytes(pickle.dumps(fitted)))
    return fitted


def _emulate(unit: np.ndarray, y: np.ndarray, earlier: tuple[np.ndarray, np.ndarray], seed: int):
    """One target's active ranges, cross-validated R^2 over the wave's own runs and emulator on its own scale
    (where its implausibility is measured), fitted to the wave's runs and the ``earlier`` waves' ``(unit,
    y)``; a target no run moves is the runs' value everywhere (no emulator)."""
    every_unit, every_y = np.vstack([unit, earlier[0]]), np.concatenate([y, earlier[1]])
    if np.ptp(every_y) == 0:
        return [], np.nan, None
    active = active_ranges(every_unit, every_y, seed=seed)
    r2 = cross_validate(unit[:, active], y, seed=seed, log=False, also=(earlier[0][:, active], earlier[1]))[0]
    return active, r2, Emulator(restarts=0, seed=seed, log=False).fit(every_unit[:, active], every_y)


def _validate(unit: np.ndarray, y: np.ndarray, earlier: tuple[np.ndarray, np.ndarray], active, spec: dict,
              noise_var: float, discrepancy_sd: float, threshold: float, seed: int) -> dict:
    """The emulator of one target checked on held-out runs of its wave (:func:`sim.uncertainty.validation.held_out`)."""
    if not len(active):                                     # no range moves it: nothing to emulate or check
        return dict(validation.NOT_CHECKED)
    return validation.held_out(unit[:, active], y, spec, noise_var=noise_var, discrepancy_sd=discrepancy_sd,
                               threshold=threshold, seed=seed, also=(earlier[0][:, active], earlier[1]))


def _earlier_runs(waves: list[tuple[np.ndarray, pd.DataFrame]], wave: int, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Every run of the waves before ``wave`` (numbered from 1) that has a baseline of ``metric``: ``(unit, y)``."""
    before = [(unit, baseline[metric].to_numpy(float)) for unit, baseline in waves[:wave - 1] if metric in baseline.columns]
    dims = waves[0][0].shape[1]
    return (np.vstack([u for u, _ in before]) if before else np.empty((0, dims)),
            np.concatenate([y for _, y in before]) if before else np.empty(0))


def refocus(waves: list[tuple[np.ndarray, pd.DataFrame]], targets: dict, points: int, *, threshold: float = THRESHOLD,
            discrepancy_sds: dict | None = None, candidates: int = CANDIDATES, most: int = MAX_CANDIDATES, seed: int = 0,
            names: list[str] | None = None, n_jobs: int = 1, noise: list[pd.Series] | None = None,
            cache: Path | None = None, force: bool = False) -> tuple[np.ndarray, pd.DataFrame, dict]:
    """``points`` points of the unit cube that no wave's emulators rule out (fewer if fewer are left of
    ``most`` candidates), from ``waves``: each earlier wave's design and baselines, first wave first;
    ``noise``: each wave's replication variance of a draw's baseline (:func:`wave_noise`); ``cache``: a
    folder of emulators fitted before (:func:`_fit`; ``force``: fit them again).

    Returns the points, a table of the emulators (``wave, target, active_ranges, cv_r2, share_ruled_out``,
    the share of the candidates that reached that wave; the held-out check,
    :mod:`sim.uncertainty.validation`; and, for the last wave, its variance over the space left against the
    target's) and a summary (candidates tried, the share left, misclassified held-out runs, whether every
    last-wave emulator's variance is below its target's)."""
    dims = waves[0][0].shape[1]
    names = names or [f"x{j}" for j in range(dims)]
    sds = discrepancy_sds or {}
    noise = noise or [pd.Series(dtype=float)] * len(waves)
    fitted = [(wave, metric, spec, unit, baseline[metric].to_numpy(float))
              for wave, (unit, baseline) in enumerate(waves, start=1)
              for metric, spec in targets.items() if metric in baseline.columns]
    earlier = [_earlier_runs(waves, w, metric) for w, metric, _, _, _ in fitted]
    code = code_identity() if cache is not None else {}
    found = Parallel(n_jobs=n_jobs)(
        delayed(_fit)(unit, y, before, spec, float(noise[w - 1].get(metric, 0.0)), sds.get(metric, 0.0), threshold,
                      seed, cache, code, force)
        for (w, metric, spec, unit, y), before in zip(fitted, earlier))
    emulators = [(active, r2, emulator) for active, r2, emulator, _ in found]
    checks = [check for *_, check in found]
    reached = dict.fromkeys(range(len(fitted)), 0)
    ruled = dict.fromkeys(range(len(fitted)), 0)
    left, tried, batch = [], 0, 0
    while sum(map(len, left)) < points and tried < most:
        pool = unit_design("lhs", dims, min(candidates, most - tried), seed + 1 + batch, space_filling=False)
        tried, batch = tried + len(pool), batch + 1
        for wave in range(1, len(waves) + 1):
            worst = np.zeros(len(pool))
            for key, ((w, metric, spec, _, y), (active, _, emulator)) in enumerate(zip(fitted, emulators)):
                if w != wave:
                    continue
                implausible = _implausibility(emulator, active, y, pool, spec, sds.get(metric, 0.0),
                                              checks[key].get("variance_inflation", 1.0))
                reached[key] += len(pool)
                ruled[key] += int((implausible > threshold).sum())
                worst = np.maximum(worst, implausible)
            pool = pool[worst <= threshold]
        left.append(pool)
    left = np.concatenate(left)
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(left), size=min(points, len(left)), replace=False)
    sample = left[rng.choice(len(left), size=min(VARIANCE_POINTS, len(left)), replace=False)]
    rows = []
    for key, ((w, metric, spec, _, _), (active, r2, emulator), check) in enumerate(zip(fitted, emulators, checks)):
        row = {"wave": w, "target": metric, "active_ranges": "; ".join(names[j] for j in active), "cv_r2": r2,
               "share_ruled_out": ruled[key] / reached[key] if reached[key] else np.nan, **check}
        if w == len(waves):
            row.update(validation.variance_below(emulator, active, sample, spec, sds.get(metric, 0.0),
                                                 check.get("variance_inflation", 1.0)))
        rows.append(row)
    table = pd.DataFrame(rows).sort_values(["wave", "share_ruled_out"], ascending=[True, False])
    last = table[table["wave"] == len(waves)]
    info = {"candidates": tried, "not_ruled_out": len(left), "share_not_ruled_out": len(left) / tried,
            "waves": len(waves), "draws_fitted": sum(len(unit) for unit, _ in waves),
            "targets": len({metric for _, metric, _, _, _ in fitted}),
            "held_out": int(last["held_out"].sum()), "misclassified": int(last["misclassified"].sum()),
            "variance_below_target": bool(last["variance_below_target"].all()) if len(last) else False}
    return left[np.sort(chosen)], table, info


def _implausibility(emulator, active, y: np.ndarray, pool: np.ndarray, spec: dict, discrepancy_sd: float,
                    inflation: float = 1.0) -> np.ndarray:
    """A target's implausibility at each candidate, with its emulator's variance (times ``inflation``, the
    widening its held-out check asked for) added to the target's."""
    if emulator is None:
        mean, sd = np.full(len(pool), y[0]), np.zeros(len(pool))
    elif not np.isfinite(inflation):             # it misjudged a held-out run it had no doubt about: it rules out nothing
        return np.zeros(len(pool))
    else:
        mean, sd = emulator.model.predict(pool[:, active] - 0.5, return_std=True)
    return misfit(mean, spec, sd ** 2 * inflation, discrepancy_sd=discrepancy_sd)
