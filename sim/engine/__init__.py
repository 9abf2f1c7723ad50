"""The engine: a discrete-event simulation of patients flowing through services with finite places.

It knows nothing of Hydra, files or metrics: it takes a prepared configuration (plain dicts, see
:mod:`sim.inputs.prepare`) and returns raw counters.  One concept a module:

* :mod:`~sim.engine.clock` -- SimPy's environment with a lean path for scheduled calls;
* :mod:`~sim.engine.randomness` -- one seeded source of random numbers per stochastic process;
* :mod:`~sim.engine.distributions` -- lengths of stay and other durations, by patient attribute;
* :mod:`~sim.engine.patient`, :mod:`~sim.engine.attributes` -- the entity and what tables key on;
* :mod:`~sim.engine.population`, :mod:`~sim.engine.demography` -- who lives where, by year;
* :mod:`~sim.engine.calendar`, :mod:`~sim.engine.demand` -- arrival streams over the calendar;
* :mod:`~sim.engine.routing` -- where a patient goes next;
* :mod:`~sim.engine.spec`, :mod:`~sim.engine.service` -- a setting with places and a waiting list;
* :mod:`~sim.engine.sink`, :mod:`~sim.engine.partition`, :mod:`~sim.engine.caseload` -- journey
  ends, per-site instances, and caseloads that avert crises;
* :mod:`~sim.engine.rota` -- places by hour of day and day of week;
* :mod:`~sim.engine.network` -- the pathway built from config;
* :mod:`~sim.engine.event_log` -- an optional per-patient log;
* :mod:`~sim.engine.model` -- one replication run to its horizon, with its ledger.
"""
from .model import Model, simulation_start
from .network import Network, NetworkBuilder
from .service import Service
from .spec import ServiceSpec

__all__ = ["Model", "Network", "NetworkBuilder", "Service", "ServiceSpec", "simulation_start"]
