"""Reproduce a committed experiment and check its numbers.

    python -m sim.reproduce results/<experiment>            # every recorded run
    python -m sim.reproduce results/<experiment> --only baseline
    python -m sim.reproduce results/uncertainty/wave1 --draws 8   # a PSA: 8 of its draws, exactly, in minutes

Each run recorded in ``manifest.json`` is re-run from its resolved configuration (so later edits
to ``configs/`` do not change what is reproduced) and its summary compared with the committed
``runs.csv`` (``runs.csv.gz`` when large):

* **exact** -- every metric equal to 1e-9 (relative), as it must be for the same seed, the same
  code and the same package versions;
* **within intervals** -- not exact, but every re-run mean inside the committed 95% interval (what
  to expect on other package versions or platforms, where floating point may differ);
* **mismatch** -- a mean outside its interval.

Experiments without recorded runs (``results/validation``) are reproduced by re-running their
command into a temporary folder and comparing every table the same way.  A probabilistic study
(``python -m sim.uncertainty``) is checked with ``--draws N`` instead: ``N`` of its draws re-run and
compared exactly with its tables, with an estimate of how long the whole would take
(``python -m sim.uncertainty.recheck``, run as its own process).  The exit code is 0 only
when everything is exact or within intervals; the report says which, and whether the git commit,
the package versions (naming each that differs) and the lock file match the manifest's.
"""
from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..common import progress as terminal
from ..common.files import table_file
from ..common.paths import ROOT
from . import outputs, runner

RTOL = 1e-9


def compare(new: pd.DataFrame, old: pd.DataFrame) -> tuple[str, list[str]]:
    """('exact' | 'within intervals' | 'mismatch', the metrics outside their intervals)."""
    key = [c for c in ("year", "metric") if c in old.columns]        # a multi-year run: each year's metrics
    merged = old.merge(new[[*key, "mean"]], on=key, how="left", suffixes=("", "_new"))
    a, b = merged["mean"].to_numpy(float), merged["mean_new"].to_numpy(float)
    same = (np.isnan(a) & np.isnan(b)) | (np.abs(a - b) <= RTOL * (1 + np.abs(a)))
    if same.all():
        return "exact", []
    low, high = merged["ci_low"].to_numpy(float), merged["ci_high"].to_numpy(float)
    tolerance = 1e-9 * (1 + np.abs(a))
    inside = same | ((b >= np.nan_to_num(low, nan=a) - tolerance) & (b <= np.nan_to_num(high, nan=a) + tolerance))
    bad = merged.loc[~inside, "metric"].tolist()
    return ("within intervals" if not bad else "mismatch"), bad


def _tables_by_command(folder: Path, manifest: dict) -> list[tuple[str, str, list[str]]]:
    """Re-run the experiment's command into a temporary folder; compare each table's numbers."""
    args = shlex.split(manifest["command"])
    if args and args[0] == "python":
        args[0] = sys.executable
    elif args and args[0] == "carepath":
        args[:1] = [sys.executable, "-m", "sim.commands"]
    verdicts = []
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([*args, "--out", tmp], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        for table in manifest.get("tables", []):
            old, new = pd.read_csv(table_file(folder, table["file"])), pd.read_csv(table_file(Path(tmp), table["file"]))
            numeric = [c for c in old.columns if pd.api.types.is_numeric_dtype(old[c])]
            equal = old.shape == new.shape and np.allclose(old[numeric].to_numpy(float), new[numeric].to_numpy(float),
                                                           rtol=RTOL, atol=0, equal_nan=True)
            verdicts.append((table["file"], "exact" if equal else "mismatch", [] if equal else numeric))
    return verdicts


def package_differences(committed: dict | None, installed: dict) -> list[str]:
    """Each package whose version differs, as ``name committed -> installed`` (``none`` for a missing one)."""
    committed = committed or {}
    return [f"{name} {committed.get(name) or 'none'} -> {installed.get(name) or 'none'}"
            for name in sorted(set(committed) | set(installed), key=lambda n: (n != "python", n))
            if committed.get(name) != installed.get(name)]


def environment(manifest: dict) -> str:
    """How the environment now differs from the manifest's: packages by name, then the lock file."""
    differ = package_differences(manifest.get("packages"), outputs.package_versions())
    packages = f"packages different: {', '.join(differ)}" if differ else "packages same"
    committed, now = manifest.get("lock"), outputs.lock_file()
    if not committed:
        lock = "lock file not recorded"
    elif not now:
        lock = f"lock file {committed['file']} missing now"
    else:
        lock = f"lock file {now['file']} {'same' if committed['sha256'] == now['sha256'] else 'different'}"
    return f"{packages}; {lock}"


def reproduce(folder: Path, only: list[str] | None = None, log=print) -> bool:
    manifest = json.loads((folder / "manifest.json").read_text())
    same_commit = manifest.get("git", {}).get("commit") == outputs.git_commit().get("commit")
    log(f"{manifest['experiment']}: committed with git {str(manifest.get('git', {}).get('commit'))[:10]} "
        f"({'same' if same_commit else 'different'} commit now), {environment(manifest)}")
    # Recorded model runs carry their resolved config; other entries (an optimiser's settings, a
    # validation's scale) describe work the command itself must redo.
    runs = {label: spec for label, spec in (manifest.get("runs") or {}).items()
            if isinstance(spec, dict) and "config" in spec}
    unknown = sorted(set(only or ()) - set(runs))
    if unknown:
        log(f"no such runs: {', '.join(unknown)} (the runs: {', '.join(runs) or 'none; the command re-runs them all'})")
        return False
    if not runs:
        verdicts = _tables_by_command(folder, manifest)
    else:
        committed = pd.read_csv(table_file(folder, "runs"))
        verdicts = []
        chosen = [(label, spec) for label, spec in runs.items() if not only or label in only]
        shown = terminal.wanted()             # on a terminal: a bar over the runs, and one over each run's replications
        for label, spec in terminal.bar(chosen, desc="runs", unit="run") if shown else chosen:
            new = runner.run(spec["config"], progress=shown).summary
            verdict, bad = compare(new, committed[committed["run"] == label])
            verdicts.append((label, verdict, bad))
    ok = True
    for label, verdict, bad in verdicts:
        log(f"  {label}: {verdict}" + (f" ({len(bad)} metrics outside their interval, e.g. {', '.join(bad[:5])})" if bad else ""))
        ok &= verdict != "mismatch"
    kinds = {v for _, v, _ in verdicts}
    log(f"{'REPRODUCED' if ok else 'NOT REPRODUCED'}: {len(verdicts)} checked, "
        f"{', '.join(f'{sum(v == k for _, v, _ in verdicts)} {k}' for k in sorted(kinds))}")
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="carepath reproduce", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="an experiment folder, e.g. results/baseline_2017")
    parser.add_argument("--only", nargs="*", help="only these runs (labels in manifest.json)")
    parser.add_argument("--draws", type=int, default=None,
                        help="a probabilistic study (python -m sim.uncertainty): re-run this many of its draws only")
    args = parser.parse_args(argv)
    if not (args.folder / "manifest.json").is_file():
        print(f"carepath: {args.folder} has no manifest.json (not an experiment folder)", file=sys.stderr)
        return 2
    if args.draws is not None:
        return subprocess.run([sys.executable, "-m", "sim.uncertainty.recheck", str(args.folder), "--draws",
                               str(args.draws)], cwd=ROOT, check=False).returncode
    return 0 if reproduce(args.folder, args.only) else 1


if __name__ == "__main__":
    raise SystemExit(main())
