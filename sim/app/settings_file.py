"""Save the page's settings as a file, and load one back into the page.

*Save settings* downloads ``settings.yaml``: the overrides the page's choices make (those that differ from
the defaults, as :func:`sim.app.choices.command` prints them), a list, with the command that runs them::

    # carepath settings: the overrides of carepath run
    carepath: settings
    command: python -m sim capacity.acute_beds=500 run.replications=5
    overrides:
    - capacity.acute_beds=500
    - run.replications=5

*Load settings* reads such a file back: each override goes to the field that makes it (a group's choice,
the year, end year, replications and seed, a place count or lever of the groups the file chooses) and any
other to *Other settings*, so *Run* then runs what was saved.  A file that is not one is refused with a
one-line message naming what is wrong, and the page is left as it was.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from shiny import reactive, render, req, ui

from .choices import MULTIPLE, Group, Setting, command
from .page import group_id

KIND = "settings"
HEADER = "# carepath settings: the overrides of carepath run (saved from the web app)\n"
RUN_FIELDS = ("year", "end_year", "replications", "seed")
LARGEST = 200_000                 # bytes: a settings file is a few lines


class NotSettings(ValueError):
    """A file that is not a carepath settings file."""


@dataclass
class Loaded:
    """A settings file sorted into the page's fields."""

    groups: dict[str, Any] = field(default_factory=dict)       # group -> option (a list for MULTIPLE)
    run: dict[str, str] = field(default_factory=dict)          # year, end_year, replications, seed
    values: dict[str, float] = field(default_factory=dict)     # setting key -> value
    other: list[str] = field(default_factory=list)


def dump(overrides: Sequence[str]) -> str:
    """The settings file of ``overrides``."""
    body = {"carepath": KIND, "command": command(list(overrides)), "overrides": list(overrides)}
    return HEADER + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)


def parse(data: bytes) -> list[str]:
    """The overrides of a settings file's contents."""
    if len(data) > LARGEST:
        raise NotSettings(f"settings file: {len(data):,} bytes; expected a carepath settings file (a few lines)")
    try:
        body = yaml.safe_load(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        raise NotSettings(f"settings file: not YAML ({type(error).__name__}); expected a carepath settings file") from None
    if not isinstance(body, dict) or body.get("carepath") != KIND:
        raise NotSettings("settings file: no 'carepath: settings' line; expected a file saved by Save settings")
    overrides = body.get("overrides")
    if not isinstance(overrides, list) or not all(isinstance(o, str) and "=" in o for o in overrides):
        raise NotSettings("settings file: overrides: expected a list of key=value overrides")
    return overrides


def _option(value: str, multiple: bool) -> Any:
    if multiple:
        return [v.strip() for v in value.strip("[]").split(",") if v.strip()]
    return value


def sort_out(overrides: Iterable[str], groups: Sequence[Group], settings_for) -> Loaded:
    """Each override to its field: ``settings_for(chosen groups)`` gives the place counts and the levers those
    groups offer (two lists of :class:`~sim.app.choices.Setting`)."""
    by_name = {g.name: g for g in groups}
    loaded = Loaded()
    rest = []
    for override in overrides:
        key, _, value = override.lstrip("+").partition("=")
        if key in by_name:
            option = _option(value, key in MULTIPLE)
            known = by_name[key].options
            if all(o in known for o in (option if isinstance(option, list) else [option])):
                loaded.groups[key] = option
                continue
        elif key.startswith("run.") and key[4:] in RUN_FIELDS:
            loaded.run[key[4:]] = value
            continue
        rest.append(override)
    chosen = {g.name: loaded.groups.get(g.name, g.default) for g in groups}
    settings: dict[str, Setting] = {s.key: s for part in settings_for(chosen) for s in part}
    for override in rest:
        key, _, value = override.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = None
        if key in settings and number is not None:
            loaded.values[key] = int(number) if settings[key].whole and number.is_integer() else number
        else:
            loaded.other.append(override)
    return loaded


def register(input, groups: Sequence[Group], run_defaults: dict, page_overrides, settings_for, loaded, problems) -> None:
    """Add *Save settings* and *Load settings* to the current session: ``page_overrides`` (async) gives the
    page's overrides; ``settings_for(chosen groups)`` the place counts and levers they offer; ``loaded`` is
    set to ``(chosen groups, values)``, the place counts and levers a file gave, which the page's fields take
    while those groups stay chosen; ``problems`` shows a refused file's message."""
    @render.download_button(filename="settings.yaml", media_type="text/yaml")
    async def download_settings():
        _, overrides, _ = await page_overrides()
        yield dump(overrides)

    @reactive.effect
    @reactive.event(input.settings_upload)
    def _load():
        files = input.settings_upload()
        req(files)
        try:
            with open(files[0]["datapath"], "rb") as handle:
                sorted_out = sort_out(parse(handle.read(LARGEST + 1)), groups, settings_for)
        except NotSettings as problem:
            problems.set((str(problem),))
            return
        problems.set(())
        chosen = {g.name: sorted_out.groups.get(g.name, g.default) for g in groups}
        for group in groups:
            if group.name in MULTIPLE:
                ui.update_checkbox_group(group_id(group), selected=list(chosen[group.name]))
            else:
                ui.update_select(group_id(group), selected=chosen[group.name])
        for name in ("year", "end_year"):
            ui.update_select(name, selected=str(sorted_out.run.get(name, run_defaults.get(name) or "")))
        for name in ("replications", "seed"):
            ui.update_numeric(name, value=sorted_out.run.get(name, run_defaults[name]))
        ui.update_text_area("other", value=" ".join(sorted_out.other))
        loaded.set((chosen, sorted_out.values))
