"""Files: object storage, image processing, media the API serves itself."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class ObjectStorage(Protocol):
    """Bytes by key: a local folder embedded, an S3-compatible store in production."""

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes | None: ...

    async def delete(self, keys: Sequence[str]) -> None:
        """Gone afterwards; keys that never existed are fine."""
        ...

    def url(self, key: str, *, private: bool, max_seconds: int | None = None) -> str:
        """Where a client fetches it: the public media address, or for a
        private object a short-lived signed one, living at most `max_seconds`
        when given (an object that is deleted sooner)."""
        ...


class ImageProcessor(Protocol):
    def inspect(self, data: bytes) -> str:
        """The image's format, read from its bytes; InvalidInput for anything
        that is not a JPEG, PNG, WebP or HEIC image within the size limits."""
        ...

    def variants(self, data: bytes) -> dict[str, bytes]:
        """WebP variants (see VARIANTS), upright, with no metadata at all."""
        ...


class ServedMedia(Protocol):
    """Objects the API serves itself (the embedded folder store); with S3 a
    CDN or S3 serves them and there is none."""

    async def get(self, key: str) -> bytes | None: ...

    def verify(self, key: str, expires: int, signature: str) -> bool:
        """Whether a private object's signed address is genuine and not expired."""
        ...
