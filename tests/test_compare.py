"""Scenario comparison across the jobs of a multirun."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.analysis.comparison import compare, write_comparison

ROOT = Path(__file__).resolve().parent.parent


def job(sweep: Path, number: int, scenario: str, values, overrides):
    folder = sweep / str(number)
    (folder / ".hydra").mkdir(parents=True)
    (folder / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump([f"scenario={scenario}", *overrides]))
    pd.DataFrame({"scenario": scenario, "replication": range(len(values)), "metric": "beds",
                  "value": values}).to_csv(folder / "replications.csv", index=False)


def test_pairs_jobs_that_differ_only_in_scenario(tmp_path):
    job(tmp_path, 0, "do_nothing", [100, 110, 120], ["capacity.acute_beds=500"])
    job(tmp_path, 1, "uk_comparator", [90, 101, 109], ["capacity.acute_beds=500"])
    job(tmp_path, 2, "do_nothing", [200, 210, 220], ["capacity.acute_beds=600"])
    job(tmp_path, 3, "uk_comparator", [180, 190, 200], ["capacity.acute_beds=600"])
    table = compare(tmp_path).set_index("capacity.acute_beds")
    assert table.loc["500", "difference"] == pytest.approx(-10)
    assert table.loc["600", "difference"] == pytest.approx(-20)
    assert table.loc["600", "ci_low"] == pytest.approx(-20)     # identical differences: zero width
    assert (table["baseline"] == "do_nothing").all()


def test_nothing_to_compare_without_the_baseline(tmp_path):
    job(tmp_path, 0, "uk_comparator", [1, 2], [])
    assert write_comparison(tmp_path) is None


def test_multirun_over_scenarios_writes_comparison(tmp_path):
    args = [sys.executable, "-m", "sim", "-m", "scenario=do_nothing,uk_comparator", "run.year=2027",
            "run.horizon_days=40", "run.warmup_days=10", "run.replications=2", "run.n_jobs=1", f"hydra.sweep.dir={tmp_path}"]
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(tmp_path / "comparison.csv")
    row = table[table["metric"] == "ae_attendances"].iloc[0]
    assert row["scenario"] == "uk_comparator" and row["difference"] < 0
    assert {"scenario", "baseline", "metric", "difference", "ci_low", "ci_high", "relative_pct", "replications"} <= set(table.columns)
    sweep = pd.read_csv(tmp_path / "sweep.csv")         # and the sweep's table, the scenario its swept key
    assert list(sweep.columns[:2]) == ["scenario", "job"] and set(sweep["scenario"]) == {"do_nothing", "uk_comparator"}
    assert (tmp_path / "sweep.png").is_file()
