from __future__ import annotations

from tailtribe.domain.errors import InvalidInput
from tailtribe.domain.model.tokens import TokenPurpose
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import Clock
from tailtribe.domain.services.accounts.token_issuer import TokenIssuer


class VerifyEmail:
    """A valid, unused, unexpired verification token marks the address verified."""

    def __init__(self, uow: UnitOfWork, tokens: TokenIssuer, clock: Clock) -> None:
        self._uow, self._tokens, self._clock = uow, tokens, clock

    async def __call__(self, secret: str) -> None:
        async with self._uow as uow:
            token = await self._tokens.redeem(
                uow, secret, TokenPurpose.VERIFY_EMAIL, self._clock.now()
            )
            user = await uow.users.get(token.user_id)
            if user is None:
                raise InvalidInput("the link is invalid or has expired")
            user.verify_email()
            await uow.users.save(user)
            await uow.commit()
