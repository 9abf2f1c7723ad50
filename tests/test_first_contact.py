"""A new user's first commands: help that helps, misspelt keys caught in the project's words, bad values
named by the key the user typed, and a summary that leads with the headline figures."""
from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hydra._internal.utils import get_args_parser
from omegaconf import OmegaConf

from sim import api
from sim.analysis import report
from sim.common.errors import ConfigError, ConfigErrors
from sim.inputs import overrides
from sim.inputs.config import compose, load
from sim.jobs import cli
from sim.jobs.callbacks import ScenarioComparison

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
SHORT = ["run.horizon_days=20", "run.warmup_days=2", "run.replications=2", "run.n_jobs=1"]


def run_sim(*args):
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


# --- python -m sim --help -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def help_text() -> str:
    result = run_sim("--help")
    assert result.returncode == 0, result.stderr
    return result.stdout


def _group_blocks(text: str) -> dict[str, list[str]]:
    """The help's config groups: name -> lines (description first, then the options)."""
    section = text.split("Config groups", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    blocks: dict[str, list[str]] = {}
    for line in section:
        if re.match(r"  \S", line):
            name, description = line.split(maxsplit=1)
            blocks[name] = [description]
        else:
            blocks[list(blocks)[-1]].append(line.strip())
    return blocks


def test_help_is_short_and_says_what_carepath_is(help_text):
    lines = help_text.rstrip("\n").splitlines()
    assert len(lines) <= 60
    assert "powered by Hydra" not in help_text
    assert lines[0].startswith("carepath: a discrete-event simulation")
    for words in ("--cfg job", "outputs/", "summary.csv", "multirun/", "carepath reproduce results/", "notebooks/"):
        assert words in help_text, words


def test_help_lists_every_config_group_with_exactly_its_options_and_default(help_text):
    blocks = _group_blocks(help_text)
    # calibration and rates are mounted by the place; uncertainty holds the ranges python -m sim.uncertainty reads,
    # evidence the register of the schemes' effects carepath params reads
    chosen = {group for group in overrides.groups() if group not in ("calibration", "rates", "uncertainty", "evidence")}
    assert set(blocks) == chosen
    defaults = {k: v for entry in yaml.safe_load((CONFIGS / "config.yaml").read_text())["defaults"]
                if isinstance(entry, dict) for k, v in entry.items()}
    for group, (_, *option_lines) in blocks.items():
        listed = re.findall(r"[a-z0-9_]+\*?", " ".join(option_lines))
        assert {o.rstrip("*") for o in listed} == set(overrides.groups()[group]), group
        starred = [o.rstrip("*") for o in listed if o.endswith("*")]
        default = defaults.get(group)
        assert starred == ([default] if default and "$" not in default else []), group


def test_help_examples_are_valid_commands(help_text):
    commands = [line.strip() for line in help_text.splitlines() if line.strip().startswith("carepath ")]
    examples = [shlex.split(c.split("  ")[0]) for c in commands]
    runs = [words[2:] for words in examples if words[1] == "run"]
    assert len(runs) >= 5
    assert any("-m" in args and any(a.startswith("scenario=") and "," in a for a in args) for args in runs)
    assert any("run.year=2027" in args for args in runs)
    for args in runs:
        parsed = get_args_parser().parse_args(args)           # Hydra's own reading of the command line
        assert all("=" in a for a in parsed.overrides), args
        assert cli.check_command_line(args) == [], args
    for words in examples:
        if words[1] == "reproduce":
            assert (ROOT / words[2]).is_dir(), words          # carepath reproduce results/<experiment>
    for notebook in re.findall(r"notebooks/(\S+\.ipynb)", help_text) + re.findall(r"to (\S+\.ipynb)", help_text):
        assert (ROOT / "notebooks" / notebook).is_file(), notebook


# --- misspelt keys -----------------------------------------------------------------------------------

# (overrides, the key named, the suggestion): one or more per config group, with and without `+`
MISSPELT = [
    (["run.horizn_days=3"], "run.horizn_days", "horizon_days"),
    (["capacity.acute_bedz=3"], "capacity.acute_bedz", "acute_beds"),
    (["network.services.acute.capacty=5"], "network.services.acute.capacty", "capacity"),
    (["+run.horizn_days=3"], "run.horizn_days", "horizon_days"),
    (["+network.services.acute.capacty=5"], "network.services.acute.capacty", "capacity"),
    (["place.populaton.total=1"], "place.populaton.total", "population"),
    (["+place.populaton=1"], "place.populaton", "population"),
    (["network.servics.acute.capacity=5"], "network.servics.acute.capacity", "services"),
    (["network=mmc", "network.lamda=5"], "network.lamda", "lam"),
    (["costs.inflaton_per_year=0.1"], "costs.inflaton_per_year", "inflation_per_year"),
    (["+costs.inflaton_per_year=0.1"], "costs.inflaton_per_year", "inflation_per_year"),
    (["scenario=uk_comparator", "scenario.start_yaer=2020"], "scenario.start_yaer", "start_year"),
    (["scenario=uk_comparator", "+scenario.levers.ambulatory_care.efects=[]"], "scenario.levers.ambulatory_care.efects",
     "effects"),
    (["scenario.capacity.per_100=2"], "scenario.capacity.per_100", "per_1000"),
    (["place=walsal"], "place", "walsall"),
    (["scenario=uk_comparater"], "scenario", "uk_comparator"),
    (["scenario/capacity=[beds_2_75,ic_plus_2]"], "scenario/capacity", "ic_plus_25"),
    (["costs=prices_2017"], "costs", "prices_2017_18"),
    (["network=mcc"], "network", "mmc"),
]


@pytest.mark.parametrize("args, key, suggestion", MISSPELT, ids=[" ".join(m[0]) for m in MISSPELT])
def test_a_misspelt_key_names_the_closest_known_key(args, key, suggestion):
    found = cli.check_command_line(args)
    assert [e.key for e in found] == [key], found
    assert f"did you mean '{suggestion}'?" in str(found[0])


def test_the_message_lists_the_known_keys_at_that_level():
    (error,) = overrides.problems(["run.horizn_days=3"])
    assert str(error).startswith("run.horizn_days: got 3; expected a known key (did you mean 'horizon_days'?): ")
    assert set(str(error).rsplit(": ", 1)[1].split(", ")) == set(load([])["run"])


def test_a_sweep_value_list_is_checked_value_by_value():
    found = cli.check_command_line(["-m", "scenario=do_nothing,uk_comparater", "run.horizn_days=3,4"])
    assert [(e.key, e.value) for e in found] == [("scenario", "uk_comparater")]
    found = cli.check_command_line(["-m", "run.horizn_days=3,4"])
    assert [e.key for e in found] == ["run.horizn_days"]
    found = cli.check_command_line(["-m", "network=mmc,tandem_blocking", "network.p_down=0.3"])
    assert [e.key for e in found] == ["network.p_down"] and "network=mmc" in str(found[0])


def test_keys_the_configs_leave_unset_ask_for_a_plus_and_keys_they_set_refuse_one():
    (error,) = overrides.problems(["network.services.acute.overflow=ae"])
    assert "+network.services.acute.overflow=ae" in str(error)
    (error,) = overrides.problems(["+run.seed=4"])
    assert "run.seed=4 without '+'" in str(error)
    assert overrides.problems(["+network.services.acute.overflow=ae", "++run.seed=4", "~run.event_log"]) == []
    assert overrides.problems(["+experiment=capacity_optimisation", "objective.minimise=total_cost_gbp"]) == []
    (error,) = overrides.problems(["experiment=capacity_optimisation"])
    assert "+experiment=<option>" in str(error)


@pytest.mark.parametrize("args", [["run.horizn_days=3"], ["capacity.acute_bedz=3"], ["network.services.acute.capacty=5"],
                                  ["-m", "run.seed=1,2", "capacity.acute_bedz=3"], ["-m", "+run.horizn_days=3,4"]],
                         ids=lambda a: " ".join(a))
def test_the_command_line_exits_2_with_the_message_and_writes_nothing(tmp_path, args):
    result = run_sim(*args, f"hydra.run.dir={tmp_path / 'run'}", f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("carepath: invalid configuration: "), result.stderr
    assert "did you mean" in lines[0] and "not in struct" not in result.stderr and "Traceback" not in result.stderr
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("args, key", [(["run.horizn_days=3"], "run.horizn_days"), (["capacity.acute_bedz=3"], "capacity.acute_bedz"),
                                       (["network.services.acute.capacty=5"], "network.services.acute.capacty"),
                                       (["place=walsal"], "place")])
def test_python_raises_the_same_message(args, key):
    for call in (lambda: api.run(*args), lambda: load(args)):
        with pytest.raises(ConfigError) as info:
            call()
        assert info.value.key == key and "did you mean" in str(info.value)
    assert str(info.value) == str(overrides.problems(args)[0])


def test_valid_overrides_have_no_problems():
    assert cli.check_command_line(["-m", "capacity.acute_beds=480,520", "place=dudley", "run.year=2027",
                                   "scenario/capacity=[beds_2_75,ic_plus_25]", "hydra/launcher=joblib",
                                   "hydra.launcher.n_jobs=2", "network.profiles.ae.hours.3=0.2"]) == []
    assert cli.check_command_line(["--help", "run.horizn_days=3"]) == []      # only prints


# --- bad values through interpolated keys --------------------------------------------------------

def test_source_key_follows_chains_and_interpolated_parents():
    raw = {"a": {"b": "${c}", "p": "${d}"}, "c": "${e.f}", "e": {"f": 1}, "d": {"x": 2}, "loop": "${loop}",
           "mixed": "${c} days"}
    assert overrides.source_key(raw, "a.b") == "e.f"
    assert overrides.source_key(raw, "a.p.x") == "d.x"
    assert overrides.source_key(raw, "e.f") == "e.f"
    assert overrides.source_key(raw, "loop") == "loop"
    assert overrides.source_key(raw, "mixed") == "mixed"            # not one plain interpolation
    assert overrides.source_key(raw, "a.missing") == "a.missing"


@pytest.mark.parametrize("args, key, feeds", [
    (["network=mmc", "network.lam=-1"], "network.lam", "network.streams.arrivals.rate_per_day"),
    (["network=mmc", "network.mean_los=0"], "network.mean_los", "network.services.ward.los.mean"),
    (["network=mmc", "network.c=-1"], "network.c", "network.services.ward.capacity"),
    (["network=tandem_blocking", "network.p_down=2"], "network.p_down", "network.services.acute.next.step_down"),
    (["capacity.acute_beds={north_site:3}"], "capacity.acute_beds.north_site", "network.services.acute.capacity.north_site"),
    (["network.profiles.ae.hours=[1,2]"], "network.profiles.ae.hours", "network.streams.ae_walk_in.profile.hours"),
])
def test_a_bad_value_is_named_by_the_key_the_user_typed(args, key, feeds):
    with pytest.raises(ConfigError) as info:
        api.run(*args, *SHORT)
    assert info.value.key == key
    assert f"(it sets {feeds})" in str(info.value)


def test_the_command_line_names_the_typed_key_too(tmp_path):
    result = run_sim("network=mmc", "network.lam=-1", *SHORT, f"hydra.run.dir={tmp_path / 'run'}")
    assert result.returncode == 2
    assert result.stderr.startswith("carepath: invalid configuration: network.lam: got -1;")
    assert not (tmp_path / "run").exists()


def test_keys_set_directly_keep_their_own_name():
    cfg = compose(["network=mmc", "network.streams.arrivals.rate_per_day=-1"])
    error = overrides.typed_keys(ConfigError("network.streams.arrivals.rate_per_day", -1, "a rate"), cfg)
    assert error.key == "network.streams.arrivals.rate_per_day"
    both = overrides.typed_keys(ConfigErrors([ConfigError("network.services.ward.capacity", -1, "places"),
                                              ConfigError("run.seed", -1, "a seed")]), compose(["network=mmc"]))
    assert [e.key for e in both.errors] == ["network.c", "run.seed"]


# --- the summary leads with the headline --------------------------------------------------------------

NETWORKS = sorted(p.stem for p in (CONFIGS / "network").glob("*.yaml"))


@pytest.mark.parametrize("network", NETWORKS)
def test_every_network_names_a_headline_it_reports(network):
    config = load([f"network={network}"])["network"]
    assert 4 <= len(config["headline"]) <= 14
    report.check_headline(config)


@pytest.mark.parametrize("network", [n for n in NETWORKS if n != "integrated_care"])   # integrated_care: tests/test_cli.py
def test_a_textbook_network_prints_its_own_headline(network):
    result = api.run(f"network={network}", *SHORT)
    headline = result.config["network"]["headline"]
    assert set(headline) <= set(result.summary["metric"])
    text = report.summary_text(result.config["network"], result.summary, "out/summary.csv").splitlines()
    header = next(i for i, line in enumerate(text) if line.startswith("measure "))
    assert all(line.startswith("WARNING: ") or not line for line in text[:header])
    assert [line.split()[-1] for line in text[header + 1:-1]] == headline
    assert text[-1] == f"full table: out/summary.csv ({result.summary['metric'].nunique()} metrics)"


def test_a_headline_naming_an_unknown_metric_is_refused(tmp_path):
    with pytest.raises(ConfigErrors) as info:
        api.run("network=mmc", "network.headline=[ward.arrivals,ward.wait_maen,nothing]", *SHORT)
    assert [e.key for e in info.value.errors] == ["network.headline[1]", "network.headline[2]"]
    assert "did you mean 'ward.wait_mean'?" in str(info.value)
    result = run_sim("network=mmc", "network.headline=[ward.wait_maen]", *SHORT, f"hydra.run.dir={tmp_path / 'run'}")
    assert result.returncode == 2 and "network.headline[0]: got 'ward.wait_maen'" in result.stderr
    with pytest.raises(ConfigError, match=r"network\.headline"):
        api.run("network=mmc", "network.headline=3", *SHORT)


def test_overload_warnings_come_before_the_headline():
    summary = pd.DataFrame({"scenario": "s", "metric": ["ward.arrivals", "unstable_ward", "ward.wait_mean"],
                            "mean": [10.0, 1.0, 2.0], "ci_low": [9.0, 1.0, 1.0], "ci_high": [11.0, 1.0, 3.0],
                            "replications": 3})
    text = report.summary_text({"headline": ["ward.wait_mean", "ward.arrivals"]}, summary, "x/summary.csv").splitlines()
    assert text[0].startswith("WARNING: the waiting list for ward grew")
    assert [line.split()[-1] for line in text[3:5]] == ["ward.wait_mean", "ward.arrivals"]
    assert text[3].startswith("Ward: mean wait") and " days " in text[3]
    assert text[-1] == "full table: x/summary.csv (3 metrics)"


def test_a_scenario_sweep_prints_the_paired_differences_of_the_headline(tmp_path, capsys):
    for number, (scenario, values) in enumerate([("do_nothing", [100, 110, 120]), ("uk_comparator", [90, 100, 110])]):
        folder = tmp_path / str(number)
        (folder / ".hydra").mkdir(parents=True)
        (folder / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump([f"scenario={scenario}", "run.year=2027"]))
        rows = [(scenario, r, metric, v * scale) for r, v in enumerate(values) for metric, scale in (("beds", 1), ("other", 2))]
        pd.DataFrame(rows, columns=["scenario", "replication", "metric", "value"]).to_csv(folder / "replications.csv", index=False)
    config = OmegaConf.create({"hydra": {"sweep": {"dir": str(tmp_path)}}, "network": {"headline": ["beds"]}})
    ScenarioComparison().on_multirun_end(config)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("paired differences, scenario minus do_nothing")
    assert out[1] == "uk_comparator"
    assert out[2].split()[:2] == ["Beds", "-10.0"] and "[-10.0, -10.0]" in out[2]    # the same -10 in each pair
    assert out[2].split()[-1] == "beds"                                                # the machine name beside it
    assert not any(line.split()[-1] == "other" for line in out[2:-1])
    assert out[-1] == f"scenario comparison (every metric): {tmp_path / 'comparison.csv'}"


# --- what the user guide says (docs/user-guide.md; the README links to it) -----------------------------------

GUIDE = (ROOT / "docs" / "user-guide.md").read_text()


def _section(title: str) -> str:
    return GUIDE.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def test_guide_bad_input_examples_print_what_it_shows(tmp_path):
    block = _section("Bad input").split("```", 2)[1].strip().splitlines()
    pairs = [(line[2:], block[i + 1]) for i, line in enumerate(block) if line.startswith("$ carepath run ")]
    assert len(pairs) >= 3
    for command, shown in pairs:
        result = run_sim(*shlex.split(command)[2:], *SHORT, f"hydra.run.dir={tmp_path / 'run'}",
                         f"hydra.sweep.dir={tmp_path / 'sweep'}")
        assert result.returncode == 2, command
        printed, position = result.stderr.strip(), 0
        for piece in shown.split("..."):                   # "..." elides part of a long line
            position = printed.find(piece.strip(), position)
            assert position >= 0, (command, piece, printed)
        assert not (tmp_path / "run").exists() and not (tmp_path / "sweep").exists()


def test_guide_names_the_headline_of_integrated_care():
    paragraph = next(p for p in _section("Outputs").split("\n\n") if "for `integrated_care`:" in p)
    listed = re.findall(r"`([a-z0-9_]+)`", paragraph.split("for `integrated_care`:", 1)[1].split(";", 1)[0])
    assert listed == load([])["network"]["headline"]


@pytest.mark.parametrize("args", [
    ["network=mmc", "network.headline=[ward.arrivals,ward.wait_maen]"],
    ["network=mmc", "network.lam=-1", "network.c=0"],
])
def test_the_api_refuses_a_job_in_the_command_lines_words(args):
    """One checking path: ``sim.api.run`` raises exactly the problems ``python -m sim`` prints."""
    from sim.inputs.config import compose
    from sim.jobs.cli import job_problems
    _, expected = job_problems(compose([*args, *SHORT]))
    assert expected
    with pytest.raises(ConfigError) as info:
        api.run(*args, *SHORT)
    assert str(info.value).splitlines() == [str(e) for e in expected]
