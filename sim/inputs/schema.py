"""The shape of a configuration, checked before anything runs, with every problem reported at once.

:func:`validate` walks the resolved configuration group by group -- the top level, ``run``,
``capacity``, ``costs``, ``place`` and the shape of ``network`` -- and collects a
:class:`~sim.common.errors.ConfigError` for each unknown key (with a "did you mean"), wrong type or value
out of range.  The deeper checks that need the pathway built (routing rows summing to 1, lengths of
stay, profiles, known service names) happen when :func:`sim.jobs.runner.check` builds the model once
without running it.  The command line, the Python API and the experiments all go through
:func:`sim.jobs.runner.check`, so they all reject the same inputs.
"""
from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import Any

from ..common.checks import is_real, is_whole, unknown_keys
from ..common.errors import ConfigError, ConfigErrors, did_you_mean
from ..common.limits import MAX_HORIZON_DAYS, MAX_PLACES, MAX_REPLICATIONS, PLACES_TEXT, SEED_LIMIT
from ..engine.network import INITIAL_KEYS, SERVICE_KEYS, SINK_KEYS, STREAM_KEYS
from .levers import LEVER_KEYS, SCENARIO_KEYS

TOP_LEVEL = {"place", "network", "capacity", "scenario", "pressure", "capacity_policy", "envelope", "costs", "run",
             "objective"}
YEARS = (2015, 2040)   # the demography's supported range (sim.engine.demography)
RUN_KEYS = {
    "horizon_days", "warmup_days", "replications", "seed", "n_jobs", "year", "end_year", "pilot_replications",
    "replication_batch", "max_replications", "precision", "precision_metrics", "force", "cache_dir",
    "max_queue", "max_seconds", "event_log",
}
PLACE_KEYS = {"name", "label", "base_year", "localities", "population", "projection", "risk", "care_home",
              "demand", "trend_growth", "pathway_trends", "calibration", "site_calibration", "source", "description", "sites",
              "local"}
COST_KEYS = {"price_year", "report_price_year", "inflation_per_year", "cash", "discount_rate", "source", "description",
             "currency", "marginal_share", "optimism_bias_costs", "optimism_bias_benefits"}
NETWORK_KEYS = {"name", "description", "headline", "profiles", "streams", "services", "sinks", "metrics", "cost_lines",
                "lam", "c", "mean_los", "los_cv", "c2", "mean_los2", "los_cv2", "p_down", "amplitude", "period_days"}

#: the keys each part of a configuration accepts, by dotted path (``*`` stands for any one name): what
#: :func:`key_problems` checks a key against, here and when a user adds one on the command line
KNOWN_KEYS = {
    "": TOP_LEVEL, "run": RUN_KEYS, "place": PLACE_KEYS, "network": NETWORK_KEYS,
    "network.services.*": SERVICE_KEYS, "network.services.*.initial": INITIAL_KEYS,
    "network.streams.*": STREAM_KEYS, "network.sinks.*": SINK_KEYS,
    "scenario": SCENARIO_KEYS, "scenario.levers.*": LEVER_KEYS,
}


def known_keys(where: str) -> set[str] | None:
    """The keys accepted at the dotted path ``where`` ("" for the top level); None where the
    configuration names its own keys (services, capacities, metrics, ...)."""
    parts = where.split(".") if where else []
    for pattern, keys in KNOWN_KEYS.items():
        shape = pattern.split(".") if pattern else []
        if len(shape) == len(parts) and all(fnmatchcase(p, s) for p, s in zip(parts, shape)):
            return set(keys)
    return None


def key_problems(mapping: Mapping, where: str) -> list[ConfigError]:
    """An error for each key of ``mapping`` (found at ``where``) that the configuration does not accept there,
    with the closest known key; the ``costs`` group takes any unit cost ending ``_gbp``."""
    if where == "costs":
        return [ConfigError(f"costs.{key}", value, "a unit cost ending _gbp or one of "
                            f"{', '.join(sorted(COST_KEYS))}{did_you_mean(key, COST_KEYS)}")
                for key, value in mapping.items() if not str(key).endswith("_gbp") and key not in COST_KEYS]
    known = known_keys(where)
    return [] if known is None else unknown_keys(mapping, known, where)


def _run(run: Mapping, errors: list) -> None:
    errors += key_problems(run, "run")

    def check(key, ok, allowed):
        if key in run and not ok(run[key]):
            errors.append(ConfigError(f"run.{key}", run[key], allowed))

    def count(minimum):
        return lambda v: is_whole(v) and v >= minimum

    check("horizon_days", lambda v: is_real(v) and 0 < v <= MAX_HORIZON_DAYS,
          f"a number of days > 0 and at most {MAX_HORIZON_DAYS:,} (40 years)")
    horizon = run.get("horizon_days")
    if is_real(horizon):
        check("warmup_days", lambda v: v == "auto" or (is_real(v) and 0 <= v < horizon),
              f"a number of days in [0, horizon_days={horizon}) or auto (MSER-5)")
    check("replications", lambda v: v == "auto" or (count(1)(v) and v <= MAX_REPLICATIONS),
          f"a positive integer at most {MAX_REPLICATIONS:,}, or auto")
    check("max_replications", lambda v: count(1)(v) and v <= MAX_REPLICATIONS,
          f"a positive integer at most {MAX_REPLICATIONS:,}")
    check("seed", lambda v: count(0)(v) and v < SEED_LIMIT, "a non-negative integer below 2**63 (0 <= seed < 2**63)")
    check("n_jobs", lambda v: v in ("auto", None) or count(1)(v), "an integer >= 1 or auto")
    check("year", lambda v: count(0)(v) and YEARS[0] <= v <= YEARS[1],
          f"a financial year from {YEARS[0]} to {YEARS[1]} (2017 = 2017/18)")
    year = run.get("year")
    first = year if is_whole(year) and YEARS[0] <= year <= YEARS[1] else YEARS[0]
    check("end_year", lambda v: v is None or (count(0)(v) and first <= v <= YEARS[1]),
          f"null (one year) or the last financial year of a continuous run, from run.year={first} to {YEARS[1]}")
    check("force", lambda v: isinstance(v, bool), "true or false")
    check("event_log", lambda v: isinstance(v, bool), "true or false")
    check("max_queue", lambda v: v is None or count(1)(v), "a positive number of patients, or null (no cap)")
    check("max_seconds", lambda v: v is None or (is_real(v) and v > 0), "a positive number of seconds, or null (no cap)")
    for key in ("horizon_days", "warmup_days", "replications", "seed", "year"):
        if key not in run:
            errors.append(ConfigError(f"run.{key}", None, "a value"))


def _capacity(capacity: Mapping, errors: list) -> None:
    for key, value in capacity.items():
        values = value.items() if isinstance(value, Mapping) else [(None, value)]
        for part, v in values:
            if v is None:
                continue        # no limit
            if not is_whole(v) or not 0 <= v <= MAX_PLACES:
                where = f"capacity.{key}" + (f".{part}" if part is not None else "")
                errors.append(ConfigError(where, v, f"a non-negative whole number of places, {PLACES_TEXT} "
                                                    "(or null for no limit, in a service not split by site or locality)"))


def _costs(costs: Mapping, errors: list) -> None:
    for key, value in costs.items():
        if key.endswith("_gbp"):
            if not is_real(value) or value < 0:
                errors.append(ConfigError(f"costs.{key}", value, "a non-negative amount in pounds"))
        elif key in ("inflation_per_year", "discount_rate"):
            if not is_real(value) or not -0.5 < value < 1.0:
                errors.append(ConfigError(f"costs.{key}", value, "a yearly rate in (-0.5, 1), such as 0.03"))
        elif key == "cash":
            if not isinstance(value, bool):
                errors.append(ConfigError(f"costs.{key}", value, "true (each year in its own prices) or false (real terms)"))
        elif key in ("price_year", "report_price_year"):
            if not is_whole(value) or not YEARS[0] - 15 <= value <= YEARS[1]:
                errors.append(ConfigError(f"costs.{key}", value, "a financial year such as 2017 (for 2017/18)"))
        elif key in ("optimism_bias_costs", "optimism_bias_benefits"):
            if not is_real(value) or not 0.0 <= value <= (3.0 if key.endswith("costs") else 1.0):
                errors.append(ConfigError(f"costs.{key}", value, "an uplift of costs in [0, 3], such as 0.41"
                                          if key.endswith("costs") else "a cut of benefits in [0, 1], such as 0.29"))
        elif key == "marginal_share":
            if not isinstance(value, Mapping):
                errors.append(ConfigError("costs.marginal_share", value, "a mapping of unit costs (or top-down activities) to shares"))
                continue
            for name, share in value.items():
                if not is_real(share) or not 0.0 <= share <= 1.0:
                    errors.append(ConfigError(f"costs.marginal_share.{name}", share,
                                              "a share of the average unit cost in [0, 1], such as 0.3"))
    errors += key_problems(costs, "costs")


def _network(network: Mapping, errors: list) -> None:
    errors += key_problems(network, "network")
    headline = network.get("headline", [])
    if not isinstance(headline, list) or not all(isinstance(name, str) for name in headline):
        errors.append(ConfigError("network.headline", headline, "a list of metric names (the figures that head the summary)"))


def validate(cfg: Mapping[str, Any]) -> None:
    """Raise :class:`ConfigErrors` listing every problem found, or return quietly."""
    errors: list[ConfigError] = []
    if not isinstance(cfg, Mapping):
        raise ConfigErrors([ConfigError("(configuration)", cfg, "a mapping of config groups")])
    errors += key_problems(cfg, "")
    for group in ("place", "network", "run"):
        if not isinstance(cfg.get(group), Mapping):
            errors.append(ConfigError(group, cfg.get(group), f"the {group} config group (a mapping)"))
    if isinstance(cfg.get("run"), Mapping):
        _run(cfg["run"], errors)
    if isinstance(cfg.get("capacity"), Mapping):
        _capacity(cfg["capacity"], errors)
    if isinstance(cfg.get("costs"), Mapping):
        _costs(cfg["costs"], errors)
    if isinstance(cfg.get("place"), Mapping):
        errors += key_problems(cfg["place"], "place")
    if isinstance(cfg.get("network"), Mapping):
        _network(cfg["network"], errors)
    if errors:
        raise ConfigErrors(errors)
