"""Business metrics on PostgreSQL and SQLite against figures computed here,
from a known history that spans the change to summer time."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from tailtribe.adapters.sqlalchemy.metrics_store import SqlMetricsStore
from tailtribe.adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from tailtribe.domain.model.booking_payment import BookingPayment, PaymentStatus
from tailtribe.domain.model.booking_payout import BookingPayout, PayoutStatus
from tailtribe.domain.model.bookings import Booking, BookingStatus
from tailtribe.domain.model.cancellation import CancellationPolicy, settle
from tailtribe.domain.model.caregivers import Caregiver, Decision, DecisionKind, ProfileDetails
from tailtribe.domain.model.money import CommissionRate, split
from tailtribe.domain.model.outbox import OutboxMessage
from tailtribe.domain.model.pets import Pet, PetDetails, Species
from tailtribe.domain.model.pricing import Quote, Service
from tailtribe.domain.model.reviews import Review
from tailtribe.domain.model.users import Locale, Role, User
from tailtribe.domain.services.admin.metrics import BusinessMetrics, Report
from tests.conftest import SQL_BACKENDS, empty_database, sql_url
from tests.fakes.clock import FixedClock

BRUSSELS = ZoneInfo("Europe/Brussels")
FIRST, LAST = date(2027, 3, 22), date(2027, 4, 4)  # summer time starts on 28 March
START = datetime(2027, 3, 21, 23, 0, tzinfo=UTC)  # 22 March, 00:00 in Brussels
END = datetime(2027, 4, 4, 22, 0, tzinfo=UTC)  # 5 April, 00:00 in Brussels


def moment(rng: random.Random) -> datetime:
    """Anywhere from a week before the range to a week after; midnights often."""
    if rng.random() < 0.25:  # just around a Brussels midnight, either side
        day = FIRST + timedelta(days=rng.randint(-1, 15))
        local = datetime(day.year, day.month, day.day, tzinfo=BRUSSELS)
        return local.astimezone(UTC) + timedelta(minutes=rng.choice([-1, 0, 1, 59, 61]))
    return START - timedelta(days=7) + timedelta(seconds=rng.randint(0, 29 * 86400))


History = dict[str, list[Any]]


async def seed(url: str) -> tuple[Any, History]:
    rng = random.Random(5)
    config = await empty_database(url)
    h: History = {"users": [], "caregivers": [], "bookings": [], "reviews": [], "events": []}
    async with SqlUnitOfWork(config.create_session_maker()) as uow:
        admin = User.register(
            id=uuid4(),
            email="admin@x.be",
            full_name="A",
            password_hash="h",
            locale=Locale.NL,
            now=START - timedelta(days=30),
        )
        admin.roles = frozenset({Role.ADMIN})
        await uow.users.add(admin)
        for i in range(80):
            user = User.register(
                id=uuid4(),
                email=f"u{i}@x.be",
                full_name=f"U{i}",
                password_hash="h",
                locale=Locale.NL,
                now=moment(rng),
            )
            await uow.users.add(user)
            h["users"].append(user)
        staff = User.register(
            id=uuid4(),
            email="staff@x.be",
            full_name="S",
            password_hash="h",
            locale=Locale.NL,
            now=START + timedelta(days=2),
        )
        staff.roles = frozenset({Role.ADMIN})  # not an owner: not a registration
        await uow.users.add(staff)
        owners = h["users"][:60]
        h["users"].append(staff)
        pets = {}
        for owner in owners:
            pets[owner.id] = Pet(
                uuid4(), owner.id, PetDetails("Rex", Species.DOG), owner.created_at
            )
            await uow.pets.add(pets[owner.id])
        for user in h["users"][60:]:
            decided = moment(rng)
            kind = rng.choice(
                [DecisionKind.APPROVE, DecisionKind.APPROVE, DecisionKind.REJECT, None]
            )
            caregiver = Caregiver(
                id=uuid4(),
                user_id=user.id,
                profile=ProfileDetails(display_name=user.full_name),
                created_at=moment(rng),
                decisions=[] if kind is None else [Decision(kind, admin.id, decided, "r")],
            )
            await uow.caregivers.add(caregiver)
            h["caregivers"].append(caregiver)
        statuses = list(BookingStatus)
        for n in range(300):
            owner = rng.choice(owners)
            status = rng.choice(statuses)
            total = rng.randrange(1000, 20000, 50)
            percent = rng.choice([Decimal(20), Decimal("17.5")])
            rate = CommissionRate(percent)
            commission = split(total, rate).commission_cents
            charged = status in (
                BookingStatus.ACCEPTED,
                BookingStatus.IN_PROGRESS,
                BookingStatus.COMPLETED,
            ) or (status is BookingStatus.CANCELLED and rng.random() < 0.5)
            captured = total if charged else 0
            # Paid out as the domain does: the caregiver's share; a later refund
            # (an admin's, a dispute's) takes back what no longer is theirs.
            paid = (
                split(captured, rate).payout_cents
                if status is BookingStatus.COMPLETED and rng.random() < 0.7
                else 0
            )
            refunded = 0
            if status is BookingStatus.CANCELLED or (
                status is BookingStatus.COMPLETED and rng.random() < 0.3
            ):
                refunded = rng.choice([0, captured // 3, captured // 2, captured])
            reversed_ = settle(captured, refunded, paid, rate).reversal_cents
            paid -= reversed_
            # Each owner's first booking comes after they registered.
            created = owner.created_at + timedelta(seconds=rng.randint(60, 20 * 86400))
            start = datetime(2027, 6, 1, tzinfo=UTC) + timedelta(hours=n)
            booking = Booking(
                id=uuid4(),
                owner_id=owner.id,
                caregiver_id=rng.choice(h["caregivers"]).id,
                service=Service.DOG_WALKING,
                pet_ids=(pets[owner.id].id,),
                start=start,
                end=start + timedelta(minutes=30),
                price=Quote(1, total, commission, total - commission),
                commission_percent=percent,
                cancellation_policy=CancellationPolicy.FLEXIBLE,
                created_at=created,
                status=status,
                payment=BookingPayment(
                    status=PaymentStatus.CAPTURED if captured else PaymentStatus.PENDING,
                    captured_cents=captured,
                    refunded_cents=refunded,
                ),
                payout=BookingPayout(
                    status=PayoutStatus.PAID if paid else PayoutStatus.NONE,
                    paid_out_cents=paid,
                    reversed_cents=reversed_,
                ),
            )
            await uow.bookings.add(booking)
            h["bookings"].append(booking)
            if status is BookingStatus.COMPLETED and rng.random() < 0.6:
                review = Review(
                    id=uuid4(),
                    booking_id=booking.id,
                    caregiver_id=booking.caregiver_id,
                    owner_id=owner.id,
                    rating=rng.randint(1, 5),
                    comment="",
                    created_at=moment(rng),
                )
                await uow.reviews.add(review)
                h["reviews"].append(review)
            if rng.random() < 0.5:
                topic = rng.choice(
                    [
                        "event.PaymentAuthorized",
                        "event.PaymentAuthorized",
                        "event.PaymentFailed",
                        "event.OccurrencePaymentAuthorized",  # a series, charged off-session
                        "event.OccurrencePaymentNeeded",  # its off-session charge refused
                    ]
                )
                at = moment(rng)
                event = OutboxMessage(uuid4(), topic, {"booking_id": str(booking.id)}, at, at)
                await uow.outbox.add(event)
                h["events"].append(event)
        await uow.commit()
    return config, h


def expected(h: History) -> dict[str, Any]:
    """Every figure again, the slow and obvious way."""

    def within(t: datetime) -> bool:
        return START <= t < END

    cohort = [b for b in h["bookings"] if within(b.created_at)]
    settled = [b for b in cohort if b.status in (BookingStatus.COMPLETED, BookingStatus.CANCELLED)]
    accepted = [b for b in cohort if b.payment.captured_cents > 0]
    completed = [b for b in cohort if b.status is BookingStatus.COMPLETED]
    decisions = [d for c in h["caregivers"] for d in c.decisions if within(d.at)]
    approvals = sum(d.kind is DecisionKind.APPROVE for d in decisions)
    rejections = sum(d.kind is DecisionKind.REJECT for d in decisions)
    firsts: dict[Any, datetime] = {}
    for b in h["bookings"]:
        firsts[b.owner_id] = min(firsts.get(b.owner_id, b.created_at), b.created_at)
    registered = {u.id: u.created_at for u in h["users"]}
    waits = [(f - registered[o]).total_seconds() for o, f in firsts.items() if within(f)]
    reviews = [r.rating for r in h["reviews"] if within(r.created_at)]
    events = [e.topic for e in h["events"] if within(e.created_at)]
    failed, authorized = (
        events.count("event.PaymentFailed") + events.count("event.OccurrencePaymentNeeded"),
        events.count("event.PaymentAuthorized") + events.count("event.OccurrencePaymentAuthorized"),
    )
    gbv = sum(b.payment.captured_cents for b in cohort)

    def day(t: datetime) -> date:
        return t.astimezone(BRUSSELS).date()

    daily = {}
    for i in range((LAST - FIRST).days + 1):
        d = FIRST + timedelta(days=i)
        made = [b for b in cohort if day(b.created_at) == d]
        daily[d] = (
            sum(
                day(u.created_at) == d and within(u.created_at) and Role.OWNER in u.roles
                for u in h["users"]
            ),
            len(made),
            sum(b.payment.captured_cents for b in made),
            sum(b in accepted for b in made),
            sum(b in completed for b in made),
            sum(b.status is BookingStatus.CANCELLED for b in made),
            sum(b.settlement.commission_cents for b in made if b in settled),
        )
    return {
        "owners": sum(within(u.created_at) and Role.OWNER in u.roles for u in h["users"]),
        "caregivers": sum(within(c.created_at) for c in h["caregivers"]),
        "approval_rate": round(approvals / (approvals + rejections), 4),
        "created": len(cohort),
        "accepted": len(accepted),
        "completed": len(completed),
        "cancelled": sum(b.status is BookingStatus.CANCELLED for b in cohort),
        "conversion": round(len(accepted) / len(cohort), 4),
        "gbv": gbv,
        "commission": sum(b.settlement.commission_cents for b in settled),
        "payouts": sum(b.payout.paid_out_cents for b in cohort),
        "refunds": sum(b.payment.refunded_cents for b in cohort),
        "average_value": round(gbv / len(accepted)),
        "median_hours": round(round(statistics.median(waits), 1) / 3600, 2),
        "rating": round(statistics.mean(reviews), 2),
        "reviews": len(reviews),
        "failure_rate": round(failed / (failed + authorized), 4),
        "daily": daily,
    }


def actual(r: Report) -> dict[str, Any]:
    t = r.totals
    return {
        "owners": t.owners,
        "caregivers": t.caregivers,
        "approval_rate": r.approval_rate,
        "created": t.bookings_created,
        "accepted": t.bookings_accepted,
        "completed": t.bookings_completed,
        "cancelled": t.bookings_cancelled,
        "conversion": r.conversion,
        "gbv": t.gross_booking_value_cents,
        "commission": t.commission_earned_cents,
        "payouts": t.payouts_sent_cents,
        "refunds": t.refunds_cents,
        "average_value": r.average_booking_value_cents,
        "median_hours": r.median_hours_to_first_booking,
        "rating": t.average_rating,
        "reviews": t.reviews,
        "failure_rate": r.payment_failure_rate,
        "daily": {
            d.day: (
                d.registrations,
                d.bookings_created,
                d.gross_booking_value_cents,
                d.bookings_accepted,
                d.bookings_completed,
                d.bookings_cancelled,
                d.commission_earned_cents,
            )
            for d in r.daily
        },
    }


@pytest.mark.parametrize("backend", SQL_BACKENDS)
async def test_every_figure_matches_an_independent_computation(
    request: pytest.FixtureRequest, backend: str
) -> None:
    config, history = await seed(sql_url(request, backend))
    try:
        async with config.create_session_maker()() as session:
            metrics = BusinessMetrics(SqlMetricsStore(session), FixedClock(END))
            report = await metrics(FIRST, LAST)
        want = expected(history)
        assert actual(report) == want
        # The history is rich enough for every figure to mean something.
        assert want["created"] > 50 and 0 < want["conversion"] < 1 and want["refunds"] > 0
        assert any(
            b.payout.reversed_cents for b in history["bookings"] if START <= b.created_at < END
        )
        assert want["reviews"] > 3 and 0 < want["failure_rate"] < 1
        assert sum(v[0] for v in want["daily"].values()) > 20
        assert want["daily"][date(2027, 3, 28)][:3] != (0, 0, 0)  # the 23-hour day
    finally:
        await config.get_engine().dispose()
