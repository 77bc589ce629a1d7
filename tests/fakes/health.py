from __future__ import annotations


class StaticHealthCheck:
    """A dependency that is up (or down, with `error`) by construction."""

    def __init__(self, name: str, error: str | None = None) -> None:
        self.name = name
        self._error = error

    async def check(self) -> None:
        if self._error is not None:
            raise ConnectionError(self._error)
