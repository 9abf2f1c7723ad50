"""Input that used to crash, hang or run away is refused in one line: null places, sizes past their bounds, a
huge seed, empty overrides, folders that cannot be written, a broken config file, Ctrl-C, the Python API's
ways of passing overrides and names, and a study's scenarios that do not fit its network."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

import sim
from sim import api
from sim.common.errors import ConfigError, UnknownNameError
from sim.common.limits import MAX_PLACES, SEED_LIMIT
from sim.inputs.config import compose, load
from sim.jobs import cli, runner
from sim.uncertainty import cli as uncertainty
from sim.uncertainty.study import SCENARIOS, fitting

ROOT = Path(__file__).resolve().parent.parent
SHORT = ["run.horizon_days=20", "run.warmup_days=2", "run.replications=2", "run.n_jobs=1"]
PREFIX = "carepath: invalid configuration: "


def run_sim(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def refused(result, out: Path, *words: str) -> list[str]:
    """The lines of a refusal: exit 2, one line per problem in the project's words, no traceback, no folder."""
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith(PREFIX) for line in lines), result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, (word, result.stderr)
    assert not out.exists()
    return lines


# --- values: one line naming the key and what is allowed -------------------------------------------------

# (override, the key named, words of what is allowed): each kind of value the tester found crashing or running away
VALUES = [
    ("capacity.ic_beds=null", "capacity.ic_beds", "whole number of places"),          # crashed: null on a split service
    ("capacity.acute_beds=1000000000000", "capacity.acute_beds", f"at most {MAX_PLACES:,}"),   # 7 TiB
    ("capacity.acute_beds=1e12", "capacity.acute_beds", f"at most {MAX_PLACES:,}"),
    ("network.services.acute.capacity=5000000", "network.services.acute.capacity", f"at most {MAX_PLACES:,}"),
    ("run.replications=20000", "run.replications", "at most 10,000"),
    ("run.horizon_days=20000", "run.horizon_days", "40 years"),
    ("place.population.total=1e9", "place.population", "100,000,000"),
    (f"run.seed={10 ** 1000}", "run.seed", "2**63"),
    (f"run.seed={SEED_LIMIT}", "run.seed", "2**63"),
]


@pytest.mark.parametrize("override, key, words", VALUES, ids=[v[0][:40] for v in VALUES])
def test_a_value_past_its_bound_is_refused_before_anything_runs(override, key, words):
    data, errors = cli.job_problems(compose([*SHORT, override]))     # the command line's and the app's check
    assert data is None
    assert any(e.key.startswith(key) for e in errors), [e.key for e in errors]
    assert any(words in str(e) for e in errors), errors


@pytest.mark.parametrize("override, key, words", [VALUES[0], VALUES[1], VALUES[7]], ids=["null", "trillion", "seed"])
def test_the_command_line_refuses_them_in_one_line(tmp_path, override, key, words):
    out = tmp_path / "run"
    result = run_sim(*SHORT, override, f"hydra.run.dir={out}", f"run.cache_dir={tmp_path / 'cache'}")
    lines = refused(result, out, key, words)
    assert len(lines) == 1


def test_a_seed_too_long_to_read_is_named(tmp_path):
    seed = "9" * 5000                                      # past Python's 4,300 digits: Hydra could not read it
    out = tmp_path / "run"
    refused(run_sim(f"run.seed={seed}", f"hydra.run.dir={out}"), out, "run.seed: got '999999999999... (5,000 characters)'",
            "0 <= seed < 2**63")
    with pytest.raises(ConfigError, match="at most 4,300 digits"):
        load([f"run.seed={seed}"])
    with pytest.raises(ConfigError, match="got a whole number of 3000 digits"):
        runner.check(load([*SHORT, f"run.seed={'9' * 3000}"]))


def test_the_largest_values_allowed_still_check():
    runner.check(load([*SHORT, f"run.seed={SEED_LIMIT - 1}", "run.replications=10000"]))
    runner.check(load(["network=mmc", "network.c=null", *SHORT]))      # null places: no limit, where the service allows


# --- empty overrides -----------------------------------------------------------------------------------

@pytest.mark.parametrize("blank", ["", " "], ids=["empty", "space"])
def test_an_empty_override_is_named(tmp_path, blank):
    out = tmp_path / "run"
    refused(run_sim(blank, f"hydra.run.dir={out}"), out, "(override)", "an empty argument")
    with pytest.raises(ConfigError, match="an empty argument"):
        load([blank])


# --- folders that cannot be written ------------------------------------------------------------------------

def test_an_output_folder_that_cannot_be_written_is_refused_before_the_run(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    out = blocker / "run"
    refused(run_sim(*SHORT, f"hydra.run.dir={out}"), out, "hydra.run.dir: cannot write to", "is a file, not a folder")


def test_a_cache_folder_that_cannot_be_written_is_refused_before_the_run(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    out = tmp_path / "run"
    refused(run_sim(*SHORT, f"hydra.run.dir={out}", f"run.cache_dir={blocker / 'cache'}"), out,
            "run.cache_dir: cannot write to")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_read_only_folder_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        out = locked / "run"
        refused(run_sim(*SHORT, f"hydra.run.dir={out}"), out, f"cannot write to {out}")
    finally:
        locked.chmod(0o755)


# --- a config file that is not YAML ---------------------------------------------------------------------------

def test_a_yaml_syntax_error_on_the_search_path_is_one_line(tmp_path):
    (tmp_path / "configs" / "network").mkdir(parents=True)
    (tmp_path / "configs" / "network" / "broken.yaml").write_text("name: broken\nservices:\n  a: {capacity: 3\n  b: 1\n")
    search = f"hydra.searchpath=[file://{tmp_path / 'configs'}]"
    out = tmp_path / "run"
    lines = refused(run_sim(*SHORT, search, "network=broken", f"hydra.run.dir={out}"), out, "broken.yaml, line 4, column")
    assert len(lines) == 1
    with pytest.raises(ConfigError, match=r"broken\.yaml, line 4, column \d+: "):
        load([search, "network=broken"])


# --- Ctrl-C -----------------------------------------------------------------------------------------------------

def test_ctrl_c_says_how_far_the_job_got_and_the_same_command_resumes_it(tmp_path):
    cache = tmp_path / "cache"
    args = ["run.horizon_days=120", "run.warmup_days=5", "run.replications=3", "run.n_jobs=1", f"run.cache_dir={cache}"]
    out = tmp_path / "run"
    # SIGINT as a terminal delivers it, even where the test itself runs with it ignored (started in the background)
    job = subprocess.Popen([sys.executable, "-m", "sim", *args, f"hydra.run.dir={out}"], cwd=ROOT, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 240
    while not list(cache.glob("*.partial/rep-*.pkl")) and job.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)                                  # until the first replication has finished
    job.send_signal(signal.SIGINT)
    _, err = job.communicate(timeout=240)
    assert job.returncode == 130, err
    assert "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert line.startswith("carepath: interrupted: ") and "of 3 replications finished; run the same command to resume" in line
    assert not out.exists()
    resumed = run_sim(*args, f"hydra.run.dir={out}")
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming" in resumed.stderr
    whole = run_sim(*args[:-1], f"run.cache_dir={tmp_path / 'other'}", f"hydra.run.dir={tmp_path / 'whole'}")
    assert whole.returncode == 0, whole.stderr
    assert (out / "replications.csv").read_bytes() == (tmp_path / "whole" / "replications.csv").read_bytes()
    assert not list(cache.glob("*.partial"))             # the finished job is cached whole; its parts are gone


# --- the Python API -------------------------------------------------------------------------------------------

def test_a_single_string_is_one_override():
    assert sim.load("run.seed=-1")["run"]["seed"] == -1
    assert load("run.replications=3")["run"]["replications"] == 3
    assert compose("run.seed=5").run.seed == 5
    with pytest.raises(TypeError, match="as one list of strings"):
        api.run(["run.replications=2", 2])


@pytest.fixture(scope="module")
def short_run() -> api.Run:
    return api.run(SHORT)                         # a list, as well as separate strings


def test_api_run_takes_a_list(short_run):
    assert short_run.overrides == tuple(SHORT)
    assert short_run.config["run"]["replications"] == 2


def test_an_unknown_metric_says_what_was_meant(short_run):
    with pytest.raises(KeyError, match="did you mean 'ae_4h_pct'"):
        short_run.metric("ae_4hr_pct")
    with pytest.raises(UnknownNameError, match="did you mean 'ae_4h_pct'"):
        short_run.compare(short_run, ["ae_4hr_pct"])
    assert list(short_run.metric("ae_4h_pct").index) == ["ae_4h_pct"]


def test_a_plot_of_an_unknown_service_is_an_error_not_an_empty_figure(short_run):
    with pytest.raises(KeyError, match="unknown service 'acutee' \\(did you mean 'acute'\\?\\)"):
        short_run.plot_occupancy(["acutee"])


# --- tools follow the network they are given -----------------------------------------------------------------

def test_a_study_of_a_textbook_queue_runs_only_the_scenarios_that_fit_and_keeps_its_metrics():
    assert fitting(SCENARIOS, ["network=mmc"]) == ["do_nothing"]
    assert fitting(SCENARIOS, []) == list(SCENARIOS)
    mmc = load(["network=mmc"])["network"]
    assert uncertainty.headline(mmc) == mmc["headline"]
    assert uncertainty.headline(load([])["network"]) == uncertainty.HEADLINE


def test_a_scenario_whose_levers_do_not_fit_the_network_is_refused(tmp_path, capsys):
    ranges = tmp_path / "ranges.yaml"
    ranges.write_text(yaml.safe_dump({"ranges": {"network.lam": {"interval": [7.0, 9.0], "source": "assumption: test"}}}))
    out = tmp_path / "out"
    code = uncertainty.main(["--draws", "4", "--scenarios", "do_nothing,uk_comparator", "--ranges", str(ranges),
                             "--out", str(out), "--no-progress", "network=mmc", f"run.cache_dir={tmp_path / 'cache'}"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--scenarios: got 'uk_comparator'; expected a scenario whose levers fit the network mmc" in err
    assert "do_nothing" in err and not out.exists()
