"""The clock: scheduled calls run in exactly the order SimPy would run the same Timeouts."""
import math

import numpy as np
import pytest
import simpy
from simpy.events import Timeout

from sim.engine.clock import SPLIT_ABOVE, Clock


def _order(env, schedule_call, delays):
    """Schedule one call per delay (some at equal times) and record the order they run in."""
    seen = []
    for i, delay in enumerate(delays):
        schedule_call(env, delay, lambda i=i: seen.append((env.now, i)))
    env.run(until=max(delays))
    return seen, env.now


def _simpy_timeout(env, delay, fn):
    Timeout(env, delay).callbacks.append(lambda _: fn())


def _clock_call(env, delay, fn):
    env.call_later(delay, lambda _: fn())


def test_calls_run_in_simpy_order_including_ties_and_the_until_time():
    rng = np.random.default_rng(3)
    delays = np.round(rng.uniform(0, 5, 400), 1).tolist()   # many equal times, some exactly at `until`
    expected = _order(simpy.Environment(), _simpy_timeout, delays)
    assert _order(Clock(), _clock_call, delays) == expected
    # Mixed: calls and SimPy Timeouts on the same clock interleave as Timeouts alone would.
    mixed = Clock()
    assert _order(mixed, lambda env, d, fn: (_clock_call if d * 10 % 2 else _simpy_timeout)(env, d, fn), delays) == expected


def test_simpy_processes_run_on_the_clock_and_run_can_resume():
    env = Clock()
    log = []

    def ward(env):
        for _ in range(3):
            yield env.timeout(1.5)
            log.append(env.now)

    env.process(ward(env))
    env.call_later(2.0, log.append, "call")
    env.run(until=4)
    assert log == [1.5, "call", 3.0] and env.now == 4.0
    env.run()
    assert log == [1.5, "call", 3.0, 4.5]
    finished = env.process(ward(env))
    env.run(until=finished)
    assert env.now == 9.0


def test_until_must_be_in_the_future_and_a_failed_event_still_crashes_the_run():
    env = Clock()
    env.run(until=1)
    with pytest.raises(ValueError, match="must be greater"):
        env.run(until=1)
    failed = env.event()
    failed.fail(RuntimeError("a failure nobody handled"))
    with pytest.raises(RuntimeError, match="nobody handled"):
        env.run(until=2)


def _mixed(env, delay, fn):
    """A plain call or a SimPy Timeout, by the delay: both kinds on one clock."""
    (_clock_call if int(delay * 10) % 3 else _simpy_timeout)(env, delay, fn)


def _chains(env, schedule_call, starts, follow, on_day=None):
    """Each start begins a chain of calls, each scheduling the next after its next delay in ``follow``
    (as a patient's stay is scheduled when the last ends); returns the order the calls run in."""
    seen = []

    def step(chain, k):
        seen.append((env.now, chain, k))
        if k < len(follow[chain]):
            schedule_call(env, follow[chain][k], lambda: step(chain, k + 1))

    for chain, delay in enumerate(starts):
        schedule_call(env, delay, lambda chain=chain: step(chain, 0))
    for day in np.arange(0.5, 60, 1.0) if on_day else ():
        env.call_later(day, lambda _: on_day())
    env.run(until=60)
    return seen, env.now


def test_a_split_queue_runs_calls_in_simpy_order_through_each_window_and_back_to_one_heap():
    rng = np.random.default_rng(5)
    # Far more chains than SPLIT_ABOVE, stays from an hour to weeks, some ending exactly at a window's end.
    starts = np.round(rng.uniform(0, 3, 3 * SPLIT_ABOVE), 1).tolist()
    follow = [np.round(rng.choice([0.1, 0.5, 1.0, 2.0, 14.0], size=int(rng.integers(1, 6))) * rng.uniform(0.5, 2.0), 2).tolist()
              for _ in starts]
    expected = _chains(simpy.Environment(), _simpy_timeout, starts, follow)
    env = Clock()
    ends = []
    assert _chains(env, _mixed, starts, follow, on_day=lambda: (env.split(), ends.append(env.near_end))) == expected
    assert ends[0] == 1.5 and ends[1] == 2.5     # split on the first day, a window a day ...
    assert math.inf in ends[2:]                  # ... and one heap again once few entries are left for later


def test_a_split_queue_peeks_and_empties_as_one_heap_would():
    env = Clock()
    for delay in range(1, SPLIT_ABOVE + 100):
        env.call_later(delay + 0.25, lambda _: None)
    env.split()
    assert env.later and env.peek() == 1.25
    env.run(until=1.1)
    assert env.peek() == 1.25      # the window's marker (at 1.0) is not an event
    env.run()
    assert env.now == SPLIT_ABOVE + 99.25 and env.peek() == math.inf


def test_a_queue_whose_later_part_all_comes_due_in_a_day_ends_at_its_last_event():
    env = Clock()
    env.call_later(0.5, lambda _: None)
    for k in range(SPLIT_ABOVE):
        env.call_later(1.0 + k / 1000, lambda _: None)     # all of them in the second day
    env.split()
    assert len(env.later) == SPLIT_ABOVE
    env.run()
    assert env.now == 1.0 + (SPLIT_ABOVE - 1) / 1000 and not env.later
