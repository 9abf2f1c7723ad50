"""Compare the scenarios of a finished sweep: ``carepath compare <sweep dir> [--baseline NAME]``.

Writes ``comparison.csv`` into the sweep directory: each scenario minus the baseline, paired
replication by replication (see :mod:`sim.analysis.comparison`).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from ..analysis.comparison import DEFAULT_BASELINE, write_comparison


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="carepath compare", description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", type=Path, help="a multirun directory (holding one folder per job)")
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="scenario to compare against (default: do_nothing)")
    args = parser.parse_args(argv)
    path = write_comparison(args.sweep_dir, args.baseline)
    if path is None:
        print(f"nothing to compare: no group of jobs in {args.sweep_dir} has scenario {args.baseline!r} and another")
        return 1
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
