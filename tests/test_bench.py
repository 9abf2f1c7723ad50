"""The benchmark's reference loop and the event profile (``carepath bench --profile``)."""
from __future__ import annotations

import pytest

from sim.engine.model import Model
from sim.inputs.config import load
from sim.inputs.prepare import prepare
from sim.studies import bench, profile

MMC = ["network=mmc", "network.lam=9.0", "network.c=10", "network.mean_los=1.0", "run.horizon_days=200",
       "run.warmup_days=0"]


def test_heapq_reference_serves_the_offered_load():
    # Below capacity (load 9 of 10 places) nearly everyone who arrives is served by the horizon.
    served = bench.heapq_mmc(9.0, 10, 1.0, 2000.0)
    assert served == pytest.approx(9.0 * 2000.0, rel=0.03)


def test_an_observed_run_gives_the_same_results():
    cfg = prepare(load(MMC))
    plain = Model(cfg, 0).run()
    observed = Model(cfg, 0).run(profile.EventCounter())
    assert observed["services"] == plain["services"]
    assert observed["ledger"] == plain["ledger"]


def test_profile_counts_one_stay_end_and_one_arrival_a_patient():
    table = profile.profile_case("mmc", MMC[:4], 200.0).set_index(["kind", "node"])
    assert table.loc[("ArrivalStream._arrive", "arrivals"), "per_arrival"] == 1.0
    assert table.loc[("Service._finish", "ward"), "per_arrival"] == pytest.approx(1.0, abs=0.01)
    assert table.loc[("Model._on_day", "model"), "events"] == 199
    kinds = table.drop(index="all", level="kind")
    assert kinds["share_pct"].sum() == pytest.approx(100.0, abs=0.5)
    assert (table["us_per_event"] >= 0).all()
