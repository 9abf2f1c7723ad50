"""Copying plain configuration data -- mappings, lists and numbers, as YAML gives them -- quickly."""
from __future__ import annotations

import copy

_IMMUTABLE = (str, int, float, bool, type(None))


def copied(data):
    """A deep copy of plain data: new dicts and lists all the way down, the numbers and strings shared
    (they cannot change).  ``copy.deepcopy`` keeps a memo of every object it copies, which makes it
    several times slower on the routing tables a lever copies once per cohort; anything that is not
    plain data is still copied by it."""
    if isinstance(data, dict):
        return {key: copied(value) for key, value in data.items()}
    if isinstance(data, list):
        return [copied(item) for item in data]
    if isinstance(data, _IMMUTABLE):
        return data
    return copy.deepcopy(data)
