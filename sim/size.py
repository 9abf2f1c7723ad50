"""``python -m sim.size``: kept for old commands; the same as ``carepath size`` (:mod:`sim.studies.size`)."""
from .studies.size import main

if __name__ == "__main__":
    raise SystemExit(main())
