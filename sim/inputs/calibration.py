"""Calibration factors: fitted multipliers applied to the sourced prior values before a run.

A place config includes its calibration (``place.calibration``, from
``configs/calibration/*.yaml``).  Each free parameter names the config values
it scales and carries its fitted ``factor``::

    acute_length_of_stay:
      paths: [network.services.acute.los.values.default]
      mode: scale            # multiply every number under the paths (or only `keys`)
      keys: [mean]
      factor: 0.97

    ed_conversion:
      paths: [network.services.ae.next.values.walk_in]
      mode: probability      # multiply the probability of `key` in every routing table
      key: acute             # under the paths, giving the difference to `balance`
      balance: home
      factor: 0.93

A parameter marked ``optional: true`` scales settings that only some configurations have (the
responses of ``pressure=realistic``); where its paths are missing it does nothing.  A
calibration names the ``network`` it was fitted to and applies only to that network.  The priors
stay as written, with their sources, so a reviewer sees both the
evidence and how far the fit moved it.  ``python -m sim.calibrate --fit``
refits the factors.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ..common.checks import number
from ..common.errors import ConfigError
from ..common.files import atomic_write
from .routing_tables import scale_probability

#: How far the model may be from a calibration target: relative for volumes, percentage points for % measures,
#: patients of waiting-list growth for stationarity.  A target's own ``tolerance`` replaces its kind's.
TOLERANCE = {"volume": 0.05, "occupancy": 3.0, "rate": 3.0, "stationary": 10.0}

#: How a fit moves the factors (``sim.studies.calibrate`` and ``sim.studies.calibrate_sites``): the log step of
#: the finite differences, the largest log change of a factor in a round, and the penalty on the move (in
#: tolerances per unit of log factor).
STEP = 0.05
TRUST = 0.2
RIDGE = 1.0


def tolerance(spec: Mapping[str, Any]) -> float:
    """A target's tolerance: its own ``tolerance`` (where its source is loose) or its kind's."""
    return float(spec.get("tolerance", TOLERANCE[spec["kind"]]))


def half_width(spec: Mapping[str, Any]) -> float:
    """A target's tolerance in its own unit: relative for a volume, in points (or patients) otherwise."""
    allowed = tolerance(spec)
    return allowed * float(spec["value"]) if spec["kind"] == "volume" else allowed


def _exists(cfg, path) -> bool:
    node = cfg
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def _node(cfg, path, where):
    node = cfg
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise ConfigError(where, path, "a path to values in the configuration")
        node = node[part]
    return node


def _scale(node, factor, keys):
    """Multiply the numbers in ``node`` (a mapping, list or routing table) in place."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for k, v in list(items):
        if isinstance(v, (dict, list)):
            _scale(v, factor, keys)
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and (keys is None or k in keys):  # any number, not a flag
            node[k] = v * factor


def parameters_for(cfg: Mapping[str, Any], group: str) -> dict:
    """The parameters of ``place.<group>`` (``calibration``, ``site_calibration``) that apply to the run's
    network: none when the group has none, or names another network. Factors are fitted to one pathway;
    another network (a textbook queue, say) keeps its own values."""
    spec = (cfg.get("place") or {}).get(group) or {}
    network = (cfg.get("network") or {}).get("name")
    if spec.get("network") and network != spec["network"]:
        return {}
    return spec.get("parameters") or {}


def apply(cfg: Mapping[str, Any]) -> dict:
    """The configuration with the place's calibration factors applied (a new dict)."""
    parameters = parameters_for(cfg, "calibration")
    if not parameters:
        return dict(cfg)
    out = copy.deepcopy(dict(cfg))
    for name, spec in parameters.items():
        where = f"place.calibration.parameters.{name}"
        factor = spec.get("factor", 1.0)
        number(factor, f"{where}.factor", low=0.0, low_open=True, allowed="a positive multiplier")
        adjust(out, spec, factor, where, f"{where}.factor")
    return out


def adjust(cfg: dict, spec: Mapping[str, Any], factor: float, where: str, factor_key: str) -> None:
    """Multiply the values ``spec`` names (its ``paths``, ``mode``, ``keys`` or ``key``/``balance``, as
    above) by ``factor``, in place; ``factor_key`` names the setting behind the factor in errors."""
    if factor == 1.0:
        return
    mode = spec.get("mode", "scale")
    for path in spec.get("paths") or []:
        if spec.get("optional") and not _exists(cfg, path):
            continue
        node = _node(cfg, path, f"{where}.paths")
        if mode == "scale":
            _scale(node, factor, set(spec["keys"]) if spec.get("keys") else None)
        elif mode == "probability":
            scale_probability(node, factor, spec.get("key"), spec.get("balance"), factor_key)
        else:
            raise ConfigError(f"{where}.mode", mode, "scale or probability")


def factors(cfg: Mapping[str, Any]) -> dict[str, float]:
    parameters = ((cfg.get("place") or {}).get("calibration") or {}).get("parameters") or {}
    return {name: float(spec.get("factor", 1.0)) for name, spec in parameters.items()}


def write_factor_lines(path, field: str, pattern: str, replacements: Mapping[str, str]) -> None:
    """Rewrite, on the ``field:`` line of each named parameter of a calibration file's ``parameters``, the
    first match of ``pattern`` (its group 1 kept) with the parameter's replacement, keeping every comment;
    the file is written atomically. Used by both fits to write what they fitted."""
    text = Path(path).read_text()
    lines = text.splitlines(keepends=True)
    params = next(v for k, v in yaml.compose(text).value if k.value == "parameters")
    for key, node in params.value:
        if key.value in replacements:
            i = next(v for k, v in node.value if k.value == field).start_mark.line
            lines[i] = re.sub(pattern, lambda m, new=replacements[key.value]: f"{m.group(1)}{new}", lines[i], count=1)
    atomic_write(path, lambda tmp: Path(tmp).write_text("".join(lines)))
