"""Stripe Connect through the SDK's async client: separate charges and transfers.

Every mutating call carries the caller's idempotency key, so a retry of the
same call moves no money twice. Stripe's errors (refusals and network
failures alike) become PaymentProviderError with a short message that names
the operation, Stripe's error code and its request id, never a key.
The one exception: a saved card the bank refuses off-session (a 402 card
error) is an outcome of `charge_off_session`, with the PaymentIntent Stripe made.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, TypeVar
from uuid import UUID

import stripe

from tailtribe.domain.errors import PaymentProviderError
from tailtribe.domain.model.booking_payment import PaymentMethod
from tailtribe.domain.ports.payments import (
    Capture,
    GatewayRecord,
    OffSessionCharge,
    OffSessionOutcome,
    PaymentIntentRef,
    SetupIntentRef,
    TransferRef,
)

T = TypeVar("T")

CURRENCY = "eur"
COUNTRY = "BE"
CHARGE_WITH_FEE = "latest_charge.balance_transaction"
UNEXPECTED_STATE = "payment_intent_unexpected_state"
PAGE_SIZE = 100
AUTHENTICATION_REQUIRED = "authentication_required"
# An off-session PaymentIntent's status, once created and confirmed, as an outcome.
_OFF_SESSION = {
    "requires_capture": OffSessionOutcome.AUTHORIZED,
    "requires_action": OffSessionOutcome.AUTHENTICATION_REQUIRED,
    "requires_confirmation": OffSessionOutcome.AUTHENTICATION_REQUIRED,
    "requires_payment_method": OffSessionOutcome.DECLINED,
}


class _HTTPXClient(stripe.HTTPXClient):
    """The SDK's httpx client, handing httpx the encoded form body as `content`.

    The SDK passes it as `data`, which httpx deprecates for a ready body: a
    DeprecationWarning on every POST, and a failed call wherever warnings
    are errors.
    """

    def _get_request_args_kwargs(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any
    ) -> Any:
        build: Callable[..., tuple[Any, dict[str, Any]]] = super()._get_request_args_kwargs
        args, kwargs = build(method, url, headers, post_data)
        if isinstance(kwargs.get("data"), str | bytes):
            kwargs["content"] = kwargs.pop("data")
        return [args, kwargs]


def make_stripe_client(secret_key: str, api_base: str | None = None) -> stripe.StripeClient:
    """A client on httpx with two network retries; `api_base` (a local stand-in)
    replaces Stripe's api, connect and files addresses."""
    base = api_base.rstrip("/") if api_base else None
    return stripe.StripeClient(
        secret_key,
        base_addresses={"api": base, "connect": base, "files": base} if base else None,
        http_client=_HTTPXClient(),
        max_network_retries=2,
    )


def _provider_error(action: str, exc: stripe.StripeError) -> PaymentProviderError:
    if isinstance(exc, stripe.APIConnectionError):
        return PaymentProviderError(f"Stripe could not be reached to {action}")
    reason = exc.code or type(exc).__name__
    status = f", HTTP {exc.http_status}" if exc.http_status else ""
    request = f", request {exc.request_id}" if exc.request_id else ""
    return PaymentProviderError(f"Stripe refused to {action} ({reason}{status}{request})")


async def _call(action: str, call: Awaitable[T]) -> T:
    try:
        return await call
    except stripe.StripeError as exc:
        raise _provider_error(action, exc) from exc


def _fee(charge: stripe.Charge | str | None) -> int | None:
    if not isinstance(charge, stripe.Charge):
        return None
    txn = charge.balance_transaction
    return txn.fee if isinstance(txn, stripe.BalanceTransaction) else None


_METHODS = {"card": PaymentMethod.CARD, "bancontact": PaymentMethod.BANCONTACT}


def _method(charge: stripe.Charge | str | None) -> PaymentMethod | None:
    if not isinstance(charge, stripe.Charge) or charge.payment_method_details is None:
        return None
    return _METHODS.get(charge.payment_method_details.type)


def _off_session_charge(
    intent: stripe.PaymentIntent, outcome: OffSessionOutcome
) -> OffSessionCharge:
    if not intent.client_secret:
        raise PaymentProviderError("Stripe returned a payment intent without client secret")
    return OffSessionCharge(intent.id, intent.client_secret, outcome, intent.amount)


class StripePaymentGateway:
    def __init__(self, client: stripe.StripeClient) -> None:
        self._client = client
        self._v1 = client.v1

    async def aclose(self) -> None:
        """Close the client's connection pool (at shutdown)."""
        # The SDK offers no public accessor for a client's HTTP client.
        requestor = getattr(self._client, "_requestor", None)
        http_client = getattr(requestor, "_client", None)
        if isinstance(http_client, stripe.HTTPClient):
            close: Callable[[], Awaitable[None]] = http_client.close_async
            await close()

    async def create_connected_account(self, email: str, idempotency_key: str) -> str:
        account = await _call(
            "create a connected account",
            self._v1.accounts.create_async(
                {
                    "country": COUNTRY,
                    "email": email,
                    "controller": {
                        "stripe_dashboard": {"type": "express"},
                        "fees": {"payer": "application"},
                        "losses": {"payments": "application"},
                    },
                    "capabilities": {"transfers": {"requested": True}},
                },
                {"idempotency_key": idempotency_key},
            ),
        )
        return account.id

    async def onboarding_link(self, account_id: str, return_url: str, refresh_url: str) -> str:
        link = await _call(
            "create an onboarding link",
            self._v1.account_links.create_async(
                {
                    "account": account_id,
                    "type": "account_onboarding",
                    "return_url": return_url,
                    "refresh_url": refresh_url,
                }
            ),
        )
        return link.url

    async def create_payment_intent(
        self, booking_id: UUID, amount_cents: int, idempotency_key: str
    ) -> PaymentIntentRef:
        intent = await _call(
            "create a payment intent",
            self._v1.payment_intents.create_async(
                {
                    "amount": amount_cents,
                    "currency": CURRENCY,
                    # A card is held until the caregiver accepts; Bancontact
                    # cannot hold, so its payment is captured at once. The
                    # pinned API version no longer takes `payment_method_types`
                    # on create (400): `allowed_payment_method_types` does it.
                    "allowed_payment_method_types": ["card", "bancontact"],
                    "capture_method": "automatic",
                    "payment_method_options": {"card": {"capture_method": "manual"}},
                    "transfer_group": str(booking_id),
                    "metadata": {"booking_id": str(booking_id)},
                },
                {"idempotency_key": idempotency_key},
            ),
        )
        if not intent.client_secret:
            raise PaymentProviderError("Stripe returned a payment intent without client secret")
        return PaymentIntentRef(intent.id, intent.client_secret)

    async def create_customer(self, owner_id: UUID, idempotency_key: str) -> str:
        # No name or email: the metadata is all Stripe needs to find the owner again.
        customer = await _call(
            "create a customer",
            self._v1.customers.create_async(
                {"metadata": {"owner_id": str(owner_id)}}, {"idempotency_key": idempotency_key}
            ),
        )
        return customer.id

    async def create_setup_intent(
        self, customer_id: str, series_id: UUID, idempotency_key: str
    ) -> SetupIntentRef:
        intent = await _call(
            "create a setup intent",
            self._v1.setup_intents.create_async(
                {
                    "customer": customer_id,
                    "usage": "off_session",
                    # As for PaymentIntents, the pinned API version takes the
                    # allowed types on create, not `payment_method_types`.
                    "allowed_payment_method_types": ["card"],
                    "metadata": {"series_id": str(series_id)},
                },
                {"idempotency_key": idempotency_key},
            ),
        )
        if not intent.client_secret:
            raise PaymentProviderError("Stripe returned a setup intent without client secret")
        return SetupIntentRef(intent.id, intent.client_secret)

    async def charge_off_session(
        self,
        booking_id: UUID,
        amount_cents: int,
        customer_id: str,
        payment_method_id: str,
        idempotency_key: str,
    ) -> OffSessionCharge:
        action = "charge the saved card"
        try:
            intent = await self._v1.payment_intents.create_async(
                {
                    "amount": amount_cents,
                    "currency": CURRENCY,
                    "customer": customer_id,
                    "payment_method": payment_method_id,
                    "allowed_payment_method_types": ["card"],
                    "capture_method": "manual",
                    "confirm": True,
                    "off_session": True,
                    "transfer_group": str(booking_id),
                    "metadata": {"booking_id": str(booking_id)},
                },
                {"idempotency_key": idempotency_key},
            )
        except stripe.CardError as exc:
            # The bank refused or wants the owner: Stripe answers 402 with the
            # PaymentIntent it made, which the owner can still confirm.
            failed = exc.error.payment_intent if exc.error is not None else None
            if failed is None:
                raise _provider_error(action, exc) from exc
            outcome = (
                OffSessionOutcome.AUTHENTICATION_REQUIRED
                if exc.code == AUTHENTICATION_REQUIRED
                else OffSessionOutcome.DECLINED
            )
            return _off_session_charge(failed, outcome)
        except stripe.StripeError as exc:
            raise _provider_error(action, exc) from exc
        status = _OFF_SESSION.get(intent.status)
        if status is None:
            raise PaymentProviderError(
                f"Stripe answered an off-session payment with status {intent.status}"
            )
        return _off_session_charge(intent, status)

    async def capture(self, payment_intent_id: str, idempotency_key: str) -> Capture:
        intent = await _call(
            "capture the payment",
            self._v1.payment_intents.capture_async(
                payment_intent_id,
                {"expand": [CHARGE_WITH_FEE]},
                {"idempotency_key": idempotency_key},
            ),
        )
        charge = intent.latest_charge
        charge_id = charge.id if isinstance(charge, stripe.Charge) else charge
        return Capture(charge_id=charge_id, fee_cents=_fee(charge))

    async def cancel(self, payment_intent_id: str, idempotency_key: str) -> None:
        try:
            await self._v1.payment_intents.cancel_async(
                payment_intent_id, {}, {"idempotency_key": idempotency_key}
            )
        except stripe.InvalidRequestError as exc:
            if exc.code == UNEXPECTED_STATE and await self._is_canceled(payment_intent_id, exc):
                return
            raise _provider_error("cancel the payment", exc) from exc
        except stripe.StripeError as exc:
            raise _provider_error("cancel the payment", exc) from exc

    async def _is_canceled(self, payment_intent_id: str, exc: stripe.InvalidRequestError) -> bool:
        """Whether the PaymentIntent that refused a cancel is canceled already."""
        stated = exc.error.payment_intent if exc.error is not None else None
        if stated is not None:
            return stated.status == "canceled"
        intent = await _call(
            "read the payment", self._v1.payment_intents.retrieve_async(payment_intent_id)
        )
        return intent.status == "canceled"

    async def refund(self, payment_intent_id: str, amount_cents: int, idempotency_key: str) -> str:
        refund = await _call(
            "refund the payment",
            self._v1.refunds.create_async(
                {"payment_intent": payment_intent_id, "amount": amount_cents},
                {"idempotency_key": idempotency_key},
            ),
        )
        return refund.id

    async def transfer(
        self,
        account_id: str,
        amount_cents: int,
        booking_id: UUID,
        source_charge_id: str | None,
        idempotency_key: str,
    ) -> str:
        params: stripe.params.TransferCreateParams = {
            "amount": amount_cents,
            "currency": CURRENCY,
            "destination": account_id,
            "transfer_group": str(booking_id),
            "metadata": {"booking_id": str(booking_id)},
        }
        if source_charge_id is not None:
            params["source_transaction"] = source_charge_id
        transfer = await _call(
            "transfer to the connected account",
            self._v1.transfers.create_async(params, {"idempotency_key": idempotency_key}),
        )
        return transfer.id

    async def find_transfer(self, booking_id: UUID) -> TransferRef | None:
        page = await _call(
            "list transfers",
            self._v1.transfers.list_async({"transfer_group": str(booking_id), "limit": 1}),
        )
        if not page.data:
            return None
        found = page.data[0]
        return TransferRef(found.id, found.amount, found.amount_reversed)

    async def reverse_transfer(
        self, transfer_id: str, amount_cents: int, idempotency_key: str
    ) -> str:
        reversal = await _call(
            "reverse the transfer",
            self._v1.transfers.reversals.create_async(
                transfer_id, {"amount": amount_cents}, {"idempotency_key": idempotency_key}
            ),
        )
        return reversal.id

    async def _transfers(self, booking_id: UUID) -> AsyncIterator[stripe.Transfer]:
        params: stripe.params.TransferListParams = {
            "transfer_group": str(booking_id),
            "limit": PAGE_SIZE,
        }
        while True:
            page = await _call("list transfers", self._v1.transfers.list_async(params))
            for transfer in page.data:
                yield transfer
            if not page.has_more or not page.data:
                return
            params = {**params, "starting_after": page.data[-1].id}

    async def record(self, payment_intent_id: str, booking_id: UUID) -> GatewayRecord:
        intent = await _call(
            "read the payment",
            self._v1.payment_intents.retrieve_async(
                payment_intent_id, {"expand": [CHARGE_WITH_FEE]}
            ),
        )
        charge = intent.latest_charge
        transferred = reversed_ = 0
        async for transfer in self._transfers(booking_id):
            transferred += transfer.amount
            reversed_ += transfer.amount_reversed
        return GatewayRecord(
            captured_cents=intent.amount_received,
            refunded_cents=charge.amount_refunded if isinstance(charge, stripe.Charge) else 0,
            transferred_cents=transferred,
            reversed_cents=reversed_,
            fee_cents=_fee(charge),
            method=_method(charge),
        )
