"""Uncertainty a board can see: ranges on the assumptions, probabilistic and global sensitivity analysis.

One concept a module:

* :mod:`~sim.uncertainty.ranges` -- the ranges file: which inputs are uncertain, as what distribution;
* :mod:`~sim.uncertainty.apply` -- ranges matched to a composed configuration, a draw written into it;
* :mod:`~sim.uncertainty.register` -- the ranges against the parameter register;
* :mod:`~sim.uncertainty.sampling` -- designs (Latin hypercube, Sobol, Morris, Saltelli);
* :mod:`~sim.uncertainty.runs` -- every (draw, scenario, year) an ordinary cached job, in parallel;
* :mod:`~sim.uncertainty.cluster` -- Ray: a local instance or a cluster, runs streamed back as they finish;
* :mod:`~sim.uncertainty.study` -- a study: compose, check, draw, run;
* :mod:`~sim.uncertainty.summary` -- per-draw results, paired differences, P10/P50/P90;
* :mod:`~sim.uncertainty.history` -- history matching against the calibration targets;
* :mod:`~sim.uncertainty.variance` -- parameter versus stochastic variance;
* :mod:`~sim.uncertainty.sensitivity`, :mod:`~sim.uncertainty.emulator`, :mod:`~sim.uncertainty.switching`,
  :mod:`~sim.uncertainty.analysis` -- Morris, Sobol, the emulator, tornado and switching values;
* :mod:`~sim.uncertainty.plots`, :mod:`~sim.uncertainty.report` -- figures and the written study;
* :mod:`~sim.uncertainty.cli` -- ``python -m sim.uncertainty``.
"""
