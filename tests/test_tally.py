"""A service's statistics: the rounding of its time integrals is round()'s, to the last bit."""
from __future__ import annotations

import math
import random

import numpy as np

from sim.engine.tally import round_area


def values():
    """Integrals of every size and sign, and the floats either side of a half-millionth, where rounding turns."""
    rng = random.Random(7)
    found = [1e-7, -1e-7, 5e-7, -5e-7, 2.5e-6, -2.5e-6, 1.5e-6, -3e-12, 1e9 + 5e-7, 123456.7890125]
    for _ in range(20000):
        found.append(rng.choice([-1, 1]) * 10 ** rng.uniform(-14, 7))
        half = (rng.randrange(-10 ** 12, 10 ** 12) + 0.5) / 1e6
        found += [half, math.nextafter(half, math.inf), math.nextafter(half, -math.inf)]
    return found


def test_a_numpy_float_is_rounded_as_numpy_rounds_it():
    for x in values():
        expected, got = round(np.float64(x), 6), round_area(np.float64(x))
        assert type(got) is type(expected) and repr(float(got)) == repr(float(expected)), x


def test_a_python_float_is_rounded_as_python_rounds_it():
    for x in values():
        expected, got = round(x, 6), round_area(x)
        assert type(got) is float and repr(got) == repr(expected), x
