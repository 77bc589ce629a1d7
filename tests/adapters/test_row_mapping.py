"""The generic row mapping: a booking written to its row and read back is the same booking."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, insert, select

from tailtribe.adapters.sqlalchemy.audit_repository import AUDIT_ROW
from tailtribe.adapters.sqlalchemy.booking_repository import BOOKING_ROW
from tailtribe.adapters.sqlalchemy.caregiver_repository import CAREGIVER_ROW, details_from_row
from tailtribe.adapters.sqlalchemy.conversation_repository import CONVERSATION_ROW, MESSAGE_ROW
from tailtribe.adapters.sqlalchemy.export_repository import EXPORT_ROW
from tailtribe.adapters.sqlalchemy.ledger_repository import LEDGER_ROW
from tailtribe.adapters.sqlalchemy.mapping import Codec, Embedded, RowMapper, joined_set
from tailtribe.adapters.sqlalchemy.meet_and_greet_repository import MEET_ROW
from tailtribe.adapters.sqlalchemy.outbox_repository import OUTBOX_ROW
from tailtribe.adapters.sqlalchemy.pet_repository import PET_ROW
from tailtribe.adapters.sqlalchemy.photo_repository import PHOTO_ROW
from tailtribe.adapters.sqlalchemy.review_repository import REVIEW_ROW
from tailtribe.adapters.sqlalchemy.second_factor_repository import SECOND_FACTOR_ROW
from tailtribe.adapters.sqlalchemy.security_event_repository import SECURITY_EVENT_ROW
from tailtribe.adapters.sqlalchemy.series_repository import SERIES_ROW
from tailtribe.adapters.sqlalchemy.tables import (
    AdminAuditRow,
    BookingRow,
    BookingSeriesRow,
    CaregiverRow,
    ConversationRow,
    DataExportRow,
    LedgerEntryRow,
    MeetAndGreetRow,
    MessageRow,
    OutboxRow,
    PetRow,
    PhotoRow,
    ReviewRow,
    SecondFactorRow,
    SecurityEventRow,
    TokenRow,
    UserRow,
    metadata,
)
from tailtribe.adapters.sqlalchemy.user_repository import TOKEN_ROW, USER_ROW
from tailtribe.domain.model.audit import OBJECT_TYPES, AuditAction, AuditEntry
from tailtribe.domain.model.availability import Availability
from tailtribe.domain.model.booking_dispute import BookingDispute
from tailtribe.domain.model.booking_payment import BookingPayment, PaymentStatus
from tailtribe.domain.model.booking_payout import BookingPayout, PayoutStatus
from tailtribe.domain.model.bookings import Booking, BookingStatus
from tailtribe.domain.model.cancellation import CancellationPolicy, Canceller
from tailtribe.domain.model.caregivers import Caregiver, CaregiverStatus, ProfileDetails
from tailtribe.domain.model.conversations import Conversation, Message, ReadState
from tailtribe.domain.model.exports import DataExport, ExportStatus
from tailtribe.domain.model.ledger import LedgerEntry, Movement
from tailtribe.domain.model.meet_and_greets import MeetAndGreet, MeetStatus
from tailtribe.domain.model.notifications import Party
from tailtribe.domain.model.outbox import OutboxMessage, OutboxStatus
from tailtribe.domain.model.pets import Pet, PetDetails, Species
from tailtribe.domain.model.photos import Photo, PhotoStatus, Subject
from tailtribe.domain.model.pricing import Quote, Service
from tailtribe.domain.model.reviews import Review
from tailtribe.domain.model.second_factor import SecondFactor
from tailtribe.domain.model.security import SecurityEvent, SecurityEventKind, SignInMethod
from tailtribe.domain.model.series import (
    MAX_WEEKS,
    BookingSeries,
    SeriesStatus,
    SetupStatus,
    WeeklyPattern,
)
from tailtribe.domain.model.tokens import OneTimeToken, TokenPurpose
from tailtribe.domain.model.users import Locale, Role, User

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
    series_id=st.uuids() | maybe(),
    pay_by=instants | maybe(),
)


def state(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


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


profiles = st.builds(
    ProfileDetails,
    display_name=st.text(min_size=1, max_size=30),
    bio=st.text(max_size=60),
    postcode=st.from_regex(r"\A[1-9][0-9]{3}\Z") | maybe(),
    city=st.text(max_size=30) | maybe(),
    latitude=st.floats(min_value=-90, max_value=90) | maybe(),
    longitude=st.floats(min_value=-180, max_value=180) | maybe(),
    service_radius_km=st.integers(min_value=1, max_value=100),
    accepted_species=st.frozensets(st.sampled_from(Species)),
    max_pets=st.integers(min_value=1, max_value=20),
    cancellation_policy=st.sampled_from(CancellationPolicy),
)
caregivers = st.builds(
    Caregiver,
    id=st.uuids(),
    user_id=st.uuids(),
    profile=profiles,
    status=st.sampled_from(CaregiverStatus),
    stripe_account_id=ids | maybe(),
    payouts_enabled=st.booleans(),
    created_at=instants,
    payouts_updated_at=instants | maybe(),
)
CAREGIVER_APART = ("services", "decisions", "availability")


@given(caregivers)
def test_a_caregiver_survives_its_row(caregiver: Caregiver) -> None:
    row = CAREGIVER_ROW.dump(caregiver, CaregiverRow())
    apart = {name: getattr(caregiver, name) for name in CAREGIVER_APART}
    assert state(CAREGIVER_ROW.load(row, **apart)) == state(caregiver)
    assert details_from_row(row) == caregiver.profile


@given(caregivers)
def test_the_caregiver_row_holds_plain_column_values(caregiver: Caregiver) -> None:
    row = CAREGIVER_ROW.dump(caregiver, CaregiverRow())
    p = caregiver.profile
    assert row.accepted_species == ",".join(sorted(s.value for s in p.accepted_species))
    assert row.cancellation_policy == p.cancellation_policy.value
    assert row.status == caregiver.status.value
    assert (row.display_name, row.service_radius_km, row.latitude) == (
        p.display_name,
        p.service_radius_km,
        p.latitude,
    )


def test_every_caregiver_column_is_mapped() -> None:
    own = {c.key for c in CaregiverRow.__table__.columns if c.key != "sa_orm_sentinel"}
    assert CAREGIVER_ROW.column_names == own


def test_a_caregiver_without_created_at_keeps_the_rows() -> None:
    stored = datetime(2024, 5, 1, tzinfo=UTC)
    caregiver = Caregiver(id=uuid4(), user_id=uuid4(), profile=ProfileDetails("Ann"))
    row = CAREGIVER_ROW.dump(caregiver, CaregiverRow(created_at=stored))
    assert row.created_at == stored


def test_the_profile_reads_from_a_core_row() -> None:
    # Queries that select columns (the search) get Core rows, not entities.
    caregiver = Caregiver(
        id=uuid4(),
        user_id=uuid4(),
        profile=ProfileDetails(
            "Ann",
            accepted_species=frozenset({Species.DOG, Species.CAT}),
            cancellation_policy=CancellationPolicy.STRICT,
        ),
        created_at=datetime(2024, 5, 1, tzinfo=UTC),
    )
    row = CAREGIVER_ROW.dump(caregiver, CaregiverRow())
    values = {c: getattr(row, c) for c in CAREGIVER_ROW.column_names}
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        metadata.tables[CaregiverRow.__tablename__].create(connection)
        connection.execute(insert(CaregiverRow).values(values))
        core = connection.execute(select(*CaregiverRow.__table__.columns)).one()
    assert details_from_row(core) == caregiver.profile
    loaded = CAREGIVER_ROW.load(core, services=(), decisions=[], availability=Availability())
    assert state(loaded) == state(caregiver)


def test_a_set_of_enum_members_is_one_sorted_text() -> None:
    codec = joined_set(Species)
    assert codec.dump(frozenset({Species.DOG, Species.CAT})) == "cat,dog"
    assert codec.load("cat,dog") == frozenset({Species.DOG, Species.CAT})
    assert codec.dump(frozenset()) == "" and codec.load("") == frozenset()


def test_keep_when_none_is_for_optional_fields_only() -> None:
    with pytest.raises(ValueError, match="keep_when_none"):
        RowMapper(Thing, keep_when_none=["name"])
    mapper = RowMapper(
        Thing, codecs={Cents: Codec(lambda c: c.amount, Cents)}, keep_when_none=["at"]
    )
    kept = datetime(2024, 1, 1, tzinfo=UTC)
    row = SimpleNamespace(at=kept)
    mapper.dump(Thing("x", Part(Colour.RED, ()), Cents(1), Decimal(1)), row)
    assert row.at == kept


texts = st.text(max_size=40)
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 1, 1))
read_states = st.builds(
    ReadState, read_seq=cents, notified_seq=cents, notified_at=instants | maybe()
)
json_values = st.none() | st.booleans() | st.integers() | texts
# Each aggregate kept whole in one row: its mapper, how to draw one, its row type.
AGGREGATES: dict[str, tuple[RowMapper[Any], st.SearchStrategy[Any], type[Any]]] = {
    "user": (
        USER_ROW,
        st.builds(
            User,
            id=st.uuids(),
            email=texts,
            full_name=texts,
            password_hash=texts | maybe(),
            locale=st.sampled_from(Locale),
            roles=st.frozensets(st.sampled_from(Role)),
            created_at=instants,
            email_verified=st.booleans(),
            token_version=cents,
        ),
        UserRow,
    ),
    "token": (
        TOKEN_ROW,
        st.builds(
            OneTimeToken,
            id=st.uuids(),
            user_id=st.uuids(),
            purpose=st.sampled_from(TokenPurpose),
            digest=ids,
            created_at=instants,
            expires_at=instants,
            used_at=instants | maybe(),
        ),
        TokenRow,
    ),
    "pet": (
        PET_ROW,
        st.builds(
            Pet,
            id=st.uuids(),
            owner_id=st.uuids(),
            details=st.builds(
                PetDetails,
                name=texts,
                species=st.sampled_from(Species),
                breed=texts | maybe(),
                birth_date=days | maybe(),
                weight_kg=st.floats(min_value=0, max_value=200) | maybe(),
                notes=texts | maybe(),
            ),
            created_at=instants,
            deleted_at=instants | maybe(),
        ),
        PetRow,
    ),
    "conversation": (
        CONVERSATION_ROW,
        st.builds(
            Conversation,
            id=st.uuids(),
            owner_id=st.uuids(),
            caregiver_id=st.uuids(),
            caregiver_user_id=st.uuids(),
            created_at=instants,
            last_seq=cents,
            last_message_at=instants | maybe(),
            contacts_shared_at=instants | maybe(),
            owner_side=read_states,
            caregiver_side=read_states,
        ),
        ConversationRow,
    ),
    "message": (
        MESSAGE_ROW,
        st.builds(
            Message,
            id=st.uuids(),
            conversation_id=st.uuids(),
            seq=cents,
            sender_id=st.uuids(),
            body=texts,
            photo_ids=st.lists(st.uuids(), max_size=4).map(tuple),
            created_at=instants,
        ),
        MessageRow,
    ),
    "review": (
        REVIEW_ROW,
        st.builds(
            Review,
            id=st.uuids(),
            booking_id=st.uuids(),
            caregiver_id=st.uuids(),
            owner_id=st.uuids(),
            rating=st.integers(min_value=1, max_value=5),
            comment=texts,
            created_at=instants,
            reply=texts | maybe(),
            replied_at=instants | maybe(),
        ),
        ReviewRow,
    ),
    "photo": (
        PHOTO_ROW,
        st.builds(
            Photo,
            id=st.uuids(),
            owner_id=st.uuids(),
            subject=st.sampled_from(Subject),
            subject_id=st.uuids(),
            created_at=instants,
            status=st.sampled_from(PhotoStatus),
            reason=texts | maybe(),
        ),
        PhotoRow,
    ),
    "outbox": (
        OUTBOX_ROW,
        st.builds(
            OutboxMessage,
            id=st.uuids(),
            topic=ids,
            payload=st.dictionaries(texts, json_values, max_size=4),
            created_at=instants,
            available_at=instants,
            status=st.sampled_from(OutboxStatus),
            attempts=cents,
            last_error=texts | maybe(),
            sent_at=instants | maybe(),
        ),
        OutboxRow,
    ),
    "ledger entry": (
        LEDGER_ROW,
        st.builds(
            LedgerEntry,
            id=st.uuids(),
            booking_id=st.uuids(),
            movement=st.sampled_from(Movement),
            amount_cents=st.integers(min_value=1, max_value=10**9),
            occurred_at=instants,
            reference=ids | maybe(),
        ),
        LedgerEntryRow,
    ),
    "security event": (
        SECURITY_EVENT_ROW,
        st.builds(
            SecurityEvent,
            id=st.uuids(),
            user_id=st.uuids(),
            kind=st.sampled_from(SecurityEventKind),
            method=st.sampled_from(SignInMethod) | maybe(),
            client=ids,
            at=instants,
        ),
        SecurityEventRow,
    ),
    "audit entry": (
        AUDIT_ROW,
        st.builds(
            AuditEntry,
            id=st.uuids(),
            at=instants,
            actor_id=st.uuids() | maybe(),
            action=st.sampled_from(AuditAction),
            object_type=st.sampled_from(sorted(OBJECT_TYPES)),
            object_id=ids,
            reason=st.text(min_size=1, max_size=40) | maybe(),
            outcome=st.text(min_size=1, max_size=40),
        ),
        AdminAuditRow,
    ),
}
AGGREGATES["data export"] = (
    EXPORT_ROW,
    st.builds(
        DataExport,
        id=st.uuids(),
        user_id=st.uuids(),
        requested_at=instants,
        requested_by=st.uuids() | maybe(),
        status=st.sampled_from(ExportStatus),
        ready_at=instants | maybe(),
        expires_at=instants | maybe(),
        size_bytes=cents | maybe(),
    ),
    DataExportRow,
)
AGGREGATES["meet-and-greet"] = (
    MEET_ROW,
    st.builds(
        MeetAndGreet,
        id=st.uuids(),
        owner_id=st.uuids(),
        caregiver_id=st.uuids(),
        start=instants,
        end=instants,
        created_at=instants,
        message=texts | maybe(),
        status=st.sampled_from(MeetStatus),
        conversation_id=st.uuids() | maybe(),
        decided_at=instants | maybe(),
        cancelled_by=st.sampled_from([Party.OWNER, Party.CAREGIVER]) | maybe(),
        reminder_sent_at=instants | maybe(),
    ),
    MeetAndGreetRow,
)


@st.composite
def weekly_patterns(draw: st.DrawFn) -> WeeklyPattern:
    weekdays = tuple(draw(st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True)))
    first = draw(st.dates(date(2000, 1, 1), date(2199, 1, 1)))
    counted = draw(st.booleans())
    return WeeklyPattern(
        weekdays=weekdays,
        start_time=draw(st.times().map(lambda t: t.replace(second=0, microsecond=0))),
        duration_minutes=draw(st.integers(min_value=1, max_value=24 * 60)),
        first_date=first,
        count=draw(st.integers(1, MAX_WEEKS * len(weekdays))) if counted else None,
        until=None if counted else first + timedelta(days=draw(st.integers(0, MAX_WEEKS * 7 - 1))),
    )


AGGREGATES["booking series"] = (
    SERIES_ROW,
    st.builds(
        BookingSeries,
        id=st.uuids(),
        owner_id=st.uuids(),
        caregiver_id=st.uuids(),
        service=st.sampled_from(Service),
        pet_ids=st.lists(st.uuids(), min_size=1, max_size=4, unique=True).map(tuple),
        pattern=weekly_patterns(),
        first_start=instants,
        created_at=instants,
        message=texts | maybe(),
        status=st.sampled_from(SeriesStatus),
        customer_id=ids | maybe(),
        setup_intent_id=ids | maybe(),
        setup_client_secret=ids | maybe(),
        setup_status=st.sampled_from(SetupStatus),
        payment_method_id=ids | maybe(),
        decided_at=instants | maybe(),
        conversation_id=st.uuids() | maybe(),
    ),
    BookingSeriesRow,
)
AGGREGATES["second factor"] = (
    SECOND_FACTOR_ROW,
    st.builds(
        SecondFactor,
        user_id=st.uuids(),
        sealed_secret=ids,
        created_at=instants,
        enrolled_at=instants | maybe(),
        last_step=st.integers(0, 2**40) | maybe(),
        recovery_digests=st.lists(
            st.text(alphabet="0123456789abcdef", min_size=64, max_size=64), max_size=10
        ).map(tuple),
    ),
    SecondFactorRow,
)
# Columns no mapper writes, and why.
UNMAPPED = {UserRow: {"row_version"}}  # SQLAlchemy's optimistic locking counter


@pytest.mark.parametrize("name", sorted(AGGREGATES))
@settings(max_examples=50)
@given(data=st.data())
def test_an_aggregate_survives_its_row(name: str, data: st.DataObject) -> None:
    mapper, objects, row_type = AGGREGATES[name]
    obj = data.draw(objects)
    row = mapper.dump(obj, row_type())
    loaded = mapper.load(row)
    assert state(loaded) == state(obj)


@pytest.mark.parametrize("name", sorted(AGGREGATES))
def test_every_column_of_an_aggregate_is_mapped(name: str) -> None:
    mapper, _, row_type = AGGREGATES[name]
    own = {c.key for c in row_type.__table__.columns if c.key != "sa_orm_sentinel"}
    assert mapper.column_names == own - UNMAPPED.get(row_type, set())


@given(AGGREGATES["user"][1])
def test_roles_are_one_sorted_text(user: User) -> None:
    row = USER_ROW.dump(user, UserRow())
    assert row.roles == ",".join(sorted(r.value for r in user.roles))
    assert row.locale == user.locale.value


@given(AGGREGATES["message"][1])
def test_message_photo_ids_are_json_strings(message: Message) -> None:
    row = MESSAGE_ROW.dump(message, MessageRow())
    assert row.photo_ids == [str(p) for p in message.photo_ids]


@given(AGGREGATES["conversation"][1])
def test_each_side_has_its_columns(conversation: Conversation) -> None:
    row = CONVERSATION_ROW.dump(conversation, ConversationRow())
    owner, caregiver = conversation.owner_side, conversation.caregiver_side
    assert (row.owner_read_seq, row.owner_notified_seq, row.owner_notified_at) == (
        owner.read_seq,
        owner.notified_seq,
        owner.notified_at,
    )
    assert (row.caregiver_read_seq, row.caregiver_notified_at) == (
        caregiver.read_seq,
        caregiver.notified_at,
    )


def test_a_series_pattern_is_plain_columns() -> None:
    pattern = WeeklyPattern((4, 0), time(18, 45), 90, date(2027, 3, 8), 3)
    series = BookingSeries(
        id=uuid4(),
        owner_id=uuid4(),
        caregiver_id=uuid4(),
        service=Service.DROP_IN,
        pet_ids=(uuid4(),),
        pattern=pattern,
        first_start=datetime(2027, 3, 8, 17, 45, tzinfo=UTC),
        created_at=datetime(2027, 3, 1, tzinfo=UTC),
    )
    row = SERIES_ROW.dump(series, BookingSeriesRow())
    assert (row.weekdays, row.start_minute, row.duration_minutes) == ("4,0", 18 * 60 + 45, 90)
    assert (row.first_date, row.count, row.until) == (date(2027, 3, 8), 3, None)
    assert row.pet_ids == [str(series.pet_ids[0])]
    assert (row.status, row.setup_status) == ("requested", "pending")


@given(AGGREGATES["ledger entry"][1])
def test_a_ledger_entry_stores_its_accounts(entry: LedgerEntry) -> None:
    row = LEDGER_ROW.dump(entry, LedgerEntryRow())
    assert (row.movement, row.source, row.destination) == (
        entry.movement.value,
        entry.source.value,
        entry.destination.value,
    )
