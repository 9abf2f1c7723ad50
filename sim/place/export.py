"""Write a place as files: an existing config (``export``) or a worked example (``init``).

``export NAME DIR`` writes the place ``NAME`` (as ``python -m sim place=NAME`` runs it, in its base
year) in the form :mod:`sim.place.template` describes, each row with the source its config cites, so
``build DIR --name NAME`` gives it back: the same figures, exactly.  ``init DIR`` writes an example
place of two areas, two sites and an area outside the footprint, whose figures are Walsall's used as
an example (marked so), to replace with a system's own.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from ..common import quoting
from ..common.errors import ConfigError
from ..common.files import atomic_write
from ..common.paths import CONFIG_DIR
from ..engine.catchment import OUTSIDE
from ..engine.population import AGE_BANDS, Population
from ..inputs import params
from ..inputs.config import load
from .reader import SOURCED
from .template import BY_NAME, FILES, readme
from .writer import LOCAL_PATHS, number


class Sources:
    """The source each value of a config file cites, as the parameter register finds it."""

    def __init__(self, path: Path | None):
        self.by_key = {}
        if path is not None and path.is_file() and CONFIG_DIR in path.resolve().parents:
            self.by_key = {p.key: p.source for p in params.register_file(path.resolve())}

    def __call__(self, *keys: str) -> str:
        """The source of the value at each dotted key (or of its nearest enclosing entry), joined."""
        found = []
        for key in keys:
            parts = key.split(".")
            for n in range(len(parts), 0, -1):
                if ".".join(parts[:n]) in self.by_key:
                    found.append(self.by_key[".".join(parts[:n])])
                    break
        return "; ".join(dict.fromkeys(" ".join(f.split()) for f in found if f))


def _config_file(group: str, name: str, folders: Sequence[Path]) -> Path | None:
    for folder in [CONFIG_DIR, *folders]:
        path = Path(folder) / group / f"{name}.yaml"
        if path.is_file():
            return path
    return None


def _defaults(path: Path) -> dict[str, str]:
    """``{key: option}`` of the place file's defaults list, keyed by the package the option is placed at, or its
    group when placed at the place itself (``/rates/walsall_2017@_here_`` -> rates,
    ``/calibration/black_country_2017_sites@site_calibration`` -> site_calibration)."""
    found = {}
    for entry in (yaml.safe_load(path.read_text()) or {}).get("defaults", []):
        if isinstance(entry, str) and entry.startswith("/"):
            choice, _, package = entry[1:].partition("@")
            group, _, option = choice.partition("/")
            found[package if package and package != "_here_" else group] = option
    return found


def _csv(rows: list[dict], name: str) -> str:
    handle = io.StringIO()
    writer = csv.DictWriter(handle, fieldnames=BY_NAME[name].header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return handle.getvalue()


def _value(x) -> str:
    return number(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else str(x)


def tables(name: str, folders: Sequence[Path] = ()) -> dict[str, list[dict]]:
    """The rows of every file of the place ``name`` (its configs found in configs/ or ``folders``)."""
    overrides = [quoting.searchpath(*folders)] if folders else []
    cfg = load([*overrides, f"place={name}"])
    place, capacity = cfg["place"], cfg["capacity"]
    place_file = _config_file("place", name, folders)
    defaults = _defaults(place_file) if place_file else {}
    rates_from = defaults.get("rates", "walsall_2017")
    cite = Sources(place_file)
    rates_cite = Sources(_config_file("rates", rates_from, folders))
    capacity_cite = Sources(_config_file("capacity", name, folders))
    population = Population(place)
    catchment = population.catchment
    out: dict[str, list[dict]] = {spec.name: [] for spec in FILES}
    out["place.csv"] = [
        {"key": "label", "value": place.get("label", name), "source": ""},
        {"key": "base_year", "value": place["base_year"], "source": cite("base_year")},
        {"key": "calibration", "value": defaults.get("calibration", "none"), "source": ""},
        *([{"key": "site_calibration", "value": defaults["site_calibration"], "source": ""}]
          if "site_calibration" in defaults else []),
        {"key": "rates_from", "value": rates_from if (CONFIG_DIR / "rates" / f"{rates_from}.yaml").is_file()
         else "walsall_2017", "source": ""}]
    for area in population.localities:
        home = catchment.home_of[area]
        out["areas.csv"].append({"area": area, "place": "" if home == OUTSIDE else home,
                                 "outside": "yes" if home == OUTSIDE else "no",
                                 "label": (place["localities"][area] or {}).get("label", ""),
                                 "source": cite(f"localities.{area}")})
        for site, share in catchment.shares[area].items():
            out["catchment.csv"].append({"area": area, "site": site, "share": number(share),
                                         "source": cite(f"localities.{area}.sites.{site}") or cite(f"localities.{area}")})
    out["sites.csv"] = [{"site": site, "label": site, "source": ""} for site in catchment.sites]
    pop = place.get("population") or {}
    for i, area in enumerate(population.localities):
        for j, age in enumerate(AGE_BANDS):
            keys = ([f"population.by_locality.{area}.{age}"] if "by_locality" in pop else
                    ["population.total", f"population.age_shares.{age}", f"population.locality_shares.{area}"])
            out["population.csv"].append({"area": area, "age_band": age, "people": number(population.people[i, j]),
                                          "source": cite(*keys)})
    for stream, rates in place["demand"].items():
        by_area = rates["by_locality"] if "by_locality" in rates else {"": rates}
        for area, row in by_area.items():
            for age in AGE_BANDS:
                out["rates.csv"].append({"area": area, "stream": stream, "age_band": age, "rate_per_1000": number(row[age]),
                                         "source": rates_cite(f"demand.{stream}.{age}") or cite(f"demand.{stream}")})
    for key, value in capacity.items():
        for part, places in (value.items() if isinstance(value, Mapping) else [("", value)]):
            out["capacity.csv"].append({"capacity": key, "part": part, "places": _value(places),
                                        "source": capacity_cite(key)})
    growth = (place.get("projection") or {}).get("growth_per_year")
    if growth:
        for area in population.localities:
            row = growth["by_locality"][area] if "by_locality" in growth else growth
            for age in AGE_BANDS:
                key = f"by_locality.{area}.{age}" if "by_locality" in growth else age
                out["projection.csv"].append({"area": area, "age_band": age, "growth_per_year": number(row[age]),
                                              "source": cite(f"projection.growth_per_year.{key}")})
    for table in place.get("local") or []:
        if table["path"] == LOCAL_PATHS["los"]:
            out["los.csv"] = [{"age_band": age, "mean_days": number(v["mean"]), "cv": number(v["cv"]), "source": ""}
                              for age, v in table["values"].items()]
        elif table["path"] == LOCAL_PATHS["discharge"]:
            out["discharge.csv"] = [{"age_band": age, "destination": d, "share": number(s), "source": ""}
                                    for age, shares in table["values"].items() for d, s in shares.items()]
    unsourced = f"assumption: as the place {name} has it (its configs cite no source for this figure)"
    for row in [r for file_name in SOURCED for r in out[file_name]] + [out["place.csv"][1]]:
        row["source"] = row["source"] or unsourced      # every figure has a source, or the build refuses it
    return out


def write(folder: Path, rows: dict[str, list[dict]], name: str, overwrite: bool = False) -> list[Path]:
    """Write the files (optional ones only when they have rows) and the README into ``folder``."""
    folder = Path(folder)
    texts = {spec.name: _csv(rows[spec.name], spec.name) for spec in FILES if spec.required or rows[spec.name]}
    texts["README.md"] = readme(name)
    clash = [n for n in texts if (folder / n).exists()]
    if clash and not overwrite:
        raise ConfigError("DIR", str(folder), f"a folder without place files (it has {', '.join(clash)})")
    written = []
    for file_name, text in texts.items():
        atomic_write(folder / file_name, lambda tmp, text=text: Path(tmp).write_text(text))
        written.append(folder / file_name)
    return written


def export(name: str, folder: Path, folders: Sequence[Path] = ()) -> list[Path]:
    """Write the place ``name`` as files into ``folder``."""
    return write(folder, tables(name, folders), name)


def example() -> dict[str, list[dict]]:
    """An example place: two areas sharing two sites, and an area outside the footprint that uses one."""
    rows = tables("walsall")
    example_note = "assumption: example figure (Walsall's, from configs/); replace with the system's own"
    walsall_people = {(r["age_band"]): float(r["people"]) for r in rows["population.csv"] if r["area"] == "north"}
    areas = {"north": "my_place", "south": "my_place", "beyond": ""}
    shares = {"north": {"main_hospital": 0.8, "second_hospital": 0.15}, "south": {"main_hospital": 0.3,
              "second_hospital": 0.65}, "beyond": {"second_hospital": 0.2}}
    out: dict[str, list[dict]] = {spec.name: [] for spec in FILES}
    out["place.csv"] = [{"key": "label", "value": "My place", "source": ""},
                        {"key": "base_year", "value": "2017", "source": "the financial year 2017/18"},
                        {"key": "calibration", "value": "walsall_2017", "source": ""},
                        {"key": "rates_from", "value": "walsall_2017", "source": ""}]
    out["areas.csv"] = [{"area": a, "place": p, "outside": "yes" if not p else "no", "label": a.capitalize(),
                         "source": example_note} for a, p in areas.items()]
    out["sites.csv"] = [{"site": s, "label": s.replace("_", " ").capitalize(), "source": example_note}
                        for s in ("main_hospital", "second_hospital")]
    out["population.csv"] = [{"area": a, "age_band": age, "people": number(round(walsall_people[age])),
                              "source": example_note} for a in areas for age in AGE_BANDS]
    out["catchment.csv"] = [{"area": a, "site": s, "share": number(v), "source": example_note}
                            for a, by_site in shares.items() for s, v in by_site.items()]
    out["rates.csv"] = [{**r, "source": example_note} for r in rows["rates.csv"]]
    out["rates.csv"] += [{**r, "area": "beyond"} for r in out["rates.csv"] if r["stream"] in ("ae_walk_in", "ae_ambulance")]
    out["capacity.csv"] = [{**r, "source": example_note} for r in rows["capacity.csv"] if r["capacity"] != "acute_beds"]
    out["capacity.csv"] += [{"capacity": "acute_beds", "part": s, "places": "300", "source": example_note}
                            for s in ("main_hospital", "second_hospital")]
    out["projection.csv"] = [{**r, "area": a, "source": example_note} for a in areas for r in rows["projection.csv"]
                             if r["area"] == "north"]
    return out


def init(folder: Path) -> list[Path]:
    """Write the example place and the README into ``folder``."""
    return write(folder, example(), "my_place")
