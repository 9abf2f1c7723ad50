"""Checks on configuration values: one place for every "is this a number in range" test.

Each check either returns the value in the type the engine wants or raises
:class:`~sim.common.errors.ConfigError` naming the full key, what was given and what is
allowed.  YAML gives booleans as ``True``/``False``, which Python counts as integers; every check
here refuses them, so ``capacity: true`` is an error, not one place.

* :func:`is_real`, :func:`is_whole` -- the predicates (a finite number; a whole number);
* :func:`number`, :func:`count`, :func:`fraction` -- a value checked against a range;
* :func:`shares` -- a mapping with an entry for each of a fixed set of keys (age bands, risk
  tiers), optionally summing to a total;
* :func:`unknown_keys`, :func:`check_keys` -- keys outside an allowed set, with a suggestion.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from .errors import ConfigError, did_you_mean


def is_real(value: Any) -> bool:
    """A finite int or float (not a boolean)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def is_whole(value: Any) -> bool:
    """An int (not a boolean)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _range_text(low, high, low_open, high_open) -> str:
    if low is not None and high is not None:
        return f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f"a number {'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f"a number {'<' if high_open else '<='} {high:g}"
    return "a finite number"


def number(value: Any, key: str, *, low: float | None = None, high: float | None = None,
           low_open: bool = False, high_open: bool = False, allowed: str | None = None) -> float:
    """``value`` as a float, checked to be a finite number within the (closed unless ``*_open``) bounds."""
    ok = is_real(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        raise ConfigError(key, value, allowed or _range_text(low, high, low_open, high_open))
    return float(value)


def count(value: Any, key: str, *, minimum: int = 0, maximum: int | None = None, allow_none: bool = False,
          allowed: str | None = None) -> int | None:
    """``value`` as an int: a whole number (``3`` or ``3.0``) of at least ``minimum`` (and at most
    ``maximum``, if given); None if allowed."""
    if value is None and allow_none:
        return None
    if not is_real(value) or value < minimum or value != int(value) or (maximum is not None and value > maximum):
        text = "a non-negative integer" if minimum == 0 else f"an integer >= {minimum}"
        text += f" and at most {maximum:,}" if maximum is not None else ""
        raise ConfigError(key, value, allowed or text + (" or null (no limit)" if allow_none else ""))
    return int(value)


def fraction(value: Any, key: str, allowed: str = "a fraction in [0, 1]") -> float:
    """``value`` as a float in [0, 1]."""
    return number(value, key, low=0.0, high=1.0, allowed=allowed)


def shares(spec: Any, keys: Iterable[str], where: str, total: float | None = 1.0) -> np.ndarray:
    """A mapping with a non-negative number for each of ``keys`` (in that order), as an array;
    with ``total``, the numbers must sum to it."""
    keys = list(keys)
    if not isinstance(spec, Mapping):
        raise ConfigError(where, spec, f"a mapping with keys {keys}")
    unknown = [k for k in spec if k not in keys]
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}", spec[unknown[0]], f"a key among {keys}")
    missing = [k for k in keys if k not in spec]
    if missing:
        raise ConfigError(where, dict(spec), f"an entry for every key: missing {missing}")
    values = [number(spec[k], f"{where}.{k}", low=0.0, allowed="a non-negative finite number") for k in keys]
    if total is not None and abs(sum(values) - total) > 1e-4:
        raise ConfigError(where, dict(spec), f"shares summing to {total} (they sum to {sum(values):.6g})")
    return np.array(values)


def unknown_keys(mapping: Mapping, allowed: Iterable[str], where: str) -> list[ConfigError]:
    """An error for each key of ``mapping`` not in ``allowed`` (with the closest known key)."""
    allowed = set(allowed)
    prefix = f"{where}." if where else ""
    return [ConfigError(f"{prefix}{key}", mapping[key],
                        f"a known key{did_you_mean(key, allowed)}: {', '.join(sorted(allowed))}")
            for key in mapping if key not in allowed]


def check_keys(spec: Any, allowed: Iterable[str], where: str) -> Mapping:
    """``spec`` itself, checked to be a mapping whose keys are all in ``allowed``."""
    if not isinstance(spec, Mapping):
        raise ConfigError(where, spec, "a mapping")
    errors = unknown_keys(spec, allowed, where)
    if errors:
        raise errors[0]
    return spec


def entries(block: Any, keys: Iterable[str], where: str, allowed: str) -> Iterator[tuple[str, Mapping, str]]:
    """``(name, spec, key)`` for each named entry of ``block`` (a mapping; ``allowed`` says of what), each
    ``spec`` checked to be a mapping whose keys are all in ``keys``; ``key`` is the entry's full key."""
    if not isinstance(block, Mapping):
        raise ConfigError(where, block, allowed)
    for name, spec in block.items():
        key = f"{where}.{name}"
        yield str(name), check_keys(spec, keys, key), key
