"""Model discrepancy: how far the model at its best inputs may stand from the system, target by target.

History matching judges a draw by ``|model - target| / sqrt(var_model + var_target + var_discrepancy)``
(:mod:`sim.uncertainty.history`).  The discrepancy is the part no choice of inputs removes -- what
the model leaves out (Kennedy & O'Hagan's model discrepancy; Vernon, Goldstein & Bower 2010, §3) --
so it is stated before a wave is run, with its reason, in a committed file
(``configs/uncertainty/discrepancy.yaml``, or ``--discrepancy FILE``)::

    kinds:                       # the default of every target of a kind
      volume: {relative: 0.03, source: "assumption: ..."}
    targets:                     # a target with a reason of its own
      acute_delayed_bed_days: {relative: 0.15, source: "..."}

``relative`` is a share of the target's value, ``sd`` a standard deviation in the target's unit.  A
target with no entry and no kind default has no discrepancy.  It is never tuned to the number of draws
it lets through: ``history_sensitivity.csv`` shows that count for other discrepancies, and is not used.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

from ..common.checks import is_real
from ..common.errors import ConfigError
from ..common.paths import CONFIG_DIR, ROOT

DEFAULT = CONFIG_DIR / "uncertainty" / "discrepancy.yaml"
ENTRY_KEYS = {"relative", "sd", "source"}


def _entry(spec, where: str) -> dict:
    """One checked entry: exactly one of ``relative`` (0 to 1) or ``sd`` (>= 0), and a source."""
    if not isinstance(spec, Mapping):
        raise ConfigError(where, spec, "a mapping {relative: share, source: ...} or {sd: value, source: ...}")
    for key in [k for k in spec if k not in ENTRY_KEYS]:
        raise ConfigError(f"{where}.{key}", spec[key], f"one of {', '.join(sorted(ENTRY_KEYS))}")
    given = [k for k in ("relative", "sd") if k in spec]
    if len(given) != 1:
        raise ConfigError(where, dict(spec), "exactly one of relative (a share of the target) or sd (in its unit)")
    value = spec[given[0]]
    high = 1.0 if given[0] == "relative" else float("inf")
    if not is_real(value) or not 0 <= value <= high:
        allowed = "a share from 0 to 1" if given[0] == "relative" else "a standard deviation >= 0"
        raise ConfigError(f"{where}.{given[0]}", value, allowed)
    if not str(spec.get("source", "")).strip():
        raise ConfigError(f"{where}.source", spec.get("source"), "its reason: a citation, or 'assumption: ...'")
    return {given[0]: float(value), "source": str(spec["source"])}


def load(path: Path | str | None = None) -> dict:
    """The checked discrepancy file: ``{"kinds": {kind: entry}, "targets": {target: entry}, "path": ...}``."""
    path = Path(path) if path is not None else DEFAULT
    if not path.is_file():
        raise ConfigError("--discrepancy", str(path), "a discrepancy file that exists (see configs/uncertainty/discrepancy.yaml)")
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path.name}", data, "a mapping with kinds and targets")
    for key in [k for k in data if k not in ("kinds", "targets")]:
        raise ConfigError(f"{path.name}: {key}", data[key], "kinds or targets")
    out = {"path": str(path.resolve().relative_to(ROOT)) if path.resolve().is_relative_to(ROOT) else str(path)}
    for block in ("kinds", "targets"):
        entries = data.get(block) or {}
        if not isinstance(entries, Mapping):
            raise ConfigError(f"{path.name}: {block}", entries, "a mapping of names to entries")
        out[block] = {str(name): _entry(spec, f"{path.name}: {block}.{name}") for name, spec in entries.items()}
    return out


def standard_deviations(stated: dict, targets: Mapping[str, dict]) -> dict[str, float]:
    """Each target's discrepancy as a standard deviation in its own unit (0 where nothing is stated)."""
    out = {}
    for name, spec in targets.items():
        entry = stated["targets"].get(name) or stated["kinds"].get(spec["kind"])
        if entry is None:
            out[name] = 0.0
        elif "sd" in entry:
            out[name] = entry["sd"]
        else:
            out[name] = entry["relative"] * abs(float(spec["value"]))
    return out


def table(stated: dict, targets: Mapping[str, dict]) -> list[dict]:
    """The discrepancy of every target with where it came from: ``target, value, sd, stated_as, source``."""
    sds = standard_deviations(stated, targets)
    rows = []
    for name, spec in targets.items():
        own = name in stated["targets"]
        entry = stated["targets"].get(name) or stated["kinds"].get(spec["kind"]) or {}
        how = ("relative" if "relative" in entry else "sd") if entry else "none"
        rows.append({"target": name, "value": float(spec["value"]), "kind": spec["kind"], "discrepancy_sd": sds[name],
                     "stated_as": f"{how} ({'target' if own else 'kind'})" if entry else "none",
                     "source": entry.get("source", "")})
    return rows
