"""The configs of a place, written from its checked files: place, rates and capacity.

Every value goes into YAML with its source as the comment above it, where the parameter register
(``python -m sim.params``) finds it.  Numbers are written exactly (Python's shortest round-trip
form), so a place exported and built back runs exactly as it did.
"""
from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Mapping

from ..common.quoting import command
from ..engine.population import AGE_BANDS
from .reader import PlaceData

WIDTH = 112
#: where the optional local tables go in the pathway (network/integrated_care.yaml)
LOCAL_PATHS = {"los": "network.services.acute.los.values.default.values",
               "discharge": "network.services.acute.next.values.default.values.community.values"}


def number(x) -> str:
    """A number as YAML: whole numbers without a decimal point, others in the shortest exact form."""
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def text(value: str) -> str:
    """A string as YAML: a plain name as it is, anything else quoted."""
    return value if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", value) else json.dumps(value)


def flow(mapping: Mapping) -> str:
    """``{a: 1, b: {c: 2}}``: a mapping on one line."""
    items = []
    for k, v in mapping.items():
        if isinstance(v, Mapping):
            items.append(f"{k}: {flow(v)}")
        elif isinstance(v, bool):
            items.append(f"{k}: {'true' if v else 'false'}")
        elif isinstance(v, (int, float)):
            items.append(f"{k}: {number(v)}")
        else:
            items.append(f"{k}: {text(str(v))}")
    return "{" + ", ".join(items) + "}"


def comment(text: str, indent: int = 0) -> list[str]:
    """``text`` as comment lines at ``indent``, wrapped; none for an empty text."""
    text = " ".join(str(text).split())
    if not text:
        return []
    pad = " " * indent
    return [pad + "# " + line for line in textwrap.wrap(text, WIDTH - indent - 2, break_on_hyphens=False)]


def sources(*texts) -> str:
    """The distinct sources of a line's values, joined with semicolons."""
    return "; ".join(dict.fromkeys(part.strip() for t in texts if t for part in str(t).split("; ") if part.strip()))


def _title(data: PlaceData, name: str, origin: str) -> str:
    base = data.setting("base_year")
    return (f"{data.setting('label')}, financial year {base}/{str(base + 1)[2:]}: built by `{_build(origin, name)}` "
            f"from the files in {origin} (edit them and build again, not this file).")


def _build(origin: str, name: str) -> str:
    """The command that builds the place (as the user would type it, quoted for the shell)."""
    return command(["python", "-m", "sim.place", "build", origin, "--name", name])


def place_yaml(data: PlaceData, name: str, origin: str) -> str:
    calibration = data.setting("calibration", "walsall_2017")
    lines = comment(_title(data, name, origin) + " Hospital care follows each area's catchment shares (the rest of its "
                    "demand uses sites outside the footprint); community, intermediate and social care follow its "
                    "home place.")
    lines += ["defaults:", f"  - /rates/{name}@_here_   # demand per 1,000, risk tiers, care homes, trend growth"]
    if calibration != "none":
        lines.append(f"  - /calibration/{calibration}@calibration   # fitted factors it inherits (python -m sim.calibrate)")
    site_calibration = data.setting("site_calibration", "none")
    if site_calibration != "none":
        lines.append(f"  - /calibration/{site_calibration}@site_calibration   # each site's own factors "
                     f"(python -m sim.calibrate --place {name})")
    lines += ["  - _self_", "", f"name: {name}", f"label: {text(data.setting('label'))}"]
    lines += comment(data.settings["base_year"][1]) + [f"base_year: {data.setting('base_year')}", "", "localities:"]
    for area, spec in data.areas.items():
        shares = data.catchment.get(area)
        entry: dict = {}
        if spec["outside"]:
            entry["outside"] = True
        if shares is None:
            entry["site"] = next(iter(data.sites))
        elif len(shares) == 1 and next(iter(shares.values()))[0] == 1.0 and not spec["outside"]:
            entry["site"] = next(iter(shares))
        else:
            entry["sites"] = {site: share for site, (share, _) in shares.items()}
        if not spec["outside"] and spec["place"] != entry.get("site"):
            entry = {"place": spec["place"], **entry}
        if spec["label"]:
            entry["label"] = spec["label"]
        # the shares' sources when there are shares (the area's own source says why the area is here)
        lines += comment(sources(*(s for _, s in shares.values())) if shares else spec["source"], 2)
        lines.append(f"  {area}: {flow(entry)}")
    lines += ["", "population:", "  by_locality:                # people by area and age band in the base year"]
    for area, cells in data.population.items():
        lines += comment(sources(*(s for _, s in cells.values())), 4)
        lines.append(f"    {area}: {flow({age: cells[age][0] for age in AGE_BANDS})}")
    if data.projection:
        lines += ["", "projection:                   # population growth a year after base_year, by area and age band",
                  '  source: "by area, see each line"', "  growth_per_year:"]
        rows = {area: {age: cells[age][0] for age in AGE_BANDS} for area, cells in data.projection.items()}
        cited = {area: sources(*(s for _, s in cells.values())) for area, cells in data.projection.items()}
        if len({flow(r) for r in rows.values()}) == 1:
            lines += comment(sources(*cited.values()), 4)
            lines += [f"    {key}: {number(value)}" for key, value in next(iter(rows.values())).items()]
        else:
            lines.append("    by_locality:")
            for area, row in rows.items():
                lines += comment(cited[area], 6) + [f"      {area}: {flow(row)}"]
    if data.los or data.discharge:
        lines += ["", "local:                        # local tables that replace the pathway's own, before calibration"]
        if data.los:
            lines += [f"  - path: {LOCAL_PATHS['los']}", "    values:"]
            for age, (mean, cv, source) in data.los.items():
                lines += comment(source, 6) + [f"      {age}: {flow({'mean': mean, 'cv': cv})}"]
        if data.discharge:
            lines += [f"  - path: {LOCAL_PATHS['discharge']}", "    values:"]
            for age, shares in data.discharge.items():
                lines += comment(sources(*(s for _, s in shares.values())), 6)
                lines.append(f"      {age}: {flow({d: v for d, (v, _) in shares.items()})}")
    return "\n".join(lines) + "\n"


def rates_yaml(data: PlaceData, name: str, origin: str, reference: Mapping, rates_from: str) -> str:
    """The rates group: the place's demand rates, and risk tiers, care-home shares and trend growth as
    ``rates_from`` (whose values ``reference`` holds)."""
    inherited = f"assumption: as {rates_from} (configs/rates/{rates_from}.yaml), no figures of this place's own"
    lines = comment(f"Demand rates of {data.setting('label')}: built by `{_build(origin, name)}` from "
                    f"{origin}/rates.csv. Included by configs/place/{name}.yaml.")
    for section in ("risk", "care_home"):
        lines += ["", *comment(inherited), f"{section}:"]
        lines += _block(reference[section], 2)
    lines += ["", "# Annual arrivals per 1,000 people by age band (by area where the areas differ).", "demand:"]
    for stream, by_area in data.rates.items():
        every = by_area.get("", {})
        own = {a: r for a, r in by_area.items() if a}
        if not own:
            lines += comment(sources(*(s for _, s in every.values())), 2)
            lines.append(f"  {stream}: {flow({age: every[age][0] for age in AGE_BANDS})}")
            continue
        lines += [f"  {stream}:", "    by_locality:"]
        for area in data.areas:
            cells = {**every, **own.get(area, {})} if not data.areas[area]["outside"] else own.get(area)
            if cells:
                lines += comment(sources(*(s for _, s in cells.values())), 6)
                lines.append(f"      {area}: {flow({age: cells.get(age, (0.0, ''))[0] for age in AGE_BANDS})}")
    lines += ["", *comment(inherited), "trend_growth:"]
    lines += _block(reference["trend_growth"], 2)
    return "\n".join(lines) + "\n"


def _block(mapping: Mapping, indent: int) -> list[str]:
    pad = " " * indent
    out = []
    for key, value in mapping.items():
        if isinstance(value, Mapping) and any(isinstance(v, Mapping) for v in value.values()):
            out += [f"{pad}{key}:", *_block(value, indent + 2)]
        elif isinstance(value, Mapping):
            out.append(f"{pad}{key}: {flow(value)}")
        else:
            out.append(f"{pad}{key}: {number(value)}")
    return out


def capacity_yaml(data: PlaceData, name: str, origin: str, capacity: Mapping, cited: Mapping) -> str:
    """The capacity group: ``capacity[key]`` places (one number or by part), ``cited[key]`` its source."""
    lines = comment(f"Places in each service of {data.setting('label')}: built by `{_build(origin, name)}` from "
                    f"{origin}/capacity.csv; services the file leaves out sized to the place's own demand "
                    "(sim.place.sizing).")
    for key, value in capacity.items():
        lines += ["", *comment(cited[key])]
        lines.append(f"{key}: {flow(value) if isinstance(value, Mapping) else number(value)}")
    return "\n".join(lines) + "\n"
