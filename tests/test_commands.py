"""The front door, ``carepath`` (:mod:`sim.commands`): every subcommand listed, each a real entry point."""
from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import commands

ROOT = Path(__file__).resolve().parent.parent
SHORT = ["run.horizon_days=20", "run.warmup_days=5", "run.replications=2", "run.n_jobs=1", "run.seed=7"]


def test_help_lists_every_subcommand_with_a_line_each(capsys):
    assert commands.main(["--help"]) == 0
    text = capsys.readouterr().out
    for name, (_, line) in commands.COMMANDS.items():
        assert f"  {name}" in text and line in text, name


def test_no_arguments_prints_the_help_and_fails(capsys):
    assert commands.main([]) == 2
    assert "subcommands:" in capsys.readouterr().out


def test_an_unknown_subcommand_is_refused_with_the_choices(capsys):
    with pytest.raises(SystemExit) as stop:
        commands.main(["runn"])
    assert stop.value.code == 2
    assert "invalid choice: 'runn'" in capsys.readouterr().err


@pytest.mark.parametrize("name", [n for n in commands.COMMANDS if n not in ("run", "experiment")])
def test_each_subcommand_has_its_own_help(name, capsys):
    module = importlib.import_module(commands.COMMANDS[name][0])
    assert callable(module.main)
    with pytest.raises(SystemExit) as stop:
        commands.main([name, "--help"])
    assert stop.value.code == 0
    assert f"usage: carepath {name}" in capsys.readouterr().out


def test_run_is_the_hydra_job_and_its_help():
    out = subprocess.run([sys.executable, "-m", "sim.commands", "run", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and "override" in out.stdout.lower()


def test_the_experiments_are_listed_and_an_unknown_one_refused(capsys):
    assert commands.main(["experiment"]) == 0
    listing = capsys.readouterr().out
    for path in (ROOT / "experiments").glob("[!_]*.py"):
        assert f"  {path.stem}" in listing
    assert commands.main(["experiment", "no_such_study"]) == 2
    assert "no experiment 'no_such_study'" in capsys.readouterr().err


def test_an_experiment_runs_with_its_arguments(capsys):
    assert commands.main(["experiment", "baseline_2017", "--help"]) == 0
    assert "--replications" in capsys.readouterr().out
    assert commands.main(["experiment", "baseline_2017", "--no-such-option"]) == 2


def test_the_console_script_is_declared():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'carepath = "sim.commands:entry_point"' in text


def test_carepath_run_gives_what_python_m_sim_gives(tmp_path):
    """The two spellings run the same job: the same numbers, replication by replication."""
    spellings = {"carepath": [sys.executable, "-m", "sim.commands", "run"], "python_m_sim": [sys.executable, "-m", "sim"]}
    if shutil.which("carepath"):
        spellings["carepath"] = ["carepath", "run"]
    tables = {}
    for name, head in spellings.items():
        out = tmp_path / name
        subprocess.run([*head, *SHORT, f"hydra.run.dir={out}", "run.cache_dir=null"], check=True, cwd=ROOT,
                       capture_output=True)
        tables[name] = pd.read_csv(out / "replications.csv")
    pd.testing.assert_frame_equal(tables["carepath"], tables["python_m_sim"])


def test_a_bad_override_exits_2_before_hydra_runs(tmp_path):
    out = subprocess.run([sys.executable, "-m", "sim.commands", "run", "capacity.acute_beds=-3",
                          f"hydra.run.dir={tmp_path / 'x'}"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2 and "capacity.acute_beds" in out.stderr
    assert not (tmp_path / "x").exists()
