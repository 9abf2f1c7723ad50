"""Filling in a plain configuration's interpolations, as OmegaConf would, without building its nodes.

A study of many draws resolves one configuration per draw and scenario (``${place.demand.utc}`` and the
like carry a drawn value to every stream that uses it).  OmegaConf does this by wrapping every value
in a node first, which costs about a tenth of a second for the Walsall configuration: a minute of a
256-draw study.  :func:`resolve` does the same for the interpolations carepath's configurations use --
a whole value that is one absolute reference, ``${a.b.c}`` -- by looking the key up in the plain
dictionary; a configuration with any other kind (a reference inside a longer string, a relative
reference, a resolver such as ``${oc.env:...}``) goes through OmegaConf, so the result is always
OmegaConf's.  A referenced mapping or list is copied, as OmegaConf's ``to_container`` copies it.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Mapping

from omegaconf import OmegaConf

_REFERENCE = re.compile(r"\$\{([A-Za-z_]\w*(?:\.\w+)*)\}")


class _NotPlain(Exception):
    """An interpolation only OmegaConf resolves."""


def resolve(cfg: Mapping) -> dict:
    """``cfg`` (plain containers, interpolations unresolved) with every interpolation filled in."""
    try:
        return _Resolver(cfg).value(cfg)
    except _NotPlain:
        return OmegaConf.to_container(OmegaConf.create(dict(cfg)), resolve=True)


class _Resolver:
    def __init__(self, root: Mapping):
        self.root = root
        self.following: set[str] = set()      # references being followed (a cycle is OmegaConf's to report)

    def value(self, data):
        if isinstance(data, Mapping):
            return {key: self.value(item) for key, item in data.items()}
        if isinstance(data, list):
            return [self.value(item) for item in data]
        if isinstance(data, str) and "$" in data:
            return self.reference(data)
        return copy.copy(data)

    def reference(self, text: str):
        match = _REFERENCE.fullmatch(text)
        if match is None or "\\" in text or match.group(1) in self.following:
            raise _NotPlain(text)
        key = match.group(1)
        node = self.root
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise _NotPlain(text)          # OmegaConf's error message, not ours
            node = node[part]
        self.following.add(key)
        try:
            return self.value(node)
        finally:
            self.following.discard(key)
