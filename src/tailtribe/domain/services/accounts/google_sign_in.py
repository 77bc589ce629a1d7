"""Sign in with Google: OpenID Connect, authorization code flow with PKCE."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from tailtribe.domain.errors import EmailTaken, FieldError, InvalidInput, NotFound, SignInFailed
from tailtribe.domain.model.security import UNKNOWN_CLIENT, SignInMethod
from tailtribe.domain.model.text import clean_name
from tailtribe.domain.model.users import MAX_NAME_LENGTH, Locale, Role, User, normalize_email
from tailtribe.domain.ports.identity import ExternalIdentity, IdentityProvider
from tailtribe.domain.ports.storage import Cache, UnitOfWork
from tailtribe.domain.ports.time import Clock, IdGenerator
from tailtribe.domain.services.accounts.security_log import SecurityLog

STATE_SECONDS = 600
STATE_PREFIX = "oidc-state:"


@dataclass(frozen=True, slots=True)
class Started:
    url: str
    binding: str  # for the browser alone (an HttpOnly cookie): proves it started the sign-in


@dataclass(frozen=True, slots=True)
class SignedIn:
    user: User
    created: bool
    # The user's earlier tokens were voided: the caller ends their live sessions.
    revoked: bool = False


def _digest(binding: str) -> str:
    return hashlib.sha256(binding.encode()).hexdigest()


class GoogleSignIn:
    """- `start` keeps a single-use state for ten minutes: the PKCE verifier,
      the nonce, the redirect address (on the web app's own origin) and the
      hash of a binding secret that only the starting browser receives.
    - `finish` takes the state once (a replay finds nothing) and needs the
      same browser's binding: a code and state lifted from a redirect URL,
      or a sign-in the attacker started, are refused. The provider then
      verifies the code and the ID token.
    - Only an email Google verified is accepted. It signs into the account
      with that email, or creates an owner account in the browser's language.
      Linking into an account whose address was never verified removes its
      password and every token: whoever registered it first without owning
      the address loses it. Admins sign in with their password only.
    - The sign-in (and a password so removed) is a security event, committed
      with it.
    """

    def __init__(
        self,
        provider: IdentityProvider | None,
        states: Cache,
        uow: UnitOfWork,
        ids: IdGenerator,
        clock: Clock,
        app_url: str,
        security: SecurityLog,
    ) -> None:
        self._provider, self._states, self._uow = provider, states, uow
        self._ids, self._clock, self._app_url = ids, clock, app_url
        self._security = security

    def _configured(self) -> IdentityProvider:
        if self._provider is None:
            raise NotFound("sign-in with Google is not configured here")
        return self._provider

    async def start(self, redirect_uri: str) -> Started:
        provider = self._configured()
        if not _same_origin(redirect_uri, self._app_url):
            raise InvalidInput(
                "the redirect address must be on the web app",
                [FieldError("redirect_uri", f"not on {self._app_url}")],
            )
        state, nonce, binding = (secrets.token_urlsafe(32) for _ in range(3))
        verifier = secrets.token_urlsafe(64)  # 86 characters: within PKCE's 43..128
        pending = {
            "nonce": nonce,
            "verifier": verifier,
            "redirect_uri": redirect_uri,
            "binding": _digest(binding),
        }
        await self._states.set(STATE_PREFIX + state, json.dumps(pending).encode(), STATE_SECONDS)
        return Started(
            await provider.authorization_url(redirect_uri, state, nonce, verifier), binding
        )

    async def finish(
        self,
        code: str,
        state: str,
        binding: str | None,
        locale: Locale,
        client: str = UNKNOWN_CLIENT,
    ) -> SignedIn:
        """`client` is the coarse name of the browser, for the security events."""
        provider = self._configured()
        stored = await self._states.take(STATE_PREFIX + state) if 0 < len(state) <= 200 else None
        if stored is None:
            raise SignInFailed("the sign-in expired or was already used: start again")
        pending = json.loads(stored)
        if binding is None or not hmac.compare_digest(_digest(binding), pending["binding"]):
            raise SignInFailed("this sign-in was started in another browser: start again")
        identity = await provider.identify(
            code, pending["redirect_uri"], pending["verifier"], pending["nonce"]
        )
        if not identity.email_verified:
            raise SignInFailed("Google has not verified this address: register with a password")
        email = normalize_email(identity.email)
        try:
            return await self._sign_in(email, identity, locale, client)
        except EmailTaken:  # a first sign-in with this email, at the same time, won
            return await self._sign_in(email, identity, locale, client)

    async def _sign_in(
        self, email: str, identity: ExternalIdentity, locale: Locale, client: str
    ) -> SignedIn:
        google = SignInMethod.GOOGLE
        async with self._uow as uow:
            user = await uow.users.get_by_email(email)
            if user is not None:
                if user.has(Role.ADMIN):
                    raise SignInFailed("admins sign in with their password")
                revoked = not user.email_verified
                if revoked:
                    user.verify_email()
                    user.change_password(None)  # set by someone who never proved the address
                    await uow.users.save(user)
                    await self._security.password_changed(uow, user, client, method=google)
                await self._security.signed_in(uow, user, google, client)
                await uow.commit()
                return SignedIn(user, created=False, revoked=revoked)
            user = User.register(
                id=self._ids.new_id(),
                email=email,
                full_name=_full_name(identity.name, email),
                password_hash=None,
                locale=locale,
                now=self._clock.now(),
            )
            user.verify_email()
            await uow.users.add(user)
            await self._security.signed_in(uow, user, google, client)
            await uow.commit()
            return SignedIn(user, created=True)


# When neither Google's name nor the address gives a name others may see.
NAMELESS = "TailTribe"


def _full_name(google_name: str | None, email: str) -> str:
    """Google's name, else the address's local part, if either passes the
    rules on names (a sign-in does not fail on a name the user did not type)."""
    for candidate in (google_name, email.split("@")[0]):
        try:
            name = (candidate or "")[:MAX_NAME_LENGTH]
            return clean_name(name, "full_name", max_length=MAX_NAME_LENGTH)
        except InvalidInput:
            continue
    return NAMELESS


def _same_origin(url: str, app_url: str) -> bool:
    a, b = urlsplit(url), urlsplit(app_url)
    return bool(a.scheme in ("http", "https") and (a.scheme, a.netloc) == (b.scheme, b.netloc))
