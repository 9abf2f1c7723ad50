"""The app's runs: worker processes behind a cap on cores, a queue beyond it, cancelling, the cache."""
from __future__ import annotations

import time
from multiprocessing.connection import wait

import pandas as pd
import pytest

pytest.importorskip("shiny")

from sim.app import checks
from sim.app.jobs import CANCELLED, DONE, QUEUED, RUNNING, Pool

SHORT = ("run.horizon_days=20", "run.warmup_days=2", "run.replications=2")


def _submit(pool, session, *overrides):
    checked = checks.check(overrides)
    assert not checked.problems
    return pool.submit(session, checked.overrides, checked.data, "python -m sim " + " ".join(overrides), checked.job)


def _wait(job, states, seconds=180):
    deadline = time.monotonic() + seconds
    while job.state not in states:
        assert time.monotonic() < deadline, f"job still {job.state}"
        time.sleep(0.2)


@pytest.fixture
def pool(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                    # the cache (.carepath-cache) is this test's own
    pool = Pool(1, tmp_path / "outputs")
    yield pool
    pool.shutdown()


def test_runs_beyond_the_cap_queue_and_each_writes_the_command_lines_outputs(pool):
    first = _submit(pool, "a", *SHORT)
    second = _submit(pool, "b", *SHORT, "run.seed=3")
    assert first.state == RUNNING and first.cores == 1
    assert second.state == QUEUED and pool.ahead(second) == 1 and pool.busy() == 1
    _wait(second, {DONE})
    assert first.state == DONE and first.finished == first.total == 2
    for job in (first, second):
        summary = pd.read_csv(job.out_dir / "summary.csv")
        assert summary["replications"].max() == 2 and (job.out_dir / "manifest.json").is_file()
    assert first.out_dir.parent.name == "a" and second.out_dir.parent.name == "b"   # each session's own folder


def test_a_configuration_in_the_cache_returns_at_once(pool):
    ran = _submit(pool, "a", *SHORT)
    _wait(ran, {DONE})
    started = time.monotonic()
    again = _submit(pool, "b", *SHORT)
    assert again.state == DONE and again.cached and time.monotonic() - started < 10
    assert pd.read_csv(again.out_dir / "summary.csv").equals(pd.read_csv(ran.out_dir / "summary.csv"))


def test_a_cancelled_run_stops_its_worker_and_leaves_nothing_behind(pool):
    running = _submit(pool, "a", "run.horizon_days=400", "run.replications=3")
    queued = _submit(pool, "a", *SHORT)
    other = _submit(pool, "b", *SHORT, "run.seed=5")
    _wait(running, {RUNNING})
    time.sleep(3)                                   # the worker is under way
    pool.cancel_session("a")
    assert queued.state == CANCELLED and not queued.stopping           # it never started
    assert running.state == CANCELLED and running.stopping             # "Cancelled." waits for the clean-up
    assert wait([running.process.sentinel], 30)     # the worker has exited (the pool's own thread reaps it)
    deadline = time.monotonic() + 30
    while running.stopping:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert not running.out_dir.exists()             # gone by the time the page says "Cancelled."
    _wait(other, {DONE})                            # the other session's run goes ahead
