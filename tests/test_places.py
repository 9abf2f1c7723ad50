"""Every place runs; the Black Country's places use their own sites."""
from __future__ import annotations

import pytest

from sim.engine.model import Model
from sim.engine.service import Service
from sim.inputs.config import load
from sim.inputs.prepare import prepare
from sim.jobs import runner

PLACES = ["walsall", "wolverhampton", "dudley", "sandwell_west_birmingham", "wirral", "black_country"]


@pytest.mark.parametrize("place", PLACES)
def test_place_builds(place):
    cfg = load([f"place={place}"])
    runner.check(cfg)
    model = Model(prepare(cfg), 0)
    assert model.context.population.total > 200_000


def test_black_country_population_and_sites():
    cfg = load(["place=black_country"])
    model = Model(prepare(cfg), 0)
    population = model.context.population
    # 1.4 million residents [@black-country-stp-2016, "The Black Country and West Birmingham"]
    assert population.total == pytest.approx(1.4e6, rel=0.05)
    assert set(population.sites) == {"manor", "new_cross", "russells_hall", "midland_metropolitan"}
    assert {"acute_manor", "acute_new_cross", "acute_russells_hall", "acute_midland_metropolitan"} <= set(model.services)
    assert {"ic_bed_walsall", "ic_bed_sandwell_west_birmingham"} <= set(model.services)    # by home place
    # Four A&E departments of 75,000-150,000 attendances each [@black-country-stp-2016, "Creating Networks of
    # Secondary Care Excellence"] (Sandwell and West Birmingham's two departments saw 172,920 in 2017/18
    # [@nhse-ae-sitrep-2017-18, trust RXK]): the demand each site's catchment brings
    shares = population.catchment.table                  # (areas, sites)
    for j, site in enumerate(population.sites):
        annual = 365 * sum(stream.rate_per_day * float((stream.cell_p.reshape(len(population.localities), 5).sum(axis=1)
                                                         * shares[:, j]).sum())
                           for name, stream in model.network.arrivals.items() if name in ("ae_walk_in", "ae_ambulance"))
        assert 60_000 < annual < 200_000, (site, annual)


def test_patients_use_their_own_site(monkeypatch):
    cfg = load(["place=black_country", "run.horizon_days=12", "run.warmup_days=2"])
    model = Model(prepare(cfg), 0)
    wrong = []
    original = Service.offer

    def offer(self, patient, holder=None):
        part = model.network.part_of.get(self.name)
        if part is not None and part in model.context.population.sites and patient.site != part:
            wrong.append((self.name, patient.site))
        if part is not None and part in model.context.population.localities and patient.locality != part:
            wrong.append((self.name, patient.locality))
        if part is not None and part in model.context.population.places and patient.place != part:
            wrong.append((self.name, patient.place))
        return original(self, patient, holder)
    monkeypatch.setattr(Service, "offer", offer)
    raw = model.run()
    assert not wrong, wrong[:5]
    assert raw["ledger"]["balanced"]
    assert raw["services"]["acute_new_cross"]["arrived"] > 0


def test_cost_shares_add_up():
    cfg = load(["place=wirral", "run.horizon_days=40", "run.warmup_days=10", "run.replications=1", "run.n_jobs=1"])
    means = runner.run(cfg, progress=False).summary.set_index("metric")["mean"]
    settings = [m for m in means.index if m.startswith("cost_share_") and "commissioner" not in m]
    assert sum(means[m] for m in settings) == pytest.approx(100.0)
    shares = [m for m in means.index if m.startswith("cost_share_commissioner_")]
    assert sum(means[m] for m in shares) == pytest.approx(100.0)
