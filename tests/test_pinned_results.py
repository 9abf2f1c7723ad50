"""Reference runs pinned by a digest of every statistic: a change meant to leave results alone (a speed-up,
a tidy-up) fails here if it moves any number of any replication, by as little as the last bit.

Each digest is the SHA-256 of every raw statistic of every replication (:meth:`sim.engine.model.Model.run`),
floats written exactly.  A change that is meant to alter results updates the digests it changes (the failure
prints the new one) and says so in CHANGELOG.md; so does a new numpy, whose generators may draw differently.
"""
from __future__ import annotations

import hashlib
from datetime import date

import numpy as np
import pytest

from sim.engine.model import Model
from sim.inputs.config import load
from sim.inputs.prepare import prepare

SHORT = ["run.horizon_days=40", "run.warmup_days=10"]
THEORY = ["run.horizon_days=200", "run.warmup_days=20"]
#: name -> (overrides, replications, digest)
PINNED = {
    "walsall_2017": (SHORT, 2, "e864e8be8c7a2cc78ea316b5df60ca8f7948c225a388c955fa713c8edc1c1a78"),
    "uk_comparator_2027_demand_led": (["run.year=2027", "capacity_policy=demand_led",
                                       "capacity_policy.levers_checked=false", "scenario=uk_comparator", *SHORT], 2,
                                      "eed4ff51690661df783a915af4a9780c16309a2a489f301f7821aa3744cbbb7f"),
    "walsall_2017_to_2018": (["run.end_year=2018", "run.horizon_days=430", "run.warmup_days=10"], 1,
                             "c71cfe3bf3421d2edafba8def407d0b503c3eff0c6446d4e0288486e6eb54edd"),
    "mmc": (["network=mmc", *THEORY], 2, "2927e54c5d1df849a2fbbdd163ffecfcea4e0677c99661014bae378afe17b61e"),
    "erlang_loss": (["network=erlang_loss", *THEORY], 2, "12114fceb9ba5f67422ecc3b89032148fdf365e7bdbf9ea9d431b9b965649c7c"),
    "tandem_blocking": (["network=tandem_blocking", *THEORY], 2, "4dc4686881bbd4ba430129bca557f14aa5443d81453d7afceb3aaec7514f40ea"),
    "mt_g_inf": (["network=mt_g_inf", *THEORY], 2, "373cd575ab1495ac895daa230728d76f1bd2dc39f832e7e1939617da6ba219ae"),
}


def exact(value):
    """``value`` with every float written exactly (``repr``) and containers in a fixed form."""
    if isinstance(value, dict):
        return {str(k): exact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [exact(v) for v in value]
    if isinstance(value, np.ndarray):
        return [repr(float(v)) for v in value.ravel()]
    if isinstance(value, float | np.floating):
        return repr(float(value))
    if isinstance(value, int | np.integer | str | date | None):
        return repr(value)
    raise TypeError(f"a statistic of unexpected type {type(value).__name__}")


def digest(overrides: list[str], replications: int) -> str:
    cfg = prepare(load(overrides))
    runs = [exact(Model(cfg, replication).run()) for replication in range(replications)]
    return hashlib.sha256(repr(runs).encode()).hexdigest()


@pytest.mark.parametrize("name", list(PINNED))
def test_reference_run_is_unchanged(name):
    overrides, replications, pinned = PINNED[name]
    found = digest(overrides, replications)
    assert found == pinned, f"{name}: results changed; the new digest is {found}"
