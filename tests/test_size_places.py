"""Sizing each place's services to its own demand (experiments/size_places.py)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from sim.inputs.config import load

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "experiments"))
import size_places  # noqa: E402


def test_sized_services_follow_the_capacity_group():
    services = size_places.sized_services("black_country")
    assert services["acute_beds"] == "acute" and services["home_care_packages"] == "home_care"
    assert "ihct_caseload" not in services          # sized per locality, per resident: left alone


def test_generous_capacity_is_walsalls_per_resident_whatever_the_current_places():
    services = size_places.sized_services("black_country")
    home_care = {"home_care_packages": services["home_care_packages"]}
    cfg = load(["place=black_country", *size_places.generous("black_country", home_care)])
    people, walsall = size_places.site_people("black_country"), size_places.site_people("walsall")
    per_resident = load(["place=walsall"])["capacity"]["home_care_packages"] / sum(walsall.values())
    generous = cfg["capacity"]["home_care_packages"]
    assert generous["manor"] == 3 * load(["place=walsall"])["capacity"]["home_care_packages"]   # Manor serves Walsall
    assert generous == {site: round(3 * per_resident * n) for site, n in people.items()}
    fraction = load(["place=black_country"])["network"]["services"]["home_care"]["initial"]["occupancy_fraction"]
    start = cfg["network"]["services"]["home_care"]["initial"]["occupancy"]
    assert start == {site: round(fraction * per_resident * n) for site, n in people.items()}


def test_sizing_runs_and_scales_every_site(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "experiments" / "size_places.py"), "--quick", "--out", str(tmp_path)],
                   check=True, cwd=ROOT, capture_output=True)
    sizes = pd.read_csv(tmp_path / "sizes.csv")
    bc = sizes[sizes["place"] == "black_country"]
    assert set(bc["site"]) == {"manor", "new_cross", "russells_hall", "midland_metropolitan"}
    assert (sizes["places"] >= 1).all()
    ratio = sizes["places"] / (sizes["walsall_places"] * sizes["unconstrained_load"] / sizes["walsall_load"])
    assert ratio.between(0.5, 2.0).all()             # rounding aside, places follow load
    assert (tmp_path / "manifest.json").is_file()
