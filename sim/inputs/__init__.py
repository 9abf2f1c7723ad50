"""From Hydra configs and data files to the checked configuration the engine builds from.

* :mod:`~sim.inputs.config` -- compose ``configs/`` with overrides, as the command line does;
* :mod:`~sim.inputs.overrides` -- overrides checked before composing, every problem at once;
* :mod:`~sim.inputs.schema` -- the shape and ranges of every config group, all problems at once;
* :mod:`~sim.inputs.data_files` -- CSV files a planner supplies (population by locality and age);
* :mod:`~sim.inputs.calibration` -- fitted factors applied to the sourced priors;
* :mod:`~sim.inputs.levers` -- a scenario's shift-left levers compiled into pathway data;
* :mod:`~sim.inputs.prepare` -- all of the above in order: what a replication runs;
* :mod:`~sim.inputs.params` -- the parameter register: every number in ``configs/`` with its unit,
  source and status (``carepath params`` writes it to ``docs/parameters.md``).
"""
