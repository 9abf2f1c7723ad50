"""The demand-led table: standard services, places at the base-year occupancy, the scheme's own places, the table file."""
from __future__ import annotations

import csv

import pandas as pd
import pytest

from sim.common.paths import ROOT
from sim.inputs import capacity_policy
from sim.inputs.config import load
from sim.place import sizing


@pytest.fixture(scope="module")
def walsall():
    return load([])


@pytest.fixture(scope="module")
def services():
    return sizing.standard_services()


def test_the_standard_services_are_those_with_base_year_places(services):
    assert {"acute", "ae", "ic_bed", "ic_home", "home_care", "care_home", "ihct", "social_assessment"} <= set(services)
    assert services["acute"] == "acute_beds"
    assert not {"gp_extended", "social_prescribing", "care_home_in_reach", "care_home_spot"} & set(services)


def test_generous_places_start_at_the_base_years_occupancy(walsall, services):
    overrides = sizing.generous(walsall, services)
    assert "capacity.acute_beds=1599" in overrides
    fraction = walsall["network"]["services"]["acute"]["initial"]["occupancy_fraction"]
    assert f"+network.services.acute.initial.occupancy={round(fraction * 533)}" in overrides



def test_generous_places_keep_the_form_of_the_base_places():
    """Places by site stay by site, one number stays one number: the overrides both sizings run with."""
    cfg = load(["place=black_country"])
    acute = cfg["capacity"]["acute_beds"]
    overrides = sizing.generous(cfg, {"acute": "acute_beds"})
    assert overrides[0] == "capacity.acute_beds={" + ", ".join(f"{k}: {3 * v}" for k, v in acute.items()) + "}"
    assert sizing.flow({"a": 1, "b": 2}) == "{a: 1, b: 2}" and sizing.flow({"a": 1, "b": 2}, single=True) == "1"
    assert sizing.flow(5) == "5"

def test_places_follow_the_load_at_the_base_years_occupancy_less_the_schemes_own(walsall, services):
    cfg = {**walsall, "scenario": load(["scenario=uk_comparator"])["scenario"]}
    parts = {s: sizing.parts(cfg, s) for s in services}
    base = {(2017, s, p): 100.0 for s in services for p in parts[s]}
    later = {(2027, s, p): 130.0 for s in services for p in parts[s]}
    rows = pd.DataFrame(sizing.size(cfg, {**base, **later}, base, services, ["uk_comparator"]))
    row = rows[(rows["year"] == 2027) & (rows["service"] == "ic_bed")].iloc[0]
    assert row["scheme_places"] > 0                               # the comparator's own intermediate care beds
    assert row["places"] == round(70 * 1.3 - row["scheme_places"])
    acute = rows[(rows["year"] == 2017) & (rows["service"] == "acute")].iloc[0]
    assert acute["places"] == 533 and acute["levers_digest"] == capacity_policy.levers_digest(cfg["scenario"])
    ihct = rows[(rows["year"] == 2027) & (rows["service"] == "ihct")]
    assert sorted(ihct["part"]) == ["east", "north", "south", "west"]       # one team per locality


def test_the_table_keeps_other_places_and_scenarios_and_replaces_its_own(tmp_path):
    path = tmp_path / "table.csv"
    row = dict.fromkeys(capacity_policy.COLUMNS, "")
    first = [{**row, "place": "walsall", "scenario": "a", "year": 2017, "service": "acute", "places": 533},
             {**row, "place": "walsall", "scenario": "b", "year": 2017, "service": "acute", "places": 533}]
    sizing.write_table(path, first)
    sizing.write_table(path, [{**row, "place": "walsall", "scenario": "a", "year": 2017, "service": "acute", "places": 600}])
    with open(path, newline="") as handle:
        rows = {(r["scenario"], r["places"]) for r in csv.DictReader(handle)}
    assert rows == {("a", "600"), ("b", "533")}


def test_the_check_sets_each_year_beside_the_base_year():
    summary = pd.DataFrame({"year": [2017, 2027, 2017, 2027], "metric": ["ae_4h_pct", "ae_4h_pct", "x", "x"],
                            "mean": [70.0, 72.0, 1.0, 2.0], "ci_low": [69, 71, 0, 1], "ci_high": [71, 73, 2, 3],
                            "unstable": [False, False, False, False]})
    check = sizing.check(summary, summary[summary["year"] == 2017], ["acute"])
    assert check.set_index("year").loc[2027, "change"] == pytest.approx(2.0)
    assert set(check["metric"]) == {"ae_4h_pct"}


def test_the_committed_table_sizes_walsalls_do_nothing_every_year_to_2027(walsall):
    rows = pd.read_csv(ROOT / "configs/capacity_policy/demand_led.csv", keep_default_na=False)
    do_nothing = rows[(rows["place"] == "walsall") & (rows["scenario"] == "do_nothing")]
    assert set(do_nothing["year"]) == set(range(2017, 2028))
    base = do_nothing[do_nothing["year"] == 2017].set_index("service")
    assert base.loc["acute", "places"] == walsall["capacity"]["acute_beds"]
