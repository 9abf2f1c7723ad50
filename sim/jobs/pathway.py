"""``carepath pathway [overrides...] [--out FILE]``: the configured pathway drawn as an SVG diagram.

    carepath pathway --out pathway.svg                    # the default network (integrated care, Walsall)
    carepath pathway network=mmc --out mmc.svg            # another network
    carepath pathway --out docs/images/pathway.svg        # the picture in the docs (a test checks it is current)

The overrides are those of ``carepath run``, checked the same way; the network they compose is drawn by
:func:`sim.analysis.pathway_diagram.diagram`: the demand streams, the services in the order patients
reach them, and the ends of journeys, with an arrow for every route.  Without ``--out`` the SVG is
printed.  Exit status: 0; 2 for bad overrides or configuration (nothing written).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..analysis.pathway_diagram import diagram
from ..common.errors import ConfigError, ConfigErrors
from ..common.files import atomic_write
from ..inputs.config import load
from .cli import check_command_line, problem_line

#: the diagram the docs show, of the default configuration
DOCS_IMAGE = Path("docs/images/pathway.svg")


def pathway_svg(overrides: list[str] | tuple[str, ...] = ()) -> str:
    """The SVG diagram of the network that ``overrides`` compose."""
    return diagram(load(list(overrides))["network"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="carepath pathway", formatter_class=argparse.RawDescriptionHelpFormatter,
                                     description=__doc__.split("\n", 1)[1].strip("\n"))
    parser.add_argument("overrides", nargs="*", help="the overrides of carepath run (key=value, group=option)")
    parser.add_argument("--out", type=Path, help="write the SVG to this file (default: print it)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        found = check_command_line(args.overrides)
        if found:
            raise ConfigErrors(found)
        svg = pathway_svg(args.overrides)
    except ConfigError as error:
        for problem in getattr(error, "errors", [error]):
            print(problem_line(problem), file=sys.stderr)
        return 2
    if args.out is None:
        sys.stdout.write(svg)
    else:
        atomic_write(args.out, lambda tmp: Path(tmp).write_text(svg))
        print(f"Wrote {args.out}")
    return 0
