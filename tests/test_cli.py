"""The command line: python -m sim writes its outputs; bad input exits 2 with a one-line message."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHORT = ["run.horizon_days=30", "run.warmup_days=5", "run.replications=2", "run.n_jobs=1"]


def run_sim(*args, cwd):
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_run_writes_every_output(tmp_path):
    out = tmp_path / "run"
    result = run_sim(*SHORT, f"hydra.run.dir={out}", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    for name in ("summary.csv", "replications.csv", "daily.csv", "flows.csv", "manifest.json"):
        assert (out / name).is_file(), name
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == ["scenario", "metric", "mean", "ci_low", "ci_high", "replications", "unstable",
                                     "held_by_giving_up"]
    required = {"ae_attendances", "ae_4h_pct", "ae_12h_waits", "nel_admissions", "acute_bed_days",
                "acute_delayed_bed_days", "acute_occupancy_mean", "ic_bed_days", "ic_home_days", "ic_wait_days_mean",
                "spa_referrals", "community_caseload_mean", "social_care_wait_days_mean", "readmissions_30d",
                "total_cost_gbp", "acute.wait_mean", "acute.occupancy_mean", "acute.blocked_days_mean"}
    assert required <= set(summary["metric"])
    assert any(m.startswith("cost_") and m.endswith("_gbp") for m in summary["metric"])
    assert (summary["replications"] == 2).any()
    replications = pd.read_csv(out / "replications.csv")
    assert set(replications["replication"]) == {0, 1}
    daily = pd.read_csv(out / "daily.csv")
    assert {"service", "day", "date", "occupancy_mean", "queue_mean"} <= set(daily.columns)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 2017
    assert manifest["config"]["run"]["horizon_days"] == 30
    assert manifest["packages"]["simpy"]
    assert "commit" in manifest["git"]
    assert manifest["conservation"]["balanced"] is True
    first = manifest["conservation"]["replications"][0]["services"]["acute"]
    assert {"arrived", "left", "in_service_end", "balanced"} <= set(first)
    # the printed summary: any overload warning, then the network's headline figures, then where the rest is
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("measure "))
    assert all(line.startswith("WARNING: ") or not line for line in lines[:header])
    headline = manifest["config"]["network"]["headline"]
    assert "ae_4h_pct" in headline and "total_cost_gbp" in headline
    assert [line.split()[-1] for line in lines[header + 1:header + 1 + len(headline)]] == headline   # beside its label
    assert lines[header + 1 + len(headline)] == f"full table: {out / 'summary.csv'} ({summary['metric'].nunique():,} metrics)"


def test_multirun_sweeps_a_capacity(tmp_path):
    result = run_sim("-m", "capacity.acute_beds=480,560", *SHORT, "run.replications=1",
                     f"hydra.sweep.dir={tmp_path}", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    beds = []
    for value in ("480", "560"):      # each job's folder is named by its overrides
        job = tmp_path / f"capacity.acute_beds={value},run.horizon_days=30,run.n_jobs=1,run.replications=1,run.warmup_days=5"
        manifest = json.loads((job / "manifest.json").read_text())
        beds.append(manifest["config"]["capacity"]["acute_beds"])
        assert (job / "summary.csv").is_file()
    assert beds == [480, 560]
    assert set(pd.read_csv(tmp_path / "sweep.csv")["capacity.acute_beds"]) == {480, 560}


@pytest.mark.parametrize("override, key", [
    ("capacity.acute_beds=-3", "capacity.acute_beds"),
    ("run.warmup_days=1000", "run.warmup_days"),
    ("run.n_jobs=0", "run.n_jobs"),
])
def test_bad_input_exits_2_with_the_key(tmp_path, override, key):
    result = run_sim(*SHORT, override, f"hydra.run.dir={tmp_path / 'bad'}", cwd=ROOT)
    assert result.returncode == 2
    assert key in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "bad" / "summary.csv").exists()
