"""A payment gateway that plays Stripe without the network.

It hands out ids and client secrets and accepts every capture, cancel, refund
and transfer. Like Stripe, it never reports authorizations itself: those
arrive as signed webhooks. Repeating a call with the same idempotency key
returns the first answer.
"""

from __future__ import annotations

import secrets
from uuid import UUID

from tailtribe.domain.ports import PaymentIntentRef


class SimulatedPaymentGateway:
    def __init__(self) -> None:
        self._answers: dict[str, object] = {}
        self.calls: list[tuple[str, str]] = []

    def _once(self, key: str, verb: str, make: object) -> object:
        self.calls.append((verb, key))
        return self._answers.setdefault(key, make)

    @staticmethod
    def _id(prefix: str) -> str:
        return f"{prefix}_sim_{secrets.token_hex(12)}"

    async def create_connected_account(self, email: str, idempotency_key: str) -> str:
        return str(self._once(idempotency_key, "account", self._id("acct")))

    async def onboarding_link(self, account_id: str, return_url: str, refresh_url: str) -> str:
        return f"{return_url}?simulated_onboarding={account_id}"

    async def create_payment_intent(
        self, booking_id: UUID, amount_cents: int, idempotency_key: str
    ) -> PaymentIntentRef:
        pi = self._id("pi")
        ref = PaymentIntentRef(pi, f"{pi}_secret_{secrets.token_hex(8)}")
        answer = self._once(idempotency_key, "payment_intent", ref)
        assert isinstance(answer, PaymentIntentRef)
        return answer

    async def capture(self, payment_intent_id: str, idempotency_key: str) -> None:
        self._once(idempotency_key, "capture", payment_intent_id)

    async def cancel(self, payment_intent_id: str, idempotency_key: str) -> None:
        self._once(idempotency_key, "cancel", payment_intent_id)

    async def refund(self, payment_intent_id: str, amount_cents: int, idempotency_key: str) -> str:
        return str(self._once(idempotency_key, "refund", self._id("re")))

    async def transfer(
        self,
        account_id: str,
        amount_cents: int,
        booking_id: UUID,
        source_payment_intent_id: str,
        idempotency_key: str,
    ) -> str:
        return str(self._once(idempotency_key, "transfer", self._id("tr")))

    async def reverse_transfer(
        self, transfer_id: str, amount_cents: int, idempotency_key: str
    ) -> str:
        return str(self._once(idempotency_key, "reversal", self._id("trr")))
