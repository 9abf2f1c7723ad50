"""Which assumptions matter: sensitivity indices, tornado and switching values for a study's results.

A *result* is one series of per-draw values: a metric of a scenario in a year, or a paired
difference (``<scenario> vs do_nothing``), the net saving among them.  How its indices are had
depends on the design (:mod:`sim.uncertainty.sampling`):

* ``lhs`` or ``sobol`` (a PSA): an emulator (:mod:`sim.uncertainty.emulator`) is fitted to the draws,
  checked by cross-validation, and gives Sobol indices (``sobol_emulator``), the tornado and the
  switching values;
* ``morris``: elementary effects straight from the runs;
* ``saltelli``: Sobol indices straight from the runs.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import emulator as emulation
from . import sensitivity, summary, switching
from .apply import Resolved


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
