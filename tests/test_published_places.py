"""The conditional hindcast's beds: the published change in KH03 beds, bed for bed, on the base-year beds."""
from __future__ import annotations

import pytest

from sim.inputs import actuals, published_places


def test_the_committed_table_is_the_one_the_pack_gives():
    """Regenerate with python -m sim.inputs.published_places after the actuals pack changes."""
    assert published_places.TABLE.read_text() == published_places.text(published_places.rows())


def test_beds_move_by_the_published_change_since_the_first_kh03_year():
    rows = {r["year"]: r for r in published_places.rows()}
    quarters = actuals.quarterly("walsall", "RBK", "ga_beds_available", "general and acute")
    reference = sum(quarters[2018].values()) / 4
    assert rows[2017]["places"] == rows[2018]["places"] == 533        # no KH03 for 2017/18: the base beds
    for year in (2019, 2022, 2024):
        assert len(quarters[year]) == 4
        assert rows[year]["places"] == 533 + round(sum(quarters[year].values()) / 4 - reference)
    assert "3 quarters" in rows[2021]["load"]                          # a part year says so


def test_a_year_without_published_beds_is_refused_not_filled():
    with pytest.raises(ValueError, match="no KH03 beds for 2025/26"):
        published_places.rows({**published_places.SPEC, "years": range(2017, 2026)})


def test_quarters_and_their_yearly_means():
    quarters = actuals.quarterly("walsall", "RBK", "ga_occupancy_pct", "general and acute")
    assert quarters[2018] == {1: 88.3, 2: 88.2, 3: 90.5, 4: 91.1}
    whole = actuals.mean_of_quarters("walsall", "RBK", "ga_beds_available", "general and acute")
    assert 2021 not in whole and whole[2018] == pytest.approx((447.8 + 453.9 + 458.1 + 481.1) / 4)
    assert 2021 in actuals.mean_of_quarters("walsall", "RBK", "ga_beds_available", "general and acute", minimum=3)


def test_walsalls_2023_base_year_has_the_published_beds_of_that_year():
    import yaml

    from sim.common.paths import CONFIG_DIR
    capacity = yaml.safe_load((CONFIG_DIR / "capacity" / "walsall_2023.yaml").read_text())
    assert capacity["acute_beds"] == {r["year"]: r for r in published_places.rows()}[2023]["places"]
