"""Overrides checked before Hydra composes anything, every problem at once and in the project's words.

An override is what a user types after ``python -m sim`` (or passes to :func:`sim.api.run`):
``run.replications=20``, ``place=dudley``, ``+network.services.acute.overflow=ae``, or a sweep with
``-m``: ``scenario=do_nothing,uk_comparator``.  :func:`problems` finds, for the whole list:

* an option a config group does not have (``place=walsal``), each value of a sweep included, with the
  closest option;
* a ``_target_`` outside :data:`ALLOWED_TARGETS` (configs may not build arbitrary Python objects);
* a key the configuration does not have (``run.horizn_days=3``): the key, the closest known key and
  the known keys at that level, where Hydra would say "not in struct ... use +run.horizn_days=3", which
  invites the wrong fix.  Keys are looked up in the configuration each chosen option composes (every
  option of a swept group at least once).  A key added with ``+`` must be one the configuration accepts
  there (:func:`sim.inputs.schema.key_problems`), and must not be set already.

:func:`check` raises them as :class:`~sim.common.errors.ConfigErrors`; :func:`hydra_compose` is Hydra's
composition itself, unchecked.  :func:`typed_keys` works after composition: a value checked at a key the
configs fill by interpolation (``network.streams.arrivals.rate_per_day: ${network.lam}``) is reported
under the key the user sets (``network.lam``).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.errors import HydraException
from omegaconf import DictConfig, ListConfig, OmegaConf

from ..common.errors import ConfigError, ConfigErrors, FileError, did_you_mean
from ..common.paths import CONFIG_DIR
from .schema import key_problems, known_keys

#: the only objects a configuration may ask Hydra to build
ALLOWED_TARGETS = frozenset({"sim.jobs.callbacks.ScenarioComparison", "sim.jobs.callbacks.SweepTable"})
SYNTAX = "an override such as key=value, +key=value (a new key), ~key (delete), or key=a,b (a sweep, with -m)"
#: a value that is one interpolation of another key, ``${network.lam}``
REFERENCE = re.compile(r"\$\{([A-Za-z_]\w*(?:\.\w+)*)\}")


def as_list(overrides: str | Iterable[str] | None) -> list[str]:
    """``overrides`` as a list of override strings: one string is one override (``"run.seed=1"``, never its
    characters), a list or tuple is one each, and lists inside a list are opened (``api.run(["a=1", "b=2"])``).
    Anything else raises a :class:`TypeError` saying how to pass them."""
    if overrides is None:
        return []
    if isinstance(overrides, str):
        return [overrides]
    found = []
    try:
        items = list(overrides)
    except TypeError:
        items = [overrides]
    for item in items:
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, (list, tuple)):
            found += as_list(item)
        else:
            raise TypeError(f"an override is a string such as 'run.replications=2', not {type(item).__name__} "
                            f"{item!r}: pass them as separate strings ('run.replications=2', 'run.seed=1') or "
                            "as one list of strings")
    return found


def yaml_problems(folders: Iterable[Path]) -> list[ConfigError]:
    """An error for each config file under ``folders`` that is not valid YAML: file, line, column and the
    problem, where Hydra would print a page of traceback when it reached the file."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    found: list[ConfigError] = []
    for folder in folders:
        for path in sorted(Path(folder).rglob("*.yaml")) if Path(folder).is_dir() else []:
            try:
                for _ in yaml.parse(path.read_text(), Loader=loader):
                    pass
            except yaml.MarkedYAMLError as e:
                mark = e.problem_mark or e.context_mark
                problem = "; ".join(str(t) for t in (e.problem, e.context) if t) or type(e).__name__
                found.append(FileError(path, mark.line + 1 if mark else None, mark.column + 1 if mark else None, problem))
            except (yaml.YAMLError, OSError, UnicodeDecodeError) as e:
                found.append(FileError(path, None, None, str(e).splitlines()[0] if str(e) else type(e).__name__))
    return found


def empty_problems(overrides: Iterable[str]) -> list[ConfigError]:
    """An error for each empty override (``carepath run ""``), which Hydra would report as a parse error."""
    return [ConfigError("(override)", text, f"{SYNTAX}; an empty argument is none of these")
            for text in overrides if not text.strip()]


def hydra_compose(overrides: Iterable[str] = ()) -> DictConfig:
    """The configuration Hydra composes from ``configs/config.yaml`` and ``overrides`` (unresolved, unchecked)."""
    with initialize_config_dir(version_base="1.3", config_dir=str(CONFIG_DIR), job_name="carepath"):
        return compose(config_name="config", overrides=list(overrides))


@cache
def groups() -> dict[str, tuple[str, ...]]:
    """Every config group a user chooses from (the folders of ``configs/`` outside ``hydra/``) and its options."""
    found: dict[str, list[str]] = {}
    for path in sorted(CONFIG_DIR.rglob("*.yaml")):
        group = path.parent.relative_to(CONFIG_DIR).as_posix()
        if group != "." and group.split("/")[0] != "hydra":
            found.setdefault(group, []).append(path.stem)
    return {group: tuple(options) for group, options in found.items()}


@cache
def default_groups() -> frozenset[str]:
    """The groups of the primary defaults list (``configs/config.yaml``); any other is added with ``+group=option``."""
    defaults = yaml.safe_load((CONFIG_DIR / "config.yaml").read_text()).get("defaults", [])
    return frozenset(key.removeprefix("optional ") for entry in defaults if isinstance(entry, dict) for key in entry)


def targets(data: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every ``_target_`` in a configuration or value: (key path, value)."""
    found = []
    if isinstance(data, Mapping):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            found += [(where, value)] if key == "_target_" else targets(value, where)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += targets(value, f"{path}.{i}")
    return found


def target_problems(data: Any, path: str = "") -> list[ConfigError]:
    """An error for each ``_target_`` in ``data`` outside the allow-list."""
    return [ConfigError(where, value, f"one of {sorted(ALLOWED_TARGETS)} (configs may not build arbitrary Python objects)")
            for where, value in targets(data, path) if value not in ALLOWED_TARGETS]


def _values(override: Override) -> list:
    """Each value an override sets (one, or each of a sweep); none for those the sweeper draws (``interval``, ``glob``)."""
    try:
        return list(override.sweep_iterator()) if override.is_sweep_override() else [override.value()]
    except HydraException:
        return []


def _typed(override: Override) -> Any:
    """The value as the user typed it, for messages: the value itself, or the text of a sweep."""
    return override.input_line.partition("=")[2] if override.is_sweep_override() else override.value()


def searchpath(overrides: Iterable[str]) -> list[Path]:
    """The config folders a ``hydra.searchpath=[file://...]`` override adds (a place built elsewhere)."""
    folders = []
    for override in overrides:
        key, _, value = str(override).partition("=")
        if key.lstrip("+~") == "hydra.searchpath":
            for entry in value.strip("[]").split(","):
                entry = entry.strip().strip("'\"")
                if entry.startswith("file://"):
                    folders.append(Path(entry[len("file://"):]))
    return folders


def _group_problems(override: Override, folders: Iterable[Path] = ()) -> list[ConfigError]:
    group = override.key_or_group
    options = tuple(sorted({*groups()[group], *(p.stem for folder in folders for p in (folder / group).glob("*.yaml"))}))
    if override.is_delete():
        return []
    problems = []
    if group not in default_groups() and not (override.is_add() or override.is_force_add()):
        problems.append(ConfigError(group, _typed(override), f"+{group}=<option>: {group} is not in the defaults "
                                    f"(configs/config.yaml), so '+' adds it"))
    for value in _values(override):
        for choice in value if isinstance(value, list) else [value]:
            if str(choice) not in options:
                problems.append(ConfigError(group, choice, f"one of {', '.join(options)}{did_you_mean(choice, options)}"))
    return problems


def _locate(cfg: DictConfig, key: str) -> tuple[bool | None, str, list[str]]:
    """Whether ``key`` is in the composed ``cfg``; if not, the deepest node on its path and that node's keys.
    None when the path runs on through an interpolation or a value (Hydra judges those)."""
    node, parts = cfg, key.split(".")
    for depth, part in enumerate(parts):
        if isinstance(node, ListConfig):
            if not (part.isdigit() and int(part) < len(node)):
                return False, ".".join(parts[:depth]), [str(i) for i in range(len(node))]
            index: Any = int(part)
        elif isinstance(node, DictConfig):
            if part not in node.keys():
                return False, ".".join(parts[:depth]), [str(k) for k in node.keys()]
            index = part
        else:
            return None, "", []
        if OmegaConf.is_interpolation(node, index):
            return (True if depth == len(parts) - 1 else None), key, []
        node = node[index]
    return True, key, []


def _key_problem(cfg: DictConfig, override: Override) -> ConfigError | None:
    """What is wrong with the key of ``override`` in the composed ``cfg``, if anything: a key that is not
    there (with the closest and the known keys), a ``+`` on a key that is, a ``+`` key not accepted there."""
    key, value = override.key_or_group, _typed(override)
    found, parent, keys = _locate(cfg, key)
    direct, _, last = key.rpartition(".")
    optional = known_keys(direct) or set()
    if found is None:
        return None
    if found:
        if override.is_add():
            return ConfigError(key, value, f"{key}={override.input_line.partition('=')[2]} without '+': {key} is set "
                                           "in the configs already ('+' adds a key they do not have)")
        return None
    if override.is_add() or override.is_force_add():
        refused = key_problems({last: value}, direct)
        return refused[0] if refused else None
    if override.is_delete():
        return ConfigError(key, None, f"a key to delete{did_you_mean(last, keys)}: {', '.join(sorted(keys))}")
    if parent == direct and last in optional:
        return ConfigError(key, value, f"+{override.input_line}: the configs do not set {key}, so '+' adds it")
    if keys and all(k.isdigit() for k in keys):
        return ConfigError(key, value, f"an index of the list {parent} from 0 to {len(keys) - 1}")
    missing = key[len(parent):].lstrip(".").split(".")[0]
    known = sorted(set(keys) | (optional if parent == direct else set()))
    at = "" if parent == direct else f" at {parent or 'the top level'}"
    return ConfigError(key, value, f"a known key{at}{did_you_mean(missing, known)}: {', '.join(known)}")


def _parse(overrides: Iterable[str]) -> tuple[list[Override], list[ConfigError]]:
    parser, parsed, problems = OverridesParser.create(), [], []
    for text in overrides:
        if not text.strip():
            problems += empty_problems([text])
            continue
        try:
            parsed.append(parser.parse_override(text))
        except HydraException:
            problems.append(ConfigError(text.partition("=")[0].lstrip("+~") or text, text, SYNTAX))
        except ValueError:                             # a number too long for Python to read (over 4,300 digits)
            key, _, value = text.partition("=")
            key = key.lstrip("+~")
            seed = " (0 <= seed < 2**63)" if key == "run.seed" else ""
            problems.append(ConfigError(key, f"{value[:12]}... ({len(value):,} characters)",
                                        f"a value of at most 4,300 digits{seed}"))
    return parsed, problems


def _prefix(override: Override) -> str:
    return "+" if override.is_add() else "++" if override.is_force_add() else "~" if override.is_delete() else ""


def _choice_lines(override: Override) -> list[str]:
    """A group override as one override line per option it chooses (none for a ``glob`` Hydra expands itself)."""
    if not override.is_sweep_override():
        return [override.input_line]
    try:
        return [f"{_prefix(override)}{override.key_or_group}={value}" for value in override.sweep_string_iterator()]
    except HydraException:
        return []


def _compositions(choices: list[Override]) -> list[list[str]]:
    """Group overrides to compose so that each option of each swept group is composed at least once."""
    lines = [_choice_lines(o) for o in choices]
    lines = [options for options in lines if options]
    rounds = max((len(options) for options in lines), default=1)
    return [[options[i % len(options)] for options in lines] for i in range(rounds)]


def problems(overrides: Iterable[str]) -> list[ConfigError]:
    """Every problem with ``overrides`` (Hydra syntax, sweeps included) found before composing: one
    :class:`ConfigError` each, naming the key, what was given and what is allowed."""
    overrides = as_list(overrides)
    parsed, found = _parse(overrides)
    folders = searchpath(overrides)
    found += yaml_problems([CONFIG_DIR, *folders])
    choices, keys = [], []
    for override in parsed:
        key = override.key_or_group
        parent, _, last = key.rpartition(".")
        for value in [] if override.is_delete() else _values(override):
            found += target_problems({last: value}, parent)
        if override.package is not None or key.split("/")[0].split(".")[0] == "hydra":
            continue                                   # Hydra's own settings, or a group placed elsewhere
        if key in groups():
            choices.append(override)
            found += _group_problems(override, folders)
        else:
            keys.append(override)
    if found or not keys:
        return found
    compositions = _compositions(choices)
    by_key: dict[str, list[tuple[str, ConfigError]]] = {}
    for composition in compositions:
        try:
            cfg = hydra_compose(composition)
        except HydraException:
            continue                                   # Hydra says what is wrong when it composes the job
        for override in keys:
            problem = _key_problem(cfg, override)
            if problem is not None:
                by_key.setdefault(override.input_line, []).append((" ".join(composition), problem))
    for failures in by_key.values():
        if len(failures) == len(compositions):
            found.append(failures[0][1])
        else:
            found += [ConfigError(e.key, e.value, f"{e.allowed} (with {choice})") for choice, e in failures]
    return found


def check(overrides: Iterable[str]) -> None:
    """Raise :class:`ConfigErrors` listing every problem :func:`problems` finds, or return quietly."""
    found = problems(overrides)
    if found:
        raise ConfigErrors(found)


def source_key(raw: Mapping, key: str) -> str:
    """The key whose value ``key`` takes, following interpolations (chains, and interpolated mappings on its
    path) through the unresolved configuration ``raw``: ``network.streams.arrivals.rate_per_day`` ->
    ``network.lam`` where the configs say ``rate_per_day: ${network.lam}``; ``key`` itself otherwise."""
    parts, walked, node = key.split("."), [], raw
    for _ in range(100 + len(parts)):                 # bounded: a cycle of interpolations ends here
        if not parts:
            return ".".join(walked)
        part = parts.pop(0)
        if isinstance(node, Mapping) and part in node:
            child = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            child = node[int(part)]
        else:
            return key
        reference = REFERENCE.fullmatch(child) if isinstance(child, str) else None
        if reference:
            parts, walked, node = reference.group(1).split(".") + parts, [], raw
        else:
            walked.append(part)
            node = child
    return key


def typed_keys(error: ConfigError, cfg: DictConfig) -> ConfigError:
    """``error`` (each of :class:`ConfigErrors`) under the key the user sets where its own key takes its
    value by interpolation: ``network.lam: got -1; expected ... (it sets network.streams.arrivals.rate_per_day)``."""
    raw = OmegaConf.to_container(cfg, resolve=False)
    named, seen = [], set()
    for e in getattr(error, "errors", [error]):
        source = source_key(raw, e.key)
        e = e if source == e.key else ConfigError(source, e.value, f"{e.allowed} (it sets {e.key})")
        if str(e) not in seen:
            seen.add(str(e))
            named.append(e)
    return ConfigErrors(named) if isinstance(error, ConfigErrors) else named[0]
