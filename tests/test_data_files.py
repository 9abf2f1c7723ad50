"""A population CSV a planner supplies gets the same checks as config values."""
from __future__ import annotations

import pytest

from sim.common.errors import ConfigError, ConfigErrors
from sim.engine.population import AGE_BANDS
from sim.inputs.config import load
from sim.jobs import runner

LOCALITIES = ["north", "south", "east", "west"]
SHORT = ["run.horizon_days=20", "run.warmup_days=2", "run.replications=1", "run.n_jobs=1"]


def write(tmp_path, rows, header="locality,age_band,people"):
    path = tmp_path / "population.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def full_rows(people=17000):
    return [f"{loc},{band},{people}" for loc in LOCALITIES for band in AGE_BANDS]


def test_a_valid_file_sets_the_population(tmp_path):
    path = write(tmp_path, full_rows())
    cfg = load(SHORT + [f"+place.population.csv={path}"])
    results = runner.run(cfg, progress=False)
    assert results.balanced
    small = runner.run(load(SHORT + [f"+place.population.csv={write(tmp_path, full_rows(1700))}"]), progress=False)
    big = results.summary.set_index("metric").loc["ae_attendances", "mean"]
    assert small.summary.set_index("metric").loc["ae_attendances", "mean"] < big / 5   # a tenth of the people


@pytest.mark.parametrize("rows, header, expect", [
    (full_rows()[:-1], None, "missing: west,age_85_plus"),
    (full_rows() + ["north,age_0_17,5"], None, "each locality and age band once"),
    (["nort,age_0_17,5"] + full_rows()[1:], None, "did you mean 'north'"),
    (["north,age_0_16,5"] + full_rows()[1:], None, "did you mean 'age_0_17'"),
    (["north,age_0_17,-5"] + full_rows()[1:], None, "non-negative"),
    (["north,age_0_17,many"] + full_rows()[1:], None, "non-negative"),
    (full_rows(), "place,band,n", "the columns locality, age_band, people"),
])
def test_bad_files_name_the_file_line_and_what_is_allowed(tmp_path, rows, header, expect):
    path = write(tmp_path, rows, header or "locality,age_band,people")
    with pytest.raises(ConfigError) as info:
        runner.check(load(SHORT + [f"+place.population.csv={path}"]))
    assert info.value.key.startswith("place.population.csv")
    assert expect in str(info.value)


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError) as info:
        runner.check(load(SHORT + [f"+place.population.csv={tmp_path / 'nope.csv'}"]))
    assert info.value.key == "place.population.csv" and "exists" in str(info.value)


def test_every_bad_row_is_reported_at_once(tmp_path):
    rows = full_rows()
    rows[0], rows[5] = "north,age_0_17,-1", "south,age_0_17,x"
    with pytest.raises(ConfigErrors) as info:
        runner.check(load(SHORT + [f"+place.population.csv={write(tmp_path, rows)}"]))
    assert len(info.value.errors) == 2 and "line 2" in str(info.value) and "line 7" in str(info.value)
