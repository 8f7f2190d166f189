"""No import cycles anywhere in crmlab.

Every ``import`` statement of every module is read from its source and resolved to
the crmlab module it names. Two graphs are checked:

* the **design graph**: every import, at module level or inside a function (a delayed
  import is still a dependency), to the deepest crmlab module it names (``from
  crmlab.world.schema import X`` is an edge to ``crmlab.world.schema``; ``from
  ..world import World`` to ``crmlab.world``, since ``World`` is a name, not a module);
* the **import-time graph**: what Python really runs when a module is imported, that is
  the module-level imports (outside ``if TYPE_CHECKING:``) together with the packages
  above each imported module, whose ``__init__`` runs first.

A module importing one of its own ancestor packages is no edge in either graph: Python
has already run that package before the module. The test fails naming every cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import crmlab

ROOT = Path(crmlab.__file__).resolve().parent
PACKAGE = "crmlab"

#: Cycles still known to exist, each as the sorted tuple of its modules.
KNOWN_CYCLES: set[tuple[str, ...]] = set()


def _modules() -> dict[str, Path]:
    """Every crmlab module name -> its source file (packages are their ``__init__``)."""
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module a ``from X import ...`` statement starts from."""
    if node.level == 0:
        return node.module or ""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.Module, module_level: bool) -> list[ast.Import | ast.ImportFrom]:
    """Import statements: all of them, or those Python runs when importing the module."""
    if not module_level:
        return [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    found: list[ast.Import | ast.ImportFrom] = []
    todo: list[ast.stmt] = list(tree.body)
    while todo:
        node = todo.pop(0)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If):
            todo.extend(node.orelse if _is_type_checking(node) else node.body + node.orelse)
        elif isinstance(node, ast.Try):
            todo.extend(node.body + node.orelse + node.finalbody
                        + [s for h in node.handlers for s in h.body])
        elif isinstance(node, (ast.With,)):
            todo.extend(node.body)
    return found


def _edges(name: str, path: Path, modules: dict[str, Path], import_time: bool) -> set[str]:
    """The crmlab modules that ``name`` depends on in the chosen graph."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in _import_nodes(tree, module_level=import_time):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        else:
            base = _resolve(name, is_package, node)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.add(sub if sub in modules else base)
    edges = set()
    for target in targets:
        # ``import crmlab.a.b`` names crmlab.a.b; keep the deepest crmlab module named
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if not target.startswith(PACKAGE):
            continue
        parts = target.split(".")
        # at import time the packages above the module run first
        for depth in range(1 if import_time else len(parts), len(parts) + 1):
            module = ".".join(parts[:depth])
            if module != name and not name.startswith(module + "."):  # not its ancestor
                edges.add(module)
    return edges


def import_graph(*, import_time: bool = False) -> dict[str, set[str]]:
    """The design graph (default) or the import-time graph of every crmlab module."""
    modules = _modules()
    return {name: _edges(name, path, modules, import_time) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def cycle_path(graph: dict[str, set[str]], comp: list[str]) -> list[str]:
    """One concrete cycle through a component, for the failure message."""
    members = set(comp)
    start = comp[0]
    prev: dict[str, str | None] = {start: None}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v] & members):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])  # type: ignore[arg-type]
                return [*reversed(path), start]
            if w not in prev:
                prev[w] = v
                queue.append(w)
    raise AssertionError(f"{comp} is not a cycle")


def _unexpected(graph: dict[str, set[str]]) -> list[str]:
    return [" -> ".join(cycle_path(graph, comp)) + f"  (modules: {', '.join(comp)})"
            for comp in cycles(graph) if tuple(comp) not in KNOWN_CYCLES]


def test_the_graph_sees_the_imports():
    """Guard against a walker that finds nothing (a test that cannot fail)."""
    graph = import_graph()
    assert "crmlab.package" in graph["crmlab.datasets"]
    assert "crmlab.package" in graph["crmlab.engine"]
    assert "crmlab.world.pipeline" in graph["crmlab.world.world"]
    assert "crmlab.datasets" in graph["crmlab.cli"]  # a function-level import
    assert "crmlab.world" in graph["crmlab.exercises.student"]  # ``from ..world import World``
    runtime = import_graph(import_time=True)
    assert "crmlab.datasets" not in runtime["crmlab.cli"]
    # importing crmlab.world.schema runs crmlab/world/__init__.py first
    assert {"crmlab.world", "crmlab.world.schema"} <= runtime["crmlab.warehouse.model"]


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycle_path(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]


def test_no_import_cycles():
    unexpected = _unexpected(import_graph())
    assert not unexpected, "import cycles: " + "; ".join(unexpected)


def test_no_import_time_cycles():
    unexpected = _unexpected(import_graph(import_time=True))
    assert not unexpected, "import-time cycles: " + "; ".join(unexpected)


def test_package_knows_no_world():
    """The data-package layer sits below the world: it must not import it."""
    graph = import_graph()
    assert not {m for m in graph["crmlab.package"] if m.startswith("crmlab.world")}


def test_nothing_imports_the_version_from_the_package_init():
    """``crmlab.__version__`` is only re-exported; modules read ``crmlab._version``."""
    offenders = []
    for name, path in _modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and any(a.name == "__version__"
                                                        for a in node.names):
                base = _resolve(name, path.name == "__init__.py", node)
                if base != "crmlab._version":
                    offenders.append(f"{name} imports __version__ from {base}")
            elif (isinstance(node, ast.Attribute) and node.attr == "__version__"
                  and isinstance(node.value, ast.Name) and node.value.id in ("crmlab", "crm")):
                offenders.append(f"{name} reads {node.value.id}.__version__")
    assert offenders == []
