"""Paths written into Hydra overrides and shell commands so that they arrive unchanged, whatever their letters.

Hydra reads an unquoted value with spaces, accents or brackets wrongly or not at all
(``hydra.run.dir=/tmp/Ünïcode`` is a syntax error), so a path goes into an override quoted
(:func:`hydra_string`), and a command printed for the user to run is quoted for the shell
(:func:`command`), so it runs as printed from a folder such as ``OneDrive - NHS``.
"""
from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from pathlib import Path

#: the overrides whose values are paths (a list of ``file://`` folders for ``hydra.searchpath``)
PATH_KEYS = ("hydra.run.dir", "hydra.sweep.dir", "hydra.searchpath", "run.cache_dir")
QUOTES = ("'", '"')


def hydra_string(text: str) -> str:
    """``text`` as a quoted string of Hydra's override grammar (which reads it back exactly)."""
    text = str(text)
    quote = "'" if '"' in text and "'" not in text else '"'     # double, so the shell's single quotes go round it
    # a backslash is literal unless it comes before a quote or ends the string: those are doubled
    body = re.sub(f"(\\\\*)({quote}|$)", lambda m: m.group(1) * 2 + ("\\" + m.group(2) if m.group(2) else ""), text)
    return quote + body + quote


def searchpath(*folders: Path) -> str:
    """The override that adds ``folders`` (configs folders) to Hydra's search path, each quoted."""
    return f"hydra.searchpath=[{','.join(hydra_string(f'file://{Path(f).resolve()}') for f in folders)}]"


def command(words: Iterable) -> str:
    """A command line the shell runs as ``words``: each word quoted where it needs to be."""
    return shlex.join(str(w) for w in words)


def _parses(override: str) -> bool:
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException
    try:
        OverridesParser.create().parse_override(override)
    except HydraException:
        return False
    return True


def quote_paths(argv: Iterable[str]) -> list[str]:
    """``argv`` with each path-valued override (:data:`PATH_KEYS`) that Hydra cannot read as typed quoted,
    so ``hydra.run.dir=/tmp/a b/Ünïcode ç`` works as ``hydra.run.dir='/tmp/a b/Ünïcode ç'`` does.  Every
    other argument, and every override Hydra reads already, is left as it is."""
    out = []
    for arg in argv:
        key, sep, value = str(arg).partition("=")
        if not sep or arg.startswith("-") or key.lstrip("+~") not in PATH_KEYS or _parses(arg):
            out.append(arg)
            continue
        if key.lstrip("+~") == "hydra.searchpath":
            entries = [e.strip() for e in value.strip().removeprefix("[").removesuffix("]").split(",") if e.strip()]
            quoted = f"{key}=[{','.join(e if e[:1] in QUOTES else hydra_string(e) for e in entries)}]"
        else:
            quoted = f"{key}={hydra_string(value)}"
        out.append(quoted if _parses(quoted) else arg)
    return out
