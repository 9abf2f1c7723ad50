"""The web app's own limits: fields without a number, replications and years, the run-time estimate, cut messages."""
from __future__ import annotations

import pytest

pytest.importorskip("shiny")

from sim.app import checks, limits


def test_an_empty_field_or_text_is_a_problem_and_a_number_is_left_to_the_command_line():
    assert "capacity.acute_beds: the field is empty" in limits.field_problem("capacity.acute_beds", None, "places")
    assert "got 'abc'; expected a non-negative integer" in limits.field_problem("run.seed", "abc", "seed")
    assert limits.field_problem("capacity.acute_beds", -5, "places") is None


@pytest.mark.parametrize(("overrides", "key"), [(["run.replications=1000000"], "run.replications"),
                                                (["run.horizon_days=3650000"], "run.horizon_days"),
                                                (["run.end_year=2040"], "run.end_year"),
                                                (["run.replications=auto", "run.max_replications=1000"], "run.max_replications")])
def test_runs_beyond_the_limits_are_refused_before_the_model_is_built(overrides, key):
    checked = checks.check(overrides)
    assert checked.data is None and [limits.key_of(line) for line in checked.problems] == [key]
    assert "in the web app" in checked.problems[0]


@pytest.mark.parametrize("override", ["capacity.acute_beds=99999999999999999999999", "capacity.acute_beds=null"])
def test_an_exception_in_the_checks_is_a_problem_not_a_crash(override):
    checked = checks.check([override])
    assert checked.data is None and checked.problems[0].startswith("carepath: ")


def test_the_estimate_grows_with_replications_years_and_population():
    small = checks.check(["run.replications=2"]).data
    assert limits.estimate_seconds(small, 2) == pytest.approx(limits.SECONDS_PER_REPLICATION_YEAR * 425 / 365.25)
    longer = checks.check(["run.replications=100", "run.end_year=2020"]).data
    assert limits.estimate_seconds(longer, 2) > limits.CONFIRM_SECONDS
    bigger = checks.check(["place=black_country", "run.replications=2"]).data
    assert limits.estimate_seconds(bigger, 2) > 5 * limits.estimate_seconds(small, 2)


def test_long_input_is_cut_in_messages():
    line = f"carepath: invalid configuration: run.seed: got {'a' * 20_000!r}; expected a non-negative integer"
    cut = limits.cut(line)
    assert "a" * 80 not in cut and "…'" in cut and cut.endswith("expected a non-negative integer")
    assert limits.cut("x" * 20_000 + ": got 1").endswith("…: got 1")
    many = limits.cut_lines(["problem"] * 25)
    assert len(many) == limits.MESSAGE_LINES + 1 and many[-1] == "… and 5 more problems"


def test_problems_are_marked_beside_the_field_they_name_or_where_the_key_was_typed():
    lines = ["carepath: invalid configuration: capacity.acute_beds: got -5; expected a non-negative whole number",
             "carepath: invalid configuration: run.seed: got 'a'; expected a non-negative integer",
             "carepath: the check stopped: OverflowError: too large"]
    inputs = {"capacity.acute_beds": "set_capacity__acute_beds", **limits.RUN_FIELDS}
    assert limits.marks(lines, inputs, "") == {"set_capacity__acute_beds": "capacity.acute_beds: got -5; expected a "
                                               "non-negative whole number", "seed": "run.seed: got 'a'; expected a "
                                               "non-negative integer"}
    assert set(limits.marks(lines, inputs, "run.seed=a")) == {"set_capacity__acute_beds", "other"}
