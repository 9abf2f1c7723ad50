"""Sweeps on the Hydra launchers: jobs in parallel, each on its own share of the cores."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
JOB = ["run.replications=2", "run.horizon_days=60", "run.warmup_days=10"]


def sweep(tmp_path, launcher, *extra):
    out = tmp_path / "sweep"
    result = subprocess.run([sys.executable, "-m", "sim", "-m", f"hydra/launcher={launcher}",
                             "capacity.acute_beds=450,550", *JOB, *extra, f"hydra.sweep.dir={out}",
                             f"run.cache_dir={tmp_path / 'cache'}"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = sorted(path.parent for path in out.glob("*/manifest.json"))   # folders named by their overrides
    assert [job.name.split(",")[0] for job in jobs] == ["capacity.acute_beds=450", "capacity.acute_beds=550"]
    for job in jobs:
        assert (job / "summary.csv").is_file()
    return [json.loads((job / "manifest.json").read_text()) for job in jobs]


def test_two_job_sweep_on_the_ray_launcher(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_ray_launcher")
    manifests = sweep(tmp_path, "ray")
    assert sorted(m["config"]["network"]["services"]["acute"]["capacity"] for m in manifests) == [450, 550]
    assert all(m["n_jobs"] == 1 for m in manifests)          # each job on the one CPU Ray gave it


def test_joblib_launcher_shares_the_cores_between_jobs(tmp_path):
    manifests = sweep(tmp_path, "joblib", "hydra.launcher.n_jobs=2")
    assert sorted(m["config"]["network"]["services"]["acute"]["capacity"] for m in manifests) == [450, 550]
    from sim.jobs.runner import available_cores
    assert all(m["n_jobs"] == max(1, available_cores() // 2) for m in manifests)
