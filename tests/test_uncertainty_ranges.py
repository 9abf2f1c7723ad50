"""Ranges: the file format, its checks, the default file against the register, draws written into a config."""
from __future__ import annotations

import numpy as np
import pytest
import yaml

from sim.common.errors import ConfigError
from sim.inputs.config import compose
from sim.uncertainty import apply, ranges, register
from sim.uncertainty.study import Settings, Study


def _ranges(tmp_path, spec: dict, unranged: dict | None = None) -> ranges.RangeSet:
    path = tmp_path / "ranges.yaml"
    path.write_text(yaml.safe_dump({"ranges": spec, **({"unranged": unranged} if unranged else {})}, sort_keys=False))
    return ranges.load(path)


def _plain(*overrides):
    from omegaconf import OmegaConf
    data = OmegaConf.to_container(compose(list(overrides)), resolve=False)
    data.pop("hydra", None)
    return data


def test_the_default_file_loads_and_gives_every_uncertain_input_a_range():
    default = ranges.load()
    assert len(default) >= 40
    assert register.coverage(default) == [], "inputs with no range and no reason: add a range or an unranged reason"
    assert register.unused(default) == [], "ranges whose keys match no parameter of the configs"


def test_every_default_range_cites_a_source_or_says_it_is_an_assumption():
    from sim.inputs import params
    for rng in ranges.load().ranges:
        assert params.status_of(rng.source) != "unsourced", rng.name


def test_an_interval_is_the_10th_to_90th_percentile(tmp_path):
    rs = _ranges(tmp_path, {"g": {"keys": ["network.lam"], "interval": [0.8, 1.25]},
                            "network.mean_los": {"interval": [0.5, 1.5], "distribution": "normal"},
                            "network.los_cv": {"distribution": {"name": "triangular", "low": 0.5, "mode": 1.0, "high": 2.0}}})
    multiplier, normal, triangular = rs.ranges
    assert multiplier.apply == "multiply" and normal.apply == "set"
    assert np.allclose(multiplier.distribution_for(1.0).quantiles(0.1, 0.9), [0.8, 1.25])
    assert np.allclose(normal.distribution_for(1.0).quantiles(0.1, 0.5, 0.9), [0.5, 1.0, 1.5])
    assert triangular.distribution_for(1.0).quantiles(0.0, 1.0) == pytest.approx([0.5, 2.0])


@pytest.mark.parametrize("spec, where", [
    ({"g": {"keys": ["network.lam"], "interval": [1.1, 1.3]}}, "ranges.g.interval"),            # excludes 1
    ({"g": {"keys": ["network.lam"], "interval": [1.3, 1.1]}}, "ranges.g.interval"),            # low > high
    ({"capacity.acute_beds": {"interval": [500, 600]}}, "ranges.capacity.acute_beds.keys"),   # a decision
    ({"f": {"keys": ["place.calibration.parameters.utc_rate.factor"], "interval": [0.9, 1.1]}}, "ranges.f.keys"),
    ({"g": {"keys": ["network.lam"], "intervall": [0.9, 1.1]}}, "ranges.g.intervall"),          # misspelt
    ({"g": {"keys": ["network.lam"], "distribution": {"name": "gamma", "k": 2}}}, "ranges.g.distribution.name"),
    ({"g": {"keys": ["network.lam"], "distribution": {"name": "normal", "mean": 5, "sd": 1}}}, "ranges.g.distribution"),
])
def test_a_bad_range_is_refused_naming_its_key(tmp_path, spec, where):
    with pytest.raises(ConfigError) as error:
        _ranges(tmp_path, spec)
    assert where in str(error.value)


def test_a_key_that_no_longer_exists_is_refused_by_name(tmp_path):
    rs = _ranges(tmp_path, {"network.lam": {"interval": [8, 10]}, "old": {"keys": ["network.services.ward.los.meen"],
                                                                         "interval": [0.9, 1.1]}})
    with pytest.raises(ConfigError) as error:
        apply.resolve(rs, {"baseline": _plain("network=mmc")})
    assert "ranges.old.keys: got 'network.services.ward.los.meen'" in str(error.value)
    assert "network.lam" not in str(error.value)


def test_a_set_range_must_contain_the_central_value(tmp_path):
    rs = _ranges(tmp_path, {"network.lam": {"interval": [10, 12]}})
    with pytest.raises(ConfigError, match=r"ranges.network.lam.interval.*central value 9"):
        apply.resolve(rs, {"baseline": _plain("network=mmc")})


def test_a_lever_range_is_kept_when_its_scenario_is_not_being_run():
    base = {"do_nothing": _plain("scenario=do_nothing", "run.year=2027")}
    resolved = apply.resolve(ranges.load(), base, register.scenario_keys())
    assert resolved.matches["do_nothing"].get("hub_diversion") is None
    assert len(resolved.keys("acute_los_by_age")) == 5


def test_probability_tables_are_renormalised_and_stay_tables(tmp_path):
    rs = _ranges(tmp_path, {"p3": {"keys": ["network.services.ic_bed.next.care_home", "network.services.ic_home.next.care_home"],
                                   "interval": [0.5, 2.0]}})
    resolved = apply.resolve(rs, {"baseline": _plain()})
    cfg, changed = apply.apply(resolved, "baseline", {"p3": 2.0}, draw=0)
    row = cfg["network"]["services"]["ic_bed"]["next"]
    assert sum(row.values()) == pytest.approx(1.0)
    assert row["care_home"] == pytest.approx(0.24 / 1.12)
    assert row["home"] == pytest.approx(0.55 / 1.12)
    assert "network.services.ic_bed.next.home" in changed


def test_a_draw_that_breaks_a_probability_table_is_refused_naming_the_draw_and_key(tmp_path):
    rs = _ranges(tmp_path, {"network.services.ic_bed.next.death": {"interval": [0.01, 0.1], "distribution": "uniform"}})
    resolved = apply.resolve(rs, {"baseline": _plain()})
    with pytest.raises(ConfigError, match=r"draw 7: network.services.ic_bed.next.death: got 1.2"):
        apply.apply(resolved, "baseline", {"network.services.ic_bed.next.death": 1.2}, draw=7)


def test_odds_keep_a_share_below_one(tmp_path):
    rs = _ranges(tmp_path, {"shift": {"keys": ["scenario.levers.rapid_response_step_up.effects.*.shift.share"],
                                      "apply": "odds", "interval": [0.67, 1.5]}})
    resolved = apply.resolve(rs, {"uk": _plain("scenario=uk_comparator")})
    cfg, _ = apply.apply(resolved, "uk", {"shift": 5.0}, draw=0)
    shares = [e["shift"]["share"] for e in cfg["scenario"]["levers"]["rapid_response_step_up"]["effects"] if "shift" in e]
    assert all(0 < s < 1 for s in shares)
    assert shares[2] == pytest.approx(5 * 0.5 / (1 - 0.5 + 5 * 0.5))


def test_a_draw_reaches_the_streams_that_interpolate_it(tmp_path):
    rs = _ranges(tmp_path, {"walk_in": {"keys": ["place.demand.ae_walk_in.*"], "interval": [0.8, 1.25]}})
    resolved = apply.resolve(rs, {"baseline": _plain()})
    cfg, _ = apply.apply(resolved, "baseline", {"walk_in": 1.1}, draw=0)
    rates = apply.to_config(cfg)["network"]["streams"]["ae_walk_in"]["rate_per_1000"]
    assert rates["age_85_plus"] == pytest.approx(234.9 * 1.1)


def test_every_walsall_draw_is_checked_before_any_run():
    study = Study(Settings(draws=8, scenarios=["do_nothing", "uk_comparator"], overrides=["run.year=2027"],
                           history_match="reject", progress=False))
    from sim.uncertainty import sampling
    values = sampling.values(study.resolved, study.design())
    centre, drawn = study.jobs(values)
    assert len(drawn) == 8 * 4 and len(centre) == 4          # two scenarios, the 2017/18 baseline, the 2018/19 learning year
    assert {j.config["run"]["seed"] for j in drawn if j.draw == 5} == {2017 + 5}
    assert {j.config["run"]["year"] for j in drawn if j.scenario == "calibration_baseline"} == {2017}
    assert {j.config["capacity_policy"]["name"] for j in drawn if j.scenario == "hindcast_learning_2018"} == {"fixed"}


def test_draws_at_the_far_ends_of_every_default_range_give_a_valid_job():
    """Every range at its 0.5th and then its 99.5th percentile at once, beyond the 80% interval: each job still
    passes the checks a run makes (a multiplier that takes a stay factor below 1 would stop a study mid-way)."""
    from sim.jobs import runner
    from sim.uncertainty import sampling
    study = Study(Settings(draws=2, scenarios=["do_nothing"], overrides=["run.year=2027"], progress=False))
    unit = np.array([[0.005] * len(study.names), [0.995] * len(study.names)])
    _, drawn = study.jobs(sampling.values(study.resolved, unit))
    assert len(drawn) == 2 * len(study.labels())
    for job in drawn:
        runner.check(job.config)
