"""Arrival streams: rates, time-of-day and seasonal profiles, and who arrives."""
from __future__ import annotations

import numpy as np
import pytest

from sim.engine.calendar import Calendar
from sim.engine.demand import choose_cells
from sim.engine.model import Model
from sim.engine.population import AGE_BANDS, RISK_TIERS

from .conftest import make_cfg


def arrivals(stream_spec, horizon=364.0):
    cfg = make_cfg({"ward": {"capacity": 100000, "los": {"dist": "fixed", "value": 0.001}, "next": "home"}},
                   {"s": {"to": "ward", **stream_spec}}, horizon=horizon, warmup=0)
    model = Model(cfg, 0)
    stream = model.network.arrivals["s"]
    times, people = [], []
    while True:
        stream._generate()
        times.extend(stream._times)
        people.extend(stream._people)        # (locality, age band, risk tier, residence)
        if stream._chunk_end >= stream.horizon:
            break
    stream.people = people
    return model, stream, np.array(times)


def test_rate_per_1000_by_age_gives_the_annual_volume():
    rates = {"age_0_17": 100, "age_18_64": 200, "age_65_74": 300, "age_75_84": 400, "age_85_plus": 500}
    model, stream, times = arrivals({"rate_per_1000": rates}, horizon=365.0)
    expected = sum(model.context.population.people.sum(axis=0)[i] * rates[a] / 1000 for i, a in enumerate(AGE_BANDS))
    assert stream.rate_per_day * 365 == pytest.approx(expected)
    assert len(times) == pytest.approx(expected, rel=4 / np.sqrt(expected))


def test_hour_of_day_profile_is_followed():
    hours = [0.2] * 8 + [2.0] * 8 + [0.8] * 8
    _, _, times = arrivals({"rate_per_day": 200.0, "profile": {"hours": hours}})
    counts = np.bincount(((times % 1.0) * 24).astype(int), minlength=24)
    expected = np.array(hours) / np.mean(hours) * 200 * 364 / 24
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected))


def test_day_of_week_and_month_profiles():
    days = {"mon": 2.0, "tue": 1.0, "wed": 1.0, "thu": 1.0, "fri": 1.0, "sat": 0.0, "sun": 0.0}
    model, _, times = arrivals({"rate_per_day": 100.0, "profile": {"days": days}})
    _hour, weekday, _ = model.context.calendar.hourly(364 * 24)
    per_day = np.bincount(weekday[(times * 24).astype(int)], minlength=7)
    assert per_day[5] == 0 and per_day[6] == 0
    assert per_day[0] / per_day[1:5].mean() == pytest.approx(2.0, rel=0.06)


def test_sinusoidal_intensity():
    _, _stream, times = arrivals({"rate_per_day": 100.0, "profile": {"sinusoid": {"amplitude": 0.8, "period_days": 10}}},
                                horizon=400.0)
    phase = (times % 10) / 10
    first_half = ((phase > 0) & (phase < 0.5)).sum()
    second_half = len(times) - first_half
    # integral of 1 + 0.8 sin over each half: 0.5 +- 0.8/pi
    assert first_half / second_half == pytest.approx((0.5 + 0.8 / np.pi) / (0.5 - 0.8 / np.pi), rel=0.05)


def test_calendar_weekday_and_month():
    cal = Calendar(__import__("datetime").date(2017, 4, 1))   # a Saturday
    hour, weekday, month = cal.hourly(48)
    assert weekday[0] == 5 and weekday[24] == 6
    assert month[0] == 3 and hour[25] == 1


def test_attributes_follow_population_and_rates():
    rates = {"age_0_17": 0, "age_18_64": 0, "age_65_74": 0, "age_75_84": 0, "age_85_plus": 1000}
    _, stream, times = arrivals({"rate_per_1000": rates}, horizon=1000)
    assert len(times) > 1000
    assert {age for _, age, _, _ in stream.people} == {"age_85_plus"}
    # risk tiers: prevalence x rate ratio (0.7x0.5, 0.2x1.5, 0.1x4)
    tiers = np.array([sum(risk == tier for _, _, risk, _ in stream.people) for tier in RISK_TIERS]) / len(stream.people)
    w = np.array([0.35, 0.3, 0.4])
    assert tiers == pytest.approx(w / w.sum(), abs=0.05)


def test_streams_end_at_the_horizon():
    _, _, times = arrivals({"rate_per_day": 50.0}, horizon=30.0)
    assert times.max() < 30.0 and times.min() >= 0.0
    assert np.all(np.diff(times) >= 0)


@pytest.mark.parametrize("n", [0, 1, 63, 5000])
def test_cells_are_drawn_as_numpy_choice_draws_them(n):
    weights = np.random.default_rng(7).random(48) * (np.arange(48) % 5 > 0)    # some cells have nobody
    p = weights / weights.sum()
    ours = choose_cells(np.random.default_rng(11), p, n)
    numpys = np.random.default_rng(11).choice(len(p), size=n, p=p)
    assert ours.dtype == numpys.dtype and np.array_equal(ours, numpys)
