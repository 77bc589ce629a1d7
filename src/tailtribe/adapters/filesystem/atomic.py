"""Files written whole or not at all, even with several writers at once."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4


def write_atomically(path: Path, data: bytes) -> None:
    """Readers see the old file or the new one, never a part (blocking: run it
    off the event loop)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid4().hex}.tmp")  # one per writer
    tmp.write_bytes(data)
    tmp.replace(path)
