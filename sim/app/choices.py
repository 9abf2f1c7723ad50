"""What a user of the web app may choose, discovered from ``configs/``, and the overrides that choice makes.

Nothing here lists places, scenarios or capacities by hand: the options of each config group are the
files of its folder (:func:`sim.inputs.overrides.groups`), a group the configs do not have is not
offered, and the settings a clinician touches are read from the configuration the chosen options
compose to:

* every place count of the ``capacity`` group (one per site where a place has several), labelled with
  the service that uses it (the network's ``capacity: ${capacity.<key>}``);
* the intensity of each lever of the chosen scenario (0 = not in place, 1 = the full effect).

Each setting carries its default (what runs if it is left alone), its unit and its source, taken from
the parameter register (:mod:`sim.inputs.params`), which reads them beside the values in ``configs/``.

A choice becomes command-line overrides (:func:`overrides`): a group option or a value that differs
from its default, and nothing else, so :func:`command` prints the ``python -m sim`` command that runs
the same job.
"""
from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from ..common.paths import CONFIG_DIR
from ..inputs.overrides import REFERENCE, default_groups, groups
from ..inputs.params import register_file
from ..inputs.schema import YEARS

#: the config groups a user of the app chooses from, in page order, with the label of each (those the
#: configs do not have are left out; ``capacity`` follows the place, ``network`` is the pathway itself)
OFFERED = {"place": "Place", "scenario": "Scenario", "scenario/capacity": "Capacity presets",
           "capacity_policy": "Capacity policy", "pressure": "Response to pressure"}
#: groups of which several options may be chosen at once (a list override, ``group=[a,b]``)
MULTIPLE = {"scenario/capacity"}
NONE = ""                        # the option meaning "not added" for a group outside the defaults list
LEVER_UNIT = "intensity: 0 = not in place, 1 = the full effect"


@dataclass(frozen=True)
class Group:
    """A config group offered on the page: its options (name -> label) and the option that runs by default."""

    name: str
    label: str
    options: dict[str, str]
    default: str | list[str]
    in_defaults: bool          # in configs/config.yaml's defaults list (else added with +group=option)
    descriptions: dict[str, str]


@dataclass(frozen=True)
class Setting:
    """One number a user may change: the override key, its default, unit and source."""

    key: str                   # capacity.acute_beds, capacity.acute_beds.manor, scenario.levers.<name>.intensity
    label: str
    default: float
    unit: str
    source: str
    whole: bool                # a count of places (else a fraction)
    minimum: float = 0.0
    maximum: float | None = None

    @property
    def input_id(self) -> str:
        """A name for the page's input (letters, digits and underscores)."""
        return "set_" + self.key.replace(".", "__")

    @property
    def hint(self) -> str:
        """The text shown on hover: unit, default and source."""
        default = f"{self.default:,.0f}" if self.whole else f"{self.default:g}"
        return f"Unit: {self.unit}. Default: {default}. Source: {self.source or 'not stated'}"


def _option_file(group: str, option: str) -> dict:
    data = yaml.safe_load((CONFIG_DIR / group / f"{option}.yaml").read_text())
    return data if isinstance(data, dict) else {}


@cache
def _defaults_list() -> dict[str, Any]:
    """The primary defaults (``configs/config.yaml``): group -> the option it chooses."""
    entries = yaml.safe_load((CONFIG_DIR / "config.yaml").read_text()).get("defaults", [])
    return {key: value for entry in entries if isinstance(entry, dict) for key, value in entry.items()}


def offered_groups() -> list[Group]:
    """The config groups the page offers, each with its options as the configs have them."""
    found = []
    for name, label in OFFERED.items():
        options = groups().get(name)
        if not options:
            continue
        files = {option: _option_file(name, option) for option in options}
        labels = {option: str(data.get("label") or option.replace("_", " ")) for option, data in files.items()}
        descriptions = {option: " ".join(str(data.get(k, "")) for k in ("description", "source") if data.get(k))
                        for option, data in files.items()}
        in_defaults = name in default_groups()
        default = _defaults_list().get(name, NONE) if in_defaults else NONE
        if name in MULTIPLE:
            default = default if isinstance(default, list) else [default] if default else []
        elif not in_defaults:
            labels = {NONE: "(none)", **labels}
        found.append(Group(name, label, labels, default, in_defaults, descriptions))
    return found


def years() -> list[int]:
    """The financial years a run may start in (2017 = 2017/18)."""
    return list(range(YEARS[0], YEARS[1] + 1))


def group_overrides(chosen: Mapping[str, Any]) -> list[str]:
    """The overrides choosing ``chosen`` (group -> option, or list of options), leaving out defaults."""
    out = []
    for group in offered_groups():
        value = chosen.get(group.name, group.default)
        if group.name in MULTIPLE:
            value = sorted(value or [])
            if value != sorted(group.default):
                out.append(f"{group.name}=[{','.join(value)}]")
        elif value != group.default and value not in (None, NONE):
            out.append(("" if group.in_defaults else "+") + f"{group.name}={value}")
    return out


def _labels_of_capacities(network: Mapping[str, Any]) -> dict[str, str]:
    """capacity key -> the label of the service whose places it sets (from the unresolved network)."""
    labels = {}
    for name, service in (network.get("services") or {}).items():
        capacity = service.get("capacity") if isinstance(service, Mapping) else None
        match = REFERENCE.fullmatch(capacity) if isinstance(capacity, str) else None
        if match and match.group(1).startswith("capacity."):
            labels[match.group(1).split(".", 1)[1]] = str(service.get("label") or name)
    return labels


def _register(path: str) -> dict[str, Any]:
    file = CONFIG_DIR / path
    return {p.key: p for p in register_file(file)} if file.is_file() else {}


def capacity_settings(raw: Mapping[str, Any], resolved: Mapping[str, Any]) -> list[Setting]:
    """One setting per place count of the composed configuration (``raw`` unresolved, ``resolved`` plain)."""
    place = str(resolved["place"].get("name", ""))
    register = _register(f"capacity/{place}.yaml")
    labels = _labels_of_capacities(raw.get("network") or {})
    settings = []
    for key, value in (resolved.get("capacity") or {}).items():
        entry = register.get(key)
        unit = entry.unit if entry else "places"
        source = entry.source if entry else ""
        label = labels.get(key, key.replace("_", " ").capitalize())
        parts = value.items() if isinstance(value, Mapping) else [(None, value)]
        for site, count in parts:
            if isinstance(count, bool) or not isinstance(count, (int, float)):
                continue                    # null: no limit, nothing to change on the page
            settings.append(Setting(f"capacity.{key}" + (f".{site}" if site else ""),
                                    label + (f" ({site.replace('_', ' ')})" if site else ""), count, unit, source, True))
    return settings


def lever_settings(resolved: Mapping[str, Any], scenario: str) -> list[Setting]:
    """The intensity of each lever of the chosen scenario."""
    register = _register(f"scenario/{scenario}.yaml")
    settings = []
    for name, lever in ((resolved.get("scenario") or {}).get("levers") or {}).items():
        if not isinstance(lever, Mapping):
            continue
        entry = register.get(f"levers.{name}.intensity")
        source = (entry.source if entry else "") or str(lever.get("source") or "")
        settings.append(Setting(f"scenario.levers.{name}.intensity", str(lever.get("label") or name),
                                float(lever.get("intensity", 1.0)), LEVER_UNIT, source, False, 0.0, 1.0))
    return settings


def value_text(value: float) -> str:
    """A number as an override writes it: ``500``, ``0.75``."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def setting_overrides(settings: Iterable[Setting], values: Mapping[str, Any]) -> list[str]:
    """``key=value`` for each setting whose value (by key) differs from its default; empty leaves the default."""
    out = []
    for setting in settings:
        value = values.get(setting.key)
        if value is None or value == "" or value == setting.default:
            continue
        out.append(f"{setting.key}={value_text(value) if isinstance(value, (int, float)) else value}")
    return out


def command(overrides: Iterable[str]) -> str:
    """The command line that runs the same job."""
    return " ".join(["python -m sim", *(shlex.quote(o) for o in overrides)])
