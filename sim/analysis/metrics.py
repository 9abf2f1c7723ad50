"""Turn one replication's raw statistics into named metrics.

Three families, all in one flat ``{metric: value}`` mapping per replication:

* per-service statistics ``<service>.<statistic>`` for every service, every
  partition instance (``ihct_north``) and every partitioned group (``ihct``,
  pooled over its instances) -- see :data:`SERVICE_STATISTICS`;
* the pathway's named metrics, declared in ``network.metrics``::

      nel_admissions: {service: acute, stat: arrivals, exclude_origins: [elective]}
      ic_wait_days_mean: {service: [ic_bed, ic_home], stat: wait_mean}
      elective_cancellations: {sink: cancelled}
      crises_averted: {stream: [ae_walk_in, ae_ambulance], stat: averted}

  A metric over several services pools them (sums numerators and
  denominators), so a pooled mean wait is the mean over all their patients.
  A metric that counts one partitioned service's arrivals by origin is also
  given for each instance, ``<metric>.<instance>`` (``ae_admissions.acute_manor``);
* costs: ``network.cost_lines`` multiply a metric by a unit cost from the
  ``costs`` group (keys ending ``_gbp``), or charge a fixed ``annual_gbp``
  (pro rata to the results period), giving ``cost_<setting>_gbp``,
  ``cost_commissioner_<commissioner>_gbp``, ``total_cost_gbp`` and each
  setting's and commissioner's share of the total, ``cost_share_<...>_pct``
  (what share of a pooled budget each setting consumes); a line may also be a one-off
  ``one_off_gbp`` in the year (places opened or closed in steps, :mod:`sim.inputs.capacity_policy`).
  Unit costs are stated in ``costs.price_year`` prices and reported in
  ``costs.report_price_year`` prices, restated at ``costs.inflation_per_year``;
* places and their fixed costs (:mod:`sim.analysis.capacity_accounts`) and the whole-system cost
  of the envelope the model sits in (:mod:`sim.analysis.system_cost`).

All volumes are totals over the results period (after warm-up).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..common.checks import check_keys, is_whole, number
from ..common.errors import ConfigError, did_you_mean
from .capacity_accounts import CapacityAccounts
from .service_statistics import (
    MODE_FILTERABLE,
    SERVICE_STATISTICS,
    SOJOURN_FILTERABLE,
    ratio,
    service_statistics,
    sojourns_by_destination,
    statistics_by_mode,
)
from .system_cost import PAYERS, SystemCost

METRIC_KEYS = {"service", "sink", "stream", "ratio", "stat", "origins", "exclude_origins", "to", "exclude_to",
               "arrival_modes", "exclude_arrival_modes", "months", "scale", "label", "unit",
               "direction"}
#: daily means a metric may restrict to months of the year (``months: [dec, jan, feb]``), in the order of the
#: model's daily series (sim.engine.model.DAILY)
DAILY_STATS = ("occupancy_mean", "queue_mean", "blocked_mean", "surge_mean", "corridor_mean")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _monthly_mean(result: Mapping[str, Any], services, series: int, months: set) -> float:
    """The mean over the results period's days in ``months`` of a daily series, summed over the
    services' instances."""
    first = math.ceil(result["first_day"])
    last = math.ceil(result["last_day"])
    instances = [i for s in services for i in result["groups"][s]]
    total = sum(np.asarray(result["daily"][i][series], dtype=float) for i in instances)
    start = np.datetime64(result["start_date"].isoformat(), "D")
    month = ((start + np.arange(len(total))).astype("datetime64[M]").astype(int) % 12) + 1
    days = np.arange(len(total))
    chosen = (days >= first) & (days < last) & np.isin(month, list(months))
    return float(total[chosen].mean()) if chosen.any() else math.nan


def pooled(raws: list[Mapping[str, Any]]) -> dict:
    """Sum the raw counters of several services."""
    total: dict[str, Any] = {}
    for raw in raws:
        for key, value in raw.items():
            if isinstance(value, Mapping):
                bucket = total.setdefault(key, {})
                for k, v in value.items():
                    bucket[k] = bucket.get(k, 0) + v
            else:
                total[key] = total.get(key, 0) + value
    return total


def _price_factor(costs: Mapping[str, Any]) -> float:
    """Multiplier restating unit costs from ``price_year`` to ``report_price_year`` prices."""
    base = costs.get("price_year")
    report = costs.get("report_price_year", base)
    if base is None or report is None or report == base:
        return 1.0
    rate = costs.get("inflation_per_year", 0.0)
    for key, value in (("price_year", base), ("report_price_year", report)):
        if not is_whole(value):
            raise ConfigError(f"costs.{key}", value, "a financial year such as 2017 (for 2017/18)")
    number(rate, "costs.inflation_per_year", low=-0.5, high=1.0, low_open=True, high_open=True,
           allowed="a yearly rate such as 0.03")
    return (1.0 + rate) ** (report - base)


class MetricSet:
    """The metric and cost definitions of a network, checked once, applied to each replication."""

    def __init__(self, network: Mapping[str, Any], costs: Mapping[str, Any] | None):
        self.services = set(network.get("services") or {})
        self.sinks = set(network.get("sinks") or {}) | {"diverted"}
        self.streams = set(network.get("streams") or {})
        self.metrics = dict(network.get("metrics") or {})
        self.cost_lines = list(network.get("cost_lines") or [])
        self.unit_costs = {k: v for k, v in (costs or {}).items() if str(k).endswith("_gbp")}
        self.marginal_share = dict((costs or {}).get("marginal_share") or {})
        self.price_factor = _price_factor(costs or {})
        for name, spec in self.metrics.items():
            self._check_metric(name, spec)
        for i, line in enumerate(self.cost_lines):
            self._check_cost_line(i, line)
        self.accounts = CapacityAccounts(network, self.unit_costs, self.price_factor)
        self.system = SystemCost(network, self.price_factor)

    def _names(self, value):
        return [value] if isinstance(value, str) else list(value or [])

    def _check_metric(self, name, spec):
        where = f"network.metrics.{name}"
        if not isinstance(spec, Mapping):
            raise ConfigError(where, spec, "a mapping with service, sink or stream")
        check_keys(spec, METRIC_KEYS, where)
        if "service" in spec:
            for s in self._names(spec["service"]):
                if s not in self.services:
                    raise ConfigError(f"{where}.service", s, f"a service{did_you_mean(s, self.services)}")
            stat = spec.get("stat")
            dynamic = isinstance(stat, str) and (stat.startswith(("over_", "within_", "wait_within_", "wait_over_")))
            if stat not in SERVICE_STATISTICS and not dynamic:
                raise ConfigError(f"{where}.stat", stat, f"one of {sorted(SERVICE_STATISTICS)} or over_<h>h, "
                                  "within_<h>h_pct, wait_within_<h>h_pct, wait_over_<h>h")
            if ("origins" in spec or "exclude_origins" in spec) and stat != "arrivals":
                raise ConfigError(f"{where}.stat", stat, "arrivals (origins filter arrivals only)")
            if ("to" in spec or "exclude_to" in spec) and not str(stat).startswith(SOJOURN_FILTERABLE):
                raise ConfigError(f"{where}.stat", stat, "over_<h>h or within_<h>h_pct (destinations filter sojourns only)")
            if "months" in spec:
                if stat not in DAILY_STATS:
                    raise ConfigError(f"{where}.stat", stat, f"one of {', '.join(DAILY_STATS)} (months filter daily means only)")
                bad = [m for m in self._names(spec["months"]) if m not in MONTHS]
                if bad or not spec["months"]:
                    raise ConfigError(f"{where}.months", spec["months"], f"a list of months among {', '.join(MONTHS)}")
            if ("arrival_modes" in spec or "exclude_arrival_modes" in spec) and not (
                    stat in MODE_FILTERABLE or str(stat).startswith("wait_over_")):
                raise ConfigError(f"{where}.stat", stat,
                                  f"one of {', '.join(MODE_FILTERABLE)}, wait_over_<h>h (arrival modes filter these only)")
        elif "sink" in spec:
            for s in self._names(spec["sink"]):
                if s not in self.sinks:
                    raise ConfigError(f"{where}.sink", s, f"a sink{did_you_mean(s, self.sinks)}")
            if spec.get("stat", "count") not in ("count", "returned", "pending"):
                raise ConfigError(f"{where}.stat", spec.get("stat"), "count, returned or pending (awaiting return at the end)")
            if "origins" in spec and spec.get("stat", "count") != "count":
                raise ConfigError(f"{where}.stat", spec.get("stat"), "count (origins filter the count only)")
        elif "stream" in spec:
            if "origins" in spec or "exclude_origins" in spec:
                raise ConfigError(f"{where}.origins", spec.get("origins"), "no origins filter on a stream metric")
            for s in self._names(spec["stream"]):
                if s not in self.streams:
                    raise ConfigError(f"{where}.stream", s, f"a stream{did_you_mean(s, self.streams)}")
            if spec.get("stat") not in ("generated", "averted"):
                raise ConfigError(f"{where}.stat", spec.get("stat"), "generated or averted")
        elif "ratio" in spec:
            ratio = spec["ratio"]
            if not isinstance(ratio, Mapping) or set(ratio) != {"numerator", "denominator"}:
                raise ConfigError(f"{where}.ratio", ratio, "{numerator: [metrics], denominator: [metrics]} ('-name' subtracts)")
            for part in ("numerator", "denominator"):
                for term in self._names(ratio[part]):
                    name = term.lstrip("-")
                    if name not in self.metrics or "ratio" in self.metrics[name]:
                        raise ConfigError(f"{where}.ratio.{part}", term,
                                          f"a metric of network.metrics that is not itself a ratio{did_you_mean(name, self.metrics)}")
            number(spec.get("scale", 1.0), f"{where}.scale", allowed="a number (100 for a percentage)")
        else:
            raise ConfigError(where, dict(spec), "one of service, sink, stream or ratio")

    def _check_cost_line(self, i, line):
        where = f"network.cost_lines[{i}]"
        if not isinstance(line, Mapping):
            raise ConfigError(where, line, "{metric, unit_cost, setting, commissioner} or {annual_gbp, setting, commissioner}")
        for key in ("setting", "commissioner"):
            if not isinstance(line.get(key), str):
                raise ConfigError(f"{where}.{key}", line.get(key), "a name")
        if "annual_gbp" in line or "one_off_gbp" in line:
            key = "annual_gbp" if "annual_gbp" in line else "one_off_gbp"
            number(line[key], f"{where}.{key}", low=0.0, allowed="a non-negative number of pounds")
            return
        for key in ("metric", "unit_cost"):
            if key not in line:
                raise ConfigError(f"{where}.{key}", None, "a value")
        metric, unit_cost = line["metric"], line["unit_cost"]
        if metric not in self.metrics:
            raise ConfigError(f"{where}.metric", metric, f"a metric of network.metrics{did_you_mean(metric, self.metrics)}")
        if unit_cost not in self.unit_costs:
            raise ConfigError(f"{where}.unit_cost", unit_cost,
                              f"a key of the costs group ending _gbp{did_you_mean(unit_cost, self.unit_costs)}")
        number(self.unit_costs[unit_cost], f"costs.{unit_cost}", low=0.0, allowed="a non-negative number of pounds")

    def evaluate(self, result: Mapping[str, Any]) -> dict[str, float]:
        """Every metric of one replication."""
        period = self.period = result["period_days"]
        raw_services = result["services"]
        out: dict[str, float] = {}
        group_raw = {}
        for group, members in result["groups"].items():
            group_raw[group] = raw_services[group] if members == [group] else pooled([raw_services[m] for m in members])
            for stat, value in service_statistics(group_raw[group], period).items():
                out[f"{group}.{stat}"] = value
            if members != [group]:
                for member in members:
                    for stat, value in service_statistics(raw_services[member], period).items():
                        out[f"{member}.{stat}"] = value
        for name, spec in self.metrics.items():
            if "ratio" in spec:
                continue
            out[name] = self._metric(spec, result, group_raw, period)
            members = result["groups"].get(spec.get("service")) if isinstance(spec.get("service"), str) else None
            if members and len(members) > 1 and ("origins" in spec or "exclude_origins" in spec):
                for member in members:       # the same count at each site's (or place's) instance
                    out[f"{name}.{member}"] = self._metric({**spec, "service": member}, result,
                                                           {member: raw_services[member]}, period)
        for name, spec in self.metrics.items():
            if "ratio" in spec:
                out[name] = self._ratio_metric(spec, out)
        self._costs(out)
        self.accounts.evaluate(out, period)
        self.system.evaluate(out)
        return out

    def _ratio_metric(self, spec, out):
        def total(terms):
            return sum(-out[t[1:]] if t.startswith("-") else out[t] for t in self._names(terms))
        return ratio(total(spec["ratio"]["numerator"]), total(spec["ratio"]["denominator"]), float(spec.get("scale", 1.0)))

    def _metric(self, spec, result, group_raw, period):
        if "service" in spec and "months" in spec:
            return _monthly_mean(result, self._names(spec["service"]), DAILY_STATS.index(spec["stat"]),
                                 {MONTHS.index(m) + 1 for m in self._names(spec["months"])})
        if "service" in spec:
            raw = pooled([group_raw[s] for s in self._names(spec["service"])])
            if "origins" in spec or "exclude_origins" in spec:
                by_origin = raw.get("by_origin", {})
                if "origins" in spec:
                    return float(sum(by_origin.get(o, 0) for o in self._names(spec["origins"])))
                excluded = set(self._names(spec["exclude_origins"]))
                return float(sum(v for o, v in by_origin.items() if o not in excluded))
            if "to" in spec or "exclude_to" in spec:
                exclude = "exclude_to" in spec
                stats = sojourns_by_destination(raw, self._names(spec["exclude_to" if exclude else "to"]), exclude)
            elif "arrival_modes" in spec or "exclude_arrival_modes" in spec:
                exclude = "exclude_arrival_modes" in spec
                modes = set(self._names(spec["exclude_arrival_modes" if exclude else "arrival_modes"]))
                stats = statistics_by_mode(raw, modes, exclude)
            else:
                stats = service_statistics(raw, period)
            if spec["stat"] not in stats:
                raise ConfigError("network.metrics", spec["stat"], f"a statistic the service records: {sorted(stats)}")
            return stats[spec["stat"]]
        if "sink" in spec:
            sinks = [result["sinks"].get(s, {}) for s in self._names(spec["sink"])]
            if "origins" in spec:
                origins = self._names(spec["origins"])
                return float(sum(s.get("by_origin", {}).get(o, 0) for s in sinks for o in origins))
            stat = spec.get("stat", "count")
            return float(sum(s.get(stat, 0) for s in sinks))
        return float(sum(result["streams"][s][spec["stat"]] for s in self._names(spec["stream"])))

    def _costs(self, out):
        if not self.cost_lines:
            return
        settings: dict[str, float] = {}
        commissioners: dict[str, float] = {}
        per_unit = dict.fromkeys(PAYERS, 0.0)         # activity paid per unit at average prices, by payer
        fixed_short_run = dict.fromkeys(PAYERS, 0.0)  # the part of it paid whether or not the activity happens
        for line in self.cost_lines:
            if "annual_gbp" in line:
                cost = float(line["annual_gbp"]) * self.period / 365.0
            elif "one_off_gbp" in line:
                cost = float(line["one_off_gbp"])
            else:
                cost = out[line["metric"]] * float(self.unit_costs[line["unit_cost"]])
            cost *= self.price_factor
            settings[line["setting"]] = settings.get(line["setting"], 0.0) + cost
            commissioners[line["commissioner"]] = commissioners.get(line["commissioner"], 0.0) + cost
            share = self.marginal_share.get(line.get("unit_cost"))
            if share is not None and line["commissioner"] in per_unit:
                per_unit[line["commissioner"]] += cost
                fixed_short_run[line["commissioner"]] += (1.0 - float(share)) * cost
        for payer in PAYERS:
            out[f"activity_priced_{payer}_gbp"] = per_unit[payer]
            out[f"fixed_in_short_run_{payer}_gbp"] = fixed_short_run[payer]
        out["activity_priced_gbp"] = sum(per_unit.values())
        out["fixed_in_short_run_gbp"] = sum(fixed_short_run.values())
        total = sum(settings.values())
        for setting, cost in settings.items():
            out[f"cost_{setting}_gbp"] = cost
            out[f"cost_share_{setting}_pct"] = 100.0 * cost / total if total else math.nan
        for commissioner, cost in commissioners.items():
            out[f"cost_commissioner_{commissioner}_gbp"] = cost
            out[f"cost_share_commissioner_{commissioner}_pct"] = 100.0 * cost / total if total else math.nan
        out["total_cost_gbp"] = total
