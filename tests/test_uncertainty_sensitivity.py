"""Sensitivity, emulator, history matching and variance split against known answers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.uncertainty import emulator, history, sampling, sensitivity, variance


def _ishigami_on_unit(unit):
    return sensitivity.ishigami(-np.pi + 2 * np.pi * unit)


def test_sobol_indices_of_the_ishigami_function_are_reproduced():
    unit = sampling.unit_design("saltelli", 3, 4096, seed=1)
    found = sensitivity.sobol(["x1", "x2", "x3"], _ishigami_on_unit(unit), "ishigami", seed=1)
    exact = sensitivity.ishigami_indices()
    for index in ("S1", "ST"):
        rows = found[found["index"] == index].set_index("parameter").loc[["x1", "x2", "x3"]]
        assert np.allclose(rows["value"], exact[index], atol=0.04), (index, rows["value"].tolist())
        assert ((rows["ci_low"] <= exact[index] + 0.02) & (exact[index] - 0.02 <= rows["ci_high"])).all()


def test_the_emulator_reproduces_the_indices_of_a_simple_function_at_small_scale():
    """The default tier's check of the emulator (the Ishigami one below is the slow tier's): y = 3 x1 + x2 on
    40 points, exact indices S1 = ST = (0.9, 0.1, 0)."""
    unit = sampling.unit_design("lhs", 3, 40, seed=2)
    y = 3 * unit[:, 0] + unit[:, 1]
    r2, _ = emulator.cross_validate(unit, y, log=False)
    assert r2 > 0.99
    fitted = emulator.Emulator(seed=0, log=False).fit(unit, y)
    found = emulator.sobol_indices(fitted, ["x1", "x2", "x3"], "linear", n=256)
    for index in ("S1", "ST"):
        rows = found[found["index"] == index].set_index("parameter").loc[["x1", "x2", "x3"]]
        assert np.allclose(rows["value"], [0.9, 0.1, 0.0], atol=0.05), (index, rows["value"].tolist())


@pytest.mark.slow           # about 4 minutes: Gaussian processes fitted to 300 points, six times over
def test_the_emulator_reproduces_the_direct_indices_and_says_how_good_it_is():
    unit = sampling.unit_design("lhs", 3, 300, seed=2)
    y = _ishigami_on_unit(unit)
    r2, _ = emulator.cross_validate(unit, y)
    assert r2 > 0.9
    fitted = emulator.Emulator(seed=0).fit(unit, y)
    found = emulator.sobol_indices(fitted, ["x1", "x2", "x3"], "ishigami", n=2048)
    exact = sensitivity.ishigami_indices()
    for index in ("S1", "ST"):
        rows = found[found["index"] == index].set_index("parameter").loc[["x1", "x2", "x3"]]
        assert np.allclose(rows["value"], exact[index], atol=0.1), (index, rows["value"].tolist())


def test_morris_screening_ranks_the_influential_input_first():
    unit = sampling.unit_design("morris", 3, 20, seed=3)
    assert unit.min() == pytest.approx(0.1) and unit.max() == pytest.approx(0.9)   # each range's 80% interval
    y = 10 * unit[:, 0] + 1 * unit[:, 1] + 0 * unit[:, 2]
    found = sensitivity.morris(["big", "small", "none"], unit, y, "linear")
    mu = found[found["index"] == "mu_star"].set_index("parameter")["value"]
    # a step of the grid moves each range by 0.8 of what it would over the whole unit interval: every effect alike
    assert mu["big"] == pytest.approx(8, rel=1e-4) and mu["small"] == pytest.approx(0.8, rel=1e-4) and mu["none"] == 0


def test_a_range_is_ranked_only_where_it_moves_the_result_more_than_a_change_of_seed():
    unit = sampling.with_chance(sampling.unit_design("morris", 3, 20, seed=3), 3)
    assert unit.shape == (20 * 5, 4)
    trajectories = unit.reshape(20, 5, 4)
    assert (trajectories[:, :4, 3] == 0.1).all() and (trajectories[:, 4, 3] == 0.9).all()   # chance steps last
    assert (trajectories[:, 4, :3] == trajectories[:, 3, :3]).all()                        # at the last point again
    # the seed moves the result by 3 at the chance step; "big" by 10 and "small" by 1 over the unit interval
    y = 10 * unit[:, 0] + 1 * unit[:, 1] + 3 * (unit[:, 3] > 0.5)
    found = sensitivity.morris(["big", "small", "none", sampling.CHANCE], unit, y, "linear")
    kept, chance = sensitivity.above_chance(found)
    assert chance == pytest.approx(3 / (4 / 6), rel=1e-6)          # SALib divides by the grid's step, 4/6 of the interval
    assert kept["parameter"].tolist() == ["big"]
    without, none = sensitivity.above_chance(found[found["parameter"] != sampling.CHANCE])
    assert none is None and without["parameter"].tolist() == ["big", "small", "none"]     # no floor: all, largest first


def test_the_variance_split_recovers_known_parameter_and_stochastic_variances():
    rng = np.random.default_rng(4)
    draws, reps = 400, 5
    effect = rng.normal(0, 2.0, draws)                      # parameter variance 4
    noise = rng.normal(0, 1.0, (draws, reps))               # stochastic variance 1
    frame = pd.DataFrame({"draw": np.repeat(range(draws), reps), "replication": np.tile(range(reps), draws),
                          "value": (effect[:, None] + noise).ravel()})
    anova = variance.split(frame)
    assert anova["var_parameter"] == pytest.approx(4.0, rel=0.15)
    assert anova["var_stochastic"] == pytest.approx(1.0, rel=0.1)
    assert anova["share_parameter"] == pytest.approx(0.8, abs=0.04)
    single = variance.split(frame[frame["replication"] == 0], noise_var=1.0)
    assert single["share_parameter"] == pytest.approx(0.8, abs=0.06)
    assert "law of total variance" in single["method"] and "ANOVA" in anova["method"]


def test_implausibility_counts_replication_noise_and_the_targets_tolerance():
    targets = {"acute_delayed_bed_days": {"value": 4522, "kind": "volume"},
               "ae_4h_pct": {"value": 70.0, "kind": "rate"},
               "queue_growth_ic_bed": {"value": 0, "kind": "stationary"}}
    means = pd.DataFrame({"acute_delayed_bed_days": [4522 + 2200, 4522 + 9000], "ae_4h_pct": [71.0, 70.0],
                          "queue_growth_ic_bed": [-30.0, 0.0]}, index=[0, 1])
    noise = pd.Series({"acute_delayed_bed_days": 2200.0 ** 2, "ae_4h_pct": 1.0, "queue_growth_ic_bed": 4.0})
    found = history.implausibility(means, noise, 1, targets)
    sd = np.sqrt(2200.0 ** 2 + (0.05 * 4522 / 1.96) ** 2)
    assert found.loc[0, "acute_delayed_bed_days"] == pytest.approx(2200 / sd)      # one noise sd: plausible
    assert found.loc[0, "queue_growth_ic_bed"] == 0                                 # a shrinking list is no misfit
    kept = history.weights(found, "reject")
    assert kept.tolist() == [1.0, 0.0]
    weighted = history.weights(found, "weight")
    assert weighted.sum() == pytest.approx(1.0) and weighted[0] > weighted[1] > 0


def test_a_target_with_its_own_tolerance_is_judged_by_it_as_the_calibration_judges_it():
    # the P0 discharge share is a planning assumption (+-45 points), intermediate care waits one survey (+-50%)
    targets = {"discharges_p0_pct": {"value": 50.0, "kind": "rate", "tolerance": 45.0},
               "ic_home.wait_mean": {"value": 6.3, "kind": "volume", "tolerance": 0.5},
               "ae_4h_pct": {"value": 70.0, "kind": "rate"}}
    means = pd.DataFrame({"discharges_p0_pct": [89.7], "ic_home.wait_mean": [1.9], "ae_4h_pct": [73.0]})
    found = history.implausibility(means, pd.Series(dtype=float), 1, targets)
    assert found.loc[0, "discharges_p0_pct"] == pytest.approx(39.7 / (45.0 / 1.96))
    assert found.loc[0, "ic_home.wait_mean"] == pytest.approx(4.4 / (0.5 * 6.3 / 1.96))
    assert found.loc[0, "ae_4h_pct"] == pytest.approx(3.0 / (3.0 / 1.96))         # no tolerance of its own: its kind's


def test_how_many_draws_a_discrepancy_or_a_looser_criterion_would_keep_is_counted():
    # three targets of 100 (sd 5% / 1.96 = 2.55 with no noise); draw 0 misses one target by 20, draw 1 two by 20,
    # draw 2 fits: with no discrepancy only draw 2 passes; 10% (sd 10) lets 20 pass (I = 1.86); the second-largest
    # implausibility forgives draw 0's single miss, the third draw 1's two
    targets = {name: {"value": 100.0, "kind": "volume"} for name in ("a", "b", "c")}
    means = pd.DataFrame({"a": [120.0, 120.0, 100.0], "b": [100.0, 120.0, 101.0], "c": [100.0, 100.0, 99.0]})
    table = history.kept_by_discrepancy(means, pd.Series(dtype=float), 1, targets, discrepancies=(0.0, 0.1))
    kept = table.set_index(["discrepancy", "criterion"])["kept"]
    assert kept[(0.0, "largest")] == 1 and kept[(0.0, "second_largest")] == 2 and kept[(0.0, "third_largest")] == 3
    assert kept[(0.1, "largest")] == 3
    assert set(table["draws"]) == {3}


def test_a_positive_right_skewed_result_is_emulated_on_its_logarithm():
    unit = sampling.unit_design("lhs", 4, 120, seed=2)
    saving = np.exp(3 * unit[:, 0] + 2 * unit[:, 1])                 # prices times volumes: multiplicative
    assert emulator.log_scale(saving) and not emulator.log_scale(saving - saving.mean())
    r2, predicted = emulator.cross_validate(unit, saving)
    assert r2 > 0.95 and np.all(predicted > 0)
    fitted = emulator.Emulator().fit(unit, saving)
    assert fitted.scale == "log" and np.allclose(fitted.predict(unit[:5]), saving[:5], rtol=0.05)
