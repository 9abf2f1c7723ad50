"""Experiments: named sets of runs, their tables and figures, and a manifest to reproduce them.

An experiment script (``experiments/<name>.py``) creates an :class:`Experiment`,
runs the model with lists of overrides (exactly as on the command line), writes
tables and figures, and finishes with the answer to its question.  Everything
lands in ``results/<name>/``::

    results/<name>/
      README.md        the question, the command, the answer, any overload, the tables and figures
      manifest.json    command, git commit, package versions, and for every run its
                       overrides, resolved config, seed and conservation ledger
      *.csv            tables (*.csv.gz, gzip-compressed, when over a megabyte as CSV)
      *.png, *.txt     figures and their captions

``python -m sim.reproduce results/<name>`` re-runs every recorded run from its
resolved configuration and checks the numbers against ``runs.csv`` (or ``runs.csv.gz``).
"""
from __future__ import annotations

import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..analysis import figures, report
from ..common.files import atomic_write, write_gzip
from ..common.paths import RESULTS, ROOT
from ..inputs.config import load
from . import outputs, runner

#: a table bigger than this as CSV is written gzip-compressed, ``<name>.csv.gz``, so no committed file is large
COMPRESS_OVER_BYTES = 1_000_000


def command_line(argv) -> str:
    """The command as typed from the repository root: ``carepath <subcommand> ...`` as given,
    ``python -m <module>`` for the package's modules, a path relative to the root for scripts."""
    if str(argv[0]).startswith("carepath"):
        head = str(argv[0]).split()
    else:
        script = Path(argv[0]).resolve()
        if script.is_relative_to(ROOT / "sim"):
            module = script.relative_to(ROOT).with_suffix("").parts
            head = ["python", "-m", ".".join(module[:-1] if module[-1] == "__main__" else module)]
        else:
            try:
                head = ["python", str(script.relative_to(ROOT))]
            except ValueError:
                head = ["python", argv[0]]
    return " ".join(shlex.quote(a) for a in [*head, *argv[1:]])


@dataclass
class Experiment:
    """Runs, tables and figures of one experiment, written under ``results/<name>``."""

    name: str
    question: str
    command: str = ""
    out_dir: Path | None = None
    progress: bool = False
    runs: dict = field(default_factory=dict)
    tables: list = field(default_factory=list)
    figures: list = field(default_factory=list)
    summaries: list = field(default_factory=list)
    #: files outside the output folder the experiment writes by design (the demand-led table): not local changes
    writes: list = field(default_factory=list)

    def __post_init__(self):
        self.out_dir = Path(self.out_dir) if self.out_dir else RESULTS / self.name
        self.out_dir.mkdir(parents=True, exist_ok=True)
        if not self.command:
            self.command = command_line(sys.argv)
        self.started = time.perf_counter()

    def run(self, label: str, overrides: Sequence[str] = ()) -> runner.Results:
        """Run the model with ``overrides``; remember the run under ``label``."""
        cfg = load(list(overrides))
        results = runner.run(cfg, progress=self.progress)
        self.runs[label] = {"overrides": list(overrides), "seed": cfg["run"]["seed"],
                            "replications": int(cfg["run"]["replications"]), "config": cfg,
                            "conservation_balanced": results.balanced, "seconds": round(sum(results.seconds), 2)}
        if not results.balanced:
            raise RuntimeError(f"run {label!r}: patients not conserved (see its ledger)")
        self.summaries.append(results.summary.drop(columns="scenario").assign(run=label))
        return results

    def table(self, name: str, frame: pd.DataFrame, description: str) -> Path:
        """``frame`` as ``<name>.csv``, or ``<name>.csv.gz`` when large (either way pandas reads it back)."""
        text = frame.to_csv(index=False).encode()
        plain, packed = self.out_dir / f"{name}.csv", self.out_dir / f"{name}.csv.gz"
        if len(text) > COMPRESS_OVER_BYTES:
            path, stale = packed, plain
            write_gzip(text, path)
        else:
            path, stale = plain, packed
            atomic_write(path, lambda tmp: Path(tmp).write_bytes(text))
        stale.unlink(missing_ok=True)               # an earlier run's table under the other name
        self.tables.append({"file": path.name, "description": description})
        return path

    def figure(self, name: str, fig, caption: str) -> Path:
        path = figures.save(fig, self.out_dir / f"{name}.png", caption)
        self.figures.append({"file": path.name, "caption": caption})
        return path

    def finish(self, answer: str, method: str = "") -> Path:
        """Write the manifest and the README (question, command, answer, tables, figures)."""
        if self.summaries:
            runs = pd.concat(self.summaries, ignore_index=True)
            key = ["run", "year", "metric"] if "year" in runs.columns else ["run", "metric"]
            self.table("runs", runs[[*key, "mean", "ci_low", "ci_high", "replications"]],
                "every run's summary (mean and 95% interval of each metric): what `python -m sim.reproduce` checks")
        manifest = {
            "experiment": self.name, "question": self.question, "command": self.command,
            "git": outputs.git_commit([self.out_dir, *self.writes]), "packages": outputs.package_versions(), "lock": outputs.lock_file(),
            "seconds": round(time.perf_counter() - self.started, 1),
            "tables": self.tables, "figures": self.figures, "runs": self.runs,
        }
        outputs.write_json(manifest, self.out_dir / "manifest.json")
        lines = [f"# {self.name.replace('_', ' ').capitalize()}", "", f"**Question.** {self.question}", "",
                 "**Command** (from the repository root):", "", "```bash", self.command, "```", "",
                 f"**Answer.** {answer.strip()}", ""]
        if method:
            lines += ["**Method.** " + method.strip(), ""]
        overload = [f"- {summary['run'].iloc[0]}: {warning}" for summary in self.summaries if len(summary)
                    for warning in report.overload_warnings(summary)]
        if overload:
            lines += ["## Overload", "", "Runs whose waiting lists grew without levelling off (unstable: not an "
                      "estimate) or were held only by patients giving up (their waits understate the need):", "",
                      *overload, ""]
        if self.tables:
            lines += ["## Tables", ""] + [f"- `{t['file']}`: {t['description']}" for t in self.tables] + [""]
        if self.figures:
            lines += ["## Figures", ""]
            for f in self.figures:
                lines += [f"![{f['file']}]({f['file']})", "", f"*{f['caption']}*", ""]
        readme = self.out_dir / "README.md"
        atomic_write(readme, lambda tmp: Path(tmp).write_text("\n".join(lines)))
        return readme
