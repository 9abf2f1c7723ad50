"""Seasonal routing: a share that varies by month, compiled into routing tables by month.

Winter raises emergency admissions, not attendances: the share of A&E patients admitted is higher
from October to March.  A service (``next``) or arrival stream (``to``) may carry::

    seasonality:
      key: acute            # the destination whose share varies
      balance: home         # the destination that takes up the difference
      months: {jan: 1.07, feb: 1.04, ..., dec: 1.04}   # the share's multiplier each month

which :func:`apply` turns into ``{by: month, values: {jan: <the table, acute x 1.07>, ...}}`` after
calibration (so calibration factors name the tables as written) and before the levers.  ``month``
is the month a patient's episode began (:class:`sim.engine.patient.Patient`).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..common.checks import check_keys, shares
from ..common.plain import copied
from ..engine.calendar import MONTHS
from .routing_tables import scale_probability

KEYS = {"key", "balance", "months", "source"}


def apply(cfg: Mapping[str, Any]) -> dict:
    """The configuration with every ``seasonality`` compiled into routing tables by month (a new dict)."""
    network = cfg.get("network") or {}
    holders = [("services", name, "next") for name, s in (network.get("services") or {}).items() if "seasonality" in (s or {})]
    holders += [("streams", name, "to") for name, s in (network.get("streams") or {}).items() if "seasonality" in (s or {})]
    if not holders:
        return dict(cfg)
    out = copied(dict(cfg))
    for kind, name, route in holders:
        holder = out["network"][kind][name]
        where = f"network.{kind}.{name}.seasonality"
        spec = check_keys(holder.pop("seasonality"), KEYS, where)
        factors = shares(spec.get("months"), MONTHS, f"{where}.months", total=None)
        by_month = {}
        for month, factor in zip(MONTHS, factors):
            table = copied(holder[route])
            table = {table: 1.0} if isinstance(table, str) else table
            scale_probability(table, float(factor), spec.get("key"), spec.get("balance"), f"{where}.months.{month}",
                              with_balance_only=True)
            by_month[month] = table
        holder[route] = {"by": "month", "values": by_month}
    return out
