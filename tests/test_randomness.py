"""Random sources: one seeded stream per process, its variates served from blocks drawn on demand."""
from __future__ import annotations

import numpy as np

from sim.engine.randomness import _BLOCK, RandomSource, RandomSources, process_seed


def test_variates_are_the_generators_blocks_drawn_when_the_last_is_used_up():
    # a source drawn from in every way, and its generator used directly between (as arrival chunks and
    # gamma stays do), against a bare generator doing the same, refilling each block on demand
    source = RandomSource(2017, 3, "los:acute")
    reference = np.random.Generator(np.random.PCG64(process_seed(2017, 3, "los:acute")))
    blocks = {"random": reference.random, "normal": reference.standard_normal,
              "exponential": reference.standard_exponential}
    buffers = {kind: [] for kind in blocks}
    pattern = ["random"] * 3000 + ["normal", "exponential", "random"] * 1500 + ["direct"] + ["normal"] * 2100
    for kind in pattern:
        if kind == "direct":
            assert np.array_equal(source.generator.gamma(2.0, 1.0, 5), reference.gamma(2.0, 1.0, 5))
            continue
        if not buffers[kind]:
            buffers[kind] = blocks[kind](_BLOCK).tolist()
        assert getattr(source, kind)() == buffers[kind].pop(0)


def test_a_process_has_the_same_draws_in_any_replication_order_and_its_own_in_each():
    first = RandomSources(7, 0)["route:ae"]
    again = RandomSources(7, 0)
    again["los:acute"].random()                 # another process drawn first changes nothing
    assert [first.random() for _ in range(10)] == [again["route:ae"].random() for _ in range(10)]
    other = RandomSources(7, 1)["route:ae"]
    assert [other.random() for _ in range(10)] != [RandomSources(7, 0)["route:ae"].random() for _ in range(10)]
