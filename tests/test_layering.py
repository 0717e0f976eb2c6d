"""Every import arrow in ``imx`` points down a layer, and no modules import each other in a circle.

The layers, low to high (a module may import its own layer or a lower one)::

    base modules (errors, _version, _rng, _borrow, _threads, _pool, _cache, _validate, _proc,
    record, _names, _edgelist)
    < imx.graph < imx.io < imx.sampling < imx.solvers, imx.dynamics < imx.distributed
    < imx.benchmark, imx.cli

The package face ``imx/__init__.py`` may import anything and nothing may import it.  Imports are
read with ``ast`` from every module, wherever they sit (a function-level import is an arrow too),
with relative imports resolved; ``from .. import x`` names the submodule ``x`` when there is one.
"""
from __future__ import annotations

import ast
import warnings
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "imx"

BASE_MODULES = frozenset({"errors", "_version", "_rng", "_borrow", "_threads", "_pool", "_cache",
                          "_validate", "_proc", "record", "_names", "_edgelist"})
LAYER_OF_PACKAGE = {"graph": 1, "io": 2, "sampling": 3, "solvers": 4, "dynamics": 4,
                    "distributed": 5, "benchmark": 6, "cli": 6, "__main__": 6}
FACE = "imx"

# Cycles being removed elsewhere; delete an entry once its cycle is gone.  Any other cycle
# fails the test.
KNOWN_CYCLES: list[list[str]] = []


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {_module_name(p): p for p in PACKAGE_DIR.rglob("*.py")}
    for ext in PACKAGE_DIR.glob("_edgelist*.so"):  # compiled; may be absent before a build
        found.setdefault("imx._edgelist", ext)
    found.setdefault("imx._edgelist", PACKAGE_DIR / "_edgelist")
    return found


def _import_graph() -> dict[str, set[str]]:
    """Module -> the imx modules it imports (explicit imports only)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        if path.suffix != ".py":
            graph[name] = set()
            continue
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == FACE or alias.name.startswith(FACE + "."):
                        targets.add(_nearest_module(alias.name, modules))
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, is_package, node.module, node.level)
                if base != FACE and not base.startswith(FACE + "."):
                    continue
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.add(sub if sub in modules else _nearest_module(base, modules))
        targets.discard(name)
        graph[name] = targets
    return graph


def _resolve(module: str, is_package: bool, target: str | None, level: int) -> str:
    if level == 0:
        return target or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    if level > 1:
        package = package[: len(package) - (level - 1)]
    return ".".join(package + ([target] if target else []))


def _nearest_module(dotted: str, modules: dict[str, Path]) -> str:
    while dotted not in modules and "." in dotted:
        dotted = dotted.rsplit(".", 1)[0]
    return dotted


def _layer(module: str) -> int:
    if module == FACE:
        return 99
    parts = module.split(".")
    if len(parts) == 2 and parts[1] in BASE_MODULES:
        return 0
    layer = LAYER_OF_PACKAGE.get(parts[1])
    if layer is None:
        raise AssertionError(f"{module} is in no layer: add it to tests/test_layering.py")
    return layer


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for source, targets in sorted(graph.items()):
        for target in sorted(targets):
            if source == FACE:
                continue
            if target == FACE or _layer(target) > _layer(source):
                found.append(f"{source} -> {target}")
    return found


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return components


def test_every_module_has_a_layer():
    for module in _import_graph():
        _layer(module)


def test_no_upward_import():
    upward = upward_imports(_import_graph())
    assert not upward, ("imports that point up a layer (or at the package face):\n"
                        + "\n".join(upward))


def test_no_import_cycle():
    cycles = import_cycles(_import_graph())
    for gone in [c for c in KNOWN_CYCLES if c not in cycles]:
        warnings.warn(f"the import cycle {' <-> '.join(gone)} is gone: drop it from KNOWN_CYCLES")
    cycles = [c for c in cycles if c not in KNOWN_CYCLES]
    assert not cycles, "modules that import each other in a circle:\n" + "\n".join(
        " <-> ".join(c) for c in cycles)


@pytest.mark.parametrize(("graph", "cycles", "upward"), [
    ({"imx.graph.core": {"imx.io.edgelist"}, "imx.io.edgelist": {"imx.graph.core"}},
     [["imx.graph.core", "imx.io.edgelist"]], ["imx.graph.core -> imx.io.edgelist"]),
    ({"imx.sampling.rr": {"imx.graph"}, "imx.graph": set(), "imx.cli.main": {"imx"},
      "imx": {"imx.sampling.rr"}},
     [], ["imx.cli.main -> imx"]),
    ({"imx.solvers.a": {"imx.solvers.b"}, "imx.solvers.b": {"imx.solvers.c"},
      "imx.solvers.c": {"imx.solvers.a"}, "imx.errors": set()},
     [["imx.solvers.a", "imx.solvers.b", "imx.solvers.c"]], []),
])
def test_the_checks_find_what_they_should(graph, cycles, upward):
    assert import_cycles(graph) == cycles
    assert upward_imports(graph) == upward


def test_relative_imports_resolve():
    assert _resolve("imx.graph.core", False, "io.edgelist", 2) == "imx.io.edgelist"
    assert _resolve("imx.graph", True, "core", 1) == "imx.graph.core"
    assert _resolve("imx.solvers.cim.opim", False, None, 3) == "imx"
