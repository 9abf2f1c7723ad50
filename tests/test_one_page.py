"""The one-page report (``carepath report``): of the default run and of a scenario against it, in HTML and
PDF, each with the headline by label and unit, what was run and the command; and every interval in the run's
summary within its metric's bounds."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.analysis.labels import Labels
from sim.jobs import one_page

ROOT = Path(__file__).resolve().parent.parent
SHORT = ["run.horizon_days=30", "run.warmup_days=5", "run.replications=2", "run.n_jobs=1"]


def _run(out: Path, *overrides: str) -> Path:
    done = subprocess.run([sys.executable, "-m", "sim", *SHORT, *overrides, f"hydra.run.dir={out}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs")
    return _run(folder / "base"), _run(folder / "uk", "scenario=uk_comparator")


def _pages(pdf: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes()))


def test_a_report_of_the_default_run(runs):
    base, _ = runs
    assert one_page.main([str(base)]) == 0
    text = (base / "report.html").read_text()
    for words in ("What was run", "Walsall", "2017/18", "A&amp;E patients within 4 hours", "95% interval",
                  "carepath run run.horizon_days=30 run.warmup_days=5 run.replications=2", "data:image/png;base64,"):
        assert words in text, words
    assert "hydra.run.dir" not in text and "run.n_jobs" not in text      # where it was written is not the numbers
    assert (base / "report.pdf").read_bytes().startswith(b"%PDF") and _pages(base / "report.pdf") == 1


def test_a_report_of_a_scenario_against_the_default(runs, tmp_path):
    base, uk = runs
    assert one_page.main([str(uk), "--reference", str(base), "--out", str(tmp_path / "meeting")]) == 0
    text = (tmp_path / "meeting.html").read_text()
    for words in ("against baseline", "uk_comparator", "better or worse", "points", "Change from baseline",
                  "scenario=uk_comparator"):
        assert words in text, words
    assert _pages(tmp_path / "meeting.pdf") == 1


def test_no_run_no_report(tmp_path, capsys):
    assert one_page.main([str(tmp_path)]) == 2
    assert list(tmp_path.iterdir()) == []
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no finished run" in err[0]


def test_no_interval_of_a_run_leaves_its_metrics_bounds(runs):
    base, _ = runs
    summary = pd.read_csv(base / "summary.csv").dropna(subset=["ci_low"])
    names = Labels(json.loads((base / "manifest.json").read_text())["config"])
    replications = pd.read_csv(base / "replications.csv")
    outside = []
    for r in summary.itertuples():
        lowest, highest = names.describe(r.metric).bounds
        values = replications.loc[replications["metric"] == r.metric, "value"]
        # a metric whose replications leave its kind's range keeps the t-interval (it is not that kind)
        if values.between(lowest, highest).all() and not lowest <= r.ci_low <= r.mean <= r.ci_high <= highest:
            outside.append(r.metric)
    assert len(summary) > 1000 and outside == []
