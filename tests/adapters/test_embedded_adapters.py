"""The embedded default's adapters: emails in a folder, simulated payments."""

from __future__ import annotations

import email
import re
from dataclasses import replace
from datetime import UTC, datetime
from email import policy
from pathlib import Path
from uuid import uuid4

from tailtribe.adapters.filesystem.mailer import FolderMailer
from tailtribe.adapters.simulated.payment_gateway import SimulatedPaymentGateway
from tailtribe.domain.ports.messaging import Email
from tests.fakes.clock import FixedClock

MESSAGE = Email(
    to="an@example.be",
    subject="Boeking bevestigd",
    text="Hallo Ann, je boeking is bevestigd.",
    html="<p>Hallo Ann, je boeking is <b>bevestigd</b>.</p>",
)


async def test_folder_mailer_writes_one_eml_per_key(tmp_path: Path) -> None:
    sent_at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    mailer = FolderMailer(
        tmp_path / "emails",
        "TailTribe <noreply@tailtribe.be>",
        FixedClock(sent_at),
        "https://app.tailtribe.be/",
    )
    first = await mailer.send(MESSAGE, "outbox-1")
    again = await mailer.send(MESSAGE, "outbox-1")
    await mailer.send(MESSAGE, "outbox-2")
    files = sorted((tmp_path / "emails").glob("*.eml"))
    assert first == again
    assert len(files) == 2
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["To"] == "an@example.be"
    assert parsed["Subject"] == "Boeking bevestigd"
    bodies = {part.get_content_type() for part in parsed.walk()}
    assert {"text/plain", "text/html"} <= bodies
    # Mail clients sort by Date and thread by Message-ID: both are there.
    assert parsed["Date"].datetime == sent_at
    assert re.fullmatch(r"<[^@<>\s]+@app\.tailtribe\.be>", str(parsed["Message-ID"]).strip())
    other = email.message_from_bytes(files[1].read_bytes(), policy=policy.default)
    assert other["Message-ID"] != parsed["Message-ID"]


async def test_simulated_gateway_is_idempotent_by_key() -> None:
    gateway = SimulatedPaymentGateway()
    booking = uuid4()
    first = await gateway.create_payment_intent(booking, 4500, f"booking:{booking}:intent")
    again = await gateway.create_payment_intent(booking, 4500, f"booking:{booking}:intent")
    other = await gateway.create_payment_intent(uuid4(), 4500, "booking:other:intent")
    assert first == again
    assert first.id != other.id
    assert first.id.startswith("pi_") and first.client_secret.startswith(first.id)
    t1 = await gateway.transfer("acct_1", 3600, booking, first.id, f"booking:{booking}:payout")
    t2 = await gateway.transfer("acct_1", 3600, booking, first.id, f"booking:{booking}:payout")
    assert t1 == t2 and t1.startswith("tr_")


UNSUBSCRIBE = (
    "https://app.tailtribe.be/api/v1/unsubscribe?token=" + "0190f1f0" * 4 + ".reminders." + "A" * 43
)


async def test_folder_mailer_writes_the_emails_own_headers_as_they_are(tmp_path: Path) -> None:
    mailer = FolderMailer(
        tmp_path, "noreply@tailtribe.be", FixedClock(datetime.now(UTC)), "https://app.tailtribe.be"
    )
    headers = (
        ("List-Unsubscribe", f"<{UNSUBSCRIBE}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    )
    with_headers = await mailer.send(replace(MESSAGE, headers=headers), "outbox-1")
    without = await mailer.send(MESSAGE, "outbox-2")
    raw = (tmp_path / f"{with_headers}.eml").read_bytes()
    # On one line, in plain ASCII: an address in encoded words is no address.
    assert f"List-Unsubscribe: <{UNSUBSCRIBE}>".encode() in raw
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert b"List-Unsubscribe" not in (tmp_path / f"{without}.eml").read_bytes()
