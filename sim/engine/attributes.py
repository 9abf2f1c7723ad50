"""Patient attributes that tables in config may be keyed by (``by: <attribute>``)."""
from __future__ import annotations

from ..common.errors import ConfigError, did_you_mean

#: attributes a routing, length-of-stay or probability table may depend on
ATTRIBUTES = ("age_band", "locality", "risk_tier", "care_home", "arrival_mode", "pathway", "site", "month", "heading")


def complete_table(table: dict, attribute: str, known, where: str) -> dict:
    """Check a table keyed by ``attribute`` and fill labels it omits from its ``default`` entry.

    Every key must be a known label (or ``default``); every known label must
    have an entry unless ``default`` is given.
    """
    if known is None:
        return table
    unknown = [k for k in table if k != "default" and k not in known]
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}", unknown[0], f"one of {list(known)} or default{did_you_mean(unknown[0], known)}")
    default = table.pop("default", None)
    missing = [k for k in known if k not in table]
    if missing and default is None:
        raise ConfigError(where, sorted(table), f"an entry for every {attribute} (or a default): missing {missing}")
    for k in missing:
        table[k] = default
    return table
