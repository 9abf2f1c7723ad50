"""Trends of the pathway itself: how stays and the decision to admit change year by year, beyond demand.

Demand trends (``place.trend_growth``) change how many people arrive; a pathway trend changes what
happens to them.  Each names the config values it moves, as a calibration parameter does
(:func:`sim.inputs.calibration.adjust`), and a ``rate`` a year: in ``run.year`` the values are
multiplied by ``(1 + rate) ** (run.year - place.base_year)``, after calibration (a trend moves the
fitted values) and before the seasonal routing tables are made from them::

    pathway_trends:
      acute_overnight_stay:
        paths: [network.services.acute.los.values.default.components.overnight]
        keys: [mean]
        rate: -0.014
      ae_admission_share:
        paths: [network.services.ae.next.values.walk_in, network.services.ae.next.values.ambulance]
        mode: probability
        key: acute
        balance: home
        rate: 0.0125

Like calibration, the trends apply only to the ``network`` they were written for.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ..common.checks import check_keys, number
from .calibration import adjust

KEYS = {"paths", "mode", "keys", "key", "balance", "rate", "optional", "source"}


def factor(rate: float, years: int) -> float:
    """The multiplier ``years`` after the base year (before it, below one for a rising trend)."""
    return (1.0 + rate) ** years


def apply(cfg: Mapping[str, Any]) -> dict:
    """The configuration with the place's pathway trends applied for ``run.year`` (a new dict)."""
    place = cfg.get("place") or {}
    spec = place.get("pathway_trends") or {}
    trends = {k: v for k, v in spec.items() if k != "network"}
    if not trends or (spec.get("network") and (cfg.get("network") or {}).get("name") != spec["network"]):
        return dict(cfg)
    years = int(cfg["run"]["year"]) - int(place.get("base_year", cfg["run"]["year"]))
    out = copy.deepcopy(dict(cfg))
    for name, trend in trends.items():
        where = f"place.pathway_trends.{name}"
        check_keys(trend, KEYS, where)
        rate = number(trend.get("rate"), f"{where}.rate", low=-0.2, high=0.2, allowed="a change a year, -0.2 to 0.2")
        adjust(out, trend, factor(rate, years), where, f"{where}.rate")
    return out
