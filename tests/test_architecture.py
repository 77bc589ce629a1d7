"""The domain is pure: every import in it is the standard library or the domain."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

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
