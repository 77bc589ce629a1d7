"""The coarse client names: from a fixed vocabulary, whatever the User-Agent says."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tailtribe.domain.model.security import MAX_CLIENT_LENGTH, UNKNOWN_CLIENT
from tailtribe.entrypoints.http.clients import APP, BROWSERS, SYSTEMS, coarse_client

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
EDGE_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
)
CHROME_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) CriOS/131.0 Mobile/15E148 Safari/604.1"
)
SAMSUNG = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36"
)
FIREFOX_UBUNTU = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"

# Every name coarse_client can give.
SHOWN_SYSTEMS = set(SYSTEMS.values())
VOCABULARY = (
    {UNKNOWN_CLIENT, APP}
    | set(BROWSERS.values())
    | {f"{b} on {s}" for b in [*BROWSERS.values(), APP, UNKNOWN_CLIENT] for s in SHOWN_SYSTEMS}
)


@pytest.mark.parametrize(
    ("user_agent", "client"),
    [
        (FIREFOX_WINDOWS, "Firefox on Windows"),
        (SAFARI_IPHONE, "Safari on iOS"),
        (EDGE_MAC, "Edge on macOS"),
        (CHROME_IPHONE, "Chrome on iOS"),
        (SAMSUNG, "Samsung Internet on Android"),
        (FIREFOX_UBUNTU, "Firefox on Linux"),
        ("TailTribe/2.3.1 (iPhone; iOS 17.5; Scale/3.00)", "TailTribe app on iOS"),
        ("TailTribe/2.3.1 (Android 14; Pixel 8)", "TailTribe app on Android"),
        ("TailTribe/2.3.1", "TailTribe app"),
        ("python-httpx/0.28.1", UNKNOWN_CLIENT),
        ("curl/8.5.0", UNKNOWN_CLIENT),
        ("", UNKNOWN_CLIENT),
        ("   ", UNKNOWN_CLIENT),
        (None, UNKNOWN_CLIENT),
    ],
)
def test_known_clients_get_their_coarse_names(user_agent: str | None, client: str) -> None:
    assert coarse_client(user_agent) == client


def test_a_browser_version_or_build_never_shows() -> None:
    assert coarse_client(FIREFOX_WINDOWS.replace("133.0", "999.1")) == "Firefox on Windows"


def test_a_long_header_is_cut_before_it_is_parsed() -> None:
    assert coarse_client(FIREFOX_WINDOWS + " " + "x" * 100_000) == "Firefox on Windows"


@given(st.text(max_size=600))
@example("Firefox")
@example("Mozilla/5.0 (Windows NT 10.0) Evil<script>/1.0")
@example("TailTribe/1.0 (" + "iOS " * 200 + ")")
def test_any_header_gives_a_name_from_the_vocabulary_never_itself(user_agent: str) -> None:
    client = coarse_client(user_agent)
    assert client in VOCABULARY
    assert len(client) <= MAX_CLIENT_LENGTH
    assert client != user_agent or user_agent in VOCABULARY


@given(
    st.sampled_from([FIREFOX_WINDOWS, SAFARI_IPHONE, SAMSUNG]),
    st.text(alphabet=st.characters(codec="ascii"), max_size=60),
)
def test_text_added_to_a_real_header_never_leaks_into_the_name(base: str, noise: str) -> None:
    assert coarse_client(f"{base} {noise}") in VOCABULARY
