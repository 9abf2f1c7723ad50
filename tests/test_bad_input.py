"""Bad input is refused before anything runs: the full key, the value and what is allowed."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.common.errors import ConfigError, ConfigErrors
from sim.inputs import overrides
from sim.inputs.config import load
from sim.jobs import cli, runner

ROOT = Path(__file__).resolve().parent.parent
SHORT = ["run.horizon_days=30", "run.warmup_days=5", "run.replications=2", "run.n_jobs=1"]

# (override, the key the error must name, a word the message must contain)
CASES = [
    ("run.horizon_days=-1", "run.horizon_days", "> 0"),
    ("run.warmup_days=500", "run.warmup_days", "horizon_days"),
    ("run.replications=0", "run.replications", "positive integer"),
    ("run.replications=1.5", "run.replications", "positive integer"),
    ("run.n_jobs=0", "run.n_jobs", ">= 1"),
    ("run.year=2050", "run.year", "2040"),
    ("run.seed=-3", "run.seed", "non-negative"),
    ("+run.horizn_days=3", "run.horizn_days", "did you mean 'horizon_days'"),
    ("run.precision=2", "run.precision", "(0, 1)"),
    ("run.max_queue=0", "run.max_queue", "positive"),
    ("run.force=maybe", "run.force", "true or false"),
    ("capacity.acute_beds=-3", "capacity.acute_beds", "non-negative"),
    ("capacity.acute_beds=2.5", "capacity.acute_beds", "whole number"),
    ("costs.acute_bed_day_gbp=-1", "costs.acute_bed_day_gbp", "non-negative"),
    ("+costs.inflaton_per_year=0.1", "costs.inflaton_per_year", "did you mean 'inflation_per_year'"),
    ("costs.inflation_per_year=7", "costs.inflation_per_year", "yearly rate"),
    ("network.services.acute.los.values.elective.mean=-2", "network.services.acute.los.values.elective.mean", "> 0"),
    ("network.services.acute.los.values.elective.cv=-1", "network.services.acute.los", "cv"),
    ("+network.services.acute.capacty=5", "network.services.acute.capacty", "did you mean 'capacity'"),
    ("+network.servics=1", "network.servics", "did you mean 'services'"),
    ("+foo=1", "foo", "a known key"),
    ("network.services.rapid_response.next.home=0.9", "network.services.rapid_response.next", "summing to 1"),
    ("network.services.rapid_response.next.home=1.7", "network.services.rapid_response.next.home", "[0, 1]"),
    ("+network.services.acute.overflow=nowhere", "network.services.acute.overflow", "a service or sink"),
    ("network.services.acute.initial.occupancy_fraction=2", "network.services.acute.initial.occupancy_fraction", "[0, 1]"),
    ("network.profiles.ae.hours=[1,2]", "network.streams.ae_walk_in.profile.hours", "24"),
    ("network.streams.ae_walk_in.rate_per_1000=-5", "network.streams.ae_walk_in.rate_per_1000", ""),
    ("+place.populaton=1", "place.populaton", "did you mean 'population'"),
    ("scenario=uk_comparator +scenario.intensity=-1", "scenario.intensity", ""),
    ("scenario=uk_comparator +scenario.levers.ambulatory_care.efects=[]", "scenario.levers.ambulatory_care.efects",
     "did you mean 'effects'"),
    ("+network.services.acute.crisis_reduction=2", "network.services.acute.crisis_reduction", "[0, 1]"),
    ("costs.price_year=abc", "costs.price_year", "financial year"),
]


@pytest.mark.parametrize("overrides, key, words", CASES, ids=[c[0] for c in CASES])
def test_bad_value_names_the_key_and_what_is_allowed(overrides, key, words):
    with pytest.raises(ConfigError) as info:
        runner.check(load(SHORT + overrides.split()))
    keys = [e.key for e in getattr(info.value, "errors", [info.value])]
    assert any(k.startswith(key) for k in keys), keys
    assert words in str(info.value)


@pytest.mark.parametrize("overrides, key, words", CASES, ids=[c[0] for c in CASES])
def test_a_run_in_one_process_refuses_it_as_the_check_does(overrides, key, words):
    # one worker, one year: the run leaves building the model to its first replication, which must refuse alike
    with pytest.raises(ConfigError) as info:
        runner.run(load(SHORT + overrides.split()), progress=False)
    keys = [e.key for e in getattr(info.value, "errors", [info.value])]
    assert any(k.startswith(key) for k in keys), keys


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigErrors) as info:
        runner.check(load(["run.horizon_days=-1", "run.replications=0", "capacity.acute_beds=-3", "+run.sed=4"]))
    assert {e.key for e in info.value.errors} >= {"run.horizon_days", "run.replications", "capacity.acute_beds", "run.sed"}


def run_sim(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("args, key", [
    (["run.replications=0", "capacity.acute_beds=-1"], "run.replications"),
    (["place=walsal"], "place"),
    (["scenario=uk_comparater"], "scenario"),
    (["+hydra.callbacks.evil._target_=os.system"], "_target_"),
])
def test_command_line_exits_2_without_traceback_or_files(tmp_path, args, key):
    out = tmp_path / "run"
    result = run_sim(*SHORT, *args, f"hydra.run.dir={out}", f"run.cache_dir={tmp_path / 'cache'}")
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith("carepath: invalid configuration: ") for line in lines), result.stderr
    assert key in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()
    if args[0] == "run.replications=0":
        assert len(lines) == 2                        # both problems, one line each


def test_targets_outside_the_allow_list_are_refused():
    assert cli.check_command_line(["+hydra.callbacks.x._target_=os.system"])
    assert cli.check_command_line(["+hydra.callbacks.x={_target_:os.system}"])
    assert cli.check_command_line(["-m", "hydra.callbacks.scenario_comparison._target_=sim.jobs.callbacks.ScenarioComparison,os.system"])
    assert not cli.check_command_line(["hydra.callbacks.scenario_comparison._target_=sim.jobs.callbacks.ScenarioComparison"])
    assert overrides.targets({"a": {"_target_": "os.system"}, "b": [{"_target_": "x"}]}) == [("a._target_", "os.system"),
                                                                                             ("b.0._target_", "x")]


def test_no_eval_or_exec_in_the_package():
    for path in (ROOT / "sim").glob("*.py"):
        text = path.read_text()
        assert "eval(" not in text and "exec(" not in text, path
