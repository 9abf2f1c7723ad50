"""Discharge times: fit patients leave in the day, fewer at weekends (sim/engine/discharge.py)."""
from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from sim.common.errors import ConfigError
from sim.engine.calendar import Calendar
from sim.engine.discharge import DischargeTimes
from sim.engine.randomness import RandomSource

HOURS = [0.0] * 8 + [1.0] * 12 + [0.0] * 4          # open 08:00-20:00
WEEK = {"mon": 1, "tue": 1, "wed": 1, "thu": 1, "fri": 1, "sat": 0.3, "sun": 0.3}


def _times(**spec):
    calendar = Calendar(date(2017, 4, 3))              # a Monday
    return DischargeTimes({"hours": HOURS, "days": WEEK, "rate_per_hour": 0.5, **spec}, calendar, 400,
                          RandomSource(1, 0, "d"), "discharge_times")


def test_nobody_leaves_while_discharges_are_closed_and_waits_are_exact():
    times = _times()
    rng = np.random.default_rng(0)
    fit = rng.uniform(0, 350, 20000)
    leave = np.array([times.time(f) for f in fit])
    hours = (leave * 24) % 24
    assert ((hours >= 8) & (hours < 20)).all()
    assert (leave >= fit).all()
    open_hours = (fit * 24) % 24
    weekday = (np.floor(fit) % 7) < 5
    during = (open_hours >= 8) & (open_hours < 19) & weekday
    # Within an open weekday hour the wait is exponential at 0.5 an hour (up to the closing time's truncation).
    assert np.median((leave - fit)[during] * 24) == pytest.approx(np.log(2) / 0.5, rel=0.1)


def test_fewer_leave_at_weekends():
    times = _times()
    fit = np.random.default_rng(1).uniform(0, 350, 20000)
    weekend = np.mean([times.when(times.time(f))[1] for f in fit])
    per_day_ratio = (weekend / 2) / ((1 - weekend) / 5)
    assert per_day_ratio < 0.8


def test_a_bad_profile_names_its_key():
    with pytest.raises(ConfigError) as info:
        _times(hours=[0.0] * 24)
    assert info.value.key == "discharge_times.hours"
