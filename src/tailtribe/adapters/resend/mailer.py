"""Emails through Resend's API (the SDK's async client).

The SDK keeps its configuration in module globals; this adapter is the only
place that touches them.
"""

from __future__ import annotations

import httpx
import resend
import resend.exceptions

from tailtribe.domain.errors import DeliveryFailed
from tailtribe.domain.ports.messaging import Email

DEFAULT_API_URL = "https://api.resend.com"
# Resend's 409 for a key reused with a different payload.
ALREADY_SENT = "invalid_idempotent_request"


class ResendMailer:
    def __init__(self, api_key: str, sender: str, api_url: str = DEFAULT_API_URL) -> None:
        resend.api_key = api_key
        resend.api_url = api_url.rstrip("/")
        self._sender = sender

    async def send(self, email: Email, idempotency_key: str) -> str:
        # Resend stamps Date and Message-ID itself, as the folder mailer does
        # for its .eml files; only the email's own headers are passed.
        params: resend.Emails.SendParams = {
            "from": self._sender,
            "to": [email.to],
            "subject": email.subject,
            "html": email.html,
            "text": email.text,
        }
        if email.headers:
            params["headers"] = dict(email.headers)
        try:
            # Resend keeps the key for 24 hours: a retry within them is not sent again.
            sent = await resend.Emails.send_async(params, {"idempotency_key": idempotency_key})
        except resend.exceptions.ResendError as exc:
            if exc.error_type == ALREADY_SENT:
                # The key was used with another body (a retry rewrote the email
                # from newer data): that email went out, so this one is sent.
                return f"already-sent:{idempotency_key}"
            raise DeliveryFailed(f"Resend: {exc}") from exc
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"Resend unreachable: {exc}") from exc
        return str(sent["id"])
