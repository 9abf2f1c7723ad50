"""carepath show NODE: a config node's effective values, each with the file and overlay it came from."""
from __future__ import annotations

import csv
import io

import pytest
import yaml

from sim import commands
from sim.common.paths import CONFIG_DIR
from sim.inputs import prepare as preparation
from sim.inputs.config import load
from sim.jobs import show

NETWORK = "configs/network/integrated_care.yaml"
PRESSURE = "pressure: configs/pressure/realistic.yaml"
CALIBRATION = "calibration: configs/calibration/walsall_2017.yaml"


@pytest.fixture(scope="module")
def ae():
    return {row.key: row for row in show.show("network.services.ae")}


def _calibrated_ae_stay():
    """The A&E stay of admitted patients as the network file writes it, and its calibration factor."""
    network = yaml.safe_load((CONFIG_DIR / "network" / "integrated_care.yaml").read_text())
    calibration = yaml.safe_load((CONFIG_DIR / "calibration" / "walsall_2017.yaml").read_text())
    factor = next(p["factor"] for p in calibration["parameters"].values()
                  if p["paths"] == ["network.services.ae.los.values.acute"])
    return network["services"]["ae"]["los"]["values"]["acute"]["mean"], factor


def test_each_value_names_the_file_or_overlay_it_came_from(ae):
    assert ae["network.services.ae.route_on_start"].history == ((True, NETWORK),)
    added = ae["network.services.ae.priority.ae_ambulance"]            # a response to pressure
    assert added.source == PRESSURE and added.value == 0 and added.history[1][0] is show.UNSET
    written, factor = _calibrated_ae_stay()
    stay = ae["network.services.ae.los.values.acute.mean"]
    assert stay.source == CALIBRATION and stay.history[1] == (written, NETWORK)
    assert stay.value == pytest.approx(written * factor)
    patience = ae["network.services.ae.patience.values.default.mean"]   # set by pressure, then calibrated
    assert [source for _, source in patience.history[:2]] == [CALIBRATION, PRESSURE]
    assert ae["network.services.ae.capacity"].source.startswith("configs/capacity/walsall.yaml via ${capacity.ae_cubicles}")


def test_the_command_prints_the_table_with_earlier_values(capsys):
    assert commands.main(["show", "network.services.ae"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["key", "value", "came", "from"]
    written, _ = _calibrated_ae_stay()
    stay = next(line for line in lines if line.startswith("network.services.ae.los.values.acute.mean "))
    assert f"<- {written}" in stay and f"{CALIBRATION} <- {NETWORK}" in stay
    priority = next(line for line in lines if line.startswith("network.services.ae.priority.ae_ambulance "))
    assert "0 <- (not set)" in priority and priority.rstrip().endswith(PRESSURE)


def test_an_override_is_named_and_a_stage_after_it_shows_what_it_replaced(capsys):
    code = show.main(["network.services.ae", "network.services.ae.blocking=false", "+network.services.ae.renege_to=home",
                      "--csv"])
    assert code == 0
    rows = {row["key"]: row for row in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    blocking = rows["network.services.ae.blocking"]
    assert (blocking["value"], blocking["before"]) == ("false", "true")
    assert blocking["came_from"] == "override (network.services.ae.blocking=false)"
    renege = rows["network.services.ae.renege_to"]                        # pressure replaces the override's value
    assert (renege["value"], renege["came_from"], renege["before"]) == ("left_without_being_seen", PRESSURE, "home")
    assert "[override (+network.services.ae.renege_to=home)]" in renege["history"]


def test_a_group_chosen_on_the_command_line_is_named(capsys):
    assert show.main(["capacity.acute_beds", "capacity=dudley"]) == 0
    assert "configs/capacity/dudley.yaml (capacity=dudley)" in capsys.readouterr().out


def test_a_file_from_another_config_folder_is_named(capsys, tmp_path):
    """A place's own configs (carepath place build) come from a folder on Hydra's search path."""
    (tmp_path / "capacity").mkdir()
    lines = (CONFIG_DIR / "capacity" / "walsall.yaml").read_text().splitlines()
    mine = ["ihct_caseload: 999" if line.startswith("ihct_caseload:") else line for line in lines]
    (tmp_path / "capacity" / "mine.yaml").write_text("\n".join(mine) + "\n")
    assert show.main(["capacity.ihct_caseload", f"hydra.searchpath=[file://{tmp_path}]", "capacity=mine"]) == 0
    out = capsys.readouterr().out
    assert "999" in out and f"{(tmp_path / 'capacity' / 'mine.yaml').resolve()} (capacity=mine)" in out


def test_an_unknown_node_exits_2_naming_it_and_the_nearest_keys(capsys):
    assert commands.main(["show", "network.services.aee"]) == 2
    err = capsys.readouterr().err
    assert "no config node 'network.services.aee'" in err and "network.services.ae," in err


def test_bad_overrides_exit_2_in_the_command_lines_words(capsys):
    assert show.main(["run", "run.horizn_days=3"]) == 2
    assert "carepath: invalid configuration: run.horizn_days" in capsys.readouterr().err


def test_the_preparation_is_its_stages_in_order():
    """prepare walks STAGES, which are the steps it always took, in the same order."""
    from sim.inputs import calibration, capacity_policy, data_files, envelope, local_tables, pressure, seasonality, site_calibration, trends
    cfg = load(["run.year=2027", "scenario=uk_comparator"])
    steps = envelope.apply(capacity_policy.apply(seasonality.apply(site_calibration.apply(trends.apply(calibration.apply(
        pressure.apply(local_tables.apply(data_files.resolve(cfg)))))))))
    assert [s.name for s in preparation.STAGES] == ["data files", "local tables", "pressure", "calibration", "trends",
                                                    "site calibration", "seasonality", "capacity policy", "envelope"]
    assert show.same(preparation.prepare(cfg), steps)
