"""The parameter register: every number in the system's configs with its unit, source and status.

``carepath params`` (:mod:`sim.studies.params`) prints it, writes ``docs/parameters.md`` with each
parameter's uncertainty range, and checks both.

Sources are written beside the values in the YAML files, as comments or
``source:`` keys, so a planner reads them where they edit.  The register
finds each number's source in this order: the comment on its own line (or
the comment block just above that line); a ``source:`` key of an enclosing
mapping; the comment on an enclosing key's line, or the comment block just
below or above it; the file's header comment.

Sources cite publications in Pandoc's syntax, ``[@key, locator]`` (several:
``[@a, loc; @b, loc]``); each key is an entry of the bibliography,
``docs/sources.md``, under a heading that gives its kind.  The source gives
the status:

* ``calibrated`` -- fitted to documented targets by ``python -m sim.calibrate``
  (the source says so, outside its citations);
* ``assumption`` -- a judgement, with its reason (the source says so);
* ``document`` -- otherwise, when it cites a source document (``## Source documents``);
* ``public reference`` -- otherwise, when it cites a public reference (``## Public references``);
* ``unsourced`` -- none of these: a defect the tests reject, as is a citation
  whose key is not in the bibliography.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..common.paths import CONFIG_DIR, DOCS

CONFIGS = CONFIG_DIR
REGISTER = DOCS / "parameters.md"
SOURCES = DOCS / "sources.md"
#: bibliography headings (``## ...`` in docs/sources.md) and the kind of source each entry under them is
KINDS = {"source documents": "document", "public references": "public reference"}
#: config files that describe the modelled systems (run settings and textbook networks are not parameters)
SCOPE = ("place/*.yaml", "rates/*.yaml", "network/integrated_care.yaml", "capacity/*.yaml", "costs/*.yaml",
         "scenario/*.yaml", "scenario/capacity/*.yaml", "calibration/*.yaml", "pressure/*.yaml", "capacity_policy/*.yaml",
         "envelope/*.yaml")
STATUSES = ("document", "public reference", "assumption", "calibrated", "unsourced")
STRUCTURAL = {"name", "label", "description", "dist", "unit", "by", "base_year", "partition", "blocking",
              "crisis", "balks", "arrival_mode", "source", "setting", "commissioner", "metric", "unit_cost",
              "stat", "service", "sink", "stream", "from", "to", "renege_to", "overflow", "attributes_from", "site",
              "metrics", "holding_renege_to", "measure", "except_to"}
#: a Pandoc citation key (letters, digits and inner punctuation) after an @ that does not follow a word character
_KEY = r"(?<![\w@])-?@(?P<key>[A-Za-z0-9_](?:[\w:.#$%&+?<>~/-]*\w)?)"
#: a bracketed citation group, ``[@key, locator; @key2, locator]``
CITATION = re.compile(r"\[(?P<body>[^\[\]]*" + _KEY.replace("(?P<key>", "(?:") + r"[^\[\]]*)\]")
_ITEM = re.compile(r"^(?P<prefix>[^@]*?)" + _KEY + r"(?P<rest>.*)$", re.S)
_ENTRY = re.compile(r"^- `(?P<key>[^`]+)`")


@dataclass
class Parameter:
    file: str
    key: str
    value: str
    unit: str
    source: str
    status: str
    cites: list[tuple[str, str]] = field(default_factory=list)    # (key, locator) of each citation


def _comment(line: str) -> str:
    """The comment of a YAML line (text after a # that is not inside quotes)."""
    quote = None
    for i, ch in enumerate(line):
        if ch in "\"'" and quote in (None, ch):
            quote = None if quote else ch
        elif ch == "#" and quote is None and (i == 0 or line[i - 1] in " \t"):
            return line[i + 1:].strip()
    return ""


def _block_above(lines: list[str], index: int) -> str:
    """Contiguous full-line comments immediately above line ``index``."""
    block = []
    i = index - 1
    while i >= 0 and lines[i].strip().startswith("#"):
        block.insert(0, lines[i].strip().lstrip("#").strip())
        i -= 1
    return " ".join(block)


def _block_below(lines: list[str], index: int) -> str:
    """Contiguous full-line comments immediately below line ``index`` (the start of a block)."""
    block = []
    i = index + 1
    while i < len(lines) and lines[i].strip().startswith("#"):
        block.append(lines[i].strip().lstrip("#").strip())
        i += 1
    return " ".join(block)


def _header(lines: list[str]) -> str:
    """The file's header comment: its first block of full-line comments (a blank line or a key ends it)."""
    header = []
    for line in lines:
        if line.strip().startswith("#"):
            header.append(line.strip().lstrip("#").strip())
        elif line.strip() or header:
            break
    return " ".join(header)


@functools.cache
def bibliography(path: Path = SOURCES) -> dict[str, str]:
    """Each key of the bibliography with its kind ("document" or "public reference").

    An entry is a list item starting with its key in backticks, ``- `key` -- reference``, under a
    ``## Source documents`` or ``## Public references`` heading (``###`` subheadings keep the kind).
    """
    kinds: dict[str, str] = {}
    kind = None
    for line in Path(path).read_text().splitlines():
        if line.startswith("## "):
            kind = KINDS.get(line[3:].strip().lower())
        elif kind and (m := _ENTRY.match(line)):
            if m["key"] in kinds:
                raise ValueError(f"{path}: {m['key']} is listed twice")
            kinds[m["key"]] = kind
    return kinds


def citations(text: str) -> list[tuple[str, str]]:
    """The (key, locator) of every Pandoc citation in ``text``, in order: ``[@a, p. 3; @b]``."""
    out = []
    for group in CITATION.finditer(text):
        for item in group["body"].split(";"):
            if m := _ITEM.match(item.strip()):
                out.append((m["key"], m["rest"].strip().lstrip(",").strip()))
    return out


def status_of(source: str, bib: dict[str, str] | None = None) -> str:
    """The status a source's wording gives: its words outside citations, then the kinds of the keys it cites."""
    if not source.strip():
        return "unsourced"
    words = CITATION.sub(" ", source).lower()
    if "calibrated" in words:
        return "calibrated"
    if "assumption" in words:
        return "assumption"
    bib = bibliography() if bib is None else bib
    kinds = {bib.get(key) for key, _ in citations(source)}
    for kind in ("document", "public reference"):
        if kind in kinds:
            return kind
    return "unsourced"


def unit_of(path: list[str], parent: dict) -> str:
    key = path[-1]
    joined = ".".join(path)
    if "marginal_share" in path:         # a share of the unit cost it names
        return "fraction"
    if key.endswith("_gbp") or "annual_cost" in joined or key == "gbp":
        return "£"
    if "rate_per_1000" in joined or "demand" in path:
        return "per 1,000 residents a year"
    if key == "rate_per_day":
        return "arrivals a day"
    if key in ("cv", "los_cv"):
        return "coefficient of variation"
    if key in ("mean", "value", "low", "high"):
        return parent.get("unit", "days") if isinstance(parent, dict) else "days"
    if key.endswith("_hours"):
        return "hours"
    if key.endswith("_days") or key == "readmission_days":
        return "days"
    if "growth" in joined or "inflation" in joined:
        return "fraction a year"
    if "profile" in path or "profiles" in path or "rota" in path:
        return "relative factor"
    if "rate_ratio" in joined:
        return "relative rate"
    if any(k in joined for k in ("shares", "share", "prevalence", "occupancy_fraction", "crisis_reduction")):
        return "fraction"
    if any(k in path for k in ("next", "to", "probability")) or key == "factor":
        return "probability" if "factor" != key else "multiplier"
    if "year" in key:
        return "year"
    if "per_1000" in path:
        return "places per 1,000 residents"
    if path[0] == "capacity" or key in ("capacity", "add"):
        return "places"
    if "population" in path:
        return "people"
    if "targets" in path:
        return parent.get("unit", "") if isinstance(parent, dict) else ""
    if key in ("intensity", "scale") or "scale" in path:
        return "multiplier"
    return ""


def _is_number(node) -> bool:
    if not isinstance(node, yaml.ScalarNode) or node.tag.endswith(":bool") or node.style in ("'", '"'):
        return False
    try:
        float(node.value)
        return node.value.strip().lower() not in ("nan", "inf", ".inf", "-.inf", "true", "false")
    except ValueError:
        return False


def register_file(path: Path) -> list[Parameter]:
    """Every numeric parameter of one config file (a one-line collection counts as one entry)."""
    text = path.read_text()
    lines = text.splitlines()
    root = yaml.compose(text)
    rel = str(path.relative_to(CONFIGS))
    header = _header(lines)
    out: list[Parameter] = []
    data = yaml.safe_load(text) or {}

    def lookup(keys):
        node = data
        for k in keys:
            if isinstance(node, dict):
                node = node.get(k, {})
            else:
                node = node[int(k)] if isinstance(node, list) and k.isdigit() and int(k) < len(node) else {}
        return node

    def source_for(line: int, keys: list[str], key_lines: list[int]) -> str:
        own = _comment(lines[line]) or _block_above(lines, line)   # a value's own comment wins
        if own:
            return own
        for depth in range(len(key_lines), 0, -1):     # enclosing keys, innermost first
            container = lookup(keys[:depth])
            if isinstance(container, dict) and isinstance(container.get("source"), str):
                return str(container["source"])
            kl = key_lines[depth - 1]
            attached = " ".join(filter(None, [_comment(lines[kl]), _block_below(lines, kl), _block_above(lines, kl)]))
            if attached:
                return attached
        if isinstance(data, dict) and isinstance(data.get("source"), str):
            return str(data["source"])
        return header

    def walk(node, keys, key_lines):
        if keys and keys[-1] in STRUCTURAL:
            return
        if isinstance(node, yaml.MappingNode):
            if node.flow_style and any(_is_number(v) or isinstance(v, yaml.CollectionNode) for _, v in node.value):
                if _has_number(node):
                    emit(node, keys, key_lines)
                return
            for k, v in node.value:
                walk(v, keys + [str(k.value)], key_lines + [k.start_mark.line])
        elif isinstance(node, yaml.SequenceNode):
            if node.flow_style:
                if _has_number(node):
                    emit(node, keys, key_lines)
                return
            for i, v in enumerate(node.value):
                walk(v, keys + [str(i)], key_lines + [v.start_mark.line])
        elif _is_number(node):
            emit(node, keys, key_lines)

    def emit(node, keys, key_lines):
        line = node.start_mark.line
        if isinstance(node, yaml.ScalarNode):
            value = node.value
        else:
            value = text[node.start_mark.index:node.end_mark.index]
            value = re.sub(r"\s+", " ", value)
        own = lookup(keys) if isinstance(node, yaml.MappingNode) else None
        if isinstance(own, dict) and isinstance(own.get("source"), str):
            source = own["source"]             # a one-line mapping carrying its own source
        else:
            source = source_for(line, keys, key_lines[:-1] if key_lines else [])
        parent = lookup(keys[:-1]) if keys else {}
        group = rel.split("/")[0]          # the config group gives units their context (capacity -> places)
        out.append(Parameter(rel, ".".join(keys), value, unit_of([group, *keys], parent), source, status_of(source),
                             citations(source)))

    walk(root, [], [])
    return out


def _has_number(node) -> bool:
    if isinstance(node, yaml.ScalarNode):
        return _is_number(node)
    if isinstance(node, yaml.MappingNode):
        return any(_has_number(v) for _, v in node.value)
    return any(_has_number(v) for v in node.value)


def register() -> list[Parameter]:
    files = sorted({p for pattern in SCOPE for p in CONFIGS.glob(pattern)})
    return [param for path in files for param in register_file(path)]


def unknown_keys(params: list[Parameter], bib: dict[str, str] | None = None) -> list[tuple[Parameter, str]]:
    """Each (parameter, key) whose cited key is not in the bibliography."""
    bib = bibliography() if bib is None else bib
    return [(p, key) for p in params for key, _ in p.cites if key not in bib]
