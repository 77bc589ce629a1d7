"""The users bearer tokens named a moment ago, kept for USER_CACHE_SECONDS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from tailtribe.domain.model.users import Locale, Role, User
from tailtribe.domain.services.accounts.get_user import RecentUsers
from tests.fakes.clock import FixedClock

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
TTL = timedelta(seconds=5)


def a_user() -> User:
    return User.register(
        id=uuid4(),
        email=f"u-{uuid4().hex[:6]}@example.be",
        full_name="Ann",
        password_hash=None,
        locale=Locale.NL,
        now=NOW,
    )


def test_a_user_is_kept_until_the_ttl_passes() -> None:
    clock = FixedClock(NOW)
    recent = RecentUsers(clock, TTL)
    user = a_user()
    assert recent.get(user.id) is None
    recent.keep(user)
    clock.advance(TTL - timedelta(microseconds=1))
    kept = recent.get(user.id)
    assert kept is not None and kept.id == user.id
    clock.advance(timedelta(microseconds=1))
    assert recent.get(user.id) is None


def test_each_caller_gets_its_own_copy() -> None:
    recent = RecentUsers(FixedClock(NOW), TTL)
    user = a_user()
    recent.keep(user)
    user.grant(Role.ADMIN)  # the caller's object changes after keeping it
    first = recent.get(user.id)
    assert first is not None and not first.has(Role.ADMIN)
    first.change_password("x")  # a request changing its own copy
    second = recent.get(user.id)
    assert second is not None and second.token_version == 0


def test_a_clock_moved_back_makes_entries_stale() -> None:
    clock = FixedClock(NOW)
    recent = RecentUsers(clock, TTL)
    user = a_user()
    recent.keep(user)
    clock.advance(-timedelta(seconds=1))
    assert recent.get(user.id) is None


def test_zero_ttl_keeps_nothing_and_forget_drops_an_entry() -> None:
    user = a_user()
    off = RecentUsers(FixedClock(NOW), timedelta(0))
    off.keep(user)
    assert off.get(user.id) is None
    recent = RecentUsers(FixedClock(NOW), TTL)
    recent.keep(user)
    recent.forget(user.id)
    assert recent.get(user.id) is None


def test_the_oldest_read_goes_past_the_bound() -> None:
    recent = RecentUsers(FixedClock(NOW), TTL, max_users=2)
    first, second, third = a_user(), a_user(), a_user()
    recent.keep(first)
    recent.keep(second)
    recent.keep(first)  # read again: now the newest
    recent.keep(third)
    assert recent.get(second.id) is None
    assert recent.get(first.id) is not None and recent.get(third.id) is not None
