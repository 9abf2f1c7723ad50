"""A sweep killed part-way resumes: finished jobs are reused, not recomputed, and nothing is lost."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
FILES = ("summary.csv", "replications.csv", "daily.csv", "flows.csv", "manifest.json")


def sweep(tmp_path, name):
    return [sys.executable, "-m", "sim", "-m", "run.seed=1,2,3", "run.horizon_days=60", "run.warmup_days=5",
            "run.replications=2", "run.n_jobs=1", f"run.cache_dir={tmp_path / 'cache'}",
            f"hydra.sweep.dir={tmp_path / name}"]


def job(sweep_dir, seed):
    """The folder of the job with ``run.seed=seed`` (each job's folder is named by its overrides)."""
    return sweep_dir / f"run.horizon_days=60,run.n_jobs=1,run.replications=2,run.seed={seed},run.warmup_days=5"


def test_killed_sweep_resumes_without_recomputing(tmp_path):
    first = subprocess.Popen(sweep(tmp_path, "first"), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
    done = job(tmp_path / "first", 1) / "manifest.json"
    deadline = time.time() + 240
    while not done.exists() and time.time() < deadline and first.poll() is None:
        time.sleep(0.2)
    assert done.exists(), first.communicate()[1].decode()[-2000:]
    time.sleep(0.5)
    os.killpg(first.pid, signal.SIGKILL)             # mid-sweep: job 1 is running
    first.wait()
    cached = sorted(p for p in (tmp_path / "cache").iterdir() if not p.name.startswith("."))
    assert 1 <= len(cached) < 3
    stamps = {p.name: (p / "manifest.json").stat().st_mtime_ns for p in cached}
    # A killed job leaves no complete-looking file: every CSV present in job 1 parses in full.
    for path in job(tmp_path / "first", 2).glob("*.csv"):
        pd.read_csv(path)

    second = subprocess.run(sweep(tmp_path, "second"), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr[-2000:]
    assert second.stdout.count("reused the finished job") == len(cached)
    for seed in (1, 2, 3):
        for name in FILES:
            assert (job(tmp_path / "second", seed) / name).is_file(), (seed, name)
    assert {p.name: (p / "manifest.json").stat().st_mtime_ns for p in cached} == stamps   # not recomputed
    assert len([p for p in (tmp_path / "cache").iterdir() if not p.name.startswith(".")]) == 3
    seeds = {json.loads((job(tmp_path / "second", s) / "manifest.json").read_text())["seed"] for s in (1, 2, 3)}
    assert seeds == {1, 2, 3}
    # The reused job's results are the same as a fresh one's.
    fresh = subprocess.run([sys.executable, "-m", "sim", "run.seed=1", "run.horizon_days=60", "run.warmup_days=5",
                            "run.replications=2", "run.n_jobs=1", "run.force=true",
                            f"run.cache_dir={tmp_path / 'cache2'}", f"hydra.run.dir={tmp_path / 'fresh'}"],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert fresh.returncode == 0, fresh.stderr
    pd.testing.assert_frame_equal(pd.read_csv(job(tmp_path / "second", 1) / "summary.csv"),
                                  pd.read_csv(tmp_path / "fresh" / "summary.csv"))
