"""Bearer tokens verified once per process (VerifiedOnce), their times checked on every use."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from litestar.exceptions import NotAuthorizedException

from tailtribe.entrypoints.http.auth import VerifiedOnce

SECRET = "s" * 48


@pytest.fixture(autouse=True)
def _nothing_kept() -> Iterator[None]:
    VerifiedOnce._verified.clear()
    yield
    VerifiedOnce._verified.clear()


def _token(sub: str = "someone", minutes: int = 15, secret: str = SECRET) -> str:
    exp = datetime.now(UTC) + timedelta(minutes=minutes)
    return VerifiedOnce(exp=exp, sub=sub, extras={"v": 3}).encode(secret, "HS256")


def _decode(encoded: str, secret: str = SECRET) -> VerifiedOnce:
    return VerifiedOnce.decode(encoded, secret, "HS256")


def test_a_token_kept_decodes_as_the_first_time() -> None:
    encoded = _token()
    first = _decode(encoded)
    assert len(VerifiedOnce._verified) == 1
    again = _decode(encoded)
    assert again == first
    assert again.sub == "someone"
    assert again.extras == {"v": 3}


def test_a_kept_token_is_refused_once_it_has_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    encoded = _token(minutes=15)
    _decode(encoded)
    later = time.time() + 15 * 60 + 1
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(NotAuthorizedException):
        _decode(encoded)
    assert not VerifiedOnce._verified


def test_a_token_with_another_signature_is_checked_not_taken_from_those_kept() -> None:
    encoded = _token()
    _decode(encoded)
    head, payload, signature = encoded.split(".")
    forged = f"{head}.{payload}.{signature[:-4]}AAAA"
    with pytest.raises(NotAuthorizedException):
        _decode(forged)
    with pytest.raises(NotAuthorizedException):
        _decode(encoded, secret="another secret of enough length, surely")


def test_what_a_caller_changes_in_a_token_does_not_reach_the_next() -> None:
    encoded = _token()
    _decode(encoded).extras["v"] = 99
    assert _decode(encoded).extras == {"v": 3}


def test_the_tokens_kept_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(VerifiedOnce, "VERIFIED_TOKENS_KEPT", 3)
    tokens = [_token(sub=f"user {i}") for i in range(5)]
    for encoded in tokens:
        _decode(encoded)
    assert len(VerifiedOnce._verified) == 3
    # The oldest went first; each still decodes (verified afresh).
    assert [_decode(t).sub for t in tokens] == [f"user {i}" for i in range(5)]
