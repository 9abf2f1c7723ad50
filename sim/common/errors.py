"""The error raised for bad input, before anything runs."""
from __future__ import annotations

import difflib


class ConfigError(ValueError):
    """A configuration value that is missing, of the wrong type or out of range.

    ``key`` is the full dotted key (``network.services.acute.los.mean``),
    ``value`` what was given and ``allowed`` what would have been accepted;
    ``str()`` gives the one-line message printed to the user.
    """

    def __init__(self, key: str, value, allowed: str):
        self.key, self.value, self.allowed = key, value, allowed
        super().__init__(f"{key}: got {shown(value)}; expected {allowed}")


def shown(value) -> str:
    """``value`` as a message shows it: its repr, but a whole number of more than 30 digits by its length."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10 ** 30:
        digits = len(str(abs(value))) if abs(value) < 10 ** 4000 else "thousands of"
        return f"a whole number of {digits} digits"
    return repr(value)


class ConfigErrors(ConfigError):
    """Several :class:`ConfigError` found in one pass, reported together.

    It is itself a ``ConfigError`` (of the first problem), so callers that catch one catch both;
    ``errors`` lists them all and ``str()`` gives one line each."""

    def __init__(self, errors: list[ConfigError]):
        self.errors = list(errors)
        first = self.errors[0]
        ValueError.__init__(self, "\n".join(str(e) for e in self.errors))
        self.key, self.value, self.allowed = first.key, first.value, first.allowed


def did_you_mean(name, known) -> str:
    """`` (did you mean 'x'?)`` for the closest known name, or nothing."""
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class OverloadError(RuntimeError):
    """A replication stopped because a queue or its run time passed the configured cap
    (``run.max_queue``, ``run.max_seconds``): offered load exceeds capacity."""


class UnknownNameError(KeyError):
    """A metric, service or other name asked for that the results do not have; a ``KeyError`` (what looking it
    up in a table raised before) whose message names the closest known name."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def check_names(names, known, what: str) -> None:
    """Raise :class:`UnknownNameError` for the names in ``names`` that are not among ``known`` (one line each,
    with the closest known name), where ``what`` says of what (``"metric"``, ``"service"``)."""
    known = list(dict.fromkeys(str(k) for k in known))
    unknown = [str(n) for n in names if str(n) not in set(known)]
    if unknown:
        shown = ", ".join(known[:12]) + (f", ... ({len(known):,} in all)" if len(known) > 12 else "")
        raise UnknownNameError("\n".join(f"unknown {what} {name!r}{did_you_mean(name, known)}; known: {shown}"
                                         for name in unknown))


class FileError(ConfigError):
    """A configuration file that cannot be read as YAML: ``str()`` is one line with the file, the line and
    column of the problem and what is wrong there."""

    def __init__(self, path, line: int | None, column: int | None, problem: str):
        where = f", line {line}, column {column}" if line is not None else ""
        self.key, self.value, self.allowed = str(path), None, problem
        ValueError.__init__(self, f"{path}{where}: {problem}")
