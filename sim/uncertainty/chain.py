"""A chain of waves of history matching in one table, and whether the chain may stop.

Every wave's folder records what the table needs: its draws (``draws.csv``), each draw's
implausibility against every calibration target (``history_matching.csv``), the emulators it was
refocused by and their held-out check (``refocus.csv``, from the second wave) and its timings
(``manifest.json``).  :func:`table` reads a chain of waves into one row each: draws, non-implausible
draws (largest implausibility at most 3, and beside it the second-largest), the share of the stated
input space ruled out before the wave was drawn, the emulators' lowest cross-validated R², the
held-out runs they misclassified and the largest widening of an emulator's variance that took those runs in
(:mod:`sim.uncertainty.validation`; 1 when none was misclassified), whether their variance is below the targets' observation and
discrepancy variance, the minutes the wave's command took and how many of them went on setting up (drawing
the wave: fitting the refocusing emulators, checking its points), how many of its runs it ran and how many it
read back from the job cache (a wave written again from the cache takes minutes its runs did not), and
how many points chosen for it the model refused (values it cannot build, each replaced by another point
not ruled out).  :func:`stop` applies the stop rule of :mod:`sim.uncertainty.validation` to the chain.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..common.files import table_file
from . import history, validation

COLUMNS = ["wave", "folder", "draws", "non_implausible", "non_implausible_second", "share_ruled_out_before",
           "lowest_cv_r2", "held_out", "misclassified", "largest_variance_inflation", "variance_below_target", "minutes",
           "setup_minutes", "runs_run", "runs_from_cache", "points_refused"]


def _study(folder: Path) -> dict:
    manifest = folder / "manifest.json"
    return json.loads(manifest.read_text()).get("runs", {}).get("study", {}) if manifest.is_file() else {}


def row(folder: Path, wave: int, threshold: float = history.THRESHOLD) -> dict:
    """One wave's row of the table, read from its folder."""
    folder = Path(folder)
    emulators = pd.read_csv(table_file(folder, "refocus")) if table_file(folder, "refocus").is_file() else pd.DataFrame()
    study = _study(folder)
    runs, timings = study.get("runs") or {}, study.get("timings", {})
    return {**summarise(wave, folder, pd.read_csv(table_file(folder, "history_matching")), study.get("refocus") or {},
                        emulators, timings.get("total_seconds", np.nan), threshold, timings.get("setup_seconds", np.nan)),
            "runs_run": runs.get("ran"), "runs_from_cache": runs.get("reused")}


def summarise(wave: int, folder: Path, matched: pd.DataFrame, refocused: dict, emulators: pd.DataFrame,
              seconds: float, threshold: float = history.THRESHOLD, setup_seconds: float = np.nan) -> dict:
    """One wave's row: ``matched`` is its ``history_matching`` table (a column per target), ``refocused``
    the summary of the refocusing it was drawn by (empty for a first wave), ``emulators`` that
    refocusing's table of emulators; ``seconds`` the wave's command took, ``setup_seconds`` of them setting up."""
    targets = [c for c in matched.columns if c not in ("draw", "max_implausibility", "second_implausibility", "weight")]
    judged = history.criteria(matched[targets])
    last = emulators[emulators["wave"] == emulators["wave"].max()] if not emulators.empty else emulators

    def total(column):
        return int(last[column].sum()) if column in last else None
    return {"wave": wave, "folder": str(folder), "draws": len(matched),
            "non_implausible": int((judged["max_implausibility"] <= threshold).sum()),
            "non_implausible_second": int((judged["second_implausibility"] <= threshold).sum()),
            "share_ruled_out_before": 1 - refocused["share_not_ruled_out"] if refocused else 0.0,
            "lowest_cv_r2": float(last["cv_r2"].min()) if "cv_r2" in last else np.nan,
            "held_out": total("held_out"), "misclassified": total("misclassified"),
            # None for a first wave, and for waves refocused before misclassifying emulators were widened
            "largest_variance_inflation": float(last["variance_inflation"].max()) if "variance_inflation" in last else None,
            "variance_below_target": (bool(last["variance_below_target"].all()) if "variance_below_target" in last
                                      else None),
            "minutes": round(float(seconds) / 60, 1), "setup_minutes": round(float(setup_seconds) / 60, 1),
            # points the model refused as they were chosen (another took each one's place; none before this was checked)
            "points_refused": (refocused.get("refused") or {}).get("points") if refocused else None}


def table(folders: list, threshold: float = history.THRESHOLD) -> pd.DataFrame:
    """The per-wave table of a chain of waves, first wave first."""
    return pd.DataFrame([row(Path(f), i, threshold) for i, f in enumerate(folders, start=1)], columns=COLUMNS)


def stop(waves: pd.DataFrame) -> str | None:
    """Why the chain may stop after its last wave (None: run another), by the rule of
    :func:`sim.uncertainty.validation.stop_reason`."""
    below = waves["variance_below_target"].iloc[-1]
    return validation.stop_reason(int(waves["non_implausible"].sum()), [bool(below)] if below is not None else [])
