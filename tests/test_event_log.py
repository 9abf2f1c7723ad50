"""The optional per-patient event log agrees with the streamed statistics."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from sim.inputs.config import load
from sim.jobs import runner

ROOT = Path(__file__).resolve().parent.parent


def test_event_log_matches_the_counters():
    cfg = load(["network=tandem_blocking", "network.lam=3", "run.horizon_days=60", "run.warmup_days=0",
                "run.replications=2", "run.n_jobs=1", "run.event_log=true"])
    results = runner.run(cfg, progress=False)
    events = results.events
    assert set(events["replication"]) == {0, 1}
    counts = events[events["replication"] == 0].groupby(["node", "event"]).size()
    raw = results.replications[results.replications["replication"] == 0].set_index("metric")["value"]
    assert counts[("acute", "start")] == raw["acute.started"]
    assert counts[("acute", "leave")] == raw["acute.departures"]
    assert counts[("step_down", "offered")] == raw["step_down.offered"]
    # every patient's events run forward in time, and each one who left acute had started there first
    for _, patient in events[events["replication"] == 0].groupby("patient"):
        assert patient["time"].is_monotonic_increasing
        kinds = list(patient.loc[patient["node"] == "acute", "event"])
        if "leave" in kinds:
            assert kinds.index("start") < kinds.index("leave")


def test_without_the_log_nothing_per_patient_is_kept():
    results = runner.run(load(["network=mmc", "run.horizon_days=20", "run.warmup_days=0", "run.replications=1",
                               "run.n_jobs=1"]), progress=False)
    assert results.events is None


def test_command_line_writes_events_parquet(tmp_path):
    out = tmp_path / "run"
    result = subprocess.run([sys.executable, "-m", "sim", "network=mmc", "run.horizon_days=20", "run.warmup_days=0",
                             "run.replications=1", "run.n_jobs=1", "run.event_log=true", f"hydra.run.dir={out}",
                             f"run.cache_dir={tmp_path / 'cache'}"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    events = pd.read_parquet(out / "events.parquet")
    assert list(events.columns) == ["replication", "time", "patient", "node", "event"]
    assert {"offered", "start", "finish", "leave", "exit"} <= set(events["event"])
