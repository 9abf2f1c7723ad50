"""Which assumptions matter: sensitivity indices, tornado and switching values for a study's results.

A *result* is one series of per-draw values: a metric of a scenario in a year, or a paired
difference (``<scenario> vs do_nothing``), the net saving among them.  How its indices are had
depends on the design (:mod:`sim.uncertainty.sampling`):

* ``lhs`` or ``sobol`` (a PSA): an emulator (:mod:`sim.uncertainty.emulator`) is fitted to the draws,
  checked by cross-validation, and gives Sobol indices (``sobol_emulator``), the tornado and the
  switching values;
* ``morris``: elementary effects straight from the runs;
* ``saltelli``: Sobol indices straight from the runs.

**When the emulator is not good enough.**  Sobol indices read off an emulator are only as good as the
emulator: where its cross-validated R² is below :data:`RELIABLE_R2` (0.7) they are withheld (not
written, not printed), and the result's drivers come instead from direct Morris screening of the
model -- a ``--method morris`` study given as ``--screening DIR`` -- labelled as a ranking by Morris
``mu_star``, not a share of variance (:func:`gate`).  Without a screening the drivers are left
unranked, and the README says which command would rank them.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..common.errors import ConfigError
from ..common.files import table_file
from . import emulator as emulation
from . import sensitivity, summary, switching
from .apply import Resolved

RELIABLE_R2 = 0.7       # the emulator's cross-validated R² from which its Sobol indices are printed


def result_values(psa: pd.DataFrame, scenario: str, year, metric: str, draws: int) -> np.ndarray | None:
    """The per-draw values of one result, in draw order (None if any draw lacks it)."""
    pick = psa[(psa["scenario"] == scenario) & (psa["year"] == year) & (psa["metric"] == metric)]
    values = pick.set_index("draw")["value"].reindex(range(draws))
    return None if values.isna().any() else values.to_numpy()


def ran_away(psa: pd.DataFrame, scenario: str, year, draws: int) -> np.ndarray:
    """Per draw, in draw order: whether the result's run (either run, for a comparison) ran away."""
    rows = pd.DataFrame({"draw": range(draws), "scenario": scenario, "year": year})
    return ~summary.steady_rows(rows, summary.stable(psa))


def label(scenario: str, year, metric: str) -> str:
    return f"{scenario} {year}: {metric}"


def direct(design: str, names: list[str], unit: np.ndarray, y: np.ndarray, result: str, levels: int, seed: int):
    """Indices straight from the runs (Morris or Saltelli designs)."""
    if design == "morris":
        return sensitivity.morris(names, unit, y, result, levels=levels, seed=seed)
    return sensitivity.sobol(names, y, result, seed=seed)


def emulated(resolved: Resolved, unit: np.ndarray, y: np.ndarray, result: str, *, switching_top: int | None = 3,
             samples: int = 2048, seed: int = 0) -> dict:
    """Emulator check, Sobol indices, tornado and switching values of one result."""
    names = [r.name for r in resolved.ranges.ranges]
    distributions = [resolved.distribution(r) for r in resolved.ranges.ranges]
    r2, predicted = emulation.cross_validate(unit, y, seed=seed)
    fitted = emulation.Emulator(seed=seed).fit(unit, y)
    indices = emulation.sobol_indices(fitted, names, result, n=samples, seed=seed)
    tornado = switching.tornado(fitted, names, distributions, result)
    totals = indices[indices["index"] == "ST"].sort_values("value", ascending=False)
    leading = [names.index(p) for p in totals["parameter"].head(switching_top or 0)]
    switches = pd.DataFrame([switching.switching_value(fitted, names, j, distributions[j], result) for j in leading])
    check = {"result": result, "draws": len(y), "cv_r2": r2, "noise_share": fitted.noise_share, "scale": fitted.scale,
             "emulator": "Gaussian process: linear trend + ARD squared-exponential + white noise (scikit-learn)"}
    return {"indices": indices, "tornado": tornado, "switching": switches, "check": check,
            "observed": y, "predicted": predicted}


def screening(folder) -> pd.DataFrame:
    """The Morris indices of a ``--method morris`` study's folder (its ``sensitivity.csv``)."""
    path = table_file(folder, "sensitivity")
    table = pd.read_csv(path) if path.is_file() else pd.DataFrame(columns=sensitivity.COLUMNS)
    if table.empty or "morris" not in set(table["method"]):
        raise ConfigError("--screening", str(folder), "a folder written by python -m sim.uncertainty --method morris "
                                                      "(its sensitivity.csv has Morris indices)")
    return table[table["method"] == "morris"]


def gate(fitted: dict, screened: pd.DataFrame | None) -> dict:
    """``fitted`` (:func:`emulated`) as reported: its Sobol indices where the emulator's cross-validated R²
    is at least :data:`RELIABLE_R2`; otherwise the Morris ranking of the same result from ``screened``
    (method ``morris_direct``; none without a screening) and ``sobol_withheld`` set."""
    if fitted["check"]["cv_r2"] >= RELIABLE_R2:
        return {**fitted, "sobol_withheld": False}
    result = fitted["check"]["result"]
    rows = (screened[screened["metric"] == result].assign(method="morris_direct") if screened is not None
            else pd.DataFrame(columns=sensitivity.COLUMNS))
    return {**fitted, "indices": rows.reset_index(drop=True), "sobol_withheld": True}
