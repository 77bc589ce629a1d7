"""The Resend adapter runs the real SDK against a local stand-in of the API."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tailtribe.adapters.resend.mailer import ResendMailer
from tailtribe.domain.errors import DeliveryFailed
from tailtribe.domain.ports.messaging import Email
from tests.resend_standin import API_KEY, resend_standin

EMAIL = Email(to="ann@example.be", subject="Hallo", text="Dag Ann", html="<p>Dag Ann</p>")


async def test_sends_the_email_with_the_idempotency_key() -> None:
    async with resend_standin() as api:
        mailer = ResendMailer(API_KEY, "TailTribe <noreply@tailtribe.be>", api.url)
        first = await mailer.send(EMAIL, idempotency_key="outbox-1")
        again = await mailer.send(EMAIL, idempotency_key="outbox-1")  # a retry after a crash
        other = await mailer.send(EMAIL, idempotency_key="outbox-2")
    assert first == again != other
    call = api.calls[0]
    assert call["idempotency_key"] == "outbox-1"
    assert call["body"] == {
        "from": "TailTribe <noreply@tailtribe.be>",
        "to": ["ann@example.be"],
        "subject": "Hallo",
        "html": "<p>Dag Ann</p>",
        "text": "Dag Ann",
    }
    assert len(api.delivered) == 2  # one email in effect per key


async def test_a_key_reused_with_another_body_counts_as_sent() -> None:
    """A retry may write the email anew (a name changed meanwhile): Resend
    refuses the key with another body, which means the first one went out."""
    async with resend_standin() as api:
        mailer = ResendMailer(API_KEY, "noreply@tailtribe.be", api.url)
        await mailer.send(EMAIL, idempotency_key="outbox-9")
        renamed = Email(EMAIL.to, EMAIL.subject, "Dag Anna", "<p>Dag Anna</p>")
        assert await mailer.send(renamed, idempotency_key="outbox-9") == "already-sent:outbox-9"
    assert [c["idempotency_key"] for c in api.calls] == ["outbox-9", "outbox-9"]
    assert list(api.delivered) == ["outbox-9"] and api.delivered["outbox-9"]["text"] == "Dag Ann"


async def test_a_provider_failure_raises() -> None:
    async with resend_standin() as api:
        api.fail_next = 1
        mailer = ResendMailer(API_KEY, "noreply@tailtribe.be", api.url)
        with pytest.raises(DeliveryFailed, match="try later"):
            await mailer.send(EMAIL, idempotency_key="k")
        assert await mailer.send(EMAIL, idempotency_key="k")
        wrong = ResendMailer("re_wrong", "noreply@tailtribe.be", api.url)
        with pytest.raises(DeliveryFailed, match="API key"):
            await wrong.send(EMAIL, idempotency_key="k2")
        unreachable = ResendMailer(API_KEY, "noreply@tailtribe.be", "http://127.0.0.1:9")
        with pytest.raises(DeliveryFailed):
            await unreachable.send(EMAIL, idempotency_key="k3")
    assert list(api.delivered) == ["k"]


async def test_the_emails_own_headers_go_in_resends_headers_field() -> None:
    one_click = (
        ("List-Unsubscribe", "<https://app.example/api/v1/unsubscribe?token=t>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    )
    async with resend_standin() as api:
        mailer = ResendMailer(API_KEY, "noreply@tailtribe.be", api.url)
        await mailer.send(replace(EMAIL, headers=one_click), idempotency_key="reminder")
        await mailer.send(EMAIL, idempotency_key="essential")
    reminder, essential = (c["body"] for c in api.calls)
    assert reminder["headers"] == {
        "List-Unsubscribe": "<https://app.example/api/v1/unsubscribe?token=t>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert "headers" not in essential
