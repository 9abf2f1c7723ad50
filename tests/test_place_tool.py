"""python -m sim.place: a place's files written, checked, built into configs and run."""
from __future__ import annotations

import csv
import hashlib
import os
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.common.paths import CONFIG_DIR, ROOT
from sim.inputs.config import load
from sim.jobs import runner
from sim.place import build, export
from sim.place.__main__ import main
from sim.place.template import FILES

SHORT = ["run.horizon_days=30", "run.warmup_days=5", "run.replications=2", "run.n_jobs=1"]


def _replications(overrides):
    table = runner.run(load([*overrides, *SHORT]), progress=False).replications
    return table.set_index(["metric", "replication"])["value"].sort_index()


def test_walsall_exported_and_built_back_gives_exactly_walsalls_results(tmp_path):
    export.export("walsall", tmp_path / "files")
    build.build(tmp_path / "files", "walsall_again", tmp_path / "configs")
    # the budget lines the model sits in (configs/envelope/) are the system's, not the place files': the same ones
    again = _replications([build.searchpath(tmp_path / "configs"), "place=walsall_again", "envelope=walsall"])
    walsall = _replications(["place=walsall"])
    assert list(again.index) == list(walsall.index)
    same = (again.values == walsall.values) | (np.isnan(again.values) & np.isnan(walsall.values))
    assert same.all(), list(walsall.index[~same][:5])


def test_init_writes_every_file_and_a_readme_explaining_each_column(tmp_path):
    written = {p.name for p in export.init(tmp_path)}
    assert {spec.name for spec in FILES if spec.required} <= written and "README.md" in written
    text = (tmp_path / "README.md").read_text()
    for spec in FILES:
        assert f"## {spec.name}" in text
        for column, _ in spec.columns:
            assert f"`{column}`" in text
    with pytest.raises(Exception, match="without place files"):
        export.init(tmp_path)                       # never overwrites a planner's files


def test_a_place_built_from_the_template_runs_end_to_end(tmp_path):
    export.init(tmp_path / "files")
    assert main(["build", str(tmp_path / "files"), "--name", "my_place", "--out", str(tmp_path / "configs")]) == 0
    place = yaml.safe_load((tmp_path / "configs" / "place" / "my_place.yaml").read_text())
    assert place["localities"]["beyond"] == {"outside": True, "sites": {"second_hospital": 0.2}, "label": "Beyond"}
    results = runner.run(load([build.searchpath(tmp_path / "configs"), "place=my_place", *SHORT]), progress=False)
    assert results.balanced
    means = results.summary.set_index("metric")["mean"]
    assert means["ae_main_hospital.arrivals"] > 0 and means["ae_second_hospital.arrivals"] > 0
    assert means["acute.arrivals"] > 0


def _rewrite(path: Path, row: int, column: str, value: str) -> None:
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    rows[row - 1][rows[0].index(column)] = value
    with open(path, "w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.mark.parametrize("file, row, column, value, expected", [
    ("rates.csv", 7, "rate_per_1000", "-3", "a non-negative number"),
    ("catchment.csv", 3, "share", "0.9", "shares of area north adding up to at most 1"),
    ("population.csv", 4, "age_band", "age_65_75", "did you mean 'age_65_74'"),
    ("areas.csv", 2, "outside", "maybe", "yes, no or empty"),
    ("capacity.csv", 2, "places", "12.5", "a whole number of places"),
])
def test_a_malformed_file_names_file_row_and_column_and_nothing_is_written(tmp_path, capsys, file, row, column,
                                                                          value, expected):
    export.init(tmp_path / "files")
    _rewrite(tmp_path / "files" / file, row, column, value)
    assert main(["build", str(tmp_path / "files"), "--name", "my_place", "--out", str(tmp_path / "configs")]) == 2
    message = capsys.readouterr().err
    assert f"{file} row {row}, column {column}: got '{value}'" in message and expected in message
    assert not (tmp_path / "configs").exists()


def test_services_the_files_leave_out_are_sized_to_the_place_s_demand(tmp_path):
    export.init(tmp_path / "files")
    capacity = tmp_path / "files" / "capacity.csv"
    kept = [line for line in capacity.read_text().splitlines() if not line.startswith(("ic_beds,", "acute_beds,"))]
    capacity.write_text("\n".join(kept) + "\n")
    build.build(tmp_path / "files", "my_place", tmp_path / "configs", ["run.horizon_days=20", "run.warmup_days=5",
                                                                       "run.replications=1"])
    text = (tmp_path / "configs" / "capacity" / "my_place.yaml").read_text()
    sized = yaml.safe_load(text)
    assert set(sized["acute_beds"]) == {"main_hospital", "second_hospital"} and sized["ic_beds"] > 0
    assert "scaled by this part's modelled demand" in text


def test_the_command_line_finds_a_place_built_elsewhere(tmp_path):
    from sim.jobs.cli import check_command_line
    export.init(tmp_path / "files")
    build.build(tmp_path / "files", "my_place", tmp_path / "configs")
    assert check_command_line([build.searchpath(tmp_path / "configs"), "place=my_place"]) == []
    assert "expected one of" in str(check_command_line(["place=my_place"])[0])     # not in configs/ itself


def _hashes(paths) -> dict:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def test_a_build_never_replaces_a_shipped_place(tmp_path, capsys):
    shipped = [CONFIG_DIR / group / "walsall.yaml" for group in ("place", "rates", "capacity", "calibration")]
    shipped = [p for p in shipped if p.is_file()]
    before = _hashes(shipped)
    export.init(tmp_path / "files")
    assert main(["build", str(tmp_path / "files"), "--name", "walsall"]) == 2
    message = capsys.readouterr().err
    assert "refused" in message and "--force" in message
    assert f"  {CONFIG_DIR / 'place' / 'walsall.yaml'}" in message and f"  {CONFIG_DIR / 'capacity' / 'walsall.yaml'}" in message
    assert not (CONFIG_DIR / "rates" / "walsall.yaml").exists()       # nothing written, not even the missing one
    # into another folder the name would be shadowed by the shipped place: refused even with --force
    assert main(["build", str(tmp_path / "files"), "--name", "walsall", "--out", str(tmp_path / "configs"),
                 "--force"]) == 2
    assert "would run in place of the one built" in capsys.readouterr().err
    assert not (tmp_path / "configs").exists()
    assert _hashes(shipped) == before


def test_a_rebuild_needs_force_and_says_what_it_replaced_and_paths_may_have_any_letters(tmp_path, capsys):
    folder = tmp_path / "OneDrive - NHS" / "Ünïcode ç"         # spaces and accents, as a shared drive has them
    files, out = folder / "my files", folder / "my configs"
    export.init(files)
    assert main(["build", str(files), "--name", "my_place", "--out", str(out)]) == 0
    capsys.readouterr()
    built = sorted((out / group / "my_place.yaml") for group in ("place", "rates", "capacity"))
    before = _hashes(built)
    assert main(["build", str(files), "--name", "my_place", "--out", str(out)]) == 2
    message = capsys.readouterr().err
    assert all(f"  {path}" in message for path in built) and "--force" in message
    assert _hashes(built) == before
    _rewrite(files / "capacity.csv", 2, "places", "7")
    assert main(["build", str(files), "--name", "my_place", "--out", str(out), "--force"]) == 0
    message = capsys.readouterr().err
    assert all(f"replaced: {path}" in message for path in built)
    assert _hashes(built) != before
    # the command it prints runs as printed, from anywhere
    printed = next(line for line in message.splitlines() if line.startswith("run it with: "))
    line = printed.removeprefix("run it with: ") + " " + shlex.join([*SHORT, "run.replications=1",
                                                                    f"hydra.run.dir={folder / 'run é'}"])
    env = dict(os.environ, PYTHONPATH=str(ROOT), PATH=os.pathsep.join([str(Path(sys.executable).parent),
                                                                        os.environ.get("PATH", "")]))
    result = subprocess.run(line, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (folder / "run é" / "summary.csv").is_file()


@pytest.mark.parametrize("source", ["", "   "])
def test_a_figure_without_a_source_is_refused(tmp_path, capsys, source):
    export.init(tmp_path / "files")
    _rewrite(tmp_path / "files" / "population.csv", 3, "source", source)
    assert main(["build", str(tmp_path / "files"), "--name", "my_place", "--out", str(tmp_path / "configs")]) == 2
    message = capsys.readouterr().err
    assert "population.csv row 3, column source: got ''; expected the figure's source" in message
    assert not (tmp_path / "configs").exists()


def test_a_negative_population_is_one_error(tmp_path, capsys):
    export.init(tmp_path / "files")
    _rewrite(tmp_path / "files" / "population.csv", 4, "people", "-5")
    assert main(["build", str(tmp_path / "files"), "--name", "my_place", "--out", str(tmp_path / "configs")]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("carepath:")]
    assert len(lines) == 1 and "population.csv row 4, column people: got '-5'" in lines[0], lines
