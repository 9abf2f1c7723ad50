"""``python -m sim.calibrate``: kept for old commands; the same as ``carepath calibrate`` (:mod:`sim.studies.calibrate`)."""
from .studies.calibrate import main

if __name__ == "__main__":
    raise SystemExit(main())
