"""The domain is pure: every import in it is the standard library or the domain.
And no module imports itself back, however indirectly."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import grimp

DOMAIN = Path(__file__).resolve().parents[1] / "src" / "tailtribe" / "domain"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_domain_imports_only_the_standard_library() -> None:
    files = sorted(DOMAIN.rglob("*.py"))
    assert len(files) > 10
    offenders = {
        f"{path.relative_to(DOMAIN)}: {name}"
        for path in files
        for name in _imports(path)
        if not name.startswith("tailtribe.domain")
        and name.split(".")[0] not in sys.stdlib_module_names
    }
    assert offenders == set()


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One shortest cycle through each strongly connected group of modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def connect(start: str) -> None:
        # Tarjan's algorithm, iterative: the import graph is deep enough to
        # exhaust the recursion limit.
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph[succ]))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group: set[str] = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    if len(group) > 1 or node in graph[node]:
                        groups.append(group)

    for module in sorted(graph):
        if module not in index:
            connect(module)

    cycles = []
    for group in groups:
        start = min(group)
        came_from: dict[str, str] = {}
        frontier = [start]
        while frontier and start not in came_from:
            following = []
            for node in frontier:
                for succ in sorted(graph[node] & group):
                    if succ not in came_from:
                        came_from[succ] = node
                        following.append(succ)
            frontier = following
        path = [start]
        while (previous := came_from[path[-1]]) != start:
            path.append(previous)
        cycles.append([start, *reversed(path)])
    return cycles


def test_no_import_cycle() -> None:
    # TYPE_CHECKING imports count: a cycle through them is still a knot.
    imports = grimp.build_graph("tailtribe", exclude_type_checking_imports=False)
    graph = {m: imports.find_modules_directly_imported_by(m) for m in imports.modules}
    cycles = [" -> ".join(cycle) for cycle in _cycles(graph)]
    assert cycles == [], "import cycles:\n" + "\n".join(cycles)


def test_the_application_never_imports_the_tests() -> None:
    # Test doubles live in tests/fakes; the application wires only real adapters.
    package = DOMAIN.parent
    offenders = {
        f"{path.relative_to(package)}: {name}"
        for path in sorted(package.rglob("*.py"))
        for name in _imports(path)
        if name.split(".")[0] == "tests"
    }
    assert offenders == set()
