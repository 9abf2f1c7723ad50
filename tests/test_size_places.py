"""Sizing each place's services to its own demand (sim.place.sizing, experiments/size_places.py)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.inputs.config import load
from sim.place import sizing

ROOT = Path(__file__).resolve().parent.parent


def test_sized_services_follow_the_capacity_group():
    services = sizing.sized_services(["place=walsall"])
    assert services["acute_beds"] == ("acute", "site") and services["home_care_packages"] == ("home_care", "place")
    assert "ihct_caseload" not in services          # sized per locality, per resident: left alone


def test_generous_capacity_is_walsalls_per_person_served_whatever_the_current_places():
    services = {"home_care_packages": ("home_care", "place"), "acute_beds": ("acute", "site")}
    place, walsall = load(["place=dudley"]), load(["place=walsall"])
    base = sizing.reference_places(place, walsall, services, {"home_care_packages": True, "acute_beds": True})
    overrides = sizing.generous(place, {"home_care": "home_care_packages", "acute": "acute_beds"}, base)
    cfg = load(["place=dudley", *overrides])
    ratio = sizing.population(place).total / sizing.population(walsall).total
    for key in services:
        assert cfg["capacity"][key] == round(3 * walsall["capacity"][key] * ratio)
    fraction = place["network"]["services"]["home_care"]["initial"]["occupancy_fraction"]
    assert cfg["network"]["services"]["home_care"]["initial"]["occupancy"] == round(
        fraction * walsall["capacity"]["home_care_packages"] * ratio)


def test_a_site_serves_its_catchment_and_a_place_its_residents():
    cfg = load(["place=black_country"])
    people = sizing.population(cfg)
    sites, places = people.served("site"), people.served("place")
    assert sum(places.values()) == pytest.approx(people.total)
    assert sum(sites.values()) < people.people.sum()      # shares leave some demand to sites outside the footprint
    assert set(places) == {"walsall", "wolverhampton", "dudley", "sandwell_west_birmingham"}


def test_sizing_runs_and_scales_every_site(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "experiments" / "size_places.py"), "--quick", "--out", str(tmp_path)],
                   check=True, cwd=ROOT, capture_output=True)
    sizes = pd.read_csv(tmp_path / "sizes.csv")
    assert set(sizes["place"]) == {"wolverhampton", "dudley", "sandwell_west_birmingham", "wirral"}
    assert (sizes["places"] >= 1).all()
    ratio = sizes["places"] / (sizes["walsall_places"] * sizes["unconstrained_load"] / sizes["walsall_load"])
    assert ratio.between(0.5, 2.0).all()             # rounding aside, places follow load
    assert (tmp_path / "manifest.json").is_file()
