"""The Stripe adapter against the local Stripe stand-in: what it sends, how it
reads Stripe's answers and errors, and the webhooks Stripe sends back."""

from __future__ import annotations

import json
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import stripe

from tailtribe.adapters.stripe import payment_gateway
from tailtribe.adapters.stripe.events import StripeEvent, decode
from tailtribe.adapters.stripe.payment_gateway import StripePaymentGateway, make_stripe_client
from tailtribe.adapters.stripe.webhooks import StripeWebhookVerifier
from tailtribe.domain.errors import InvalidWebhook, PaymentProviderError
from tailtribe.domain.model.booking_payment import PaymentMethod
from tailtribe.domain.model.payment_events import (
    AccountUpdated,
    PaymentAuthorized,
    PaymentCanceled,
    PaymentCaptured,
    PaymentFailed,
    PaymentRefunded,
    SetupFailed,
    SetupSucceeded,
    TransferMade,
    TransferReversed,
)
from tailtribe.domain.ports.payments import GatewayRecord, OffSessionOutcome, SavedCard
from tests.stripe_standin import (
    API_KEY,
    WEBHOOK_SECRET,
    Recorded,
    StripeStandIn,
    free_port,
    serve_asgi,
    stripe_standin,
)

FEE_EXPAND = {"expand": ["latest_charge.balance_transaction"]}


@pytest.fixture
async def standin() -> AsyncIterator[StripeStandIn]:
    async with stripe_standin() as running:
        yield running


@pytest.fixture
async def gateway(standin: StripeStandIn) -> AsyncIterator[StripePaymentGateway]:
    adapter = StripePaymentGateway(make_stripe_client(API_KEY, standin.url))
    yield adapter
    await adapter.aclose()


def key() -> str:
    return f"test-{uuid.uuid4()}"


def last(standin: StripeStandIn, method: str, path_start: str) -> Recorded:
    sent = [r for r in standin.requests if r.method == method and r.path.startswith(path_start)]
    return sent[-1]


async def paid(
    standin: StripeStandIn, gateway: StripePaymentGateway, amount: int
) -> tuple[uuid.UUID, str, str]:
    booking = uuid.uuid4()
    intent = await gateway.create_payment_intent(booking, amount, key())
    await standin.confirm(intent.id)
    capture = await gateway.capture(intent.id, key())
    assert capture.charge_id is not None
    return booking, intent.id, capture.charge_id


async def onboarded(standin: StripeStandIn, gateway: StripePaymentGateway) -> str:
    account = await gateway.create_connected_account("sofie@example.be", key())
    await standin.set_payouts_enabled(account)
    return account


async def test_connected_account_is_an_express_account_the_platform_controls(
    standin: StripeStandIn, gateway: StripePaymentGateway
) -> None:
    k = key()
    account = await gateway.create_connected_account("sofie@example.be", k)

    sent = last(standin, "POST", "/v1/accounts")
    assert sent.params == {
        "country": "BE",
        "email": "sofie@example.be",
        "controller": {
            "stripe_dashboard": {"type": "express"},
            "fees": {"payer": "application"},
            "losses": {"payments": "application"},
        },
        "capabilities": {"transfers": {"requested": "true"}},
    }
    assert "type" not in sent.params  # the legacy parameter
    assert sent.idempotency_key == k
    assert standin.state.accounts[account]["type"] == "express"


async def test_the_onboarding_link_is_made_on_demand_and_used_once(
    standin: StripeStandIn, gateway: StripePaymentGateway
) -> None:
    account = await gateway.create_connected_account("sofie@example.be", key())

    link = await gateway.onboarding_link(account, "https://t.example/ok", "https://t.example/again")

    assert last(standin, "POST", "/v1/account_links").params == {
        "account": account,
        "type": "account_onboarding",
        "return_url": "https://t.example/ok",
        "refresh_url": "https://t.example/again",
    }
    async with httpx.AsyncClient() as browser:
        first = await browser.get(link)
        second = await browser.get(link)
    assert first.headers["location"] == "https://t.example/ok"
    assert second.headers["location"] == "https://t.example/again"
    assert standin.state.accounts[account]["payouts_enabled"] is True
    assert [e["type"] for e in standin.events] == ["account.updated"]


async def test_payment_intent_holds_a_card_takes_bancontact_in_eur_naming_the_booking(
    standin: StripeStandIn, gateway: StripePaymentGateway
) -> None:
    booking, k = uuid.uuid4(), key()

    intent = await gateway.create_payment_intent(booking, 12_345, k)

    sent = last(standin, "POST", "/v1/payment_intents")
    assert sent.params == {
        "amount": "12345",
        "currency": "eur",
        # A card is held for a manual capture; Bancontact cannot hold: automatic.
        "allowed_payment_method_types": ["card", "bancontact"],
        "capture_method": "automatic",
        "payment_method_options": {"card": {"capture_method": "manual"}},
        "transfer_group": str(booking),
        "metadata": {"booking_id": str(booking)},
    }
    assert sent.idempotency_key == k
    assert standin.state.payment_intents[intent.id]["status"] == "requires_payment_method"


async def test_capture_reads_the_fee_from_the_balance_transaction(
    standin: StripeStandIn, gateway: StripePaymentGateway
) -> None:
    intent = await gateway.create_payment_intent(uuid.uuid4(), 1_900, key())
    await standin.confirm(intent.id)
    k = key()

    capture = await gateway.capture(intent.id, k)

    sent = last(standin, "POST", f"/v1/payment_intents/{intent.id}/capture")
    assert (sent.params, sent.idempotency_key) == (FEE_EXPAND, k)
    assert capture.charge_id == standin.state.payment_intents[intent.id]["latest_charge"]
    assert capture.fee_cents == 54  # 1.5% of 19.00 is 0.285, half up 0.29, + 0.25


async def test_refund_transfer_and_reversal_parameters(
    standin: StripeStandIn, gateway: StripePaymentGateway
) -> None:
    booking, intent_id, charge_id = await paid(standin, gateway, 10_000)
    account = await onboarded(standin, gateway)
    keys = [key() for _ in range(4)]

    await gateway.refund(intent_id, 2_000, keys[0])
    transfer = await gateway.transfer(account, 7_000, booking, charge_id, keys[1])
    await gateway.reverse_transfer(transfer, 1_000, keys[2])
    unsourced = await gateway.transfer(account, 500, uuid.uuid4(), None, keys[3])

    refund = last(standin, "POST", "/v1/refunds")
    assert refund.params == {"payment_intent": intent_id, "amount": "2000"}
    transfers = [r for r in standin.requests if r.method == "POST" and r.path == "/v1/transfers"]
    assert transfers[0].params == {
        "amount": "7000",
        "currency": "eur",
        "destination": account,
        "transfer_group": str(booking),
        "source_transaction": charge_id,
        "metadata": {"booking_id": str(booking)},
    }
    assert "source_transaction" not in transfers[1].params
    reversal = last(standin, "POST", f"/v1/transfers/{transfer}/reversals")
    assert reversal.params == {"amount": "1000"}
    assert [refund.idempotency_key, *(t.idempotency_key for t in transfers)] == [
        keys[0],
        keys[1],
        keys[3],
    ]
    assert reversal.idempotency_key == keys[2]
    assert standin.state.transfers[unsourced]["source_transaction"] is None


async def test_every_post_carries_an_idempotency_key(
    standin: StripeStandIn, gateway: StripePaymentGateway
) -> None:
    booking, intent_id, charge_id = await paid(standin, gateway, 10_000)
    account = await onboarded(standin, gateway)
    await gateway.onboarding_link(account, "https://t.example/ok", "https://t.example/again")
    await gateway.refund(intent_id, 1_000, key())
    transfer = await gateway.transfer(account, 5_000, booking, charge_id, key())
    await gateway.reverse_transfer(transfer, 1_000, key())
    other = await gateway.create_payment_intent(uuid.uuid4(), 5_000, key())
    await gateway.cancel(other.id, key())

    posts = [r for r in standin.requests if r.method == "POST"]
    assert len(posts) == 9
    assert all(r.headers.get("idempotency-key") for r in posts)
    ours = [r for r in posts if r.path != "/v1/account_links"]  # the SDK makes that one's key
    assert all(r.idempotency_key and r.idempotency_key.startswith("test-") for r in ours)


async def test_record_reads_every_page_of_transfers(
    standin: StripeStandIn, gateway: StripePaymentGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(payment_gateway, "PAGE_SIZE", 2)
    booking, intent_id, charge_id = await paid(standin, gateway, 10_000)
    account = await onboarded(standin, gateway)
    for amount in (1_000, 1_100, 1_200, 1_300, 1_400):
        await gateway.transfer(account, amount, booking, charge_id, key())

    record = await gateway.record(intent_id, booking)

    assert record == GatewayRecord(10_000, 0, 6_000, 0, 175, PaymentMethod.CARD)
    pages = [r for r in standin.requests if r.method == "GET" and r.path == "/v1/transfers"]
    assert [("starting_after" in r.params) for r in pages] == [False, True, True]
    assert last(standin, "GET", f"/v1/payment_intents/{intent_id}").params == FEE_EXPAND


async def test_stripe_refusals_become_payment_provider_errors(
    standin: StripeStandIn, gateway: StripePaymentGateway
) -> None:
    intent = await gateway.create_payment_intent(uuid.uuid4(), 5_000, key())

    with pytest.raises(PaymentProviderError) as refused:
        await gateway.refund(intent.id, 1_000, key())
    with pytest.raises(PaymentProviderError) as missing:
        await gateway.capture("pi_doesnotexist", key())

    assert "payment_intent_unexpected_state" in str(refused.value)
    assert "resource_missing" in str(missing.value)
    assert isinstance(refused.value.__cause__, stripe.InvalidRequestError)


async def test_a_key_reused_for_another_request_is_refused(
    standin: StripeStandIn, gateway: StripePaymentGateway
) -> None:
    _, intent_id, _ = await paid(standin, gateway, 10_000)
    k = key()
    await gateway.refund(intent_id, 1_000, k)

    with pytest.raises(PaymentProviderError) as refused:
        await gateway.refund(intent_id, 2_000, k)

    assert isinstance(refused.value.__cause__, stripe.IdempotencyError)
    assert len(standin.state.refunds) == 1


async def test_a_failed_transfer_moves_nothing_and_its_key_keeps_the_failure(
    standin: StripeStandIn, gateway: StripePaymentGateway
) -> None:
    booking, _, charge_id = await paid(standin, gateway, 10_000)
    account = await onboarded(standin, gateway)
    standin.fail_next_transfer()
    k = key()

    with pytest.raises(PaymentProviderError) as failed:
        await gateway.transfer(account, 8_000, booking, charge_id, k)
    assert "balance_insufficient" in str(failed.value)
    assert await gateway.find_transfer(booking) is None

    # Stripe stores the answer of a request that ran: the same key fails again.
    with pytest.raises(PaymentProviderError):
        await gateway.transfer(account, 8_000, booking, charge_id, k)
    transfer = await gateway.transfer(account, 8_000, booking, charge_id, key())
    assert (await gateway.find_transfer(booking)) is not None
    assert standin.state.transfers[transfer]["amount"] == 8_000


async def test_a_transfer_to_an_account_not_onboarded_is_refused(
    gateway: StripePaymentGateway, standin: StripeStandIn
) -> None:
    booking, _, charge_id = await paid(standin, gateway, 10_000)
    account = await gateway.create_connected_account("new@example.be", key())

    with pytest.raises(PaymentProviderError, match="insufficient_capabilities_for_transfer"):
        await gateway.transfer(account, 8_000, booking, charge_id, key())


async def test_a_wrong_key_is_an_error_that_does_not_show_the_key(standin: StripeStandIn) -> None:
    secret = "sk_live_not_for_this_server_0123456789"
    adapter = StripePaymentGateway(make_stripe_client(secret, standin.url))
    try:
        with pytest.raises(PaymentProviderError) as refused:
            await adapter.create_payment_intent(uuid.uuid4(), 5_000, key())
    finally:
        await adapter.aclose()

    assert "AuthenticationError" in str(refused.value)
    assert secret not in str(refused.value) and secret[8:] not in str(refused.value)


async def test_an_unreachable_stripe_is_a_payment_provider_error() -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    client = stripe.StripeClient(
        API_KEY,
        base_addresses={"api": nowhere},
        http_client=stripe.HTTPXClient(),
        max_network_retries=0,
    )
    adapter = StripePaymentGateway(client)
    try:
        with pytest.raises(PaymentProviderError, match="could not be reached"):
            await adapter.find_transfer(uuid.uuid4())
    finally:
        await adapter.aclose()


async def test_calls_raise_no_warnings(gateway: StripePaymentGateway) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        intent = await gateway.create_payment_intent(uuid.uuid4(), 5_000, key())
        await gateway.record(intent.id, uuid.uuid4())


async def test_stand_in_objects_parse_as_the_sdk_types(
    standin: StripeStandIn, gateway: StripePaymentGateway
) -> None:
    _, intent_id, _ = await paid(standin, gateway, 10_000)
    client = make_stripe_client(API_KEY, standin.url)
    try:
        intent = await client.v1.payment_intents.retrieve_async(
            intent_id, {"expand": ["latest_charge.balance_transaction"]}
        )
    finally:
        await StripePaymentGateway(client).aclose()

    assert isinstance(intent, stripe.PaymentIntent) and intent.status == "succeeded"
    assert isinstance(intent.latest_charge, stripe.Charge) and intent.latest_charge.captured
    txn = intent.latest_charge.balance_transaction
    assert isinstance(txn, stripe.BalanceTransaction) and (txn.fee, txn.net) == (175, 9_825)


@dataclass
class Receiver:
    """A webhook endpoint that keeps what it was sent."""

    received: list[tuple[bytes, str | None]] = field(default_factory=list)

    async def __call__(
        self,
        scope: Mapping[str, Any],
        receive: Callable[[], Awaitable[dict[str, Any]]],
        send: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        signature = dict(scope["headers"]).get(b"stripe-signature")
        self.received.append((body, signature.decode() if signature else None))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def test_webhooks_are_signed_as_stripe_signs_them(
    standin: StripeStandIn, gateway: StripePaymentGateway
) -> None:
    receiver = Receiver()
    async with serve_asgi(receiver) as url:
        standin.send_webhooks_to(f"{url}/api/webhooks/stripe")
        booking, intent_id, charge_id = await paid(standin, gateway, 10_000)
        account = await onboarded(standin, gateway)
        await gateway.refund(intent_id, 2_000, key())
        transfer = await gateway.transfer(account, 7_000, booking, charge_id, key())
        await gateway.reverse_transfer(transfer, 1_000, key())
        declined = await gateway.create_payment_intent(uuid.uuid4(), 5_000, key())
        await standin.fail_payment(declined.id)
        await gateway.cancel(declined.id, key())
        await standin.drain()

        verifier = StripeWebhookVerifier(WEBHOOK_SECRET)
        received = [verifier.parse(body, signature) for body, signature in receiver.received]
        assert [r.kind for r in received] == [StripeEvent.from_json(r.raw).type for r in received]
        events = [StripeEvent.from_json(r.raw) for r in received]
        assert [e.type for e in events] == [
            "payment_intent.amount_capturable_updated",
            "payment_intent.succeeded",
            "account.updated",
            "charge.refunded",
            "transfer.created",
            "transfer.reversed",
            "payment_intent.payment_failed",
            "payment_intent.canceled",
        ]
        assert [e.id for e in events] == [e["id"] for e in standin.events]
        assert all(e.id.startswith("evt_") for e in events)
        assert abs(events[0].created.timestamp() - time.time()) < 60
        authorized, succeeded = events[0].data, events[1].data
        assert (authorized["id"], authorized["amount_capturable"]) == (intent_id, 10_000)
        assert authorized["metadata"] == {"booking_id": str(booking)}
        assert (succeeded["status"], succeeded["amount_received"]) == ("succeeded", 10_000)
        assert events[3].data["amount_refunded"] == 2_000
        assert events[5].data["amount_reversed"] == 1_000

        # What the core is told of them.
        messages = [decode(e) for e in events]
        assert messages[0] == PaymentAuthorized(
            event_id=events[0].id,
            occurred_at=events[0].created,
            payment_intent_id=intent_id,
            amount_cents=10_000,
        )
        assert messages[1] == PaymentCaptured(
            event_id=events[1].id,
            occurred_at=events[1].created,
            payment_intent_id=intent_id,
            amount_cents=10_000,
            charge_id=charge_id,
        )
        assert messages[2] == AccountUpdated(
            event_id=events[2].id,
            occurred_at=events[2].created,
            account_id=account,
            payouts_enabled=True,
        )
        assert isinstance(messages[3], PaymentRefunded) and messages[3].refunded_cents == 2_000
        assert isinstance(messages[4], TransferMade)
        assert (messages[4].booking_id, messages[4].transfer_id) == (booking, transfer)
        assert isinstance(messages[5], TransferReversed) and messages[5].booking_id == booking
        assert messages[5].reversed_cents == 1_000
        assert messages[6] == PaymentFailed(
            event_id=events[6].id, occurred_at=events[6].created, payment_intent_id=declined.id
        )
        assert isinstance(messages[7], PaymentCanceled)

        for body, signature in receiver.received:
            with pytest.raises(InvalidWebhook):
                StripeWebhookVerifier("whsec_someone_else").parse(body, signature)

        # Redelivered, duplicated, out of order: the same events, signed afresh.
        first, last_one = standin.events[0], standin.events[-1]
        assert await standin.deliver(last_one) == 200
        assert await standin.deliver(first) == 200
        again = [verifier.parse(b, s).id for b, s in receiver.received[-2:]]
        assert again == [last_one["id"], first["id"]]

        # One signed more than five minutes ago does not pass.
        await standin.deliver(first, at=int(time.time()) - 301)
        with pytest.raises(InvalidWebhook):
            verifier.parse(*receiver.received[-1])


async def test_aclose_closes_the_connection_pool(standin: StripeStandIn) -> None:
    http = stripe.HTTPXClient()
    client = stripe.StripeClient(API_KEY, base_addresses={"api": standin.url}, http_client=http)

    await StripePaymentGateway(client).aclose()

    assert http._client_async.is_closed


async def test_the_stand_in_helpers_answer_over_http(
    standin: StripeStandIn, gateway: StripePaymentGateway
) -> None:
    intent = await gateway.create_payment_intent(uuid.uuid4(), 5_000, key())
    account = await gateway.create_connected_account("sofie@example.be", key())
    async with httpx.AsyncClient(base_url=f"{standin.url}/_standin") as helpers:
        confirmed = await helpers.post(f"/payment_intents/{intent.id}/confirm")
        again = await helpers.post(f"/payment_intents/{intent.id}/confirm")
        enabled = await helpers.post(
            f"/accounts/{account}/payouts_enabled", data={"enabled": "true"}
        )
        await helpers.post("/transfers/fail_next", data={"code": "balance_insufficient"})
        state = (await helpers.get("/state")).json()

    assert confirmed.json()["status"] == "requires_capture"
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "payment_intent_unexpected_state"
    assert enabled.json()["payouts_enabled"] is True
    assert state["payment_intents"][intent.id]["amount_capturable"] == 5_000
    capture = await gateway.capture(intent.id, key())
    with pytest.raises(PaymentProviderError, match="balance_insufficient"):
        await gateway.transfer(account, 4_000, uuid.uuid4(), capture.charge_id, key())


async def test_bancontact_is_captured_at_once_and_recorded_with_its_method(
    standin: StripeStandIn, gateway: StripePaymentGateway
) -> None:
    booking = uuid.uuid4()
    intent = await gateway.create_payment_intent(booking, 2_000, key())
    await standin.confirm(intent.id, "bancontact")

    assert standin.state.payment_intents[intent.id]["status"] == "succeeded"
    assert [e["type"] for e in standin.events][-1] == "payment_intent.succeeded"
    record = await gateway.record(intent.id, booking)
    assert record == GatewayRecord(2_000, 0, 0, 0, 55, PaymentMethod.BANCONTACT)
    # Nothing is left to capture.
    with pytest.raises(PaymentProviderError):
        await gateway.capture(intent.id, key())


async def test_a_customer_names_the_owner_in_its_metadata_only(
    standin: StripeStandIn, gateway: StripePaymentGateway
) -> None:
    owner, k = uuid.uuid4(), key()

    customer = await gateway.create_customer(owner, k)

    sent = last(standin, "POST", "/v1/customers")
    assert sent.params == {"metadata": {"owner_id": str(owner)}}  # no name, no email
    assert sent.idempotency_key == k
    assert standin.state.customers[customer]["email"] is None


async def test_a_setup_intent_saves_a_card_for_off_session_use_naming_the_series(
    standin: StripeStandIn, gateway: StripePaymentGateway
) -> None:
    customer = await gateway.create_customer(uuid.uuid4(), key())
    series, k = uuid.uuid4(), key()

    setup = await gateway.create_setup_intent(customer, series, k)

    sent = last(standin, "POST", "/v1/setup_intents")
    assert sent.params == {
        "customer": customer,
        "usage": "off_session",
        "allowed_payment_method_types": ["card"],
        "metadata": {"series_id": str(series)},
    }
    assert sent.idempotency_key == k
    saved = standin.state.setup_intents[setup.id]
    assert (saved["status"], saved["client_secret"]) == (
        "requires_payment_method",
        setup.client_secret,
    )


async def test_an_off_session_payment_holds_the_saved_card_naming_the_booking(
    standin: StripeStandIn, gateway: StripePaymentGateway
) -> None:
    customer = await gateway.create_customer(uuid.uuid4(), key())
    booking, k = uuid.uuid4(), key()

    charge = await gateway.charge_off_session(booking, 2_500, customer, SavedCard.SUCCEEDS, k)

    sent = last(standin, "POST", "/v1/payment_intents")
    assert sent.params == {
        "amount": "2500",
        "currency": "eur",
        "customer": customer,
        "payment_method": "pm_card_visa",
        "allowed_payment_method_types": ["card"],
        "capture_method": "manual",
        "confirm": "true",
        "off_session": "true",
        "transfer_group": str(booking),
        "metadata": {"booking_id": str(booking)},
    }
    assert sent.idempotency_key == k
    assert charge.outcome is OffSessionOutcome.AUTHORIZED
    intent = standin.state.payment_intents[charge.payment_intent_id]
    assert (intent["status"], intent["amount_capturable"]) == ("requires_capture", 2_500)
    assert intent["payment_method"] == "pm_card_visa"
    assert [e["type"] for e in standin.events] == ["payment_intent.amount_capturable_updated"]


@pytest.mark.parametrize(
    ("card", "code", "outcome"),
    [
        (
            SavedCard.AUTHENTICATION_REQUIRED,
            "authentication_required",
            OffSessionOutcome.AUTHENTICATION_REQUIRED,
        ),
        (SavedCard.DECLINED, "card_declined", OffSessionOutcome.DECLINED),
    ],
)
async def test_a_refused_off_session_payment_is_an_outcome_with_its_intent(
    standin: StripeStandIn,
    gateway: StripePaymentGateway,
    card: SavedCard,
    code: str,
    outcome: OffSessionOutcome,
) -> None:
    customer = await gateway.create_customer(uuid.uuid4(), key())
    booking, k = uuid.uuid4(), key()

    charge = await gateway.charge_off_session(booking, 2_500, customer, card, k)
    again = await gateway.charge_off_session(booking, 2_500, customer, card, k)

    assert charge.outcome is outcome and again == charge
    intent = standin.state.payment_intents[charge.payment_intent_id]
    assert intent["status"] == "requires_payment_method"
    assert intent["last_payment_error"]["code"] == code
    assert intent["client_secret"] == charge.client_secret
    assert len(standin.state.payment_intents) == 1  # the replay made none
    posts = [r for r in standin.requests if r.path == "/v1/payment_intents"]
    assert [r.status for r in posts] == [402, 402]
    assert [e["type"] for e in standin.events] == ["payment_intent.payment_failed"]


async def test_an_off_session_payment_left_requiring_an_action_wants_the_owner(
    standin: StripeStandIn, gateway: StripePaymentGateway
) -> None:
    standin.off_session_requires_action = True
    customer = await gateway.create_customer(uuid.uuid4(), key())

    charge = await gateway.charge_off_session(
        uuid.uuid4(), 2_500, customer, SavedCard.AUTHENTICATION_REQUIRED, key()
    )

    assert charge.outcome is OffSessionOutcome.AUTHENTICATION_REQUIRED
    assert standin.state.payment_intents[charge.payment_intent_id]["status"] == "requires_action"


async def test_an_off_session_payment_stripe_refuses_is_a_provider_error(
    gateway: StripePaymentGateway,
) -> None:
    with pytest.raises(PaymentProviderError, match="resource_missing") as refused:
        await gateway.charge_off_session(
            uuid.uuid4(), 2_500, "cus_nosuch", SavedCard.SUCCEEDS, key()
        )
    assert isinstance(refused.value.__cause__, stripe.InvalidRequestError)


async def test_the_owner_confirms_a_refused_off_session_payment_and_it_is_captured(
    standin: StripeStandIn, gateway: StripePaymentGateway
) -> None:
    customer = await gateway.create_customer(uuid.uuid4(), key())
    booking = uuid.uuid4()
    charge = await gateway.charge_off_session(
        booking, 2_500, customer, SavedCard.AUTHENTICATION_REQUIRED, key()
    )

    confirmed = await standin.confirm(
        charge.payment_intent_id, payment_method=SavedCard.AUTHENTICATION_REQUIRED
    )
    capture = await gateway.capture(charge.payment_intent_id, key())

    assert confirmed["status"] == "requires_capture"
    assert confirmed["payment_method"] == "pm_card_authenticationRequired"
    assert [e["type"] for e in standin.events] == [
        "payment_intent.payment_failed",
        "payment_intent.amount_capturable_updated",
        "payment_intent.succeeded",
    ]
    record = await gateway.record(charge.payment_intent_id, booking)
    assert record == GatewayRecord(2_500, 0, 0, 0, capture.fee_cents, PaymentMethod.CARD)


async def test_setup_intents_send_what_the_core_reads(
    standin: StripeStandIn, gateway: StripePaymentGateway
) -> None:
    customer = await gateway.create_customer(uuid.uuid4(), key())
    saved = await gateway.create_setup_intent(customer, uuid.uuid4(), key())
    failed = await gateway.create_setup_intent(customer, uuid.uuid4(), key())
    async with httpx.AsyncClient(base_url=f"{standin.url}/_standin") as helpers:
        answer = await helpers.post(
            f"/setup_intents/{saved.id}/succeed",
            data={"payment_method": SavedCard.DECLINED.value},
        )
        again = await helpers.post(f"/setup_intents/{saved.id}/succeed")
        refused = await helpers.post(f"/setup_intents/{failed.id}/fail")

    assert answer.json()["status"] == "succeeded" and again.status_code == 400
    assert refused.json()["status"] == "requires_payment_method"
    events = [StripeEvent.from_json(json.dumps(e)) for e in standin.events]
    assert [decode(e) for e in events] == [
        SetupSucceeded(
            event_id=events[0].id,
            occurred_at=events[0].created,
            setup_intent_id=saved.id,
            payment_method_id="pm_card_chargeDeclined",
        ),
        SetupFailed(
            event_id=events[1].id, occurred_at=events[1].created, setup_intent_id=failed.id
        ),
    ]
    assert standin.state.payment_methods["pm_card_chargeDeclined"]["customer"] == customer
    # The card saved goes as it would at Stripe.
    charge = await gateway.charge_off_session(
        uuid.uuid4(), 2_500, customer, "pm_card_chargeDeclined", key()
    )
    assert charge.outcome is OffSessionOutcome.DECLINED


async def test_stand_in_setup_intents_and_card_errors_parse_as_the_sdk_types(
    standin: StripeStandIn, gateway: StripePaymentGateway
) -> None:
    customer = await gateway.create_customer(uuid.uuid4(), key())
    setup = await gateway.create_setup_intent(customer, uuid.uuid4(), key())
    await standin.succeed_setup(setup.id)
    client = make_stripe_client(API_KEY, standin.url)
    try:
        retrieved = await client.v1.setup_intents.retrieve_async(setup.id)
        with pytest.raises(stripe.CardError) as refused:
            await client.v1.payment_intents.create_async(
                {
                    "amount": 1_000,
                    "currency": "eur",
                    "customer": customer,
                    "payment_method": SavedCard.DECLINED.value,
                    "confirm": True,
                    "off_session": True,
                }
            )
    finally:
        await StripePaymentGateway(client).aclose()

    assert isinstance(retrieved, stripe.SetupIntent)
    assert (retrieved.status, retrieved.payment_method) == ("succeeded", "pm_card_visa")
    error = refused.value.error
    assert error is not None and (error.code, error.decline_code) == (
        "card_declined",
        "generic_decline",
    )
    assert isinstance(error.payment_intent, stripe.PaymentIntent)
    assert error.payment_intent.status == "requires_payment_method"
    assert isinstance(error.payment_method, stripe.PaymentMethod)
