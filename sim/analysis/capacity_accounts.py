"""Places and their fixed costs in one replication: what the kinds of saving are told apart by.

The capacity policy records in the prepared network the places each service has in the year and
its base-year places (``network.places``, :mod:`sim.inputs.capacity_policy`).  From them and the
network's cost lines, :class:`CapacityAccounts` reports, per replication:

* ``places.<service>``, ``base_places.<service>``, ``places_added.<service>`` (places minus base:
  the places a policy or a scheme added, or removed when negative);
* for every service whose places are charged whether used or not (a cost line on its
  ``capacity_days``: acute beds' fixed part, intermediate care, community teams...), by payer:
  ``fixed_cost.<payer>.<service>.places_gbp`` (the cost of its places this year, escalation places
  not included), ``.base_gbp`` (what its base-year places would cost) and ``.used_gbp`` (its occupied
  place-days at the same rate);
* ``scheme_cost_gbp``: the schemes' own running costs (levers' ``annual_cost``), and
  ``capacity_change_cost_gbp``: one-off costs of places opened or closed in whole steps; each also by
  payer (``scheme_cost_<payer>_gbp``, ``capacity_change_cost_<payer>_gbp``).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PAYERS = ("nhs", "council")


class CapacityAccounts:
    """The places and fixed-cost accounts of a network, applied to each replication's metrics."""

    def __init__(self, network: Mapping[str, Any], unit_costs: Mapping[str, float], price_factor: float):
        self.places = dict(network.get("places") or {})
        metrics = network.get("metrics") or {}
        self.fixed = []          # (payer, service, metric of its capacity days, unit cost)
        for line in network.get("cost_lines") or []:
            spec = metrics.get(line.get("metric")) or {}
            service = spec.get("service")
            if spec.get("stat") == "capacity_days" and isinstance(service, str) and service in self.places:
                self.fixed.append((str(line["commissioner"]), service, float(unit_costs[line["unit_cost"]])))
        self.lines = list(network.get("cost_lines") or [])
        self.price_factor = price_factor

    def evaluate(self, out: dict, period: float) -> None:
        """Add the place and fixed-cost metrics of one replication to ``out``."""
        for service, counts in self.places.items():
            out[f"places.{service}"] = float(counts["places"])
            out[f"base_places.{service}"] = float(counts["base"])
            out[f"places_added.{service}"] = float(counts["places"] - counts["base"])
        for payer, service, unit in self.fixed:
            places, base = self.places[service]["places"], self.places[service]["base"]
            place_days = out[f"{service}.capacity_days"] - out.get(f"{service}.surge_days", 0.0)
            per_place = place_days / places if places else period
            key = f"fixed_cost.{payer}.{service}"
            out[f"{key}.places_gbp"] = unit * place_days * self.price_factor
            out[f"{key}.base_gbp"] = unit * per_place * base * self.price_factor
            out[f"{key}.used_gbp"] = unit * out[f"{service}.place_days"] * self.price_factor
        for name, key, scale in (("scheme_cost", "annual_gbp", period / 365.0), ("capacity_change_cost", "one_off_gbp", 1.0)):
            chosen = [line for line in self.lines if key in line and (name != "scheme_cost" or "lever" in line)]
            for payer in PAYERS:
                out[f"{name}_{payer}_gbp"] = sum(float(line[key]) for line in chosen
                                                 if line["commissioner"] == payer) * scale * self.price_factor
            out[f"{name}_gbp"] = sum(float(line[key]) for line in chosen) * scale * self.price_factor
