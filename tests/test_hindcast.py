"""carepath hindcast: the pre-registration guard, the naive forecasts and errors, and the withheld years."""
from __future__ import annotations

import hashlib
import math
import subprocess

import pandas as pd
import pytest
import yaml

from sim.studies import hindcast
from sim.studies import hindcast_report as report
from sim.studies import hindcast_scores as arithmetic

GIT = ["git", "-c", "user.name=test", "-c", "user.email=test@example.org"]


def git(repo, *args):
    subprocess.run([*GIT, "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    folder = tmp_path / "repo"
    folder.mkdir()
    git(folder, "init", "-q")
    return folder


def test_an_uncommitted_or_changed_preregistration_is_refused(repo):
    file = repo / "prereg.yaml"
    file.write_text("tolerance: 5\n")
    with pytest.raises(hindcast.Refused, match="uncommitted or changed"):
        hindcast.preregistration(file)                     # untracked
    git(repo, "add", "prereg.yaml")
    with pytest.raises(hindcast.Refused, match="uncommitted or changed"):
        hindcast.preregistration(file)                     # staged, not committed
    git(repo, "commit", "-q", "-m", "pre-register")
    record = hindcast.preregistration(file)
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert record["commit"] == head and record["file"] == "prereg.yaml"
    assert record["sha256"] == hashlib.sha256(b"tolerance: 5\n").hexdigest()
    file.write_text("tolerance: 50\n")                    # changed after the commit
    with pytest.raises(hindcast.Refused, match="uncommitted or changed"):
        hindcast.preregistration(file)


def test_the_final_test_needs_a_clean_tree(repo):
    (repo / "a.txt").write_text("a\n")
    git(repo, "add", "a.txt")
    git(repo, "commit", "-q", "-m", "a")
    assert len(hindcast.clean_commit(repo)) == 40
    (repo / "b.txt").write_text("untracked\n")
    with pytest.raises(hindcast.Refused, match="clean working tree"):
        hindcast.clean_commit(repo)


def test_naive_forecasts_and_errors_on_hand_made_numbers():
    actual = {2014: 1.0, 2015: 2.0, 2016: 4.0, 2017: 110.0}
    assert arithmetic.carried_forward(actual, 2017, [2018, 2019]) == {2018: 110.0, 2019: 110.0}
    assert arithmetic.carried_forward(actual, 2013, [2018]) == {}
    # the line through 2016/17 and 2017/18 only: 2017/18 plus one year's change a year
    two = arithmetic.linear_trend({2016: 100.0, 2017: 110.0, 2018: 999.0}, 2014, 2017, [2018, 2019])
    assert two == pytest.approx({2018: 120.0, 2019: 130.0})
    # least squares through three points: (2014, 1), (2015, 2), (2016, 4): slope 1.5, mean point (2015, 7/3)
    three = arithmetic.linear_trend({2014: 1.0, 2015: 2.0, 2016: 4.0}, 2014, 2016, [2017])
    assert three[2017] == pytest.approx(7 / 3 + 2 * 1.5)
    assert arithmetic.linear_trend({2017: 5.0}, 2014, 2017, [2018]) == {}
    assert arithmetic.error(110, 100, "percent") == pytest.approx(10.0)
    assert arithmetic.error(90, 100, "percent") == pytest.approx(-10.0)
    assert arithmetic.error(70.0, 72.2, "points") == pytest.approx(-2.2)
    assert arithmetic.mae([10.0, -20.0, math.nan]) == pytest.approx(15.0)
    assert math.isnan(arithmetic.mae([]))
    assert arithmetic.coverage_range(3, 0.8, 0.95) == (1, 3)
    assert arithmetic.coverage_range(10, 0.8, 0.95) == (5, 10)


def _row(mode, measure, year, actual, model, low, high, carried, trend, unit="percent", unstable=False):
    err = (lambda f: arithmetic.error(f, actual, unit))
    return {"mode": mode, "year": year, "role": "learning", "measure": measure, "actual": actual, "model_mean": model,
            "covered": low <= actual <= high, "model_error": err(model), "naive_carried_error": err(carried),
            "naive_trend_error": err(trend), "error_unit": unit, "unstable": unstable}


def test_scores_per_measure_and_overall():
    spec = {"interval": 0.8, "coverage_confidence": 0.95}
    table = pd.DataFrame([
        _row("fixed", "ae_attendances", 2018, 100.0, 102.0, 99.0, 104.0, 95.0, 110.0),     # model 2%, naive 5% and 10%
        _row("fixed", "ae_attendances", 2019, 100.0, 96.0, 93.0, 99.0, 95.0, 110.0),       # model 4%: MAE 3%
        _row("fixed", "ae_4h_pct", 2018, 70.0, 65.0, 64.0, 66.0, 72.0, 68.0, unit="points"),   # model loses: 5 > 2
        _row("fixed", "ae_4h_pct", 2019, 70.0, 69.0, 60.0, 75.0, 72.0, 68.0, unit="points", unstable=True),
    ])
    scored = arithmetic.scores(table, spec).set_index("measure")
    attendances, four_hour, overall = scored.loc["ae_attendances"], scored.loc["ae_4h_pct"], scored.loc["overall"]
    assert (attendances.model_mae, attendances.carried_mae, attendances.trend_mae) == pytest.approx((3.0, 5.0, 10.0))
    assert attendances.beats_both and attendances.covered == 1 and attendances.outturns == 2
    assert four_hour.model_mae == pytest.approx(3.0) and four_hour.carried_mae == pytest.approx(2.0)
    assert not four_hour.beats_carried and not four_hour.beats_trend      # an unstable figure counts as a loss
    assert overall.model_mae == pytest.approx(3.0) and overall.carried_mae == pytest.approx(3.5)
    assert overall.outturns == 4 and overall.covered == 2 and overall.coverage_expected == "1-4"
    assert not overall.beats_both


def test_final_test_years_are_withheld_unless_asked_for():
    spec = {"years": {"final_test": [2022, 2023, 2024]}}
    frame = pd.DataFrame({"year": [2018, 2021, 2022, 2024], "value": [1, 2, 3, 4]})
    assert arithmetic.withhold(frame, spec, final_test=False)["year"].tolist() == [2018, 2021]
    assert arithmetic.withhold(frame, spec, final_test=True)["year"].tolist() == [2018, 2021, 2022, 2024]


def test_a_short_hindcast_end_to_end_withholds_its_final_test_year(repo, tmp_path):
    """2017/18 fitted, 2018/19 learning and 2019/20 as if it were a final-test year: one replication."""
    spec = yaml.safe_load(hindcast.PREREGISTRATION.read_text())
    spec["years"] = {"learning": [2018], "reported": [], "final_test": [2019]}
    file = repo / "prereg.yaml"
    file.write_text(yaml.safe_dump(spec))
    assert hindcast.main(["--preregistration", str(file), "--out", str(tmp_path / "x")]) == 2    # uncommitted
    git(repo, "add", "prereg.yaml")
    git(repo, "commit", "-q", "-m", "pre-register")
    out = tmp_path / "out"
    code = hindcast.main(["--preregistration", str(file), "--out", str(out), "--replications", "2", "--end-year", "2019",
                          "--mode", "fixed", "run.warmup_days=5", "run.n_jobs=1"])
    assert code == 0
    table = pd.read_csv(out / "hindcast.csv")
    assert sorted(set(table["year"])) == [2017, 2018]
    assert set(table["measure"]) == {"ae_attendances", "ae_admissions", "ae_4h_pct", "acute_occupancy_mean"}
    assert 2019 not in set(pd.read_csv(out / "runs.csv")["year"])
    readme = (out / "README.md").read_text()
    assert "2019/20" in readme and "withheld" in readme and "2019/20:" not in readme
    assert "## What the learning years say" in readme and "| 2018/19 | 79,222 | 38,958 | 118,180 |" in readme
    manifest = yaml.safe_load((out / "manifest.json").read_text())
    assert manifest["withheld_years"] == [2019] and manifest["final_test"] == {"run": False}
    assert manifest["preregistration"]["file"] == "prereg.yaml"
    scores = pd.read_csv(out / "scores.csv")
    assert set(scores["measure"]) == {"ae_attendances", "ae_admissions", "ae_4h_pct", "acute_occupancy_mean", "overall"}
    occupancy = table[(table["year"] == 2018) & (table["measure"] == "acute_occupancy_mean")].iloc[0]
    assert occupancy["actual"] == pytest.approx((88.3 + 88.2 + 90.5 + 91.1) / 4) and not occupancy["in_rule"]
    assert [v["version"] for v in manifest["versions"]] == [1, 2]      # version 1 found through `previous`
    row = table[(table["year"] == 2018) & (table["measure"] == "ae_attendances")].iloc[0]
    assert row["naive_carried"] == 76190 and row["naive_trend"] == pytest.approx(76190 + (76190 - 73823))
    assert row["actual"] == 79222 and row["model_p10"] <= row["model_mean"] <= row["model_p90"]


def test_the_anchored_forecast_lays_the_models_change_on_the_fitted_years_actual():
    model = {2017: 102.0, 2018: 107.1, 2019: 110.0}
    counts = arithmetic.anchored(model, {2017: 100.0, 2018: 104.0}, 2017, "percent")
    assert counts == pytest.approx({2017: 100.0, 2018: 105.0, 2019: 100.0 * 110.0 / 102.0})
    points = arithmetic.anchored({2017: 67.8, 2018: 67.3}, {2017: 70.0}, 2017, "points")
    assert points == pytest.approx({2017: 70.0, 2018: 69.5})
    assert arithmetic.anchored(model, {2018: 1.0}, 2017, "percent") == {}     # no fitted-year actual


def test_a_measure_outside_the_rule_is_scored_alone_not_in_the_overall():
    spec = {"interval": 0.8, "coverage_confidence": 0.95}
    rows = [_row("fixed", "ae_attendances", 2018, 100.0, 102.0, 99.0, 104.0, 95.0, 110.0),
            {**_row("fixed", "occupancy", 2018, 89.0, 99.0, 98.0, 99.5, 89.5, 90.0, unit="points"), "in_rule": False}]
    rows[0].update(in_rule=True, model_anchored_error=1.0)
    rows[1]["model_anchored_error"] = 9.0
    scored = arithmetic.scores(pd.DataFrame(rows), spec).set_index("measure")
    assert scored.loc["occupancy", "model_mae"] == pytest.approx(10.0)
    assert scored.loc["overall", "model_mae"] == pytest.approx(2.0)           # attendances alone
    assert scored.loc["overall", "anchored_mae"] == pytest.approx(1.0) and scored.loc["overall", "anchored_beats_both"]
    assert scored.loc["overall", "outturns"] == 1


def test_a_revised_preregistration_keeps_every_earlier_version_in_the_chain(repo):
    (repo / "v1.yaml").write_text("version: 1\nmeasures: {}\n")
    git(repo, "add", "v1.yaml")
    git(repo, "commit", "-q", "-m", "v1")
    (repo / "v2.yaml").write_text(f"version: 2\nprevious: {repo / 'v1.yaml'}\nmeasures: {{}}\n")
    git(repo, "add", "v2.yaml")
    git(repo, "commit", "-q", "-m", "v2")
    chain = hindcast.versions(repo / "v2.yaml")
    assert [record["version"] for record, _ in chain] == [1, 2]
    (repo / "v1.yaml").write_text("version: 1\nmeasures: {changed: true}\n")   # an earlier version edited afterwards
    with pytest.raises(hindcast.Refused, match=r"v1\.yaml is uncommitted or changed"):
        hindcast.versions(repo / "v2.yaml")


def test_only_the_rules_measures_count_in_the_overall_mae():
    """The final test's extra measures and the reported ones are scored beside the rule, never in it."""
    spec = yaml.safe_load(hindcast.PREREGISTRATION.read_text())
    learning, final = hindcast.measures_of(spec, final_test=False), hindcast.measures_of(spec, final_test=True)
    assert "nel_admissions" not in learning and not final["nel_admissions"]["in_rule"]
    assert {m for m, v in final.items() if v["in_rule"]} == {"ae_attendances", "ae_admissions", "ae_4h_pct"}
    assert not final["acute_occupancy_mean"]["in_rule"]


def test_another_places_readme_says_its_own_caveats_not_walsalls():
    spec = yaml.safe_load((hindcast.PREREGISTRATION.parent / "wirral_hindcast.yaml").read_text())
    text = report.caveats(spec, hindcast.modes_of(spec), replications=5)
    assert "Walsall's demand" in text and "5 replications" in text
    assert "attendance trend was set from Walsall's own" not in text and "conditional mode" not in text
    walsall = yaml.safe_load(hindcast.PREREGISTRATION.read_text())
    assert "conditional mode conditions on beds only" in report.caveats(walsall, hindcast.modes_of(walsall), 5)
    assert "attendance trend was set from Walsall's own" in report.caveats(walsall, hindcast.modes_of(walsall), 5)
