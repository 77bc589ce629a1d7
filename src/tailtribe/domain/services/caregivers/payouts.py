"""Stripe Connect onboarding, and what Stripe tells us about the account."""

from __future__ import annotations

from uuid import UUID

from tailtribe.domain.ports.payments import PaymentGateway
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.services.caregivers.manage_profile import own_profile


class StartPayoutOnboarding:
    """Give the caregiver a fresh onboarding link (links are single-use).

    The connected account is created once: the idempotency key is derived
    from the profile, and its id is stored before any link is handed out.
    """

    def __init__(self, uow: UnitOfWork, gateway: PaymentGateway, app_url: str) -> None:
        self._uow, self._gateway, self._app_url = uow, gateway, app_url

    async def __call__(self, user_id: UUID) -> str:
        async with self._uow as uow:
            caregiver = await own_profile(uow, user_id)
            user = await uow.users.get(user_id)
            account_id = caregiver.stripe_account_id
            if account_id is None:
                account_id = await self._gateway.create_connected_account(
                    user.email if user else "",
                    idempotency_key=f"caregiver:{caregiver.id}:account",
                )
                caregiver.connect_payout_account(account_id)
                await uow.caregivers.save(caregiver)
                await uow.commit()
        return await self._gateway.onboarding_link(
            account_id,
            return_url=f"{self._app_url}/caregiver/payouts/done",
            refresh_url=f"{self._app_url}/caregiver/payouts/refresh",
        )
