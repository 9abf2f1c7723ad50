"""``python -m sim.bench``: kept for old commands; the same as ``carepath bench`` (:mod:`sim.studies.bench`)."""
from .studies.bench import main

if __name__ == "__main__":
    raise SystemExit(main())
