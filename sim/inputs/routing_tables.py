"""Changes to routing tables, as calibration, seasonality and levers make them (probabilities that stay whole)."""
from __future__ import annotations

from ..common.errors import ConfigError


def scale_probability(node, factor: float, key: str, balance: str, where: str, with_balance_only: bool = False) -> None:
    """In every routing table under ``node`` (a table or ``{by, values}`` tables of tables):
    ``p[key] *= factor`` and ``p[balance]`` takes up the difference, in place.  With
    ``with_balance_only``, tables without ``balance`` (everyone to one place) are left alone."""
    if not isinstance(node, dict):
        return
    if "values" in node and "by" in node:
        for child in node["values"].values():
            scale_probability(child, factor, key, balance, where, with_balance_only)
        return
    if key in node and (balance in node or not with_balance_only):
        new = node[key] * factor
        spare = node.get(balance, 0.0) + node[key] - new
        if new > 1 or spare < 0:
            raise ConfigError(where, factor, f"a factor that keeps {key!r} and {balance!r} probabilities in [0, 1]")
        node[key], node[balance] = new, spare
