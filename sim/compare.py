"""``python -m sim.compare``: kept for old commands; the same as ``carepath compare`` (:mod:`sim.jobs.compare`)."""
from .jobs.compare import main

if __name__ == "__main__":
    raise SystemExit(main())
