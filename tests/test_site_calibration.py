"""Each acute site's own calibration factors (sim.inputs.site_calibration) and the fit to each site's published
figures (sim.studies.calibrate_sites): a site's factor moves only its own patients, bad input is refused."""
from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml

from sim.common.errors import ConfigError
from sim.engine.population import Population
from sim.inputs import site_calibration
from sim.inputs.config import load
from sim.jobs import runner
from sim.studies import calibrate, calibrate_sites

WALK_IN = ("network", "services", "ae", "next", "values", "walk_in")


def _with_factors(cfg: dict, parameter: str, factors: dict) -> dict:
    cfg = copy.deepcopy(cfg)
    cfg["place"]["site_calibration"]["parameters"][parameter]["factors"] = factors
    return cfg


def _at(cfg: dict, keys) -> dict:
    for key in keys:
        cfg = cfg[key]
    return cfg


@pytest.fixture(scope="module")
def black_country() -> dict:
    return load(["place=black_country"])


def test_a_site_factor_scales_only_that_sites_copy(black_country):
    ones = _with_factors(black_country, "ed_conversion", {"new_cross": 1.0})
    before = _at(site_calibration.apply(ones), WALK_IN)
    after = _at(site_calibration.apply(_with_factors(black_country, "ed_conversion", {"new_cross": 0.5})), WALK_IN)
    assert after["by"] == "site" and after["values"]["default"] == before
    for band, row in before["values"].items():
        own = after["values"]["new_cross"]["values"][band]
        assert own["acute"] == pytest.approx(0.5 * row["acute"])
        assert own["acute"] + own["home"] == pytest.approx(row["acute"] + row["home"])


def test_factors_of_one_leave_the_configuration_as_it_was(black_country):
    cfg = _with_factors(black_country, "ed_conversion", {"manor": 1.0, "new_cross": 1.0})
    cfg = _with_factors(cfg, "ae_process_time", {"manor": 1.0})
    assert site_calibration.apply(cfg) == cfg


def test_a_factor_that_is_not_a_positive_number_is_refused_by_its_key(black_country):
    with pytest.raises(ConfigError, match=r"place\.site_calibration\.parameters\.ed_conversion\.factors\.new_cross"):
        site_calibration.apply(_with_factors(black_country, "ed_conversion", {"new_cross": -1}))


def test_a_sites_conversion_moves_its_own_admissions_not_the_others(black_country):
    """Same arrivals, one site's conversion halved: its share admitted falls by nearly half (patients arriving in other
    ways, returns among them, keep theirs), Walsall Manor's holds."""
    short = ["place=black_country", "run.horizon_days=40", "run.warmup_days=10", "run.replications=1", "run.n_jobs=1"]
    cfg = load(short)
    sites = ["manor", "new_cross", "russells_hall", "midland_metropolitan"]
    ones = dict.fromkeys(sites, 1.0)
    shares = {}
    for label, factors in (("as fitted", ones), ("halved", {**ones, "new_cross": 0.5})):
        for parameter in ("ed_conversion", "ae_process_time"):
            cfg = _with_factors(cfg, parameter, factors if parameter == "ed_conversion" else ones)
        figures = calibrate_sites.SiteFigures(runner.run(cfg, progress=False), sites)
        shares[label] = {site: figures.mean(site, calibrate_sites.ADMITTED) for site in sites}
    assert 0.45 < shares["halved"]["new_cross"] / shares["as fitted"]["new_cross"] < 0.7
    assert shares["halved"]["manor"] == pytest.approx(shares["as fitted"]["manor"], rel=0.05)


def test_the_share_admitted_is_derived_from_the_published_pair():
    rows = calibrate_sites.published("black_country", 2017)
    table = calibrate_sites.targets(rows).set_index(["site", "measure"])
    assert table.loc[("new_cross", calibrate_sites.ADMITTED), "value"] == pytest.approx(100 * 30735 / 133328)
    assert table.loc[("new_cross", calibrate_sites.ADMITTED), "tolerance"] == 0.05


def test_published_rows_are_checked(tmp_path, monkeypatch):
    (tmp_path / "published.csv").write_text(
        "site,trust,place,measure,year,value,kind,tolerance,source\n"
        "manor,RBK,walsall,type1_attendances,2017,76190,roughly,0.05,\"[@nhse-ae-sitrep-2017-18, trust RBK]\"\n")
    monkeypatch.setattr(calibrate_sites, "place_folder", lambda place: tmp_path)
    with pytest.raises(ConfigError, match=r"published\.csv row 2 kind"):
        calibrate_sites.published("black_country", 2017)
    with pytest.raises(ConfigError, match="base year"):
        calibrate_sites.published("black_country", 2023)


def test_a_place_without_site_calibration_is_refused_and_nothing_is_written(tmp_path, capsys):
    assert calibrate.main(["--place", "dudley", "--out", str(tmp_path / "out")]) == 2
    assert "site calibration" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_fitted_factors_are_written_in_place_keeping_the_comments(tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_text("parameters:\n  ed_conversion:\n    # why\n    factors: {manor: 1.0, new_cross: 1.0}   # fitted\n")
    calibrate_sites.write_factors({"ed_conversion": {"manor": 1.0, "new_cross": 0.71234}}, path)
    assert path.read_text() == ("parameters:\n  ed_conversion:\n    # why\n"
                                "    factors: {manor: 1.0000, new_cross: 0.7123}   # fitted\n")


def test_the_report_marks_a_factor_held_at_its_bound():
    spec = {"parameters": {"ed_conversion": {"target": "ae_admissions", "bounds": [0.5, 1.5], "factors": {"a": 0.5}}}}
    table = pd.DataFrame([{"site": "a", "trust": "A", "measure": calibrate_sites.ADMITTED, "value": 20.0,
                           "kind": "volume", "tolerance": 0.05, "source": "derived"}])

    class Figures:
        def values(self, site, measure):
            return pd.Series([30.0, 31.0, 29.0]).to_numpy()

    row = calibrate_sites.report(Figures(), table, spec).iloc[0]
    assert row["fitted_by"] == "ed_conversion" and not row["met"] and row["at_bound"]


@pytest.mark.parametrize("place", ["black_country", "wirral", "walsall_2023"])
def test_every_site_calibration_names_its_sites_and_a_published_target_for_each(place):
    """Each site's factor has the site's published figure for the file's base year to be fitted to."""
    cfg = load([f"place={place}"])
    spec = yaml.safe_load(calibrate_sites.site_calibration_file(place).read_text())
    assert cfg["place"]["site_calibration"]["year"] == spec["year"]
    table = calibrate_sites.targets(calibrate_sites.published(spec.get("figures_of", place), spec["year"]))
    sites = set(Population(cfg["place"]).parts("site"))
    for name in spec["parameters"]:
        measure = calibrate_sites.fitted_measure(spec, name)
        assert set(spec["parameters"][name]["factors"]) == sites
        assert set(table.loc[table["measure"] == measure, "site"]) == sites


def test_walsall_at_a_later_base_year_keeps_the_2017_calibration_and_places_but_its_beds():
    cfg, walsall = load(["place=walsall_2023"]), load(["place=walsall"])
    assert cfg["place"]["calibration"] == walsall["place"]["calibration"]
    assert cfg["place"]["site_calibration"]["year"] == 2023
    assert cfg["capacity"]["acute_beds"] == 583                       # the beds as published (test_published_places)
    assert {k: v for k, v in cfg["capacity"].items() if k != "acute_beds"} == \
        {k: v for k, v in walsall["capacity"].items() if k != "acute_beds"}


class _Figures:
    """What evaluate() returns, for a model whose share admitted is 30 x the conversion factor."""

    def __init__(self, factor):
        self.factor = factor

    def mean(self, site, measure):
        return 30.0 * self.factor


def test_the_fit_steps_back_from_factors_the_model_refuses(monkeypatch):
    """Past a conversion factor of 1.3 a month's probability would pass 1: the model refuses it, and the fit
    keeps to the factors it takes, reporting the target it cannot reach rather than failing."""
    def evaluate(cfg, factors, replications, sites):
        factor = factors["ed_conversion"]["manor"]
        if factor > 1.3:
            raise ConfigError("network.services.ae.seasonality.months.jan", factor, "a factor that keeps 'acute' in [0, 1]")
        return _Figures(factor)

    monkeypatch.setattr(calibrate_sites, "evaluate", evaluate)
    spec = {"parameters": {"ed_conversion": {"target": "ae_admissions", "bounds": [0.5, 1.5], "factors": {"manor": 1.0}}}}
    table = pd.DataFrame([{"site": "manor", "measure": calibrate_sites.ADMITTED, "value": 45.0, "kind": "volume",
                           "tolerance": 0.05}])
    factors = calibrate_sites.fit({}, spec, table, ["manor"], replications=1, rounds=5, log=lambda *_: None)
    assert 1.0 < factors["ed_conversion"]["manor"] <= 1.3          # as far as the model goes, not the 1.5 it needs
