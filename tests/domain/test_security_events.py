"""The pure rules of security events: the stored client name and when a
sign-in is from a new client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import example, given
from hypothesis import strategies as st

from tailtribe.domain.model.security import (
    MAX_CLIENT_LENGTH,
    NEW_CLIENT_AFTER,
    UNKNOWN_CLIENT,
    client_name,
    is_new_client,
)

NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
ages = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400))


@given(st.text(max_size=300))
@example("")
@example(" \n\t ")
@example("Firefox\non Windows")
def test_a_client_name_is_one_bounded_line_never_empty(client: str) -> None:
    name = client_name(client)
    assert 0 < len(name) <= MAX_CLIENT_LENGTH
    assert name == name.strip() and "\n" not in name and "\r" not in name
    assert client_name(name) == name  # stored names pass through unchanged
    if not client.strip():
        assert name == UNKNOWN_CLIENT


@given(ages)
def test_a_first_sign_in_is_never_a_new_client(age: timedelta) -> None:
    assert not is_new_client(NOW, None, None)
    assert not is_new_client(NOW, None, NOW - age)


@given(ages, ages)
def test_a_client_is_new_when_unseen_for_longer_than_the_window(
    since_any: timedelta, since_client: timedelta
) -> None:
    assert is_new_client(NOW, NOW - since_any, None)
    new = is_new_client(NOW, NOW - since_any, NOW - since_client)
    assert new == (since_client > NEW_CLIENT_AFTER)


def test_the_window_edge() -> None:
    assert not is_new_client(NOW, NOW, NOW - NEW_CLIENT_AFTER)
    assert is_new_client(NOW, NOW, NOW - NEW_CLIENT_AFTER - timedelta(microseconds=1))
