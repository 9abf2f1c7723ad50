"""From a replication's raw statistics to the numbers and pictures a planner quotes.

* :mod:`~sim.analysis.metrics` -- named metrics and costs from raw counters;
* :mod:`~sim.analysis.statistics` -- intervals over replications within each metric's bounds, paired differences;
* :mod:`~sim.analysis.output_analysis` -- warm-up (MSER-5), replications to a precision, overload flags;
* :mod:`~sim.analysis.comparison` -- a finished sweep's scenarios against a baseline (any sweep's jobs against a reference);
* :mod:`~sim.analysis.sweep` -- a finished sweep as one table and one figure;
* :mod:`~sim.analysis.theory` -- queueing formulas the engine is verified against;
* :mod:`~sim.analysis.figures` -- board-paper figures;
* :mod:`~sim.analysis.report` -- the summary printed after a run;
* :mod:`~sim.analysis.sites` -- the headline figures of each acute site of a multi-site place;
* :mod:`~sim.analysis.pathway_diagram` -- a network drawn as an SVG diagram.
"""
