"""``python -m sim.params``: kept for old commands; the same as ``carepath params`` (:mod:`sim.studies.params`)."""
from .studies.params import main

if __name__ == "__main__":
    raise SystemExit(main())
