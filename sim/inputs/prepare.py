"""The configuration a replication runs, from the one a user composed.

Seven steps, in order, each returning a new configuration (the composed one is left as it was, so
manifests record what the user asked for):

1. data files are read into tables (:func:`sim.inputs.data_files.resolve`);
2. the place's local tables replace the pathway's own (:func:`sim.inputs.local_tables.apply`);
3. the responses to pressure are merged into the pathway (:func:`sim.inputs.pressure.apply`), before
   calibration, so calibration can fit their settings;
4. the place's calibration factors scale the sourced priors (:func:`sim.inputs.calibration.apply`),
   its pathway trends move them to the run's year (:func:`sim.inputs.trends.apply`), and each acute
   site's own factors scale that site's copy of them (:func:`sim.inputs.site_calibration.apply`);
5. seasonal shares become routing tables by month (:func:`sim.inputs.seasonality.apply`);
6. the capacity policy gives each service its places for the year, with the scenario's levers and
   capacity presets (:func:`sim.inputs.capacity_policy.apply`, which calls :mod:`sim.inputs.levers`);
7. the whole-system envelope's lines outside the model are projected to the year, and costs are put
   in the year's prices when asked (:func:`sim.inputs.envelope.apply`).

The steps are :data:`STAGES`, a named, ordered list that :func:`prepare` applies and ``carepath show``
(:mod:`sim.jobs.show`) walks to say which stage set each value: each names the settings it applies
(``reads``), so a changed value can be traced to the files they came from.  Step 4 is three stages
there (calibration, trends, then site calibration).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from . import calibration, capacity_policy, data_files, envelope, local_tables, pressure, seasonality, site_calibration, trends


class Stage(NamedTuple):
    """One step of the preparation: a name, the function (a configuration in, a new one out) and the
    configuration keys whose settings it applies (where its changes come from)."""

    name: str
    apply: Callable[[Mapping[str, Any]], dict]
    reads: tuple[str, ...]


#: the preparation, in order
STAGES: tuple[Stage, ...] = (
    Stage("data files", data_files.resolve, ("place.population.csv",)),
    Stage("local tables", local_tables.apply, ("place.local",)),
    Stage("pressure", pressure.apply, ("pressure",)),
    Stage("calibration", calibration.apply, ("place.calibration",)),
    Stage("trends", trends.apply, ("place.pathway_trends",)),
    Stage("site calibration", site_calibration.apply, ("place.site_calibration",)),
    Stage("seasonality", seasonality.apply, ("network",)),
    Stage("capacity policy", capacity_policy.apply, ("capacity_policy", "scenario")),
    Stage("envelope", envelope.apply, ("envelope", "costs")),
)


def prepare(cfg: Mapping[str, Any]) -> dict:
    """The configuration a replication runs: data files read, local tables, pressure responses merged,
    calibration and pathway trends applied, seasonal shares, then the year's places and levers, then the
    envelope (:data:`STAGES`, in order)."""
    out = cfg
    for stage in STAGES:
        out = stage.apply(out)
    return out
