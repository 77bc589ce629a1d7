"""Sign in with Google against a local OpenID Connect provider: the real
adapter code runs, from the consent URL to the verified ID token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc.jwk import RSAKey

from tailtribe.adapters.oidc.identity_provider import OidcIdentityProvider
from tailtribe.domain.errors import InvalidInput, NotFound, SignInFailed
from tailtribe.domain.model.users import Locale, User
from tailtribe.domain.services.accounts.google_sign_in import STATE_PREFIX, GoogleSignIn, SignedIn
from tailtribe.domain.services.outbox import EMAIL_VERIFY
from tests.oidc_standin import CLIENT_ID, CLIENT_SECRET, OidcStandIn, oidc_standin
from tests.services.conftest import World

APP = "http://127.0.0.1:8000"
REDIRECT = f"{APP}/auth/google"


class Flow:
    def __init__(self, world: World, provider: OidcStandIn, http: httpx.AsyncClient) -> None:
        self.world, self.provider, self.http = world, provider, http
        provider.now = lambda: world.clock.now().timestamp()
        idp = OidcIdentityProvider(
            f"{provider.url}/.well-known/openid-configuration",
            CLIENT_ID,
            CLIENT_SECRET,
            world.clock,
            http,
        )
        self.sign_in = GoogleSignIn(
            idp, world.cache, world.uow, world.tokens, world.ids, world.clock, APP
        )

    async def consent(self, redirect: str = REDIRECT) -> tuple[str, str]:
        """Start, then go through the provider's page: the code and state it sends back."""
        url = await self.sign_in.start(redirect)
        assert url.startswith(f"{self.provider.url}/authorize?")
        answer = await self.http.get(url, follow_redirects=False)
        assert answer.status_code == 302, answer.text
        back = urlsplit(answer.headers["location"])
        assert f"{back.scheme}://{back.netloc}{back.path}" == redirect
        query = parse_qs(back.query)
        return query["code"][0], query["state"][0]

    async def run(self, locale: Locale = Locale.FR) -> SignedIn:
        code, state = await self.consent()
        return await self.sign_in.finish(code, state, locale)

    async def existing(self, email: str, verified: bool = False) -> User:
        w = self.world
        user = User.register(
            id=w.ids.new_id(),
            email=email,
            full_name="Old",
            password_hash="h",
            locale=Locale.NL,
            now=w.clock.now(),
        )
        user.email_verified = verified
        async with w.uow as uow:
            await uow.users.add(user)
            await uow.commit()
        return user


@pytest.fixture
async def flow(world: World) -> AsyncIterator[Flow]:
    async with oidc_standin() as provider, httpx.AsyncClient() as http:
        yield Flow(world, provider, http)


async def test_a_new_google_user_gets_an_owner_account_in_the_browsers_language(
    flow: Flow,
) -> None:
    first = await flow.run(Locale.FR)
    assert first.created and first.user.email == "noor@example.be"
    assert first.user.locale is Locale.FR and first.user.email_verified
    assert first.user.full_name == "Noor" and first.user.password_hash is None
    again = await flow.run(Locale.EN)
    assert not again.created and again.user.id == first.user.id
    assert flow.provider.jwks_requests == 1  # the keys are cached


async def test_a_verified_google_email_signs_into_the_existing_account(flow: Flow) -> None:
    old = await flow.existing("noor@example.be")
    signed_in = await flow.run()
    assert not signed_in.created and signed_in.user.id == old.id
    stored = flow.world.uow.store.users[old.id]
    assert stored.email_verified and stored.locale is Locale.NL  # the account keeps its language


async def test_an_unverified_google_email_never_enters_an_existing_account(flow: Flow) -> None:
    await flow.existing("noor@example.be", verified=True)
    flow.provider.user["email_verified"] = False
    with pytest.raises(SignInFailed, match="not verified"):
        await flow.run()


async def test_an_unverified_google_email_makes_an_unverified_account(flow: Flow) -> None:
    flow.provider.user |= {"email": "new@example.be", "email_verified": False}
    signed_in = await flow.run()
    assert signed_in.created and not signed_in.user.email_verified
    topics = [m.topic for m in flow.world.uow.outbox_rows.values()]
    assert topics == [EMAIL_VERIFY]  # the usual verification email


async def test_a_state_is_used_once_and_expires(flow: Flow) -> None:
    code, state = await flow.consent()
    await flow.sign_in.finish(code, state, Locale.NL)
    with pytest.raises(SignInFailed, match="expired or was already used"):
        await flow.sign_in.finish(code, state, Locale.NL)  # replayed
    code, state = await flow.consent()
    flow.world.clock.advance(timedelta(minutes=11))
    with pytest.raises(SignInFailed, match="expired or was already used"):
        await flow.sign_in.finish(code, state, Locale.NL)
    with pytest.raises(SignInFailed):
        await flow.sign_in.finish(code, "x" * 500, Locale.NL)
    assert flow.provider.token_requests == 1  # refused before the provider is asked


async def test_a_wrong_pkce_verifier_is_refused_by_the_provider(flow: Flow) -> None:
    code, state = await flow.consent()
    key = STATE_PREFIX + state
    stored = await flow.world.cache.get(key)
    assert stored is not None
    await flow.world.cache.set(key, stored.replace(b'"verifier": "', b'"verifier": "x'), 600)
    with pytest.raises(SignInFailed, match="refused the code"):
        await flow.sign_in.finish(code, state, Locale.NL)


@pytest.mark.parametrize(
    ("tamper", "why"),
    [
        ({"key": RSAKey.generate_key(2048, {"kid": "k1"}, private=True)}, "signature"),
        ({"aud": "someone-else.apps.example"}, "aud"),
        ({"iss": "https://evil.example"}, "iss"),
        ({"exp": 0}, "exp"),
        ({"nonce": "another-nonce"}, "nonce"),
    ],
)
async def test_an_id_token_that_does_not_verify_is_refused(
    flow: Flow, tamper: dict[str, Any], why: str
) -> None:
    flow.provider.tamper = tamper
    with pytest.raises(SignInFailed, match="ID token is not valid") as refused:
        await flow.run()
    assert why in str(refused.value).lower() or why == "signature"
    assert not flow.world.uow.store.users


async def test_a_rotated_provider_key_is_fetched_once(flow: Flow) -> None:
    await flow.run()
    flow.provider.key = RSAKey.generate_key(2048, {"kid": "k2"}, private=True)
    signed_in = await flow.run()
    assert not signed_in.created and flow.provider.jwks_requests == 2


async def test_redirects_stay_on_the_web_app_and_unconfigured_is_404(flow: Flow) -> None:
    with pytest.raises(InvalidInput):
        await flow.sign_in.start("https://evil.example/auth/google")
    with pytest.raises(InvalidInput):
        await flow.sign_in.start("javascript:alert(1)")
    w = flow.world
    off = GoogleSignIn(None, w.cache, w.uow, w.tokens, w.ids, w.clock, APP)
    with pytest.raises(NotFound):
        await off.start(REDIRECT)
