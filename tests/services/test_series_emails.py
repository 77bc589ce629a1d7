"""The emails of weekly series: who hears of what, and what they read.

The series' events go through the outbox, the relay and the email job as
any event does; the series and its occurrences are in the memory unit of
work with series.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from tailtribe.adapters.jinja.renderer import JinjaEmailRenderer
from tailtribe.adapters.security.token_secrets import HmacTokenSecrets
from tailtribe.adapters.security.unsubscribe_tokens import HmacUnsubscribeTokens
from tailtribe.adapters.system.ids import Uuid7Generator
from tailtribe.domain.model.aggregate import Aggregate
from tailtribe.domain.model.availability import Availability
from tailtribe.domain.model.bookings import Booking
from tailtribe.domain.model.cancellation import CancellationPolicy, Canceller
from tailtribe.domain.model.caregivers import Caregiver, ProfileDetails
from tailtribe.domain.model.money import CommissionRate
from tailtribe.domain.model.notifications import EmailKind
from tailtribe.domain.model.outbox import OutboxMessage, OutboxStatus
from tailtribe.domain.model.pets import Species
from tailtribe.domain.model.pricing import Quote, Service
from tailtribe.domain.model.series import BookingSeries, WeeklyPattern
from tailtribe.domain.model.users import Locale, User
from tailtribe.domain.ports.messaging import Email
from tailtribe.domain.ports.payments import OffSessionOutcome
from tailtribe.domain.services.notifications.relay_outbox import RelayOutbox
from tailtribe.domain.services.notifications.send_email import Links, SendEmail
from tailtribe.domain.services.outbox import Outbox
from tests.fakes.clock import FixedClock
from tests.fakes.mailer import MemoryMailer
from tests.fakes.unit_of_work import MemoryUnitOfWork

APP = "https://app.tailtribe.test"
# A walk's price: 20 EUR, of which the caregiver earns 16.
PRICE = Quote(1, 2000, 400, 1600)
# Four walks, Mondays and Thursdays at 08:15 (given out of order), in summer
# time though asked in winter time.
PATTERN = WeeklyPattern(
    weekdays=(3, 0),
    start_time=time(8, 15),
    duration_minutes=60,
    first_date=date(2026, 3, 30),
    count=4,
)


class Series:
    """An owner (Dutch), a caregiver (English) and their series of four walks."""

    def __init__(self) -> None:
        self.uow = MemoryUnitOfWork()
        self.clock = FixedClock(datetime(2026, 3, 27, 9, 0, tzinfo=UTC))  # a Friday
        self.ids = Uuid7Generator()
        self.outbox = Outbox(self.ids, self.clock)
        self.mailer = MemoryMailer()
        self.relay = RelayOutbox(self.uow, self.ids, self.clock)
        self.send = SendEmail(
            self.uow,
            self.mailer,
            JinjaEmailRenderer(),
            HmacTokenSecrets("test-key"),
            Links(APP),
            self.clock,
            HmacUnsubscribeTokens("k" * 32),
        )
        now = self.clock.now()
        self.owner = self._user("Olga", Locale.NL)
        self.carer = self._user("Carl", Locale.EN)
        self.caregiver = Caregiver(
            id=uuid4(),
            user_id=self.carer.id,
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
        periods = PATTERN.periods(Service.DOG_WALKING)
        self.series = BookingSeries.request(
            id=uuid4(),
            owner_id=self.owner.id,
            caregiver_id=self.caregiver.id,
            service=Service.DOG_WALKING,
            pet_ids=(uuid4(),),
            pattern=PATTERN,
            first_start=periods[0][0],
            occurrences=len(periods),
            now=now,
        )
        self.occurrences = [
            Booking.request(
                id=uuid4(),
                owner_id=self.owner.id,
                caregiver_id=self.caregiver.id,
                service=Service.DOG_WALKING,
                pet_ids=self.series.pet_ids,
                start=start,
                end=end,
                price=PRICE,
                rate=CommissionRate(Decimal(20)),
                policy=CancellationPolicy.FLEXIBLE,
                now=now,
                series_id=self.series.id,
            )
            for start, end in periods
        ]

    def _user(self, name: str, locale: Locale) -> User:
        return User.register(
            id=self.ids.new_id(),
            email=f"{name.lower()}@example.be",
            full_name=name,
            password_hash="h",
            locale=locale,
            now=self.clock.now(),
        )

    async def store(self) -> None:
        async with self.uow as uow:
            await uow.users.add(self.owner)
            await uow.users.add(self.carer)
            await uow.caregivers.add(self.caregiver)
            await uow.series.add(self.series)
            for booking in self.occurrences:
                await uow.bookings.add(booking)
            await self.outbox.publish(uow, [self.series, *self.occurrences])
            await uow.commit()

    async def publish(self, *aggregates: Aggregate) -> None:
        """The series and occurrences as a use case would leave them."""
        async with self.uow as uow:
            for aggregate in aggregates:
                if isinstance(aggregate, BookingSeries):
                    await uow.series.save(aggregate)
                elif isinstance(aggregate, Booking):
                    await uow.bookings.save(aggregate)
            await self.outbox.publish(uow, aggregates)
            await uow.commit()

    async def deliver(self) -> list[Email]:
        """Relay, then send each email due; what was sent by this call."""
        before = set(self.mailer.sent)
        for message_id in await self.relay():
            await self.send(message_id)
        return [e for k, e in self.mailer.sent.items() if k not in before]

    def asked(self) -> None:
        self.series.attach_setup("cus_1", "seti_1", "seti_1_secret")
        self.series.save_card(self.clock.now(), "pm_1")

    def accepted(self) -> None:
        self.asked()
        now = self.clock.now()
        self.series.accept(now, len(self.occurrences))
        for booking in self.occurrences:
            booking.accept_occurrence(now, now)

    def emails(self, kind: EmailKind) -> list[OutboxMessage]:
        return [m for m in self.uow.outbox_rows.values() if m.topic == kind.topic]


@pytest.fixture
async def s() -> Series:
    series = Series()
    await series.store()
    return series


def to(emails: list[Email]) -> list[str]:
    return sorted(e.to for e in emails)


async def test_the_caregiver_hears_of_a_series_once_the_card_is_saved(s: Series) -> None:
    assert await s.deliver() == []  # requested, no card yet: nothing to anyone
    s.asked()
    await s.publish(s.series)
    [email] = await s.deliver()
    assert email.to == "carl@example.be"
    assert email.subject == "New weekly booking request from Olga"
    for body in (email.text, email.html):
        assert "dog walk every Monday and Thursday at 08:15, 1 h each time" in body
        assert "from Monday, 30 March 2026 to Thursday, 9 April 2026 (4 in all)" in body
        assert "16,00" in body and "20,00" in body and "80,00" in body  # earn, pay, total
        assert f"{APP}/series/{s.series.id}" in body


async def test_the_owner_hears_the_acceptance_with_the_dates_and_the_money(s: Series) -> None:
    s.accepted()
    await s.publish(s.series, *s.occurrences)
    sent = await s.deliver()
    assert to(sent) == ["carl@example.be", "olga@example.be"]  # asked, then accepted
    [email] = [e for e in sent if e.to == "olga@example.be"]
    assert email.subject == "Carl's care heeft je wekelijkse reeks aanvaard"
    assert "hondenuitlaatbeurt elke maandag en donderdag om 08:15, telkens 1 uur" in email.text
    assert "van maandag 30 maart 2026 tot donderdag 9 april 2026 (in totaal 4 keer)" in email.text
    assert "€\u00a020,00" in email.text and "€\u00a080,00" in email.text
    assert f"{APP}/series/{s.series.id}" in email.text


async def test_a_declined_series_tells_the_owner_only(s: Series) -> None:
    s.asked()
    await s.publish(s.series)
    await s.deliver()
    now = s.clock.now()
    s.series.decline(now)
    for booking in s.occurrences:
        booking.end_with_series(now, "decline")
    await s.publish(s.series, *s.occurrences)
    [email] = await s.deliver()
    assert email.to == "olga@example.be"
    assert email.subject == "Carl's care kan je wekelijkse reeks niet aannemen"
    # As it was asked, though nothing of it is planned any more.
    assert "van maandag 30 maart 2026 tot donderdag 9 april 2026" in email.text


@pytest.mark.parametrize("asked", [True, False])
async def test_an_expired_series_tells_the_caregiver_only_if_they_were_asked(
    s: Series, asked: bool
) -> None:
    if asked:
        s.asked()
        await s.publish(s.series)
        await s.deliver()
    s.clock.advance(timedelta(hours=25))
    now = s.clock.now()
    s.series.expire(now)
    for booking in s.occurrences:
        booking.end_with_series(now, "expire")
    await s.publish(s.series, *s.occurrences)
    sent = await s.deliver()
    assert to(sent) == (["carl@example.be", "olga@example.be"] if asked else ["olga@example.be"])
    assert len(s.emails(EmailKind.SERIES_EXPIRED)) == len(sent)
    owner = next(e for e in sent if e.to == "olga@example.be")
    assert owner.subject == "Aanvraag voor een wekelijkse reeks verlopen: hondenuitlaatbeurt"


@pytest.mark.parametrize(
    ("by", "told"),
    [
        (Canceller.OWNER, ["carl@example.be"]),
        (Canceller.CAREGIVER, ["olga@example.be"]),
        (Canceller.ADMIN, ["carl@example.be", "olga@example.be"]),
    ],
)
async def test_a_cancelled_series_tells_the_other_party(
    s: Series, by: Canceller, told: list[str]
) -> None:
    s.accepted()
    await s.publish(s.series, *s.occurrences)
    await s.deliver()
    now = s.clock.now()
    later = s.occurrences[2:]  # from Monday 6 April on
    refund = sum(b.cancel(by, now, quiet=True) for b in later)
    s.series.record_cancellation(now, by.value, date(2026, 4, 6), len(later), refund)
    await s.publish(s.series, *later)
    sent = await s.deliver()
    assert to(sent) == told
    for email in sent:
        if email.to == "carl@example.be":
            assert email.subject == "Weekly series cancelled from Monday, 6 April 2026: dog walk"
            assert "Dates cancelled: 2. Dates still planned: 2." in email.text
            assert "Refund to the owner: 0,00\u00a0€" in email.text  # nothing was charged yet
        else:
            assert "vanaf maandag 6 april 2026" in email.subject
            assert "Geannuleerd: 2 keer. Nog gepland: 2 keer." in email.text


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        (OffSessionOutcome.AUTHENTICATION_REQUIRED, "Je bank vraagt je om deze betaling"),
        (OffSessionOutcome.DECLINED, "Je kaart werd geweigerd: betaal met een andere kaart"),
    ],
)
async def test_an_occurrence_to_pay_asks_the_owner_by_when_and_where(
    s: Series, reason: OffSessionOutcome, words: str
) -> None:
    s.accepted()
    await s.publish(s.series, *s.occurrences)
    await s.deliver()
    walk = s.occurrences[1]  # Thursday 2 April, 08:15 (summer time by then)
    s.clock.advance(walk.start - timedelta(hours=48) - s.clock.now())
    walk.need_payment(s.clock.now(), reason.value)
    await s.publish(walk)
    [email] = await s.deliver()
    assert email.to == "olga@example.be"
    assert (
        email.subject
        == "Bevestig de betaling voor hondenuitlaatbeurt op donderdag 2 april 2026, 08:15"
    )
    assert words in email.text and "€\u00a020,00" in email.text and "Carl's care" in email.text
    assert "Betaal vóór woensdag 1 april 2026, 08:15." in email.text  # a day before
    assert f"{APP}/bookings/{walk.id}/pay" in email.text


async def test_a_lapsed_occurrence_tells_both_that_the_rest_stands(s: Series) -> None:
    s.accepted()
    await s.publish(s.series, *s.occurrences)
    await s.deliver()
    walk = s.occurrences[1]
    assert walk.pay_by is not None
    s.clock.advance(walk.pay_by - s.clock.now())
    walk.lapse(s.clock.now())
    await s.publish(walk)
    sent = await s.deliver()
    assert to(sent) == ["carl@example.be", "olga@example.be"]
    carl = next(e for e in sent if e.to == "carl@example.be")
    assert carl.subject == "Cancelled without charge: dog walk on Thursday, 2 April 2026, 08:15"
    assert "its payment was not confirmed in time" in carl.text
    assert "The rest of the weekly series stands" in carl.text
    assert f"{APP}/series/{s.series.id}" in carl.text


async def test_contact_details_in_names_stay_hidden_until_the_series_is_accepted(
    s: Series,
) -> None:
    s.owner.full_name = "Olga 0470 12 34 56"
    async with s.uow as uow:
        await uow.users.save(s.owner)
        await uow.commit()
    s.asked()
    await s.publish(s.series)
    [asked] = await s.deliver()
    assert "0470" not in asked.subject + asked.text and "[hidden]" in asked.text
    s.series.accept(s.clock.now(), len(s.occurrences))
    for booking in s.occurrences:
        booking.accept_occurrence(s.clock.now(), s.clock.now())
    s.series.record_cancellation(s.clock.now(), "owner", date(2026, 3, 30), 0, 0)
    await s.publish(s.series, *s.occurrences)
    sent = await s.deliver()
    cancelled = next(e for e in sent if e.to == "carl@example.be")
    assert "Olga 0470 12 34 56" in cancelled.text  # accepted: shared, as for its walks


async def test_a_series_gone_before_its_email_fails_that_email_only(s: Series) -> None:
    s.asked()
    await s.publish(s.series)
    [message_id] = await s.relay()
    del s.uow.store.series[s.series.id]
    assert await s.send(message_id) is False
    row = s.uow.outbox_rows[message_id]
    assert row.status is OutboxStatus.FAILED and "series is gone" in (row.last_error or "")
