"""``python -m sim.uncertainty``: see :mod:`sim.uncertainty.cli`."""
from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
