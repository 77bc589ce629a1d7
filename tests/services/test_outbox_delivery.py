"""The outbox relay and the email job, with crashes at every step.

"One email in effect" is what the provider sees: the memory mailer, like
Resend, keeps one email per idempotency key. A crash is an exception that
no handler catches (the process died): the transaction in flight is lost.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from tailtribe.adapters.jinja.renderer import JinjaEmailRenderer
from tailtribe.adapters.security.unsubscribe_tokens import HmacUnsubscribeTokens
from tailtribe.adapters.stripe.events import StripeEventDecoder, stripe_event
from tailtribe.domain.errors import Conflict, DeliveryFailed
from tailtribe.domain.model.availability import Availability
from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.model.caregivers import Caregiver, ProfileDetails
from tailtribe.domain.model.events import DomainEvent
from tailtribe.domain.model.notifications import (
    EVENT_EMAILS,
    SILENT_EVENTS,
    EmailKind,
    EmailSettings,
    OptionalEmails,
)
from tailtribe.domain.model.outbox import MAX_ATTEMPTS, OutboxMessage, OutboxStatus
from tailtribe.domain.model.pets import Species
from tailtribe.domain.model.pricing import Quote
from tailtribe.domain.model.tokens import TokenPurpose
from tailtribe.domain.model.users import Locale, User
from tailtribe.domain.ports.messaging import Email
from tailtribe.domain.services.accounts.register import Register, RegisterUser
from tailtribe.domain.services.notifications.manage_outbox import ManageOutbox
from tailtribe.domain.services.notifications.relay_outbox import MAX_EVENT_AGE, RelayOutbox
from tailtribe.domain.services.notifications.send_email import LEASE, Links, SendEmail
from tailtribe.domain.services.payments.apply_payment_events import ReceivePaymentEvent
from tests.factories import booking_request
from tests.fakes.mailer import MemoryMailer
from tests.services.conftest import World


class Crash(BaseException):
    """The process dies here."""


class FlakyMailer(MemoryMailer):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.refuse = 0  # the provider is down: nothing sent
        self.crash_after_send = 0  # the provider took it, then the process died

    async def send(self, email: Email, idempotency_key: str) -> str:
        self.calls += 1
        if self.refuse:
            self.refuse -= 1
            raise DeliveryFailed("provider down")
        sent = await super().send(email, idempotency_key)
        if self.crash_after_send:
            self.crash_after_send -= 1
            raise Crash
        return sent


class Harness:
    def __init__(self, world: World) -> None:
        self.world = world
        self.mailer = FlakyMailer()
        self.relay = RelayOutbox(world.uow, world.ids, world.clock)
        self.send = SendEmail(
            world.uow,
            self.mailer,
            JinjaEmailRenderer(),
            world.secrets,
            Links("https://app.tailtribe.test"),
            world.clock,
            HmacUnsubscribeTokens("k" * 32),
        )

    async def deliver(self) -> int:
        """What the worker does: relay, then one job per due email."""
        return sum([await self.send(m) for m in await self.relay()])

    async def user(self, name: str, locale: Locale, verify: bool = False) -> User:
        w = self.world
        user = User.register(
            id=w.ids.new_id(),
            email=f"{name.lower()}@example.be",
            full_name=name,
            password_hash="h",
            locale=locale,
            now=w.clock.now(),
        )
        async with w.uow as uow:
            await uow.users.add(user)
            if verify:
                await w.tokens.send(uow, user, TokenPurpose.VERIFY_EMAIL, w.clock.now())
            await uow.commit()
        return user

    def row(self, message_id: UUID) -> OutboxStatus:
        return self.world.uow.outbox_rows[message_id].status


@pytest.fixture
def h(world: World) -> Harness:
    return Harness(world)


async def test_the_verification_email_goes_once_in_the_users_language(h: Harness) -> None:
    ann = await h.user("Ann", Locale.FR, verify=True)
    assert await h.deliver() == 1
    assert await h.deliver() == 0  # nothing twice
    [email] = h.mailer.sent.values()
    assert email.to == "ann@example.be"
    assert email.subject == "Confirmez votre adresse e-mail"
    token_id = next(iter(h.world.uow.store.tokens))
    secret = h.world.secrets.secret_for(token_id)
    assert f"https://app.tailtribe.test/verify-email?token={secret}" in email.text
    assert all(m.status is OutboxStatus.SENT for m in h.world.uow.outbox_rows.values())
    assert email.subject != "Bevestig je e-mailadres" and ann.email == email.to


async def test_a_crash_after_the_provider_took_it_sends_nothing_twice(h: Harness) -> None:
    await h.user("Ann", Locale.NL, verify=True)
    h.mailer.crash_after_send = 1
    with pytest.raises(Crash):
        await h.deliver()
    [row] = h.world.uow.outbox_rows.values()
    assert row.status is OutboxStatus.PENDING  # the marking was lost
    assert await h.deliver() == 0  # claimed by the dead attempt until its lease ends
    h.world.clock.advance(LEASE)
    assert await h.deliver() == 1  # sent again, with the same key
    assert h.mailer.calls == 2 and len(h.mailer.sent) == 1
    assert h.row(row.id) is OutboxStatus.SENT


async def test_a_crash_before_the_send_job_ran_is_picked_up_by_the_next_relay(
    h: Harness,
) -> None:
    await h.user("Ann", Locale.NL, verify=True)
    due = await h.relay()  # then the process dies before enqueueing
    assert len(due) == 1 and h.mailer.calls == 0
    assert await h.relay() == due
    assert await h.deliver() == 1 and len(h.mailer.sent) == 1


async def test_failed_sends_back_off_then_fail_and_an_admin_retries(h: Harness) -> None:
    await h.user("Ann", Locale.EN, verify=True)
    [message_id] = list(h.world.uow.outbox_rows)
    h.mailer.refuse = MAX_ATTEMPTS
    delays = []
    for _ in range(MAX_ATTEMPTS):
        assert await h.deliver() == 0
        row = h.world.uow.outbox_rows[message_id]
        delays.append(row.available_at - h.world.clock.now())
        assert await h.deliver() == 0  # not due yet: not even tried
        h.world.clock.advance(row.available_at - h.world.clock.now())
    assert delays[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert h.mailer.calls == MAX_ATTEMPTS
    assert h.row(message_id) is OutboxStatus.FAILED
    assert "provider down" in (h.world.uow.outbox_rows[message_id].last_error or "")

    admin = ManageOutbox(h.world.uow, h.world.clock, h.world.audit)
    failed = await admin.list(OutboxStatus.FAILED, 10, 0)
    assert [m.id for m in failed.items] == [message_id]
    await admin.retry(None, message_id)
    with pytest.raises(Conflict):
        await admin.retry(None, message_id)  # pending now, not failed
    assert await h.deliver() == 1 and len(h.mailer.sent) == 1
    assert (await admin.list(OutboxStatus.FAILED, 10, 0)).total == 0


async def _booking(
    h: Harness, *, authorized: bool, expire: bool = True
) -> tuple[Booking, User, User]:
    w = h.world
    owner = await h.user("Olga", Locale.NL)
    carer = await h.user("Carl", Locale.EN)
    now = w.clock.now()
    caregiver = Caregiver(
        id=uuid4(),
        user_id=carer.id,
        profile=ProfileDetails(
            display_name="Carl's care",
            bio="",
            postcode="1000",
            city="Brussel",
            latitude=50.85,
            longitude=4.35,
            service_radius_km=10,
            accepted_species=frozenset({Species.DOG}),
            max_pets=2,
        ),
        services=(),
        availability=Availability(),
        created_at=now,
    )
    booking = booking_request(
        owner.id,
        caregiver.id,
        (uuid4(),),
        now + timedelta(days=3),
        now=now,
        price=Quote(1, 2000, 400, 1600),
    )
    booking.attach_payment("pi_1", "secret")
    if authorized:
        booking.authorize(now, 2000)
    if expire:
        w.clock.advance(timedelta(hours=25))
        booking.expire(w.clock.now())
    async with w.uow as uow:
        await uow.caregivers.add(caregiver)
        await uow.bookings.add(booking)
        await w.outbox.publish(uow, [booking])
        await uow.commit()
    return booking, owner, carer


@pytest.mark.parametrize("authorized", [True, False])
async def test_an_expiry_tells_the_caregiver_only_if_the_card_was_held(
    h: Harness, authorized: bool
) -> None:
    _, owner, carer = await _booking(h, authorized=authorized)
    sent = await h.deliver()
    assert await h.deliver() == 0  # each event expanded once
    to = sorted(e.to for e in h.mailer.sent.values())
    if authorized:
        # The authorization's own event asked the caregiver first.
        assert sent == 3 and to == sorted([owner.email, carer.email, carer.email])
        subjects = {e.to + ":" + e.subject for e in h.mailer.sent.values()}
        assert f"{carer.email}:Booking request expired: dog walk" in subjects
        assert f"{carer.email}:New booking request from Olga" in subjects
    else:
        assert sent == 1 and to == [owner.email]
    owner_email = next(e for e in h.mailer.sent.values() if e.to == owner.email)
    assert owner_email.subject == "Je boekingsaanvraag voor hondenuitlaatbeurt is verlopen"


async def test_a_crash_before_the_relay_commits_expands_the_event_once(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _booking(h, authorized=False)
    uow = h.world.uow
    real_commit = uow.commit

    async def crash() -> None:
        raise Crash

    monkeypatch.setattr(uow, "commit", crash)
    with pytest.raises(Crash):
        await h.relay()
    monkeypatch.setattr(uow, "commit", real_commit)
    assert not any(m.topic.startswith("email.") for m in uow.outbox_rows.values())
    assert await h.deliver() == 1
    emails = [m for m in uow.outbox_rows.values() if m.topic == EmailKind.BOOKING_EXPIRED.topic]
    assert len(emails) == 1 and len(h.mailer.sent) == 1


async def test_an_email_whose_recipient_is_gone_fails_at_once(h: Harness) -> None:
    ann = await h.user("Ann", Locale.NL, verify=True)
    del h.world.uow.store.users[ann.id]
    assert await h.deliver() == 0
    [row] = h.world.uow.outbox_rows.values()
    assert row.status is OutboxStatus.FAILED and "recipient" in (row.last_error or "")
    assert h.mailer.calls == 0


async def test_one_event_that_cannot_be_expanded_holds_up_no_other(h: Harness) -> None:
    w = h.world
    bad = OutboxMessage(
        uuid4(), "event.BookingAccepted", {"booking_id": "nonsense"}, w.clock.now(), w.clock.now()
    )
    async with w.uow as uow:
        await uow.outbox.add(bad)
        await uow.commit()
    await h.user("Ann", Locale.NL, verify=True)
    assert await h.deliver() == 1  # the good one went
    for _ in range(MAX_ATTEMPTS):  # each retry when its backoff ends
        w.clock.advance(w.uow.outbox_rows[bad.id].available_at - w.clock.now())
        await h.deliver()
    row = w.uow.outbox_rows[bad.id]
    assert row.status is OutboxStatus.FAILED and "ValueError" in (row.last_error or "")


async def test_what_this_version_does_not_know_fails_for_an_admin_to_retry(h: Harness) -> None:
    w = h.world
    now = w.clock.now()
    unknown = [
        OutboxMessage(uuid4(), "event.SomethingNew", {}, now, now),
        OutboxMessage(uuid4(), "email.something_new", {"user_id": str(uuid4())}, now, now),
        OutboxMessage(uuid4(), "webhook.other", {}, now, now),
    ]
    async with w.uow as uow:
        for m in unknown:
            await uow.outbox.add(m)
        await uow.commit()
    assert await h.deliver() == 0
    assert {h.row(m.id) for m in unknown} == {OutboxStatus.FAILED}
    assert h.mailer.calls == 0


async def test_old_events_and_dead_links_send_nothing(h: Harness) -> None:
    await _booking(h, authorized=True)
    h.world.clock.advance(MAX_EVENT_AGE)  # relayed only now: old news
    ann = await h.user("Ann", Locale.NL, verify=True)
    h.world.clock.advance(timedelta(days=8))  # the verification link expired meanwhile
    assert await h.deliver() == 0 and h.mailer.calls == 0
    rows = list(h.world.uow.outbox_rows.values())
    assert not any(r.topic.startswith("email.") and r.status is OutboxStatus.SENT for r in rows)
    [link] = [r for r in rows if r.payload.get("user_id") == str(ann.id)]
    assert link.status is OutboxStatus.FAILED and "expired" in (link.last_error or "")


def test_every_domain_event_is_either_emailed_or_known_to_be_silent() -> None:
    def leaves(cls: type) -> set[str]:
        subs: list[type] = cls.__subclasses__()
        return {cls.__name__} if not subs else set().union(*(leaves(c) for c in subs))

    names = leaves(DomainEvent) - {
        "CaregiverEvent",
        "BookingEvent",
        "CaregiverDecision",
        "MeetAndGreetEvent",
        "SeriesEvent",
    }
    assert names == set(EVENT_EMAILS) | SILENT_EVENTS


async def test_a_second_registration_tells_the_owner_in_their_language(h: Harness) -> None:
    ann = await h.user("Ann", Locale.FR)
    w = h.world
    await RegisterUser(w.uow, w.hasher, w.tokens, w.ids, w.clock, w.outbox, w.email_cap)(
        Register("ANN@example.be", "long enough pw", "Mallory", Locale.EN)
    )
    assert await h.deliver() == 1
    [email] = h.mailer.sent.values()
    assert email.to == ann.email
    assert email.subject == "Vous avez déjà un compte TailTribe"
    assert "https://app.tailtribe.test/login" in email.text and "Ann" in email.text
    assert "Mallory" not in email.text


async def test_an_authorization_stamped_days_behind_our_clock_still_asks_the_caregiver(
    h: Harness,
) -> None:
    """Stripe stamps its events with its own clock; ours (a test clock, or a
    late delivery) can be days ahead. The row is news when we record it."""
    w = h.world
    booking, _, carer = await _booking(h, authorized=False, expire=False)
    created = w.clock.now() - MAX_EVENT_AGE - timedelta(days=1)
    event = stripe_event(
        "evt_authorized",
        "payment_intent.amount_capturable_updated",
        created,
        {"id": booking.payment.intent_id, "amount_capturable": booking.price.total_cents},
    )

    assert await ReceivePaymentEvent(w.uow, w.gateway, w.outbox, w.clock, StripeEventDecoder())(
        event
    )

    assert await h.deliver() == 1
    [email] = h.mailer.sent.values()
    assert (email.to, email.subject) == (carer.email, "New booking request from Olga")


async def test_a_reminder_turned_off_after_it_was_queued_is_suppressed(h: Harness) -> None:
    booking, owner, carer = await _booking(h, authorized=True, expire=False)
    await h.deliver()  # the request's own emails
    before = len(h.mailer.sent)
    w = h.world
    event = OutboxMessage(
        w.ids.new_id(),
        "event.BookingReminder",
        {"booking_id": str(booking.id)},
        w.clock.now(),
        w.clock.now(),
    )
    async with w.uow as uow:
        await uow.outbox.add(event)
        await uow.commit()
    queued = await h.relay()  # one email row each, queued with the settings on
    async with w.uow as uow:
        stored = await uow.users.get(owner.id)
        assert stored is not None
        stored.change_email_settings(EmailSettings(booking_reminders=False))
        await uow.users.save(stored)
        await uow.commit()
    assert [await h.send(m) for m in queued].count(True) == 1
    statuses = {h.world.uow.outbox_rows[m].payload["user_id"]: h.row(m) for m in queued}
    assert statuses == {str(owner.id): OutboxStatus.SUPPRESSED, str(carer.id): OutboxStatus.SENT}
    assert await h.deliver() == 0  # final: never sent later
    [reminder] = list(h.mailer.sent.values())[before:]
    assert reminder.to == carer.email
    [(_, address)] = [(k, v) for k, v in reminder.headers if k == "List-Unsubscribe"]
    assert ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click") in reminder.headers
    link = address.strip("<>")
    assert link.startswith("https://app.tailtribe.test/api/v1/unsubscribe?token=")
    assert link in reminder.text and link in reminder.html  # visible in the body too
    token = link.split("token=")[1]
    assert HmacUnsubscribeTokens("k" * 32).read(token) == (carer.id, OptionalEmails.REMINDERS)


async def test_emails_that_cannot_be_turned_off_go_and_carry_no_unsubscribe(h: Harness) -> None:
    ann = await h.user("Ann", Locale.EN)
    async with h.world.uow as uow:
        stored = await uow.users.get(ann.id)
        assert stored is not None
        stored.change_email_settings(EmailSettings(False, False))
        await uow.users.save(stored)
        await h.world.tokens.send(uow, stored, TokenPurpose.VERIFY_EMAIL, h.world.clock.now())
        await uow.commit()
    assert await h.deliver() == 1
    [email] = h.mailer.sent.values()
    assert email.headers == () and "unsubscribe" not in email.text.lower()
