"""Duration distributions: means, shapes, units, residual (stationary excess) draws."""
from __future__ import annotations

import numpy as np
import pytest

from sim.common.errors import ConfigError
from sim.engine import distributions
from sim.engine.patient import Patient
from sim.engine.randomness import RandomSource

N = 60_000


def draws(spec, residual=False, patient=None):
    d = distributions.build(spec, RandomSource(7, 0, "test"), "d")
    f = d.residual if residual else d.draw
    return np.array([f(patient) for _ in range(N)])


@pytest.mark.parametrize("spec, mean", [
    ({"dist": "exponential", "mean": 3.0}, 3.0),
    ({"dist": "lognormal", "mean": 5.0, "cv": 1.3}, 5.0),
    ({"dist": "gamma", "mean": 2.0, "cv": 0.5}, 2.0),
    ({"dist": "uniform", "low": 1.0, "high": 3.0}, 2.0),
    ({"dist": "fixed", "value": 4.0}, 4.0),
    ({"dist": "lognormal", "mean": 6.0, "cv": 0.8, "unit": "hours"}, 0.25),
])
def test_mean(spec, mean):
    x = draws(spec)
    assert x.mean() == pytest.approx(mean, rel=0.03)


def test_lognormal_coefficient_of_variation():
    x = draws({"dist": "lognormal", "mean": 5.0, "cv": 0.8})
    assert x.std() / x.mean() == pytest.approx(0.8, rel=0.05)


def test_mean_cv_is_exponential_exactly_at_cv_one():
    d = distributions.build({"dist": "mean_cv", "mean": 2.0, "cv": 1.0}, RandomSource(1, 0, "x"), "d")
    assert isinstance(d, distributions.Exponential)
    d = distributions.build({"dist": "mean_cv", "mean": 2.0, "cv": 0.5}, RandomSource(1, 0, "x"), "d")
    assert isinstance(d, distributions.Lognormal)


@pytest.mark.parametrize("spec, ex, ex2", [
    ({"dist": "exponential", "mean": 3.0}, 3.0, 18.0),
    ({"dist": "lognormal", "mean": 2.0, "cv": 1.2}, 2.0, 4.0 * (1 + 1.44)),
    ({"dist": "gamma", "mean": 2.0, "cv": 0.5}, 2.0, 4.0 * 1.25),
    ({"dist": "uniform", "low": 1.0, "high": 3.0}, 2.0, (27 - 1) / 6),
    ({"dist": "fixed", "value": 4.0}, 4.0, 16.0),
])
def test_residual_has_the_stationary_excess_mean(spec, ex, ex2):
    """Time still to go for someone found in service: E[L^2] / (2 E[L])."""
    x = draws(spec, residual=True)
    assert x.mean() == pytest.approx(ex2 / (2 * ex), rel=0.04)


def test_by_attribute_with_default():
    spec = {"dist": "fixed", "by": "age_band", "values": {"age_85_plus": {"value": 9.0}, "default": {"value": 1.0}}}
    labels = {"age_band": ["age_0_17", "age_85_plus"]}
    d = distributions.build(spec, RandomSource(1, 0, "x"), "d", labels)
    old = Patient(1, "age_85_plus", "n", "s", "low", "community", "walk_in", "x", 0.0)
    young = Patient(2, "age_0_17", "n", "s", "low", "community", "walk_in", "x", 0.0)
    assert d.draw(old) == 9.0 and d.draw(young) == 1.0


@pytest.mark.parametrize("spec, key", [
    ({"dist": "lognormal", "mean": -1, "cv": 1}, "d.mean"),
    ({"dist": "lognormal", "mean": 1}, "d.cv"),
    ({"dist": "lognormal", "mean": 1, "cv": -0.1}, "d.cv"),
    ({"dist": "weibull", "mean": 1}, "d.dist"),
    ({"dist": "exponential", "mean": 1, "unit": "weeks"}, "d.unit"),
    ({"dist": "uniform", "low": 3, "high": 1}, "d.high"),
    ({"dist": "exponential", "mean": float("inf")}, "d.mean"),
    ({"dist": "exponential", "mean": 1, "sd": 2}, "d.sd"),
])
def test_bad_specs_name_the_key(spec, key):
    with pytest.raises(ConfigError) as info:
        distributions.build(spec, RandomSource(1, 0, "x"), "d")
    assert info.value.key == key


def test_none_never_ends_and_draws_nothing():
    source = RandomSource(1, 0, "x")
    d = distributions.build({"dist": "none"}, source, "d")
    assert d.draw() == float("inf") and d.residual() == float("inf")
    fresh = RandomSource(1, 0, "x")                    # no random number used: the next are the first
    assert (source.random(), source.normal(), source.exponential()) == (fresh.random(), fresh.normal(), fresh.exponential())


def test_a_mixture_draws_each_component_with_its_weight():
    spec = {"dist": "mixture", "unit": "hours",
            "components": {"short": {"dist": "fixed", "value": 6}, "long": {"dist": "fixed", "value": 48}},
            "weights": {"by": "age_band", "values": {"age_0_17": {"short": 0.8, "long": 0.2},
                                                     "default": {"short": 0.25, "long": 0.75}}}}
    labels = {"age_band": ["age_0_17", "age_85_plus"]}
    d = distributions.build(spec, RandomSource(3, 0, "m"), "d", labels)
    young = Patient(1, "age_0_17", "n", "s", "low", "community", "walk_in", "o", 0.0)
    old = Patient(2, "age_85_plus", "n", "s", "low", "community", "walk_in", "o", 0.0)
    for patient, share in ((young, 0.8), (old, 0.25)):
        draws = [d.draw(patient) for _ in range(20000)]
        assert sum(x == 0.25 for x in draws) / len(draws) == pytest.approx(share, abs=0.015)
        assert d.mean(patient) == pytest.approx(share * 0.25 + (1 - share) * 2.0)


@pytest.mark.parametrize("spec, key", [
    ({"dist": "mixture", "components": {"a": {"dist": "fixed", "value": 1}}}, "d.components"),
    ({"dist": "mixture", "components": {"a": {"dist": "fixed", "value": 1}, "b": {"dist": "fixed", "value": 2}},
      "weights": {"a": 0.5, "b": 0.6}}, "d.weights"),
    ({"dist": "mixture", "components": {"a": {"dist": "fixed", "value": 1}, "b": {"dist": "fixed", "value": 2}},
      "weights": {"a": 0.5, "c": 0.5}}, "d.weights.c"),
])
def test_a_bad_mixture_names_its_key(spec, key):
    with pytest.raises(ConfigError) as info:
        distributions.build(spec, RandomSource(1, 0, "x"), "d")
    assert info.value.key == key
