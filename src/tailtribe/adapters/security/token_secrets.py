from __future__ import annotations

import base64
import hashlib
import hmac
from uuid import UUID


class HmacTokenSecrets:
    """secret = HMAC-SHA256(server key, token id): 256 bits, URL-safe."""

    def __init__(self, key: str) -> None:
        self._key = hashlib.sha256(("one-time-token:" + key).encode()).digest()

    def secret_for(self, token_id: UUID) -> str:
        mac = hmac.new(self._key, token_id.bytes, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
