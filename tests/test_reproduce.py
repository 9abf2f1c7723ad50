"""Reproduction of committed experiments, and the Python API it shares with the command line."""
from __future__ import annotations

import gzip
import hashlib
import json
import subprocess

import pandas as pd
import pytest

from sim import api
from sim.jobs import experiment, outputs, reproduce
from sim.jobs.experiment import Experiment, command_line

SHORT = ["run.horizon_days=40", "run.warmup_days=5", "run.replications=3", "run.n_jobs=1"]


def small_experiment(tmp_path):
    exp = Experiment("tiny", question="?", out_dir=tmp_path / "tiny", command="python -c pass")
    exp.run("base", SHORT)
    exp.run("more_beds", SHORT + ["capacity.acute_beds=600"])
    exp.finish("answer")
    return tmp_path / "tiny"


def test_reproduce_is_exact_then_catches_a_changed_number(tmp_path):
    folder = small_experiment(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["lock"] == {"file": "requirements.lock",
                                "sha256": hashlib.sha256(outputs.LOCK.read_bytes()).hexdigest()}
    assert reproduce.main([str(folder)]) == 0
    runs = pd.read_csv(folder / "runs.csv")
    row = runs.index[(runs["run"] == "base") & (runs["metric"] == "acute_bed_days")][0]
    half = (runs.loc[row, "ci_high"] - runs.loc[row, "ci_low"]) / 2
    runs.loc[row, "mean"] += half / 10                     # inside the interval: not exact, still reproduced
    runs.to_csv(folder / "runs.csv", index=False)
    lines = []
    assert reproduce.reproduce(folder, log=lines.append)
    assert any("within intervals" in line for line in lines)
    runs.loc[row, ["mean", "ci_low", "ci_high"]] += 10 * half   # a committed result the model no longer gives
    runs.to_csv(folder / "runs.csv.gz", index=False)             # ...committed compressed: read just the same
    (folder / "runs.csv").unlink()
    assert reproduce.main([str(folder), "--only", "base"]) == 1


def _manifest_only(tmp_path, **fields):
    """An experiment folder with nothing to re-run: only its manifest's header is checked."""
    folder = tmp_path / "env"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"experiment": "env", "command": "python -c pass", "runs": {},
                                                      "tables": [], **fields}))
    return folder


def test_reproduce_names_the_packages_that_differ_and_checks_the_lock_file(tmp_path):
    installed = outputs.package_versions()
    committed = {**installed, "joblib": "0.0.1", "pandas": "1.0.0"}
    lines = []
    folder = _manifest_only(tmp_path, packages=committed, lock={"file": "requirements.lock", "sha256": "0" * 64})
    assert reproduce.reproduce(folder, log=lines.append)
    assert (f"packages different: joblib 0.0.1 -> {installed['joblib']}, pandas 1.0.0 -> {installed['pandas']}; "
            "lock file requirements.lock different") in lines[0]
    lines = []
    folder = _manifest_only(tmp_path / "same", packages=installed, lock=outputs.lock_file())
    assert reproduce.reproduce(folder, log=lines.append)
    assert "packages same; lock file requirements.lock same" in lines[0]
    assert not reproduce.reproduce(folder, only=["no_such_run"], log=lines.append)    # a typo is not "reproduced"
    assert lines[-1].startswith("no such runs: no_such_run")
    assert reproduce.package_differences({"python": "3.11.7"}, {"python": "3.12.1", "ray": "2.9"}) == \
        ["python 3.11.7 -> 3.12.1", "ray none -> 2.9"]


def test_a_large_table_is_written_compressed_the_same_bytes_every_time(tmp_path, monkeypatch):
    exp = Experiment("tables", question="?", out_dir=tmp_path, command="python -c pass")
    frame = pd.DataFrame({"metric": ["a", "b"], "mean": [1.5, 2.25]})
    assert exp.table("small", frame, "under the limit").name == "small.csv"
    monkeypatch.setattr(experiment, "COMPRESS_OVER_BYTES", 10)
    path = exp.table("small", frame, "over it now")
    assert path.name == "small.csv.gz" and not (tmp_path / "small.csv").exists()     # no stale copy left beside it
    first = path.read_bytes()
    assert gzip.decompress(first) == frame.to_csv(index=False).encode()
    pd.testing.assert_frame_equal(pd.read_csv(path), frame)
    assert exp.table("small", frame, "again").read_bytes() == first                 # no time stamp in the header


@pytest.fixture
def repository(tmp_path, monkeypatch):
    """A git repository standing in for the source tree: a module and a committed result."""
    root = tmp_path / "repo"
    (root / "sim").mkdir(parents=True)
    (root / "results" / "old").mkdir(parents=True)
    (root / "sim" / "model.py").write_text("x = 1\n")
    (root / "results" / "old" / "runs.csv").write_text("a\n1\n")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "start"], check=True)
    monkeypatch.setattr(outputs, "ROOT", root)
    monkeypatch.setattr(outputs, "RESULTS", root / "results")
    return root


def test_a_run_writing_its_own_results_leaves_the_tree_clean(repository):
    assert outputs.git_commit() == {"commit": outputs.git_commit()["commit"], "dirty": False}
    (repository / "results" / "old" / "runs.csv").write_text("a\n2\n")     # a committed result rewritten
    (repository / "results" / "new").mkdir()
    (repository / "results" / "new" / "runs.csv").write_text("a\n1\n")     # a new experiment's results
    (repository / "scratch").mkdir()
    (repository / "scratch" / "summary.csv").write_text("a\n1\n")          # a run's own folder outside results/
    assert outputs.git_commit([repository / "scratch"])["dirty"] is False
    assert outputs.git_commit()["dirty"] is True                             # ...but someone else's new file counts
    (repository / "scratch" / "summary.csv").unlink()
    (repository / "sim" / "extra.py").write_text("y = 2\n")                  # new source, not committed
    assert outputs.git_commit()["dirty"] is True
    (repository / "sim" / "extra.py").unlink()
    (repository / "sim" / "model.py").write_text("x = 2\n")                  # committed source changed
    assert outputs.git_commit()["dirty"] is True
    assert outputs.git_commit([repository / "sim" / "model.py"])["dirty"] is False   # ...unless the run writes it by design


def test_command_is_recorded_as_typed_from_the_root():
    from sim.jobs.experiment import ROOT
    assert command_line([str(ROOT / "sim" / "validate.py"), "--quick"]) == "python -m sim.validate --quick"
    assert command_line([str(ROOT / "experiments" / "baseline_2017.py")]) == "python experiments/baseline_2017.py"


def test_api_matches_the_command_line_code_path_and_compares():
    base = api.run(*SHORT)
    more = api.run(*SHORT, "capacity.ic_beds=120")
    again = api.run(*SHORT)
    pd.testing.assert_frame_equal(base.summary, again.summary)            # same seed, same numbers
    diff = more.compare(base, ["ic_bed_days", "acute_delayed_bed_days"])
    assert list(diff.index) == ["ic_bed_days", "acute_delayed_bed_days"]
    assert diff.loc["ic_bed_days", "difference"] > 0
    assert {"difference", "ci_low", "ci_high", "relative_pct"} <= set(diff.columns)
    assert more.metric("ic_bed_days")["mean"].iloc[0] > 0
    fig = more.plot_occupancy(["acute", "ic_bed"])
    assert fig.axes and fig.axes[0].lines
    fig = more.plot_compare(base, ["ic_bed_days", "acute_delayed_bed_days"])
    assert fig.axes


def test_an_experiment_without_recorded_runs_is_reproduced_by_its_command(tmp_path, monkeypatch):
    import json
    folder = tmp_path / "by_command"
    folder.mkdir()
    pd.DataFrame({"x": [1.0, 2.0]}).to_csv(folder / "t.csv", index=False)
    script = tmp_path / "make.py"
    script.write_text("import sys, pathlib, pandas as pd\n"
                      "out = pathlib.Path(sys.argv[sys.argv.index('--out') + 1])\n"
                      "pd.DataFrame({'x': [1.0, 2.0]}).to_csv(out / 't.csv', index=False)\n")
    (folder / "manifest.json").write_text(json.dumps({
        "experiment": "by_command", "command": f"python {script}", "runs": {"scale": {"replications": 3}},
        "tables": [{"file": "t.csv"}]}))
    assert reproduce.main([str(folder)]) == 0
    pd.DataFrame({"x": [1.0, 2.5]}).to_csv(folder / "t.csv", index=False)
    assert reproduce.main([str(folder)]) == 1


def test_an_experiment_readme_names_the_lists_held_by_giving_up(tmp_path):
    exp = Experiment("held", question="?", out_dir=tmp_path / "held", command="python -c pass")
    mmc = ["network=mmc", "run.horizon_days=200", "run.warmup_days=10", "run.replications=2", "run.n_jobs=1"]
    exp.run("steady", mmc + ["network.lam=5", "network.c=10"])
    exp.run("giving_up", mmc + ["network.lam=20", "network.c=10", "+network.services.ward.renege_to=discharged",
                                "+network.services.ward.patience={dist: exponential, mean: 1}"])
    readme = exp.finish("answer").read_text()
    overload = readme.split("## Overload", 1)[1].split("##", 1)[0]
    assert "- giving_up: the waiting list for ward was held only by giving up" in overload
    assert "steady" not in overload
