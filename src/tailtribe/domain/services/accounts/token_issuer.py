"""Issuing and redeeming the one-time tokens that emails carry."""

from __future__ import annotations

from datetime import datetime

from tailtribe.domain.errors import InvalidInput
from tailtribe.domain.model.tokens import OneTimeToken, TokenPurpose, token_digest
from tailtribe.domain.model.users import User
from tailtribe.domain.ports.identity import TokenSecrets
from tailtribe.domain.ports.storage import UnitOfWork
from tailtribe.domain.ports.time import IdGenerator
from tailtribe.domain.services.outbox import EMAIL_PASSWORD_RESET, EMAIL_VERIFY, Outbox

TOPICS = {
    TokenPurpose.VERIFY_EMAIL: EMAIL_VERIFY,
    TokenPurpose.RESET_PASSWORD: EMAIL_PASSWORD_RESET,
}
MAX_TOKEN_LENGTH = 200


class TokenIssuer:
    def __init__(self, secrets: TokenSecrets, outbox: Outbox, ids: IdGenerator) -> None:
        self._secrets = secrets
        self._outbox = outbox
        self._ids = ids

    async def send(self, uow: UnitOfWork, user: User, purpose: TokenPurpose, now: datetime) -> None:
        """Store the token's hash and queue the email that carries it (by id only)."""
        token_id = self._ids.new_id()
        secret = self._secrets.secret_for(token_id)
        await uow.tokens.add(
            OneTimeToken.issue(
                id=token_id, user_id=user.id, purpose=purpose, secret=secret, now=now
            )
        )
        await self._outbox.add(uow, TOPICS[purpose], user_id=str(user.id), token_id=str(token_id))

    async def redeem(
        self, uow: UnitOfWork, secret: str, purpose: TokenPurpose, now: datetime
    ) -> OneTimeToken:
        """Use a token once; unknown, used, expired and wrong-purpose look alike."""
        token = None
        if 0 < len(secret) <= MAX_TOKEN_LENGTH:
            token = await uow.tokens.get_by_digest(token_digest(secret))
        if token is None or token.purpose is not purpose:
            raise InvalidInput("the link is invalid or has expired")
        token.use(now)
        await uow.tokens.save(token)
        return token
