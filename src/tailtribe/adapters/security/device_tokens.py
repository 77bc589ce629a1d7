"""Known-device tokens: `<device>.<expiry>.<HMAC(server key, account|device|expiry)>`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

LIFETIME = timedelta(days=365)
MAX_LENGTH = 200


class HmacDeviceTokens:
    def __init__(self, key: str, lifetime: timedelta = LIFETIME) -> None:
        self._key = hashlib.sha256(("known-device:" + key).encode()).digest()
        self._lifetime = lifetime

    def _mac(self, account: str, device: str, expires: str) -> str:
        message = f"{account}|{device}|{expires}".encode()
        mac = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def issue(self, account: str, now: datetime, device: str | None = None) -> str:
        device = device or secrets.token_urlsafe(16)
        expires = str(int((now + self._lifetime).timestamp()))
        return f"{device}.{expires}.{self._mac(account, device, expires)}"

    def device(self, account: str, token: str, now: datetime) -> str | None:
        parts = token.split(".") if len(token) <= MAX_LENGTH else []
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        device, expires, mac = parts
        if not hmac.compare_digest(mac, self._mac(account, device, expires)):
            return None
        return device if int(expires) > now.timestamp() else None
