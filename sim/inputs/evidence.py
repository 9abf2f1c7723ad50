"""The evidence register of the schemes' effects: each scheme type's effect on each outcome, from evaluations.

``configs/evidence/schemes.yaml`` gives, for each scheme type the scenarios' levers use, the effect on each outcome
it touches: a central value, a 95% interval as a study states it (the 80% range is derived from it, and widened to
include no effect where the interval does) or an 80% range set by judgement, a status, and the studies
(population, setting, the figure quoted, ``[@key, locator]``). Each scheme lists the levers of that type
(``levers:``); a lever may name its type itself (``evidence: <scheme>``).

:func:`problems` is what ``carepath params --check`` runs: an entry whose central value lies outside its range,
whose range leaves out no effect where its status says the evidence includes it, or whose studies cite a key not in
docs/sources.md; and a lever effect (configs/scenario/*.yaml) whose scheme type has no entry for the outcome it
moves.  The levers' own sizes are not read from here: the comparators' were sized to reproduce the business case,
the evidence-based scenario's (``walsall_schemes_evidence``) worked out from the central values in its own file.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..common.paths import CONFIG_DIR
from .params import bibliography, citations

REGISTER = CONFIG_DIR / "evidence" / "schemes.yaml"
SCENARIOS = CONFIG_DIR / "scenario"
OUTCOMES = ("ae_attendances", "emergency_admissions", "length_of_stay", "readmissions", "care_home_admissions")
UNITS = ("relative change", "days")
#: the statuses, and whether the range must include no effect
STATUSES = {"estimate": False, "includes no effect": True, "assumption": True}
#: the value of no effect, in either unit (a relative change of 0, a difference of 0 days)
NO_EFFECT = 0.0
#: effects that are the scheme's resources, not a change in an outcome
RESOURCES = ("capacity", "annual_cost")
#: streams that are arrivals at A&E (divert from them: fewer A&E attendances)
AE_STREAMS = ("ae_walk_in", "ae_ambulance")
#: 80% over 95% of a normal interval's half-width
Z80_OVER_Z95 = 1.2815515655446004 / 1.959963984540054


@dataclass
class Study:
    population: str
    setting: str
    stated: str
    source: str
    cites: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Effect:
    scheme: str
    outcome: str
    unit: str
    central: float
    low: float           # the 80% range
    high: float
    status: str
    basis: str
    studies: list[Study]
    ci95: tuple[float, float] | None = None


@dataclass
class Scheme:
    name: str
    label: str
    levers: list[str]
    effects: dict[str, Effect]


def range80(central: float, low95: float, high95: float) -> tuple[float, float]:
    """The 80% range of a stated 95% interval: each side's distance from the central value scaled by z80/z95."""
    return (round(central - (central - low95) * Z80_OVER_Z95, 4), round(central + (high95 - central) * Z80_OVER_Z95, 4))


def _effect(scheme: str, outcome: str, spec: Mapping) -> Effect:
    ci95 = tuple(float(v) for v in spec["ci95"]) if "ci95" in spec else None
    if ci95 is not None:
        low, high = range80(float(spec["central"]), *ci95)
        if ci95[0] <= NO_EFFECT <= ci95[1]:       # evidence that includes no effect: so does the range
            low, high = min(low, NO_EFFECT), max(high, NO_EFFECT)
    else:
        low, high = (float(v) for v in spec["range80"])
    studies = [Study(str(s.get("population", "")), str(s.get("setting", "")), str(s.get("stated", "")).strip(),
                     str(s.get("source", "")), citations(str(s.get("source", "")))) for s in spec.get("studies") or []]
    return Effect(scheme, outcome, str(spec.get("unit", "")), float(spec["central"]), low, high,
                  str(spec.get("status", "")), " ".join(str(spec.get("basis", "")).split()), studies, ci95)


def load(path: Path = REGISTER) -> dict[str, Scheme]:
    """The register: each scheme type with its levers and its effect on each outcome."""
    data = yaml.safe_load(Path(path).read_text()) or {}
    return {name: Scheme(name, str(spec.get("label", name)), list(spec.get("levers") or []),
                         {o: _effect(name, o, e) for o, e in (spec.get("outcomes") or {}).items()})
            for name, spec in (data.get("schemes") or {}).items()}


def entry_problems(schemes: Mapping[str, Scheme], bib: Mapping[str, str] | None = None) -> list[str]:
    """What is wrong with the register's entries, one phrase each (none when it is sound)."""
    bib = bibliography() if bib is None else bib
    found = []
    for scheme in schemes.values():
        for e in scheme.effects.values():
            where = f"{scheme.name}.{e.outcome}"
            if e.outcome not in OUTCOMES:
                found.append(f"{where}: outcome not one of {list(OUTCOMES)}")
            if e.unit not in UNITS:
                found.append(f"{where}: unit {e.unit!r} not one of {list(UNITS)}")
            if e.status not in STATUSES:
                found.append(f"{where}: status {e.status!r} not one of {list(STATUSES)}")
                continue
            if not e.low <= e.central <= e.high:
                found.append(f"{where}: central {e.central} outside its 80% range [{e.low}, {e.high}]")
            spans = e.low <= NO_EFFECT <= e.high
            if STATUSES[e.status] and not spans:
                found.append(f"{where}: status {e.status!r} but the range [{e.low}, {e.high}] leaves out no effect")
            if e.status == "estimate" and (e.ci95 is None or e.ci95[0] <= NO_EFFECT <= e.ci95[1]):
                found.append(f"{where}: status 'estimate' needs a stated ci95 that excludes no effect")
            if e.status == "includes no effect" and (e.ci95 is None or not e.ci95[0] <= NO_EFFECT <= e.ci95[1]):
                found.append(f"{where}: status 'includes no effect' needs a stated ci95 that includes it")
            if not e.studies:
                found.append(f"{where}: no study")
            for study in e.studies:
                if not study.cites:
                    found.append(f"{where}: a study without a citation [@key, locator]")
                found += [f"{where}: @{key} is not in docs/sources.md" for key, _ in study.cites if key not in bib]
                if not study.stated or not study.population:
                    found.append(f"{where}: a study without its population or the figure it states")
    return found


def outcomes_of(kind: str, spec: Mapping) -> list[str]:
    """The outcomes a lever effect moves (none for the scheme's resources); an effect the register cannot place
    gets a name of its own, which no entry has, so the check names it."""
    if kind in RESOURCES:
        return []
    if kind == "divert":
        moved = ["ae_attendances"] if spec.get("stream") in AE_STREAMS else [f"divert from {spec.get('stream')}"]
        # the diverted keep their need for a bed (sim.inputs.diversion); avoiding some of it is an effect of its own
        return moved + (["emergency_admissions"] if spec.get("avoided") else [])
    if kind == "shift":
        moved = {"acute": "emergency_admissions", "ae": "ae_attendances"}
        return [moved.get(spec.get("from"), f"shift from {spec.get('from')}")]
    if kind == "los":
        return ["length_of_stay"] if spec.get("service") == "acute" else [f"length of stay in {spec.get('service')}"]
    if kind in ("crisis_reduction", "referrals"):
        return ["ae_attendances", "emergency_admissions"]
    return [f"{kind} effect"]


def scheme_of(name: str, lever: Mapping, schemes: Mapping[str, Scheme]) -> str | None:
    """The scheme type of a lever: its own ``evidence:`` key, else the scheme that lists it."""
    if isinstance(lever.get("evidence"), str):
        return lever["evidence"]
    return next((s.name for s in schemes.values() if name in s.levers), None)


def lever_problems(scenario: Mapping, schemes: Mapping[str, Scheme], where: str = "scenario") -> list[str]:
    """Each lever effect of ``scenario`` whose scheme type has no register entry for the outcome it moves."""
    found = []
    for name, lever in (scenario.get("levers") or {}).items():
        if not isinstance(lever, Mapping):
            continue
        scheme = scheme_of(name, lever, schemes)
        if scheme is None or scheme not in schemes:
            found.append(f"{where}: lever {name} has no scheme type in {_rel(REGISTER)}"
                         + (f" (evidence: {scheme} is not a scheme there)" if scheme else ""))
            continue
        for i, effect in enumerate(lever.get("effects") or []):
            if not isinstance(effect, Mapping) or len(effect) != 1:
                continue
            kind, spec = next(iter(effect.items()))
            for outcome in outcomes_of(kind, spec if isinstance(spec, Mapping) else {}):
                if outcome not in schemes[scheme].effects:
                    found.append(f"{where}: lever {name}, effects[{i}] {kind} moves {outcome}, "
                                 f"which scheme {scheme} has no entry for in {_rel(REGISTER)}")
    return found


def scenarios(folder: Path = SCENARIOS) -> dict[str, dict]:
    """Every scenario of configs/scenario/*.yaml, by file name."""
    return {f"configs/scenario/{p.name}": yaml.safe_load(p.read_text()) or {} for p in sorted(folder.glob("*.yaml"))}


@functools.cache
def _default() -> dict[str, Scheme]:
    return load()


def problems(schemes: Mapping[str, Scheme] | None = None, scenario_files: Mapping[str, Mapping] | None = None) -> list[str]:
    """The register's faults and every scenario lever effect it does not cover (none when all is well)."""
    schemes = _default() if schemes is None else schemes
    scenario_files = scenarios() if scenario_files is None else scenario_files
    return entry_problems(schemes) + [p for where, scenario in scenario_files.items()
                                      for p in lever_problems(scenario, schemes, where)]


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(CONFIG_DIR.parent))
    except ValueError:
        return str(path)
