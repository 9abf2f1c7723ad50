"""``python -m sim.validate``: kept for old commands; the same as ``carepath validate`` (:mod:`sim.studies.validate`)."""
from .studies.validate import main

if __name__ == "__main__":
    raise SystemExit(main())
