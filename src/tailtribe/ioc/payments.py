"""Stripe (or its simulation), its webhooks, the ledger, payouts and disputes."""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide

from tailtribe.adapters.simulated.payment_gateway import SimulatedPaymentGateway
from tailtribe.adapters.stripe.events import StripeEventDecoder
from tailtribe.adapters.stripe.payment_gateway import StripePaymentGateway, make_stripe_client
from tailtribe.adapters.stripe.webhooks import StripeWebhookVerifier
from tailtribe.config import Settings
from tailtribe.domain.ports.payments import (
    PaymentEventDecoder,
    PaymentGateway,
    PaymentSimulator,
    WebhookVerifier,
)
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.admin.queues import ReadQueues
from tailtribe.domain.services.payments.apply_payment_events import (
    ReceivePaymentEvent,
    RetryPaymentEvents,
)
from tailtribe.domain.services.payments.disputes import ManageDisputes
from tailtribe.domain.services.payments.ledger import ReadLedger, Reconcile
from tailtribe.domain.services.payments.payouts import PayOutDue
from tailtribe.domain.services.payments.retry_event import RetryPaymentEvent
from tailtribe.domain.services.payments.simulate import SimulateCardSetup, SimulatePayment


class PaymentsProvider(Provider):
    scope = Scope.REQUEST

    @provide(scope=Scope.APP)
    async def payment_gateway(self, settings: Settings) -> AsyncIterator[PaymentGateway]:
        if not settings.stripe_secret_key:
            yield SimulatedPaymentGateway(settings.webhook_secret)
            return
        gateway = StripePaymentGateway(
            make_stripe_client(settings.stripe_secret_key, settings.stripe_api_base)
        )
        yield gateway
        await gateway.aclose()

    @provide(scope=Scope.APP)
    def payment_simulator(self, gateway: PaymentGateway) -> PaymentSimulator | None:
        # With Stripe, the owner's browser pays through Stripe.js: no simulation.
        return gateway if isinstance(gateway, SimulatedPaymentGateway) else None

    @provide(scope=Scope.APP)
    def webhook_verifier(self, settings: Settings) -> WebhookVerifier:
        return StripeWebhookVerifier(settings.webhook_secret)

    @provide(scope=Scope.APP)
    def payment_event_decoder(self) -> PaymentEventDecoder:
        return StripeEventDecoder()

    receive_payment_event = provide(ReceivePaymentEvent)
    retry_payment_events = provide(RetryPaymentEvents)
    retry_payment_event = provide(RetryPaymentEvent)
    read_queues = provide(ReadQueues)
    pay_out_due = provide(PayOutDue)
    manage_disputes = provide(ManageDisputes)
    read_ledger = provide(ReadLedger)
    reconcile = provide(Reconcile)

    @provide
    def simulate_payment(
        self,
        uow: UnitOfWork,
        simulator: PaymentSimulator | None,
        verifier: WebhookVerifier,
        receive: ReceivePaymentEvent,
        clock: Clock,
    ) -> SimulatePayment:
        return SimulatePayment(uow, simulator, verifier, receive, clock)

    @provide
    def simulate_card_setup(
        self,
        uow: UnitOfWork,
        simulator: PaymentSimulator | None,
        verifier: WebhookVerifier,
        receive: ReceivePaymentEvent,
        clock: Clock,
    ) -> SimulateCardSetup:
        return SimulateCardSetup(uow, simulator, verifier, receive, clock)
