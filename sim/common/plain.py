"""Copying plain configuration data -- mappings, lists and numbers, as YAML gives them -- quickly."""
from __future__ import annotations

import copy

_IMMUTABLE = (str, int, float, bool, type(None))


def copied(data):
    """A deep copy of plain data: new dicts and lists all the way down, the numbers and strings shared
    (they cannot change).  A dict or list that appears in several places (a lever's cohort tables share
    their entries, :mod:`sim.inputs.levers`) is copied once and its copy appears in the same places, as
    ``copy.deepcopy`` would do; but ``copy.deepcopy`` keeps a memo of every object it copies, numbers and
    strings too, which makes it several times slower on the routing tables.  Anything that is not plain
    data is still copied by it."""
    return _copied(data, {})


def _copied(data, memo: dict):
    if isinstance(data, _IMMUTABLE):
        return data
    known = memo.get(id(data))
    if known is not None:
        return known[1]
    if isinstance(data, dict):
        out = {key: _copied(value, memo) for key, value in data.items()}
    elif isinstance(data, list):
        out = [_copied(item, memo) for item in data]
    else:
        out = copy.deepcopy(data)
    memo[id(data)] = (data, out)     # the original kept beside its copy, so its id is not reused meanwhile
    return out
