"""The package's layers stay honest: lower layers never import higher ones.

``sim.common`` < ``sim.engine`` < ``sim.inputs`` and ``sim.analysis`` < ``sim.jobs`` < the entry
points at the top of ``sim/``.  Every import in every module is read from its source (imports inside
functions included), so a shortcut taken anywhere fails here.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"
#: the layers each layer may import from (besides the standard library and third parties)
ALLOWED = {
    "common": {"common"},
    "engine": {"common", "engine"},
    "inputs": {"common", "engine", "inputs"},
    "analysis": {"common", "engine", "analysis"},
    "jobs": {"common", "engine", "inputs", "analysis", "jobs"},
}
MAX_LINES = 400


def _modules():
    return sorted(p for p in SIM.rglob("*.py"))


def _layer(module: str) -> str:
    """The layer of a dotted module name inside sim ("top" for the entry points)."""
    parts = module.split(".")
    return parts[1] if len(parts) >= 2 and parts[1] in ALLOWED else "top"


def _name(path: Path) -> str:
    rel = path.relative_to(SIM.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, absolute module imported, names imported from it) for every import of sim modules."""
    module = _name(path)
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


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SIM.parent)))
def test_a_module_imports_only_from_its_own_layer_or_below(path):
    layer = _layer(_name(path))
    if layer == "top":
        return
    bad = []
    for line, target, names in _imports(path):
        # "from sim import x" names a top-level module (or a public name of the package)
        for imported in ([f"sim.{n}" for n in names] if target == "sim" else [target]):
            if _layer(imported) not in ALLOWED[layer]:
                bad.append(f"line {line}: {imported} ({_layer(imported)} layer)")
    assert not bad, f"{_name(path)} (the {layer} layer) imports a higher layer: " + "; ".join(bad)


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
    assert _layer("sim.engine.model") == "engine" and _layer("sim.api") == "top" and _layer("sim.common.errors") == "common"
