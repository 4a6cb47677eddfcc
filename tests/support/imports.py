"""The project's imports as a graph, read with `ast` (nothing is imported): what the layering test checks.

An edge A -> B for every `import B` / `from B import x` in module A, wherever it sits (top level, inside a
function, under `if TYPE_CHECKING:`): a cycle is a cycle whether or not Python happens to survive it.
`from package import module` is an edge to the module, not to the package's __init__."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGES = ("simplepipe", "harness", "dashboards", "load", "tests")


@dataclass(frozen=True)
class Import:
    importer: str    # dotted module name
    imported: str    # dotted module name (a project module)
    names: tuple[str, ...]  # what `from ... import` took from it ("" for `import x`)
    line: int
    nested: bool     # inside a function or class body
    text: str        # the source line, for messages (and its comment)


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            found[module_name(root, path)] = path
    return found


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


@cache  # read once per run: the layering and entry-point tests walk the same graph
def imports(root: Path, packages: tuple[str, ...] = PACKAGES) -> list[Import]:
    known = modules(root, packages)
    found: list[Import] = []
    for name, path in known.items():
        source = path.read_text()
        lines = source.splitlines()
        tree = ast.parse(source, str(path))
        nested_lines = {n.lineno for scope in ast.walk(tree)
                        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                        for n in ast.walk(scope) if isinstance(n, (ast.Import, ast.ImportFrom)) and n is not scope}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [(alias.name, ()) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, path.name == "__init__.py", node)
                submodules = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known]
                if len(submodules) == len(node.names):
                    targets = [(m, ()) for m in submodules]
                else:
                    targets = [(base, tuple(a.name for a in node.names if f"{base}.{a.name}" not in known))]
                    targets += [(m, ()) for m in submodules]
            else:
                continue
            for target, names in targets:
                while target and target not in known:  # `import a.b.c` of a name inside a.b
                    target = target.rpartition(".")[0]
                if target and target != name:
                    found.append(Import(name, target, names, node.lineno, node.lineno in nested_lines,
                                        lines[node.lineno - 1].strip()))
    return found


def cycles(edges: list[Import]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.importer, set()).add(edge.imported)
        graph.setdefault(edge.imported, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
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


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def with_packages(module: str) -> set[str]:
    """A module and the packages Python imports first to reach it (`a.b.c` -> a, a.b, a.b.c)."""
    parts = module.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
