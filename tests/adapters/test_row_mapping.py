"""The generic row mapping: a booking written to its row and read back is the same booking."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tailtribe.adapters.sqlalchemy.booking_repository import BOOKING_ROW
from tailtribe.adapters.sqlalchemy.mapping import Codec, Embedded, RowMapper
from tailtribe.adapters.sqlalchemy.tables import BookingRow
from tailtribe.domain.model.bookings import (
    Booking,
    BookingDispute,
    BookingPayment,
    BookingPayout,
    BookingStatus,
    PaymentStatus,
    PayoutStatus,
)
from tailtribe.domain.model.cancellation import CancellationPolicy, Canceller
from tailtribe.domain.model.pricing import Quote, Service

instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)
cents = st.integers(min_value=0, max_value=10**9)
ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=40)
maybe = st.none

payments = st.builds(
    BookingPayment,
    status=st.sampled_from(PaymentStatus),
    intent_id=ids | maybe(),
    client_secret=ids | maybe(),
    captured_cents=cents,
    refunded_cents=cents,
    charge_id=ids | maybe(),
    stripe_fee_cents=cents,
)
payouts = st.builds(
    BookingPayout,
    status=st.sampled_from(PayoutStatus),
    paid_out_cents=cents,
    reversed_cents=cents,
    transfer_id=ids | maybe(),
    attempts=st.integers(min_value=0, max_value=10),
    retry_at=instants | maybe(),
)
bookings = st.builds(
    Booking,
    id=st.uuids(),
    owner_id=st.uuids(),
    caregiver_id=st.uuids(),
    service=st.sampled_from(Service),
    pet_ids=st.lists(st.uuids(), min_size=1, max_size=4, unique=True).map(tuple),
    start=instants,
    end=instants,
    price=st.builds(Quote, cents, cents, cents, cents),
    commission_percent=st.decimals(min_value=0, max_value=100, places=2),
    cancellation_policy=st.sampled_from(CancellationPolicy),
    created_at=instants,
    message=st.text(max_size=50) | maybe(),
    status=st.sampled_from(BookingStatus),
    payment=payments,
    payout=payouts,
    dispute=st.builds(BookingDispute, deadline=instants | maybe()),
    completed_at=instants | maybe(),
    cancelled_by=st.sampled_from(Canceller) | maybe(),
    reason=st.text(max_size=50) | maybe(),
    reminder_sent_at=instants | maybe(),
    conversation_id=st.uuids() | maybe(),
)


def state(b: Booking) -> dict[str, Any]:
    return {f.name: getattr(b, f.name) for f in dataclasses.fields(b)}


@given(bookings)
def test_a_booking_survives_its_row(booking: Booking) -> None:
    row = BOOKING_ROW.dump(booking, BookingRow())
    assert state(BOOKING_ROW.load(row, pet_ids=booking.pet_ids)) == state(booking)


@given(bookings)
def test_the_row_holds_plain_column_values(booking: Booking) -> None:
    row = BOOKING_ROW.dump(booking, BookingRow())
    assert row.payment_status == booking.payment.status.value
    assert type(row.payment_status) is str and type(row.service) is str
    assert (row.payout_attempts, row.payout_retry_at) == (
        booking.payout.attempts,
        booking.payout.retry_at,
    )
    assert row.dispute_deadline == booking.dispute.deadline
    assert (row.start_at, row.end_at, row.pets) == (
        booking.start,
        booking.end,
        len(booking.pet_ids),
    )
    assert row.response_deadline == booking.response_deadline
    assert row.total_cents == booking.price.total_cents


def test_every_booking_column_is_mapped() -> None:
    # A column the mapper does not write would silently keep its default.
    own = {c.key for c in BookingRow.__table__.columns if c.key != "sa_orm_sentinel"}
    assert BOOKING_ROW.column_names == own


class Colour(enum.Enum):
    RED = 1


@dataclass(frozen=True)
class Cents:
    amount: int


@dataclass
class Part:
    colour: Colour
    tags: tuple[str, ...]


@dataclass
class Thing:
    name: str
    part: Part
    price: Cents
    ratio: Decimal
    at: datetime | None = None


def test_codecs_prefixes_and_name_tables() -> None:
    mapper = RowMapper(
        Thing,
        columns={"name": "title"},
        embedded={"part": Embedded(prefix="part_", names={"tags": "labels"})},
        codecs={Cents: Codec(lambda c: c.amount, Cents)},
    )
    thing = Thing("x", Part(Colour.RED, ("a", "b")), Cents(5), Decimal("1.50"))
    row = mapper.dump(thing, SimpleNamespace())
    assert vars(row) == {
        "title": "x",
        "part_colour": 1,
        "labels": ["a", "b"],
        "price": 5,
        "ratio": Decimal("1.50"),
        "at": None,
    }
    row.ratio = 1.5  # a driver that gives floats back
    assert mapper.load(row) == dataclasses.replace(thing, ratio=Decimal("1.5"))


def test_a_type_without_codec_is_refused_when_declared() -> None:
    @dataclass
    class Odd:
        when: timedelta

    with pytest.raises(TypeError, match="no codec"):
        RowMapper(Odd)


def test_a_required_column_left_null_is_an_error() -> None:
    mapper = RowMapper(Cents)
    with pytest.raises(ValueError, match="NULL"):
        mapper.load(SimpleNamespace(amount=None))
