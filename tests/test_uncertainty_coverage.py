"""The hindcast's intervals from the history-matched draws (sim/uncertainty/coverage.py)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.common.errors import ConfigError
from sim.uncertainty import coverage

SPEC = yaml.safe_load(coverage.PREREGISTRATION.read_text())


def _wave(folder, worst):
    folder.mkdir(parents=True)
    n = len(worst)
    pd.DataFrame({"draw": range(n), "seed": [2017 + d for d in range(n)], "demand": np.linspace(0.9, 1.1, n)}).to_csv(
        folder / "draws.csv", index=False)
    pd.DataFrame({"draw": range(n), "max_implausibility": worst}).to_csv(folder / "history_matching.csv", index=False)
    return folder


def test_only_the_non_implausible_draws_of_every_wave_are_kept(tmp_path):
    _wave(tmp_path / "wave1", [0.5, 3.5, 2.9])
    _wave(tmp_path / "wave2", [4.0, 1.0])
    folders = coverage.waves(tmp_path)
    assert [f.name for f in folders] == ["wave1", "wave2"]
    kept = coverage.plausible(folders)
    assert list(zip(kept["wave"], kept["draw"])) == [(1, 0), (1, 2), (2, 1)]
    assert list(kept["seed"]) == [2017, 2019, 2018]                   # each draw keeps its own seed
    assert len(coverage.plausible(folders, threshold=10)) == 5


def test_a_folder_that_is_no_study_is_refused_naming_the_option(tmp_path):
    with pytest.raises(ConfigError, match="--study"):
        coverage.waves(tmp_path)


def test_intervals_are_the_draws_percentiles_judged_on_the_final_test_years_only():
    years = [int(y) for y in SPEC["years"]["final_test"]]
    assert 2018 not in years and 2019 not in years                     # learning years were fitted, never judged
    rows = []
    for draw in range(11):
        for year in years:
            rows.append({"draw": draw, "year": year, "metric": "ae_attendances", "value": 90_000 + 2_000 * draw})
            rows.append({"draw": draw, "year": year, "metric": "ran_away", "value": float(draw == 10)})
    table = coverage.intervals(pd.DataFrame(rows), SPEC)
    att = table[table["measure"] == "ae_attendances"].set_index("year")
    assert att.loc[years[0], "p10"] == pytest.approx(92_000) and att.loc[years[0], "p90"] == pytest.approx(108_000)
    assert att.loc[years[0], "actual"] == 96_596                       # the trust's 2022/23 type-1 attendances
    assert list(att["covered"]) == [True, True, False]                 # 2024/25's 109,753 is above the P90
    assert set(att["draws_ran_away"]) == {1}
    other = table[table["measure"] != "ae_attendances"]                # measures without draws: no interval, not judged
    assert other["draws"].eq(0).all() and other["covered"].isna().all()
    assert set(table["measure"]) == set(SPEC["measures"]) | set(SPEC["final_test_measures"])


def test_the_section_says_how_many_intervals_cover_against_the_binomial_range(tmp_path):
    table = pd.DataFrame([{"measure": "ae_attendances", "label": "type-1 A&E attendances", "year": 2022,
                           "financial_year": "2022/23", "actual": 96_596.0, "draws": 40, "draws_ran_away": 0,
                           "p10": 90_000.0, "p50": 95_000.0, "p90": 99_000.0, "covered": True}] * 10)
    text = coverage.section(table, SPEC, "results/uncertainty", 40, 160)
    assert "cover **10 of 10**" in text and "should cover 5 to 10 of 10" in text
    assert "40 non-implausible draws (of 160" in text and "handful" not in text
    assert "a handful's spread" in coverage.section(table, SPEC, "results/uncertainty", 6, 288)
    readme = tmp_path / "README.md"
    readme.write_text("# Hindcast\n\nAnswer.\n")
    once = coverage.with_section(readme.read_text(), text)
    assert coverage.with_section(once, text) == once                   # replaced, not appended again
    readme.write_text(once)
    assert coverage.kept_section(tmp_path) == text


def test_a_small_study_gives_intervals_from_its_draws(tmp_path):
    from sim.uncertainty.cli import main as study
    short = ["run.horizon_days=30", "run.warmup_days=5"]
    assert study(["--draws", "2", "--scenarios", "do_nothing", "--noise-replications", "2", "--history-match", "report",
                  "--n-jobs", "1", "--no-progress", "--out", str(tmp_path / "study"), *short]) == 0
    assert coverage.main(["--study", str(tmp_path / "study"), "--out", str(tmp_path / "hindcast"), "--threshold", "1e9",
                          "--n-jobs", "1", "--no-progress", *short]) == 0
    table = pd.read_csv(tmp_path / "hindcast" / coverage.TABLE)
    assert set(table["year"]) == {2022, 2023, 2024} and table["draws"].eq(2).all()
    assert (table["p10"] <= table["p50"]).all() and (table["p50"] <= table["p90"]).all()
    assert coverage.BEGIN in (tmp_path / "hindcast" / "README.md").read_text()
    record = json.loads((tmp_path / "hindcast" / "manifest.json").read_text())["coverage_from_draws"]
    assert record["draws"] == 2 and record["git"]["commit"] and "--threshold 1e9" in record["command"]


def test_the_hindcast_keeps_the_coverage_its_own_command_wrote(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"coverage_from_draws": {"study": "results/uncertainty"}}))
    assert coverage.kept_record(tmp_path) == {"coverage_from_draws": {"study": "results/uncertainty"}}
    assert coverage.kept_record(tmp_path / "none") == {} and coverage.kept_section(tmp_path) == ""
