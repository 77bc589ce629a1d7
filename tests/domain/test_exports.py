"""The data export's rules: one a day, a day's life once ready, an address
never past the file, and each party's share of the ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tailtribe.domain.errors import InvalidTransition
from tailtribe.domain.model.exports import (
    CAREGIVER_ACCOUNTS,
    EXPORT_INTERVAL,
    EXPORT_LIFETIME,
    OWNER_ACCOUNTS,
    DataExport,
    ExportStatus,
    next_export_at,
    visible_entries,
)
from tailtribe.domain.model.ledger import Account, LedgerEntry, Movement

T = datetime(2026, 12, 1, tzinfo=UTC)
instants = st.builds(lambda s: T + timedelta(seconds=s), st.integers(-(10**7), 10**7))
exports = st.builds(
    DataExport,
    id=st.uuids(),
    user_id=st.just(uuid4()),
    requested_at=instants,
    requested_by=st.none() | st.uuids(),
    status=st.sampled_from(ExportStatus),
)
entries = st.builds(
    LedgerEntry,
    id=st.uuids(),
    booking_id=st.just(uuid4()),
    movement=st.sampled_from(Movement),
    amount_cents=st.integers(1, 10**7),
    occurred_at=instants,
)


@given(st.lists(exports, max_size=6))
def test_the_next_export_is_a_day_after_the_users_last_that_did_not_fail(
    previous: list[DataExport],
) -> None:
    counted = [
        e for e in previous if e.requested_by is None and e.status is not ExportStatus.FAILED
    ]
    allowed = next_export_at(previous)
    if not counted:
        assert allowed is None
    else:
        assert allowed == max(e.requested_at for e in counted) + EXPORT_INTERVAL
        # No counted request lies within the day before the next allowed one ends.
        assert all(e.requested_at + EXPORT_INTERVAL <= allowed for e in counted)


@given(instants, st.integers(1, 10**9))
def test_ready_lives_a_day_and_expires_once(now: datetime, size: int) -> None:
    export = DataExport(uuid4(), uuid4(), now)
    export.mark_ready(now, size)
    assert export.expires_at == now + EXPORT_LIFETIME and export.size_bytes == size
    assert not export.expired_at(now + EXPORT_LIFETIME - timedelta(seconds=1))
    assert export.expired_at(now + EXPORT_LIFETIME)
    export.mark_expired()
    for change in (export.mark_expired, export.mark_failed, lambda: export.mark_ready(now, 1)):
        with pytest.raises(InvalidTransition):
            change()


@given(instants, st.integers(-3 * 86400, 3 * 86400), st.integers(0, 3600))
def test_an_address_never_outlives_the_file(ready: datetime, later: int, longest: int) -> None:
    export = DataExport(uuid4(), uuid4(), ready)
    now = ready + timedelta(seconds=later)
    assert export.link_seconds(now, longest) == 0  # nothing to download yet
    export.mark_ready(ready, 10)
    seconds = export.link_seconds(now, longest)
    assert 0 <= seconds <= longest
    assert export.expires_at is not None
    assert now + timedelta(seconds=seconds) <= max(now, export.expires_at)
    if now >= export.expires_at:
        assert seconds == 0


@given(st.lists(entries, max_size=12), st.booleans())
def test_each_party_sees_only_movements_of_its_own_money(
    booked: list[LedgerEntry], as_owner: bool
) -> None:
    mine = OWNER_ACCOUNTS if as_owner else CAREGIVER_ACCOUNTS
    seen = visible_entries(booked, as_owner=as_owner)
    assert seen == [e for e in booked if {e.source, e.destination} & mine]
    for entry in seen:
        assert Account.PLATFORM not in (entry.source, entry.destination)
        assert Account.STRIPE_FEES not in (entry.source, entry.destination)


def test_what_owner_and_caregiver_see() -> None:
    every = [LedgerEntry(uuid4(), uuid4(), m, 100, T) for m in Movement]

    def moves(as_owner: bool) -> set[Movement]:
        return {e.movement for e in visible_entries(every, as_owner=as_owner)}

    assert moves(True) == {
        Movement.AUTHORIZATION,
        Movement.AUTHORIZATION_RELEASE,
        Movement.CAPTURE,
        Movement.IMMEDIATE_CAPTURE,  # Bancontact: from the owner at once
        Movement.REFUND,
    }
    assert moves(False) == {Movement.TRANSFER, Movement.REVERSAL}
