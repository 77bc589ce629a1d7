"""Calendar feeds (docs/calendar.md): which bookings a feed holds, its secret,
and what a booking's event says."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tailtribe.domain.model.bookings import BookingStatus
from tailtribe.domain.model.calendar import (
    FEED_STATUSES,
    PAST_WINDOW,
    in_feed,
    is_token_shaped,
    new_feed_token,
    token_hash,
)
from tailtribe.domain.model.masking import MASK
from tailtribe.domain.model.pricing import Service
from tailtribe.domain.model.users import Locale
from tailtribe.domain.ports.calendar import CalendarBooking, CalendarMeeting
from tailtribe.domain.services.calendar.feeds import TEXTS, FeedLinks, booking_event, meeting_event
from tests.domain.test_masking import CONTACT

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
LINKS = FeedLinks("https://app.tailtribe.test")
moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)


@given(st.sampled_from(BookingStatus), moments, moments)
def test_a_feed_holds_agreed_bookings_not_past_its_window(
    status: BookingStatus, end: datetime, now: datetime
) -> None:
    agreed = status in {"accepted", "in_progress", "completed", "disputed"}
    assert in_feed(status, end, now) == (agreed and end >= now - PAST_WINDOW)


def test_requested_declined_expired_and_cancelled_bookings_are_never_in_a_feed() -> None:
    never = {
        BookingStatus.REQUESTED,
        BookingStatus.DECLINED,
        BookingStatus.EXPIRED,
        BookingStatus.CANCELLED,
    }
    assert not never & FEED_STATUSES
    assert all(not in_feed(s, NOW + timedelta(days=3), NOW) for s in never)


def test_tokens_are_new_each_time_and_only_their_hash_is_kept() -> None:
    tokens = {new_feed_token() for _ in range(50)}
    assert len(tokens) == 50 and all(is_token_shaped(t) for t in tokens)
    hashes = {token_hash(t) for t in tokens}
    assert len(hashes) == 50 and not hashes & tokens
    assert all(len(h) == 64 for h in hashes)


@given(st.text(max_size=60))
def test_only_what_could_have_been_issued_is_looked_up(text: str) -> None:
    shaped = len(text) == 43 and all(c.isascii() and (c.isalnum() or c in "-_") for c in text)
    assert is_token_shaped(text) == shaped


def booking(**changes: object) -> CalendarBooking:
    fields: dict[str, object] = {
        "id": uuid.uuid4(),
        "service": Service.BOARDING,
        "start": NOW,
        "end": NOW + timedelta(days=2),
        "as_owner": True,
        "other_name": "Sofie's Dog Care",
        "pet_names": ("Rex", "Mia"),
        "caregiver_city": "Gent",
        "conversation_id": uuid.uuid4(),
        "captured_cents": 7000,
    }
    return CalendarBooking(**{**fields, **changes})  # type: ignore[arg-type]


def test_a_booking_event_names_the_service_the_other_party_and_the_pets() -> None:
    b = booking()
    event = booking_event(b, LINKS)
    assert event.key == str(b.id)
    assert event.summary == "Boarding · Sofie's Dog Care · Rex, Mia"
    assert event.url == f"{LINKS.app_url}/bookings/{b.id}"
    assert f"{LINKS.app_url}/conversations/{b.conversation_id}" in event.description
    assert "Caregiver: Sofie's Dog Care" in event.description
    assert event.location == "Gent"  # boarding is at the caregiver's
    walk = booking_event(booking(service=Service.DOG_WALKING, as_owner=False), LINKS)
    assert walk.location is None  # at the owner's home, whose address is not stored
    assert "Pet owner: Sofie's Dog Care" in walk.description


@given(CONTACT)
def test_names_written_before_contacts_were_refused_stay_masked_until_capture(
    contact: str,
) -> None:
    # The feed only holds accepted (captured) bookings; should one ever come
    # without capture, the names follow the booking's masking rule.
    event = booking_event(booking(other_name=f"Jan {contact}", captured_cents=0), LINKS)
    assert contact not in event.summary and contact not in event.description
    assert MASK in event.summary


def test_events_are_worded_in_the_users_language() -> None:
    b = booking(service=Service.DOG_WALKING, pet_names=("Rex",))
    french = booking_event(b, LINKS, TEXTS[Locale.FR])
    assert french.summary == "Promenade de chien · Sofie's Dog Care · Rex"
    assert french.description.splitlines()[:2] == [
        "Promenade de chien pour Rex",
        "Gardien\u00a0: Sofie's Dog Care",  # French puts a no-break space before a colon
    ]
    assert f"Réservation\u00a0: {LINKS.app_url}/bookings/{b.id}" in french.description
    dutch = booking_event(booking(as_owner=False, pet_names=()), LINKS, TEXTS[Locale.NL])
    assert dutch.summary == "Logeeropvang · Sofie's Dog Care"
    assert dutch.description.splitlines()[:2] == ["Logeeropvang", "Baasje: Sofie's Dog Care"]
    meeting = CalendarMeeting(uuid.uuid4(), NOW, NOW + timedelta(minutes=30), True, "Jan", None)
    assert meeting_event(meeting, LINKS, TEXTS[Locale.NL]).summary == "Kennismaking · Jan"
    assert meeting_event(meeting, LINKS, TEXTS[Locale.FR]).summary == "Rencontre · Jan"


def test_every_language_names_every_service() -> None:
    assert set(TEXTS) == set(Locale)
    for texts in TEXTS.values():
        assert set(texts.services) == set(Service)
        assert "{service}" in texts.for_pets and "{pets}" in texts.for_pets
    # Distinct words per language, so a missing translation cannot hide.
    for service in Service:
        assert len({texts.services[service] for texts in TEXTS.values()}) == 3
