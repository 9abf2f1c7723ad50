"""The web app's settings file: what Save settings writes, Load settings reads back, and what it refuses."""
from __future__ import annotations

import pytest

pytest.importorskip("shiny")

from sim.app import settings_file
from sim.app.choices import Group, Setting

GROUPS = [Group("place", "Place", {"walsall": "Walsall", "dudley": "Dudley"}, "walsall", True, {}),
          Group("scenario/capacity", "Capacity presets", {"current": "Current", "beds_2_8": "2.8"}, ["current"], True, {})]


def settings_for(chosen):
    beds = Setting("capacity.acute_beds", "General and acute beds", 533, "places", "", True)
    hub = Setting("scenario.levers.hub.intensity", "Hub", 1.0, "intensity", "", False, 0.0, 1.0)
    return ([beds] if chosen["place"] == "walsall" else []), [hub]


def test_a_saved_file_sorts_back_into_the_fields_that_made_it():
    overrides = ["place=walsall", "scenario/capacity=[beds_2_8,current]", "capacity.acute_beds=480",
                 "scenario.levers.hub.intensity=0.5", "run.year=2020", "run.seed=7", "run.horizon_days=30", "place=nowhere"]
    text = settings_file.dump(overrides)
    assert text.startswith("# carepath settings") and "command: python -m sim place=walsall" in text
    loaded = settings_file.sort_out(settings_file.parse(text.encode()), GROUPS, settings_for)
    assert loaded.groups == {"place": "walsall", "scenario/capacity": ["beds_2_8", "current"]}
    assert loaded.run == {"year": "2020", "seed": "7"}
    assert loaded.values == {"capacity.acute_beds": 480, "scenario.levers.hub.intensity": 0.5}
    assert isinstance(loaded.values["capacity.acute_beds"], int)               # a count of places stays whole
    assert loaded.other == ["run.horizon_days=30", "place=nowhere"]              # an unknown option is left to the checks


def test_a_place_count_of_another_place_is_left_as_another_setting():
    loaded = settings_file.sort_out(["place=dudley", "capacity.acute_beds=480"], GROUPS, settings_for)
    assert loaded.values == {} and loaded.other == ["capacity.acute_beds=480"]


@pytest.mark.parametrize("data, words", [
    (b"shopping: [milk]\n", "no 'carepath: settings' line"),
    (b"carepath: settings\noverrides: capacity.acute_beds=480\n", "a list of key=value overrides"),
    (b"carepath: settings\noverrides: [just words]\n", "a list of key=value overrides"),
    (b"carepath: [unclosed\n", "not YAML"),
    (b"\xff\xfe\x00", "not YAML"),
    (b"#" * (settings_file.LARGEST + 1), "bytes"),
])
def test_a_file_that_is_not_one_is_refused_in_one_line(data, words):
    with pytest.raises(settings_file.NotSettings) as refused:
        settings_file.parse(data)
    assert words in str(refused.value) and "\n" not in str(refused.value)
