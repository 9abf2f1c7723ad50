"""The parameter register: complete, sourced, and up to date."""
from __future__ import annotations

from sim.inputs import params
from sim.studies import params as register_page


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
    assert register_page.main(["--out", str(out), "--quiet"]) == 0
    committed = params.REGISTER.read_text()
    assert out.read_text() == committed, "docs/parameters.md is stale: run python -m sim.params"


def test_status_from_the_source_wording():
    assert params.status_of("assumption: a guess with a reason") == "assumption"
    assert params.status_of('Acute services [@walsall-cabinet-2018, App. 1 §3.3 Table 3, "Acute Services"]') == "document"
    assert params.status_of("Walsall type-1 attendances [@nhse-ae-sitrep-2017-18, trust RBK]") == "public reference"
    assert params.status_of("calibrated: fitted by python -m sim.calibrate") == "calibrated"
    assert params.status_of("a number somebody liked") == "unsourced"
    assert params.status_of("") == "unsourced"
    # a source document outranks a public reference; a judgement outranks both
    assert params.status_of("[@nhse-ae-sitrep-2017-18; @black-country-stp-2016, p. 44]") == "document"
    assert params.status_of("assumption: half of it [@walsall-cabinet-2018, App. 1 §2.5.1]") == "assumption"
    # a year, a bare publication name or an unknown key is not a source
    assert params.status_of("NHS England A&E sitrep 2017/18") == "unsourced"
    assert params.status_of("[@no-such-key, p. 3]") == "unsourced"
    # words inside a citation's locator do not set the status
    assert params.status_of('[@walsall-cabinet-2018, App. 1 §3.5 "Assumptions applied"]') == "document"


def test_citations_are_parsed_with_their_locators():
    text = ('A [@walsall-cabinet-2018, App. 1 §3.3 Table 3; see @nhse-ae-sitrep-2017-18, trust RBK] and [@pssru-2013]; '
            'not citations: [0.7, 1.4], `defaults: [/rates/walsall_2017@_here_]`, [a mail@example.org]')
    assert params.citations(text) == [("walsall-cabinet-2018", "App. 1 §3.3 Table 3"),
                                      ("nhse-ae-sitrep-2017-18", "trust RBK"), ("pssru-2013", "")]


def test_bibliography_gives_each_key_its_kind():
    bib = params.bibliography()
    assert bib["walsall-cabinet-2018"] == "document" and bib["black-country-stp-2016"] == "document"
    assert bib["nhse-ae-sitrep-2017-18"] == "public reference"
    assert set(bib.values()) == {"document", "public reference"}


def test_register_shows_the_keys_and_locators_cited():
    register = {(p.file, p.key): p for p in params.register()}
    beds = register[("capacity/walsall.yaml", "acute_beds")]
    assert beds.status == "public reference"
    assert beds.cites == [("express-star-bed-occupancy-2017", ""), ("cqc-rbk02-2017", ""), ("cqc-rbk-2023", "")]
    spend = register[("calibration/walsall_2017.yaml", "spend.acute.value")]
    assert spend.cites == [("walsall-cabinet-2018", 'App. 1 §3.3 Table 3, "Acute Services"')]
    assert not params.unknown_keys(list(register.values()))
    assert "| `acute_beds` | `533` | places | public reference | `express-star-bed-occupancy-2017`" in register_page.markdown(
        [beds])


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
        "\n"
        "# not part of the header: the header is the file's first comment block\n"
        "a: 1   # [@walsall-cabinet-2018, App. 1 §2.5.2]\n"
        "# an NHS figure [@nhse-ae-sitrep-2017-18, England]\n"
        "b: 2\n"
        "group:   # assumption: a group-level reason\n"
        "  c: 3\n"
        "lever:\n"
        "  source: '[@black-country-stp-2016, p. 44]'\n"
        "  d: {e: 4}\n"
        "f: 5\n")
    monkeypatch.setattr(params, "CONFIGS", tmp_path / "configs")
    found = {p.key: p for p in params.register_file(folder / "x.yaml")}
    assert found["a"].status == "document" and found["a"].cites == [("walsall-cabinet-2018", "App. 1 §2.5.2")]
    assert found["b"].status == "public reference"
    assert found["group.c"].source.startswith("assumption: a group-level reason")
    assert found["lever.d"].source == "[@black-country-stp-2016, p. 44]"
    assert found["f"].source == "header: assumption for anything unsourced below"
