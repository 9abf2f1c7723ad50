"""``carepath show NODE [overrides...]``: a config node's effective values, and where each came from.

    carepath show network.services.ae                 # A&E as a replication runs it
    carepath show capacity place=dudley               # Dudley's places, after the capacity policy
    carepath show run run.replications=3              # the run settings, with an override
    carepath show network.services.acute --csv > acute.csv

NODE is a dotted path into the configuration (``run``, ``capacity``, ``network.services.ae``,
``network.services.ae.los``, ``costs.ae_attendance_gbp``).  The overrides are those of ``carepath
run`` (``key=value``, ``group=option``, ``+key=value``), checked the same way before anything is
composed.  Every value under NODE is printed as the run would use it, after each overlay that the
preparation applies, with where it came from:

* the composed configuration: the file of ``configs/`` that set it (the group option chosen, such as
  ``configs/network/integrated_care.yaml``, or a file those include, such as
  ``configs/calibration/walsall_2017.yaml`` under ``place.calibration``), ``override (key=value)`` for a
  value given on the command line, and ``via ${...}`` for a value that interpolates another;
* then a multi-year run's horizon (``run.horizon_days``: the warm-up and every day of the years);
* then each stage of the preparation, in order (:data:`sim.inputs.prepare.STAGES`): data files,
  a place's local tables, the responses to pressure (``pressure: configs/pressure/realistic.yaml``),
  the calibration factors (``calibration: configs/calibration/walsall_2017.yaml``), the pathway's
  trends to the run's year, each acute site's own factors (``site calibration``), seasonal routing
  tables, the capacity policy with the scenario's levers
  and presets, and the envelope; each stage is named with the files its settings came from.

Population and demand growth to a projection year (``place.projection``, ``place.trend_growth``) are
applied by the model as it builds (:mod:`sim.engine.demography`), not by the preparation, so they show
as written; the pathway's own trends (``place.pathway_trends``) are a stage and show moved to the year.

A value set more than once shows each earlier value after an arrow, newest first, with its sources
in the same order: ``1.44 <- 6 <- (not set)`` came from ``calibration: ... <- pressure: ...``.  A
multi-year run is shown for its first year (``run.year``; set ``run.year`` to see another).

``--csv`` prints a table for machines instead: ``key, value, came_from, before, history`` (``before`` is
the value before the last change, ``history`` every value with its source, newest first).

Exit status: 0; 2 for bad overrides or configuration, or a NODE that is not in the configuration
(the message names it and the nearest keys that are).
"""
from __future__ import annotations

import argparse
import csv
import difflib
import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.types import RunMode
from omegaconf import OmegaConf

from ..common.errors import ConfigError, ConfigErrors
from ..common.paths import CONFIG_DIR, ROOT
from ..inputs import schema, years
from ..inputs.config import compose, to_plain
from ..inputs.overrides import REFERENCE
from ..inputs.prepare import STAGES, Stage
from .cli import check_command_line, problem_line

UNSET = object()        # a value a stage added where there was none
#: what the runner does before the preparation: a multi-year run's horizon spans its years (sim.inputs.years)
HORIZON = Stage("multi-year horizon", years.with_horizon, ("run.end_year",))
WIDTH = 48              # characters of one value in the table


class UnknownNode(LookupError):
    """A node that is not in the configuration, with the nearest keys that are."""

    def __init__(self, node: str, nearest: list[str]):
        self.node, self.nearest = node, nearest
        hint = f"; nearest: {', '.join(nearest)}" if nearest else ""
        super().__init__(f"no config node {node!r} in the configuration{hint}")


class Row(NamedTuple):
    """One value under the node: its key, and its history, newest first: ``((value, came from), ...)``."""

    key: str
    history: tuple

    @property
    def value(self):
        return self.history[0][0]

    @property
    def source(self) -> str:
        return self.history[0][1]


def flatten(value: Any, prefix: str) -> dict[str, Any]:
    """Every leaf under ``value`` by its dotted key (a list or an empty mapping is one leaf)."""
    if isinstance(value, Mapping) and value:
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def select(cfg: Any, node: str) -> Any:
    """The value at the dotted ``node`` of ``cfg``, or :data:`UNSET`."""
    for part in node.split(".") if node else ():
        if not isinstance(cfg, Mapping) or part not in cfg:
            return UNSET
        cfg = cfg[part]
    return cfg


def same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if hasattr(a, "equals"):
        return bool(a.equals(b))
    try:
        return bool(a == b)
    except (TypeError, ValueError):        # arrays of another shape
        return False


def _find(folders: list[Path], config_path: str) -> Path | None:
    """The file Hydra reads for ``config_path``: the first of the search path's folders that has it."""
    return next((folder / f"{config_path}.yaml" for folder in folders if (folder / f"{config_path}.yaml").is_file()), None)


def _label(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def composed_history(overrides: Iterable[str]) -> tuple[dict, dict[str, list]]:
    """The composed configuration (resolved) and, for each of its leaves, the values the files and
    command-line overrides gave it, oldest first: ``[(value, came from), ...]``."""
    overrides = list(overrides)
    data = to_plain(compose(overrides))
    history: dict[str, list] = {}

    def add(key, value, label, always=False):
        past = history.setdefault(key, [])
        if always or not past or not same(past[-1][0], value):
            past.append((value, label))

    with initialize_config_dir(version_base="1.3", config_dir=str(CONFIG_DIR), job_name="carepath"):
        runtime = hydra_compose(config_name="config", overrides=overrides, return_hydra_config=True).hydra.runtime
        folders = [Path(source.path) for source in runtime.config_sources if source.schema == "file"]
        loader = GlobalHydra.instance().config_loader()
        defaults = loader.compute_defaults_list("config", overrides, RunMode.RUN)
        chosen = {group for group, meta in defaults.overrides.override_metadata.items() if meta.external_override}
        for entry in defaults.defaults:
            package = entry.package or ""
            if entry.config_path is None or package == "hydra" or package.startswith("hydra."):
                continue
            path = _find(folders, entry.config_path)
            if path is None:
                continue
            content = OmegaConf.to_container(OmegaConf.load(path), resolve=False)
            content.pop("defaults", None)
            if not package:
                content.pop("hydra", None)
            label = _label(path)
            group = getattr(entry, "override_key", None)
            if group in chosen:
                label += f" ({group}={defaults.overrides.override_choices[group]})"
            for key, value in flatten(content, package).items():
                add(key, value, label)
        config_overrides = [o for o in defaults.overrides.config_overrides if not o.is_delete()]
    final = flatten(data, "")
    for override in config_overrides:
        key = override.key_or_group
        for leaf, value in final.items():
            if leaf == key or leaf.startswith(key + "."):
                add(leaf, value, f"override ({override.input_line})", always=True)
    raw = {key: past[-1] for key, past in history.items()}        # as written, before resolving
    for leaf, value in final.items():
        past = history.get(leaf)
        if past is None:                          # set by interpolating a whole mapping, or by nothing we read
            owner = next((history[p] for p in _prefixes(leaf) if p in history), None)
            label = f"{owner[-1][1]} via {owner[-1][0]}" if owner else "composed"
            history[leaf] = [(value, label)]
        elif not same(past[-1][0], value):
            past[-1] = (value, _via(leaf, raw))
    return data, {k: v for k, v in history.items() if k in final}


def _via(leaf: str, raw: Mapping[str, tuple], seen: frozenset = frozenset()) -> str:
    """Where a value written as an interpolation came from: ``configs/capacity/walsall.yaml via
    ${capacity.ae_cubicles} in configs/network/integrated_care.yaml``."""
    written, label = raw[leaf]
    if not isinstance(written, str) or "${" not in written:
        return label
    reference = REFERENCE.fullmatch(written.strip())
    target = reference.group(1) if reference else None
    if target in raw and target not in seen:
        return f"{_via(target, raw, seen | {leaf})} via {written} in {label}"
    return f"{label} via {written}"


def _prefixes(key: str) -> list[str]:
    parts = key.split(".")
    return [".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]


def _stage_label(stage, history: Mapping[str, list]) -> str:
    """``pressure: configs/pressure/realistic.yaml``: the stage and the files its settings came from."""
    files = []
    for read in stage.reads:
        for key, past in history.items():
            if key == read or key.startswith(read + "."):
                source = past[-1][1].split(" via ")[0]
                source = "override" if source.startswith("override") else source.split(" (")[0]
                if source not in files:
                    files.append(source)
    return f"{stage.name}: {', '.join(sorted(files))}" if files else stage.name


def show(node: str, overrides: Iterable[str] = ()) -> list[Row]:
    """Every value under ``node`` as a replication runs it, with its history (:class:`Row`); raises
    :class:`~sim.common.errors.ConfigError` for bad input, :class:`UnknownNode` for a node not in the
    configuration."""
    data, history = composed_history(overrides)
    schema.validate(data)
    rows = {key: list(past) for key, past in history.items() if key == node or key.startswith(node + ".")}
    current = data
    for stage in (HORIZON, *STAGES):
        after = stage.apply(current)
        before_leaves = flatten(select(current, node), node) if select(current, node) is not UNSET else {}
        after_value = select(after, node)
        label = None
        for key, value in (flatten(after_value, node) if after_value is not UNSET else {}).items():
            if key in before_leaves and same(before_leaves[key], value):
                continue
            label = label or _stage_label(stage, history)
            past = rows.setdefault(key, [])
            if key not in before_leaves:
                past.append((UNSET, ""))
            past.append((value, label))
        current = after
    final = select(current, node)
    if final is UNSET and select(data, node) is UNSET:
        raise UnknownNode(node, nearest(node, current))
    leaves = flatten(final, node) if final is not UNSET else {}
    return [Row(key, tuple(reversed(rows[key]))) for key in leaves if key in rows]


def nearest(node: str, cfg: Mapping) -> list[str]:
    """Keys of ``cfg`` like ``node``: among those beside it (under its longest known prefix) first."""
    keys = list(_all_keys(cfg, ""))
    parts = node.split(".")
    known = next((".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)
                  if select(cfg, ".".join(parts[:i])) is not UNSET), "")
    siblings = [k for k in keys if k.count(".") == len(known.split(".")) * bool(known) and k.startswith(known)]
    close = difflib.get_close_matches(node, siblings, n=5, cutoff=0.5) or difflib.get_close_matches(node, keys, n=5)
    return close or siblings[:8]


def _all_keys(cfg: Any, prefix: str, depth: int = 0):
    if isinstance(cfg, Mapping) and depth < 6:
        for key, value in cfg.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield path
            yield from _all_keys(value, path, depth + 1)


def text(value: Any, limit: int | None = WIDTH) -> str:
    """A value as the table prints it (cut to ``limit`` characters; a fraction to 12 significant figures unless
    ``limit`` is None, as the CSV has it, so a calibrated 0.6035200000000001 reads 0.60352)."""
    if value is UNSET:
        return "(not set)"
    if hasattr(value, "shape") and not isinstance(value, (int, float)):
        written = f"<table {'x'.join(map(str, value.shape))}>"
    elif isinstance(value, float) and limit is not None:
        written = f"{value:.12g}"
    elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
        written = str(value)
    else:
        written = json.dumps(value, default=str)
    return written if limit is None or len(written) <= limit else written[:limit - 3] + "..."


def table(rows: list[Row]) -> str:
    """The rows as aligned columns: key, value (earlier values after arrows), came from."""
    lines = [("key", "value", "came from")]
    for row in rows:
        lines.append((row.key, " <- ".join(text(v) for v, _ in row.history),
                      " <- ".join(s for v, s in row.history if v is not UNSET)))
    widths = [max(len(line[i]) for line in lines) for i in range(2)]
    return "\n".join(f"{k:{widths[0]}}  {v:{widths[1]}}  {s}".rstrip() for k, v, s in lines)


def write_csv(rows: list[Row], out) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["key", "value", "came_from", "before", "history"])
    for row in rows:
        before = text(row.history[1][0], None) if len(row.history) > 1 else ""
        history = " <- ".join(f"{text(v, None)} [{s}]" if v is not UNSET else text(v) for v, s in row.history)
        writer.writerow([row.key, text(row.value, None), row.source, before, history])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="carepath show", formatter_class=argparse.RawDescriptionHelpFormatter,
                                     description=__doc__.split("\n", 1)[1].strip("\n"))
    parser.add_argument("node", metavar="NODE", help="a dotted config key: run, capacity, network.services.ae, ...")
    parser.add_argument("overrides", nargs="*", help="the overrides of carepath run (key=value, group=option)")
    parser.add_argument("--csv", action="store_true", help="a machine-readable table on standard output")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    found = check_command_line(args.overrides)     # as carepath run checks them, before composing
    try:
        if found:
            raise ConfigErrors(found)
        rows = show(args.node, args.overrides)
    except UnknownNode as error:
        print(f"carepath show: {error}", file=sys.stderr)
        return 2
    except ConfigError as error:
        for problem in getattr(error, "errors", [error]):
            print(problem_line(problem), file=sys.stderr)
        return 2
    if args.csv:
        write_csv(rows, sys.stdout)
    else:
        print(table(rows))
    return 0
