"""Progress bars on a terminal: a tqdm bar with its estimated time to finish, or nothing.

:func:`wanted` says whether to show one (standard error is a terminal), so a run piped to a file or
captured by a test stays quiet; :func:`bar` makes one, as wide as the terminal (80 columns where the
terminal does not say), on standard error.
"""
from __future__ import annotations

import shutil
import sys
from collections.abc import Iterable


def wanted() -> bool:
    """Whether standard error is a terminal, where a progress bar belongs."""
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):          # a closed or replaced stream
        return False


def bar(iterable: Iterable | None = None, total: int | None = None, desc: str = "", unit: str = "it",
        leave: bool = False):
    """A tqdm bar on standard error over ``iterable`` (or updated by hand), with tqdm's ETA."""
    from tqdm.auto import tqdm
    return tqdm(iterable, total=total, desc=desc, unit=unit, leave=leave, file=sys.stderr,
                ncols=shutil.get_terminal_size((80, 24)).columns)
