"""The simulated gateway's side of an owner's payment or saved card: Stripe's
events, signed as Stripe signs."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from tailtribe.adapters.simulated.payment_gateway import SimulatedPaymentGateway
from tailtribe.adapters.stripe.events import StripeEventDecoder
from tailtribe.adapters.stripe.webhooks import StripeWebhookVerifier
from tailtribe.config import DEV_WEBHOOK_SECRET
from tailtribe.domain.errors import InvalidWebhook, PaymentProviderError
from tailtribe.domain.model.booking_payment import PaymentMethod
from tailtribe.domain.model.payment_events import (
    PaymentAuthorized,
    PaymentCanceled,
    PaymentCaptured,
    PaymentFailed,
    SetupSucceeded,
)
from tailtribe.domain.ports.payments import OffSessionOutcome, PaymentOutcome, SavedCard

AT = datetime(2027, 3, 1, 9, 5, tzinfo=UTC)
EXPECTED = {
    PaymentOutcome.SUCCEEDED: ("payment_intent.amount_capturable_updated", PaymentAuthorized),
    PaymentOutcome.FAILED: ("payment_intent.payment_failed", PaymentFailed),
    PaymentOutcome.ABANDONED: ("payment_intent.canceled", PaymentCanceled),
    PaymentOutcome.BANCONTACT: ("payment_intent.succeeded", PaymentCaptured),
}


@pytest.mark.parametrize("outcome", list(PaymentOutcome))
async def test_each_outcome_is_the_signed_event_stripe_sends(outcome: PaymentOutcome) -> None:
    gateway = SimulatedPaymentGateway(DEV_WEBHOOK_SECRET)
    booking_id = uuid.uuid4()
    intent = await gateway.create_payment_intent(booking_id, 1500, "booking:x:payment-intent")

    deliveries = await gateway.simulate(booking_id, intent.id, 1500, outcome, AT)

    assert len(deliveries) == 1
    event = StripeWebhookVerifier(DEV_WEBHOOK_SECRET).parse(
        deliveries[0].payload, deliveries[0].signature
    )
    kind, message_type = EXPECTED[outcome]
    assert event.kind == kind and event.id.startswith("evt_")
    message = StripeEventDecoder().decode(event.raw)
    assert isinstance(message, (PaymentAuthorized, PaymentFailed, PaymentCanceled, PaymentCaptured))
    assert type(message) is message_type
    assert message.payment_intent_id == intent.id and message.occurred_at == AT
    if isinstance(message, PaymentAuthorized):
        assert message.amount_cents == 1500
    if isinstance(message, PaymentCaptured):  # Bancontact: taken at once, no hold
        assert (message.amount_cents, message.method) == (1500, PaymentMethod.BANCONTACT)
        record = await gateway.record(intent.id, booking_id)
        assert (record.captured_cents, record.method) == (1500, PaymentMethod.BANCONTACT)
    # Another secret does not verify it: it is signed, not just formatted.
    with pytest.raises(InvalidWebhook):
        StripeWebhookVerifier("whsec_other").parse(deliveries[0].payload, deliveries[0].signature)


async def test_an_abandoned_intent_can_no_longer_be_captured() -> None:
    gateway = SimulatedPaymentGateway(DEV_WEBHOOK_SECRET)
    booking_id = uuid.uuid4()
    intent = await gateway.create_payment_intent(booking_id, 1500, "booking:y:payment-intent")
    await gateway.simulate(booking_id, intent.id, 1500, PaymentOutcome.ABANDONED, AT)
    with pytest.raises(PaymentProviderError):
        await gateway.capture(intent.id, "booking:y:capture")


async def test_an_intent_made_before_a_restart_is_known_once_paid() -> None:
    # The embedded gateway keeps its intents in memory: a booking requested
    # before the demo restarted must still be payable and capturable.
    gateway = SimulatedPaymentGateway(DEV_WEBHOOK_SECRET)
    booking_id = uuid.uuid4()
    await gateway.simulate(booking_id, "pi_sim_earlier", 2500, PaymentOutcome.SUCCEEDED, AT)
    capture = await gateway.capture("pi_sim_earlier", "booking:z:capture")
    assert capture.charge_id
    assert (await gateway.record("pi_sim_earlier", booking_id)).captured_cents == 2500


async def test_without_a_webhook_secret_nothing_is_simulated() -> None:
    with pytest.raises(PaymentProviderError):
        await SimulatedPaymentGateway().simulate(
            uuid.uuid4(), "pi_sim_x", 100, PaymentOutcome.SUCCEEDED, AT
        )


@pytest.mark.parametrize("card", list(SavedCard))
async def test_a_saved_card_is_the_signed_setup_event_stripe_sends(card: SavedCard) -> None:
    gateway = SimulatedPaymentGateway(DEV_WEBHOOK_SECRET)
    series = uuid.uuid4()
    customer = await gateway.create_customer(uuid.uuid4(), "owner:x:customer")
    setup = await gateway.create_setup_intent(customer, series, "series:x:setup-intent")

    deliveries = await gateway.simulate_setup(series, setup.id, card, AT)

    assert len(deliveries) == 1
    event = StripeWebhookVerifier(DEV_WEBHOOK_SECRET).parse(
        deliveries[0].payload, deliveries[0].signature
    )
    assert event.kind == "setup_intent.succeeded" and event.id.startswith("evt_")
    assert StripeEventDecoder().decode(event.raw) == SetupSucceeded(
        event_id=event.id, occurred_at=AT, setup_intent_id=setup.id, payment_method_id=card.value
    )
    data = json.loads(event.raw)["data"]["object"]
    assert (data["customer"], data["usage"]) == (customer, "off_session")
    assert data["metadata"] == {"series_id": str(series)}
    with pytest.raises(InvalidWebhook):
        StripeWebhookVerifier("whsec_other").parse(deliveries[0].payload, deliveries[0].signature)


async def test_a_setup_intent_made_before_a_restart_can_still_be_saved() -> None:
    gateway = SimulatedPaymentGateway(DEV_WEBHOOK_SECRET)
    deliveries = await gateway.simulate_setup(
        uuid.uuid4(), "seti_sim_earlier", SavedCard.SUCCEEDS, AT
    )
    event = StripeWebhookVerifier(DEV_WEBHOOK_SECRET).parse(
        deliveries[0].payload, deliveries[0].signature
    )
    message = StripeEventDecoder().decode(event.raw)
    assert isinstance(message, SetupSucceeded) and message.setup_intent_id == "seti_sim_earlier"


async def test_without_a_webhook_secret_no_setup_is_simulated() -> None:
    with pytest.raises(PaymentProviderError):
        await SimulatedPaymentGateway().simulate_setup(
            uuid.uuid4(), "seti_sim_x", SavedCard.SUCCEEDS, AT
        )


async def test_an_off_session_payment_the_owner_then_pays_is_held_by_card_only() -> None:
    gateway = SimulatedPaymentGateway(DEV_WEBHOOK_SECRET)
    booking = uuid.uuid4()
    charge = await gateway.charge_off_session(
        booking, 1500, "cus_sim_earlier", SavedCard.DECLINED, "occurrence:x:charge"
    )
    assert charge.outcome is OffSessionOutcome.DECLINED

    with pytest.raises(PaymentProviderError):  # a saved card's payment is by card
        await gateway.simulate(
            booking, charge.payment_intent_id, 1500, PaymentOutcome.BANCONTACT, AT
        )
    deliveries = await gateway.simulate(
        booking, charge.payment_intent_id, 1500, PaymentOutcome.SUCCEEDED, AT
    )

    event = StripeWebhookVerifier(DEV_WEBHOOK_SECRET).parse(
        deliveries[0].payload, deliveries[0].signature
    )
    data = json.loads(event.raw)["data"]["object"]
    assert (data["payment_method_types"], data["capture_method"]) == (["card"], "manual")
    message = StripeEventDecoder().decode(event.raw)
    assert isinstance(message, PaymentAuthorized) and message.amount_cents == 1500
    await gateway.capture(charge.payment_intent_id, "occurrence:x:capture")
    record = await gateway.record(charge.payment_intent_id, booking)
    assert (record.captured_cents, record.method) == (1500, PaymentMethod.CARD)
