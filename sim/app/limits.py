"""What the web app refuses besides the command line's checks, how long a run will take, and messages cut short.

The command line runs whatever it is given; a web page shared by a team needs a few more limits, and
checks of what a browser sends that a command line never receives:

* an empty field, or one that does not hold a number (a number field sends nothing then), is an error
  beside the field (:func:`field_problem`), never a silent default;
* at most :data:`MAX_REPLICATIONS` replications (the command line's own bound for
  ``run.replications=auto``, ``run.max_replications``) and at most :data:`MAX_YEARS` years of results
  (:func:`run_problems`), checked on the composed configuration before the command line's checks build
  the model, which for a horizon of thousands of years would fill the memory;
* a run that would take longer than :data:`CONFIRM_SECONDS` (:func:`estimate_seconds`) is only
  started once the user confirms;
* the user's text is cut in every message (:func:`cut`, :func:`cut_lines`), so a 20,000-character
  input is not echoed back in full.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..common.checks import is_real, is_whole
from ..inputs.years import with_horizon
from ..jobs import cache
from ..jobs.cli import problem_line

MAX_REPLICATIONS = 100          # the command line's bound for run.replications=auto (run.max_replications)
MAX_YEARS = 11                  # years of results of one run (2017/18 to 2027/28)
MAX_RESULT_DAYS = MAX_YEARS * 366
CONFIRM_SECONDS = 5 * 60        # a longer run starts only once the user confirms
#: one replication of one simulated year of Walsall (281,293 people) on one core of the reference machine
#: (2 cores, shared): 3.4 s for the default 425 days, measured with ``python -m sim run.replications=1
#: run.n_jobs=1``; a run's time grows with the population, the replications and the years, and shrinks with cores
SECONDS_PER_REPLICATION_YEAR = 3.0
REFERENCE_POPULATION = 281_293
MESSAGE_CHARS = 80              # the user's text in a message: at most this many characters
LINE_CHARS = 400                # one message line at most
MESSAGE_LINES = 20              # problems listed at most (the rest counted)

#: the run settings' keys and the page's fields for them
RUN_FIELDS = {"run.replications": "replications", "run.seed": "seed", "run.year": "year", "run.end_year": "end_year"}
PREFIX = "carepath: invalid configuration: "
#: what each kind of field takes, in the command line's words (sim.inputs.schema, sim.inputs.levers)
FIELD_WORDS = {"places": "a non-negative whole number of places", "fraction": "a number in [0, 1]",
               "replications": f"a positive integer (at most {MAX_REPLICATIONS} in the web app)",
               "seed": "a non-negative integer"}


def cut(text: str, limit: int = MESSAGE_CHARS) -> str:
    """``text`` with each word, and each quoted value, longer than ``limit`` characters cut to ``limit``
    with an ellipsis, and the whole at most :data:`LINE_CHARS`."""
    def short(match: re.Match) -> str:
        word = match.group(0)
        quote = word[0] if word[0] in "'\"" else ""
        end = word[-1] if not quote and word[-1] in ":;," else ""
        return word[:limit - 1] + "…" + quote + end

    text = re.sub(rf"'[^']{{{limit},}}'|\"[^\"]{{{limit},}}\"", short, str(text))
    text = re.sub(rf"[^\s'\"]{{{limit + 1},}}", short, text)
    return text if len(text) <= LINE_CHARS else text[:LINE_CHARS - 1] + "…"


def cut_lines(lines: Iterable[str]) -> tuple[str, ...]:
    """Each line cut (:func:`cut`), at most :data:`MESSAGE_LINES` of them and a count of the rest."""
    lines = [cut(line) for line in lines]
    if len(lines) <= MESSAGE_LINES:
        return tuple(lines)
    return (*lines[:MESSAGE_LINES], f"… and {len(lines) - MESSAGE_LINES} more problems")


def field_problem(key: str, value: Any, kind: str) -> str | None:
    """What is wrong with a page field's ``value`` for ``key`` before the command line sees it: empty,
    or not a number (a browser's number field sends nothing for text); None when it is a number,
    which the command line's checks then judge."""
    expected = FIELD_WORDS.get(kind, "a number")
    if value is None or (isinstance(value, str) and not value.strip()):
        return problem_line(f"{key}: the field is empty or does not hold a number; expected {expected}")
    if not is_real(value):
        return problem_line(f"{key}: got {cut(repr(value))}; expected {expected}")
    return None


def field_problems(fields: Iterable[tuple[str, str, Any, str]]) -> dict[str, str]:
    """input id -> the problem of each field (input id, key, value, kind) that holds no number."""
    found = {name: field_problem(key, value, kind) for name, key, value, kind in fields}
    return {name: problem for name, problem in found.items() if problem}


def note(line: str) -> str:
    """A problem line as shown beside its field: cut, without the command line's prefix."""
    return cut(line.removeprefix(PREFIX))


def marks(lines: Iterable[str], inputs: Mapping[str, str], other: str) -> dict[str, str]:
    """input id -> the problems naming its key (``inputs``: key -> input id), those of a key typed in
    Other settings (``other``, the field ``other``) beside that field."""
    found: dict[str, list[str]] = {}
    for line in lines:
        key = key_of(line)
        name = "other" if key is not None and key in other else inputs.get(key or "")
        if name:
            found.setdefault(name, []).append(note(line))
    return {name: " ".join(notes) for name, notes in found.items()}


def key_of(line: str) -> str | None:
    """The key a problem line names (``capacity.acute_beds`` in "carepath: invalid configuration:
    capacity.acute_beds: got -5; ..."), if any."""
    match = re.match(r"carepath: invalid configuration: ([\w./+~\-\[\]]+):", line)
    return match.group(1) if match else None


def run_problems(data: Mapping[str, Any]) -> list[str]:
    """The web app's limits on the resolved configuration ``data``, as problem lines (none within them)."""
    run = data.get("run") if isinstance(data, Mapping) else None
    if not isinstance(run, Mapping):
        return []
    found = []
    replications, most = run.get("replications"), run.get("max_replications")
    if is_real(replications) and replications > MAX_REPLICATIONS:
        found.append(problem_line(f"run.replications: got {replications!r}; expected at most {MAX_REPLICATIONS} "
                                  "replications in the web app (the command line runs more)"))
    if replications == "auto" and is_real(most) and most > MAX_REPLICATIONS:
        found.append(problem_line(f"run.max_replications: got {most!r}; expected at most {MAX_REPLICATIONS} "
                                  "in the web app (the command line runs more)"))
    year, end = run.get("year"), run.get("end_year")
    if is_whole(year) and is_whole(end) and end - year + 1 > MAX_YEARS:
        found.append(problem_line(f"run.end_year: got {end!r}; expected at most {MAX_YEARS} financial years from "
                                  f"run.year={year} (to {year + MAX_YEARS - 1}) in the web app (the command line "
                                  "runs more)"))
    elif not (is_whole(year) and is_whole(end) and end > year) and (result_days(run) or 0) > MAX_RESULT_DAYS:
        found.append(problem_line(f"run.horizon_days: got {run['horizon_days']!r}; expected at most "
                                  f"{MAX_RESULT_DAYS:,} days of results after the warm-up ({MAX_YEARS} years) "
                                  "in the web app (the command line runs more)"))
    return found


def result_days(run: Mapping[str, Any]) -> float | None:
    """Days of results of a single-year run (its horizon less a numeric warm-up), None if not numbers."""
    horizon, warmup = run.get("horizon_days"), run.get("warmup_days")
    if not is_real(horizon):
        return None
    return horizon - (warmup if is_real(warmup) else 0)


def population(place: Mapping[str, Any]) -> float:
    """The people a place serves: its ``population.total``, or the sum of its localities' counts."""
    people = place.get("population") if isinstance(place, Mapping) else None
    if not isinstance(people, Mapping):
        return REFERENCE_POPULATION
    if is_real(people.get("total")):
        return float(people["total"])

    def total(node) -> float:
        if isinstance(node, Mapping):
            return sum(total(v) for v in node.values())
        return float(node) if is_real(node) else 0.0

    return total(people.get("by_locality")) or REFERENCE_POPULATION


def estimate_seconds(data: Mapping[str, Any], workers: int) -> float:
    """About how long the checked configuration ``data`` takes on ``workers`` cores: seconds per
    replication-year (:data:`SECONDS_PER_REPLICATION_YEAR`) scaled by population, replications, simulated
    years (warm-up included) and the cores its replications share."""
    run = with_horizon(data)["run"]
    replications = run["replications"]
    if replications == "auto":
        replications = run.get("max_replications") or MAX_REPLICATIONS
    years = float(run["horizon_days"]) / 365.25
    if run.get("warmup_days") == "auto":
        years += float(run.get("pilot_replications") or 0) * years / max(1, replications)
    cores = max(1, min(int(workers), int(replications)))
    waves = math.ceil(int(replications) / cores)
    people = population(data.get("place", {})) / REFERENCE_POPULATION
    return SECONDS_PER_REPLICATION_YEAR * people * years * waves


def duration(seconds: float) -> str:
    """``about 40 s``, ``about 12 minutes``, ``about 3.5 hours``."""
    if seconds < 90:
        return f"about {max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"about {round(seconds / 60)} minutes"
    return f"about {seconds / 3600:.1f} hours"


def estimate(data: Mapping[str, Any], workers: int) -> float | None:
    """:func:`estimate_seconds` for a run to start; None when it comes from the cache (at once) or the
    configuration gives no estimate."""
    try:
        run = data["run"]
        if not run.get("force", False) and cache.complete(cache.folder(run, cache.key(data))):
            return None
        return estimate_seconds(data, workers)
    except Exception:                                   # no estimate, no question asked
        return None
