"""Sizing each place's services to its own demand (experiments/size_places.py)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from sim.config import load

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "experiments"))
import size_places  # noqa: E402


def test_sized_services_follow_the_capacity_group():
    services = size_places.sized_services("black_country")
    assert services["acute_beds"] == "acute" and services["home_care_packages"] == "home_care"
    assert "ihct_caseload" not in services          # sized per locality, per resident: left alone


def test_generous_capacity_keeps_the_starting_patients():
    services = size_places.sized_services("black_country")
    overrides = size_places.generous("black_country", {"home_care_packages": services["home_care_packages"]})
    cfg = load(["place=black_country", *overrides])
    before = load(["place=black_country"])["capacity"]["home_care_packages"]
    assert cfg["capacity"]["home_care_packages"] == {k: 3 * v for k, v in before.items()}
    assert cfg["network"]["services"]["home_care"]["initial"]["occupancy"] == before   # occupancy_fraction 1.0 of the old places


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
