"""A job is prepared once: its check's preparation is its run's, and each year's metric set is built once."""
from __future__ import annotations

import pickle

import pytest

from sim.analysis.metrics import MetricSet
from sim.common.errors import ConfigError
from sim.inputs import years
from sim.inputs.config import compose, load
from sim.jobs import cli, runner

from .conftest import PLACE, make_cfg

SHORT = ["run.horizon_days=20", "run.warmup_days=0", "run.replications=2", "run.n_jobs=1"]


@pytest.fixture
def counts(monkeypatch):
    """Calls of the preparation (first year, later years) and of MetricSet, counted where the runner looks."""
    found = {"first": 0, "later": 0, "metric_sets": 0}

    def counting(name, real):
        def call(*args, **kwargs):
            found[name] += 1
            return real(*args, **kwargs)
        return call

    monkeypatch.setattr(runner, "prepare", counting("first", runner.prepare))
    monkeypatch.setattr(years, "prepare", counting("later", years.prepare))
    monkeypatch.setattr(runner, "MetricSet", counting("metric_sets", MetricSet))
    return found


def _two_years():
    services = {"ward": {"capacity": 30, "los": {"dist": "exponential", "mean": 2.0}, "next": "home"}}
    streams = {"s": {"rate_per_1000": dict.fromkeys(PLACE["population"]["age_shares"], 100.0), "to": "ward"}}
    cfg = make_cfg(services, streams, horizon=30, warmup=5, replications=3)
    cfg["run"]["end_year"] = 2018
    return cfg


def test_a_checked_job_runs_without_preparing_again(counts):
    job = runner.check(load(SHORT))
    assert isinstance(job, runner.Prepared) and len(job.metric_sets) == 1
    assert counts == {"first": 1, "later": 0, "metric_sets": 1}
    results = runner.run(job, progress=False)
    assert counts == {"first": 1, "later": 0, "metric_sets": 1}
    assert set(results.replications["replication"]) == {0, 1}


def test_a_configuration_run_alone_is_prepared_once(counts):
    runner.run(load(SHORT), progress=False)
    assert counts == {"first": 1, "later": 0, "metric_sets": 1}


def test_the_command_lines_job_is_prepared_once(counts, tmp_path, capsys):
    cfg = compose([*SHORT, f"run.cache_dir={tmp_path / 'cache'}"])
    results = cli.run_job(cfg, tmp_path / "out", progress=False)
    assert counts == {"first": 1, "later": 0, "metric_sets": 1}
    assert (tmp_path / "out" / "replications.csv").is_file() and results.config["run"]["n_jobs"] == 1
    assert "outputs:" in capsys.readouterr().out


def test_a_job_checked_earlier_runs_without_preparing_again(counts, tmp_path, capsys):
    """The web app checks a job in its server and runs it in a worker: the worker runs the check's job."""
    overrides = [*SHORT[:-1], f"run.cache_dir={tmp_path / 'cache'}"]
    job, bad = cli.checked_job(compose(overrides))
    assert not bad and counts["first"] == 1
    results = cli.run_job(compose([*overrides, "run.n_jobs=1"]), tmp_path / "out", progress=False, prepared=job)
    assert counts == {"first": 1, "later": 0, "metric_sets": 1} and results.config["run"]["n_jobs"] == 1
    other = cli.run_job(compose([*overrides, "run.seed=5"]), tmp_path / "other", progress=False, prepared=job)
    assert counts["first"] == 2 and other.config["run"]["seed"] == 5     # another configuration: checked afresh
    capsys.readouterr()


def test_each_year_is_prepared_and_measured_once_not_per_replication(counts):
    job = runner.check(_two_years())
    results = runner.run(job, progress=False)
    assert counts == {"first": 1, "later": 1, "metric_sets": 2}        # two years, three replications
    assert set(results.replications["year"]) == {2017, 2018}


def test_an_automatic_run_is_prepared_once_and_gives_the_same_numbers(counts):
    auto = load([*SHORT, "run.replications=auto", "run.replication_batch=2", "run.max_replications=2"])
    job = runner.check(auto)
    assert job.automatic
    chosen = runner.run(job, progress=False)
    assert counts == {"first": 1, "later": 0, "metric_sets": 1}
    fixed = runner.run(load(SHORT), progress=False)
    assert chosen.replications.equals(fixed.replications)


def test_the_metric_sets_travel_to_the_workers():
    job = runner.check(_two_years())
    copies = pickle.loads(pickle.dumps(job))
    assert [sorted(m.metrics) for m in copies.metric_sets] == [sorted(m.metrics) for m in job.metric_sets]
    parallel = runner.run(job.with_run(n_jobs=2), progress=False)
    serial = runner.run(job, progress=False)
    assert parallel.replications.equals(serial.replications) and parallel.n_jobs == 2


def test_a_prepared_job_changes_only_where_it_runs():
    job = runner.check(_two_years())
    with pytest.raises(ValueError, match="year"):
        job.with_run(year=2019)
    with pytest.raises(ConfigError):
        job.with_run(n_jobs=0)


def test_an_automatic_warmup_needs_a_single_year():
    cfg = _two_years()
    cfg["run"]["warmup_days"] = "auto"
    with pytest.raises(ConfigError, match="multi-year"):
        runner.check(cfg)
