"""The ranges against the parameter register (:mod:`sim.inputs.params`): every uncertain input has a range.

The register lists the numbers of the config files by file and key; a file's keys sit under a Hydra
prefix (``rates/walsall_2017.yaml`` under ``place``, ``calibration/*.yaml`` under ``place.calibration``).
:func:`coverage` finds every number of the files in :data:`UNCERTAIN_FILES` that is neither moved by a
range, nor a decision variable or calibrated factor, nor listed as unranged with a reason -- a new
parameter without a range shows up here by its full key.  :func:`describe` is the register's
``range`` column (``python -m sim.params``).
"""
from __future__ import annotations

import functools
from pathlib import Path

import yaml

from ..common.paths import CONFIG_DIR
from .apply import leaves
from .ranges import RangeSet, pattern

#: the files whose every uncertain input must have a range (the Walsall integrated-care study)
UNCERTAIN_FILES = ("network/integrated_care.yaml", "place/walsall.yaml", "rates/walsall_2017.yaml",
                   "costs/prices_2017_18.yaml", "scenario/*.yaml", "pressure/realistic.yaml")
PREFIX = {"rates": "place", "calibration": "place.calibration"}


def prefix(file: str) -> str:
    """The Hydra key under which a config file's keys sit."""
    parts = Path(file).parent.parts
    return PREFIX.get(parts[0], ".".join(parts))


@functools.cache
def file_leaves(file: str) -> dict[str, float]:
    """Every number of a config file by its full Hydra key (defaults lists excluded)."""
    data = yaml.safe_load((CONFIG_DIR / file).read_text()) or {}
    data = {k: v for k, v in data.items() if k != "defaults"}
    return leaves(data, prefix(file))


def scenario_keys() -> set[str]:
    """The keys of every scenario file, so a lever range is valid while its scenario is not being run."""
    return {k for path in sorted((CONFIG_DIR / "scenario").glob("*.yaml"))
            for k in file_leaves(str(path.relative_to(CONFIG_DIR)))}


def coverage(ranges: RangeSet, files=UNCERTAIN_FILES) -> list[str]:
    """Full keys of the numbers in ``files`` with no range and no reason to have none."""
    missing = []
    for pattern_ in files:
        for path in sorted(CONFIG_DIR.glob(pattern_)):
            for key in file_leaves(str(path.relative_to(CONFIG_DIR))):
                if not ranges.covering(key) and not ranges.reason_unranged(key):
                    missing.append(f"configs/{path.relative_to(CONFIG_DIR)}: {key}")
    return missing


def unused(ranges: RangeSet) -> list[str]:
    """Ranges none of whose keys is a number of any config file in the register's scope."""
    from ..inputs.params import SCOPE
    known = {k for scope in SCOPE for path in CONFIG_DIR.glob(scope)
             for k in file_leaves(str(path.relative_to(CONFIG_DIR)))}
    return [f"ranges.{r.name}" for r in ranges.ranges
            if not any(pattern(k).match(x) for k in r.keys for x in known)]


def describe(ranges: RangeSet, file: str, key: str) -> str:
    """The ``range`` cell of a register row: the ranges that move it, or why it has none."""
    full = f"{prefix(file)}.{key}" if key else prefix(file)
    keys = [k for k in file_leaves(file) if k == full or k.startswith(full + ".")] or [full]
    scenario = Path(file).stem if prefix(file) == "scenario" else None     # a scenario file: its own ranges only
    found = {r.name: r for k in keys for r in ranges.covering(k)
             if scenario is None or not r.scenarios or scenario in r.scenarios}
    if found:
        return "; ".join(f"{'group ' if r.is_group else ''}`{name}` {r.describe()}" for name, r in found.items())
    reasons = {ranges.reason_unranged(k) for k in keys} - {None}
    return "none: " + "; ".join(sorted(reasons)) if reasons else "none"
