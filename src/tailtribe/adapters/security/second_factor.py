"""The second factor's cryptography: AES-GCM sealing, HMAC digests, TOTP by pyotp."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from datetime import datetime

import pyotp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE = 12
# Bound into every sealed value: a ciphertext made for another purpose does not open here.
_AAD = b"tailtribe admin totp secret v1"


def _derive(secret_key: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        secret_key.encode()
    )


class AesGcmSecretBox:
    """Keys derived by HKDF from TAILTRIBE_SECRET_KEY, one per purpose: rotating
    that key makes the stored secrets unreadable, so admins enrol again."""

    def __init__(
        self,
        secret_key: str,
        *,
        purpose: bytes = b"tailtribe admin console: totp sealing",
        aad: bytes = _AAD,
    ) -> None:
        self._aead = AESGCM(_derive(secret_key, purpose))
        self._aad = aad
        self._mac_key = _derive(secret_key, b"tailtribe admin console: recovery codes")

    def seal(self, plain: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = nonce + self._aead.encrypt(nonce, plain.encode(), self._aad)
        return base64.urlsafe_b64encode(sealed).decode()

    def open(self, sealed: str) -> str:
        raw = base64.urlsafe_b64decode(sealed.encode())
        return self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], self._aad).decode()

    def digest(self, code: str) -> str:
        return hmac.new(self._mac_key, code.encode(), hashlib.sha256).hexdigest()


def tax_details_box(secret_key: str) -> AesGcmSecretBox:
    """Its own key and associated data: a TOTP secret's ciphertext does not open as tax details."""
    return AesGcmSecretBox(
        secret_key, purpose=b"tailtribe dac7: tax details sealing", aad=b"tailtribe tax details v1"
    )


class PyotpCodes:
    """RFC 6238 with the defaults every authenticator app reads: SHA-1, 6 digits, 30 s."""

    # One step either side: a phone's clock a little off still works.
    WINDOW = 1

    def new_secret(self) -> str:
        return pyotp.random_base32()

    def matching_step(self, secret: str, code: str, now: datetime) -> int | None:
        totp = pyotp.TOTP(secret)
        step = totp.timecode(now)
        for candidate in range(step - self.WINDOW, step + self.WINDOW + 1):
            if hmac.compare_digest(totp.generate_otp(candidate), code):
                return candidate
        return None

    def provisioning_uri(self, secret: str, account: str, issuer: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)
