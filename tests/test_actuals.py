"""The actuals pack (data/actuals/): what happened after the base year, as published, to hold forecasts against.

Every row is a published figure with its source; a yearly total summed from months says so and equals
the sum of its twelve months; nothing is estimated."""
from __future__ import annotations

import csv
import re

import pytest

from sim.common import paths
from sim.inputs import params

PACK = paths.ROOT / "data" / "actuals"
COLUMNS = ["place", "site", "measure", "type", "period", "value", "source"]
PLACES = {"walsall", "wolverhampton", "dudley", "sandwell_west_birmingham", "wirral"}
TYPES = {"type-1", "type-2", "other", "all types", "not via A&E", "all routes", "general and acute",
         "all beds", "all ages", "adults", "NHS", "social care"}
#: a financial year (2018/19), a month (2018-12) or a quarter of a financial year (2021/22-Q4)
YEAR = re.compile(r"^(\d{4})/(\d{2})$")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER = re.compile(r"^(\d{4})/(\d{2})-Q([1-4])$")
SUMMED = "sum of 12 monthly returns"
FIRST, LAST = 2014, 2024                      # financial years 2014/15 to 2024/25


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    with open(PACK / "actuals.csv", newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def financial_year(period: str) -> int:
    """The first calendar year of the financial year a period falls in."""
    if m := YEAR.match(period) or QUARTER.match(period):
        return int(m[1])
    m = MONTH.match(period)
    year, month = int(m[1]), int(m[2])
    return year if month >= 4 else year - 1


def months_of(year: int) -> list[str]:
    return [f"{year}-{m:02d}" for m in range(4, 13)] + [f"{year + 1}-{m:02d}" for m in range(1, 4)]


def test_the_pack_has_rows_and_a_readme(rows):
    assert len(rows) > 100
    assert (PACK / "README.md").is_file()


def test_columns_are_filled_and_typed(rows):
    for row in rows:
        assert all(row[c].strip() == row[c] and row[c] for c in COLUMNS), row
        assert row["place"] in PLACES, row
        assert row["type"] in TYPES, row
        assert re.fullmatch(r"[a-z0-9_]+", row["measure"]), row
        value = float(row["value"])
        assert value >= 0, row
        if "." not in row["value"]:
            assert int(row["value"]) == value


def test_periods_are_well_formed_and_in_range(rows):
    for row in rows:
        period = row["period"]
        if m := YEAR.match(period) or QUARTER.match(period):
            assert (int(m[1]) + 1) % 100 == int(m[2]), period
        else:
            m = MONTH.match(period)
            assert m, period
            assert 1 <= int(m[2]) <= 12, period
        assert FIRST <= financial_year(period) <= LAST, period


def test_no_duplicate_keys(rows):
    keys = [(r["place"], r["site"], r["measure"], r["type"], r["period"]) for r in rows]
    assert len(keys) == len(set(keys)), [k for k in keys if keys.count(k) > 1][:5]


def test_percentages_are_within_0_and_100(rows):
    for row in rows:
        if row["measure"].endswith("_pct"):
            assert 0 <= float(row["value"]) <= 100, row


def test_counts_are_whole_numbers(rows):
    for row in rows:
        if row["measure"].startswith(("ae_", "trolley_", "emergency_", "other_", "dtoc_")) and not row["measure"].endswith("_pct"):
            assert re.fullmatch(r"\d+", row["value"]), row


def test_every_source_is_a_citation_of_the_bibliography(rows):
    bibliography = params.bibliography()
    for row in rows:
        cited = params.citations(row["source"])
        assert cited, row
        for key, locator in cited:
            assert key in bibliography, (key, row)
            assert locator, row


def test_yearly_sums_equal_their_months(rows):
    """A yearly count marked as summed from monthly returns has all twelve months, and equals their sum;
    any other yearly count that has all twelve months beside it from the same source agrees with them."""
    value = {(r["place"], r["site"], r["measure"], r["type"], r["period"]): r for r in rows}
    summed = 0
    for row in rows:
        if not YEAR.match(row["period"]) or row["measure"].endswith("_pct"):
            continue
        key = (row["place"], row["site"], row["measure"], row["type"])
        months = [value.get(key + (m,)) for m in months_of(int(row["period"][:4]))]
        if SUMMED in row["source"]:
            assert all(months), (row, [m for m in months_of(int(row["period"][:4])) if not value.get(key + (m,))])
            assert sum(int(m["value"]) for m in months) == int(row["value"]), row
            summed += 1
        elif all(months):
            assert sum(int(m["value"]) for m in months) == int(row["value"]), row
    assert summed > 0


def test_a_yearly_rate_from_summed_months_says_so(rows):
    """A yearly percentage is either published as such or worked from the summed months, and says which."""
    for row in rows:
        if YEAR.match(row["period"]) and row["measure"].endswith("_pct"):
            key = params.citations(row["source"])[0][0]
            assert SUMMED in row["source"] or key not in {"nhsr-ae-attendances", "nhse-ae-sitrep-csv"}, row


def test_walsall_priority_series_agree_with_the_backtest(rows):
    """The backtest reads its actuals from the pack: the 2016/17-2018/19 figures it was first written with."""
    import yaml

    from sim.studies import backtest as study

    spec = yaml.safe_load(study.SPEC.read_text())
    value = {(r["measure"], r["type"], r["period"]): float(r["value"]) for r in rows
             if r["place"] == "walsall" and r["site"] == "RBK"}
    read = study.actuals(spec["place"], spec["years"])
    assert read == {2016: {"ae_attendances": 73823, "ae_admissions": 22189, "ae_4h_pct": 74.5},
                    2017: {"ae_attendances": 76190, "ae_admissions": 24842, "ae_4h_pct": 70.0},
                    2018: {"ae_attendances": 79222, "ae_admissions": 24848, "ae_4h_pct": 72.2}}
    for year, actuals in read.items():
        period = f"{year}/{(year + 1) % 100:02d}"
        assert value[("ae_attendances", "type-1", period)] == actuals["ae_attendances"]
        assert value[("ae_admissions", "type-1", period)] == actuals["ae_admissions"]
        assert value[("ae_4h_pct", "type-1", period)] == pytest.approx(actuals["ae_4h_pct"], abs=0.05)


def test_the_readme_describes_every_measure(rows):
    readme = (PACK / "README.md").read_text(encoding="utf-8")
    for measure in {r["measure"] for r in rows}:
        assert f"`{measure}`" in readme, measure
