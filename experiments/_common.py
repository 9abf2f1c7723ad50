"""Shared command-line options for the experiment scripts."""
from __future__ import annotations

import argparse
from pathlib import Path

QUICK = ["run.horizon_days=45", "run.warmup_days=10", "run.replications=2"]


def options(description: str, switches: dict[str, str] | None = None, arguments: dict[str, dict] | None = None):
    """Parse the common options, plus any on/off ``switches`` ({flag: help}) and other ``arguments``
    ({flag: argparse settings}) of the experiment."""
    parser = argparse.ArgumentParser(description=description)
    for flag, help_text in (switches or {}).items():
        parser.add_argument(flag, action="store_true", help=help_text)
    for flag, settings in (arguments or {}).items():
        parser.add_argument(flag, **settings)
    parser.add_argument("--quick", action="store_true",
                        help="a few short replications, to check the script runs (not for results)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default results/<experiment>)")
    parser.add_argument("--replications", type=int, default=None, help="replications per run")
    return parser.parse_args()


def run_settings(args, replications: int) -> list[str]:
    """Overrides common to every run of an experiment."""
    if args.quick:
        return list(QUICK)
    return [f"run.replications={args.replications or replications}"]
