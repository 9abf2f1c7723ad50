"""The parameter register: complete, sourced, and up to date."""
from __future__ import annotations

from sim import params


def test_every_parameter_has_a_source_or_an_assumption_mark():
    register = params.register()
    assert len(register) > 300
    unsourced = [f"configs/{p.file}: {p.key}" for p in register if p.status == "unsourced"]
    assert not unsourced, unsourced


def test_every_place_and_the_pathway_are_covered():
    files = {p.file for p in params.register()}
    for place in ("walsall", "wolverhampton", "dudley", "sandwell_west_birmingham", "wirral", "black_country"):
        assert f"place/{place}.yaml" in files
        assert f"capacity/{place}.yaml" in files
    assert "network/integrated_care.yaml" in files and "costs/prices_2017_18.yaml" in files


def test_committed_register_is_current(tmp_path):
    out = tmp_path / "parameters.md"
    assert params.main(["--out", str(out), "--quiet"]) == 0
    committed = params.REGISTER.read_text()
    assert out.read_text() == committed, "docs/parameters.md is stale: run python -m sim.params"


def test_status_from_the_source_wording():
    assert params.status_of("assumption: a guess with a reason") == "assumption"
    assert params.status_of("Table 3 (seed 000 L866)") == "document"
    assert params.status_of("NHS England A&E sitrep 2017/18 (PARAMETERS.md §2)") == "public reference"
    assert params.status_of("calibrated: fitted by python -m sim.calibrate") == "calibrated"
    assert params.status_of("a number somebody liked") == "unsourced"
    assert params.status_of("") == "unsourced"


def test_units_follow_the_key():
    assert params.unit_of(["costs", "acute_bed_day_gbp"], {}) == "£"
    assert params.unit_of(["capacity", "acute_beds"], {}) == "places"
    assert params.unit_of(["rates", "demand", "ae_walk_in"], {}) == "per 1,000 residents a year"
    assert params.unit_of(["network", "services", "ae", "los", "mean"], {"unit": "hours"}) == "hours"
    assert params.unit_of(["network", "services", "ae", "los", "cv"], {}) == "coefficient of variation"


def test_sources_are_found_beside_above_and_around(tmp_path, monkeypatch):
    folder = tmp_path / "configs" / "place"
    folder.mkdir(parents=True)
    (folder / "x.yaml").write_text(
        "# header: assumption for anything unsourced below\n"
        "a: 1   # seed 000 L10\n"
        "# NHS figure, 2017 (PARAMETERS.md §2)\n"
        "b: 2\n"
        "group:   # assumption: a group-level reason\n"
        "  c: 3\n"
        "lever:\n"
        "  source: seed 004 L796\n"
        "  d: {e: 4}\n")
    monkeypatch.setattr(params, "CONFIGS", tmp_path / "configs")
    found = {p.key: p for p in params.register_file(folder / "x.yaml")}
    assert found["a"].status == "document"
    assert found["b"].status == "public reference"
    assert found["group.c"].source.startswith("assumption: a group-level reason")
    assert found["lever.d"].source == "seed 004 L796"
