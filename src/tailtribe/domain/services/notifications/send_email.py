"""Sending one email row: at most one email in effect, whatever crashes."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from tailtribe.domain.model.bookings import ACTIVE, shown_text
from tailtribe.domain.model.masking import mask_contacts
from tailtribe.domain.model.money import Money
from tailtribe.domain.model.notifications import (
    OPTIONAL_EMAILS,
    EmailKind,
    Party,
    Weekdays,
    email_kind,
)
from tailtribe.domain.model.outbox import OutboxMessage, OutboxStatus
from tailtribe.domain.model.security import SignInMethod
from tailtribe.domain.model.time import local_date
from tailtribe.domain.model.tokens import token_digest
from tailtribe.domain.ports.identity import TokenSecrets, UnsubscribeTokens
from tailtribe.domain.ports.messaging import Email, EmailRenderer, Mailer
from tailtribe.domain.ports.payments import OffSessionOutcome
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock

logger = logging.getLogger(__name__)

# Longer than any send: a crashed attempt's message is due again after it.
LEASE = timedelta(minutes=5)
TOKEN_PAGES = {EmailKind.VERIFY_EMAIL: "verify-email", EmailKind.PASSWORD_RESET: "reset-password"}
# DAC7 emails link to the app's page for the caregiver's tax details
# (PUT /api/v1/caregiver/tax-details behind it).
TAX_DETAILS_PAGE = "caregiver/tax-details"
TAX_EMAILS = frozenset(
    {
        EmailKind.TAX_DETAILS_REQUESTED,
        EmailKind.TAX_DETAILS_REMINDER,
        EmailKind.TAX_DETAILS_LAST_REMINDER,
        EmailKind.PAYOUTS_WITHHELD,
    }
)
# Without a token, the reset page asks for the address to send a reset link to.
RESET_PAGE = TOKEN_PAGES[EmailKind.PASSWORD_RESET]
# The API's one-click unsubscribe (RFC 8058), under the web app's address.
UNSUBSCRIBE_PATH = "/api/v1/unsubscribe"
# Told of the whole series (their events name no booking).
SERIES_EMAILS = frozenset(
    {
        EmailKind.SERIES_REQUESTED,
        EmailKind.SERIES_ACCEPTED,
        EmailKind.SERIES_DECLINED,
        EmailKind.SERIES_EXPIRED,
        EmailKind.SERIES_CANCELLED,
    }
)


def dac7_variables(p: dict[str, Any]) -> dict[str, object]:
    """A seller's copy of their DAC7 figures: cents as money, per quarter and in all."""
    out: dict[str, object] = {"year": p["year"], "identity": p["identity"]}
    for name, key in (("consideration", "consideration_cents"), ("fees", "fees_cents")):
        cents = [int(c) for c in p[key]]
        out |= {f"{name}_q{i}": Money(c) for i, c in enumerate(cents, start=1)}
        out[f"{name}_total"] = Money(sum(cents))
    out |= {f"activities_q{i}": int(n) for i, n in enumerate(p["activities"], start=1)}
    return out


@dataclass(frozen=True, slots=True)
class Links:
    """Where the emails' links point: the web app, not this API."""

    app_url: str


class Undeliverable(Exception):
    """The email cannot be written (its recipient or subject is gone, its link dead)."""


class SendEmail:
    """Send the email of one outbox row and mark the row sent.

    - The provider's idempotency key is the row id: a crash after the
      provider accepted but before the row was marked sends again with the
      same key, which the provider (and the folder mailer) ignores.
    - An attempt claims the row for a lease (counted as an attempt), so a
      second job for it finds it taken; nothing is held while the provider
      is called. A crash mid-send leaves the row due again when the lease ends.
    - A failed send is retried with exponential backoff; after the last
      attempt the row is `failed` and shown to admins. An email that cannot be
      written (its recipient is gone, its link expired, a template is broken)
      fails at once.
    - An email of a kind its recipient turned off is not sent and its row ends
      `suppressed`. The setting is read here, when sending, not when the row
      was queued: turning an email off also stops those already waiting.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        mailer: Mailer,
        renderer: EmailRenderer,
        secrets: TokenSecrets,
        links: Links,
        clock: Clock,
        unsubscribe: UnsubscribeTokens,
    ) -> None:
        self._uow, self._mailer, self._renderer = uow, mailer, renderer
        self._secrets, self._links, self._clock = secrets, links, clock
        self._unsubscribe = unsubscribe

    async def __call__(self, message_id: UUID) -> bool:
        """True when this call sent the email."""
        # 1. Claim the row and write the email; the transaction (and on SQLite
        #    the write lock) ends before the provider is called.
        async with self._uow as uow:
            message = await uow.outbox.get(message_id)
            if message is None or not self._sendable(message):
                return False
            if await self._turned_off(uow, message):
                message.mark_suppressed()
                await uow.outbox.save(message)
                await uow.commit()
                logger.info(
                    "outbox message %s suppressed: %s turned off", message_id, message.topic
                )
                return False
            try:
                email = await self._compose(uow, message)
            except Exception as exc:  # a gone recipient, an expired link, a broken template
                message.mark_undeliverable(self._clock.now(), f"{type(exc).__name__}: {exc}")
                await uow.outbox.save(message)
                await uow.commit()
                return False
            message.claim(self._clock.now(), LEASE)
            attempt = message.attempts
            await uow.outbox.save(message)
            await uow.commit()
        # 2. Send, holding nothing.
        error = None
        try:
            await self._mailer.send(email, idempotency_key=str(message_id))
        except Exception as exc:  # any provider failure is retried later
            error = f"{type(exc).__name__}: {exc}"
        # 3. Report, unless the lease ran out and another attempt took over.
        async with self._uow as uow:
            message = await uow.outbox.get(message_id)
            if (
                message is None
                or message.status is not OutboxStatus.PENDING
                or message.attempts != attempt
            ):
                return False
            if error is None:
                message.mark_sent(self._clock.now())
            else:
                message.release(self._clock.now(), error)
            await uow.outbox.save(message)
            await uow.commit()
        return error is None

    def _sendable(self, message: OutboxMessage) -> bool:
        return (
            message.status is OutboxStatus.PENDING
            and message.available_at <= self._clock.now()
            and email_kind(message.topic) is not None
        )

    @staticmethod
    async def _turned_off(uow: UnitOfWork, message: OutboxMessage) -> bool:
        kind = email_kind(message.topic)
        if kind is None or kind not in OPTIONAL_EMAILS:
            return False
        user = await uow.users.get(UUID(message.payload["user_id"]))
        # A gone recipient is _compose's to report, as for any email.
        return user is not None and not user.email_settings.wants(kind)

    async def _compose(self, uow: UnitOfWork, message: OutboxMessage) -> Email:
        kind = email_kind(message.topic)
        assert kind is not None
        p = message.payload
        user = await uow.users.get(UUID(p["user_id"]))
        if user is None:
            raise Undeliverable("the recipient's account is gone")
        app = self._links.app_url
        variables: dict[str, Any] = {"name": user.full_name}
        if kind in TOKEN_PAGES:
            secret = self._secrets.secret_for(UUID(p["token_id"]))
            token = await uow.tokens.get_by_digest(token_digest(secret))
            if token is None or token.used_at is not None or token.expires_at <= self._clock.now():
                raise Undeliverable("the link has expired or was used")  # a dead link helps nobody
            variables["link"] = f"{app}/{TOKEN_PAGES[kind]}?token={secret}"
        elif "document_id" in p:  # money documents (docs/documents.md)
            variables |= {
                "number": p["number"],
                "amount": Money(int(p["amount_cents"])),
                "link": f"{app}/account/documents/{p['document_id']}",
            }
        elif kind in SERIES_EMAILS:
            variables |= await self._series(uow, UUID(p["series_id"]), p)
        elif "booking_id" in p:
            variables |= await self._booking(uow, UUID(p["booking_id"]), p)
            if kind is EmailKind.OCCURRENCE_PAYMENT_NEEDED:
                variables |= {
                    # An unknown reason fails the email for an admin rather than misleading.
                    "reason": OffSessionOutcome(p["reason"]),
                    "pay_by": datetime.fromisoformat(p["pay_by"]),
                    "amount": variables["total"],
                    "link": f"{app}/bookings/{p['booking_id']}/pay",
                }
            elif kind is EmailKind.OCCURRENCE_LAPSED:
                variables["link"] = f"{app}/series/{p['series_id']}"
        elif "meet_and_greet_id" in p:
            variables |= await self._meeting(uow, UUID(p["meet_and_greet_id"]))
        elif "export_id" in p:
            variables["expires"] = datetime.fromisoformat(p["expires_at"])
            variables["link"] = f"{app}/account/exports/{p['export_id']}"
        elif kind is EmailKind.DAC7_COPY:
            variables |= dac7_variables(p)
            variables["link"] = f"{app}/caregiver/tax-details"
        elif kind is EmailKind.ACCOUNT_EXISTS:
            variables["link"] = f"{app}/login"
        elif kind is EmailKind.NEW_SIGN_IN:
            variables |= {
                "time": datetime.fromisoformat(p["at"]),
                "method": SignInMethod(p["method"]),
                "client": p["client"],
                "link": f"{app}/{RESET_PAGE}",
            }
        elif "conversation_id" in p:
            variables |= await self._conversation(
                uow, UUID(p["conversation_id"]), Party(p["party"])
            )
        elif kind in TAX_EMAILS:
            variables["link"] = f"{app}/{TAX_DETAILS_PAGE}"
            if kind is EmailKind.TAX_DETAILS_LAST_REMINDER:
                variables["withhold_from"] = datetime.fromisoformat(p["withhold_from"])
        else:
            variables |= {"reason": p.get("reason") or "-", "link": f"{app}/caregiver/profile"}
        headers: tuple[tuple[str, str], ...] = ()
        if (category := OPTIONAL_EMAILS.get(kind)) is not None:
            signed = self._unsubscribe.issue(user.id, category)
            unsubscribe = f"{app}{UNSUBSCRIBE_PATH}?token={signed}"
            variables["unsubscribe_link"] = unsubscribe
            # RFC 2369 and RFC 8058: mailbox providers show an unsubscribe
            # button and POST to the address themselves.
            headers = (
                ("List-Unsubscribe", f"<{unsubscribe}>"),
                ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            )
        rendered = self._renderer.render(kind, user.locale, variables)
        return Email(
            to=user.email,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            headers=headers,
        )

    async def _conversation(
        self, uow: UnitOfWork, conversation_id: UUID, recipient: Party
    ) -> dict[str, object]:
        conversation = await uow.conversations.find(conversation_id)
        if conversation is None:
            raise Undeliverable("the conversation is gone")
        if recipient is Party.OWNER:
            caregiver = await uow.caregivers.get(conversation.caregiver_id)
            sender = None if caregiver is None else caregiver.profile.display_name
        else:
            owner = await uow.users.get(conversation.owner_id)
            sender = None if owner is None else owner.full_name
        if sender is None:
            raise Undeliverable("the other party is gone")
        return {
            "sender_name": conversation.shown_text(sender),
            "link": f"{self._links.app_url}/conversations/{conversation.id}",
        }

    async def _meeting(self, uow: UnitOfWork, meet_id: UUID) -> dict[str, object]:
        meeting = await uow.meet_and_greets.get(meet_id)
        if meeting is None:
            raise Undeliverable("the meet-and-greet is gone")
        owner = await uow.users.get(meeting.owner_id)
        caregiver = await uow.caregivers.get(meeting.caregiver_id)
        if owner is None or caregiver is None:
            raise Undeliverable("a party of the meet-and-greet is gone")
        # No money is ever captured here: names keep contact details masked.
        return {
            "start": meeting.start,
            "end": meeting.end,
            "owner_name": mask_contacts(owner.full_name),
            "caregiver_name": mask_contacts(caregiver.profile.display_name),
            "link": f"{self._links.app_url}/meet-and-greets/{meeting.id}",
        }

    async def _booking(
        self, uow: UnitOfWork, booking_id: UUID, p: dict[str, Any]
    ) -> dict[str, object]:
        booking = await uow.bookings.get(booking_id)
        if booking is None:
            raise Undeliverable("the booking is gone")
        owner = await uow.users.get(booking.owner_id)
        caregiver = await uow.caregivers.get(booking.caregiver_id)
        if owner is None or caregiver is None:
            raise Undeliverable("a party of the booking is gone")
        # The event's own amount (a refund, a payout) where it has one.
        amount = p.get("amount_cents", p.get("refund_cents", 0))
        return {
            "service": booking.service,
            "start": booking.start,
            "end": booking.end,
            # Names predating the rule on contact details in names.
            "owner_name": booking.shown_text(owner.full_name),
            "caregiver_name": booking.shown_text(caregiver.profile.display_name),
            "total": Money(booking.price.total_cents),
            "earnings": Money(booking.price.caregiver_payout_cents),
            "amount": Money(int(amount)),
            "reason": p.get("reason") or p.get("error") or p.get("dispute_id") or "-",
            "link": f"{self._links.app_url}/bookings/{booking.id}",
        }

    async def _series(
        self, uow: UnitOfWork, series_id: UUID, p: dict[str, Any]
    ) -> dict[str, object]:
        series = await uow.series.get(series_id)
        if series is None:
            raise Undeliverable("the series is gone")
        owner = await uow.users.get(series.owner_id)
        caregiver = await uow.caregivers.get(series.caregiver_id)
        if owner is None or caregiver is None:
            raise Undeliverable("a party of the series is gone")
        occurrences = list(await uow.bookings.of_series(series.id, lock=False))
        if not occurrences:
            raise Undeliverable("the series has no occurrences")
        planned = [b for b in occurrences if b.status in ACTIVE]
        # A declined, expired or wholly cancelled series is told as it was asked.
        shown = planned or occurrences
        one = shown[0].price
        variables: dict[str, object] = {
            "service": series.service,
            # Contact details in names show once the series is accepted, as
            # for its occurrences (accepted with it).
            "owner_name": shown_text(owner.full_name, series.accepted),
            "caregiver_name": shown_text(caregiver.profile.display_name, series.accepted),
            "weekdays": Weekdays(tuple(sorted(series.pattern.weekdays))),
            "start_time": series.pattern.start_time.strftime("%H:%M"),
            "duration": timedelta(minutes=series.pattern.duration_minutes),
            "first_date": local_date(shown[0].start),
            "last_date": local_date(shown[-1].start),
            "count": len(shown),
            "planned": len(planned),
            "price": Money(one.total_cents),
            "earnings": Money(one.caregiver_payout_cents),
            "total": Money(sum(b.price.total_cents for b in shown)),
            "link": f"{self._links.app_url}/series/{series.id}",
        }
        if "from_date" in p:  # a cancellation: from when, how many, what comes back
            variables |= {
                "from_date": date.fromisoformat(p["from_date"]),
                "cancelled": int(p["cancelled"]),
                "refund": Money(int(p["refund_cents"])),
            }
        return variables
