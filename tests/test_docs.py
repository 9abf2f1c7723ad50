"""Every command shown in README.md and docs/ runs, as the comment above its block says, so none goes stale.

Each ```bash block is tagged on the line before it:

* ``<!-- run: full -->``: each command runs as shown;
* ``<!-- run: short ARGS -->``: ARGS are appended to each command: ``key=value`` overrides to the lines that take
  Hydra overrides (``carepath run``, ``python -m sim``, and the tools in :data:`OVERRIDES`), ``--options`` to the
  others; ``SUB:--option`` only to lines of the subcommand SUB; ``{out}`` is a temporary folder;
* ``<!-- run: help -->``: each command runs with ``--help`` in place of its arguments (it exists and parses);
* ``<!-- run: no, why -->``: set-up commands, not run here (why: what ``.ci/run`` does instead);

each with ``exit=N`` for an expected exit code other than 0.  Commands run one after another from a temporary
folder that holds the repository's files (symbolic links), so relative paths work and nothing is written into the
repository; Hydra's folders go to ``hydra.run.dir``/``hydra.sweep.dir`` there.  ```python blocks run too, tagged
the same way (``short`` appends its overrides to every ``api.run``).  A command whose subcommand is not in this
tree yet is skipped, saying so.  The Layout block of docs/contributing.md is what :mod:`sim.jobs.layout` generates,
and every relative link points at a file (and heading) that exists.

    python -m tests.test_docs        # list the blocks with their tags
"""
from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim.commands import COMMANDS
from sim.jobs import layout

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BIN = Path(sys.executable).parent
#: tools besides ``run`` whose arguments include Hydra overrides
OVERRIDES = {"uncertainty", "reconcile", "backtest"}
TAG = re.compile(r"<!--\s*run:\s*(.*?)\s*-->")
TIMEOUT = 300


@dataclass
class Block:
    page: str
    line: int
    language: str
    tag: str | None
    text: str

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def blocks(pages=PAGES) -> list[Block]:
    """Every fenced bash or python block of the pages, with the tag on the line before it."""
    found = []
    for page in pages:
        lines = page.read_text().splitlines()
        i = 0
        while i < len(lines):
            match = re.fullmatch(r"```(\w*)\s*", lines[i])
            if not match:
                i += 1
                continue
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            language = match.group(1)
            if language in ("bash", "python"):
                tag = TAG.fullmatch(lines[i - 1].strip()) if i else None
                found.append(Block(str(page.relative_to(ROOT)), i + 1, language, tag.group(1) if tag else None,
                                   "\n".join(lines[i + 1:end])))
            i = end + 1
    return found


def parse_tag(tag: str) -> tuple[str, list[str], int]:
    """``short a=1 --x 2 exit=1`` -> ("short", ["a=1", "--x", "2"], 1)."""
    if re.match(r"no\b", tag):
        return "no", [], 0
    words = shlex.split(tag)
    mode, args, code = words[0], [], 0
    for word in words[1:]:
        if word.startswith("exit="):
            code = int(word.split("=", 1)[1])
        else:
            args.append(word)
    return mode, args, code


def commands(text: str) -> list[list[str]]:
    """The block's commands as argument lists: continuations joined, comments dropped, ``&&`` split."""
    joined = re.sub(r"\\\n\s*", " ", text)
    out = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        while words:
            if "&&" in words:
                at = words.index("&&")
                out.append(words[:at])
                words = words[at + 1:]
            else:
                out.append(words)
                words = []
    return [c for c in out if c]


def program(words: list[str]) -> tuple[list[str], list[str], str | None]:
    """(the executable and its fixed words, the arguments, the carepath subcommand or None)."""
    head = words[0]
    if head.startswith(".venv/bin/"):
        head = str(BIN / head.removeprefix(".venv/bin/"))
    elif head in ("carepath", "pip", "pytest"):
        head = str(BIN / head)
    elif head in ("python", "python3"):
        head = sys.executable
    rest = words[1:]
    if Path(head).name == "carepath":
        sub = rest[0] if rest else None
        fixed = rest[:1]
        if sub in ("place", "experiment") and len(rest) > 1 and not rest[1].startswith("-"):
            fixed = rest[:2]                 # carepath place build, carepath experiment NAME
        return [head, *fixed], rest[len(fixed):], sub
    if Path(head).name.startswith("python") and rest[:1] == ["-m"] and len(rest) > 1:
        module = rest[1]
        sub = "run" if module == "sim" else module.removeprefix("sim.") if module.startswith("sim.") else None
        return [head, "-m", module], rest[2:], sub
    return [head], rest, None


def _missing(sub: str | None) -> str | None:
    """Why a subcommand cannot run in this tree (its module is not here yet), or None."""
    if sub in COMMANDS:
        module = COMMANDS[sub][0]
        if importlib.util.find_spec(module) is None:
            return f"carepath {sub}: {module} is not in this tree yet (it is merged before release)"
    return None


def _extra(args: list[str], sub: str | None, out: Path, names=()) -> list[str]:
    """The tag's arguments that belong on a line of subcommand ``sub`` (``names``: its fixed words)."""
    hydra_line = sub == "run"
    chosen, i = [], 0
    while i < len(args):
        word = args[i].replace("{out}", str(out))
        only, _, bare = word.partition(":") if re.match(r"^\w+:-", word) else ("", "", word)
        value = []
        if bare.startswith("-") and i + 1 < len(args) and not args[i + 1].startswith("-") and "=" not in args[i + 1]:
            value = [args[i + 1].replace("{out}", str(out))]
            i += 1
        i += 1
        if only and only not in names:
            continue
        if bare.startswith("-"):
            if not hydra_line:
                chosen += [bare, *value]
        elif hydra_line or sub in OVERRIDES:
            chosen.append(bare)
    return chosen


def _workspace(tmp_path: Path) -> Path:
    """A folder that looks like the repository (links to its files) where commands may write freely."""
    work = tmp_path / "repo"
    work.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in (".git", "outputs", "multirun", ".carepath-cache", ".venv"):
            (work / entry.name).symlink_to(entry)
    return work


def _env(work: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
               PWD=str(work), MPLBACKEND="Agg")
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    return env


def _run(argv: list[str], work: Path, expected: int, where: str) -> None:
    result = subprocess.run(argv, cwd=work, env=_env(work), capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == expected, (
        f"{where}: {shlex.join(argv)} exited {result.returncode}, expected {expected}\n"
        f"{result.stdout[-2000:]}\n{result.stderr[-3000:]}")


ALL = blocks()
BASH = [b for b in ALL if b.language == "bash"]
PYTHON = [b for b in ALL if b.language == "python"]


def test_every_bash_block_is_tagged():
    untagged = [b.id for b in BASH if b.tag is None]
    assert not untagged, f"bash blocks without a <!-- run: ... --> line before them: {untagged}"
    for block in BASH:
        mode, _, _ = parse_tag(block.tag)
        assert mode in ("full", "short", "help", "no"), (block.id, block.tag)
        if mode == "no":
            assert len(block.tag) > len("no, ") + 10, f"{block.id}: say why it is not run ({block.tag!r})"


def _bash_block_runs(block, tmp_path):
    mode, args, expected = parse_tag(block.tag or "missing")
    if mode == "no":
        pytest.skip(f"not run: {block.tag}")
    assert mode in ("full", "short", "help"), f"{block.id}: untagged or unknown tag {block.tag!r}"
    work = _workspace(tmp_path)
    out = tmp_path / "out"
    skipped = []
    for number, words in enumerate(commands(block.text)):
        words = [w.replace("$PWD", str(work)) for w in words]
        fixed, rest, sub = program(words)
        if (why := _missing(sub)) is not None:
            skipped.append(why)
            continue
        if mode == "help":
            argv = [*fixed, "--help"]
        else:
            argv = [*fixed, *rest, *(_extra(args, sub, out, {Path(w).name for w in fixed}) if mode == "short" else [])]
            if sub == "run":
                argv += [f"hydra.run.dir={tmp_path / f'run{number}'}", f"hydra.sweep.dir={tmp_path / f'sweep{number}'}"]
        _run(argv, work, expected if mode != "help" else 0, block.id)
    if skipped:
        pytest.skip("; ".join(sorted(set(skipped))))


PRELUDE = """
import sys
from sim import api
_run = api.run
EXTRA = {extra!r}
def run(*overrides, **kwargs):
    return _run(*overrides, *EXTRA, **kwargs)
api.run = run
"""


def _python_block_runs(block, tmp_path):
    mode, args, expected = parse_tag(block.tag or "full")
    if mode == "no":
        pytest.skip(f"not run: {block.tag}")
    assert mode in ("full", "short"), f"{block.id}: a python block is run in full or short ({block.tag!r})"
    work = _workspace(tmp_path)
    script = tmp_path / "snippet.py"
    script.write_text(textwrap.dedent(PRELUDE.format(extra=args if mode == "short" else [])) + block.text + "\n")
    _run([sys.executable, str(script)], work, expected, block.id)


def _page_class(page: str):
    """One test class per page, each block a parametrised test: xdist's --dist loadscope spreads the classes over
    the workers (it keeps a module's plain functions on one worker)."""
    bash = [b for b in BASH if b.page == page]
    python = [b for b in PYTHON if b.page == page]
    members = {"__doc__": f"The blocks of {page}."}

    def test_bash_block_runs(self, block, tmp_path):
        _bash_block_runs(block, tmp_path)

    def test_python_block_runs(self, block, tmp_path):
        _python_block_runs(block, tmp_path)

    if bash:
        members["test_bash_block_runs"] = pytest.mark.parametrize("block", bash, ids=[b.id for b in bash])(
            test_bash_block_runs)
    if python:
        members["test_python_block_runs"] = pytest.mark.parametrize("block", python, ids=[b.id for b in python])(
            test_python_block_runs)
    return type("TestPage_" + re.sub(r"\W", "_", Path(page).stem), (), members)


for _page in sorted({b.page for b in ALL}):
    _class = _page_class(_page)
    globals()[_class.__name__] = _class


def test_the_layout_block_is_generated():
    assert layout.current() == layout.tree(), "docs/contributing.md's Layout is stale: python -m sim.jobs.layout --write"


def test_the_layout_lists_every_module():
    tree = layout.tree()
    for path in sorted((ROOT / "sim").rglob("*.py")):
        assert f" {path.name} " in tree or f" {path.name}\n" in tree or path.name == "__init__.py", path
    for folder in ("configs/", "data/", "experiments/", "notebooks/", "tests/", "docs/", "results/"):
        assert f"\n{folder}" in tree


def test_the_readme_is_a_front_door():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 150
    first = [b for b in BASH if b.page == "README.md"][:2]
    assert "pip install" in first[0].text and "carepath run" in first[0].text         # set up and run
    assert "pip install" in first[1].text and "python -m pytest" in first[1].text     # the tests
    assert text.index("```bash") < text.index("\n## ")                                 # they come first
    for page in ("user-guide", "methods", "results", "contributing", "parameters", "sources", "STRESS-DES"):
        assert f"(docs/{page}.md" in text, page
    assert "docs/app.png" in text


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_link_points_at_a_file_and_heading_that_exist(page):
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"\w+:", target):
            continue                                   # http(s): and mailto: links
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), f"{page.name}: {target}"
        if anchor and linked.suffix == ".md":
            headings = {_anchor(h) for h in re.findall(r"^#+ (.+)$", linked.read_text(), flags=re.M)}
            assert anchor in headings, f"{page.name}: {target} (headings: {sorted(headings)})"


def test_the_tags_are_read_as_documented(tmp_path):
    assert parse_tag("short run.seed=1 --draws 4 exit=1") == ("short", ["run.seed=1", "--draws", "4"], 1)
    assert commands("a b  # c\nd \\\n  e && f") == [["a", "b"], ["d", "e"], ["f"]]
    assert _extra(["run.seed=1", "--quick"], "run", tmp_path) == ["run.seed=1"]
    assert _extra(["run.seed=1", "--out", "{out}/x"], "validate", tmp_path) == ["--out", f"{tmp_path}/x"]
    assert _extra(["build:--quick", "a=1"], "place", tmp_path) == []
    assert _extra(["build:--quick", "a=1"], "place", tmp_path, {"place", "build"}) == ["--quick"]
    assert program(["carepath", "place", "build", "dir", "--quick"])[1:] == (["dir", "--quick"], "place")
    assert program(["python", "-m", "sim", "a=1"])[1:] == (["a=1"], "run")


if __name__ == "__main__":
    for block in ALL:
        print(f"{block.id:28} {block.language:6} {block.tag}")
