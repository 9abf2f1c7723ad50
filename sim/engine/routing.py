"""Routing: where a patient goes next, by probabilities that may depend on attributes.

A routing spec in config is one of

* a destination name: ``acute``;
* probabilities per destination: ``{home: 0.7, acute: 0.3}`` (summing to 1);
  one destination may take ``rest``, the probability the others leave:
  ``{step_down: 0.3, exit: rest}``;
* a table keyed by a patient attribute: ``{by: risk_tier, values: {low: {...}, medium: {...}, high: {...}}}``,
  whose entries are routing specs themselves (so tables nest: ``by: arrival_mode`` then ``by: age_band``).

Destinations are services, partitioned services (routed to the patient's own
locality or site) and sinks (``home``, ``death``, ...).
"""
from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Mapping
from typing import Any

from ..common.checks import fraction, is_real, number
from ..common.errors import ConfigError
from .attributes import ATTRIBUTES, complete_table

TOLERANCE = 1e-6
REST = "rest"        # the probability the other destinations of a row leave


class _Choice:
    """Destinations with cumulative probabilities: a leaf of a routing table (``by`` None)."""

    __slots__ = ("cumulative", "destinations", "only")
    by = None

    def __init__(self, destinations, probabilities):
        self.destinations = destinations
        total, cumulative = 0.0, []
        for p in probabilities:
            total += p
            cumulative.append(total)
        cumulative[-1] = math.inf  # guard against rounding: u < 1 always lands somewhere
        self.cumulative = cumulative
        self.only = destinations[0] if len(destinations) == 1 else None


class _Table:
    """A routing table: the next node by the patient's value of the attribute ``by``.  The walk reads
    ``by`` until a leaf has none: attribute loads, cheaper than testing each node's type."""

    __slots__ = ("by", "values")

    def __init__(self, by: str, values: dict):
        self.by = by
        self.values = values


class Router:
    """Chooses the next destination for a patient.

    ``resolve(name, key)`` turns a destination name into the node object;
    ``labels`` maps attributes to their allowed values for checking tables.
    """

    def __init__(self, spec: Any, source, where: str, resolve: Callable, labels: Mapping[str, list]):
        self.source = source          # random numbers for the choice (sim.engine.randomness)
        self.where = where
        self._rows: dict[tuple, _Choice] = {}   # compiled rows by content: cohort tables repeat the same rows many times
        # Compiled tables and rows by the spec object, while compiling: a lever's cohort tables share entries
        # (sim.inputs.levers), compiled once each.  The spec is kept beside its node so its id stays its own.
        self._compiled: dict[int, tuple[Any, Any]] = {}
        self._root = self._compile(spec, where, resolve, labels)
        del self._compiled
        self.destinations = sorted(self._names(self._root))
        # Most routes are one destination or one row of probabilities: choose those without the table walk.
        if isinstance(self._root, _Choice):
            self.choose = self._fixed if self._root.only is not None else self._row

    def _compile(self, spec, where, resolve, labels):
        if isinstance(spec, str):
            return _Choice([resolve(spec, where)], [1.0])
        known = self._compiled.get(id(spec))
        if known is not None:
            return known[1]
        node = self._compile_mapping(spec, where, resolve, labels)
        self._compiled[id(spec)] = (spec, node)
        return node

    def _compile_mapping(self, spec, where, resolve, labels):
        if not isinstance(spec, Mapping) or not spec:
            raise ConfigError(where, spec, "a destination name, probabilities per destination, or {by: attribute, values: {...}}")
        if "by" in spec:
            attribute = spec["by"]
            if attribute not in ATTRIBUTES:
                raise ConfigError(f"{where}.by", attribute, f"one of {', '.join(ATTRIBUTES)}")
            values = spec.get("values")
            if not isinstance(values, Mapping) or not values:
                raise ConfigError(f"{where}.values", values, f"a routing table for each {attribute}")
            extra = sorted(set(spec) - {"by", "values"})
            if extra:
                raise ConfigError(f"{where}.{extra[0]}", spec[extra[0]], "only 'by' and 'values' beside a routing table")
            table = {str(k): self._compile(v, f"{where}.values.{k}", resolve, labels) for k, v in values.items()}
            return _Table(attribute, complete_table(table, attribute, labels.get(attribute), f"{where}.values"))
        try:
            row = tuple(spec.items())
            known = self._rows.get(row)
        except TypeError:              # an unhashable entry: for the checks below to name
            row = known = None
        if known is not None:
            return known
        rest = [name for name, p in spec.items() if p == REST]
        if len(rest) > 1:
            raise ConfigError(f"{where}.{rest[1]}", REST, f"a probability ('{REST}' may stand for at most one destination)")
        stated = sum(float(p) for p in spec.values() if p != REST and is_real(p))
        names, probabilities = [], []
        for name, p in spec.items():
            key = f"{where}.{name}"
            if p == REST:
                p = max(0.0, 1.0 - stated)   # whatever the others leave, so a swept probability keeps the row whole
            fraction(p, key, allowed=f"a probability in [0, 1] or '{REST}'")
            if p > 0:
                names.append(resolve(name, key))
                probabilities.append(float(p))
        total = sum(probabilities) if rest else stated
        if abs(total - 1.0) > TOLERANCE:
            raise ConfigError(where, dict(spec), f"probabilities summing to 1 (they sum to {total:.6g})")
        choice = _Choice(names, probabilities)
        if row is not None:
            self._rows[row] = choice
        return choice

    @staticmethod
    def _names(root) -> set[str]:
        """Every destination's name, each node visited once (a table's entries may share a node)."""
        names, seen, stack = set(), set(), [root]
        while stack:
            node = stack.pop()
            if id(node) not in seen:
                seen.add(id(node))
                if isinstance(node, _Choice):
                    names.update(d.name for d in node.destinations)
                else:
                    stack.extend(node.values.values())
        return names

    def _fixed(self, patient):
        return self._root.only

    def _row(self, patient):
        root = self._root
        return root.destinations[bisect_right(root.cumulative, self.source.random())]

    def choose(self, patient):
        """The patient's next destination."""
        node = self._root
        by = node.by
        while by is not None:
            node = node.values[getattr(patient, by)]
            by = node.by
        if node.only is not None:
            return node.only
        return node.destinations[bisect_right(node.cumulative, self.source.random())]


class AttributeTable:
    """A number that may depend on patient attributes: ``0.12`` or ``{by: pathway, values: {...}}``."""

    def __init__(self, spec: Any, where: str, labels: Mapping[str, list], low=0.0, high=1.0):
        self._root = self._compile(spec, where, labels, low, high)

    def _compile(self, spec, where, labels, low, high):
        if isinstance(spec, Mapping):
            attribute = spec.get("by")
            if attribute not in ATTRIBUTES:
                raise ConfigError(f"{where}.by", attribute, f"one of {', '.join(ATTRIBUTES)}")
            values = spec.get("values")
            if not isinstance(values, Mapping) or not values:
                raise ConfigError(f"{where}.values", values, f"a number for each {attribute}")
            table = {str(k): self._compile(v, f"{where}.values.{k}", labels, low, high) for k, v in values.items()}
            return (attribute, complete_table(table, attribute, labels.get(attribute), f"{where}.values"))
        return number(spec, where, low=low, high=high, allowed=f"a number in [{low}, {high}]")

    def __call__(self, patient) -> float:
        node = self._root
        while not isinstance(node, float):
            node = node[1][getattr(patient, node[0])]
        return node
