"""Erasure rules (docs/privacy.md): which bookings hold an erasure back, and
what an erased account still says about the person."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from tailtribe.domain.model.booking_payout import PayoutStatus
from tailtribe.domain.model.bookings import BookingStatus
from tailtribe.domain.model.privacy import BookingState, ErasureBlocker, ErasureRefused, blockers
from tailtribe.domain.model.users import ERASED_NAME, User, normalize_email
from tests.factories import user

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
states = st.builds(BookingState, st.sampled_from(BookingStatus), st.sampled_from(PayoutStatus))
OPEN = {BookingStatus.REQUESTED, BookingStatus.ACCEPTED, BookingStatus.IN_PROGRESS}


@given(st.lists(states, max_size=12), st.booleans())
def test_each_reason_is_named_once_exactly_when_a_booking_gives_it(
    bookings: list[BookingState], meeting: bool
) -> None:
    reasons = blockers(bookings, meeting)
    assert len(set(reasons)) == len(reasons)
    assert list(reasons) == sorted(reasons, key=list(ErasureBlocker).index)
    expected = {
        ErasureBlocker.BOOKING_IN_PROGRESS: any(b.status in OPEN for b in bookings),
        ErasureBlocker.DISPUTE_OPEN: any(b.status is BookingStatus.DISPUTED for b in bookings),
        ErasureBlocker.PAYOUT_PENDING: any(
            b.payout in (PayoutStatus.SCHEDULED, PayoutStatus.HELD, PayoutStatus.WITHHELD)
            for b in bookings
        ),
        ErasureBlocker.MEET_AND_GREET_OPEN: meeting,
    }
    assert set(reasons) == {r for r, holds in expected.items() if holds}


@given(st.lists(states, max_size=6), st.lists(states, max_size=6))
def test_more_bookings_never_clear_a_reason(
    first: list[BookingState], more: list[BookingState]
) -> None:
    assert set(blockers(first)) <= set(blockers(first + more))


def test_finished_and_paid_out_bookings_block_nothing() -> None:
    done = [
        BookingState(BookingStatus.COMPLETED, PayoutStatus.PAID),
        BookingState(BookingStatus.CANCELLED, PayoutStatus.NONE),
        BookingState(BookingStatus.DECLINED, PayoutStatus.NONE),
        BookingState(BookingStatus.EXPIRED, PayoutStatus.NONE),
        BookingState(BookingStatus.COMPLETED, PayoutStatus.REVERSED),
    ]
    assert blockers(done) == ()
    refused = ErasureRefused(blockers([BookingState(BookingStatus.DISPUTED, PayoutStatus.HELD)]))
    assert refused.reasons == (ErasureBlocker.PAYOUT_PENDING, ErasureBlocker.DISPUTE_OPEN)
    assert "dispute" in refused.detail and "payout" in refused.detail


names = st.text(alphabet=st.characters(categories=["L"]), min_size=2, max_size=30).filter(
    lambda n: n.strip() == n
)


@given(names, st.integers(min_value=0, max_value=50))
def test_an_erased_account_keeps_nothing_of_the_person(name: str, version: int) -> None:
    person: User = user(name, NOW)
    person.token_version = version
    before = (person.email, person.full_name)
    person.erase(NOW)
    assert person.erased and person.erased_at == NOW
    assert person.email == f"erased-{person.id}@erased.invalid"
    assert normalize_email(person.email) == person.email  # a valid, unique address
    assert person.full_name == ERASED_NAME and person.password_hash is None
    assert not person.email_verified and person.token_version == version + 1
    assert before[0] not in person.email and before[1] not in (person.email, person.full_name)


def test_erased_addresses_differ_per_account() -> None:
    a, b = user("An", NOW), user("Bo", NOW)
    a.erase(NOW)
    b.erase(NOW)
    assert a.email != b.email
