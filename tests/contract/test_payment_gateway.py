"""The PaymentGateway contract, run against the simulated gateway and against
the Stripe adapter talking to the local Stripe stand-in.

What only a real provider does is passed in per implementation: authorizing a
PaymentIntent (the owner's card, on Stripe), the owner confirming an
off-session payment that failed, finishing a caregiver's onboarding, and the
fee Stripe reports (the simulated gateway knows none).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlparse
from uuid import UUID

import pytest

from tailtribe.adapters.simulated.payment_gateway import SimulatedPaymentGateway
from tailtribe.adapters.stripe.payment_gateway import StripePaymentGateway, make_stripe_client
from tailtribe.config import DEV_WEBHOOK_SECRET
from tailtribe.domain.errors import PaymentProviderError
from tailtribe.domain.model.booking_payment import PaymentMethod
from tailtribe.domain.ports.payments import (
    GatewayRecord,
    OffSessionCharge,
    OffSessionOutcome,
    PaymentGateway,
    PaymentOutcome,
    SavedCard,
    TransferRef,
)
from tests.stripe_standin import API_KEY, fee_for, stripe_standin


@dataclass
class Subject:
    gateway: PaymentGateway
    authorize: Callable[[str], Awaitable[object]]
    onboard: Callable[[str], Awaitable[object]]
    fee: Callable[[int], int | None]
    # How a held payment was made, as the record tells it: Stripe reads the
    # charge; the simulated gateway learns a hold only from its own events.
    held_method: PaymentMethod | None
    # The owner confirms, on-session, an off-session payment that failed.
    confirm_on_session: Callable[[UUID, OffSessionCharge], Awaitable[object]]


async def _nothing(_: str) -> None:
    return None


@pytest.fixture(params=["simulated", "stripe"])
async def subject(request: pytest.FixtureRequest) -> AsyncIterator[Subject]:
    if request.param == "simulated":
        simulated = SimulatedPaymentGateway(DEV_WEBHOOK_SECRET)

        async def pay(booking: UUID, charge: OffSessionCharge) -> object:
            return await simulated.simulate(
                booking,
                charge.payment_intent_id,
                charge.amount_cents,
                PaymentOutcome.SUCCEEDED,
                datetime.now(UTC),
            )

        yield Subject(simulated, _nothing, _nothing, lambda _: None, None, pay)
        return
    async with stripe_standin() as standin:
        gateway = StripePaymentGateway(make_stripe_client(API_KEY, standin.url))

        async def confirm(_: UUID, charge: OffSessionCharge) -> object:
            return await standin.confirm(charge.payment_intent_id)

        try:
            yield Subject(
                gateway,
                standin.confirm,
                standin.set_payouts_enabled,
                fee_for,
                PaymentMethod.CARD,
                confirm,
            )
        finally:
            await gateway.aclose()


def key() -> str:
    return f"test-{uuid.uuid4()}"


async def captured(s: Subject, amount: int) -> tuple[UUID, str, str | None]:
    """A booking whose payment of `amount` was authorized and captured."""
    booking = uuid.uuid4()
    intent = await s.gateway.create_payment_intent(booking, amount, key())
    await s.authorize(intent.id)
    capture = await s.gateway.capture(intent.id, key())
    return booking, intent.id, capture.charge_id


async def caregiver_account(s: Subject) -> str:
    account = await s.gateway.create_connected_account("sofie@example.be", key())
    await s.onboard(account)
    return account


async def test_connected_accounts_are_idempotent_by_key(subject: Subject) -> None:
    k = key()
    account = await subject.gateway.create_connected_account("sofie@example.be", k)

    assert account.startswith("acct_")
    assert await subject.gateway.create_connected_account("sofie@example.be", k) == account
    assert await subject.gateway.create_connected_account("sofie@example.be", key()) != account


async def test_onboarding_link_is_a_url(subject: Subject) -> None:
    account = await subject.gateway.create_connected_account("sofie@example.be", key())

    link = await subject.gateway.onboarding_link(
        account, "https://tailtribe.example/return", "https://tailtribe.example/refresh"
    )

    parsed = urlparse(link)
    assert parsed.scheme in ("http", "https") and parsed.netloc


async def test_payment_intents_are_idempotent_by_key(subject: Subject) -> None:
    booking, k = uuid.uuid4(), key()
    intent = await subject.gateway.create_payment_intent(booking, 12_000, k)

    assert intent.id.startswith("pi_")
    assert intent.client_secret.startswith(f"{intent.id}_secret_")
    assert await subject.gateway.create_payment_intent(booking, 12_000, k) == intent
    other = await subject.gateway.create_payment_intent(uuid.uuid4(), 12_000, key())
    assert other.id != intent.id and other.client_secret != intent.client_secret


async def test_capture_returns_the_charge_and_fee(subject: Subject) -> None:
    intent = await subject.gateway.create_payment_intent(uuid.uuid4(), 10_000, key())
    await subject.authorize(intent.id)
    k = key()

    capture = await subject.gateway.capture(intent.id, k)

    assert capture.charge_id is not None and capture.charge_id.startswith("ch_")
    assert capture.fee_cents == subject.fee(10_000)
    assert await subject.gateway.capture(intent.id, k) == capture


async def test_cancel_of_an_uncaptured_intent_can_be_repeated(subject: Subject) -> None:
    booking = uuid.uuid4()
    intent = await subject.gateway.create_payment_intent(booking, 8_000, key())
    await subject.authorize(intent.id)
    k = key()

    await subject.gateway.cancel(intent.id, k)
    await subject.gateway.cancel(intent.id, k)  # a retry
    await subject.gateway.cancel(intent.id, key())  # canceled already: no error

    assert await subject.gateway.record(intent.id, booking) == GatewayRecord(
        0, 0, 0, 0, None, subject.held_method
    )
    with pytest.raises(PaymentProviderError):
        await subject.gateway.capture(intent.id, key())


async def test_a_captured_intent_cannot_be_canceled(subject: Subject) -> None:
    booking, intent_id, _ = await captured(subject, 8_000)

    with pytest.raises(PaymentProviderError):
        await subject.gateway.cancel(intent_id, key())

    assert (await subject.gateway.record(intent_id, booking)).captured_cents == 8_000


async def test_refunds_up_to_the_captured_amount(subject: Subject) -> None:
    booking, intent_id, _ = await captured(subject, 10_000)

    first = await subject.gateway.refund(intent_id, 4_000, key())
    assert first.startswith("re_")
    with pytest.raises(PaymentProviderError):
        await subject.gateway.refund(intent_id, 6_001, key())
    assert (await subject.gateway.record(intent_id, booking)).refunded_cents == 4_000

    second = await subject.gateway.refund(intent_id, 6_000, key())
    assert second != first
    assert (await subject.gateway.record(intent_id, booking)).refunded_cents == 10_000
    with pytest.raises(PaymentProviderError):
        await subject.gateway.refund(intent_id, 1, key())


async def test_the_same_refund_key_refunds_once(subject: Subject) -> None:
    booking, intent_id, _ = await captured(subject, 10_000)
    k = key()

    refund = await subject.gateway.refund(intent_id, 2_500, k)

    assert await subject.gateway.refund(intent_id, 2_500, k) == refund
    assert (await subject.gateway.record(intent_id, booking)).refunded_cents == 2_500


async def test_the_same_transfer_key_transfers_once(subject: Subject) -> None:
    booking, _, charge_id = await captured(subject, 10_000)
    account = await caregiver_account(subject)
    k = key()

    transfer = await subject.gateway.transfer(account, 8_500, booking, charge_id, k)

    assert transfer.startswith("tr_")
    assert await subject.gateway.transfer(account, 8_500, booking, charge_id, k) == transfer
    assert await subject.gateway.find_transfer(booking) == TransferRef(transfer, 8_500, 0)
    assert await subject.gateway.find_transfer(uuid.uuid4()) is None


async def test_reversals_up_to_the_transferred_amount(subject: Subject) -> None:
    booking, _, charge_id = await captured(subject, 10_000)
    account = await caregiver_account(subject)
    transfer = await subject.gateway.transfer(account, 4_000, booking, charge_id, key())
    k = key()

    reversal = await subject.gateway.reverse_transfer(transfer, 1_500, k)

    assert reversal.startswith("trr_")
    assert await subject.gateway.reverse_transfer(transfer, 1_500, k) == reversal
    with pytest.raises(PaymentProviderError):
        await subject.gateway.reverse_transfer(transfer, 2_501, key())
    assert await subject.gateway.find_transfer(booking) == TransferRef(transfer, 4_000, 1_500)

    await subject.gateway.reverse_transfer(transfer, 2_500, key())
    assert await subject.gateway.find_transfer(booking) == TransferRef(transfer, 4_000, 4_000)
    with pytest.raises(PaymentProviderError):
        await subject.gateway.reverse_transfer(transfer, 1, key())


async def test_record_totals_the_booking(subject: Subject) -> None:
    booking, intent_id, charge_id = await captured(subject, 10_000)
    account = await caregiver_account(subject)
    await subject.gateway.refund(intent_id, 2_000, key())
    transfer = await subject.gateway.transfer(account, 7_000, booking, charge_id, key())
    await subject.gateway.reverse_transfer(transfer, 1_000, key())
    # Another booking's money is not this one's.
    other, _, other_charge = await captured(subject, 5_000)
    await subject.gateway.transfer(account, 4_000, other, other_charge, key())

    record = await subject.gateway.record(intent_id, booking)

    assert record == GatewayRecord(
        captured_cents=10_000,
        refunded_cents=2_000,
        transferred_cents=7_000,
        reversed_cents=1_000,
        fee_cents=subject.fee(10_000),
        method=PaymentMethod.CARD,  # only a held card is captured by a call
    )


async def test_record_of_an_intent_not_yet_paid(subject: Subject) -> None:
    booking = uuid.uuid4()
    intent = await subject.gateway.create_payment_intent(booking, 6_000, key())

    assert await subject.gateway.record(intent.id, booking) == GatewayRecord(0, 0, 0, 0, None)


async def test_a_key_reused_for_another_request_is_refused(subject: Subject) -> None:
    booking, intent_id, charge_id = await captured(subject, 10_000)
    k = key()
    await subject.gateway.refund(intent_id, 2_500, k)

    # As Stripe: a key is one request, never the first answer for another one.
    with pytest.raises(PaymentProviderError, match=r"(?i)idempotency"):
        await subject.gateway.refund(intent_id, 5_000, k)
    with pytest.raises(PaymentProviderError, match=r"(?i)idempotency"):
        await subject.gateway.capture(intent_id, k)
    account = await caregiver_account(subject)
    with pytest.raises(PaymentProviderError, match=r"(?i)idempotency"):
        await subject.gateway.transfer(account, 2_500, booking, charge_id, k)

    assert (await subject.gateway.record(intent_id, booking)).refunded_cents == 2_500
    assert await subject.gateway.find_transfer(booking) is None


async def saved_card_customer(s: Subject) -> str:
    return await s.gateway.create_customer(uuid.uuid4(), key())


async def test_customers_and_setup_intents_are_idempotent_by_key(subject: Subject) -> None:
    owner, series, k = uuid.uuid4(), uuid.uuid4(), key()
    customer = await subject.gateway.create_customer(owner, k)

    assert customer.startswith("cus_")
    assert await subject.gateway.create_customer(owner, k) == customer
    assert await subject.gateway.create_customer(owner, key()) != customer

    k = key()
    setup = await subject.gateway.create_setup_intent(customer, series, k)
    assert setup.id.startswith("seti_")
    assert setup.client_secret.startswith(f"{setup.id}_secret_")
    assert await subject.gateway.create_setup_intent(customer, series, k) == setup
    other = await subject.gateway.create_setup_intent(customer, series, key())
    assert other.id != setup.id and other.client_secret != setup.client_secret


OFF_SESSION = {
    SavedCard.SUCCEEDS: OffSessionOutcome.AUTHORIZED,
    SavedCard.AUTHENTICATION_REQUIRED: OffSessionOutcome.AUTHENTICATION_REQUIRED,
    SavedCard.DECLINED: OffSessionOutcome.DECLINED,
}


@pytest.mark.parametrize("card", list(SavedCard))
async def test_an_off_session_payment_goes_as_the_saved_card(
    subject: Subject, card: SavedCard
) -> None:
    booking, customer = uuid.uuid4(), await saved_card_customer(subject)

    charge = await subject.gateway.charge_off_session(booking, 4_500, customer, card, key())

    assert charge.outcome is OFF_SESSION[card]
    assert charge.amount_cents == 4_500
    assert charge.payment_intent_id.startswith("pi_")
    assert charge.client_secret.startswith(f"{charge.payment_intent_id}_secret_")
    if charge.outcome is OffSessionOutcome.AUTHORIZED:
        capture = await subject.gateway.capture(charge.payment_intent_id, key())
        assert capture.charge_id is not None and capture.fee_cents == subject.fee(4_500)
        record = await subject.gateway.record(charge.payment_intent_id, booking)
        assert record == GatewayRecord(4_500, 0, 0, 0, subject.fee(4_500), PaymentMethod.CARD)
    else:  # nothing is held: nothing to capture
        with pytest.raises(PaymentProviderError):
            await subject.gateway.capture(charge.payment_intent_id, key())
        assert (await subject.gateway.record(charge.payment_intent_id, booking)).captured_cents == 0


@pytest.mark.parametrize("card", [SavedCard.AUTHENTICATION_REQUIRED, SavedCard.DECLINED])
async def test_an_off_session_failure_is_replayed_by_its_key(
    subject: Subject, card: SavedCard
) -> None:
    booking, customer, k = uuid.uuid4(), await saved_card_customer(subject), key()
    first = await subject.gateway.charge_off_session(booking, 3_000, customer, card, k)

    again = await subject.gateway.charge_off_session(booking, 3_000, customer, card, k)

    assert again == first  # the same PaymentIntent, not a second attempt
    retried = await subject.gateway.charge_off_session(booking, 3_000, customer, card, key())
    assert retried.payment_intent_id != first.payment_intent_id
    assert retried.outcome is first.outcome


async def test_a_payment_the_owner_confirms_after_an_off_session_failure_is_captured(
    subject: Subject,
) -> None:
    booking, customer = uuid.uuid4(), await saved_card_customer(subject)
    charge = await subject.gateway.charge_off_session(
        booking, 6_000, customer, SavedCard.AUTHENTICATION_REQUIRED, key()
    )

    await subject.confirm_on_session(booking, charge)
    capture = await subject.gateway.capture(charge.payment_intent_id, key())

    assert capture.charge_id is not None
    record = await subject.gateway.record(charge.payment_intent_id, booking)
    assert (record.captured_cents, record.method) == (6_000, PaymentMethod.CARD)


async def test_an_off_session_key_reused_for_another_request_is_refused(subject: Subject) -> None:
    booking, customer, k = uuid.uuid4(), await saved_card_customer(subject), key()
    await subject.gateway.charge_off_session(booking, 3_000, customer, SavedCard.SUCCEEDS, k)

    with pytest.raises(PaymentProviderError, match=r"(?i)idempotency"):
        await subject.gateway.charge_off_session(booking, 3_500, customer, SavedCard.SUCCEEDS, k)


async def test_an_unknown_payment_method_is_an_error(subject: Subject) -> None:
    customer = await saved_card_customer(subject)

    with pytest.raises(PaymentProviderError):
        await subject.gateway.charge_off_session(
            uuid.uuid4(), 3_000, customer, "pm_nosuchcard", key()
        )
