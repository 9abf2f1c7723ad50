"""carepath: discrete-event simulation of health and social care pathways.

Run ``carepath --help`` for the commands (:mod:`sim.commands`); ``carepath run`` (or ``python -m sim``)
runs the built-in Walsall 2017/18 system; see README.md.  The package is in layers, each importing only
those before it (``tests/test_layers.py`` keeps it so):

``sim.common``       the error raised for bad input, value checks, atomic files, paths
``sim.engine``       the simulation: services with places and waiting lists, arrival streams, routing,
                     lengths of stay, random numbers, the network built from config, one replication
``sim.inputs``       from Hydra configs and data files to the checked configuration the engine builds
                     from: composition, schema, calibration factors, shift-left levers, the register
``sim.analysis``     from raw statistics to metrics, intervals, comparisons, tables and figures
``sim.jobs``         running configurations: replications in parallel, the cache, output files, the
                     command-line job, the experiments' harness, comparing and reproducing
``sim.place``        a place's own files, their checks, and the configs written from them
``sim.uncertainty``  PSA, history matching, Morris and Sobol, switching values
``sim.studies``      calibration, backtest, verification, reconciliation, sizing, the register, speed
``sim.api``          running from Python (notebooks, scripts)
``sim.app``          the web app

The entry points sit on top: ``carepath`` (:mod:`sim.commands`), ``python -m sim`` (:mod:`sim.__main__`),
and each tool's older spelling ``python -m sim.<tool>``.

The public names below are imported on first use, so ``import sim`` stays cheap for worker
processes::

    from sim import api, figures, Experiment, ConfigError
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

# name -> (module, attribute or None for the module itself)
_PUBLIC = {
    "api": ("sim.api", None),
    "figures": ("sim.analysis.figures", None),
    "validate": ("sim.studies.validate", None),
    "Experiment": ("sim.jobs.experiment", "Experiment"),
    "load": ("sim.inputs.config", "load"),
    "run": ("sim.api", "run"),
    "paired_differences": ("sim.analysis.statistics", "paired_differences"),
    "t_interval": ("sim.analysis.statistics", "t_interval"),
    "ConfigError": ("sim.common.errors", "ConfigError"),
    "ConfigErrors": ("sim.common.errors", "ConfigErrors"),
    "OverloadError": ("sim.common.errors", "OverloadError"),
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    module, attribute = _PUBLIC[name]
    value = importlib.import_module(module)
    return value if attribute is None else getattr(value, attribute)


def __dir__():
    return sorted(set(globals()) | set(__all__))
