"""Build a place's configs from its files: check, size what is left out, and write all or nothing.

:func:`build` reads the files (:mod:`sim.place.reader`; a bad row stops it with the file, row and
column named), writes the place, rates and capacity configs to a scratch folder, composes and checks
them as a run would, sizes the services whose places the files leave out (:mod:`sim.place.sizing`,
with the place under a scratch name so an older version of it cannot shadow the new one) and only
then puts the three files in place, each written to a temporary name and renamed.

It never replaces a place it was not asked to: before anything else, a build whose files exist already
(a shipped place such as Walsall, or one built before) stops with :class:`Exists`, naming them, unless
``force`` is given; and a build into another folder under a name the project's configs/ has stops
always, since that place would be run instead of the one built.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

from ..common import quoting
from ..common.errors import ConfigError
from ..common.files import temporary_file
from ..common.paths import CONFIG_DIR, ROOT
from ..inputs.config import load
from ..jobs import runner
from . import sizing
from .reader import NAME, read
from .writer import capacity_yaml, place_yaml, rates_yaml

GROUPS = ("place", "rates", "capacity")


class Refused(Exception):
    """A build that would lose work: ``str()`` says why and what to do, ``paths`` the files concerned."""

    def __init__(self, message: str, paths: Sequence[Path]):
        self.paths = list(paths)
        super().__init__(message)


class Exists(Refused):
    """The files a build would replace, refused without ``force``."""

    def __init__(self, paths: Sequence[Path]):
        super().__init__("the place's files exist, and building it would replace them (nothing was written: "
                         "choose another --name, or add --force to replace them)", paths)


def searchpath(folder: Path) -> str:
    """The override that lets ``python -m sim`` find configs written to ``folder`` (quoted for Hydra, so
    a folder named with spaces or accents works)."""
    return quoting.searchpath(folder)


def targets(out: Path | None, name: str) -> list[Path]:
    """The files a build of ``name`` writes into ``out`` (default the project's configs/)."""
    out = Path(out) if out is not None else CONFIG_DIR
    return [out / group / f"{name}.yaml" for group in GROUPS]


def existing(out: Path | None, name: str) -> list[Path]:
    """Those of :func:`targets` that exist: what the build would replace."""
    return [path for path in targets(out, name) if path.exists()]


def check_targets(out: Path | None, name: str, force: bool = False) -> list[Path]:
    """The files a build of ``name`` into ``out`` would replace, before anything is written.  Raises
    :class:`Exists` when there are any and not ``force``, and :class:`Refused` (even with ``force``) when
    ``out`` is another folder and the project's configs/ has the name: ``place=NAME`` would run that one,
    not the one built."""
    if out is not None and Path(out).resolve() != CONFIG_DIR.resolve():
        shadowing = existing(None, name)
        if shadowing:
            raise Refused(f"the project's configs/ has a place {name}, which would run in place of the one built "
                          f"into {out} (nothing was written: choose another --name)", shadowing)
    found = existing(out, name)
    if found and not force:
        raise Exists(found)
    return found


def origin_of(folder: Path) -> str:
    """How a built config names the files it came from: relative to the repository when inside it."""
    folder = Path(folder).resolve()
    try:
        return str(folder.relative_to(ROOT))
    except ValueError:
        return str(folder)


def reference_rates(rates_from: str) -> dict:
    """The rates file whose risk tiers, care-home shares and trend growth a place takes."""
    path = CONFIG_DIR / "rates" / f"{rates_from}.yaml"
    if not path.is_file():
        raise ConfigError("place.csv rates_from", rates_from, f"a rates file of configs/rates/ "
                          f"({', '.join(sorted(p.stem for p in path.parent.glob('*.yaml')))})")
    return yaml.safe_load(path.read_text())


def _rates_from(folder: Path) -> str:
    """The ``rates_from`` setting of place.csv, read ahead of the full check (which needs its streams)."""
    import csv
    path = Path(folder) / "place.csv"
    if path.is_file():
        with open(path, newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                if (row.get("key") or "").strip() == "rates_from" and (row.get("value") or "").strip():
                    return row["value"].strip()
    return "walsall_2017"


def _default_capacity(key: str, partition, reference: dict, served: dict) -> tuple:
    """Places for a service the files leave out that sizing does not size: none where the reference has
    none (schemes not yet running), otherwise the reference's places per person served."""
    if reference[key] == 0:
        return 0, "assumption: none, as in Walsall's base year (the scheme was not yet running)"
    places = reference[key]           # one number is each part's: Walsall's places are that times its parts
    total = sum(places.values()) if isinstance(places, dict) else places * len(served["reference"])
    per_person = total / sum(served["reference"].values())
    values = {part: round(per_person * people) for part, people in served["place"].items()}
    return values, (f"assumption: Walsall's places per resident ({total} for "
                    f"{round(sum(served['reference'].values())):,} people), per {partition}")


class Builder:
    """Builds one place: ``Builder(folder, name).build(out)``."""

    def __init__(self, folder: Path, name: str, sizing_settings: Sequence[str] | None = None,
                 progress: Callable[[str], None] = lambda message: None):
        if not NAME.fullmatch(name):
            raise ConfigError("--name", name, "a place name of lower-case letters, digits and _")
        self.folder, self.name, self.progress = Path(folder), name, progress
        self.replaced: list[Path] = []          # the files the build replaced (with force)
        self.sizing_settings = list(sizing_settings) if sizing_settings is not None else sizing.settings()
        if not self.folder.is_dir():
            raise ConfigError("DIR", str(folder), "a folder of place files (python -m sim.place init DIR writes one)")
        self.rates_from = _rates_from(self.folder)
        self.reference_rates = reference_rates(self.rates_from)
        self.services = sizing.capacity_services(sizing.REFERENCE)
        self.reference_capacity = load(list(sizing.REFERENCE))["capacity"]
        parts = {key: self.services.get(key, (None, None))[1] for key in self.reference_capacity}
        self.data = read(self.folder, list(self.reference_rates["demand"]), parts)
        self.origin = origin_of(self.folder)
        self.scratch = f"scratch_{name}"     # the name it is checked and sized under (an older version cannot shadow it)

    def texts(self, name: str, capacity: dict, cited: dict) -> dict[str, str]:
        """The three configs of the place under ``name``."""
        return {"place": place_yaml(self.data, name, self.origin),
                "rates": rates_yaml(self.data, name, self.origin, self.reference_rates, self.rates_from),
                "capacity": capacity_yaml(self.data, name, self.origin, capacity, cited)}

    def capacity(self, scratch: Path) -> tuple[dict, dict]:
        """Places of every service, and the source of each: from the files, else sized or per resident."""
        capacity, cited, missing = {}, {}, []
        reference = sizing.population(load(list(sizing.REFERENCE)))
        self._write(scratch, self.texts(self.scratch, dict.fromkeys(self.reference_capacity, 0),
                                        dict.fromkeys(self.reference_capacity, "")), self.scratch)
        people = sizing.population(load([searchpath(scratch), f"place={self.scratch}"]))
        partial = {}
        for key in self.reference_capacity:
            partition = self.services.get(key, (None, None))[1] or "place"
            given = self.data.capacity.get(key, {})
            parts = list(people.served(partition))
            if "" in given or (given and set(given) == set(parts)):
                capacity[key] = given[""][0] if "" in given else {part: given[part][0] for part in parts}
                cited[key] = "; ".join(dict.fromkeys(s for _, s in given.values() if s))
                continue
            if given:
                partial[key] = (given, parts)
            if partition in sizing.SIZED_PARTITIONS and self.reference_capacity[key] > 0:
                missing.append(key)
            served = {"reference": reference.served(partition), "place": people.served(partition)}
            capacity[key], cited[key] = _default_capacity(key, partition, self.reference_capacity, served)
        if missing:
            capacity, cited = self._size(scratch, missing, capacity, cited)
        for key, (given, parts) in partial.items():          # the parts the files give keep their places
            value = capacity[key] if isinstance(capacity[key], dict) else dict.fromkeys(parts, capacity[key])
            capacity[key] = {**value, **{part: places for part, (places, _) in given.items()}}
            cited[key] = "; ".join(f"{part}: {source}" for part, (_, source) in given.items()) + f"; others: {cited[key]}"
        return capacity, cited

    def _size(self, scratch: Path, missing: list[str], capacity: dict, cited: dict) -> tuple[dict, dict]:
        self.progress(f"sizing {', '.join(missing)} to {self.name}'s own demand (sim.place.sizing)")
        provisional = {k: (v if k not in missing else 1) for k, v in capacity.items()}
        self._write(scratch, self.texts(self.scratch, provisional, dict.fromkeys(provisional, "")), self.scratch)

        def run(label, overrides):
            self.progress(f"  running {label} with generous places")
            return runner.run(load(overrides), progress=False).summary

        sizer = sizing.Sizing(run, self.sizing_settings, base=[searchpath(scratch)])
        given = {k: v for k, v in capacity.items() if k not in missing}     # sized ones take the form of their parts
        sizes, _ = sizer.size(self.name, [f"place={self.scratch}"], given, missing)
        for key in missing:
            capacity[key] = sizes[key]
            cited[key] = ("assumption: Walsall's places scaled by this part's modelled demand, its unconstrained load "
                          "against Walsall's, so it runs about as full as Walsall's calibrated services (sim.place.sizing)")
        return capacity, cited

    @staticmethod
    def _write(folder: Path, texts: dict[str, str], name: str) -> None:
        for group, text in texts.items():
            path = folder / group / f"{name}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)

    def build(self, out: Path | None = None, force: bool = False) -> list[Path]:
        """Check, size and write the place's configs into ``out`` (default the project's configs/); files
        there already are replaced only with ``force`` (:func:`check_targets`, before anything else), and
        :attr:`replaced` lists them."""
        self.replaced = check_targets(out, self.name, force)
        out = Path(out) if out is not None else CONFIG_DIR
        with tempfile.TemporaryDirectory(prefix="carepath-place-") as tmp:
            scratch = Path(tmp)
            capacity, cited = self.capacity(scratch)
            texts = self.texts(self.name, capacity, cited)
            self._write(scratch, self.texts(self.scratch, capacity, cited), self.scratch)
            runner.check(load([searchpath(scratch), f"place={self.scratch}"]))   # as a run would
        self.replaced = check_targets(out, self.name, force)      # again: sizing takes minutes
        return _write_all(out, self.name, texts)


def _write_all(out: Path, name: str, texts: dict[str, str]) -> list[Path]:
    """Write every file to a temporary name beside its destination, then rename them all: a failure
    before the renames leaves nothing behind."""
    pending = []
    try:
        for group, text in texts.items():
            path = out / group / f"{name}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = temporary_file(path)
            pending.append((tmp, path))
            Path(tmp).write_text(text, encoding="utf-8")
    except BaseException:
        for tmp, _ in pending:
            os.unlink(tmp)
        raise
    for tmp, path in pending:
        os.replace(tmp, path)
    return [path for _, path in pending]


def build(folder: Path, name: str, out: Path | None = None, sizing_settings: Sequence[str] | None = None,
          progress: Callable[[str], None] = lambda message: None, force: bool = False) -> list[Path]:
    """Check the place files in ``folder`` and write ``configs/{place,rates,capacity}/<name>.yaml``
    (or under ``out``); returns the paths written.  Files there already are replaced only with ``force``
    (else :class:`Exists`, before anything is written)."""
    return Builder(folder, name, sizing_settings, progress).build(out, force)
