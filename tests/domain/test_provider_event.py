"""A webhook body becomes an event or is refused as not one, whatever it holds."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tailtribe.domain.services.payments.handle_stripe_event import ProviderEvent

NOT_AN_EVENT = (ValueError, KeyError, TypeError)
DEEP = "[" * 20_000 + "]" * 20_000

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def event(**fields: Any) -> dict[str, Any]:
    return {
        "id": "evt_1",
        "type": "account.updated",
        "created": 1_700_000_000,
        "data": {"object": {"id": "acct_1"}},
        **fields,
    }


@given(
    st.sampled_from(["id", "type", "created", "data"]),
    values,
)
def test_any_field_value_makes_an_event_or_is_refused(field: str, value: Any) -> None:
    raw = json.dumps(event(**{field: value}))
    try:
        parsed = ProviderEvent.from_json(raw)
    except NOT_AN_EVENT:
        return
    assert parsed.raw == raw and parsed.created.tzinfo is UTC


@given(
    st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
)
def test_any_creation_time_makes_an_event_or_is_refused(created: Any) -> None:
    try:
        parsed = ProviderEvent.from_json(json.dumps(event(created=created)))
    except NOT_AN_EVENT:
        return
    assert parsed.created == datetime.fromtimestamp(int(created), UTC)


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps(event(created=1e20)),
        json.dumps(event(created=10**30)),
        json.dumps(event(created=-(10**30))),
        json.dumps(event(created=float("inf"))),
        json.dumps(event(created=253_402_300_800)),  # year 10000
        json.dumps(event(data="MARK")).replace('"MARK"', '{"object": ' + DEEP + "}"),
        DEEP,
    ],
    ids=["1e20", "huge", "huge negative", "infinity", "year 10000", "deep data", "deep"],
)
def test_what_no_datetime_or_decoder_can_hold_is_not_an_event(raw: str) -> None:
    with pytest.raises(NOT_AN_EVENT):
        ProviderEvent.from_json(raw)


def test_the_last_second_a_datetime_holds_is_still_an_event() -> None:
    parsed = ProviderEvent.from_json(json.dumps(event(created=253_402_300_799)))
    assert parsed.created == datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
