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
    "walsall_2017": (SHORT, 2, "c5532e5046eedb73ad8c47bcbf3ee25154792578eabcc38bc381e20071fbea50"),
    "uk_comparator_2027_demand_led": (["run.year=2027", "capacity_policy=demand_led",
                                       "capacity_policy.levers_checked=false", "scenario=uk_comparator", *SHORT], 2,
                                      "0c7fa465bd48b49b5e5d62c6d3ce71851aeab81f147c9fa63efe57fec9541f88"),
    "walsall_2017_to_2018": (["run.end_year=2018", "run.horizon_days=430", "run.warmup_days=10"], 1,
                             "87716a7026514929f371d238187c935f672a72102e4f52a274c007cbb4bf97f1"),
    "mmc": (["network=mmc", *THEORY], 2, "48985ff70bec93b38f1d9d4648e1aca8a8ed02f7b99a480839c47d656dfbd9c1"),
    "erlang_loss": (["network=erlang_loss", *THEORY], 2, "3dacf4ea076caf176e3adba1979355ca731ac79924a669c3e1ceed0d406c653b"),
    "tandem_blocking": (["network=tandem_blocking", *THEORY], 2, "6bd6e498ff46764b55ba1c46a691f119105369818d9b7e22ec449cba2052cb02"),
    "mt_g_inf": (["network=mt_g_inf", *THEORY], 2, "647a03de0fbb360e8aa9299c165cd3eeb49e142eed8eb67963762bc170171d71"),
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
    assert digest(overrides, replications) == pinned, f"{name}: results changed"
