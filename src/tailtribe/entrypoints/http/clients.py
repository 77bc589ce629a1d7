"""A client's coarse name, for the security events: "Firefox on Windows".

Only names from the fixed lists below leave this module: neither the raw
User-Agent nor anything a client can make up in it is ever stored or
emailed. The parsing is ua-parser's (its regexes are updated as browsers
change); the network address is not used at all.
"""

from __future__ import annotations

from ua_parser import parse

from tailtribe.domain.model.security import UNKNOWN_CLIENT

# Longer User-Agents are cut: nothing past this names a browser or system,
# and the regexes need not run over kilobytes an attacker chose.
MAX_USER_AGENT = 512
APP_PRODUCT = "tailtribe/"  # our apps' User-Agent starts "TailTribe/<version>"
APP = "TailTribe app"

# ua-parser family (lower case, without "mobile"/"ios" variants) -> name.
BROWSERS = {
    "edge": "Edge",
    "opera": "Opera",
    "samsung internet": "Samsung Internet",
    "vivaldi": "Vivaldi",
    "brave": "Brave",
    "firefox": "Firefox",
    "chromium": "Chromium",
    "chrome": "Chrome",
    "safari": "Safari",
}
SYSTEMS = {
    "windows": "Windows",
    "mac os x": "macOS",
    "macos": "macOS",
    "ios": "iOS",
    "ipados": "iPadOS",
    "android": "Android",
    "chrome os": "ChromeOS",
    "chromeos": "ChromeOS",
    "linux": "Linux",
    "ubuntu": "Linux",
    "debian": "Linux",
    "fedora": "Linux",
    "linux mint": "Linux",
    "arch linux": "Linux",
    "opensuse": "Linux",
    "freebsd": "FreeBSD",
}


def _browser(family: str | None) -> str | None:
    if not family:
        return None
    name = family.lower().removeprefix("mobile ")
    for key, shown in BROWSERS.items():
        if name == key or name.startswith(key + " "):  # "chrome mobile ios" is Chrome
            return shown
    return None


def _system(family: str | None) -> str | None:
    if not family:
        return None
    name = family.lower()
    return SYSTEMS.get(name) or (SYSTEMS["windows"] if name.startswith("windows") else None)


def _app_system(user_agent: str) -> str | None:
    """Our apps say their platform in their own words."""
    lowered = user_agent.lower()
    if any(word in lowered for word in ("ios", "iphone", "ipad")):
        return SYSTEMS["ios"]
    return SYSTEMS["android"] if "android" in lowered else None


def coarse_client(user_agent: str | None) -> str:
    """ "Firefox on Windows", "TailTribe app on iOS", "unknown client"... from
    a fixed vocabulary, whatever the header says."""
    raw = (user_agent or "")[:MAX_USER_AGENT]
    if not raw.strip():
        return UNKNOWN_CLIENT
    try:
        parsed = parse(raw)
    except Exception:  # a parser surprise must not fail a sign-in
        return UNKNOWN_CLIENT
    system = _system(parsed.os.family if parsed.os else None)
    if raw.lower().startswith(APP_PRODUCT):
        system = system or _app_system(raw)
        return f"{APP} on {system}" if system else APP
    browser = _browser(parsed.user_agent.family if parsed.user_agent else None)
    if browser and system:
        return f"{browser} on {system}"
    if browser:
        return browser
    return f"{UNKNOWN_CLIENT} on {system}" if system else UNKNOWN_CLIENT
