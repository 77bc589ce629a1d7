"""compose.yaml starts the production shape with the values its comment asks
for, and with nothing else: the app's own production checks pass on them."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

import yaml

from tailtribe.config import Environment, Settings

ROOT = Path(__file__).resolve().parents[1]
# Compose's interpolation: ${NAME}, ${NAME:-default}, ${NAME:?message}.
VARIABLE = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")
FILLED_IN = {
    "TAILTRIBE_SECRET_KEY": secrets.token_urlsafe(48),
    "STRIPE_SECRET_KEY": "sk_test_" + secrets.token_hex(12),
    "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(16),
    "RESEND_API_KEY": "re_" + secrets.token_hex(12),
    "METRICS_TOKEN": secrets.token_urlsafe(24),
    "APP_URL": "https://tailtribe.example",
    "PLATFORM_LEGAL_NAME": "Staart BV",
    "PLATFORM_STREET": "Meir 1",
    "PLATFORM_POSTCODE": "2000",
    "PLATFORM_CITY": "Antwerpen",
    "PLATFORM_ENTERPRISE_NUMBER": "0123.456.749",
    "PLATFORM_VAT_NUMBER": "BE0123456749",
}


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def _required() -> set[str]:
    return {m[0] for m in VARIABLE.findall((ROOT / "compose.yaml").read_text()) if m[1] == "?"}


def _interpolate(value: str, shell: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name, kind, default = match.groups()
        if shell.get(name):
            return shell[name]
        assert kind != "?", f"compose would refuse to start without {name}"
        return default or ""

    return VARIABLE.sub(one, value)


def _environment(service: str, shell: dict[str, str]) -> dict[str, str]:
    env = _compose()["services"][service]["environment"]
    return {name: _interpolate(str(value), shell) for name, value in env.items()}


def test_the_comment_lists_exactly_the_values_compose_requires() -> None:
    header = (ROOT / "compose.yaml").read_text().split("\nname:")[0]
    listed = set(re.findall(r"^#   ([A-Z_]+) ", header, re.M))
    assert listed == _required() == set(FILLED_IN)


def test_the_filled_in_values_pass_the_production_checks() -> None:
    for service in ("migrate", "api", "worker"):
        settings = Settings.from_env(_environment(service, FILLED_IN))  # raises if refused
        assert settings.env is Environment.PRODUCTION
        assert settings.stripe_secret_key == FILLED_IN["STRIPE_SECRET_KEY"]
        # The emails' links lead to the web app, not to this API.
        assert settings.app_url == FILLED_IN["APP_URL"]
        # The documents name the company from the shell, never the demo's.
        assert settings.platform_party.vat_number == FILLED_IN["PLATFORM_VAT_NUMBER"]
        assert settings.platform_party.name == FILLED_IN["PLATFORM_LEGAL_NAME"]


def test_api_and_worker_share_the_photo_folder_or_s3() -> None:
    compose = _compose()
    services = compose["services"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    [data_dir] = re.findall(r"TAILTRIBE_DATA_DIR=(\S+)", dockerfile)
    media = Settings(data_dir=Path(data_dir)).media_dir
    mounts = {
        service: {m.split(":")[1]: m.split(":")[0] for m in services[service].get("volumes", [])}
        for service in ("api", "worker")
    }
    assert mounts["api"].get(str(media)) == mounts["worker"].get(str(media)) == "media"
    assert "media" in compose["volumes"]
    # The mount point exists in the image, owned by the app's user: a new
    # volume takes that owner, so the app can write photos into it.
    assert f"mkdir -p {media}" in dockerfile
    # Or S3, passed through when set.
    s3 = {"S3_BUCKET": "photos", "S3_REGION": "eu-west-1", "MEDIA_BASE_URL": "https://cdn.example"}
    settings = Settings.from_env(_environment("worker", FILLED_IN | s3))
    assert (settings.s3_bucket, settings.media_base_url) == ("photos", "https://cdn.example")


def test_deploy_guide_names_the_values_compose_requires() -> None:
    guide = (ROOT / "docs" / "deploy.md").read_text()
    section = guide.split("## Running compose.yaml")[1].split("\n## ")[0]
    assert all(f"`{name}`" in section for name in _required())
