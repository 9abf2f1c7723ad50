"""The web app's choices come from the configs, and its checks are the command line's, word for word."""
from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("shiny")

from sim.app import checks, choices
from sim.common.paths import CONFIG_DIR
from sim.inputs.schema import YEARS


def _group(name):
    return {g.name: g for g in choices.offered_groups()}[name]


def test_every_place_and_scenario_in_the_configs_is_offered_with_the_configured_default():
    assert set(_group("place").options) == {p.stem for p in (CONFIG_DIR / "place").glob("*.yaml")}
    assert set(_group("scenario").options) == {p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml")}
    assert _group("place").default == "walsall" and _group("scenario").default == "baseline"
    assert _group("place").options["black_country"] == "Black Country and West Birmingham"   # the place's own label
    assert choices.years() == list(range(YEARS[0], YEARS[1] + 1))


def test_a_group_the_configs_do_not_have_is_not_offered():
    names = {g.name for g in choices.offered_groups()}
    assert ("capacity_policy" in names) == (CONFIG_DIR / "capacity_policy").is_dir()


def test_only_what_differs_from_the_defaults_becomes_an_override():
    assert choices.group_overrides({"place": "walsall", "scenario": "baseline"}) == []
    assert choices.group_overrides({"place": "dudley", "scenario/capacity": ["current", "beds_2_75"]}) == [
        "place=dudley", "scenario/capacity=[beds_2_75,current]"]


def test_capacities_carry_their_service_unit_default_and_source():
    raw, resolved = checks.composed([])
    beds = {s.key: s for s in choices.capacity_settings(raw, resolved)}["capacity.acute_beds"]
    assert beds.default == resolved["capacity"]["acute_beds"]
    assert beds.label == resolved["network"]["services"]["acute"]["label"]
    assert beds.unit == "places" and "[@" in beds.source
    assert f"Default: {beds.default:,.0f}" in beds.hint and beds.source in beds.hint
    values = {"capacity.acute_beds": 500, "capacity.ic_beds": resolved["capacity"]["ic_beds"]}
    assert choices.setting_overrides(choices.capacity_settings(raw, resolved), values) == ["capacity.acute_beds=500"]


def test_a_place_with_several_sites_offers_each_sites_places():
    raw, resolved = checks.composed(["place=black_country"])
    keys = {s.key for s in choices.capacity_settings(raw, resolved)}
    assert {f"capacity.acute_beds.{site}" for site in resolved["capacity"]["acute_beds"]} <= keys


def test_levers_are_the_chosen_scenarios_with_their_sources():
    _, resolved = checks.composed(["scenario=uk_comparator"])
    levers = choices.lever_settings(resolved, "uk_comparator")
    assert {s.key for s in levers} == {f"scenario.levers.{name}.intensity" for name in resolved["scenario"]["levers"]}
    assert all(s.source and s.maximum == 1.0 and not s.whole for s in levers)
    assert choices.setting_overrides(levers[:1], {levers[0].key: 0.5}) == [f"{levers[0].key}=0.5"]


def test_the_printed_command_quotes_what_the_shell_would_split():
    assert choices.command(["scenario/capacity=[beds_2_75,ic_plus_25]", "run.seed=7"]) == \
        "python -m sim 'scenario/capacity=[beds_2_75,ic_plus_25]' run.seed=7"


@pytest.mark.parametrize("overrides", [["capacity.acute_beds=-5"], ["run.horizn_days=3"], ["scenario=uk_comparater"],
                                       ["scenario=uk_comparator", "scenario.levers.ambulatory_care.intensity=2"]])
def test_the_app_refuses_bad_input_in_the_command_lines_words(overrides, tmp_path):
    page = checks.check(overrides)
    cli = subprocess.run([sys.executable, "-m", "sim", *overrides, f"hydra.run.dir={tmp_path / 'out'}"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert cli.returncode == 2 and page.data is None
    assert list(page.problems) == cli.stderr.strip().splitlines()
    assert not (tmp_path / "out").exists()


def test_good_input_passes_the_checks_with_the_resolved_configuration():
    checked = checks.check(["capacity.acute_beds=500", "run.replications=2"])
    assert checked.problems == () and checked.data["capacity"]["acute_beds"] == 500
