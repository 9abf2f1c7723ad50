"""The package's layers stay honest: lower layers never import higher ones, and nothing imports in a loop.

Every package of ``sim`` is a layer (``tests/test_layers.py`` lists which it may import), the modules at
the top of ``sim/`` are the entry points (each tool's old spelling imports only its own module), and the
experiments' scripts use the library but no entry point.  Every import in every module is read from its
source (imports inside functions included), so a shortcut taken anywhere fails here.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SIM = ROOT / "sim"
_LIBRARY = {"common", "engine", "inputs", "analysis", "jobs"}
#: the layers each layer may import from (besides the standard library and third parties), lowest first
ALLOWED = {
    "common": {"common"},
    "engine": {"common", "engine"},
    "inputs": {"common", "engine", "inputs"},
    "analysis": {"common", "engine", "analysis"},
    "jobs": _LIBRARY,
    "place": _LIBRARY | {"place"},
    "uncertainty": _LIBRARY | {"uncertainty"},
    "studies": _LIBRARY | {"place", "uncertainty", "studies"},
    "api": _LIBRARY | {"api"},
    "app": _LIBRARY | {"api", "app"},
}
#: the entry points at the top of sim/: ``carepath``, ``python -m sim`` and the package's lazy public names
FRONT = {"sim", "sim.__main__", "sim.commands"}
#: what the experiments' scripts may import: the library and the tools' packages, never an entry point
EXPERIMENTS_ALLOWED = _LIBRARY | {"place", "uncertainty", "studies", "api"}
MAX_LINES = 400


def _modules():
    return sorted(p for p in SIM.rglob("*.py"))


def _layer(module: str) -> str:
    """The layer of a dotted module name inside sim ("top" for the entry points)."""
    parts = module.split(".")
    return parts[1] if len(parts) >= 2 and parts[1] in ALLOWED else "top"


def _modules_by_name() -> dict[str, Path]:
    return {_name(p): p for p in _modules()}


def _name(path: Path) -> str:
    rel = path.relative_to(SIM.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, absolute module imported, names imported from it) for every import of sim modules."""
    module = _name(path) if path.is_relative_to(SIM) else path.stem
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name, []) for a in node.names if a.name.split(".")[0] == "sim"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "sim":
                found.append((node.lineno, target, [a.name for a in node.names]))
    return found


def _targets(target: str, names: list[str], known: dict[str, Path]) -> list[str]:
    """The modules an import reaches: ``from sim.jobs import runner`` reaches sim.jobs.runner (a
    submodule), ``from sim.jobs.runner import run`` reaches sim.jobs.runner."""
    found = [f"{target}.{n}" for n in names if f"{target}.{n}" in known]
    return found or [target]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SIM.parent)))
def test_a_module_imports_only_from_its_own_layer_or_below(path):
    module, known = _name(path), _modules_by_name()
    layer = _layer(module)
    bad = []
    for line, target, names in _imports(path):
        for imported in _targets(target, names, known):
            if layer != "top":
                if _layer(imported) not in ALLOWED[layer]:
                    bad.append(f"line {line}: {imported} ({_layer(imported)} layer)")
            elif module not in FRONT and imported.count(".") < 2:
                bad.append(f"line {line}: {imported} (a tool's old spelling imports only the module it runs)")
    assert not bad, f"{module} (the {layer} layer) imports a higher layer: " + "; ".join(bad)


def test_every_package_is_a_layer():
    packages = {p.parent.name for p in SIM.glob("*/__init__.py")}
    assert packages <= set(ALLOWED), f"packages with no layer in ALLOWED: {packages - set(ALLOWED)}"
    tops = {_name(p) for p in SIM.glob("*.py")} - FRONT - {"sim.api"}
    for module in tops:   # the old spellings, python -m sim.<tool>: three lines each
        assert len((SIM / f"{module.split('.')[-1]}.py").read_text().splitlines()) <= 5, module


@pytest.mark.parametrize("path", sorted((ROOT / "experiments").glob("*.py")), ids=lambda p: p.name)
def test_an_experiment_uses_the_library_not_an_entry_point(path):
    known = _modules_by_name()
    bad = [f"line {line}: {imported}" for line, target, names in _imports(path)
           for imported in _targets(target, names, known) if _layer(imported) not in EXPERIMENTS_ALLOWED]
    assert not bad, f"experiments/{path.name} imports an entry point or the web app: " + "; ".join(bad)


def _graph() -> dict[str, set[str]]:
    known = _modules_by_name()
    graph = {}
    for name, path in known.items():
        graph[name] = {m for _, target, names in _imports(path) for m in _targets(target, names, known)
                       if m in known and m != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_loop():
    assert not _cycles(_graph()), f"modules that import each other (in a loop): {_cycles(_graph())}"


def test_the_loop_test_sees_a_loop():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert not _cycles({"a": {"b"}, "b": set()})


def test_no_private_name_is_imported_from_another_module():
    bad = [f"{_name(path)} line {line}: {target}.{name}"
           for path in _modules() for line, target, names in _imports(path) for name in names
           if name.startswith("_") and not name.startswith("__")]
    assert not bad, "private helpers imported across modules: " + "; ".join(bad)


def test_no_module_is_over_the_size_limit():
    long = {str(p.relative_to(SIM.parent)): n for p in _modules() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines (split them by concept): {long}"


def test_the_layer_test_sees_a_violation():
    """The checker itself: an engine module importing the job runner is caught."""
    assert _layer("sim.jobs.runner") not in ALLOWED["engine"]
    assert _layer("sim.engine.model") == "engine" and _layer("sim.common.errors") == "common"
    assert _layer("sim.app.page") == "app" and _layer("sim.studies.validate") == "studies" and _layer("sim.commands") == "top"
    assert _layer("sim.uncertainty.study") not in ALLOWED["jobs"] and _layer("sim.app.page") not in ALLOWED["studies"]
