from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from tailtribe.domain.errors import InvalidCredentials, InvalidInput, RateLimited
from tailtribe.domain.model.users import Locale, Role
from tailtribe.domain.ports.limits import EMAILS_PER_ADDRESS_PER_HOUR
from tailtribe.domain.services.accounts.authenticate import Authenticate, Credentials
from tailtribe.domain.services.accounts.create_admin import (
    CreateAdmin,
    PasswordRequired,
    UnverifiedAccount,
)
from tailtribe.domain.services.accounts.password_reset import (
    ConfirmPasswordReset,
    RequestPasswordReset,
)
from tailtribe.domain.services.accounts.register import Register, RegisterUser
from tailtribe.domain.services.accounts.verify_email import VerifyEmail
from tailtribe.domain.services.outbox import (
    EMAIL_ACCOUNT_EXISTS,
    EMAIL_PASSWORD_RESET,
    EMAIL_VERIFY,
)
from tests.services.conftest import World

PASSWORD = "long enough pw"


def register(world: World) -> RegisterUser:
    return RegisterUser(
        world.uow, world.hasher, world.tokens, world.ids, world.clock, world.outbox, world.email_cap
    )


def authenticate(world: World) -> Authenticate:
    return Authenticate(
        world.uow,
        world.hasher,
        world.throttle,
        "$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
        world.devices,
        world.clock,
        world.security,
    )


def request_reset(world: World) -> RequestPasswordReset:
    return RequestPasswordReset(world.uow, world.tokens, world.clock, world.email_cap)


def confirm_reset(world: World) -> ConfirmPasswordReset:
    return ConfirmPasswordReset(
        world.uow, world.tokens, world.hasher, world.clock, world.throttle, world.security
    )


def emailed_secret(world: World, topic: str, user_id: UUID) -> str:
    rows = [
        m
        for m in world.uow.outbox_rows.values()
        if m.topic == topic and m.payload["user_id"] == str(user_id)
    ]
    assert rows, f"no {topic} queued"
    return world.secrets.secret_for(UUID(rows[-1].payload["token_id"]))


async def test_registration_queues_a_verification_email_with_no_secret_in_it(world: World) -> None:
    user = await register(world)(Register(" Jan@Example.be ", PASSWORD, "Jan", Locale.EN))
    assert user.email == "jan@example.be"
    assert user.roles == {Role.OWNER}
    assert world.uow.commits == 1
    [message] = world.uow.outbox_rows.values()
    assert message.topic == EMAIL_VERIFY
    secret = emailed_secret(world, EMAIL_VERIFY, user.id)
    assert secret not in str(message.payload)
    assert all(t.digest != secret for t in world.uow.store.tokens.values())
    stored = world.uow.store.users[user.id]
    assert stored.password_hash and PASSWORD not in stored.password_hash


async def test_a_taken_email_answers_like_a_new_one_and_tells_the_owner(world: World) -> None:
    jan = await register(world)(Register("jan@example.be", PASSWORD, "Jan", Locale.FR))
    again = await register(world)(Register("JAN@example.be", PASSWORD, "Other", Locale.NL))
    # The same shape as a new account, and nothing of the existing one in it.
    assert (again.email, again.full_name, again.locale) == ("jan@example.be", "Other", Locale.NL)
    assert again.roles == {Role.OWNER} and not again.email_verified
    assert again.id != jan.id and again.id not in world.uow.store.users
    assert len(world.uow.store.users) == 1
    assert world.uow.store.users[jan.id].full_name == "Jan"
    [told] = [m for m in world.uow.outbox_rows.values() if m.topic == EMAIL_ACCOUNT_EXISTS]
    assert told.payload == {"user_id": str(jan.id)}


async def test_the_owner_is_told_of_attempts_a_few_times_an_hour_at_most(world: World) -> None:
    await register(world)(Register("jan@example.be", PASSWORD, "Jan", Locale.NL))
    for _ in range(6):
        await register(world)(Register("jan@example.be", PASSWORD, "Other", Locale.NL))
    topics = [m.topic for m in world.uow.outbox_rows.values()]
    assert topics.count(EMAIL_ACCOUNT_EXISTS) == EMAILS_PER_ADDRESS_PER_HOUR
    world.clock.advance(timedelta(hours=1))
    await register(world)(Register("jan@example.be", PASSWORD, "Other", Locale.NL))
    topics = [m.topic for m in world.uow.outbox_rows.values()]
    assert topics.count(EMAIL_ACCOUNT_EXISTS) == EMAILS_PER_ADDRESS_PER_HOUR + 1


async def test_login_and_lockout(world: World) -> None:
    await register(world)(Register("jan@example.be", PASSWORD, "Jan", Locale.NL))
    login = authenticate(world)
    assert (await login(Credentials("JAN@example.be", PASSWORD))).user.email == "jan@example.be"
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            await login(Credentials("jan@example.be", "wrong password"))
    with pytest.raises(RateLimited) as locked:
        await login(Credentials("jan@example.be", PASSWORD))
    assert 0 < locked.value.retry_after_seconds <= 900
    with pytest.raises(InvalidCredentials):
        await login(Credentials("ghost@example.be", PASSWORD))


async def test_a_success_resets_the_failure_count(world: World) -> None:
    await register(world)(Register("jan@example.be", PASSWORD, "Jan", Locale.NL))
    login = authenticate(world)
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            await login(Credentials("jan@example.be", "wrong password"))
        with pytest.raises(InvalidCredentials):
            await login(Credentials("jan@example.be", "wrong again!"))
        await login(Credentials("jan@example.be", PASSWORD))


async def test_verification_expires_after_a_week(world: World) -> None:
    user = await register(world)(Register("jan@example.be", PASSWORD, "Jan", Locale.NL))
    secret = emailed_secret(world, EMAIL_VERIFY, user.id)
    world.clock.advance(timedelta(days=7))
    with pytest.raises(InvalidInput):
        await VerifyEmail(world.uow, world.tokens, world.clock)(secret)
    assert not world.uow.store.users[user.id].email_verified


async def test_reset_tokens_last_an_hour_and_bump_the_token_version(world: World) -> None:
    user = await register(world)(Register("jan@example.be", PASSWORD, "Jan", Locale.NL))
    await request_reset(world)("jan@example.be")
    secret = emailed_secret(world, EMAIL_PASSWORD_RESET, user.id)
    confirm = confirm_reset(world)
    with pytest.raises(InvalidInput):
        await confirm(secret, "short")
    world.clock.advance(timedelta(minutes=59))
    await confirm(secret, "brand new password")
    stored = world.uow.store.users[user.id]
    assert stored.token_version == user.token_version + 1
    assert await world.hasher.verify(stored.password_hash or "", "brand new password")

    await request_reset(world)("jan@example.be")
    late = emailed_secret(world, EMAIL_PASSWORD_RESET, user.id)
    world.clock.advance(timedelta(hours=1))
    with pytest.raises(InvalidInput):
        await confirm(late, "yet another password")


async def test_create_admin_promotes_or_creates(world: World) -> None:
    create = CreateAdmin(world.uow, world.hasher, world.ids, world.clock, world.security)
    with pytest.raises(PasswordRequired):
        await create("boss@example.be", None)
    admin, created = await create("boss@example.be", "admin password!")
    assert created and admin.roles == {Role.OWNER, Role.ADMIN} and admin.email_verified
    member = await register(world)(Register("jan@example.be", PASSWORD, "Jan", Locale.NL))
    # Anyone could have registered an unverified address: it is not promoted.
    with pytest.raises(UnverifiedAccount):
        await create("jan@example.be", "operator password")
    assert not world.uow.store.users[member.id].has(Role.ADMIN)
    await VerifyEmail(world.uow, world.tokens, world.clock)(
        emailed_secret(world, EMAIL_VERIFY, member.id)
    )
    promoted, created = await create("jan@example.be", None)
    assert not created and promoted.id == member.id and promoted.has(Role.ADMIN)
    assert promoted.password_hash == world.uow.store.users[member.id].password_hash
    # A password given replaces the old one and ends existing sessions.
    renewed, _ = await create("jan@example.be", "operator password")
    assert renewed.token_version == promoted.token_version + 1
    assert await world.hasher.verify(renewed.password_hash or "", "operator password")


class SpyHasher:
    """The real hasher, with a record of what it verified."""

    def __init__(self, world: World) -> None:
        self._real = world.hasher
        self.verified: list[str] = []

    async def hash(self, password: str) -> str:
        return await self._real.hash(password)

    async def verify(self, password_hash: str, password: str) -> bool:
        self.verified.append(password_hash)
        return await self._real.verify(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._real.needs_rehash(password_hash)


async def test_an_unknown_address_costs_a_hash_check_like_a_wrong_password(world: World) -> None:
    spy = SpyHasher(world)
    dummy = await world.hasher.hash("nobody has this")
    login = Authenticate(
        world.uow, spy, world.throttle, dummy, world.devices, world.clock, world.security
    )
    with pytest.raises(InvalidCredentials):
        await login(Credentials("ghost@example.be", PASSWORD))
    assert spy.verified == [dummy]


async def test_an_attacker_locks_out_unknown_clients_only(world: World) -> None:
    """Wrong guesses from elsewhere cannot keep the owner out of a client
    that signed in before; a forged or other account's device token is unknown."""
    await register(world)(Register("jan@example.be", PASSWORD, "Jan", Locale.NL))
    await register(world)(Register("piet@example.be", PASSWORD, "Piet", Locale.NL))
    login = authenticate(world)
    device = (await login(Credentials("jan@example.be", PASSWORD))).device
    other = (await login(Credentials("piet@example.be", PASSWORD))).device
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            await login(Credentials("jan@example.be", "wrong password"))
    for unknown in (None, other, device[:-2] + "xx", "garbage"):
        with pytest.raises(RateLimited):
            await login(Credentials("jan@example.be", PASSWORD, unknown))
    signed_in = await login(Credentials("jan@example.be", PASSWORD, device))
    assert signed_in.user.email == "jan@example.be"
    # A known client has a limit of its own: a stolen token buys few guesses.
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            await login(Credentials("jan@example.be", "wrong password", device))
    with pytest.raises(RateLimited):
        await login(Credentials("jan@example.be", PASSWORD, device))


async def test_a_password_reset_lifts_the_lock(world: World) -> None:
    user = await register(world)(Register("jan@example.be", PASSWORD, "Jan", Locale.NL))
    login = authenticate(world)
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            await login(Credentials("jan@example.be", "wrong password"))
    with pytest.raises(RateLimited):
        await login(Credentials("jan@example.be", PASSWORD))
    await request_reset(world)("Jan@example.be")
    await confirm_reset(world)(
        emailed_secret(world, EMAIL_PASSWORD_RESET, user.id), "new password!"
    )
    assert (await login(Credentials("jan@example.be", "new password!"))).user.id == user.id


async def test_reset_emails_are_capped_per_address(world: World) -> None:
    user = await register(world)(Register("jan@example.be", PASSWORD, "Jan", Locale.NL))
    for address in ["jan@example.be", "JAN@example.be ", *["jan@example.be"] * 10]:
        # It answers nothing, whatever the address: no hint of who has an account.
        assert await request_reset(world)(address) is None  # type: ignore[func-returns-value]

    def resets() -> int:
        rows = world.uow.outbox_rows.values()
        return sum(
            m.topic == EMAIL_PASSWORD_RESET and m.payload["user_id"] == str(user.id) for m in rows
        )

    assert resets() == EMAILS_PER_ADDRESS_PER_HOUR
    world.clock.advance(timedelta(hours=1))
    await request_reset(world)("jan@example.be")
    assert resets() == EMAILS_PER_ADDRESS_PER_HOUR + 1
