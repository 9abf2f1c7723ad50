"""``python -m sim.backtest``: kept for old commands; the same as ``carepath backtest`` (:mod:`sim.studies.backtest`)."""
from .studies.backtest import main

if __name__ == "__main__":
    raise SystemExit(main())
