"""Sources a reader outside the team can follow: every citation names an entry of the bibliography
(docs/sources.md), and nothing points at files outside the repository."""
from __future__ import annotations

import re
import subprocess

import pytest

from sim.common import paths
from sim.inputs import params

ROOT = paths.ROOT
#: where citations are written: configs, docs, the README, experiments, notebooks and committed results
CITING = ("configs/", "docs/", "README.md", "experiments/", "notebooks/", "results/")
OUTSIDE = "../" + "shared"                       # spelt in two parts so this file does not match itself
LINE_REFERENCE = re.compile(r"\bseed \d{3} L\d")  # "seed NNN Lxxx": a line of a private text conversion


def tracked_text_files() -> dict[str, str]:
    """Every text file the repository tracks (git ls-files; without git, the tree less caches and the venv)."""
    try:
        names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", ".venv", "outputs", "multirun", ".carepath-cache", "__pycache__"}
        names = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() and not skip & set(p.parts)]
    texts = {}
    for name in filter(None, names):
        path = ROOT / name
        if not path.is_file():
            continue
        try:
            texts[name] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:                # images and other binary files
            continue
    return texts


@pytest.fixture(scope="module")
def texts():
    return tracked_text_files()


def test_bibliography_lists_the_source_documents_and_public_references():
    bib = params.bibliography()
    documents = {k for k, kind in bib.items() if kind == "document"}
    assert documents == {"walsall-cabinet-2018", "walsall-scrutiny-2019", "wolverhampton-ica-2017",
                         "wirral-ich-fbc-2017", "black-country-stp-2016"}
    assert sum(kind == "public reference" for kind in bib.values()) >= 30
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key) for key in bib), "keys are lower case with hyphens"


def test_bibliography_entries_say_who_published_what_and_when():
    text = params.SOURCES.read_text()
    for key in params.bibliography():
        entry = re.search(rf"^- `{re.escape(key)}` — (.+?)(?=^- `|^#|\Z)", text, re.M | re.S)
        assert entry, key
        assert re.search(r"\b(19|20)\d\d\b|undated\s+as\s+cited", entry.group(1)), f"{key}: no year"
        assert len(entry.group(1).split()) >= 12, f"{key}: too short to find the publication"


def test_a_key_listed_twice_is_an_error(tmp_path):
    bib = tmp_path / "sources.md"
    bib.write_text("## Source documents\n\n- `a-2018` — one, 2018\n\n## Public references\n\n- `a-2018` — two, 2019\n")
    with pytest.raises(ValueError, match="a-2018"):
        params.bibliography(bib)


def test_every_citation_names_an_entry_of_the_bibliography(texts):
    bib = params.bibliography()
    cited, unknown = 0, []
    for name, text in texts.items():
        if not name.startswith(CITING):
            continue
        for key, _ in params.citations(text):
            cited += 1
            if key not in bib:
                unknown.append(f"{name}: @{key}")
    assert cited > 300, "the citations were not found"
    assert not unknown, f"not in docs/sources.md: {unknown}"


def test_an_unknown_key_is_caught():
    assert params.citations("the figure [@no-such-report-2099, p. 1]") == [("no-such-report-2099", "p. 1")]
    assert "no-such-report-2099" not in params.bibliography()


def test_nothing_refers_to_files_outside_the_repository(texts):
    outside = [name for name, text in texts.items() if OUTSIDE in text]
    assert not outside, f"{OUTSIDE} is not in the repository: {outside}"


def test_no_citation_by_line_number_of_a_private_conversion(texts):
    by_line = [name for name, text in texts.items() if LINE_REFERENCE.search(text)]
    assert not by_line, f"cite [@key, locator] from docs/sources.md instead: {by_line}"
