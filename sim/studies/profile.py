"""Where a patient's time goes: events per patient at each node, the cost of each kind of event, allocations.

    python -m sim.bench --profile --out DIR          # the M/M/c case and a Walsall year: DIR/bench_profile.csv
    python -m sim.bench --profile --quick --out DIR  # shorter runs

Every step of a replication is a scheduled call (:meth:`sim.engine.clock.Clock.call_later`); a *kind* of
event is the method called (``Service._finish``: a stay ends; ``ArrivalStream._arrive``: an arrival...) and
its *node* is the service, stream, sink or model it belongs to.  The replication is run through
:meth:`sim.engine.model.Model.run`'s ``observe`` hook, which makes every call in the usual order, so the
results are those of an unobserved run.  Each row of ``bench_profile.csv`` is one kind at one node:

* ``events`` -- calls over the whole run (warm-up included);
* ``per_arrival`` -- events per patient arriving at the node (a service's arrivals, a stream's
  arrivals, a sink's leavers; the model's per patient created): a stay's end is one a patient;
* ``us_per_event`` -- mean microseconds of wall time of one call and everything it does (offering the
  patient to the next service included), less the measured cost of the timing itself;
* ``share_pct`` -- that kind's part of the event loop's time;
* ``net_blocks_per_event`` -- memory blocks a call leaves allocated (``sys.getallocatedblocks`` before
  and after: a new patient, a new heap entry), on average;
* ``peak_bytes_per_event`` -- the most memory a call holds at once beyond what it found
  (``tracemalloc``, a second, slower run): what it allocates and frees on the way, on average.

A row with ``kind`` ``all`` sums a case: events and microseconds per patient created.  Timings are of one
run on a shared machine: compare kinds within a run, and runs before and after a change on the same
host, not absolute values across machines.
"""
from __future__ import annotations

import sys
import time
import tracemalloc

import pandas as pd

from ..engine.model import Model
from ..inputs.config import load
from ..inputs.prepare import prepare

#: the cases profiled: (name, configuration overrides, horizon in days of the full and of the --quick run)
CASES = (("mmc", ["network=mmc", "network.lam=9.0", "network.c=10", "network.mean_los=1.0"], 5000.0, 500.0),
         ("walsall_2017", [], 365.0, 60.0))
COLUMNS = ["case", "kind", "node", "events", "per_arrival", "us_per_event", "share_pct", "net_blocks_per_event",
           "peak_bytes_per_event"]


class EventCounter:
    """The ``observe`` hook: runs each call, adding its count, time and allocated blocks to its kind."""

    def __init__(self):
        self.totals: dict[tuple, list] = {}   # (owner, function) -> [events, nanoseconds, net blocks]

    def __call__(self, callback, argument):
        key = (getattr(callback, "__self__", None), getattr(callback, "__func__", callback))
        blocks, started = sys.getallocatedblocks(), time.perf_counter_ns()
        try:
            callback(argument)
        finally:
            elapsed, grown = time.perf_counter_ns() - started, sys.getallocatedblocks() - blocks
            total = self.totals.get(key)
            if total is None:
                total = self.totals[key] = [0, 0, 0]
            total[0] += 1
            total[1] += elapsed
            total[2] += grown


class PeakCounter:
    """The ``observe`` hook of the ``tracemalloc`` run: the peak of traced memory within each call."""

    def __init__(self):
        self.totals: dict[tuple, list] = {}   # (owner, function) -> [events, peak bytes summed]

    def __call__(self, callback, argument):
        key = (getattr(callback, "__self__", None), getattr(callback, "__func__", callback))
        found = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        try:
            callback(argument)
        finally:
            total = self.totals.get(key)
            if total is None:
                total = self.totals[key] = [0, 0]
            total[0] += 1
            total[1] += tracemalloc.get_traced_memory()[1] - found


def timing_overhead_ns(calls: int = 20000) -> float:
    """Nanoseconds :class:`EventCounter` adds to a call (a call that does nothing, timed the same way)."""
    counter = EventCounter()

    def nothing(_):
        return None

    started = time.perf_counter_ns()
    for _ in range(calls):
        nothing(None)
    bare = time.perf_counter_ns() - started
    for _ in range(calls):
        counter(nothing, None)
    return max(0.0, (next(iter(counter.totals.values()))[1] - bare) / calls)


def arrivals_at(model: Model, owner) -> int:
    """The patients who came to ``owner``: what its events are counted per."""
    for attribute in ("arrived", "generated", "count"):      # a service, an arrival stream, a sink
        value = getattr(owner, attribute, None)
        if isinstance(value, int):
            return value
    return model.context.patients.created


def label(owner, function) -> tuple[str, str]:
    """(kind, node) of an event: the method called and the name of the node it belongs to."""
    if owner is None:
        return function.__qualname__, "clock"
    return f"{type(owner).__name__}.{function.__name__}", getattr(owner, "name", type(owner).__name__.lower())


def by_label(totals: dict[tuple, list]) -> dict[tuple[str, str], list]:
    """``totals`` summed by (kind, node): two runs' nodes are different objects with the same names."""
    out: dict[tuple[str, str], list] = {}
    for (owner, function), values in totals.items():
        key = label(owner, function)
        out[key] = [a + b for a, b in zip(out[key], values)] if key in out else list(values)
    return out


def profile_case(name: str, overrides: list[str], days: float) -> pd.DataFrame:
    """The rows of one case (see the module docstring)."""
    cfg = prepare(load([*overrides, f"run.horizon_days={days}", "run.warmup_days=0"]))
    counter, model = EventCounter(), Model(cfg, 0)
    model.run(counter)
    peaks = PeakCounter()
    tracemalloc.start()
    try:
        Model(cfg, 0).run(peaks)
    finally:
        tracemalloc.stop()
    overhead = timing_overhead_ns()
    arrivals = {label(owner, function): arrivals_at(model, owner) for owner, function in counter.totals}
    counted, peaked = by_label(counter.totals), by_label(peaks.totals)
    all_events = sum(n for n, _, _ in counted.values())
    loop_ns = sum(ns for _, ns, _ in counted.values()) - overhead * all_events
    patients = max(1, model.context.patients.created)
    rows = []
    for (kind, node), (events, ns, blocks) in counted.items():
        net_ns = max(0.0, ns - overhead * events)
        peak_events, peak_bytes = peaked.get((kind, node), (0, 0))
        rows.append({"case": name, "kind": kind, "node": node, "events": events,
                     "per_arrival": events / max(1, arrivals[kind, node]),
                     "us_per_event": net_ns / events / 1000.0, "share_pct": 100.0 * net_ns / max(1.0, loop_ns),
                     "net_blocks_per_event": blocks / events,
                     "peak_bytes_per_event": peak_bytes / peak_events if peak_events else float("nan")})
    rows.append({"case": name, "kind": "all", "node": f"{patients} patients", "events": all_events,
                 "per_arrival": all_events / patients, "us_per_event": loop_ns / all_events / 1000.0, "share_pct": 100.0,
                 "net_blocks_per_event": sum(b for _, _, b in counted.values()) / all_events,
                 "peak_bytes_per_event": sum(p for _, p in peaked.values()) / max(1, sum(n for n, _ in peaked.values()))})
    table = pd.DataFrame(rows, columns=COLUMNS).sort_values(["case", "share_pct"], ascending=[True, False])
    return table.round({"per_arrival": 4, "us_per_event": 3, "share_pct": 2, "net_blocks_per_event": 3,
                        "peak_bytes_per_event": 1})


def profile(quick: bool = False, log=print) -> pd.DataFrame:
    """Every case's rows, logged as a table: the case's ``all`` row and its kinds, costliest first."""
    tables = []
    for name, overrides, days, quick_days in CASES:
        table = profile_case(name, overrides, quick_days if quick else days)
        tables.append(table)
        log(f"\n{name}: {days if not quick else quick_days:g} days, events per arrival at each node")
        log(table.drop(columns="case").to_string(index=False))
    return pd.concat(tables, ignore_index=True)
