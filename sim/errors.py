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
        super().__init__(f"{key}: got {value!r}; expected {allowed}")


class ConfigErrors(ValueError):
    """Several :class:`ConfigError` found in one pass, reported together."""

    def __init__(self, errors: list[ConfigError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def did_you_mean(name, known) -> str:
    """`` (did you mean 'x'?)`` for the closest known name, or nothing."""
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
