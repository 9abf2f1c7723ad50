"""carepath: discrete-event simulation of health and social care pathways.

Run ``python -m sim`` for the built-in Walsall 2017/18 system; see README.md.
The engine: :mod:`sim.service` (a setting with places and a waiting list),
:mod:`sim.demand` (arrival streams), :mod:`sim.routing`, :mod:`sim.model`
(one replication built from config) and :mod:`sim.runner` (replications).
"""
__version__ = "0.1.0"
