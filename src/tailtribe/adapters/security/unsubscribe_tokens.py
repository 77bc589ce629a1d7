"""Unsubscribe tokens: `<user id, hex>.<category>.<HMAC(server key, user|category)>`."""

from __future__ import annotations

import base64
import hashlib
import hmac
from uuid import UUID

from tailtribe.domain.model.notifications import OptionalEmails

MAX_LENGTH = 200


class HmacUnsubscribeTokens:
    """No expiry and nothing stored: a link in an old email keeps working,
    which is what a mailbox provider's unsubscribe button expects. Changing
    the server key ends every link (like every other token)."""

    def __init__(self, key: str) -> None:
        # A key of its own: no other token's MAC can pass for this one's.
        self._key = hashlib.sha256(("unsubscribe:" + key).encode()).digest()

    def _mac(self, user: str, category: str) -> str:
        mac = hmac.new(self._key, f"{user}|{category}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def issue(self, user_id: UUID, category: OptionalEmails) -> str:
        return f"{user_id.hex}.{category.value}.{self._mac(user_id.hex, category.value)}"

    def read(self, token: str) -> tuple[UUID, OptionalEmails] | None:
        parts = token.split(".") if len(token) <= MAX_LENGTH else []
        if len(parts) != 3:
            return None
        user, category, mac = parts
        if not hmac.compare_digest(mac.encode(), self._mac(user, category).encode()):
            return None
        # Only what this code signed gets here, but the parse stays strict anyway.
        try:
            return UUID(hex=user), OptionalEmails(category)
        except ValueError:
            return None
