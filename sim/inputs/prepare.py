"""The configuration a replication runs, from the one a user composed.

Seven steps, in order, each returning a new configuration (the composed one is left as it was, so
manifests record what the user asked for):

1. data files are read into tables (:func:`sim.inputs.data_files.resolve`);
2. the place's local tables replace the pathway's own (:func:`sim.inputs.local_tables.apply`);
3. the responses to pressure are merged into the pathway (:func:`sim.inputs.pressure.apply`), before
   calibration, so calibration can fit their settings;
4. the place's calibration factors scale the sourced priors (:func:`sim.inputs.calibration.apply`),
   and its pathway trends move them to the run's year (:func:`sim.inputs.trends.apply`);
5. seasonal shares become routing tables by month (:func:`sim.inputs.seasonality.apply`);
6. the capacity policy gives each service its places for the year, with the scenario's levers and
   capacity presets (:func:`sim.inputs.capacity_policy.apply`, which calls :mod:`sim.inputs.levers`);
7. the whole-system envelope's lines outside the model are projected to the year, and costs are put
   in the year's prices when asked (:func:`sim.inputs.envelope.apply`).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import calibration, capacity_policy, data_files, envelope, local_tables, pressure, seasonality, trends


def prepare(cfg: Mapping[str, Any]) -> dict:
    """The configuration a replication runs: data files read, local tables, pressure responses merged,
    calibration and pathway trends applied, seasonal shares, then the year's places and levers, then the
    envelope."""
    return envelope.apply(capacity_policy.apply(seasonality.apply(trends.apply(calibration.apply(
        pressure.apply(local_tables.apply(data_files.resolve(cfg))))))))
