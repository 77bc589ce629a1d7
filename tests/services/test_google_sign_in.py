"""Sign in with Google against a local OpenID Connect provider: the real
adapter code runs, from the consent URL to the verified ID token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc.jwk import OctKey, RSAKey

from tailtribe.adapters.oidc.identity_provider import OidcIdentityProvider
from tailtribe.domain.errors import InvalidInput, NotFound, SignInFailed
from tailtribe.domain.model.users import Locale, Role, User
from tailtribe.domain.services.accounts.google_sign_in import STATE_PREFIX, GoogleSignIn, SignedIn
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
            idp, world.cache, world.uow, world.ids, world.clock, APP, world.security
        )
        self.binding = ""

    async def consent(self, redirect: str = REDIRECT) -> tuple[str, str]:
        """Start, then go through the provider's page: the code and state it sends back."""
        started = await self.sign_in.start(redirect)
        self.binding = started.binding
        assert started.url.startswith(f"{self.provider.url}/authorize?")
        answer = await self.http.get(started.url, follow_redirects=False)
        assert answer.status_code == 302, answer.text
        back = urlsplit(answer.headers["location"])
        assert f"{back.scheme}://{back.netloc}{back.path}" == redirect
        query = parse_qs(back.query)
        return query["code"][0], query["state"][0]

    async def run(self, locale: Locale = Locale.FR) -> SignedIn:
        code, state = await self.consent()
        return await self.sign_in.finish(code, state, self.binding, locale)

    async def existing(self, email: str, verified: bool = False, admin: bool = False) -> User:
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
        if admin:
            user.grant(Role.ADMIN)
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


@pytest.mark.parametrize("name", ["Noor 0470 12 34 56", "Noor\u202e", "\u200b\u200b"])
async def test_a_google_name_that_breaks_the_rules_on_names_gives_way_to_the_address(
    flow: Flow, name: str
) -> None:
    flow.provider.user["name"] = name
    signed_in = await flow.run()
    assert signed_in.created and signed_in.user.full_name == "noor"


async def test_a_google_name_is_stored_composed(flow: Flow) -> None:
    flow.provider.user["name"] = "Noe\u0308l"
    assert (await flow.run()).user.full_name == "No\u00ebl"


async def test_a_verified_google_email_signs_into_the_existing_account(flow: Flow) -> None:
    old = await flow.existing("noor@example.be", verified=True)
    signed_in = await flow.run()
    assert not signed_in.created and signed_in.user.id == old.id
    stored = flow.world.uow.store.users[old.id]
    assert stored.locale is Locale.NL  # the account keeps its language
    assert stored.password_hash == "h" and stored.token_version == old.token_version
    assert not signed_in.revoked  # its live sessions go on


async def test_an_account_registered_by_someone_else_first_loses_its_password(
    flow: Flow,
) -> None:
    """Someone registered the address without proving it: whoever owns it at
    Google takes the account over, and the squatter's password and tokens die."""
    squatted = await flow.existing("noor@example.be", verified=False)
    signed_in = await flow.run()
    assert signed_in.user.id == squatted.id
    stored = flow.world.uow.store.users[squatted.id]
    assert stored.email_verified and stored.password_hash is None
    assert stored.token_version == squatted.token_version + 1
    assert signed_in.revoked  # the squatter's live sessions end too


async def test_admins_sign_in_with_their_password_only(flow: Flow) -> None:
    await flow.existing("noor@example.be", verified=True, admin=True)
    with pytest.raises(SignInFailed, match="admins"):
        await flow.run()


async def test_an_unverified_google_email_never_enters_an_existing_account(flow: Flow) -> None:
    await flow.existing("noor@example.be", verified=True)
    flow.provider.user["email_verified"] = False
    with pytest.raises(SignInFailed, match="not verified"):
        await flow.run()


async def test_an_unverified_google_email_makes_no_account(flow: Flow) -> None:
    """Or the address would be taken from its owner, who could not register."""
    flow.provider.user |= {"email": "new@example.be", "email_verified": False}
    with pytest.raises(SignInFailed, match="not verified"):
        await flow.run()
    assert not flow.world.uow.store.users


async def test_a_code_and_state_lifted_from_another_browser_are_refused(flow: Flow) -> None:
    code, state = await flow.consent()  # the victim's redirect, seen by someone else
    with pytest.raises(SignInFailed, match="another browser"):
        await flow.sign_in.finish(code, state, "the attacker's own binding", Locale.NL)
    with pytest.raises(SignInFailed, match="already used"):  # and the state is spent
        await flow.sign_in.finish(code, state, flow.binding, Locale.NL)
    code, state = await flow.consent()
    with pytest.raises(SignInFailed, match="another browser"):
        await flow.sign_in.finish(code, state, None, Locale.NL)
    assert flow.provider.token_requests == 0 and not flow.world.uow.store.users


async def test_a_state_is_used_once_and_expires(flow: Flow) -> None:
    code, state = await flow.consent()
    await flow.sign_in.finish(code, state, flow.binding, Locale.NL)
    with pytest.raises(SignInFailed, match="expired or was already used"):
        await flow.sign_in.finish(code, state, flow.binding, Locale.NL)  # replayed
    code, state = await flow.consent()
    flow.world.clock.advance(timedelta(minutes=11))
    with pytest.raises(SignInFailed, match="expired or was already used"):
        await flow.sign_in.finish(code, state, flow.binding, Locale.NL)
    with pytest.raises(SignInFailed):
        await flow.sign_in.finish(code, "x" * 500, flow.binding, Locale.NL)
    assert flow.provider.token_requests == 1  # refused before the provider is asked


async def test_a_wrong_pkce_verifier_is_refused_by_the_provider(flow: Flow) -> None:
    code, state = await flow.consent()
    key = STATE_PREFIX + state
    stored = await flow.world.cache.get(key)
    assert stored is not None
    await flow.world.cache.set(key, stored.replace(b'"verifier": "', b'"verifier": "x'), 600)
    with pytest.raises(SignInFailed, match="refused the code"):
        await flow.sign_in.finish(code, state, flow.binding, Locale.NL)


@pytest.mark.parametrize(
    ("tamper", "why"),
    [
        ({"key": RSAKey.generate_key(2048, {"kid": "k1"}, private=True)}, "BadSignature"),
        ({"key": OctKey.generate_key(256, {"kid": "k1"}), "alg": "HS256"}, "UnsupportedAlgorithm"),
        ({"aud": "someone-else.apps.example"}, "InvalidClaim"),
        ({"iss": "https://evil.example"}, "InvalidClaim"),
        ({"exp": 0}, "ExpiredToken"),
        ({"nonce": "another-nonce"}, "InvalidClaim"),
        ({"email": None}, "MissingClaim"),
        ({"azp": "someone-else.apps.example"}, "another client"),
        ({"aud": [CLIENT_ID, "other"]}, "another client"),
    ],
)
async def test_an_id_token_that_does_not_verify_is_refused(
    flow: Flow, tamper: dict[str, Any], why: str
) -> None:
    flow.provider.tamper = tamper
    with pytest.raises(SignInFailed) as refused:
        await flow.run()
    assert why in str(refused.value)
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
    off = GoogleSignIn(None, w.cache, w.uow, w.ids, w.clock, APP, w.security)
    with pytest.raises(NotFound):
        await off.start(REDIRECT)
