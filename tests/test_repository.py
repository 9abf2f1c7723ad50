"""The repository stays small enough to clone: no tracked file over 5 MB (large tables are committed as
``.csv.gz``, which the experiments' harness writes for any table over a megabyte)."""
from __future__ import annotations

import subprocess

import pytest

from sim.common.paths import ROOT

LIMIT_BYTES = 5 * 1024 * 1024


def tracked_files() -> list[str]:
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [name for name in listed.split("\0") if name]


def test_no_tracked_file_is_over_5_mb():
    sizes = {name: (ROOT / name).stat().st_size for name in tracked_files() if (ROOT / name).is_file()}
    assert sizes, "git lists no files"
    large = {name: f"{size / 1024 / 1024:.1f} MB" for name, size in sizes.items() if size > LIMIT_BYTES}
    assert not large, f"tracked files over 5 MB (compress them, or leave them out): {large}"
