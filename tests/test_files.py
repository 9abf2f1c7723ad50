"""Files and paths a team can share: outputs follow the umask, and paths with any letters work end to end."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser

from sim.common.files import atomic_write, file_mode, write_csv, write_json
from sim.common.quoting import command, hydra_string, quote_paths, searchpath

ROOT = Path(__file__).resolve().parent.parent
SHORT = ["run.horizon_days=20", "run.warmup_days=5", "run.replications=1", "run.n_jobs=1"]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_a_written_file_follows_the_umask(tmp_path, mask, expected):
    old = os.umask(mask)
    try:
        assert file_mode() == expected
        write_csv(pd.DataFrame({"a": [1]}), tmp_path / "t.csv")
        write_csv(pd.DataFrame({"a": [1]}), tmp_path / "t.csv.gz")
        write_json({"a": 1}, tmp_path / "m.json")
        atomic_write(tmp_path / "x.txt", lambda tmp: Path(tmp).write_text("x"))
    finally:
        os.umask(old)
    assert {p.name: _mode(p) for p in tmp_path.iterdir()} == dict.fromkeys(["t.csv", "t.csv.gz", "m.json", "x.txt"],
                                                                           expected)


@pytest.mark.parametrize("text", ["/tmp/a b/Ünïcode ç", "/tmp/it's", '/tmp/"q"', "/tmp/a,b (1) [x] = y: %", "C:\\x\\",
                                  "/tmp/OneDrive - NHS/my configs"])
def test_hydra_reads_a_quoted_path_back_exactly(text):
    assert OverridesParser.create().parse_override(f"hydra.run.dir={hydra_string(text)}").value() == text


def test_path_overrides_hydra_cannot_read_are_quoted_and_others_left_alone():
    argv = ["hydra.run.dir=/tmp/a b/Ünïcode ç", "run.cache_dir=/tmp/ç", "hydra.searchpath=[file:///tmp/Ü x]",
            "hydra.sweep.dir=/tmp/plain", "place=walsall", "capacity.acute_beds=480,560", "-m"]
    parser = OverridesParser.create()
    quoted = quote_paths(argv)
    assert [parser.parse_override(a).value() for a in quoted[:3]] == ["/tmp/a b/Ünïcode ç", "/tmp/ç", ["file:///tmp/Ü x"]]
    assert quoted[3:] == argv[3:]
    assert command(["python", "-m", "sim", searchpath("/tmp/a b"), "place=x"]) == \
        """python -m sim 'hydra.searchpath=["file:///tmp/a b"]' place=x"""


def test_a_run_into_a_folder_named_with_spaces_and_accents_writes_files_the_team_can_read(tmp_path):
    out, store = tmp_path / "a b" / "Ünïcode ç", tmp_path / "cache ü"
    result = subprocess.run([sys.executable, "-m", "sim", *SHORT, f"hydra.run.dir={out}", f"run.cache_dir={store}"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300, preexec_fn=lambda: os.umask(0o022))
    assert result.returncode == 0, result.stderr
    assert (out / "summary.csv").is_file() and f"outputs: {out}" in result.stdout
    entries = list(store.iterdir())
    assert len(entries) == 1 and (entries[0] / "summary.csv").is_file()
    for folder in (out, store):
        for path in [folder, *folder.rglob("*")]:
            assert _mode(path) == (0o755 if path.is_dir() else 0o644), (path, oct(_mode(path)))
