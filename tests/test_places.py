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
    assert model.context.population.total == pytest.approx(1.4e6, rel=0.001)            # [@black-country-stp-2016]
    assert set(model.context.population.sites) == {"manor", "new_cross", "russells_hall", "midland_metropolitan"}
    assert {"acute_manor", "acute_new_cross", "acute_russells_hall", "acute_midland_metropolitan"} <= set(model.services)
    # Four A&E departments of 75,000-150,000 attendances each [@black-country-stp-2016, "Creating Networks of
    # Secondary Care Excellence"]: the modelled residents' demand
    for site in model.context.population.sites:
        annual = 365 * sum(
            stream.rate_per_day * sum(p for i, p in enumerate(stream.cell_p)
                                      if model.context.population.site_of[model.context.population.localities[i // 5]] == site)
            for name, stream in model.network.arrivals.items() if name in ("ae_walk_in", "ae_ambulance"))
        assert 60_000 < annual < 160_000, (site, annual)


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
