"""The console's second factor as use cases: sealing, time steps, recovery codes."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pyotp
import pytest

from tailtribe.adapters.security.second_factor import AesGcmSecretBox, PyotpCodes
from tailtribe.domain.errors import Conflict, InvalidCredentials, RateLimited
from tailtribe.domain.model.users import Locale, Role, User
from tailtribe.domain.services.admin.console_sign_in import (
    ConfirmEnrolment,
    StartEnrolment,
    VerifySecondFactor,
)
from tests.services.conftest import World


def _admin(world: World) -> User:
    user = User.register(
        id=uuid4(),
        email=f"a-{uuid4().hex[:6]}@example.be",
        full_name="Admin",
        password_hash=None,
        locale=Locale.EN,
        now=world.clock.now(),
    )
    user.grant(Role.ADMIN)
    return user


class Console:
    def __init__(self, world: World) -> None:
        self.box = AesGcmSecretBox("k" * 40)
        codes = PyotpCodes()
        parts = (world.uow, codes, self.box, world.clock)
        self.start = StartEnrolment(*parts)
        self.confirm = ConfirmEnrolment(*parts, world.throttle)
        self.verify = VerifySecondFactor(*parts, world.throttle)


async def _enrolled(world: World) -> tuple[Console, User, str, list[str]]:
    console, user = Console(world), _admin(world)
    enrolment = await console.start(user, None)
    recovery = await console.confirm(
        user.id, pyotp.TOTP(enrolment.secret).at(world.clock.now()), enrolment.shown
    )
    return console, user, enrolment.secret, recovery


async def test_the_secret_is_sealed_and_the_codes_digested(world: World) -> None:
    _, user, secret, recovery = await _enrolled(world)
    stored = world.uow.store.second_factors[user.id]
    assert secret not in stored.sealed_secret
    assert not set(recovery) & set(stored.recovery_digests)
    assert len(stored.recovery_digests) == 10


async def test_a_reload_keeps_the_pending_secret_and_no_other_session_ever_sees_it(
    world: World,
) -> None:
    console, user = Console(world), _admin(world)
    first = await console.start(user, None)
    assert (await console.start(user, first.shown)).secret == first.secret  # a reload
    # Another session (someone else with the password) gets a new secret, and
    # the first one's no longer confirms.
    other = await console.start(user, None)
    assert other.secret != first.secret
    with pytest.raises(InvalidCredentials):
        await console.confirm(user.id, pyotp.TOTP(first.secret).at(world.clock.now()), first.shown)
    again = await console.start(user, first.shown)
    assert again.secret not in (first.secret, other.secret)
    await console.confirm(user.id, pyotp.TOTP(again.secret).at(world.clock.now()), again.shown)
    with pytest.raises(Conflict):
        await console.start(user, again.shown)


async def test_codes_in_other_scripts_digits_are_refused_not_crashed_on(world: World) -> None:
    console, user, _, _ = await _enrolled(world)
    for code in ("١٢٣٤٥٦", "²²²²²²"):
        with pytest.raises(InvalidCredentials):
            await console.verify(user.id, code)


async def test_codes_of_a_step_used_or_past_are_refused(world: World) -> None:
    console, user, secret, _ = await _enrolled(world)
    totp = pyotp.TOTP(secret)
    # The enrolment's code used the current step.
    with pytest.raises(InvalidCredentials):
        await console.verify(user.id, totp.at(world.clock.now()))
    world.clock.advance(timedelta(seconds=30))
    await console.verify(user.id, totp.at(world.clock.now()))
    # The previous step is within the drift window, but older than the last used.
    with pytest.raises(InvalidCredentials):
        await console.verify(user.id, totp.at(world.clock.now() - timedelta(seconds=30)))
    # A phone a step ahead still works.
    await console.verify(user.id, totp.at(world.clock.now() + timedelta(seconds=30)))
    world.clock.advance(timedelta(minutes=5))
    with pytest.raises(InvalidCredentials):  # far out of the window
        await console.verify(user.id, totp.at(world.clock.now() - timedelta(minutes=2)))


async def test_failures_lock_out_and_a_success_clears_them(world: World) -> None:
    console, user, _, recovery = await _enrolled(world)
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            await console.verify(user.id, "123456")
    await console.verify(user.id, recovery[0])  # clears the count
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            await console.verify(user.id, "nonsense")
    with pytest.raises(RateLimited):
        await console.verify(user.id, recovery[1])
