"""``python -m sim.reconcile``: kept for old commands; the same as ``carepath reconcile`` (:mod:`sim.studies.reconcile`)."""
from .studies.reconcile import main

if __name__ == "__main__":
    raise SystemExit(main())
