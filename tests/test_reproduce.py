"""Reproduction of committed experiments, and the Python API it shares with the command line."""
from __future__ import annotations

import pandas as pd

from sim import api
from sim.jobs import reproduce
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
    runs.to_csv(folder / "runs.csv", index=False)
    assert reproduce.main([str(folder), "--only", "base"]) == 1


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
