"""Known-device tokens: only this server makes them, for one account, for a year."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tailtribe.adapters.security.device_tokens import HmacDeviceTokens

NOW = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)
TOKENS = HmacDeviceTokens("server key")
TOKEN = TOKENS.issue("account-a", NOW)


def test_a_token_names_its_device_for_its_account_until_it_expires() -> None:
    device = TOKENS.device("account-a", TOKEN, NOW)
    assert device is not None
    assert TOKENS.device("account-b", TOKEN, NOW) is None
    assert HmacDeviceTokens("other key").device("account-a", TOKEN, NOW) is None
    assert TOKENS.device("account-a", TOKEN, NOW + timedelta(days=365)) is None
    # Signing in again renews the token of the same device.
    renewed = TOKENS.issue("account-a", NOW + timedelta(days=300), device)
    assert TOKENS.device("account-a", renewed, NOW + timedelta(days=400)) == device
    assert TOKENS.issue("account-a", NOW) != TOKEN  # a new client is a new device


@given(st.integers(0, len(TOKEN) - 1), st.characters(codec="ascii"))
def test_a_changed_character_makes_it_unknown(position: int, char: str) -> None:
    changed = TOKEN[:position] + char + TOKEN[position + 1 :]
    if changed != TOKEN:
        assert TOKENS.device("account-a", changed, NOW) is None


@given(st.text(max_size=300))
def test_anything_else_is_unknown(text: str) -> None:
    assert TOKENS.device("account-a", text, NOW) is None
