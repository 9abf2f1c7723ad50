"""Tornado and switching values, read off the emulator one range at a time.

* **Tornado**: each range moved from its 10th to its 90th percentile with every other range at its
  median; the bar is the change in the result (HM Treasury Green Book, sensitivity analysis).
* **Switching value**: the value of a range at which the result crosses zero -- for a net saving, the
  value at which the scheme stops saving money -- with the others at their medians (Green Book,
  "switching values").  It is searched within the range's central 99.8% (the emulator is not trusted
  beyond the draws); where the result keeps its sign there, the switching value lies outside the
  range and is reported as such, with the result at the two ends.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from .emulator import Emulator, one_at_a_time

SEARCH = (0.001, 0.999)


def tornado(emulator: Emulator, names: list[str], distributions: list, metric: str) -> pd.DataFrame:
    """The result at each range's P10 and P90 (others at their medians), largest swing first."""
    k = len(names)
    centre = float(one_at_a_time(emulator, k, 0, np.array([0.5]))[0])
    rows = []
    for j, (name, dist) in enumerate(zip(names, distributions)):
        low, high = one_at_a_time(emulator, k, j, np.array([0.1, 0.9]))
        p10, p90 = dist.quantiles(0.1, 0.9)
        rows.append({"metric": metric, "parameter": name, "value_p10": p10, "value_p90": p90,
                     "result_at_p10": float(low), "result_at_p90": float(high), "result_at_median": centre,
                     "swing": abs(float(high) - float(low))})
    return pd.DataFrame(rows).sort_values("swing", ascending=False, ignore_index=True)


def switching_value(emulator: Emulator, names: list[str], j: int, dist, metric: str) -> dict:
    """Where the emulated result along range ``j`` crosses zero, if it does within the range."""
    k = len(names)
    grid = np.linspace(*SEARCH, 201)
    path = one_at_a_time(emulator, k, j, grid)
    row = {"metric": metric, "parameter": names[j], "result_at_median": float(one_at_a_time(emulator, k, j, np.array([0.5]))[0]),
           "result_at_low_end": float(path[0]), "result_at_high_end": float(path[-1]),
           "low_end": dist.quantiles(SEARCH[0])[0], "high_end": dist.quantiles(SEARCH[1])[0]}
    crossings = np.nonzero(np.sign(path[:-1]) != np.sign(path[1:]))[0]
    if len(crossings) == 0:
        return {**row, "switching_value": np.nan, "switching_percentile": np.nan, "within_range": False}
    i = int(crossings[np.argmin(np.abs(grid[crossings] - 0.5))])       # the crossing nearest the median
    u = brentq(lambda x: float(one_at_a_time(emulator, k, j, np.array([x]))[0]), grid[i], grid[i + 1], xtol=1e-6)
    return {**row, "switching_value": dist.quantiles(u)[0], "switching_percentile": 100 * u, "within_range": True}
