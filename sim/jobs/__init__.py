"""Running configurations: what turns a resolved configuration into files on disk.

* :mod:`~sim.jobs.runner` -- check, prepare and run the replications in parallel, tabulate them;
* :mod:`~sim.jobs.cache` -- finished jobs keyed by configuration, so sweeps resume;
* :mod:`~sim.jobs.outputs` -- the output files and the manifest;
* :mod:`~sim.jobs.cli` -- the command-line job (``python -m sim``): checks, cache, summary;
* :mod:`~sim.jobs.callbacks` -- Hydra callbacks: a sweep's progress bar, then its table, figure and scenario comparison;
* :mod:`~sim.jobs.folders` -- each job of a sweep in a folder named by its overrides;
* :mod:`~sim.jobs.objective` -- the objective an optimising sweeper minimises;
* :mod:`~sim.jobs.experiment` -- the harness behind ``experiments/``, the studies and ``results/``;
* :mod:`~sim.jobs.compare` -- ``carepath compare``: a finished sweep's jobs, paired against a reference;
* :mod:`~sim.jobs.reproduce` -- ``carepath reproduce``: re-run a committed experiment and check its numbers;
* :mod:`~sim.jobs.one_page` -- ``carepath report``: a one-page report of a run or a comparison (HTML, PDF);
* :mod:`~sim.jobs.pathway` -- ``carepath pathway``: the configured network drawn as an SVG diagram.
"""
