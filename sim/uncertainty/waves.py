"""Waves of history matching run one after another until the stop rule.

``python -m sim.uncertainty.waves --max-waves 5 --draws 256 --later-draws 128 --out DIR [options]
[overrides]`` runs ``DIR/wave1``, then refocuses ``DIR/wave2`` on it, and so on, stopping by the rule
of :mod:`sim.uncertainty.validation` (at least 100 non-implausible draws over the waves, or every
emulator's variance below its target's) or at ``--max-waves``; after each wave it writes the per-wave
table (:mod:`sim.uncertainty.chain`) to ``DIR/waves.csv``, and at the end says why it stopped and writes
``DIR/README.md`` (:mod:`sim.uncertainty.waves_report`; ``--report`` writes both again from the folders,
running nothing).  Every other option is passed to ``python -m sim.uncertainty`` unchanged.

Every wave after the first judges its draws first (``--judge-first``): most of a refocused wave's draws are still
ruled out, and their scenarios' runs, which no headline counts, are left out.  The first wave runs every draw whole,
so its emulator of each saving spans the stated ranges.

``--resume`` keeps the waves already complete in ``DIR`` and goes on from the last of them, so a chain
stopped at ``--max-waves`` (or killed) gains waves without running its earlier ones again.  A kept wave
must have been run with the options asked for now (the settings in its ``manifest.json``, all but its
draws, folder and cores): a chain is one study, not waves of different ones.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..common.errors import ConfigError
from ..common.files import write_csv
from . import analysis, chain, waves_report


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="carepath uncertainty waves", description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, required=True, help="folder of the waves (wave1, wave2, ... and waves.csv)")
    p.add_argument("--draws", type=int, default=256, help="draws of the first wave")
    p.add_argument("--later-draws", type=int, default=128, help="draws of every later wave")
    p.add_argument("--max-waves", type=int, default=5, help="waves at most")
    p.add_argument("--report", action="store_true",
                   help="only write DIR/waves.csv and DIR/README.md from the waves already in DIR")
    p.add_argument("--screening", type=Path, default=None,
                   help="a --method morris study's folder over the same ranges: the README's drivers of a saving whose "
                        "emulator cannot carry Sobol indices")
    p.add_argument("--resume", action="store_true",
                   help="keep the waves already complete in DIR (run with these options) and go on from the last")
    return p


#: settings a wave may differ in from the rest of its chain: they do not change what it finds (judging first leaves
#: out only the rejected draws' scenario runs, which nothing the chain reports counts)
PER_WAVE = ("draws", "refocus", "n_jobs", "backend", "address", "progress", "judge_first")


def mismatches(folder: Path, rest: list[str]) -> list[str]:
    """The settings of the wave in ``folder`` (its manifest's) that differ from those ``rest`` (the options
    passed on to ``python -m sim.uncertainty``) asks for, as ``name: wave's value, asked value``."""
    from .cli import parser as one_wave_parser
    from .cli import settings_from
    from .report import recorded
    asked = recorded(settings_from(one_wave_parser().parse_args(["--out", str(folder), *rest])))
    manifest = folder / "manifest.json"
    given = json.loads(manifest.read_text()).get("runs", {}).get("study", {}).get("settings", {}) if manifest.is_file() else {}
    if not given:
        return ["manifest.json: none with the wave's settings"]
    return [f"{k}: {given.get(k)!r} in the wave, {v!r} asked" for k, v in asked.items()
            if k not in PER_WAVE and given.get(k) != v]


def main(argv=None) -> int:
    from .cli import main as one_wave
    args, rest = parser().parse_known_args(argv)
    if args.screening is not None:
        try:
            analysis.screening(args.screening)             # a folder that is not a screening fails before any wave
        except ConfigError as error:
            print(f"carepath: invalid configuration: {error}", file=sys.stderr)
            return 2
    if args.report:
        if not waves_report.folders(args.out):
            print(f"carepath: invalid configuration: --out: got '{args.out}'; expected a folder of waves (wave1, ...)",
                  file=sys.stderr)
            return 2
        write_csv(chain.table(waves_report.folders(args.out)), args.out / "waves.csv")
        print(f"written to {args.out / 'waves.csv'} and {waves_report.write(args.out, args.screening)}")
        return 0
    for name, value, low in (("--draws", args.draws, 1), ("--later-draws", args.later_draws, 1), ("--max-waves", args.max_waves, 1)):
        if value < low:
            print(f"carepath: invalid configuration: {name} = {value}: expected a whole number >= {low}", file=sys.stderr)
            return 2
    folders: list[Path] = []
    reason = None
    if args.resume:
        for folder in waves_report.folders(args.out):
            if folder.name != f"wave{len(folders) + 1}":
                break                                   # a gap: the chain goes on from the wave before it
            differ = mismatches(folder, rest)
            if differ:
                print(f"carepath: invalid configuration: --resume: {folder} was run with other settings "
                      f"({'; '.join(differ)}); expected the options it was run with", file=sys.stderr)
                return 2
            folders.append(folder)
        if folders:
            found = chain.table(folders)
            reason = chain.stop(found)
            print(f"kept {len(folders)} complete wave(s) in {args.out}" + (f"; the stop rule is met: {reason}" if reason else ""))
    for wave in range(len(folders) + 1, args.max_waves + 1 if not reason else 0):
        folder = args.out / f"wave{wave}"
        earlier = ["--refocus", str(folders[-1]), "--judge-first"] if folders else []
        draws = args.draws if wave == 1 else args.later_draws
        code = one_wave(["--draws", str(draws), "--out", str(folder), *earlier, *rest])
        if code:
            return code
        folders.append(folder)
        found = chain.table(folders)
        write_csv(found, args.out / "waves.csv")
        reason = chain.stop(found)
        if reason:
            break
    print(f"{len(folders)} waves, {int(found['non_implausible'].sum())} non-implausible draws; "
          f"{'stopped: ' + reason if reason else f'stopped at --max-waves {args.max_waves} before the stop rule was met'}"
          f"; per-wave table {args.out / 'waves.csv'}; {waves_report.write(args.out, args.screening)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
