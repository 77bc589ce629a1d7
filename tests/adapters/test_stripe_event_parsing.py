"""A Stripe webhook body becomes an event or is refused as not one, whatever it holds."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tailtribe.adapters.stripe.events import (
    READERS,
    StripeEvent,
    StripeEventDecoder,
    decode,
    encode,
)
from tailtribe.domain.model.booking_payment import PaymentMethod
from tailtribe.domain.model.payment_events import (
    AccountUpdated,
    DisputeOpened,
    PaymentAuthorized,
    PaymentCanceled,
    PaymentCaptured,
    PaymentEvent,
    PaymentFailed,
    PaymentRefunded,
    SetupFailed,
    SetupSucceeded,
    TransferMade,
    TransferReversed,
)

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
        parsed = StripeEvent.from_json(raw)
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
        parsed = StripeEvent.from_json(json.dumps(event(created=created)))
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
        StripeEvent.from_json(raw)


def test_the_last_second_a_datetime_holds_is_still_an_event() -> None:
    parsed = StripeEvent.from_json(json.dumps(event(created=253_402_300_799)))
    assert parsed.created == datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


AT = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
BOOKING = UUID("0b7c3f0e-8a4e-4a57-9d5c-3f1d2c4b5a69")
MESSAGES = [
    AccountUpdated(event_id="evt_1", occurred_at=AT, account_id="acct_1", payouts_enabled=True),
    PaymentAuthorized(event_id="evt_2", occurred_at=AT, payment_intent_id="pi_1", amount_cents=5),
    PaymentFailed(event_id="evt_3", occurred_at=AT, payment_intent_id="pi_1"),
    PaymentCanceled(event_id="evt_4", occurred_at=AT, payment_intent_id="pi_1"),
    PaymentCaptured(
        event_id="evt_5", occurred_at=AT, payment_intent_id="pi_1", amount_cents=5, charge_id="ch_1"
    ),
    PaymentRefunded(event_id="evt_6", occurred_at=AT, payment_intent_id="pi_1", refunded_cents=2),
    DisputeOpened(
        event_id="evt_7",
        occurred_at=AT,
        payment_intent_id="pi_1",
        dispute_id="dp_1",
        amount_cents=5,
    ),
    TransferMade(
        event_id="evt_8", occurred_at=AT, booking_id=BOOKING, transfer_id="tr_1", amount_cents=4
    ),
    TransferReversed(event_id="evt_9", occurred_at=AT, booking_id=BOOKING, reversed_cents=1),
    PaymentCaptured(
        event_id="evt_10",
        occurred_at=AT,
        payment_intent_id="pi_2",
        amount_cents=5,
        charge_id="ch_2",
        method=PaymentMethod.BANCONTACT,
    ),
    PaymentAuthorized(
        event_id="evt_11",
        occurred_at=AT,
        payment_intent_id="pi_3",
        amount_cents=5,
        method=PaymentMethod.CARD,
    ),
    SetupSucceeded(
        event_id="evt_12", occurred_at=AT, setup_intent_id="seti_1", payment_method_id="pm_1"
    ),
    SetupFailed(event_id="evt_13", occurred_at=AT, setup_intent_id="seti_2"),
]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_a_message_written_as_stripe_sends_it_reads_back_the_same(message: PaymentEvent) -> None:
    received = encode(message)
    assert received.id == message.event_id
    assert received.kind == json.loads(received.raw)["type"]
    assert StripeEventDecoder().decode(received.raw) == message


def test_types_the_platform_does_not_act_on_say_nothing() -> None:
    assert StripeEventDecoder().decode(json.dumps(event(type="customer.created"))) is None


def test_expanded_objects_and_odd_shapes_are_read_as_before() -> None:
    succeeded = StripeEvent.build(
        "evt_1",
        "payment_intent.succeeded",
        AT,
        {"id": {"id": "pi_1"}, "amount_received": "5", "latest_charge": {"id": "ch_1"}},
    )
    assert decode(succeeded) == PaymentCaptured(
        event_id="evt_1",
        occurred_at=AT,
        payment_intent_id="pi_1",
        amount_cents=None,
        charge_id="ch_1",
    )
    transfer = StripeEvent.build(
        "evt_2", "transfer.created", AT, {"id": "tr_1", "metadata": {"booking_id": str(BOOKING)}}
    )
    assert decode(transfer) == TransferMade(
        event_id="evt_2", occurred_at=AT, booking_id=BOOKING, transfer_id="tr_1", amount_cents=None
    )
    by_group = StripeEvent.build("evt_3", "transfer.reversed", AT, {"transfer_group": "nope"})
    assert decode(by_group) == TransferReversed(
        event_id="evt_3", occurred_at=AT, booking_id=None, reversed_cents=None
    )


@given(st.sampled_from(sorted(READERS)), st.dictionaries(st.text(max_size=16), values, max_size=6))
def test_any_data_object_of_a_known_type_reads_as_a_message(type_: str, data: Any) -> None:
    message = decode(StripeEvent.build("evt_1", type_, AT, data))
    assert message is not None and message.event_id == "evt_1" and message.occurred_at == AT


@pytest.mark.parametrize(
    ("data", "method"),
    [
        ({"payment_method_details": {"type": "bancontact"}}, PaymentMethod.BANCONTACT),
        ({"latest_charge": {"payment_method_details": {"type": "card"}}}, PaymentMethod.CARD),
        ({"latest_charge": "ch_1"}, None),  # not expanded: the handler asks Stripe
        ({"payment_method_details": {"type": "ideal"}}, None),  # not one the platform offers
        ({"payment_method_details": "bancontact"}, None),
    ],
)
def test_the_payment_method_is_read_from_the_charge(
    data: dict[str, Any], method: PaymentMethod | None
) -> None:
    message = decode(StripeEvent.build("evt_1", "payment_intent.succeeded", AT, data))
    assert isinstance(message, PaymentCaptured) and message.method is method


@pytest.mark.parametrize(
    ("payment_method", "expected"),
    [
        ("pm_card_visa", "pm_card_visa"),
        ({"id": "pm_1", "object": "payment_method", "type": "card"}, "pm_1"),  # expanded
        (None, None),
        (42, None),
    ],
)
def test_a_saved_card_is_read_from_the_setup_intent(
    payment_method: Any, expected: str | None
) -> None:
    data = {
        "id": "seti_1",
        "object": "setup_intent",
        "status": "succeeded",
        "usage": "off_session",
        "customer": "cus_1",
        "payment_method": payment_method,
        "metadata": {"series_id": str(BOOKING)},
    }
    message = decode(StripeEvent.build("evt_1", "setup_intent.succeeded", AT, data))
    assert message == SetupSucceeded(
        event_id="evt_1", occurred_at=AT, setup_intent_id="seti_1", payment_method_id=expected
    )


def test_a_failed_setup_names_its_setup_intent() -> None:
    data = {
        "id": "seti_2",
        "object": "setup_intent",
        "status": "requires_payment_method",
        "last_setup_error": {"type": "card_error", "code": "card_declined"},
    }
    message = decode(StripeEvent.build("evt_2", "setup_intent.setup_failed", AT, data))
    assert message == SetupFailed(event_id="evt_2", occurred_at=AT, setup_intent_id="seti_2")
