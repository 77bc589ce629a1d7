"""Unsubscribe tokens: only this server makes them, each for one user and one kind of email."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from tailtribe.adapters.security.device_tokens import HmacDeviceTokens
from tailtribe.adapters.security.unsubscribe_tokens import HmacUnsubscribeTokens
from tailtribe.domain.model.notifications import OptionalEmails

TOKENS = HmacUnsubscribeTokens("server key")
USER = UUID("0190f1f0-0000-7000-8000-0000000000ab")
TOKEN = TOKENS.issue(USER, OptionalEmails.MESSAGES)


@given(st.uuids(), st.sampled_from(OptionalEmails))
def test_a_token_names_its_user_and_category(user: UUID, category: OptionalEmails) -> None:
    token = TOKENS.issue(user, category)
    assert TOKENS.read(token) == (user, category)
    assert HmacUnsubscribeTokens("other key").read(token) is None
    assert len(token) < 200 and token.isascii() and " " not in token


@given(st.integers(0, len(TOKEN) - 1), st.characters(codec="ascii"))
def test_a_changed_character_makes_it_unknown(position: int, char: str) -> None:
    changed = TOKEN[:position] + char + TOKEN[position + 1 :]
    if changed != TOKEN:
        assert TOKENS.read(changed) is None


@given(st.text(max_size=300))
def test_anything_else_is_unknown(text: str) -> None:
    assert TOKENS.read(text) is None


def test_another_tokens_signature_does_not_pass_for_one() -> None:
    """The same server key signs device tokens: a key of its own keeps them apart."""
    device = HmacDeviceTokens("server key").issue(USER.hex, datetime(2027, 1, 1, tzinfo=UTC))
    assert TOKENS.read(device) is None
    user, _, mac = TOKEN.split(".")
    assert TOKENS.read(f"{user}.reminders.{mac}") is None
