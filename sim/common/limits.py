"""Upper bounds on the sizes a configuration may ask for, each with its reason, checked before anything runs.

A value past one of these is almost always a typing slip (an extra three zeros), and left unchecked it
asks for more memory or time than any machine has: a service of a trillion places draws a trillion
lengths of stay before the first day (7 TiB).  Each bound is far above any real use:

* :data:`MAX_PLACES` -- places in one service (or one site or locality of it): England has about
  100,000 general and acute beds in all;
* :data:`MAX_REPLICATIONS` -- replications of one job: 10,000 gives a 95% interval a hundredth the
  standard deviation, far past any decision's need;
* :data:`MAX_HORIZON_DAYS` -- days simulated: 40 years, more than the supported financial years span;
* :data:`MAX_POPULATION` -- residents of a place: 100 million, above the United Kingdom's 68 million;
* :data:`SEED_LIMIT` -- ``run.seed`` is below 2**63 (a 64-bit signed integer, as numpy and every
  file the run writes keep it).
"""
from __future__ import annotations

MAX_PLACES = 100_000
MAX_REPLICATIONS = 10_000
MAX_HORIZON_DAYS = 40 * 366
MAX_POPULATION = 100_000_000
SEED_LIMIT = 2 ** 63

PLACES_TEXT = f"at most {MAX_PLACES:,} places in a service (England has about 100,000 acute beds in all)"
