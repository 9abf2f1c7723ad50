"""Random numbers: one independent, named source per stochastic process.

Every stochastic process in a replication (each arrival stream, each service's lengths of stay,
each routing decision point) draws from its own :class:`RandomSource`.  A source's seed is derived
from the run seed, the replication number and a stable hash of the process *name*::

    SeedSequence(seed, spawn_key=(replication, crc32(name)))

so that

* the same seed gives the same result whether replications run serially or in parallel (a
  replication never depends on another's draws);
* two scenarios that share a process name share its random numbers (common random numbers), even
  when one scenario adds or removes other services;
* sources are statistically independent (``SeedSequence`` guarantees it).

Process names are ``<kind>:<node>``: ``arrivals:ae_walk_in``, ``los:acute``, ``route:ae``,
``patience:ic_bed``, ``avert:ae_walk_in``, ``return:home``, ``initial:acute``...  (In carepath a
*stream* is always an arrival stream; random numbers come from *sources*.)

Draws are taken from numpy in blocks and served one at a time by a list iterator's ``__next__``: a
scalar numpy call costs about a microsecond, the iterator a few tens of nanoseconds with no Python
frame, and the engine draws millions of variates per simulated year.
"""
from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from itertools import chain

import numpy as np

_BLOCK = 2048


def process_seed(seed: int, replication: int, name: str) -> np.random.SeedSequence:
    """The seed sequence of the process ``name`` in ``replication``."""
    return np.random.SeedSequence(int(seed), spawn_key=(int(replication), zlib.crc32(name.encode())))


class RandomSource:
    """One process's buffered uniform, standard normal and standard exponential variates.

    :meth:`random`, :meth:`normal` and :meth:`exponential` are each the ``__next__`` of an endless
    iterator over blocks of ``_BLOCK`` variates, a block drawn from the generator when the last is used
    up: the engine's commonest call runs no Python frame at all, and the draws are those of a list
    refilled on demand, block for block.
    """

    __slots__ = ("exponential", "generator", "name", "normal", "random")

    def __init__(self, seed: int, replication: int, name: str):
        self.name = name
        self.generator = generator = np.random.Generator(np.random.PCG64(process_seed(seed, replication, name)))
        #: a uniform variate on [0, 1)
        self.random = _served(lambda: generator.random(_BLOCK).tolist())
        #: a standard normal variate
        self.normal = _served(lambda: generator.standard_normal(_BLOCK).tolist())
        #: a standard (mean 1) exponential variate
        self.exponential = _served(lambda: generator.standard_exponential(_BLOCK).tolist())


def _served(block: Callable[[], list[float]]) -> Callable[[], float]:
    """The variates of ``block()``, then of the next ``block()``, for ever, one a call."""
    return chain.from_iterable(iter(block, None)).__next__


class RandomSources:
    """The named random sources of one replication, created on first use."""

    def __init__(self, seed: int, replication: int):
        self.seed = int(seed)
        self.replication = int(replication)
        self._sources: dict[str, RandomSource] = {}

    def __getitem__(self, name: str) -> RandomSource:
        source = self._sources.get(name)
        if source is None:
            source = self._sources[name] = RandomSource(self.seed, self.replication, name)
        return source

    def generator(self, name: str) -> np.random.Generator:
        """A numpy generator for vectorised draws (arrival generation)."""
        return self[name].generator


def lognormal_parameters(mean: float, cv: float) -> tuple[float, float]:
    """(mu, sigma) of the lognormal with the given mean and coefficient of variation."""
    sigma2 = math.log1p(cv * cv)
    return math.log(mean) - 0.5 * sigma2, math.sqrt(sigma2)
