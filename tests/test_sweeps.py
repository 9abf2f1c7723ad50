"""Sweeps a planner can use: job folders named by their overrides, one table and one figure per sweep,
``carepath compare`` on any sweep, and progress bars on a terminal only."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from omegaconf import OmegaConf

from sim import api
from sim.analysis.comparison import compare_to_reference
from sim.common import progress
from sim.common.files import write_csv
from sim.inputs.config import compose, to_plain
from sim.jobs import callbacks, cli, folders, reproduce, runner
from sim.jobs import compare as compare_command

ROOT = Path(__file__).resolve().parent.parent
SHORT = ["run.horizon_days=20", "run.warmup_days=5", "run.replications=2", "run.n_jobs=1"]
REST = "run.horizon_days=20,run.n_jobs=1,run.replications=2,run.warmup_days=5"


@pytest.fixture(scope="module")
def capacity_sweep(tmp_path_factory):
    """``carepath run -m capacity.acute_beds=480,520,560`` (short), run once for the tests below."""
    sweep = tmp_path_factory.mktemp("sweep") / "beds"
    result = subprocess.run([sys.executable, "-m", "sim.commands", "run", "-m", "capacity.acute_beds=480,520,560",
                             *SHORT, f"run.cache_dir={sweep.parent / 'cache'}", f"hydra.sweep.dir={sweep}"],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return sweep, result


def test_job_folders_are_named_by_their_overrides(capacity_sweep):
    sweep, _ = capacity_sweep
    jobs = sorted(p.name for p in sweep.iterdir() if p.is_dir())
    assert jobs == [f"capacity.acute_beds={beds},{REST}" for beds in (480, 520, 560)]
    for job in jobs:                                       # run.cache_dir is left out of the name
        assert "cache" not in job and (sweep / job / "summary.csv").is_file()


def test_a_sweep_writes_one_table_and_a_figure(capacity_sweep):
    sweep, result = capacity_sweep
    table = pd.read_csv(sweep / "sweep.csv")
    assert list(table.columns[:2]) == ["capacity.acute_beds", "job"]
    assert {"metric", "mean", "ci_low", "ci_high", "replications", "unstable"} <= set(table.columns)
    assert sorted(table["capacity.acute_beds"].unique()) == [480, 520, 560]
    one = table[table["metric"] == "ae_4h_pct"]
    assert len(one) == 3 and (one["replications"] == 2).all()
    summary = pd.read_csv(sweep / f"capacity.acute_beds=520,{REST}" / "summary.csv").set_index("metric")
    assert one.set_index("capacity.acute_beds").loc[520, "mean"] == pytest.approx(summary.loc["ae_4h_pct", "mean"])
    assert (sweep / "sweep.png").stat().st_size > 10_000 and (sweep / "sweep.txt").is_file()
    assert f"{sweep / 'sweep.csv'}" in result.stdout
    assert not (sweep / "comparison.csv").exists()          # no scenarios swept: compared on request


def test_compare_any_sweep_against_a_reference(capacity_sweep, capsys):
    sweep, _ = capacity_sweep
    assert compare_command.main([str(sweep), "--reference", "capacity.acute_beds=520"]) == 0
    table = pd.read_csv(sweep / "comparison.csv")
    assert set(table["reference"]) == {"capacity.acute_beds=520"}
    assert sorted(table["capacity.acute_beds"].unique()) == [480, 560]
    assert {"job", "reference", "metric", "difference", "ci_low", "ci_high", "relative_pct", "replications"} <= set(table.columns)
    # paired replication by replication: the difference is the mean of the per-replication differences
    reps = {b: pd.read_csv(sweep / f"capacity.acute_beds={b},{REST}" / "replications.csv")
            .query("metric == 'acute_occupancy_mean'").set_index("replication")["value"] for b in (480, 520)}
    row = table[(table["metric"] == "acute_occupancy_mean") & (table["capacity.acute_beds"] == 480)].iloc[0]
    assert row["difference"] == pytest.approx((reps[480] - reps[520]).mean())
    assert compare_command.main([str(sweep)]) == 0            # default: the first job
    assert set(pd.read_csv(sweep / "comparison.csv")["reference"]) == {"capacity.acute_beds=480"}
    capsys.readouterr()
    assert compare_command.main([str(sweep), "--reference", "capacity.acute_bed=520"]) == 2
    assert "did you mean 'capacity.acute_beds'" in capsys.readouterr().err
    assert compare_command.main([str(sweep), "--reference", "capacity.acute_beds=521"]) == 2


def fake_job(sweep: Path, number: int, overrides: list[str], values: list[float]) -> None:
    folder = sweep / folders.job_folder(",".join(sorted(overrides)), number)
    (folder / ".hydra").mkdir(parents=True)
    (folder / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    (folder / ".hydra" / "hydra.yaml").write_text(yaml.safe_dump({"hydra": {"job": {"num": number}}}))
    pd.DataFrame({"scenario": "baseline", "replication": range(len(values)), "metric": "beds",
                  "value": values}).to_csv(folder / "replications.csv", index=False)


def test_two_swept_keys_pair_each_job_with_the_reference_of_its_other_value(tmp_path):
    for number, (acute, ic, values) in enumerate([(500, 50, [10, 12]), (550, 50, [8, 9]),
                                                  (500, 70, [20, 22]), (550, 70, [15, 18])]):
        fake_job(tmp_path, number, [f"capacity.acute_beds={acute}", f"capacity.ic_beds={ic}", "run.seed=1"], values)
    table = compare_to_reference(tmp_path, ["capacity.acute_beds=500"]).set_index("capacity.ic_beds")
    assert table.loc["50", "difference"] == pytest.approx(-2.5)
    assert table.loc["70", "difference"] == pytest.approx(-4.5)
    assert table.loc["70", "reference"] == "capacity.acute_beds=500,capacity.ic_beds=70"


@pytest.mark.parametrize("dirname, expected", [
    ("capacity.acute_beds=480", "capacity.acute_beds=480"),
    ("scenario/capacity=[beds_2_75,ic_plus_25]", "scenario.capacity=[beds_2_75,ic_plus_25]"),
    ('place.note=a:b*c?"d"<e>|f\\g', "place.note=a_b_c__d__e__f_g"),
    ("place.folder=/data/x.", "place.folder=.data.x"),
    ("", "3"),
])
def test_folder_names_are_safe_on_every_filesystem(dirname, expected):
    assert folders.job_folder(dirname, 3) == expected


def test_a_long_folder_name_is_cut_and_stays_unique():
    long = ",".join(f"capacity.service_{i}=1{i}" for i in range(40))
    a, b = folders.job_folder(long + ",x=1", 0), folders.job_folder(long + ",x=2", 1)
    assert a != b and len(a.encode()) <= folders.MAX_BYTES and a.startswith("capacity.service_0=10")
    assert len(folders.job_folder("place.name=" + "é" * 200).encode()) <= folders.MAX_BYTES


def test_hydra_resolves_the_sweep_subdir_with_the_resolver():
    folders.register()
    cfg = OmegaConf.create({"dirname": "scenario/capacity=[a,b]", "num": 4,
                            "subdir": "${job_folder:${dirname},${num}}"})
    assert cfg.subdir == "scenario.capacity=[a,b]"


def test_the_sweep_bar_counts_the_jobs():
    assert callbacks.sweep_size(["capacity.acute_beds=480,520,560", "capacity.ic_beds=50,70", "run.seed=1"]) == 6
    assert callbacks.sweep_size(["run.seed=1"]) == 1


def _tty(monkeypatch, on: bool):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: on)


@pytest.mark.parametrize("on", [True, False])
def test_progress_shows_on_a_terminal_only(monkeypatch, capsys, on):
    _tty(monkeypatch, on)
    api.run(*SHORT, "run.force=true")
    err = capsys.readouterr().err
    if on:
        # the bar of 2 replications; the last refresh may be skipped within tqdm's minimum interval before the
        # bar is cleared, so its final "2/2" is not always drawn
        assert "baseline: replications" in err and "/2 [" in err and ("rep/s" in err or "s/rep" in err)
        assert "<" in err                           # tqdm's elapsed<remaining: the estimated time to finish
    else:
        assert err == ""
    assert progress.wanted() is on


def test_the_sweep_bar_shows_on_a_terminal_only(monkeypatch, capsys, tmp_path):
    config = OmegaConf.create({"hydra": {"overrides": {"task": ["capacity.acute_beds=1,2"]},
                                         "sweep": {"dir": str(tmp_path)}}})
    for on in (True, False):
        _tty(monkeypatch, on)
        table = callbacks.SweepTable()
        table.on_multirun_start(config)
        table.on_job_end(config)
        table.on_job_end(config)
        table.on_multirun_end(config)
        err = capsys.readouterr().err
        assert ("sweep: 100%" in err and "2/2" in err) if on else err == ""


@pytest.mark.parametrize("on", [True, False])
def test_a_command_line_run_shows_progress_on_a_terminal_only(monkeypatch, capsys, tmp_path, on):
    _tty(monkeypatch, on)
    cfg = compose([*SHORT, f"run.cache_dir={tmp_path / 'cache'}"])
    cli.run_job(cfg, tmp_path / "out")
    captured = capsys.readouterr()
    # the final "2/2" may be skipped within tqdm's minimum refresh interval (see the test above)
    assert ("baseline: replications" in captured.err and "/2 [" in captured.err) if on else captured.err == ""
    assert "conservation of patients: balanced" in captured.out


@pytest.mark.parametrize("on", [True, False])
def test_reproduce_shows_progress_on_a_terminal_only(monkeypatch, capsys, tmp_path, on):
    config = to_plain(compose(SHORT))
    summary = runner.run(config, progress=False).summary
    write_csv(summary.assign(run="short"), tmp_path / "runs.csv")
    (tmp_path / "manifest.json").write_text(json.dumps({"experiment": "short", "runs": {"short": {"config": config}}}))
    capsys.readouterr()
    _tty(monkeypatch, on)
    said = []
    assert reproduce.reproduce(tmp_path, log=said.append)
    err = capsys.readouterr().err
    assert ("runs:" in err and "1/1" in err and "baseline: replications" in err) if on else err == ""
    assert "  short: exact" in said
