"""The simulated gateway's side of an owner's payment: Stripe's events, signed as Stripe signs."""

from __future__ import annotations

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
)
from tailtribe.domain.ports.payments import PaymentOutcome

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
