"""Studies: the model held against targets, history, theory and budgets.

Each is a ``carepath`` subcommand that writes a folder of ``results/`` with the experiments' harness
(:mod:`sim.jobs.experiment`).

* :mod:`~sim.studies.calibrate` -- the base year against its targets, and the fit of the free rates;
* :mod:`~sim.studies.backtest` -- the calibrated model on years it was not fitted to;
* :mod:`~sim.studies.hindcast` -- 2017/18's model run on to 2024/25 against history and two naive forecasts;
* :mod:`~sim.studies.validate` -- the engine against queueing theory and Ciw;
* :mod:`~sim.studies.reconcile` -- the base year's whole-system cost against the budget lines;
* :mod:`~sim.studies.size` -- the demand-led places: unconstrained loads, places at the base-year standard;
* :mod:`~sim.studies.params` -- the parameter register's page, with each parameter's uncertainty range;
* :mod:`~sim.studies.bench` -- how fast carepath runs, as ratios measured in one process.
"""
