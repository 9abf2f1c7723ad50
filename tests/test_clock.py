"""The clock: scheduled calls run in exactly the order SimPy would run the same Timeouts."""
import numpy as np
import pytest
import simpy
from simpy.events import Timeout

from sim.engine.clock import Clock


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
