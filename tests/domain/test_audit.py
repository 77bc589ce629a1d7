"""The audit trail's pure rules: entries' bounds, refusals' outcomes, cursors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tailtribe.domain.model.audit import (
    MAX_OUTCOME,
    REFUSED,
    AuditAction,
    AuditCursor,
    AuditEntry,
    AuditFilter,
    bounded,
    refused,
)

NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
aware = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))]),
)


def entry(**changes: object) -> AuditEntry:
    fields: dict[str, object] = {
        "id": uuid4(),
        "at": NOW,
        "actor_id": uuid4(),
        "action": AuditAction.APPROVE_CAREGIVER,
        "object_type": "caregiver",
        "object_id": "c1",
        "reason": "checked",
        "outcome": "approved",
    }
    return AuditEntry(**{**fields, **changes})  # type: ignore[arg-type]


def test_the_actions_others_rely_on() -> None:
    assert {a.value for a in AuditAction} == {
        "approve_caregiver",
        "reject_caregiver",
        "suspend_caregiver",
        "reinstate_caregiver",
        "refund_booking",
        "resolve_dispute",
        "retry_outbox",
        "retry_payment_event",
        "read_conversation",
        "erase_account",
        "export_account",
        "read_tax_details",
        "read_dac7_report",
        "read_vat_report",
        "read_documents_report",
        "read_documents",
    }


@pytest.mark.parametrize(
    "changes",
    [
        {"at": datetime(2026, 12, 4, 15, 0)},
        {"object_type": "pet"},
        {"object_id": ""},
        {"reason": ""},
        {"reason": "x" * 2001},
        {"outcome": ""},
    ],
)
def test_an_entry_refuses_what_the_trail_cannot_hold(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="audit"):
        entry(**changes)


def test_an_entry_of_the_command_line_has_no_actor() -> None:
    assert entry(actor_id=None, reason=None).actor_id is None
    assert entry(outcome=refused("caregiver in state 'draft' cannot approve")).refused
    assert not entry().refused


@given(st.text(max_size=3000))
def test_a_refusal_always_fits_and_says_so(detail: str) -> None:
    outcome = refused(detail)
    assert outcome.startswith(REFUSED) and len(outcome) <= MAX_OUTCOME
    if detail.strip() and len(detail.strip()) <= MAX_OUTCOME - len(REFUSED):
        assert outcome == REFUSED + detail.strip()


@given(st.text(max_size=100), st.integers(min_value=1, max_value=50))
def test_bounded_text_is_trimmed_within_its_limit_or_none(text: str, limit: int) -> None:
    got = bounded(text, limit)
    if not text.strip():
        assert got is None
    else:
        assert got is not None and 0 < len(got) <= limit
        assert got == text.strip() or got.endswith("…")


@given(aware, st.uuids())
def test_a_cursor_survives_its_text(at: datetime, id_: object) -> None:
    cursor = AuditCursor(at, id_)  # type: ignore[arg-type]
    again = AuditCursor.decode(cursor.encode())
    assert again == cursor and again.at.utcoffset() == at.utcoffset()


@pytest.mark.parametrize(
    "token",
    ["", "nope", "!!!", AuditCursor(NOW, uuid4()).encode()[:-3], "MjAyNi0xMi0wNFQxNTowMDowMHx4"],
)
def test_a_cursor_not_made_here_is_refused(token: str) -> None:
    with pytest.raises(ValueError, match="not a cursor"):
        AuditCursor.decode(token)


def test_a_naive_cursor_is_refused() -> None:
    naive = AuditCursor(datetime(2026, 12, 4), uuid4()).encode()
    with pytest.raises(ValueError, match="not a cursor"):
        AuditCursor.decode(naive)


@given(aware, aware, aware)
def test_the_period_is_half_open(at: datetime, since: datetime, until: datetime) -> None:
    e = entry(at=at)
    assert AuditFilter(since=since, until=until).matches(e) == (since <= at < until)
