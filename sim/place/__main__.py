"""``python -m sim.place``: write, export and build a place's files (see :mod:`sim.place`)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..common.errors import ConfigError, ConfigErrors
from ..common.quoting import command
from . import build, export, sizing


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="carepath place", description=__doc__.split(":", 1)[1].strip())
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help="write an example place's files and a README explaining them into DIR")
    init.add_argument("dir", type=Path)
    exp = commands.add_parser("export", help="write the place NAME (a config of configs/place/) as files into DIR")
    exp.add_argument("name")
    exp.add_argument("dir", type=Path)
    exp.add_argument("--configs", type=Path, action="append", default=[],
                     help="a further configs folder to find NAME in (as hydra.searchpath)")
    make = commands.add_parser("build", help="check the files in DIR and write the place, rates and capacity configs")
    make.add_argument("dir", type=Path)
    make.add_argument("--name", required=True, help="the place's name: python -m sim place=NAME runs it")
    make.add_argument("--out", type=Path, default=None,
                      help="configs folder to write into (default the project's configs/); run it with "
                           "python -m sim \"hydra.searchpath=['file://OUT']\" place=NAME")
    make.add_argument("--force", action="store_true",
                      help="replace the place's files if they exist (without it, a build that would replace "
                           "any file, such as a shipped place's, stops and names them)")
    make.add_argument("--quick", action="store_true", help="size left-out services from short runs (to try the "
                                                           "files out, not for results)")
    make.add_argument("--replications", type=int, default=3, help="replications of each sizing run (default 3)")
    args = parser.parse_args(argv)
    replaced: list[Path] = []
    try:
        if args.command == "init":
            written = export.init(args.dir)
        elif args.command == "export":
            written = export.export(args.name, args.dir, args.configs)
        else:
            build.check_targets(args.out, args.name, args.force)     # before the files are read or sized
            builder = build.Builder(args.dir, args.name, sizing.settings(args.replications, args.quick),
                                    progress=lambda message: print(message, file=sys.stderr))
            written = builder.build(args.out, force=args.force)
            replaced = builder.replaced
    except build.Refused as refused:
        print(f"carepath place build: refused: {refused}:", file=sys.stderr)
        for path in refused.paths:
            print(f"  {path}", file=sys.stderr)
        return 2
    except ConfigErrors as errors:
        for error in errors.errors:
            print(f"carepath: invalid place files: {error}", file=sys.stderr)
        return 2
    except ConfigError as error:
        print(f"carepath: invalid place files: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    if args.command == "build":
        for path in replaced:
            print(f"replaced: {path} (--force)", file=sys.stderr)
        words = ["python", "-m", "sim", *([] if args.out is None else [build.searchpath(args.out)]), f"place={args.name}"]
        print(f"run it with: {command(words)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
