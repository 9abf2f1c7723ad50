"""Refocusing waves of history matching: where the emulators leave room, and reading an earlier wave back."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.common.errors import ConfigError
from sim.uncertainty import cli, refocus, sampling
from sim.uncertainty.study import Settings, Study

MMC = ["network=mmc", "run.horizon_days=60", "run.warmup_days=5"]


def test_the_next_wave_is_drawn_only_where_the_target_can_still_be_met():
    # a target that only the first of three ranges moves: 10 x0 must be 5 +- 5% (sd 0.128), so x0 within ~0.04 of 0.5
    unit = sampling.unit_design("lhs", 3, 60, seed=3)
    noise = np.random.default_rng(0).normal(0.0, 0.02, 60)
    baseline = pd.DataFrame({"made": 10 * unit[:, 0] + noise, "steady": np.zeros(60)})
    targets = {"made": {"value": 5.0, "kind": "volume"}, "steady": {"value": 0.0, "kind": "stationary"}}
    points, emulators, info = refocus.refocus(unit, baseline, targets, 40, candidates=4000, seed=1, names=["a", "b", "c"])
    assert len(points) == 40 and points.shape[1] == 3
    assert np.all(np.abs(points[:, 0] - 0.5) < 0.06)                 # every new draw near the band that meets it
    assert np.ptp(points[:, 1]) > 0.8 and np.ptp(points[:, 2]) > 0.8    # the ranges it does not depend on stay free
    assert 0.04 < info["share_not_ruled_out"] < 0.12
    made = emulators.set_index("target").loc["made"]
    assert made["active_ranges"].split("; ")[0] == "a" and made["cv_r2"] > 0.95
    assert emulators.set_index("target").loc["steady", "share_ruled_out"] == 0.0


def _mmc_study(tmp_path, history_match="none", refocus_from=None) -> Study:
    ranges = tmp_path / "ranges.yaml"
    ranges.write_text(yaml.safe_dump({"ranges": {"network.lam": {"interval": [7.0, 9.0], "source": "assumption: test"},
                                                 "network.mean_los": {"interval": [0.8, 1.2], "source": "assumption: test"}}}))
    return Study(Settings(draws=5, scenarios=["baseline"], ranges=ranges, overrides=MMC, history_match=history_match,
                          progress=False, refocus=refocus_from))


def test_an_earlier_wave_is_read_back_in_the_unit_cube_of_its_design(tmp_path):
    study = _mmc_study(tmp_path)
    unit = study.design()
    values = sampling.values(study.resolved, unit)
    pd.concat([pd.DataFrame({"draw": range(5), "seed": range(5)}), values], axis=1).to_csv(tmp_path / "draws.csv", index=False)
    pd.DataFrame({"draw": range(5), "year": 2017, "metric": "ward.occupancy_mean", "value": np.arange(5.0)}).to_csv(
        tmp_path / "baseline.csv", index=False)
    found, baseline = refocus.load_wave(tmp_path, study.resolved)
    np.testing.assert_allclose(found, unit, atol=1e-9)
    assert baseline["ward.occupancy_mean"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    values.drop(columns="network.lam").assign(draw=range(5), seed=0).to_csv(tmp_path / "draws.csv", index=False)
    with pytest.raises(ConfigError, match=r"--refocus.*same ranges"):
        refocus.load_wave(tmp_path, study.resolved)
    (tmp_path / "baseline.csv").unlink()
    with pytest.raises(ConfigError, match=r"--refocus.*no baseline\.csv"):
        refocus.load_wave(tmp_path, study.resolved)


def test_refocusing_without_history_matching_is_refused_before_anything_runs(tmp_path, capsys):
    code = cli.main(["--draws", "4", "--scenarios", "baseline", "--refocus", str(tmp_path), "--out", str(tmp_path / "o"),
                     "--no-progress", *MMC])
    assert code == 2
    assert "--refocus" in capsys.readouterr().err and not (tmp_path / "o").exists()


@pytest.mark.parametrize("distribution", ["uniform", "triangular", "normal", "lognormal", "logitnormal"])
def test_every_distribution_gives_back_the_quantile_it_drew(distribution):
    from sim.uncertainty.ranges import Range
    rng = Range("r", ("k",), "set", (0.2, 0.6), distribution)
    u = np.linspace(0.01, 0.99, 25)
    drawn = rng.distribution_for(0.3)
    np.testing.assert_allclose(drawn.cdf(drawn.ppf(u)), u, atol=1e-9)
