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


#: the first commit held to the rule; older subjects ran to 529 characters and history is not rewritten
FRONT_DOOR = "30d2529"
SUBJECT_LIMIT = 72


def test_commit_subjects_are_at_most_72_characters():
    try:
        log = subprocess.run(["git", "log", "--format=%h %s", f"{FRONT_DOOR}^..HEAD"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip(f"no git history back to {FRONT_DOOR} (a shallow clone)")
    subjects = [line.split(" ", 1) for line in log.splitlines() if line]
    assert subjects, "git lists no commits"
    long = {sha: subject for sha, subject in subjects if len(subject) > SUBJECT_LIMIT}
    assert not long, f"commit subjects over {SUBJECT_LIMIT} characters (put the detail in the body): {long}"
