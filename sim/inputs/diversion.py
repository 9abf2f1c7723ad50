"""Diverted patients keep their needs: what they would have had at their usual first service goes with them.

A ``divert`` lever (:mod:`sim.inputs.levers`) sends a share of an arrival stream's patients to another service
(the single point of access, extended GP access) before anything is known of them.  Chosen that way, the diverted
are a random sample of the stream's arrivals, so a fair share of them needs what the stream's usual first service
would have given them: at A&E about half the ambulance arrivals are admitted.  The service they are diverted to
routes people referred to it in the ordinary way, and admits few; without more, the diverted patients' needs
would vanish on the way.

So the divert effect also rewrites the routing of the service patients are diverted ``to``, for patients of the
stream's arrival mode (``by: arrival_mode``; at the SPA only diverted patients arrive by ambulance or on foot):

* each destination the diverted patients keep (``keeps``, default ``[acute]``: a need for a bed) gets the
  probability it had at the usual first service, cell by cell of that service's table (by age band and so on),
  less the share the scheme's evidenced effect avoids (``avoided``, 0 unless the evidence register gives one);
* the rest is shared as the service's own routing shares it, without the kept destinations and without the
  usual first service (a diverted patient is not sent back where they were diverted from); where that leaves
  nothing, as the usual first service shares its other destinations.

So admissions per 100 diverted are what the same patients would have had at A&E, less only the scheme's effect,
and an admission that goes ahead is a direct admission from the service they were diverted to (no A&E
attendance).  The kept share is the usual service's annual one: its month-by-month seasonality stays with it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..common.errors import ConfigError
from ..engine.routing import REST

#: what a diverted patient keeps by default: a need for a bed
KEEPS = ("acute",)
MODE = "arrival_mode"


def first_service(routing: Any) -> str:
    """The destination a stream's routing sends most of its patients to (its usual first service)."""
    totals: dict[str, float] = {}
    for row in _rows(routing):
        for name, p in _numeric(row).items():
            totals[name] = totals.get(name, 0.0) + p
    return max(totals, key=totals.get)


def carry_needs(network: dict, stream_name: str, to: str, keeps: list[str], avoided: float, where: str) -> None:
    """Give patients of the stream's arrival mode at service ``to`` the ``keeps`` destinations of the stream's
    usual first service, less the share ``avoided``; rewrites ``network`` in place."""
    services = network["services"]
    stream = network["streams"][stream_name]
    usual = first_service(stream["to"])
    if usual == to or usual not in services or to not in services:
        return
    for name in keeps:
        if name not in services and name not in (network.get("sinks") or {}):
            raise ConfigError(f"{where}.keeps", name, "a list of services or sinks the diverted patients still need")
    mode = str(stream.get(MODE, stream_name))
    need = _for_mode(services[usual]["next"], mode)
    target = services[to]
    own = target["next"]
    if isinstance(own, Mapping) and own.get("by") == MODE:
        values = dict(own["values"])
        values[mode] = _carried(need, _for_mode(values.get(mode, values.get("default")), mode),
                                usual, keeps, avoided)
        target["next"] = {"by": MODE, "values": values}
    else:
        target["next"] = {"by": MODE, "values": {mode: _carried(need, _for_mode(own, mode), usual, keeps,
                                                                avoided),
                                                 "default": own}}


def _carried(need: Any, own: Any, usual: str, keeps: list[str], avoided: float) -> Any:
    """The routing of a diverted patient: each cell of ``need`` (the usual service's table) grafted onto each
    cell of ``own`` (the service's own table).  Neither is changed.  A row of ``need`` that appears in several
    cells (cohort tables share theirs, :mod:`sim.inputs.levers`) is grafted once and the graft shared, as
    :func:`leaves` shares what it changes."""
    return leaves(need, lambda need_row: leaves(own, lambda own_row: _row(need_row, own_row, usual, keeps, avoided)))


def _row(need_row: Mapping, own_row: Mapping, usual: str, keeps: list[str], avoided: float) -> dict:
    need_row, own_row = _numeric(need_row), _numeric(own_row)
    kept = {d: p * (1.0 - avoided) for d, p in need_row.items() if d in keeps and p > 0}
    others = {d: p for d, p in own_row.items() if d not in keeps and d != usual and p > 0}
    if not others:
        others = {d: p for d, p in need_row.items() if d not in keeps and d != usual and p > 0}
    left, total = 1.0 - sum(kept.values()), sum(others.values())
    if not others or total <= 0:
        return {**kept, usual: left} if left > 0 else kept
    row = dict(kept)
    for d, p in others.items():
        row[d] = row.get(d, 0.0) + left * p / total
    return row


def _numeric(row: Mapping) -> dict[str, float]:
    """A probability row with ``rest`` replaced by what the other destinations leave."""
    stated = sum(float(p) for p in row.values() if p != REST)
    return {d: (max(0.0, 1.0 - stated) if p == REST else float(p)) for d, p in row.items()}


def _for_mode(spec: Any, mode: str) -> Any:
    """``spec`` as it stands for patients of arrival mode ``mode``: every ``by: arrival_mode`` table resolved."""
    if isinstance(spec, Mapping) and "by" in spec:
        values = spec["values"]
        if spec["by"] == MODE:
            return _for_mode(values.get(mode, values.get("default")), mode)
        return {"by": spec["by"], "values": {k: _for_mode(v, mode) for k, v in values.items()}}
    return spec


def leaves(spec: Any, change: Callable[[Mapping], Any]) -> Any:
    """``spec`` with each probability row replaced by ``change(row)`` (a single destination is a row of one),
    ``spec`` left as it is (``change`` must not change its argument either).  A table or row that several
    cells share (cohort tables do, :mod:`sim.inputs.levers`) is changed once and the result shared: copies
    would multiply with each lever."""
    done: dict[int, tuple[Any, Any]] = {}     # by the object, kept beside its result so its id stays its own

    def walk(node):
        if isinstance(node, str):
            return change({node: 1.0})
        known = done.get(id(node))
        if known is None:
            result = ({"by": node["by"], "values": {k: walk(v) for k, v in node["values"].items()}}
                      if "by" in node else change(node))
            known = done[id(node)] = (node, result)
        return known[1]
    return walk(spec)


def _rows(spec: Any) -> Iterator[Mapping]:
    """Every probability row of a routing spec, once for each cell that holds it (a single destination is a row of one)."""
    if isinstance(spec, str):
        yield {spec: 1.0}
    elif "by" in spec:
        for value in spec["values"].values():
            yield from _rows(value)
    else:
        yield spec

