"""Each draw's demand-led places are sized for that draw, so no draw waits for places the policy would open."""
from __future__ import annotations

import pandas as pd
import pytest

from sim.common.errors import ConfigError
from sim.inputs import capacity_policy
from sim.inputs.config import load
from sim.uncertainty import places, runs, study

PSA = ["run.year=2027", "capacity_policy=demand_led", "capacity_policy.levers_checked=false"]
ROW = {"base_places": 533, "base_load": 548.0, "load": 561.2, "scheme_places": 10, "places": 536}


def test_a_scale_sizes_the_tables_need_for_the_draws_load():
    assert capacity_policy.scaled_places(ROW, 1.2) == round(533 * 561.2 * 1.2 / 548.0 - 10)
    assert capacity_policy.scaled_places({**ROW, "scheme_places": 900}, 1.2) == 0        # the scheme's places cover it
    cfg = load([*PSA, "+capacity_policy.scale={acute: 1.5}"])
    scaled = capacity_policy.apply(cfg)["network"]["services"]["acute"]["capacity"]
    central = capacity_policy.apply(load(PSA))["network"]["services"]["acute"]["capacity"]
    assert scaled > 1.4 * central                                                       # the need grew by half


@pytest.mark.parametrize("scale", ["{acute: 0}", "{acute: -1}", "{acute: many}", "[1, 2]"])
def test_a_bad_scale_is_refused_naming_its_key(scale):
    with pytest.raises(ConfigError, match=r"capacity_policy\.scale"):
        capacity_policy.apply(load([*PSA, f"+capacity_policy.scale={scale}"]))


def test_the_unconstrained_run_has_generous_places_and_starts_at_the_base_occupancy():
    cfg = load([*PSA, "scenario=do_nothing"])
    rows = places.table_rows(cfg, 2027)
    generous = places.unconstrained(cfg, rows)
    services = generous["network"]["services"]
    assert services["acute"]["capacity"] == places.GENEROUS * 533
    assert services["ihct"]["capacity"] == dict.fromkeys(("east", "north", "south", "west"), places.GENEROUS * 150)
    assert services["care_home"]["initial"]["occupancy"] == round(0.97 * 1150)
    assert generous["capacity_policy"]["table"] is None and generous["run"]["warmup_days"] == places.WARMUP_DAYS
    assert cfg["network"]["services"]["acute"]["capacity"] != services["acute"]["capacity"]   # a copy, not the original


def test_the_factor_is_the_draws_load_over_the_central_load():
    central = {("acute", ""): 500.0, ("ihct", "east"): 100.0, ("spa", ""): 0.0}
    draw = {("acute", ""): 600.0, ("ihct", "east"): 90.0, ("spa", ""): 0.3}
    assert places.factors(draw, central) == {"acute": 1.2, "ihct.east": 0.9, "spa": 1.0}


@pytest.mark.slow   # a Walsall year run four times, two of them with a two-year warm-up: about a minute alone
def test_a_draw_with_more_bed_need_gets_the_beds_the_policy_would_open_and_does_not_wait_for_them(tmp_path):
    ranges = tmp_path / "ranges.yaml"
    ranges.write_text("ranges:\n  acute_stays:\n    keys: [network.services.acute.los.values.default.components.overnight"
                      ".values.*.mean]\n    interval: [0.87, 1.15]\n    source: \"assumption: a test\"\n")
    settings = study.Settings(draws=1, scenarios=["do_nothing"], ranges=ranges, history_match="none", noise_replications=1,
                              overrides=[*PSA, f"run.cache_dir={tmp_path / 'cache'}"], n_jobs=1, progress=False)
    the_study = study.Study(settings)
    values = pd.DataFrame({"acute_stays": [1.5]})                       # half as long again: far more bed need
    scale, sized = the_study.size_places(values, runs.RunStats())
    acute = sized[sized["service"] == "acute"].iloc[0]
    assert acute["factor"] > 1.3 and acute["places"] > 1.3 * acute["table_places"]
    _, with_own = the_study.jobs(values, scale)
    _, with_central = the_study.jobs(values)
    own, centrals = runs.run_jobs(with_own, progress=False), runs.run_jobs(with_central, progress=False)
    flags = own[own["metric"].str.startswith("unstable_")]
    assert flags["value"].sum() == 0                                     # nothing ran away on its own places

    def queue(frame):
        return float(frame.loc[frame["metric"] == "acute.queue_mean", "value"].iloc[0])
    assert queue(own) < 0.1 < queue(centrals)                            # the central table's beds left patients waiting
