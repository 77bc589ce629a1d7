from __future__ import annotations

from tailtribe.domain.ports.messaging import Email


class MemoryMailer:
    """Keeps what it was asked to send; a repeated key sends nothing new."""

    def __init__(self) -> None:
        self.sent: dict[str, Email] = {}

    async def send(self, email: Email, idempotency_key: str) -> str:
        self.sent.setdefault(idempotency_key, email)
        return f"memory-{idempotency_key}"
