"""The Python versions the project claims to support, said the same everywhere."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUPPORTED = ("3.11", "3.12", "3.13")


def test_pyproject_lock_readme_and_image_agree_on_the_versions() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11,<3.14"
    listed = tuple(
        c.removeprefix("Programming Language :: Python :: ")
        for c in project["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    )
    assert listed == SUPPORTED
    # uv.lock resolved for the whole range, not for the one version of old.
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    assert lock["requires-python"] == ">=3.11, <3.14"
    assert "Python (3.11, 3.12 or 3.13)" in (ROOT / "README.md").read_text()
    # The image stays on one supported version, the same in every stage.
    images = set(re.findall(r"^FROM python:(\d+\.\d+)", (ROOT / "Dockerfile").read_text(), re.M))
    assert len(images) == 1 and images <= set(SUPPORTED)
    # uv (scripts/test.sh, CI) picks that one too, whichever others are installed.
    assert (ROOT / ".python-version").read_text().strip() in images
