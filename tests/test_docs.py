"""The repository cites only documents it holds.

The business rules live in docs/rules.md and the API's conventions in
docs/api.md; a comment, test or README line pointing at a document outside the
repository leaves its reader with nothing to check the claim against.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCOPES = ("src", "tests", "docs", "README.md")

# Written in pieces so that this file does not match itself.
FOREIGN = tuple(
    name.encode()
    for name in (
        "DOMAIN" + ".md",
        "API" + ".md",
        "ARCHITECTURE" + ".md",
        "STACK" + ".md",
        "shared" + "/",
    )
)


def _tracked() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--", *SCOPES],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        # Not a git checkout (an unpacked archive): every file in those places.
        return [
            path
            for scope in SCOPES
            for path in ([ROOT / scope] if (ROOT / scope).is_file() else (ROOT / scope).rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts
        ]
    return [ROOT / name for name in listed.decode().split("\0") if name]


def test_the_repository_cites_only_its_own_documents() -> None:
    files = _tracked()
    assert any(path.name == "README.md" for path in files)
    assert len(files) > 50
    offenders = sorted(
        f"{path.relative_to(ROOT)}:{number}: {line.decode(errors='replace').strip()}"
        for path in files
        if path.exists()
        for number, line in enumerate(path.read_bytes().splitlines(), start=1)
        if any(name in line for name in FOREIGN)
    )
    assert offenders == []


def test_the_cited_documents_exist() -> None:
    for name in ("rules.md", "api.md"):
        assert (ROOT / "docs" / name).is_file(), name
