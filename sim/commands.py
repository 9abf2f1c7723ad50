"""``carepath``: the one command, whose subcommands are carepath's tools.

    carepath --help                     # every subcommand, a line each
    carepath run run.replications=5     # the simulation job: exactly ``python -m sim run.replications=5``
    carepath calibrate --help           # each subcommand has its own help
    carepath experiment                 # the experiments behind results/, a line each
    carepath experiment ten_year_projection --replications 3

Each subcommand is the ``main`` of one module, imported only when it is chosen, so ``carepath --help`` is
quick; the older spellings (``python -m sim``, ``python -m sim.calibrate``, ...) run the same functions.
"""
from __future__ import annotations

import argparse
import ast
import importlib
import runpy
import sys

from .common.paths import ROOT

#: subcommand -> (module whose ``main(argv)`` it runs, what it is for)
COMMANDS = {
    "run": ("sim.__main__", "run the configured pathway (the Hydra job; python -m sim)"),
    "show": ("sim.jobs.show", "print a config node's effective values, each with the file and overlay it came from"),
    "compare": ("sim.jobs.compare", "compare the jobs of a finished sweep with a reference, paired replication by replication"),
    "reproduce": ("sim.jobs.reproduce", "re-run a committed experiment from its manifest and check its numbers"),
    "calibrate": ("sim.studies.calibrate", "report the base year against its targets, or refit the free rates"),
    "backtest": ("sim.studies.backtest", "the calibrated model on years it was not fitted to"),
    "hindcast": ("sim.studies.hindcast", "2017/18's model run on to 2024/25 against history and naive forecasts"),
    "validate": ("sim.studies.validate", "verify the engine against queueing theory and Ciw"),
    "reconcile": ("sim.studies.reconcile", "the base year's whole-system cost against the budget lines"),
    "size": ("sim.studies.size", "size the demand-led places (configs/capacity_policy/demand_led.csv)"),
    "params": ("sim.studies.params", "the parameter register: every number with its source (docs/parameters.md)"),
    "bench": ("sim.studies.bench", "how fast carepath runs, as ratios measured in one process"),
    "uncertainty": ("sim.uncertainty.cli", "PSA, history matching, Morris and Sobol, switching values"),
    "place": ("sim.place.__main__", "a place's files: template, check, build, export, size"),
    "app": ("sim.app.__main__", "the web app for clinicians and planners"),
    "report": ("sim.jobs.one_page", "a one-page report of a run, or of a run against a reference (HTML and PDF)"),
    "pathway": ("sim.jobs.pathway", "draw the configured pathway (streams, services, routes) as an SVG diagram"),
    "experiment": (__name__, "run one of the experiments behind results/ (without a name: list them)"),
}
EXPERIMENTS = ROOT / "experiments"


def experiments() -> dict[str, str]:
    """Each experiment script's name and the first line of its docstring."""
    found = {}
    for path in sorted(EXPERIMENTS.glob("*.py")):
        if not path.stem.startswith("_"):
            doc = ast.get_docstring(ast.parse(path.read_text())) or ""
            found[path.stem] = doc.strip().splitlines()[0] if doc.strip() else ""
    return found


def run_experiment(argv: list[str]) -> int:
    """``carepath experiment NAME [ARGS]``: run ``experiments/NAME.py`` with ARGS, as ``python
    experiments/NAME.py ARGS`` does (the command its manifest records)."""
    known = experiments()
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: carepath experiment NAME [ARGS]   (carepath experiment NAME --help: its options)\n\nexperiments:")
        width = max(map(len, known), default=0)
        for name, line in known.items():
            print(f"  {name:{width}}  {line}")
        return 0
    name, args = argv[0], argv[1:]
    if name not in known:
        print(f"carepath experiment: no experiment {name!r}; choose one of: {', '.join(known)}", file=sys.stderr)
        return 2
    script = EXPERIMENTS / f"{name}.py"
    saved = sys.argv, list(sys.path)
    sys.argv = [str(script), *args]
    sys.path.insert(0, str(EXPERIMENTS))   # as ``python experiments/NAME.py`` has it: the scripts share _common.py
    try:
        runpy.run_path(str(script), run_name="__main__")
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    finally:
        sys.argv, sys.path[:] = saved
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    width = max(map(len, COMMANDS))
    listing = "\n".join(f"  {name:{width}}  {line}" for name, (_, line) in COMMANDS.items())
    parser = argparse.ArgumentParser(
        prog="carepath", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Discrete-event simulation of health and social care pathways.",
        epilog=f"subcommands:\n{listing}\n\n`carepath SUBCOMMAND --help` says how to use each.")
    parser.add_argument("subcommand", choices=list(COMMANDS), metavar="SUBCOMMAND", help="one of the subcommands below")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the subcommand's own arguments")
    if not argv:
        parser.print_help()
        return 2
    if argv[0] in ("-h", "--help"):
        parser.print_help()
        return 0
    chosen = parser.parse_args(argv[:1])
    args = argv[1:]
    if chosen.subcommand == "experiment":
        return run_experiment(args)
    module = importlib.import_module(COMMANDS[chosen.subcommand][0])
    # What a subcommand records as its command line (manifests, logs) is the one typed.
    saved = sys.argv
    sys.argv = [f"carepath {chosen.subcommand}", *args]
    try:
        code = module.main(args)
    finally:
        sys.argv = saved
    return int(code or 0)


def entry_point() -> None:
    """The console script: exit with the subcommand's status (130, the shell's code, on Ctrl-C)."""
    try:
        code = main()
    except KeyboardInterrupt:
        print("carepath: interrupted", file=sys.stderr)
        code = 130
    raise SystemExit(code)


if __name__ == "__main__":
    entry_point()
