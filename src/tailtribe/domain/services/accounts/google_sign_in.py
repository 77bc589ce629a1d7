"""Sign in with Google: OpenID Connect, authorization code flow with PKCE."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from tailtribe.domain.errors import FieldError, InvalidInput, NotFound, SignInFailed
from tailtribe.domain.model.tokens import TokenPurpose
from tailtribe.domain.model.users import Locale, User, normalize_email
from tailtribe.domain.ports import Cache, Clock, IdentityProvider, IdGenerator, UnitOfWork
from tailtribe.domain.services.accounts.token_issuer import TokenIssuer

STATE_SECONDS = 600
STATE_PREFIX = "oidc-state:"


@dataclass(frozen=True, slots=True)
class SignedIn:
    user: User
    created: bool


class GoogleSignIn:
    """- `start` keeps a single-use state (with the PKCE verifier, the nonce and
      the redirect address) for ten minutes and returns Google's consent page;
      the redirect address must be on the web app's own origin.
    - `finish` takes the state once (a replay finds nothing), lets the provider
      verify the code and the ID token, then signs into the account with that
      email if Google verified it (marking the address verified), or creates
      an owner account in the browser's language. An unverified Google email
      never signs into an existing account; a new account made with one gets
      the usual verification email.
    """

    def __init__(
        self,
        provider: IdentityProvider | None,
        states: Cache,
        uow: UnitOfWork,
        tokens: TokenIssuer,
        ids: IdGenerator,
        clock: Clock,
        app_url: str,
    ) -> None:
        self._provider, self._states, self._uow = provider, states, uow
        self._tokens, self._ids, self._clock, self._app_url = tokens, ids, clock, app_url

    def _configured(self) -> IdentityProvider:
        if self._provider is None:
            raise NotFound("sign-in with Google is not configured here")
        return self._provider

    async def start(self, redirect_uri: str) -> str:
        provider = self._configured()
        if not _same_origin(redirect_uri, self._app_url):
            raise InvalidInput(
                "the redirect address must be on the web app",
                [FieldError("redirect_uri", f"not on {self._app_url}")],
            )
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)  # 86 characters: within PKCE's 43..128
        pending = {"nonce": nonce, "verifier": verifier, "redirect_uri": redirect_uri}
        await self._states.set(STATE_PREFIX + state, json.dumps(pending).encode(), STATE_SECONDS)
        return await provider.authorization_url(redirect_uri, state, nonce, verifier)

    async def finish(self, code: str, state: str, locale: Locale) -> SignedIn:
        provider = self._configured()
        stored = await self._states.take(STATE_PREFIX + state) if 0 < len(state) <= 200 else None
        if stored is None:
            raise SignInFailed("the sign-in expired or was already used: start again")
        pending = json.loads(stored)
        identity = await provider.identify(
            code, pending["redirect_uri"], pending["verifier"], pending["nonce"]
        )
        email = normalize_email(identity.email)
        now = self._clock.now()
        async with self._uow as uow:
            user = await uow.users.get_by_email(email)
            if user is not None:
                if not identity.email_verified:
                    raise SignInFailed("Google has not verified this address: sign in with it")
                if not user.email_verified:
                    user.verify_email()
                    await uow.users.save(user)
                    await uow.commit()
                return SignedIn(user, created=False)
            user = User.register(
                id=self._ids.new_id(),
                email=email,
                full_name=(identity.name or email.split("@")[0])[:100],
                password_hash=None,
                locale=locale,
                now=now,
            )
            if identity.email_verified:
                user.verify_email()
            await uow.users.add(user)
            if not identity.email_verified:
                await self._tokens.send(uow, user, TokenPurpose.VERIFY_EMAIL, now)
            await uow.commit()
            return SignedIn(user, created=True)


def _same_origin(url: str, app_url: str) -> bool:
    a, b = urlsplit(url), urlsplit(app_url)
    return bool(a.scheme in ("http", "https") and (a.scheme, a.netloc) == (b.scheme, b.netloc))
