"""A study on Ray: a local instance (127.0.0.1) gives joblib's tables, resumes from the cache, survives a lost worker."""
from __future__ import annotations

import os

import pandas as pd
import pytest

from sim.uncertainty import cli, cluster, runs
from sim.uncertainty.study import Settings, Study

SHORT = ["run.horizon_days=20", "run.warmup_days=5"]
MMC = ["network=mmc", "run.horizon_days=60", "run.warmup_days=10"]


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray instance for the module, on 127.0.0.1 only, shut down at its end."""
    env = pytest.MonkeyPatch()
    env.delenv("RAY_ADDRESS", raising=False)                 # a local instance, never a cluster named outside
    env.setenv("RAY_USAGE_STATS_ENABLED", "0")
    env.setenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")    # Ray on the loopback address only (its workers too) ...
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install -e '.[ray]')")
    env.setattr(ray._private.ray_constants, "ENABLE_RAY_CLUSTER", False)   # ... even if Ray was imported before
    try:
        with cluster.session():
            try:
                cluster.connect(None, num_cpus=2)
            except Exception as error:                        # no shared memory, ports refused, ...
                pytest.skip(f"Ray cannot start a local instance here: {type(error).__name__}: {error}")
            assert {node["NodeManagerAddress"] for node in ray.nodes()} == {"127.0.0.1"}
            yield ray
        assert not ray.is_initialized()                       # shut down by the session that started it
    finally:
        env.undo()


def _study(tmp_path, backend, cache) -> Study:
    path = tmp_path / "ranges.yaml"
    path.write_text("ranges:\n  network.lam: {interval: [7.0, 9.0], source: 'assumption: test'}\n")
    return Study(Settings(draws=4, scenarios=["baseline"], ranges=path, overrides=[*MMC, f"run.cache_dir={tmp_path / cache}"],
                          noise_replications=2, history_match="none", progress=False, backend=backend, n_jobs=2))


def test_a_study_on_ray_writes_the_tables_joblib_writes(tmp_path, local_ray, capsys):
    out = {}
    for backend in ("joblib", "ray"):
        out[backend] = tmp_path / backend
        code = cli.main(["--draws", "4", "--scenarios", "do_nothing,uk_comparator", "--replications", "1",
                         "--noise-replications", "2", "--n-jobs", "1", "--backend", backend, "--out", str(out[backend]),
                         "--no-progress", *SHORT, f"run.cache_dir={tmp_path / backend / 'cache'}"])
        assert code == 0
        assert "20 runs (20 run, 0 from the cache)" in capsys.readouterr().out   # 4 central, 4 draws x 4 (with 2018/19)
    tables = sorted(p.name for p in out["joblib"].glob("*.csv"))
    assert {"psa.csv", "psa_summary.csv", "draws.csv", "history_matching.csv", "variance.csv"} <= set(tables)
    assert tables == sorted(p.name for p in out["ray"].glob("*.csv"))
    for name in tables:                                       # bit for bit, whatever order the tasks finished in
        assert (out["ray"] / name).read_bytes() == (out["joblib"] / name).read_bytes(), name


def test_a_ray_study_stopped_part_way_resumes_from_the_cache(tmp_path, local_ray, monkeypatch):
    complete = _study(tmp_path, "joblib", "fresh").run()
    real_keep, kept = runs.keep, []

    def stopped(*args):
        if len(kept) == 3:
            raise KeyboardInterrupt                           # the study stops (Ctrl-C, the cluster lost)
        kept.append(1)
        real_keep(*args)

    monkeypatch.setattr(runs, "keep", stopped)
    with pytest.raises(KeyboardInterrupt):
        _study(tmp_path, "ray", "cache").run()
    monkeypatch.setattr(runs, "keep", real_keep)
    resumed = _study(tmp_path, "ray", "cache").run()
    assert resumed.stats.reused == 3 and resumed.stats.ran == 5 - 3    # the cached jobs are not run again
    pd.testing.assert_frame_equal(resumed.replications, complete.replications)
    pd.testing.assert_frame_equal(resumed.central, complete.central)


def test_a_task_whose_worker_died_is_submitted_again(tmp_path, local_ray):
    def dies_once(marker):
        if not os.path.exists(marker):
            open(marker, "w").close()
            os._exit(1)                                       # the worker process dies, as on a lost node
        return os.path.basename(marker)

    found = dict(cluster.stream(dies_once, [str(tmp_path / "a"), str(tmp_path / "b")]))
    assert found == {0: "a", 1: "b"}
    with pytest.raises(RuntimeError, match="after 0 retries"):
        list(cluster.stream(dies_once, [str(tmp_path / "c")], retries=0))


def test_address_is_for_ray_only(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--address", "head:6379", "--out", str(tmp_path / "o")])
    assert exit_.value.code == 2 and "--backend ray" in capsys.readouterr().err


def test_a_worker_running_other_code_is_refused(tmp_path, local_ray, monkeypatch):
    monkeypatch.setattr(runs.cache, "key", lambda config: "code-of-another-commit")   # this machine only, not the workers
    with pytest.raises(RuntimeError, match="other carepath code"):
        _study(tmp_path, "ray", "cache").run()
    assert not (tmp_path / "cache" / "code-of-another-commit").exists()            # nothing cached under a wrong name
