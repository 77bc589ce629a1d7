"""Security events recorded by the sign-in and password use cases, and the
new-client email (docs/privacy.md, Security events)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import UUID

import httpx
import pytest

from tailtribe.domain.errors import InvalidCredentials, SignInFailed
from tailtribe.domain.model.security import (
    COMMAND_LINE,
    NEW_CLIENT_AFTER,
    RETENTION,
    SecurityEvent,
    SecurityEventKind,
    SignInMethod,
)
from tailtribe.domain.model.users import Locale, User
from tailtribe.domain.services.accounts.authenticate import Credentials
from tailtribe.domain.services.accounts.create_admin import CreateAdmin
from tailtribe.domain.services.accounts.register import Register
from tailtribe.domain.services.accounts.security_log import (
    ListSecurityEvents,
)
from tailtribe.domain.services.outbox import EMAIL_NEW_SIGN_IN, EMAIL_PASSWORD_RESET
from tailtribe.domain.services.privacy.retention import RULES, ApplyRetention
from tests.oidc_standin import oidc_standin
from tests.services.conftest import World
from tests.services.test_accounts import (
    PASSWORD,
    authenticate,
    confirm_reset,
    emailed_secret,
    register,
    request_reset,
)
from tests.services.test_google_sign_in import Flow

FIREFOX, SAFARI = "Firefox on Windows", "Safari on iOS"


async def jan(world: World) -> User:
    return await register(world)(Register("jan@example.be", PASSWORD, "Jan", Locale.NL))


def events(world: World, user: User) -> list[SecurityEvent]:
    return [e for e in world.uow.store.security_events if e.user_id == user.id]


def new_sign_in_emails(world: World, user: User) -> list[dict[str, str]]:
    return [
        m.payload
        for m in world.uow.outbox_rows.values()
        if m.topic == EMAIL_NEW_SIGN_IN and m.payload["user_id"] == str(user.id)
    ]


async def sign_in(world: World, client: str) -> None:
    await authenticate(world)(Credentials("jan@example.be", PASSWORD, client=client))


async def test_a_password_sign_in_is_recorded_with_its_coarse_client(world: World) -> None:
    user = await jan(world)
    await sign_in(world, FIREFOX)
    [event] = events(world, user)
    assert (event.kind, event.method, event.client, event.at) == (
        SecurityEventKind.SIGN_IN,
        SignInMethod.PASSWORD,
        FIREFOX,
        world.clock.now(),
    )


async def test_a_failed_sign_in_records_nothing(world: World) -> None:
    user = await jan(world)
    with pytest.raises(InvalidCredentials):
        await authenticate(world)(Credentials("jan@example.be", "wrong password", client=FIREFOX))
    assert events(world, user) == []


async def test_the_client_is_stored_on_one_bounded_line(world: World) -> None:
    user = await jan(world)
    await sign_in(world, "  Firefox\non   Windows " + "x" * 500)
    [event] = events(world, user)
    assert "\n" not in event.client and len(event.client) <= 60
    assert event.client.startswith("Firefox on Windows")
    await sign_in(world, "   ")
    assert events(world, user)[-1].client == "unknown client"


async def test_the_first_sign_in_ever_sends_no_new_client_email(world: World) -> None:
    user = await jan(world)
    await sign_in(world, FIREFOX)
    assert new_sign_in_emails(world, user) == []


async def test_a_new_client_is_emailed_once_and_a_known_one_never(world: World) -> None:
    user = await jan(world)
    await sign_in(world, FIREFOX)
    await sign_in(world, FIREFOX)
    assert new_sign_in_emails(world, user) == []
    world.clock.advance(timedelta(hours=1))
    await sign_in(world, SAFARI)
    [email] = new_sign_in_emails(world, user)
    assert email == {
        "user_id": str(user.id),
        "at": world.clock.now().isoformat(),
        "method": "password",
        "client": SAFARI,
    }
    await sign_in(world, SAFARI)
    await sign_in(world, FIREFOX)
    assert len(new_sign_in_emails(world, user)) == 1


async def test_a_client_not_seen_for_90_days_is_new_again(world: World) -> None:
    user = await jan(world)
    await sign_in(world, FIREFOX)
    await sign_in(world, SAFARI)
    world.clock.advance(NEW_CLIENT_AFTER - timedelta(seconds=1))
    await sign_in(world, SAFARI)  # seen within 90 days: nothing
    await sign_in(world, FIREFOX)  # seen just within 90 days: nothing either
    assert len(new_sign_in_emails(world, user)) == 1
    world.clock.advance(NEW_CLIENT_AFTER + timedelta(seconds=1))
    await sign_in(world, FIREFOX)
    assert [e["client"] for e in new_sign_in_emails(world, user)] == [SAFARI, FIREFOX]


async def test_a_password_reset_is_recorded(world: World) -> None:
    user = await jan(world)
    await request_reset(world)("jan@example.be")
    secret = emailed_secret(world, EMAIL_PASSWORD_RESET, user.id)
    await confirm_reset(world)(secret, "brand new password", SAFARI)
    [event] = events(world, user)
    assert (event.kind, event.method, event.client) == (
        SecurityEventKind.PASSWORD_RESET,
        None,
        SAFARI,
    )


async def test_a_password_set_on_the_command_line_is_a_change(world: World) -> None:
    create = CreateAdmin(world.uow, world.hasher, world.ids, world.clock, world.security)
    user = await jan(world)
    world.uow.store.users[user.id].verify_email()
    await create("jan@example.be", None)  # promoted, password kept: no event
    assert events(world, user) == []
    await create("jan@example.be", "admin password!")
    [event] = events(world, user)
    assert (event.kind, event.client) == (SecurityEventKind.PASSWORD_CHANGED, COMMAND_LINE)


@pytest.fixture
async def flow(world: World) -> AsyncIterator[Flow]:
    async with oidc_standin() as provider, httpx.AsyncClient() as http:
        yield Flow(world, provider, http)


async def google(flow: Flow, client: str) -> UUID:
    code, state = await flow.consent()
    signed_in = await flow.sign_in.finish(code, state, flow.binding, Locale.NL, client)
    return signed_in.user.id


async def test_google_sign_ins_are_recorded_and_a_new_client_emailed(flow: Flow) -> None:
    world = flow.world
    user_id = await google(flow, FIREFOX)  # the account is created
    await google(flow, FIREFOX)
    user = world.uow.store.users[user_id]
    assert [(e.kind, e.method, e.client) for e in events(world, user)] == [
        (SecurityEventKind.SIGN_IN, SignInMethod.GOOGLE, FIREFOX)
    ] * 2
    assert new_sign_in_emails(world, user) == []
    await google(flow, SAFARI)
    [email] = new_sign_in_emails(world, user)
    assert (email["method"], email["client"]) == ("google", SAFARI)


async def test_a_google_sign_in_that_removes_a_password_records_both(flow: Flow) -> None:
    squatted = await flow.existing("noor@example.be", verified=False)
    await google(flow, FIREFOX)
    kinds = [(e.kind, e.method) for e in events(flow.world, squatted)]
    assert kinds == [
        (SecurityEventKind.PASSWORD_CHANGED, SignInMethod.GOOGLE),
        (SecurityEventKind.SIGN_IN, SignInMethod.GOOGLE),
    ]


async def test_a_refused_google_sign_in_records_nothing(flow: Flow) -> None:
    admin = await flow.existing("noor@example.be", verified=True, admin=True)
    with pytest.raises(SignInFailed):
        await google(flow, FIREFOX)
    assert events(flow.world, admin) == []


async def test_the_list_is_the_users_own_newest_first(world: World) -> None:
    user = await jan(world)
    other = await register(world)(Register("piet@example.be", PASSWORD, "Piet", Locale.NL))
    await sign_in(world, FIREFOX)
    world.clock.advance(timedelta(minutes=1))
    await authenticate(world)(Credentials("piet@example.be", PASSWORD, client=SAFARI))
    world.clock.advance(timedelta(minutes=1))
    await sign_in(world, SAFARI)
    page = await ListSecurityEvents(world.uow)(user.id, 10, 0)
    assert page.total == 2 and [e.client for e in page.items] == [SAFARI, FIREFOX]
    assert (await ListSecurityEvents(world.uow)(other.id, 10, 0)).total == 1


async def test_events_older_than_a_year_are_purged(world: World) -> None:
    user = await jan(world)
    await sign_in(world, FIREFOX)
    world.clock.advance(timedelta(days=200))
    await sign_in(world, SAFARI)
    rules = [rule for rule in RULES if rule.name == "security_events"]
    assert rules[0].period == RETENTION
    # The daily retention job's own rule; it deletes no files.
    purge = ApplyRetention(world.uow, None, world.clock, rules)  # type: ignore[arg-type]
    world.clock.advance(RETENTION - timedelta(days=200))
    assert await purge() == {"security_events": 0}  # exactly a year old: kept
    world.clock.advance(timedelta(seconds=1))
    assert await purge() == {"security_events": 1}
    assert [e.client for e in events(world, user)] == [SAFARI]
