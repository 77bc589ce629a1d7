"""The embedded object store: files under a folder, served by the app at /media."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Sequence
from pathlib import Path

from tailtribe.adapters.filesystem.atomic import write_atomically


class FolderStorage:
    def __init__(self, folder: Path, base_url: str, secret: str, ttl_seconds: int = 900) -> None:
        self._folder, self._base, self._secret, self._ttl = (
            folder,
            base_url.rstrip("/"),
            secret,
            ttl_seconds,
        )

    def _path(self, key: str) -> Path:
        path = (self._folder / key).resolve()
        if not path.is_relative_to(self._folder.resolve()):
            raise ValueError(f"key outside the store: {key!r}")
        return path

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(write_atomically, self._path(key), data)

    async def get(self, key: str) -> bytes | None:
        path = self._path(key)
        return await asyncio.to_thread(lambda: path.read_bytes() if path.is_file() else None)

    async def delete(self, keys: Sequence[str]) -> None:
        paths = [self._path(k) for k in keys]

        def remove() -> None:
            for path in paths:
                path.unlink(missing_ok=True)

        await asyncio.to_thread(remove)

    def url(self, key: str, *, private: bool, max_seconds: int | None = None) -> str:
        if not private:
            return f"{self._base}/{key}"
        ttl = self._ttl if max_seconds is None else min(self._ttl, max_seconds)
        expires = int(time.time()) + ttl
        return f"{self._base}/{key}?expires={expires}&signature={self.signature(key, expires)}"

    def signature(self, key: str, expires: int) -> str:
        return hmac.new(
            self._secret.encode(), f"{key}:{expires}".encode(), hashlib.sha256
        ).hexdigest()

    def verify(self, key: str, expires: int, signature: str) -> bool:
        return expires >= time.time() and hmac.compare_digest(
            self.signature(key, expires), signature
        )
