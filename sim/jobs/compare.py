"""Compare the jobs of a finished sweep: ``carepath compare <sweep dir> [--reference KEY=VALUE] [--baseline NAME]``.

Writes ``comparison.csv`` into the sweep directory, paired replication by replication (the jobs share
their seeds: common random numbers; see :mod:`sim.analysis.comparison`).  A sweep over scenarios:
each scenario minus the baseline scenario (``do_nothing``), as the sweep itself wrote it.  Any other
sweep, or with ``--reference``: each job minus the reference job, named by its setting
(``--reference capacity.acute_beds=520``) or its folder; the first job by default.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..analysis.comparison import DEFAULT_BASELINE, write_comparison
from ..common.errors import ConfigError


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="carepath compare", description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", type=Path, help="a multirun directory (holding one folder per job)")
    parser.add_argument("--reference", nargs="+", metavar="KEY=VALUE",
                        help="the job to compare every other with: its swept settings, or its folder "
                             "(default: the scenario baseline when scenarios are swept, else the first job)")
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="scenario to compare against (default: do_nothing)")
    args = parser.parse_args(argv)
    if not args.sweep_dir.is_dir():
        print(f"carepath compare: {args.sweep_dir} is not a folder", file=sys.stderr)
        return 2
    try:
        path = write_comparison(args.sweep_dir, args.baseline, args.reference, any_sweep=True)
    except ConfigError as e:
        print(f"carepath compare: {e}", file=sys.stderr)
        return 2
    if path is None:
        print(f"nothing to compare: {args.sweep_dir} holds fewer than two finished jobs to pair")
        return 1
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
