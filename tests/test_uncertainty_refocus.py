"""Refocusing waves of history matching: where the emulators leave room, and reading an earlier wave back."""
from __future__ import annotations

import gzip
import json

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
    points, emulators, info = refocus.refocus([(unit, baseline)], targets, 40, candidates=4000, most=4000, seed=1,
                                             names=["a", "b", "c"])
    assert len(points) == 40 and points.shape[1] == 3
    assert np.all(np.abs(points[:, 0] - 0.5) < 0.06)                 # every new draw near the band that meets it
    assert np.ptp(points[:, 1]) > 0.8 and np.ptp(points[:, 2]) > 0.8    # the ranges it does not depend on stay free
    assert 0.04 < info["share_not_ruled_out"] < 0.12
    made = emulators.set_index("target").loc["made"]
    assert made["active_ranges"].split("; ")[0] == "a" and made["cv_r2"] > 0.95
    assert emulators.set_index("target").loc["steady", "share_ruled_out"] == 0.0


def test_a_later_wave_keeps_every_earlier_waves_rule_outs_and_narrows_them():
    # wave 1 rules out x0 far from 0.5 (10 x0 = 5 +- 5%); wave 2, drawn where wave 1 left room, adds a second
    # target on x1 (10 x1 = 3 +- 5%), so the draws after it are near x0 = 0.5 and x1 = 0.3 at once
    rng = np.random.default_rng(0)
    first = sampling.unit_design("lhs", 3, 60, seed=3)
    wave1 = pd.DataFrame({"made": 10 * first[:, 0] + rng.normal(0, 0.02, 60)})
    second, _, _ = refocus.refocus([(first, wave1)], {"made": {"value": 5.0, "kind": "volume"}}, 60, candidates=4000,
                                   most=4000, seed=1)
    wave2 = pd.DataFrame({"made": 10 * second[:, 0] + rng.normal(0, 0.02, 60),
                          "other": 10 * second[:, 1] + rng.normal(0, 0.02, 60)})
    targets = {"made": {"value": 5.0, "kind": "volume"}, "other": {"value": 3.0, "kind": "volume"}}
    points, emulators, info = refocus.refocus([(first, wave1), (second, wave2)], targets, 30, candidates=4000,
                                              most=40000, seed=2, names=["a", "b", "c"])
    assert len(points) == 30 and info["waves"] == 2 and info["draws_fitted"] == 120
    assert np.all(np.abs(points[:, 0] - 0.5) < 0.06) and np.all(np.abs(points[:, 1] - 0.3) < 0.06)
    assert np.ptp(points[:, 2]) > 0.7
    assert info["candidates"] > 4000                         # one batch of candidates left too few: more were tried
    assert set(emulators["wave"]) == {1, 2} and emulators.set_index(["wave", "target"]).loc[(2, "other"), "cv_r2"] > 0.9
    # every candidate wave 2 judged had passed wave 1: none of wave 1's ruled-out region comes back
    assert emulators.set_index(["wave", "target"]).loc[(2, "made"), "share_ruled_out"] < 0.5


def test_a_narrow_waves_emulator_learns_from_the_earlier_waves_runs_too():
    # y = 10 x0^2 plus noise; wave 2's 12 runs lie where x0 is 0.45-0.55, so y moves by 1 there against noise
    # of 0.15: alone they teach an emulator nothing (R^2 below 0), with wave 1's 80 runs across the range it
    # predicts them
    rng = np.random.default_rng(5)
    first = sampling.unit_design("lhs", 3, 80, seed=5)
    second = sampling.unit_design("lhs", 3, 12, seed=6)
    second[:, 0] = 0.45 + 0.1 * second[:, 0]
    waves = [(unit, pd.DataFrame({"made": 10 * unit[:, 0] ** 2 + rng.normal(0, 0.15, len(unit))})) for unit in (first, second)]
    targets = {"made": {"value": 2.5, "kind": "volume"}}
    _, table, _ = refocus.refocus(waves, targets, 10, candidates=2000, most=2000, seed=1)
    _, alone, _ = refocus.refocus(waves[1:], targets, 10, candidates=2000, most=2000, seed=1)
    assert table.set_index("wave").loc[2, "cv_r2"] > 0.5 and alone["cv_r2"].iloc[0] < 0.2
    assert table.set_index("wave").loc[2, "held_out"] == 2              # a fifth of wave 2's own runs, none of wave 1's


def test_an_earlier_waves_emulators_are_read_back_not_fitted_again(tmp_path, monkeypatch):
    # the chain's second refocus fits the first wave's emulators on the same runs as the first refocus did:
    # from the cache they are the same emulators, so the same points, and none is fitted a second time
    unit = sampling.unit_design("lhs", 3, 40, seed=3)
    baseline = pd.DataFrame({"made": 10 * unit[:, 0] + np.random.default_rng(0).normal(0.0, 0.02, 40)})
    targets = {"made": {"value": 5.0, "kind": "volume"}}
    settings = {"candidates": 2000, "most": 2000, "seed": 1, "cache": tmp_path / "emulators"}
    fresh, fresh_table, _ = refocus.refocus([(unit, baseline)], targets, 20, **settings)
    assert len(list((tmp_path / "emulators").glob("*.pkl"))) == 1
    fitted = []
    monkeypatch.setattr(refocus, "_emulate", lambda *args: fitted.append(args) or pytest.fail("fitted again"))
    again, again_table, _ = refocus.refocus([(unit, baseline)], targets, 20, **settings)
    assert not fitted and np.array_equal(fresh, again)
    pd.testing.assert_frame_equal(fresh_table, again_table)
    # other runs, another target or a changed noise are other emulators: fitted, not read back
    monkeypatch.undo()
    refocus.refocus([(unit, baseline * 1.01)], targets, 20, **settings)
    refocus.refocus([(unit, baseline)], {"made": {"value": 5.5, "kind": "volume"}}, 20, **settings)
    refocus.refocus([(unit, baseline)], targets, 20, noise=[pd.Series({"made": 0.1})], **settings)
    assert len(list((tmp_path / "emulators").glob("*.pkl"))) == 4
    assert not list((tmp_path / "emulators").glob("*.tmp"))          # nothing half-written left behind


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
    later = tmp_path / "wave2"
    later.mkdir()
    for table in ("draws.csv", "baseline.csv"):
        (later / table).write_text((tmp_path / table).read_text())
    (later / "manifest.json").write_text(json.dumps({"runs": {"study": {"settings": {"refocus": str(tmp_path)}}}}))
    chain = refocus.load_waves(later, study.resolved)
    assert [folder for folder, _, _ in chain] == [tmp_path, later]        # first wave first, read from the manifest
    (tmp_path / "manifest.json").write_text(json.dumps({"runs": {"study": {"settings": {"refocus": str(later)}}}}))
    with pytest.raises(ConfigError, match="without a loop"):
        refocus.load_waves(later, study.resolved)
    (tmp_path / "manifest.json").unlink()
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


def test_a_draw_the_model_refuses_stops_a_first_wave_before_anything_runs(tmp_path, capsys):
    # the places of a ward drawn from a continuous range: 10.5 places is not a configuration the model can build
    ranges = tmp_path / "ranges.yaml"
    ranges.write_text(yaml.safe_dump({"ranges": {"network.c": {"interval": [8, 12], "source": "assumption: test"}}}))
    code = cli.main(["--draws", "4", "--scenarios", "baseline", "--ranges", str(ranges), "--history-match", "none",
                     "--out", str(tmp_path / "o"), "--no-progress", *MMC])
    err = capsys.readouterr().err
    assert code == 2 and not (tmp_path / "o").exists()
    assert "draw 0 of the design: network.services.ward.capacity: got" in err and "expected a whole number of places" in err
    assert "the model refuses this draw's values" in err


def test_a_refocused_wave_puts_other_points_in_place_of_those_the_model_refuses(tmp_path, monkeypatch):
    study = _mmc_study(tmp_path)
    study.settings.draws, study.settings.refocus = 4, tmp_path
    asked = []

    def refocused(waves, targets, points, **_):                 # every point not ruled out, in order
        asked.append(points)
        return np.linspace(0.1, 0.9, points)[:, None].repeat(2, axis=1), pd.DataFrame(), {"draws_fitted": 10}
    monkeypatch.setattr(refocus, "load_waves", lambda folder, resolved: [(tmp_path, None, None)])
    monkeypatch.setattr(refocus, "wave_noise", lambda folder: pd.Series(dtype=float))
    monkeypatch.setattr(refocus, "refocus", refocused)
    monkeypatch.setattr(study, "refused", lambda values: {1: ConfigError("network.lam", 99.0, "less")})
    points = study.design()
    assert asked == [5]                                          # a quarter more than the draws, to stand in
    np.testing.assert_allclose(points[:, 0], np.linspace(0.1, 0.9, 5)[[0, 2, 3, 4]])
    assert study.refocused["refused"] == {"points": 1, "reasons": ["network.lam: got 99.0; expected less"]}
    assert study.seed_offset == 10


@pytest.mark.parametrize("distribution", ["uniform", "triangular", "normal", "lognormal", "logitnormal"])
def test_every_distribution_gives_back_the_quantile_it_drew(distribution):
    from sim.uncertainty.ranges import Range
    rng = Range("r", ("k",), "set", (0.2, 0.6), distribution)
    u = np.linspace(0.01, 0.99, 25)
    drawn = rng.distribution_for(0.3)
    np.testing.assert_allclose(drawn.cdf(drawn.ppf(u)), u, atol=1e-9)


def _wave(folder, savings, worst, ran=None):
    """A wave folder as the study writes it: draws, paired results and each draw's largest implausibility."""
    folder.mkdir()
    n = len(savings)
    pd.DataFrame({"draw": range(n), "seed": range(n)}).to_csv(folder / "draws.csv", index=False)
    rows = [{"draw": d, "scenario": "uk_comparator vs do_nothing", "year": 2027, "metric": metric, "value": value}
            for d in range(n) for metric, value in (("net_saving_gbp", savings[d]),
                                                     ("ran_away", 0.0 if ran is None else ran[d]))]
    pd.DataFrame(rows).to_csv(folder / "psa.csv", index=False)
    pd.DataFrame({"draw": range(n), "max_implausibility": worst, "weight": 0.0}).to_csv(folder / "history_matching.csv",
                                                                                      index=False)


def test_a_refocused_wave_quotes_the_saving_over_the_plausible_draws_of_every_wave(tmp_path):
    from types import SimpleNamespace

    from sim.uncertainty import report
    _wave(tmp_path / "w1", [10.0, 50.0, 12.0], [2.0, 9.0, 2.5])                 # draws 0 and 2 pass
    _wave(tmp_path / "w2", [14.0, 90.0], [1.0, 1.5], ran=[0.0, 1.0])            # both pass; draw 1 ran away
    psa = tmp_path / "w2" / "psa.csv"                                          # a large wave's table: compressed
    psa.with_name("psa.csv.gz").write_bytes(gzip.compress(psa.read_bytes()))
    psa.unlink()
    earlier, passed, offset = refocus.plausible_draws([tmp_path / "w1", tmp_path / "w2"], threshold=3.0)
    assert offset == 5 and passed.to_dict() == {0: 1.0, 1: 0.0, 2: 1.0, 3: 1.0, 4: 1.0}
    assert sorted(earlier["draw"].unique()) == [0, 1, 2, 3, 4]
    study = SimpleNamespace(refocused={"chain": [str(tmp_path / "w1"), str(tmp_path / "w2")]},
                            settings=SimpleNamespace(threshold=3.0))
    mine = pd.DataFrame([{"draw": 0, "scenario": "uk_comparator vs do_nothing", "year": 2027, "metric": m, "value": v}
                         for m, v in (("net_saving_gbp", 16.0), ("ran_away", 0.0))])
    table = report._plausible_headline(study, mine, pd.DataFrame({"a": [0.5]}))
    row = table.iloc[0]
    assert row["plausible_draws"] == 5 and row["draws"] == 4 and row["waves"] == 3    # the runaway is left out
    assert row["net_saving_p50_gbp"] == pytest.approx(13.0)
    assert row["probability_saving"] == 0.8 and row["probability_ran_away"] == 0.2      # the runaway is an outcome
    assert report._plausible_headline(SimpleNamespace(refocused=None), mine, pd.DataFrame({"a": [0.5]})).empty
