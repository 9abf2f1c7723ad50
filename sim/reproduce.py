"""``python -m sim.reproduce``: kept for old commands; the same as ``carepath reproduce`` (:mod:`sim.jobs.reproduce`)."""
from .jobs.reproduce import main

if __name__ == "__main__":
    raise SystemExit(main())
